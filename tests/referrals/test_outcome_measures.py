import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import AuditEvent
from families.models import Membership
from referrals.models import MeasureReading, OutcomeMeasure
from referrals.services import measure_reading_record

from ..factories import PersonFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2024, 3, 3)


@pytest.fixture
def mum():
    return PersonFactory(role=Membership.Role.MOTHER, given_name="Mia")


def measure(code: str) -> OutcomeMeasure:
    return OutcomeMeasure.objects.get(code=code)


def phq9(*scores: int) -> dict[str, int]:
    return {f"phq9_{n}": score for n, score in enumerate(scores, 1)}


def gad7(*scores: int) -> dict[str, int]:
    return {f"gad7_{n}": score for n, score in enumerate(scores, 1)}


def record(person, code, scores, user, taken_on=TODAY):
    return measure_reading_record(
        person=person, measure=measure(code), taken_on=taken_on, scores=scores, acting_user=user
    )


def test_the_three_measures_ship_with_their_items_and_scales():
    assert [
        (m.code, len(m.items), m.scale_min, m.scale_max)
        for m in OutcomeMeasure.objects.order_by("code")
    ] == [("gad-7", 7, 0, 3), ("phq-9", 9, 0, 3), ("recovery-star", 10, 1, 10)]
    star = measure("recovery-star")
    assert [item["text"] for item in star.items][:2] == [
        "Managing mental health",
        "Physical health and self-care",
    ]
    assert star.has_total is False


@pytest.mark.parametrize(
    ("total_scores", "band"),
    [
        ((0, 0, 0, 0, 0, 0, 0, 0, 0), "Minimal"),
        ((1, 1, 1, 1, 0, 0, 0, 0, 0), "Minimal"),
        ((1, 1, 1, 1, 1, 0, 0, 0, 0), "Mild"),
        ((3, 3, 3, 0, 0, 0, 0, 0, 0), "Mild"),
        ((3, 3, 3, 1, 0, 0, 0, 0, 0), "Moderate"),
        ((3, 3, 3, 3, 2, 0, 0, 0, 0), "Moderate"),
        ((3, 3, 3, 3, 3, 0, 0, 0, 0), "Moderately severe"),
        ((3, 3, 3, 3, 3, 3, 1, 0, 0), "Moderately severe"),
        ((3, 3, 3, 3, 3, 3, 2, 0, 0), "Severe"),
        ((3, 3, 3, 3, 3, 3, 3, 3, 0), "Severe"),
    ],
)
def test_phq9_totals_fall_in_the_published_bands(mum, alice, total_scores, band):
    reading = record(mum, "phq-9", phq9(*total_scores), alice)

    assert (reading.total, reading.band) == (sum(total_scores), band)
    assert reading.needs_action is False


@pytest.mark.parametrize(
    ("scores", "band"),
    [
        ((0, 0, 0, 0, 0, 0, 0), "Minimal"),
        ((1, 1, 1, 1, 0, 0, 0), "Minimal"),
        ((1, 1, 1, 1, 1, 0, 0), "Mild"),
        ((3, 3, 3, 0, 0, 0, 0), "Mild"),
        ((3, 3, 3, 1, 0, 0, 0), "Moderate"),
        ((3, 3, 3, 3, 2, 0, 0), "Moderate"),
        ((3, 3, 3, 3, 3, 0, 0), "Severe"),
        ((3, 3, 3, 3, 3, 3, 3), "Severe"),
    ],
)
def test_gad7_totals_fall_in_the_published_bands(mum, alice, scores, band):
    reading = record(mum, "gad-7", gad7(*scores), alice)

    assert (reading.total, reading.band) == (sum(scores), band)


def test_any_score_on_phq9_item_9_needs_action_whatever_the_total(mum, alice):
    reading = record(mum, "phq-9", phq9(0, 0, 0, 0, 0, 0, 0, 0, 1), alice)

    assert (reading.total, reading.band, reading.needs_action) == (1, "Minimal", True)
    assert "act on this today" in reading.measure.alert_text
    event = AuditEvent.objects.get(object_type="referrals.measurereading")
    assert event.detail == {"measure": "phq-9", "total": 1, "needs_action": True}


def test_a_recovery_star_keeps_ten_area_scores_and_no_total(mum, alice):
    scores = {f"star_{n}": n for n in range(1, 11)}

    reading = record(mum, "recovery-star", scores, alice)

    assert reading.scores == scores
    assert (reading.total, reading.band) == (None, "")


@pytest.mark.parametrize(
    ("code", "scores", "field", "message"),
    [
        ("phq-9", phq9(0, 0, 0, 0, 0, 0, 0, 0), "phq9_9", "Answer this item"),
        ("phq-9", phq9(0, 0, 0, 0, 0, 0, 0, 0, 4), "phq9_9", "from 0 to 3"),
        ("phq-9", phq9(0, 0, 0, 0, 0, 0, 0, 0, -1), "phq9_9", "from 0 to 3"),
        ("phq-9", {**phq9(0, 0, 0, 0, 0, 0, 0, 0), "phq9_9": "two"}, "phq9_9", "whole number"),
        ("phq-9", {**phq9(0, 0, 0, 0, 0, 0, 0, 0), "phq9_9": 1.5}, "phq9_9", "whole number"),
        ("gad-7", {**gad7(0, 0, 0, 0, 0, 0, 0), "gad7_8": 1}, "__all__", "Not an item"),
        ("recovery-star", {f"star_{n}": 0 for n in range(1, 11)}, "star_1", "from 1 to 10"),
        ("recovery-star", {f"star_{n}": 11 for n in range(1, 11)}, "star_10", "from 1 to 10"),
    ],
)
def test_bad_scores_are_explained_and_nothing_is_recorded(mum, alice, code, scores, field, message):
    with pytest.raises(ValidationError) as error:
        record(mum, code, scores, alice)

    assert message in " ".join(error.value.message_dict[field])
    assert not MeasureReading.objects.exists()
    assert not AuditEvent.objects.filter(object_type="referrals.measurereading").exists()


def test_a_childs_reading_is_refused(alice):
    child = PersonFactory(role=Membership.Role.CHILD)

    with pytest.raises(ValidationError, match="adults"):
        record(child, "gad-7", gad7(0, 0, 0, 0, 0, 0, 0), alice)


def test_a_reading_dated_in_the_future_is_refused(mum, alice):
    with pytest.raises(ValidationError, match="future"):
        record(
            mum,
            "gad-7",
            gad7(0, 0, 0, 0, 0, 0, 0),
            alice,
            taken_on=timezone.localdate() + datetime.timedelta(days=1),
        )
