"""The restricted-details allowlist (families.disclosure): named people read a victim's
address, phone and email; everyone else, whatever their role or pathway, does not.

The walk of every page as every role is in tests/security/test_restricted_details.py; these
pin the decision itself, one role at a time.
"""

import pytest

from accounts.models import Role, SpecialistPathway
from families.disclosure import RESTRICTED, may_read_contact_details, shield_people
from families.models import Membership

from ..factories import FamilyFactory, PersonFactory


@pytest.fixture
def family(alice):
    return FamilyFactory(reference="DISC-1", team=alice.team, social_worker=alice)


@pytest.fixture
def victim(family):
    return PersonFactory(
        family=family,
        role=Membership.Role.MOTHER,
        address="1 Safe Street",
        phone="07700 900001",
        email="safe@example.org",
        contact_restricted=True,
    )


def test_the_familys_social_worker_reads_them(alice, victim):
    assert may_read_contact_details(alice, victim) is True


def test_a_colleague_in_the_same_team_does_not(bob, victim):
    assert may_read_contact_details(bob, victim) is False


def test_a_social_worker_in_another_team_does_not(charlie, victim):
    assert may_read_contact_details(charlie, victim) is False


def test_the_familys_team_manager_reads_them(make_user, team, victim):
    assert may_read_contact_details(make_user(Role.TEAM_MANAGER, team=team), victim) is True


def test_another_teams_manager_does_not(make_user, other_team, victim):
    assert may_read_contact_details(make_user(Role.TEAM_MANAGER, team=other_team), victim) is False


def test_business_support_in_the_team_does_not(make_user, team, victim):
    assert may_read_contact_details(make_user(Role.BUSINESS_SUPPORT, team=team), victim) is False


def test_the_service_manager_over_the_family_reads_them(make_user, team, victim):
    local = make_user(Role.SERVICE_MANAGER, locality=team.locality)
    council = make_user(Role.SERVICE_MANAGER)

    assert may_read_contact_details(local, victim) is True
    assert may_read_contact_details(council, victim) is True


def test_a_service_manager_of_another_locality_does_not(make_user, other_team, victim):
    manager = make_user(Role.SERVICE_MANAGER, locality=other_team.locality)

    assert may_read_contact_details(manager, victim) is False


def test_an_auditor_reads_them_and_an_administrator_does_not(make_user, victim):
    assert may_read_contact_details(make_user(Role.AUDITOR), victim) is True
    assert may_read_contact_details(make_user(Role.ADMIN), victim) is False


@pytest.mark.parametrize("pathway", SpecialistPathway.values)
def test_a_practitioner_reads_them_only_when_working_with_that_person(make_user, victim, pathway):
    practitioner = make_user(Role.SPECIALIST, pathway=pathway)

    assert may_read_contact_details(practitioner, victim) is False
    assert may_read_contact_details(practitioner, victim, works_with_person=True) is True


def test_working_with_the_person_means_nothing_for_a_role_that_is_not_a_practitioner(bob, victim):
    assert may_read_contact_details(bob, victim, works_with_person=True) is False


def test_a_disabled_account_reads_nothing_restricted(alice, victim):
    alice.is_active = False

    assert may_read_contact_details(alice, victim) is False


def test_details_that_are_not_restricted_follow_the_records_own_access(make_user, family):
    open_details = PersonFactory(family=family, role=Membership.Role.FATHER, phone="07700 900002")
    perpetrator_worker = make_user(
        Role.SPECIALIST, pathway=SpecialistPathway.DOMESTIC_ABUSE_PERPETRATOR
    )

    assert may_read_contact_details(perpetrator_worker, open_details) is True


def test_shielded_people_show_restricted_and_cannot_be_saved(bob, victim):
    shield_people(bob, [victim])

    assert victim.details_visible is False
    assert (victim.address, victim.phone, victim.email) == (RESTRICTED,) * 3
    with pytest.raises(RuntimeError):
        victim.save()
    victim.refresh_from_db(fields=["address"])
    assert victim.address == "1 Safe Street"


def test_shielding_leaves_what_the_reader_may_see(alice, victim):
    shield_people(alice, [victim])

    assert victim.details_visible is True
    assert victim.address == "1 Safe Street"
