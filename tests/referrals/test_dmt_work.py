import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import AuditEvent, Role, SpecialistPathway
from families.models import Membership
from families.services import EditConflict
from referrals.models import (
    Appointment,
    Consultation,
    EngagementAttempt,
    Pathway,
    ProgrammeAttendance,
)
from referrals.services import (
    appointment_book,
    appointment_outcome,
    consultation_record,
    engagement_attempt_record,
    programme_attendance_record,
    programme_create,
    referral_create,
    referral_engagement_change,
    training_record,
)

from ..factories import FamilyFactory, PersonFactory

pytestmark = pytest.mark.django_db

REFERRED = datetime.date(2024, 2, 1)
LADS_TO_DADS = [
    "Becoming a dad",
    "Mental health",
    "Relationships",
    "Expectations of fathers",
    "Play and development",
    "Keeping babies safe",
    "Money and work",
    "Next steps",
]


@pytest.fixture
def dmt_worker(make_user):
    return make_user(Role.SPECIALIST, username="dmt", pathway=SpecialistPathway.DMT)


@pytest.fixture
def referral(alice, dmt_worker):
    family = FamilyFactory(team=alice.team, opened_on=datetime.date(2024, 1, 1))
    dad = PersonFactory(family=family, role=Membership.Role.FATHER, given_name="Dean")
    return referral_create(
        person=dad,
        family=family,
        pathway=Pathway.objects.get(code="dmt"),
        referred_on=REFERRED,
        eligibility_override="Test father",
        acting_user=alice,
    )


def test_three_attempts_then_he_engages(referral, dmt_worker):
    for days, method, outcome in [
        (2, "phone", "no_reply"),
        (5, "text", "message_left"),
        (9, "visit", "met"),
    ]:
        engagement_attempt_record(
            referral=referral,
            attempted_on=REFERRED + datetime.timedelta(days=days),
            method=method,
            outcome=outcome,
            acting_user=dmt_worker,
        )
    referral_engagement_change(
        referral=referral,
        engagement="engaged",
        changed_on=REFERRED + datetime.timedelta(days=9),
        acting_user=dmt_worker,
    )

    assert list(referral.attempts.values_list("method", "outcome")) == [
        ("phone", "no_reply"),
        ("text", "message_left"),
        ("visit", "met"),
    ]
    assert AuditEvent.objects.filter(object_type="referrals.engagementattempt").count() == 3


def test_an_attempt_before_the_referral_or_in_the_future_is_refused(referral, dmt_worker):
    for day in (
        REFERRED - datetime.timedelta(days=1),
        timezone.localdate() + datetime.timedelta(days=1),
    ):
        with pytest.raises(ValidationError):
            engagement_attempt_record(
                referral=referral,
                attempted_on=day,
                method="phone",
                outcome="no_reply",
                acting_user=dmt_worker,
            )
    with pytest.raises(ValidationError):
        engagement_attempt_record(
            referral=referral,
            attempted_on=REFERRED,
            method="pigeon",
            outcome="no_reply",
            acting_user=dmt_worker,
        )
    assert not EngagementAttempt.objects.exists()


def test_an_appointment_is_booked_then_marked_missed(referral, dmt_worker):
    past = timezone.now() - datetime.timedelta(days=1)
    appointment = appointment_book(referral=referral, starts_at=past, acting_user=dmt_worker)

    appointment_outcome(
        appointment=appointment,
        outcome="did_not_attend",
        expected_version=1,
        acting_user=dmt_worker,
    )

    appointment.refresh_from_db()
    assert (appointment.outcome, appointment.version) == ("did_not_attend", 2)
    with pytest.raises(EditConflict):
        appointment_outcome(
            appointment=appointment, outcome="attended", expected_version=1, acting_user=dmt_worker
        )


def test_a_future_appointment_cannot_have_been_attended(referral, dmt_worker):
    appointment = appointment_book(
        referral=referral,
        starts_at=timezone.now() + datetime.timedelta(days=2),
        acting_user=dmt_worker,
    )

    with pytest.raises(ValidationError, match="not happened yet"):
        appointment_outcome(
            appointment=appointment, outcome="attended", expected_version=1, acting_user=dmt_worker
        )
    appointment_outcome(
        appointment=appointment,
        outcome="cancelled_by_client",
        expected_version=1,
        acting_user=dmt_worker,
    )
    assert Appointment.objects.get().outcome == "cancelled_by_client"


def test_a_consultation_is_logged_with_its_team_and_time(alice, bob, dmt_worker):
    consultation_record(
        given_on=REFERRED,
        team=alice.team,
        social_worker=bob,
        topic="Engaging a father who works nights",
        minutes=45,
        acting_user=dmt_worker,
    )

    assert Consultation.objects.get().minutes == 45


def test_a_consultation_with_a_worker_of_another_team_is_refused(alice, charlie, dmt_worker):
    with pytest.raises(ValidationError, match="in that team"):
        consultation_record(
            given_on=REFERRED,
            team=alice.team,
            social_worker=charlie,
            topic="x",
            minutes=10,
            acting_user=dmt_worker,
        )
    assert not Consultation.objects.exists()


def test_lads_to_dads_runs_weekly_and_takes_fathers_with_or_without_a_case(referral, dmt_worker):
    programme = programme_create(
        name="Lads to Dads",
        pathway=Pathway.objects.get(code="dmt"),
        delivery="in_person",
        starts_on=datetime.date(2024, 4, 2),
        themes=LADS_TO_DADS,
        acting_user=dmt_worker,
    )
    sessions = list(programme.sessions.all())
    assert [(s.number, s.held_on) for s in sessions[:2]] == [
        (1, datetime.date(2024, 4, 2)),
        (2, datetime.date(2024, 4, 9)),
    ]
    assert sessions[-1].theme == "Next steps"

    programme_attendance_record(session=sessions[0], person=referral.person, acting_user=dmt_worker)
    programme_attendance_record(
        session=sessions[0], attendee_name="Jay (no case)", acting_user=dmt_worker
    )

    with pytest.raises(ValidationError, match="already recorded"):
        programme_attendance_record(
            session=sessions[0], person=referral.person, acting_user=dmt_worker
        )
    with pytest.raises(ValidationError, match="Enter the father's name"):
        programme_attendance_record(session=sessions[0], attendee_name="  ", acting_user=dmt_worker)
    assert ProgrammeAttendance.objects.filter(session=sessions[0]).count() == 2


def test_attendance_waits_for_the_session_to_happen(dmt_worker):
    programme = programme_create(
        name="Lads to Dads",
        pathway=Pathway.objects.get(code="dmt"),
        delivery="online",
        starts_on=timezone.localdate(),
        themes=["Becoming a dad", "Play"],
        acting_user=dmt_worker,
    )
    today, next_week = programme.sessions.all()

    programme_attendance_record(session=today, attendee_name="Jay", acting_user=dmt_worker)
    with pytest.raises(ValidationError, match="once the session has happened"):
        programme_attendance_record(session=next_week, attendee_name="Jay", acting_user=dmt_worker)
    assert not ProgrammeAttendance.objects.filter(session=next_week).exists()


def test_mini_training_is_recorded(dmt_worker):
    session = training_record(
        delivered_on=REFERRED,
        audience="SASS West 1 team meeting",
        attendees=12,
        acting_user=dmt_worker,
    )

    assert session.attendees == 12
    assert AuditEvent.objects.filter(object_type="referrals.trainingsession").exists()
