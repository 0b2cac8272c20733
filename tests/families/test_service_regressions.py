"""Rules found missing by review of the case services, each pinned by a test."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import Role
from families.models import Allocation, ClosureRequest, LegalStatus, Membership
from families.services import (
    child_status_change,
    closure_request_create,
    contact_record,
    contact_update,
    family_allocate,
    family_close,
    family_create,
    father_inclusion_update,
    person_update,
)

from ..factories import FamilyFactory, LocalityFactory, PersonFactory

pytestmark = pytest.mark.django_db


def days_ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


@pytest.fixture
def manager(make_user, team):
    return make_user(Role.TEAM_MANAGER, username="manager", team=team)


@pytest.fixture
def family(team, alice, manager):
    return family_create(
        locality=team.locality,
        team=team,
        social_worker=alice,
        opened_on=days_ago(100),
        acting_user=manager,
    )


def test_a_closing_date_before_the_current_allocation_is_refused(family, bob, manager):
    family_allocate(family=family, social_worker=bob, start_date=days_ago(10), acting_user=manager)

    with pytest.raises(ValidationError, match="when the current allocation began"):
        closure_request_create(
            family=family, closing_on=days_ago(20), reason="moved_away", acting_user=bob
        )
    assert not ClosureRequest.objects.exists()


def test_a_closing_date_before_a_childs_current_status_is_refused(family, alice):
    child = PersonFactory(family=family, given_name="Ann")
    child_status_change(
        child=child, status=LegalStatus.CIN, start_date=days_ago(5), acting_user=alice
    )

    with pytest.raises(ValidationError, match="Ann's current status began"):
        closure_request_create(
            family=family, closing_on=days_ago(6), reason="moved_away", acting_user=alice
        )


def test_closing_a_case_today_steps_children_out_from_tomorrow(family, alice):
    child = PersonFactory(family=family, given_name="Ann")
    child_status_change(
        child=child, status=LegalStatus.CIN, start_date=days_ago(5), acting_user=alice
    )

    family_close(
        family=family, closed_on=timezone.localdate(), closure_reason="Done", acting_user=alice
    )

    assert child.status_episodes.get().end_date == timezone.localdate()
    assert Allocation.objects.get(family=family).end_date == timezone.localdate()


def test_a_status_change_dated_tomorrow_is_refused(family, alice):
    child = PersonFactory(family=family)

    with pytest.raises(ValidationError, match="cannot be dated in the future"):
        child_status_change(
            child=child,
            status=LegalStatus.CP,
            start_date=timezone.localdate() + datetime.timedelta(days=1),
            acting_user=alice,
        )
    assert not child.status_episodes.exists()


def test_a_new_family_cannot_be_given_to_another_teams_worker(team, charlie, manager):
    with pytest.raises(ValidationError, match="social worker in the family's team"):
        family_create(
            locality=team.locality,
            team=team,
            social_worker=charlie,
            opened_on=days_ago(1),
            acting_user=manager,
        )


def test_a_new_family_cannot_be_given_to_a_team_manager(team, manager):
    with pytest.raises(ValidationError):
        family_create(
            locality=team.locality,
            team=team,
            social_worker=manager,
            opened_on=days_ago(1),
            acting_user=manager,
        )


def test_a_closed_case_cannot_be_allocated(family, alice, bob, manager):
    family_close(family=family, closed_on=days_ago(1), closure_reason="Done", acting_user=alice)

    with pytest.raises(ValidationError, match="closed case"):
        family_allocate(
            family=family, social_worker=bob, start_date=timezone.localdate(), acting_user=manager
        )


def test_a_family_without_a_team_cannot_be_allocated_to_a_worker_without_one(make_user):
    family = FamilyFactory(team=None, locality=LocalityFactory(name="Nowhere"))
    drifter = make_user(Role.SOCIAL_WORKER, username="drifter")

    with pytest.raises(ValidationError):
        family_allocate(
            family=family, social_worker=drifter, start_date=timezone.localdate(), acting_user=None
        )


def test_father_inclusion_refuses_fields_it_does_not_own(family, alice):
    child = PersonFactory(family=family)
    other = PersonFactory(family=family)

    with pytest.raises(ValueError, match="Not editable"):
        father_inclusion_update(
            child=child, expected_version=1, changes={"child": other}, acting_user=alice
        )


def test_father_inclusion_is_for_children(family, alice):
    mum = PersonFactory(family=family, role=Membership.Role.MOTHER)

    with pytest.raises(ValidationError):
        father_inclusion_update(
            child=mum,
            expected_version=1,
            changes={"invited_to_initial_conference": True},
            acting_user=alice,
        )


def test_an_adult_cannot_be_given_a_father(family, alice):
    dad = PersonFactory(family=family, role=Membership.Role.FATHER)

    with pytest.raises(ValidationError, match="Only a child"):
        person_update(person=dad, expected_version=1, changes={"father": dad}, acting_user=alice)


def test_a_contact_cannot_be_moved_into_the_future(family, alice):
    contact = contact_record(
        family=family,
        occurred_at=timezone.now(),
        kind="phone",
        note="Called mum",
        acting_user=alice,
    )

    with pytest.raises(ValidationError, match="future"):
        contact_update(
            contact=contact,
            expected_version=1,
            acting_user=alice,
            changes={"occurred_at": timezone.now() + datetime.timedelta(days=30)},
        )


def test_a_note_of_only_spaces_is_refused(family, alice):
    with pytest.raises(ValidationError, match="Enter what happened"):
        contact_record(
            family=family,
            occurred_at=timezone.now(),
            kind="phone",
            note="   ",
            significant=True,
            acting_user=alice,
        )


def test_a_case_allocated_today_can_be_reallocated_today(team, alice, bob, manager):
    family = family_create(
        locality=team.locality,
        team=team,
        social_worker=alice,
        opened_on=timezone.localdate(),
        acting_user=manager,
    )

    family_allocate(
        family=family, social_worker=bob, start_date=timezone.localdate(), acting_user=manager
    )

    assert list(
        Allocation.objects.filter(family=family).values_list(
            "social_worker__username", "start_date", "end_date"
        )
    ) == [("bob", timezone.localdate(), None)]
    family.refresh_from_db()
    assert family.social_worker == bob


def test_an_inactive_worker_cannot_be_allocated(family, bob, manager):
    bob.is_active = False
    bob.save(update_fields=["is_active"])

    with pytest.raises(ValidationError, match="social worker in the family's team"):
        family_allocate(
            family=family, social_worker=bob, start_date=timezone.localdate(), acting_user=manager
        )


def test_nobody_decides_their_own_closure(family, manager):
    from families.services import closure_request_decide

    request = closure_request_create(
        family=family, closing_on=days_ago(1), reason="moved_away", acting_user=manager
    )

    with pytest.raises(ValidationError, match="someone else must decide"):
        closure_request_decide(request=request, approve=True, acting_user=manager)
    family.refresh_from_db()
    assert family.closed_on is None


def test_a_service_manager_over_the_family_can_decide_a_managers_closure(
    family, manager, make_user
):
    from families.services import closure_request_decide

    service_manager = make_user(Role.SERVICE_MANAGER, locality=family.locality)
    request = closure_request_create(
        family=family, closing_on=days_ago(1), reason="moved_away", acting_user=manager
    )

    closure_request_decide(request=request, approve=True, acting_user=service_manager)

    family.refresh_from_db()
    assert family.closed_on == days_ago(1)


@pytest.mark.parametrize(
    "write",
    ["contact", "status", "chronology", "plan", "person", "father_inclusion", "new_person"],
)
def test_nothing_more_is_written_to_a_closed_case(family, alice, write):
    from families.models import Contact, StatusEpisode
    from families.services import chronology_entry_create, person_create, plan_create

    child = PersonFactory(family=family, given_name="Ann")
    family_close(family=family, closed_on=days_ago(1), closure_reason="Done", acting_user=alice)
    family.refresh_from_db()
    child.refresh_from_db()
    writes = {
        "contact": lambda: contact_record(
            family=family,
            occurred_at=timezone.now(),
            kind="phone",
            note="Called",
            acting_user=alice,
        ),
        "status": lambda: child_status_change(
            child=child, status=LegalStatus.CP, start_date=timezone.localdate(), acting_user=alice
        ),
        "chronology": lambda: chronology_entry_create(
            family=family, summary="Event", occurred_on=timezone.localdate(), acting_user=alice
        ),
        "plan": lambda: plan_create(
            child=child, kind="cp", started_on=timezone.localdate(), acting_user=alice
        ),
        "person": lambda: person_update(
            person=child,
            expected_version=child.version,
            changes={"given_name": "Anne"},
            acting_user=alice,
        ),
        "father_inclusion": lambda: father_inclusion_update(
            child=child,
            expected_version=1,
            changes={"invited_to_initial_conference": True},
            acting_user=alice,
        ),
        "new_person": lambda: person_create(
            family=family, role="child", given_name="New", acting_user=alice
        ),
    }

    with pytest.raises(ValidationError, match="nothing more can be recorded"):
        writes[write]()
    assert not Contact.objects.exists()
    assert not StatusEpisode.objects.exists()
    child.refresh_from_db()
    assert child.given_name == "Ann"
