"""The cast of the specialist-pathway page tests (tests/referrals/test_pages_*.py).

A father, Dean, of alice's family (a child on a child protection plan) is referred to Dads
Matter Too by alice and allocated to Dan, a DMT practitioner. Dora is Dan's DMT colleague
(not allocated), Sam works on another pathway, and Lena manages the DMT pathway. alice's
colleague bob and the outsider charlie come from tests/conftest.py.

Module-level fixtures of the same name in the older test files take precedence over these.
"""

import datetime
import html
import re
from collections.abc import Callable

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import AuditEvent, Role, SpecialistPathway, User
from families.models import Family, LegalStatus, Membership, Person, StatusEpisode
from referrals.models import (
    Appointment,
    CycleOfChangeEntry,
    MeasureReading,
    Pathway,
    Referral,
    ReferralStageChange,
)
from referrals.services import appointment_book, referral_allocate, referral_create

from ..factories import FamilyFactory, PersonFactory

REFERRED = datetime.date(2024, 5, 1)
ALLOCATED = datetime.date(2024, 5, 2)


def page_text(response) -> str:
    """The response's HTML with entities decoded, so apostrophes read as typed."""
    return html.unescape(response.content.decode())


def without_csrf_token(response) -> str:
    """The page, less the sign-out form's token, which is masked afresh for every response."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())


def record_state(referral: Referral) -> tuple:
    """Everything the work pages can change about a referral, to show that nothing did."""
    person_id = referral.person_id
    return (
        Referral.objects.filter(pk=referral.pk).values().get(),
        list(
            ReferralStageChange.objects.filter(referral=referral).values_list(
                "stage_id", "changed_on"
            )
        ),
        list(referral.engagement_changes.values_list("engagement", "changed_on")),
        referral.attempts.count(),
        list(Appointment.objects.filter(referral=referral).values_list("id", "outcome", "version")),
        referral.reviews.count(),
        MeasureReading.objects.filter(person_id=person_id).count(),
        CycleOfChangeEntry.objects.filter(person_id=person_id).count(),
        AuditEvent.objects.exclude(
            action__in=[AuditEvent.Action.VIEW, AuditEvent.Action.LOGIN]
        ).count(),
    )


@pytest.fixture
def dmt_pathway(db) -> Pathway:
    return Pathway.objects.get(code="dmt")


@pytest.fixture
def practitioner(make_user) -> User:
    """The DMT father key worker Dean is allocated to."""
    return make_user(
        Role.SPECIALIST,
        username="dan",
        first_name="Dan",
        last_name="Keyworker",
        pathway=SpecialistPathway.DMT,
    )


@pytest.fixture
def dmt_colleague(make_user) -> User:
    """Another DMT worker, not allocated to Dean."""
    return make_user(
        Role.SPECIALIST, username="dora", first_name="Dora", pathway=SpecialistPathway.DMT
    )


@pytest.fixture
def other_specialist(make_user) -> User:
    """A practitioner of another pathway."""
    return make_user(
        Role.SPECIALIST, username="sam", first_name="Sam", pathway=SpecialistPathway.SUBSTANCE_USE
    )


@pytest.fixture
def pathway_manager(make_user) -> User:
    """The DMT pathway manager: runs the waiting list and may record on any DMT referral."""
    return make_user(
        Role.SPECIALIST,
        username="lena",
        first_name="Lena",
        pathway=SpecialistPathway.DMT,
        leads_pathway=True,
    )


@pytest.fixture
def alices_family(alice) -> Family:
    return FamilyFactory(
        reference="ALICE-1",
        team=alice.team,
        social_worker=alice,
        opened_on=datetime.date(2024, 1, 1),
    )


@pytest.fixture
def child_on_cp(alices_family) -> Person:
    child = PersonFactory(
        family=alices_family, given_name="Amy", date_of_birth=datetime.date(2023, 6, 1)
    )
    StatusEpisode.objects.create(
        child=child, status=LegalStatus.CP, start_date=datetime.date(2024, 1, 10)
    )
    return child


@pytest.fixture
def father(alices_family) -> Person:
    return PersonFactory(
        family=alices_family,
        role=Membership.Role.FATHER,
        given_name="Dean",
        family_name="Smith",
        date_of_birth=datetime.date(1995, 4, 4),
        phone="07700 900555",
        address="5 Harbour Road, Weymouth",
    )


@pytest.fixture
def referral(alice, practitioner, alices_family, father, child_on_cp) -> Referral:
    """Dean's open DMT referral, allocated to Dan."""
    referral = referral_create(
        person=father,
        family=alices_family,
        pathway=Pathway.objects.get(code="dmt"),
        referred_on=REFERRED,
        reason="Dad wants to be involved.",
        acting_user=alice,
    )
    return referral_allocate(
        referral=referral, practitioner=practitioner, allocated_on=ALLOCATED, acting_user=alice
    )


@pytest.fixture
def past_appointment(referral, practitioner) -> Appointment:
    return appointment_book(
        referral=referral,
        starts_at=timezone.now() - datetime.timedelta(days=1),
        acting_user=practitioner,
    )


@pytest.fixture
def client_as(
    client_for,
    alice,
    bob,
    charlie,
    practitioner,
    dmt_colleague,
    other_specialist,
    pathway_manager,
) -> Callable[[str], Client]:
    """A signed-in client for one of the cast by fixture name; "anonymous" is nobody."""
    cast = {
        "alice": alice,
        "bob": bob,
        "charlie": charlie,
        "practitioner": practitioner,
        "dmt_colleague": dmt_colleague,
        "other_specialist": other_specialist,
        "pathway_manager": pathway_manager,
    }

    def make(name: str) -> Client:
        return Client() if name == "anonymous" else client_for(cast[name])

    return make
