"""The restricted-details allowlist (families.disclosure): named people read a victim's
address, phone and email; everyone else, whatever their role or pathway, does not.

The walk of every page as every role is in tests/security/test_walk.py; these pin the
decision itself, one role at a time. The decision is about the person: someone who lives in
two households is read by whoever holds either household's case, on either family's page.
"""

import datetime

import pytest

from accounts.models import Role, SpecialistPathway
from families.disclosure import RESTRICTED, may_read_contact_details, shield_people
from families.models import Membership, Person

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


# One person, many households: the rule is the person's, wherever they appear ---------------


@pytest.fixture
def second_household(charlie):
    """Charlie's family in another locality, where the victim also lives now."""
    return FamilyFactory(reference="DISC-2", team=charlie.team, social_worker=charlie)


def test_the_social_worker_of_either_household_reads_them(alice, charlie, victim, second_household):
    Membership.objects.create(
        person=victim, family=second_household, role=Membership.Role.OTHER_ADULT
    )

    assert may_read_contact_details(alice, victim) is True
    assert may_read_contact_details(charlie, victim) is True


def test_each_household_shows_them_to_the_other_households_worker_too(
    alice, charlie, victim, second_household
):
    """Shown on DISC-1's page or DISC-2's, the decision is the same: it is about her."""
    Membership.objects.create(
        person=victim, family=second_household, role=Membership.Role.OTHER_ADULT
    )
    on_alices_page = Person.objects.get(pk=victim.pk)
    on_charlies_page = Person.objects.get(pk=victim.pk)

    shield_people(charlie, [on_alices_page])
    shield_people(alice, [on_charlies_page])

    assert on_alices_page.details_visible and on_charlies_page.details_visible
    assert on_alices_page.address == on_charlies_page.address == "1 Safe Street"


def test_the_other_households_colleagues_and_managers_follow_the_same_rule(
    make_user, bob, other_team, victim, second_household
):
    Membership.objects.create(
        person=victim, family=second_household, role=Membership.Role.OTHER_ADULT
    )
    chesil_manager = make_user(Role.TEAM_MANAGER, team=other_team)
    chesil_colleague = make_user(Role.SOCIAL_WORKER, team=other_team)

    assert may_read_contact_details(chesil_manager, victim) is True
    assert may_read_contact_details(chesil_colleague, victim) is False
    assert may_read_contact_details(bob, victim) is False


def test_a_household_they_have_left_no_longer_reads_them(alice, charlie, victim, second_household):
    """She left DISC-2 (the perpetrator's household, say): its worker loses her new details."""
    Membership.objects.create(
        person=victim,
        family=second_household,
        role=Membership.Role.MOTHER,
        left_on=datetime.date(2024, 5, 1),
    )

    assert may_read_contact_details(charlie, victim) is False
    assert may_read_contact_details(alice, victim) is True


def test_shielding_reads_the_households_of_everyone_shown_in_one_query(
    alice, charlie, family, second_household, django_assert_num_queries
):
    people = [
        PersonFactory(family=family, role=Membership.Role.MOTHER, contact_restricted=True)
        for _ in range(5)
    ]
    for person in people:
        Membership.objects.create(
            person=person, family=second_household, role=Membership.Role.OTHER_ADULT
        )
    shown = list(Person.objects.filter(pk__in=[person.pk for person in people]))

    with django_assert_num_queries(1):
        shield_people(charlie, shown)

    assert all(person.details_visible for person in shown)


def test_someone_who_lives_in_none_of_the_families_now_is_read_by_auditors_alone(
    alice, make_user, victim
):
    Membership.objects.filter(person=victim).update(left_on=datetime.date(2024, 5, 1))
    auditor = make_user(Role.AUDITOR, username="audra")
    manager = make_user(Role.SERVICE_MANAGER, username="sam")

    assert may_read_contact_details(auditor, victim) is True
    assert may_read_contact_details(alice, victim) is False
    assert may_read_contact_details(manager, victim) is False
