"""Each work form refuses bad input with a GOV.UK error summary and leaves the record as it
was. (Good input, and its audit row, is covered page by page in test_pages_access.py.)"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from referrals.models import Appointment, Engagement
from referrals.services import appointment_book

from .conftest import page_text, record_state

pytestmark = pytest.mark.django_db


def day(offset: int = 0) -> str:
    return (timezone.localdate() + datetime.timedelta(days=offset)).isoformat()


PHQ9_ALL_ZERO = {f"phq9_{n}": "0" for n in range(1, 10)}

INVALID = [
    # (page, posted, message shown)
    ("stage", {"stage": "intervention", "changed_on": day(1)}, "cannot be in the future"),
    (
        "stage",
        {"stage": "intervention", "changed_on": "2024-05-01"},
        "The change cannot be before the last one, 2 May 2024.",
    ),
    ("stage", {"changed_on": day()}, "Select a stage"),
    ("stage", {"stage": "closed", "changed_on": day()}, "Select a valid choice"),
    (
        "engagement",
        {"engagement": "engaged", "changed_on": day(1)},
        "The date must be between the referral and today.",
    ),
    (
        "engagement",
        {"engagement": "engaged", "changed_on": "2024-04-30"},
        "The date must be between the referral and today.",
    ),
    ("engagement", {"changed_on": day()}, "Select how he or she is engaging"),
    (
        "attempt_create",
        {"attempted_on": day(1), "method": "phone", "outcome": "spoke"},
        "The date cannot be in the future.",
    ),
    (
        "attempt_create",
        {"attempted_on": "2024-04-30", "method": "phone", "outcome": "spoke"},
        "The attempt cannot be before the referral, 1 May 2024.",
    ),
    (
        "attempt_create",
        {"attempted_on": day(), "outcome": "spoke"},
        "Select how you tried to make contact",
    ),
    (
        "attempt_create",
        {"attempted_on": "31/02/2024", "method": "phone", "outcome": "spoke"},
        "Enter a real date",
    ),
    (
        "appointment_create",
        {"day": day(1), "minutes": "60"},
        "Enter the time of the appointment",
    ),
    (
        "appointment_create",
        {"day": day(1), "time": "10:00", "minutes": "2"},
        "Enter a length of at least 5 minutes",
    ),
    ("appointment_outcome", {"version": "1"}, "Select what happened"),
    (
        "appointment_outcome",
        {"outcome": "attended", "version": "0"},
        "Someone else changed this while you had it open.",
    ),
    ("measure_create", {"taken_on": day(), **PHQ9_ALL_ZERO, "phq9_9": ""}, "Answer item 9"),
    (
        "measure_create",
        {"taken_on": day(1), **PHQ9_ALL_ZERO},
        "The date cannot be in the future.",
    ),
    (
        "cycle_of_change",
        {"stage": "action", "recorded_on": day(1)},
        "The date cannot be in the future.",
    ),
    (
        "cycle_of_change",
        {"recorded_on": day()},
        "Select a stage of the cycle of change",
    ),
    (
        "review",
        {"reviewed_on": day(), "summary": "Fine.", "next_review_on": day()},
        "The next review must be after this one.",
    ),
    (
        "review",
        {"reviewed_on": day(), "summary": "", "next_review_on": day(70)},
        "Enter what the review found",
    ),
    (
        "review",
        {"reviewed_on": "2024-04-01", "summary": "Fine.", "next_review_on": day(70)},
        "The date must be between the referral and today.",
    ),
    (
        "close",
        {"closed_on": "2024-04-01", "reason": "completed", "outcome": "Done."},
        "The date must be between the referral and today.",
    ),
    ("close", {"closed_on": day(), "outcome": "Done."}, "Select the reason for closing"),
    ("close", {"closed_on": day(), "reason": "completed"}, "Enter the outcome"),
]


def url_for(page: str, referral, appointment) -> str:
    if page == "appointment_outcome":
        return reverse("referrals:appointment_outcome", args=[referral.pk, appointment.pk])
    if page == "measure_create":
        return reverse("referrals:measure_create", args=[referral.pk, "phq-9"])
    return reverse(f"referrals:{page}", args=[referral.pk])


@pytest.mark.parametrize(("page", "posted", "message"), INVALID)
def test_a_bad_work_form_shows_the_problem_and_changes_nothing(
    client_as, referral, past_appointment, page, posted, message
):
    before = record_state(referral)

    response = client_as("practitioner").post(url_for(page, referral, past_appointment), posted)

    assert response.status_code == 200
    text = page_text(response)
    assert "There is a problem" in text
    assert message in text
    assert 'class="govuk-error-summary"' in text
    assert record_state(referral) == before


def test_a_future_appointment_cannot_be_marked_attended(client_as, referral, practitioner):
    future = appointment_book(
        referral=referral,
        starts_at=timezone.now() + datetime.timedelta(days=3),
        acting_user=practitioner,
    )
    before = record_state(referral)

    response = client_as("practitioner").post(
        reverse("referrals:appointment_outcome", args=[referral.pk, future.pk]),
        {"outcome": "attended", "version": str(future.version)},
    )

    assert "There is a problem" in page_text(response)
    assert "The appointment has not happened yet." in page_text(response)
    assert record_state(referral) == before


def test_a_future_appointment_can_be_cancelled(client_as, referral, practitioner):
    future = appointment_book(
        referral=referral,
        starts_at=timezone.now() + datetime.timedelta(days=3),
        acting_user=practitioner,
    )

    response = client_as("practitioner").post(
        reverse("referrals:appointment_outcome", args=[referral.pk, future.pk]),
        {"outcome": "cancelled_by_client", "version": str(future.version)},
    )

    assert response.status_code == 302
    future.refresh_from_db()
    assert (future.outcome, future.version) == (Appointment.Outcome.CANCELLED_BY_CLIENT, 2)


def test_a_valid_stage_change_is_kept_in_the_history_and_shown(client_as, referral, practitioner):
    client = client_as("practitioner")

    response = client.post(
        reverse("referrals:stage", args=[referral.pk]),
        {"stage": "intervention", "changed_on": day()},
        follow=True,
    )

    assert "Moved to Intervention." in page_text(response)
    assert list(referral.stage_changes.values_list("stage__code", flat=True)) == [
        "referral",
        "allocated",
        "intervention",
    ]
    event = AuditEvent.objects.filter(action="update", actor=practitioner).latest("id")
    assert event.detail == {"stage": "intervention", "changed_on": day()}


def test_a_valid_engagement_change_is_kept_in_the_history(client_as, referral, practitioner):
    client_as("practitioner").post(
        reverse("referrals:engagement", args=[referral.pk]),
        {"engagement": "not_engaged", "changed_on": day()},
    )

    referral.refresh_from_db()
    assert referral.engagement == Engagement.NOT_ENGAGED
    assert referral.engagement_changes.last().changed_by == practitioner


def test_a_booked_appointment_starts_at_the_local_time_entered(client_as, referral):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    client_as("practitioner").post(
        reverse("referrals:appointment_create", args=[referral.pk]),
        {"day": tomorrow.isoformat(), "time": "14:30", "minutes": "45"},
    )

    appointment = referral.appointments.get()
    starts = timezone.localtime(appointment.starts_at)
    assert (starts.date(), starts.hour, starts.minute, appointment.minutes) == (
        tomorrow,
        14,
        30,
        45,
    )
