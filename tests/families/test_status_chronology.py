"""Each change of a child's legal status enters the family's chronology in plain words."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import AuditEvent
from families.models import ChronologyEntry, LegalStatus, Person, StatusEpisode
from families.services import child_status_change

from ..factories import PersonFactory

pytestmark = pytest.mark.django_db


def days_ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


@pytest.fixture
def ann() -> Person:
    return PersonFactory(given_name="Ann")


def chronology(child: Person) -> list[tuple]:
    entries = ChronologyEntry.objects.filter(family=child.membership.family)
    return list(entries.values_list("occurred_on", "summary"))


def history(child: Person) -> tuple:
    """Everything a refused change must leave as it was."""
    return (
        list(child.status_episodes.values_list("status", "start_date", "end_date")),
        chronology(child),
        AuditEvent.objects.count(),
    )


def test_a_first_status_reads_as_became(ann, alice):
    episode = child_status_change(
        child=ann, status=LegalStatus.CIN, start_date=days_ago(30), acting_user=alice
    )

    entry = ChronologyEntry.objects.get(family=ann.membership.family)
    assert (entry.occurred_on, entry.summary) == (days_ago(30), "Ann became Child in need.")
    assert (entry.status_episode, entry.recorded_by, entry.contact) == (episode, alice, None)
    assert entry.source == ChronologyEntry.Source.LEGAL_STATUS


def test_moving_up_the_ladder_reads_as_stepped_up(ann, alice):
    child_status_change(
        child=ann, status=LegalStatus.CIN, start_date=days_ago(30), acting_user=alice
    )

    child_status_change(
        child=ann, status=LegalStatus.CP, start_date=days_ago(10), acting_user=alice
    )

    assert chronology(ann)[-1] == (
        days_ago(10),
        "Ann stepped up from Child in need to Child protection.",
    )


def test_moving_down_the_ladder_reads_as_stepped_down(ann, alice):
    child_status_change(
        child=ann, status=LegalStatus.LOOKED_AFTER, start_date=days_ago(30), acting_user=alice
    )

    child_status_change(
        child=ann, status=LegalStatus.EARLY_HELP, start_date=days_ago(10), acting_user=alice
    )

    assert chronology(ann)[-1] == (
        days_ago(10),
        "Ann stepped down from Looked after to Early help.",
    )


def test_leaving_childrens_services_reads_as_stepped_out(ann, alice):
    child_status_change(
        child=ann, status=LegalStatus.CP, start_date=days_ago(30), acting_user=alice
    )

    child_status_change(child=ann, status=None, start_date=days_ago(10), acting_user=alice)

    entry = ChronologyEntry.objects.get(family=ann.membership.family, occurred_on=days_ago(10))
    assert entry.summary == "Ann stepped out of children's services (was Child protection)."
    assert entry.status_episode is None


def test_coming_back_after_stepping_out_reads_as_became_again(ann, alice):
    child_status_change(
        child=ann, status=LegalStatus.CIN, start_date=days_ago(30), acting_user=alice
    )
    child_status_change(child=ann, status=None, start_date=days_ago(20), acting_user=alice)

    child_status_change(
        child=ann, status=LegalStatus.CP, start_date=days_ago(10), acting_user=alice
    )

    assert [summary for _, summary in chronology(ann)] == [
        "Ann became Child in need.",
        "Ann stepped out of children's services (was Child in need).",
        "Ann became Child protection.",
    ]
    assert list(ann.status_episodes.values_list("status", "start_date", "end_date")) == [
        ("cin", days_ago(30), days_ago(21)),
        ("cp", days_ago(10), None),
    ]


def test_a_status_can_change_today(ann, alice):
    child_status_change(
        child=ann, status=LegalStatus.CIN, start_date=days_ago(30), acting_user=alice
    )

    child_status_change(child=ann, status=LegalStatus.CP, start_date=days_ago(0), acting_user=alice)

    assert StatusEpisode.objects.get(child=ann, end_date__isnull=True).start_date == days_ago(0)


@pytest.mark.parametrize("ahead", [2, 30])
def test_a_change_dated_in_the_future_is_refused(ann, alice, ahead):
    child_status_change(
        child=ann, status=LegalStatus.CIN, start_date=days_ago(30), acting_user=alice
    )
    before = history(ann)

    with pytest.raises(ValidationError, match="cannot be dated in the future"):
        child_status_change(
            child=ann, status=LegalStatus.CP, start_date=days_ago(-ahead), acting_user=alice
        )

    assert history(ann) == before


@pytest.mark.parametrize("start", [30, 45], ids=["same day", "earlier"])
def test_a_change_on_or_before_the_current_status_began_is_refused(ann, alice, start):
    child_status_change(
        child=ann, status=LegalStatus.CIN, start_date=days_ago(30), acting_user=alice
    )
    before = history(ann)

    with pytest.raises(ValidationError, match="when the current status began"):
        child_status_change(
            child=ann, status=LegalStatus.CP, start_date=days_ago(start), acting_user=alice
        )

    assert history(ann) == before


@pytest.mark.parametrize("start", [25, 21], ids=["inside it", "its last day"])
def test_a_change_inside_an_ended_episode_is_refused(ann, alice, start):
    child_status_change(
        child=ann, status=LegalStatus.CIN, start_date=days_ago(30), acting_user=alice
    )
    child_status_change(child=ann, status=None, start_date=days_ago(20), acting_user=alice)
    before = history(ann)

    with pytest.raises(ValidationError, match="when the last status ended"):
        child_status_change(
            child=ann, status=LegalStatus.CP, start_date=days_ago(start), acting_user=alice
        )

    assert history(ann) == before


def test_a_child_not_open_cannot_step_out(ann, alice):
    with pytest.raises(ValidationError, match="not open to children's services"):
        child_status_change(child=ann, status=None, start_date=days_ago(1), acting_user=alice)

    assert history(ann) == ([], [], 0)


def test_a_child_who_stepped_out_cannot_step_out_again(ann, alice):
    child_status_change(
        child=ann, status=LegalStatus.CIN, start_date=days_ago(30), acting_user=alice
    )
    child_status_change(child=ann, status=None, start_date=days_ago(20), acting_user=alice)
    before = history(ann)

    with pytest.raises(ValidationError, match="not open to children's services"):
        child_status_change(child=ann, status=None, start_date=days_ago(10), acting_user=alice)

    assert history(ann) == before


def test_one_child_changing_leaves_a_sibling_untouched(ann, alice):
    ben = PersonFactory(family=ann.membership.family, given_name="Ben")
    child_status_change(
        child=ben, status=LegalStatus.CP, start_date=days_ago(30), acting_user=alice
    )

    child_status_change(
        child=ann, status=LegalStatus.CIN, start_date=days_ago(40), acting_user=alice
    )

    assert list(ben.status_episodes.values_list("status", "start_date", "end_date")) == [
        ("cp", days_ago(30), None)
    ]
    assert [summary for _, summary in chronology(ann)] == [
        "Ann became Child in need.",
        "Ben became Child protection.",
    ]
