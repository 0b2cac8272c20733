"""Who may open the referral record and each page that records work on it.

The allocated practitioner and their pathway manager record the work. The family's social
worker and her team read the record but record nothing on it. Anyone else is told the
referral does not exist (404), so a partner agency's worker cannot probe for it.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from families.models import Membership
from referrals.models import Appointment, CycleOfChangeEntry, MeasureReading, Referral
from referrals.services import referral_allocate, referral_close, referral_create

from ..factories import PersonFactory
from .conftest import page_text, record_state, without_csrf_token

pytestmark = pytest.mark.django_db

WORK_PAGES = [
    "stage",
    "engagement",
    "attempt_create",
    "appointment_create",
    "appointment_outcome",
    "measure_create",
    "cycle_of_change",
    "review",
    "close",
]


def today() -> datetime.date:
    return timezone.localdate()


def work_url(page: str, referral: Referral, appointment: Appointment) -> str:
    if page == "appointment_outcome":
        return reverse("referrals:appointment_outcome", args=[referral.pk, appointment.pk])
    if page == "measure_create":
        return reverse("referrals:measure_create", args=[referral.pk, "phq-9"])
    return reverse(f"referrals:{page}", args=[referral.pk])


def valid_post(page: str, appointment: Appointment) -> dict:
    day = today().isoformat()
    return {
        "stage": {"stage": "intervention", "changed_on": day},
        "engagement": {"engagement": "engaged", "changed_on": day},
        "attempt_create": {
            "attempted_on": day,
            "method": "phone",
            "outcome": "spoke",
            "note": "Spoke about the group.",
        },
        "appointment_create": {
            "day": (today() + datetime.timedelta(days=2)).isoformat(),
            "time": "10:30",
            "minutes": "60",
        },
        "appointment_outcome": {"outcome": "attended", "version": str(appointment.version)},
        "measure_create": {"taken_on": day, **{f"phq9_{n}": "1" for n in range(1, 10)}},
        "cycle_of_change": {"stage": "contemplation", "recorded_on": day},
        "review": {
            "reviewed_on": day,
            "summary": "Going well.",
            "next_review_on": (today() + datetime.timedelta(weeks=12)).isoformat(),
        },
        "close": {"closed_on": day, "reason": "completed", "outcome": "He finished the work."},
    }[page]


def saved(page: str, referral: Referral, appointment: Appointment) -> tuple[bool, str, str]:
    """Whether the page's POST took effect, and the audit row it should have written
    (action, object type)."""
    referral.refresh_from_db()
    appointment.refresh_from_db()
    return {
        "stage": (referral.stage.code == "intervention", "update", "referrals.referral"),
        "engagement": (referral.engagement == "engaged", "update", "referrals.referral"),
        "attempt_create": (
            referral.attempts.filter(note="Spoke about the group.").exists(),
            "create",
            "referrals.engagementattempt",
        ),
        "appointment_create": (
            referral.appointments.count() == 2,
            "create",
            "referrals.appointment",
        ),
        "appointment_outcome": (
            appointment.outcome == Appointment.Outcome.ATTENDED,
            "update",
            "referrals.appointment",
        ),
        "measure_create": (
            MeasureReading.objects.filter(person=referral.person, total=9).exists(),
            "create",
            "referrals.measurereading",
        ),
        "cycle_of_change": (
            CycleOfChangeEntry.objects.filter(
                person=referral.person, stage="contemplation"
            ).exists(),
            "create",
            "referrals.cycleofchangeentry",
        ),
        "review": (
            referral.reviews.filter(summary="Going well.").exists()
            and referral.next_review_on == today() + datetime.timedelta(weeks=12),
            "create",
            "referrals.referralreview",
        ),
        "close": (
            referral.closed_on == today() and referral.closure_code == "completed",
            "update",
            "referrals.referral",
        ),
    }[page]


# The record page --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status", "can_work"),
    [
        ("practitioner", 200, True),
        ("pathway_manager", 200, True),
        ("alice", 200, False),
        ("bob", 200, False),
        ("dmt_colleague", 404, None),
        ("other_specialist", 404, None),
        ("charlie", 404, None),
    ],
)
def test_who_may_open_the_referral_record(client_as, referral, who, status, can_work):
    response = client_as(who).get(reverse("referrals:detail", args=[referral.pk]))

    assert response.status_code == status
    if status == 200:
        assert response.context["can_work"] is can_work
        assert ("Record an attempt to engage" in page_text(response)) is can_work
        assert "Dean Smith" in page_text(response)


def test_a_hidden_referral_looks_the_same_as_one_that_does_not_exist(client_as, referral):
    colleague = client_as("dmt_colleague")

    hidden = colleague.get(reverse("referrals:detail", args=[referral.pk]))
    missing = colleague.get(reverse("referrals:detail", args=[referral.pk + 1000]))

    assert hidden.status_code == missing.status_code == 404
    assert without_csrf_token(hidden) == without_csrf_token(missing)
    assert not AuditEvent.objects.filter(object_type="referrals.referral", action="view").exists()


def test_an_anonymous_visitor_is_sent_to_sign_in_from_the_record(client_as, referral):
    url = reverse("referrals:detail", args=[referral.pk])

    response = client_as("anonymous").get(url)

    assert response.status_code == 302
    assert response.url == f"{reverse('accounts:login')}?next={url}"


@pytest.mark.parametrize("who", ["practitioner", "alice"])
def test_opening_the_record_is_audited_against_the_reader(client_as, referral, request, who):
    client_as(who).get(reverse("referrals:detail", args=[referral.pk]))

    # The referral, and the family the record shows too (its children and other adults).
    events = AuditEvent.objects.filter(action=AuditEvent.Action.VIEW).order_by("pk")
    assert [(e.actor, e.object_type, e.object_id) for e in events] == [
        (request.getfixturevalue(who), "referrals.referral", str(referral.pk)),
        (request.getfixturevalue(who), "families.family", str(referral.family_id)),
    ]
    assert {event.detail["page"] for event in events} == {"referrals:detail"}


# The work pages ---------------------------------------------------------------------------


@pytest.mark.parametrize("page", WORK_PAGES)
@pytest.mark.parametrize("who", ["practitioner", "pathway_manager"])
def test_the_practitioner_and_the_pathway_manager_open_and_save_each_work_page(
    client_as, referral, past_appointment, request, page, who
):
    client = client_as(who)
    user = request.getfixturevalue(who)
    url = work_url(page, referral, past_appointment)

    assert client.get(url).status_code == 200
    response = client.post(url, valid_post(page, past_appointment))

    assert response.status_code == 302
    assert response.url == reverse("referrals:detail", args=[referral.pk])
    took_effect, action, object_type = saved(page, referral, past_appointment)
    assert took_effect
    assert AuditEvent.objects.filter(
        actor=user, action=action, object_type=object_type, username=user.username
    ).exists()


@pytest.mark.parametrize("page", WORK_PAGES)
@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("dmt_colleague", 404),
        ("other_specialist", 404),
        ("alice", 403),
        ("bob", 403),
        ("charlie", 404),
    ],
)
def test_nobody_else_opens_or_saves_a_work_page(
    client_as, referral, past_appointment, request, page, who, status
):
    client = client_as(who)
    url = work_url(page, referral, past_appointment)
    before = record_state(referral)

    assert client.get(url).status_code == status
    assert client.post(url, valid_post(page, past_appointment)).status_code == status

    assert record_state(referral) == before
    assert not AuditEvent.objects.filter(
        actor=request.getfixturevalue(who), action=AuditEvent.Action.VIEW
    ).exists()


@pytest.mark.parametrize("page", WORK_PAGES)
def test_an_anonymous_visitor_is_sent_to_sign_in_from_each_work_page(
    client_as, referral, past_appointment, page
):
    client = client_as("anonymous")
    url = work_url(page, referral, past_appointment)
    before = record_state(referral)

    for response in (client.get(url), client.post(url, valid_post(page, past_appointment))):
        assert response.status_code == 302
        assert response.url == f"{reverse('accounts:login')}?next={url}"
    assert record_state(referral) == before


@pytest.mark.parametrize("page", WORK_PAGES)
@pytest.mark.parametrize("who", ["practitioner", "pathway_manager"])
def test_a_closed_referral_takes_no_more_work(
    client_as, referral, past_appointment, practitioner, page, who
):
    referral_close(
        referral=referral,
        closed_on=today(),
        reason="completed",
        outcome="Done.",
        acting_user=practitioner,
    )
    client = client_as(who)
    url = work_url(page, referral, past_appointment)
    before = record_state(referral)

    assert client.get(url).status_code == 403
    assert client.post(url, valid_post(page, past_appointment)).status_code == 403

    assert record_state(referral) == before
    record = client.get(reverse("referrals:detail", args=[referral.pk]))
    assert record.status_code == 200
    assert record.context["can_work"] is False
    assert "Record an attempt to engage" not in page_text(record)


def test_an_appointment_of_another_referral_is_not_found(
    client_as, referral, past_appointment, alice, dmt_colleague, alices_family
):
    uncle = PersonFactory(family=alices_family, role=Membership.Role.OTHER_ADULT)
    others = referral_create(
        person=uncle,
        family=alices_family,
        pathway=referral.pathway,
        referred_on=referral.referred_on,
        eligibility_override="Asked by the conference.",
        acting_user=alice,
    )
    referral_allocate(
        referral=others,
        practitioner=dmt_colleague,
        allocated_on=referral.allocated_on,
        acting_user=alice,
    )

    # Dora may work on her own referral, but not reach Dean's appointment through it.
    url = reverse("referrals:appointment_outcome", args=[others.pk, past_appointment.pk])
    response = client_as("dmt_colleague").post(url, {"outcome": "attended", "version": "1"})

    assert response.status_code == 404
    past_appointment.refresh_from_db()
    assert past_appointment.outcome == Appointment.Outcome.BOOKED


@pytest.mark.parametrize("page", WORK_PAGES)
def test_opening_a_work_page_is_audited_against_the_worker(
    client_as, referral, past_appointment, practitioner, page
):
    client_as("practitioner").get(work_url(page, referral, past_appointment))

    event = AuditEvent.objects.get(action=AuditEvent.Action.VIEW)
    assert (event.actor, event.object_type, event.object_id) == (
        practitioner,
        "referrals.referral",
        str(referral.pk),
    )
    assert event.detail == {"page": f"referrals:{page}"}
