"""Every specialist-pathway page renders for the people who use it (a first line of defence;
the page tests pin the behaviour)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, SpecialistPathway
from families.models import Membership
from referrals.models import OutcomeMeasure, Pathway
from referrals.services import (
    appointment_book,
    measure_reading_record,
    referral_allocate,
    referral_create,
)

from ..factories import FamilyFactory, PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def dmt_worker(make_user):
    return make_user(Role.SPECIALIST, username="dan", pathway=SpecialistPathway.DMT)


@pytest.fixture
def dmt_lead(make_user):
    return make_user(
        Role.SPECIALIST, username="lead", pathway=SpecialistPathway.DMT, leads_pathway=True
    )


@pytest.fixture
def referral(alice, dmt_worker):
    family = FamilyFactory(team=alice.team, opened_on=datetime.date(2024, 1, 1))
    PersonFactory(
        family=family, role=Membership.Role.CHILD, date_of_birth=datetime.date(2024, 3, 1)
    )
    dad = PersonFactory(
        family=family, role=Membership.Role.FATHER, date_of_birth=datetime.date(2000, 1, 1)
    )
    referral = referral_create(
        person=dad,
        family=family,
        pathway=Pathway.objects.get(code="dmt"),
        referred_on=datetime.date(2024, 5, 1),
        eligibility_override="Social worker asked",
        acting_user=alice,
    )
    referral = referral_allocate(
        referral=referral,
        practitioner=dmt_worker,
        allocated_on=datetime.date(2024, 5, 2),
        acting_user=alice,
    )
    star = OutcomeMeasure.objects.get(code="recovery-star")
    for day, score in ((datetime.date(2024, 6, 1), 3), (datetime.date(2024, 9, 1), 6)):
        measure_reading_record(
            person=dad,
            measure=star,
            taken_on=day,
            scores=dict.fromkeys(star.item_keys, score),
            acting_user=dmt_worker,
        )
    appointment_book(referral=referral, starts_at=timezone.now(), acting_user=dmt_worker)
    return referral


def test_practitioner_pages_render(client_for, dmt_worker, referral):
    client = client_for(dmt_worker)
    pk = referral.pk
    appointment = referral.appointments.get()
    for url in [
        reverse("home"),
        reverse("referrals:detail", args=[pk]),
        reverse("referrals:stage", args=[pk]),
        reverse("referrals:engagement", args=[pk]),
        reverse("referrals:attempt_create", args=[pk]),
        reverse("referrals:appointment_create", args=[pk]),
        reverse("referrals:appointment_outcome", args=[pk, appointment.pk]),
        reverse("referrals:measure_create", args=[pk, "phq-9"]),
        reverse("referrals:measure_create", args=[pk, "recovery-star"]),
        reverse("referrals:cycle_of_change", args=[pk]),
        reverse("referrals:review", args=[pk]),
        reverse("referrals:close", args=[pk]),
        reverse("referrals:caseload_export"),
        reverse("api-referral-list"),
        reverse("api-referral-detail", args=[referral.reference]),
        reverse("api-referral-attempt-list", args=[referral.reference]),
        reverse("api-referral-appointment-list", args=[referral.reference]),
        reverse("api-referral-appointment-detail", args=[referral.reference, appointment.pk]),
        reverse("api-referral-reading-list", args=[referral.reference]),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url


def test_manager_and_social_worker_pages_render(client_for, dmt_lead, alice, referral):
    lead = client_for(dmt_lead)
    assert lead.get(reverse("referrals:pathways")).status_code == 302
    assert lead.get(reverse("referrals:pathway", args=["dmt"])).status_code == 200
    assert lead.get(reverse("referrals:allocate", args=[referral.pk])).status_code == 200
    social_worker = client_for(alice)
    assert (
        social_worker.get(reverse("referrals:refer", args=[referral.person_id])).status_code == 200
    )
    assert social_worker.get(referral.family.get_absolute_url()).status_code == 200
    assert social_worker.get(reverse("referrals:detail", args=[referral.pk])).status_code == 200
