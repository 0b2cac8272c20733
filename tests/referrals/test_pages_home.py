"""A practitioner's home page: who is waiting to be seen, who they are working with, this
week's sessions and the reviews that are overdue."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from families.models import Membership
from referrals.models import (
    Appointment,
    CycleOfChangeEntry,
    Pathway,
    Referral,
)

from ..factories import FamilyFactory, PersonFactory
from .conftest import page_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def make_referral(alice, practitioner):
    """A DMT referral of a new father allocated to Dan (or `to`), made directly."""
    pathway = Pathway.objects.get(code="dmt")
    family = FamilyFactory(team=alice.team, opened_on=datetime.date(2023, 1, 1))
    made = []

    def make(given_name: str, *, to=practitioner, **fields) -> Referral:
        dad = PersonFactory(
            family=family, role=Membership.Role.FATHER, given_name=given_name, family_name="Dad"
        )
        fields.setdefault("referred_on", datetime.date(2024, 1, 1))
        fields.setdefault("allocated_on", fields["referred_on"])
        referral = Referral.objects.create(
            reference=f"HOME-{len(made)}",
            person=dad,
            family=family,
            pathway=pathway,
            practitioner=to,
            **fields,
        )
        made.append(referral)
        return referral

    return make


def at(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def book(referral: Referral, starts_at: datetime.datetime, outcome=Appointment.Outcome.BOOKED):
    return Appointment.objects.create(
        referral=referral, starts_at=starts_at, outcome=outcome, practitioner=referral.practitioner
    )


def home(client):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response


def names(referrals) -> list[str]:
    return [referral.person.given_name for referral in referrals]


def section(text: str, caption: str) -> str:
    """The HTML of the table captioned `caption`."""
    found = re.search(rf"<caption[^>]*>{re.escape(caption)}.*?</table>", text, re.S)
    assert found, f"no table captioned {caption!r}"
    return found.group(0)


def test_waiting_is_red_then_amber_then_green_then_the_longest_waiting(client_as, make_referral):
    make_referral("Greg", rag="green", referred_on=datetime.date(2024, 1, 1))
    make_referral("Ray", rag="red", referred_on=datetime.date(2024, 4, 1))
    make_referral("Amos", rag="amber", referred_on=datetime.date(2024, 2, 1))
    make_referral("Rex", rag="red", referred_on=datetime.date(2024, 3, 1))
    make_referral("Abe", rag="amber", referred_on=datetime.date(2024, 1, 15))

    response = home(client_as("practitioner"))

    assert names(response.context["home"].waiting) == ["Rex", "Ray", "Abe", "Amos", "Greg"]
    table = section(page_text(response), "Your waiting list")
    positions = [table.index(f"{name} Dad") for name in ("Rex", "Ray", "Abe", "Amos", "Greg")]
    assert positions == sorted(positions)
    rex = response.context["home"].waiting[0]
    assert rex.days_waiting == (timezone.localdate() - datetime.date(2024, 3, 1)).days


def test_an_adult_is_waiting_until_seen_then_on_the_caseload(client_as, make_referral):
    yesterday = timezone.now() - datetime.timedelta(days=1)
    booked = make_referral("Bo")
    book(booked, timezone.now() + datetime.timedelta(days=3))
    missed = make_referral("Miles")
    book(missed, yesterday, Appointment.Outcome.DID_NOT_ATTEND)
    seen = make_referral("Sid", engagement="engaged")
    book(seen, yesterday, Appointment.Outcome.ATTENDED)
    next_visit = book(seen, at(timezone.localdate() + datetime.timedelta(days=20), 11))
    CycleOfChangeEntry.objects.create(
        person=seen.person,
        stage="preparation",
        recorded_on=datetime.date(2024, 2, 1),
        recorded_by=seen.practitioner,
    )
    CycleOfChangeEntry.objects.create(
        person=seen.person,
        stage="action",
        recorded_on=datetime.date(2024, 3, 1),
        recorded_by=seen.practitioner,
    )

    response = home(client_as("practitioner"))

    assert sorted(names(response.context["home"].waiting)) == ["Bo", "Miles"]
    assert names(response.context["home"].caseload) == ["Sid"]
    row = section(page_text(response), "Your caseload")
    assert "Sid Dad" in row
    assert "Engaged" in row
    assert "Action" in row  # the latest placement on the cycle of change
    assert "Preparation" not in row
    assert timezone.localtime(next_visit.starts_at).strftime("%-d %B, %H:%M") in row
    assert "Bo Dad" not in row
    assert response.context["home"].open_count == 3


def test_closed_and_other_practitioners_referrals_are_not_on_the_home_page(
    client_as, make_referral, dmt_colleague
):
    make_referral("Mine")
    make_referral("Done", closed_on=datetime.date(2024, 2, 1))
    make_referral("Theirs", to=dmt_colleague)

    response = home(client_as("practitioner"))

    home_data = response.context["home"]
    assert names(home_data.waiting) + names(home_data.caseload) == ["Mine"]
    text = page_text(response)
    assert "Done Dad" not in text
    assert "Theirs Dad" not in text


def test_sessions_this_week_lists_only_this_weeks_appointments(
    client_as, make_referral, dmt_colleague
):
    today = timezone.localdate()
    monday = today - datetime.timedelta(days=today.weekday())
    referral = make_referral("Wes")
    first = book(referral, at(monday, 9))
    last = book(referral, at(monday + datetime.timedelta(days=6), 20), "cancelled_by_client")
    book(referral, at(monday - datetime.timedelta(days=1), 20))  # last Sunday
    book(referral, at(monday + datetime.timedelta(days=7), 9))  # next Monday
    book(make_referral("Col", to=dmt_colleague), at(monday + datetime.timedelta(days=2), 10))

    response = home(client_as("practitioner"))

    assert response.context["home"].week_start == monday
    assert [appointment.pk for appointment in response.context["home"].sessions] == [
        first.pk,
        last.pk,
    ]
    table = section(page_text(response), "Sessions this week")
    assert table.count("Wes Dad") == 2
    assert "Cancelled by the adult" in table
    assert "Col Dad" not in table


def test_overdue_reviews_lists_reviews_due_before_today_oldest_first(client_as, make_referral):
    today = timezone.localdate()
    make_referral("Late", next_review_on=today - datetime.timedelta(days=1))
    make_referral("Later", next_review_on=today - datetime.timedelta(days=30))
    make_referral("Due", next_review_on=today)
    make_referral("Soon", next_review_on=today + datetime.timedelta(days=7))
    make_referral("Unset")
    make_referral(
        "Closed",
        next_review_on=today - datetime.timedelta(days=3),
        closed_on=datetime.date(2024, 2, 1),
    )

    response = home(client_as("practitioner"))

    assert names(response.context["home"].overdue_reviews) == ["Later", "Late"]
    table = section(page_text(response), "Overdue reviews")
    assert "Later Dad" in table and "Late Dad" in table
    assert "Due Dad" not in table and "Soon Dad" not in table and "Closed Dad" not in table


def test_with_nothing_overdue_there_is_no_overdue_table(client_as, make_referral):
    make_referral("Soon", next_review_on=timezone.localdate() + datetime.timedelta(days=7))

    assert "Overdue reviews" not in page_text(home(client_as("practitioner")))


def test_a_practitioner_with_no_adults_is_told_what_they_will_see(client_as):
    text = page_text(home(client_as("practitioner")))

    assert "No adults are allocated to you." in text
    assert "Nobody is waiting." in text
    assert "No sessions booked this week." in text


def test_the_pathway_manager_is_offered_the_waiting_list(client_as):
    assert reverse("referrals:pathways") in page_text(home(client_as("pathway_manager")))
    assert reverse("referrals:pathways") not in page_text(home(client_as("practitioner")))


def test_the_home_page_counts_open_cases_against_capacity(client_as, make_referral):
    make_referral("One")
    make_referral("Two", closed_on=datetime.date(2024, 2, 1))

    text = page_text(home(client_as("practitioner")))

    assert "1 open case of your capacity of 15." in text
