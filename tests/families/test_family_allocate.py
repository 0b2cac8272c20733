import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import AuditEvent, Role
from families.models import Allocation, Family
from families.services import family_allocate, family_create

pytestmark = pytest.mark.django_db


def days_ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


@pytest.fixture
def manager(make_user, team):
    return make_user(Role.TEAM_MANAGER, username="manager", team=team)


@pytest.fixture
def family(team, alice, manager) -> Family:
    """Alice's case, opened 100 days ago."""
    return family_create(
        reference="FAM-ALICE",
        locality=team.locality,
        team=team,
        social_worker=alice,
        opened_on=days_ago(100),
        acting_user=manager,
    )


def allocations(family: Family) -> list[tuple]:
    return list(
        family.allocations.order_by("start_date").values_list(
            "social_worker__username", "start_date", "end_date"
        )
    )


def case_state(family: Family) -> tuple:
    """Everything a refused allocation must leave as it was."""
    family.refresh_from_db()
    return (
        allocations(family),
        family.social_worker_id,
        family.version,
        AuditEvent.objects.count(),
    )


# family_create ------------------------------------------------------------------------------


def test_a_family_opened_with_a_social_worker_is_allocated_from_the_day_it_opened(
    team, alice, manager
):
    family = family_create(
        locality=team.locality,
        team=team,
        social_worker=alice,
        opened_on=days_ago(10),
        acting_user=manager,
    )

    allocation = Allocation.objects.get(family=family)
    assert (allocation.social_worker, allocation.start_date, allocation.end_date) == (
        alice,
        days_ago(10),
        None,
    )
    assert allocation.allocated_by == manager
    assert family.social_worker == alice
    assert family.version == 1


def test_a_family_opened_without_a_social_worker_has_no_allocation(team, manager):
    family = family_create(
        locality=team.locality, team=team, opened_on=days_ago(10), acting_user=manager
    )

    assert not family.allocations.exists()
    assert family.social_worker is None


def test_a_family_made_here_gets_a_reference_of_its_own(team, manager):
    first = family_create(locality=team.locality, opened_on=days_ago(1), acting_user=manager)
    second = family_create(locality=team.locality, opened_on=days_ago(1), acting_user=manager)

    assert first.reference.startswith("F-")
    assert first.reference != second.reference


def test_opening_a_family_is_audited_with_the_actor(team, alice, manager):
    family = family_create(
        locality=team.locality,
        team=team,
        social_worker=alice,
        opened_on=days_ago(10),
        acting_user=manager,
    )

    event = AuditEvent.objects.get(object_type="families.family", object_id=str(family.pk))
    assert (event.actor, event.username, event.action) == (manager, "manager", "create")


def test_a_duplicate_reference_is_refused_and_nothing_is_written(family, team, bob, manager):
    audit_rows = AuditEvent.objects.count()

    with pytest.raises(ValidationError, match="reference"):
        family_create(
            reference="FAM-ALICE",
            locality=team.locality,
            team=team,
            social_worker=bob,
            opened_on=days_ago(5),
            acting_user=manager,
        )

    assert Family.objects.count() == 1
    assert not Allocation.objects.filter(social_worker=bob).exists()
    assert AuditEvent.objects.count() == audit_rows


# family_allocate ----------------------------------------------------------------------------


def test_reallocating_ends_the_current_allocation_the_day_before(family, bob, manager):
    family_allocate(family=family, social_worker=bob, start_date=days_ago(30), acting_user=manager)

    assert allocations(family) == [
        ("alice", days_ago(100), days_ago(31)),
        ("bob", days_ago(30), None),
    ]


def test_reallocating_hands_the_family_to_the_new_worker_and_bumps_its_version(
    family, bob, manager
):
    allocation = family_allocate(
        family=family, social_worker=bob, start_date=days_ago(30), acting_user=manager
    )

    family.refresh_from_db()
    assert family.social_worker == bob
    assert family.version == 2
    assert allocation.allocated_by == manager


def test_the_passed_family_reflects_the_reallocation(family, bob, manager):
    family_allocate(family=family, social_worker=bob, start_date=days_ago(30), acting_user=manager)

    assert (family.social_worker, family.version) == (bob, 2)


def test_reallocating_is_audited_with_the_actor_and_the_new_worker(family, bob, manager):
    family_allocate(family=family, social_worker=bob, start_date=days_ago(30), acting_user=manager)

    event = AuditEvent.objects.filter(object_type="families.family", action="update").get()
    assert event.actor == manager
    assert event.detail == {
        "field": "social_worker",
        "to": "bob",
        "start_date": days_ago(30).isoformat(),
    }


def test_allocating_an_unallocated_family_creates_its_first_allocation(team, alice, manager):
    family = family_create(
        locality=team.locality, team=team, opened_on=days_ago(10), acting_user=manager
    )

    family_allocate(family=family, social_worker=alice, start_date=days_ago(9), acting_user=manager)

    assert allocations(family) == [("alice", days_ago(9), None)]
    assert family.social_worker == alice


def test_a_case_can_pass_through_several_workers_in_turn(family, alice, bob, manager):
    family_allocate(family=family, social_worker=bob, start_date=days_ago(30), acting_user=manager)
    family_allocate(family=family, social_worker=alice, start_date=days_ago(5), acting_user=manager)

    assert allocations(family) == [
        ("alice", days_ago(100), days_ago(31)),
        ("bob", days_ago(30), days_ago(6)),
        ("alice", days_ago(5), None),
    ]
    assert family.version == 3


def test_a_social_worker_from_another_team_cannot_be_allocated(family, bob, charlie, manager):
    before = case_state(family)

    with pytest.raises(ValidationError, match="social worker in the family's team"):
        family_allocate(
            family=family, social_worker=charlie, start_date=days_ago(30), acting_user=manager
        )

    assert case_state(family) == before
    # The owner's colleague in the same team can take the case.
    family_allocate(family=family, social_worker=bob, start_date=days_ago(30), acting_user=manager)
    assert family.social_worker == bob


@pytest.mark.parametrize(
    "role", [Role.TEAM_MANAGER, Role.BUSINESS_SUPPORT, Role.SERVICE_MANAGER, Role.AUDITOR]
)
def test_only_a_social_worker_can_be_allocated(family, team, make_user, manager, role):
    not_a_social_worker = make_user(role, team=team)
    before = case_state(family)

    with pytest.raises(ValidationError, match="social worker in the family's team"):
        family_allocate(
            family=family,
            social_worker=not_a_social_worker,
            start_date=days_ago(30),
            acting_user=manager,
        )

    assert case_state(family) == before


@pytest.mark.parametrize("start", [100, 101, 150], ids=["same day", "day before", "long before"])
def test_an_allocation_must_start_after_the_current_one_started(family, bob, manager, start):
    before = case_state(family)

    with pytest.raises(ValidationError, match="must start after") as error:
        family_allocate(
            family=family, social_worker=bob, start_date=days_ago(start), acting_user=manager
        )

    assert "start_date" in error.value.message_dict
    assert case_state(family) == before


def test_an_allocation_may_start_the_day_after_the_current_one_started(family, bob, manager):
    family_allocate(family=family, social_worker=bob, start_date=days_ago(99), acting_user=manager)

    assert allocations(family) == [
        ("alice", days_ago(100), days_ago(100)),
        ("bob", days_ago(99), None),
    ]
