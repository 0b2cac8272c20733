import datetime

import pytest
from django.http import Http404

from accounts.models import Role, SpecialistPathway
from families.models import Membership
from referrals.models import Pathway
from referrals.selectors import referral_for, referral_list_for
from referrals.services import referral_allocate, referral_create

from ..factories import FamilyFactory, PartnerAgencyFactory, PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def agency():
    return PartnerAgencyFactory(name="Safe Horizons")


@pytest.fixture
def owner(make_user, agency):
    """The perpetrator-programme worker the father is allocated to."""
    return make_user(
        Role.SPECIALIST,
        username="owner",
        agency=agency,
        pathway=SpecialistPathway.DOMESTIC_ABUSE_PERPETRATOR,
    )


@pytest.fixture
def colleague(make_user, agency):
    """Another worker on the same pathway, in the same agency."""
    return make_user(
        Role.SPECIALIST,
        username="colleague",
        agency=agency,
        pathway=SpecialistPathway.DOMESTIC_ABUSE_PERPETRATOR,
    )


@pytest.fixture
def family(alice):
    return FamilyFactory(team=alice.team, opened_on=datetime.date(2024, 1, 1))


@pytest.fixture
def referral(alice, owner, family):
    dad = PersonFactory(family=family, role=Membership.Role.FATHER, given_name="Dean")
    referral = referral_create(
        person=dad,
        family=family,
        pathway=Pathway.objects.get(code="domestic_abuse_perpetrator"),
        referred_on=datetime.date(2024, 2, 1),
        acting_user=alice,
    )
    return referral_allocate(
        referral=referral,
        practitioner=owner,
        allocated_on=datetime.date(2024, 2, 2),
        acting_user=alice,
    )


def test_the_allocated_practitioner_sees_the_referral(owner, referral):
    assert list(referral_list_for(owner)) == [referral]
    assert referral_for(owner, referral.pk) == referral


def test_a_colleague_on_the_same_pathway_does_not(colleague, referral):
    assert not referral_list_for(colleague).exists()
    with pytest.raises(Http404):
        referral_for(colleague, referral.pk)


def test_the_family_team_sees_it_and_another_team_does_not(alice, bob, charlie, referral):
    assert list(referral_list_for(alice)) == [referral]
    assert list(referral_list_for(bob)) == [referral]
    assert not referral_list_for(charlie).exists()


def test_an_administrator_sees_no_referrals(make_user, referral):
    assert not referral_list_for(make_user(Role.ADMIN)).exists()
