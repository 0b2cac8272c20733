"""Outcome measures on the referral record: PHQ-9's item 9 is never averaged away, and a
Recovery Star shows first against latest per area."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from referrals.models import MeasureReading, OutcomeMeasure

from .conftest import page_text

pytestmark = pytest.mark.django_db

ACT_ON_THIS = "Act on this"


def record(client, referral, code: str, scores: dict[str, int], taken_on=None, **kwargs):
    taken_on = taken_on or timezone.localdate()
    return client.post(
        reverse("referrals:measure_create", args=[referral.pk, code]),
        {"taken_on": taken_on.isoformat(), **{key: str(value) for key, value in scores.items()}},
        **kwargs,
    )


def phq9(item_9: int, others: int) -> dict[str, int]:
    return {**{f"phq9_{n}": others for n in range(1, 9)}, "phq9_9": item_9}


def alert_text() -> str:
    return OutcomeMeasure.objects.get(code="phq-9").alert_text


# PHQ-9 ------------------------------------------------------------------------------------


@pytest.mark.parametrize("item_9", [1, 2, 3])
def test_any_score_on_item_9_prompts_action_even_with_a_low_total(client_as, referral, item_9):
    client = client_as("practitioner")

    response = record(client, referral, "phq-9", phq9(item_9, 0), follow=True)

    assert response.redirect_chain == [(reverse("referrals:detail", args=[referral.pk]), 302)]
    reading = MeasureReading.objects.get(person=referral.person)
    assert (reading.total, reading.band, reading.needs_action) == (item_9, "Minimal", True)
    text = page_text(response)
    assert alert_text() in text  # the prompt straight after saving
    assert ACT_ON_THIS in text  # and the banner on the record
    assert "Needs action" in text
    # The banner stays on the record for whoever opens it next, not only after saving.
    again = page_text(client_as("alice").get(reverse("referrals:detail", args=[referral.pk])))
    assert ACT_ON_THIS in again
    assert alert_text() in again


def test_a_reading_with_nothing_on_item_9_shows_no_banner_even_when_severe(client_as, referral):
    response = record(client_as("practitioner"), referral, "phq-9", phq9(0, 3), follow=True)

    reading = MeasureReading.objects.get(person=referral.person)
    assert (reading.total, reading.band, reading.needs_action) == (24, "Severe", False)
    text = page_text(response)
    assert ACT_ON_THIS not in text
    assert alert_text() not in text
    assert "PHQ-9 (depression) recorded: 24 (Severe)." in text


def test_the_record_shows_no_banner_before_any_reading(client_as, referral):
    text = page_text(client_as("practitioner").get(reverse("referrals:detail", args=[referral.pk])))

    assert ACT_ON_THIS not in text


# Recovery Star ----------------------------------------------------------------------------


def star_rows(text: str) -> dict[str, tuple[str, str, str]]:
    """The rows of the Recovery Star's first-against-latest table: area -> (first, latest,
    change)."""
    table = re.search(
        r"<caption[^>]*>Recovery Star: first reading.*?</caption>(.*?)</table>", text, re.S
    )
    assert table, "no first-against-latest table"
    rows = re.findall(
        r'<th scope="row" class="govuk-table__header">([^<]+)</th>\s*'
        r"<td[^>]*>([^<]*)</td>\s*<td[^>]*>([^<]*)</td>\s*<td[^>]*>([^<]*)</td>",
        table.group(1),
    )
    return {area: (first, latest, change) for area, first, latest, change in rows}


def test_a_recovery_star_shows_first_against_latest_for_each_area(client_as, referral):
    star = OutcomeMeasure.objects.get(code="recovery-star")
    client = client_as("practitioner")
    start = {key: number for number, key in enumerate(star.item_keys, 1)}  # 1 .. 10
    review = dict.fromkeys(star.item_keys, 5)
    record(client, referral, "recovery-star", start, taken_on=datetime.date(2024, 6, 1))
    record(client, referral, "recovery-star", review, taken_on=datetime.date(2024, 9, 1))

    text = page_text(client.get(reverse("referrals:detail", args=[referral.pk])))

    assert "Recovery Star: first reading (1 June 2024) against latest (1 September 2024)" in text
    rows = star_rows(text)
    assert list(rows) == [item["text"] for item in star.items]
    assert rows["Managing mental health"] == ("1", "5", "+4")
    assert rows["Addictive behaviour"] == ("7", "5", "-2")
    assert rows["Work"] == ("5", "5", "0")
    assert rows["Trust and hope"] == ("10", "5", "-5")


def test_the_comparison_is_first_against_latest_whatever_the_order_of_entry(client_as, referral):
    """A reading entered late for an earlier date is not the latest."""
    star = OutcomeMeasure.objects.get(code="recovery-star")
    client = client_as("practitioner")
    record(
        client,
        referral,
        "recovery-star",
        dict.fromkeys(star.item_keys, 8),
        taken_on=(datetime.date(2024, 9, 1)),
    )
    record(
        client,
        referral,
        "recovery-star",
        dict.fromkeys(star.item_keys, 2),
        taken_on=(datetime.date(2024, 6, 1)),
    )
    record(
        client,
        referral,
        "recovery-star",
        dict.fromkeys(star.item_keys, 4),
        taken_on=(datetime.date(2024, 7, 1)),
    )

    rows = star_rows(page_text(client.get(reverse("referrals:detail", args=[referral.pk]))))

    assert rows["Living skills"] == ("2", "8", "+6")


def test_one_recovery_star_has_nothing_to_compare(client_as, referral):
    star = OutcomeMeasure.objects.get(code="recovery-star")
    client = client_as("practitioner")
    record(client, referral, "recovery-star", dict.fromkeys(star.item_keys, 4))

    text = page_text(client.get(reverse("referrals:detail", args=[referral.pk])))

    assert "Every Recovery Star reading" in text
    assert "Recovery Star: first reading" not in text


def test_a_recovery_star_score_below_1_is_refused(client_as, referral):
    star = OutcomeMeasure.objects.get(code="recovery-star")
    scores = {**dict.fromkeys(star.item_keys, 4), "star_3": 0}

    response = record(client_as("practitioner"), referral, "recovery-star", scores)

    assert "There is a problem" in page_text(response)
    assert "Answer item 3 with a score from 1 to 10" in page_text(response)
    assert not MeasureReading.objects.exists()


# GAD-7 ------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["4", "-1", "two", "1.5"])
def test_a_gad7_answer_off_the_scale_is_refused_with_a_clear_message(client_as, referral, bad):
    scores = {**{f"gad7_{n}": 1 for n in range(1, 8)}, "gad7_2": bad}

    response = record(client_as("practitioner"), referral, "gad-7", scores)

    assert response.status_code == 200
    text = page_text(response)
    assert "There is a problem" in text
    assert "Answer item 2 with a score from 0 to 3" in text
    assert not MeasureReading.objects.exists()


def test_a_gad7_reading_is_scored_and_banded(client_as, referral):
    scores = {f"gad7_{n}": 2 for n in range(1, 8)}

    response = record(client_as("practitioner"), referral, "gad-7", scores, follow=True)

    assert "GAD-7 (anxiety) recorded: 14 (Moderate)." in page_text(response)
    assert ACT_ON_THIS not in page_text(response)
    reading = MeasureReading.objects.get()
    assert (reading.total, reading.band, reading.recorded_by.username) == (14, "Moderate", "dan")


def test_an_unknown_measure_is_not_found(client_as, referral):
    response = client_as("practitioner").get(
        reverse("referrals:measure_create", args=[referral.pk, "no-such-measure"])
    )

    assert response.status_code == 404
