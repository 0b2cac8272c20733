import datetime

import pytest
from django.core.exceptions import ValidationError

from accounts.models import AuditEvent
from families.models import LegalStatus, Membership, Person, Plan, PlanAction
from families.services import (
    EditConflict,
    plan_action_create,
    plan_action_update,
    plan_create,
)

from ..factories import FamilyFactory, PersonFactory

pytestmark = pytest.mark.django_db

MARCH_1 = datetime.date(2024, 3, 1)


@pytest.fixture
def family():
    return FamilyFactory()


@pytest.fixture
def ann(family) -> Person:
    return PersonFactory(family=family, given_name="Ann")


@pytest.fixture
def mum(family) -> Person:
    return PersonFactory(family=family, role=Membership.Role.MOTHER, given_name="Mia")


@pytest.fixture
def plan(ann, alice) -> Plan:
    return plan_create(child=ann, kind=LegalStatus.CP, started_on=MARCH_1, acting_user=alice)


@pytest.fixture
def action(plan, alice) -> PlanAction:
    return plan_action_create(
        plan=plan,
        description="Book a parenting course",
        due_on=datetime.date(2024, 4, 1),
        owner_worker=alice,
        acting_user=alice,
    )


def stored(action: PlanAction) -> tuple:
    return PlanAction.objects.filter(pk=action.pk).values_list(
        "description", "due_on", "status", "version"
    )[0]


# plan_create -------------------------------------------------------------------------------


def test_a_child_gets_a_plan_with_its_review_date(ann, alice):
    plan = plan_create(
        child=ann,
        kind=LegalStatus.CIN,
        started_on=MARCH_1,
        review_on=datetime.date(2024, 6, 1),
        acting_user=alice,
    )

    assert Plan.objects.filter(child=ann).values_list("kind", "started_on", "review_on").get() == (
        "cin",
        MARCH_1,
        datetime.date(2024, 6, 1),
    )
    event = AuditEvent.objects.get(object_type="families.plan")
    assert (event.actor, event.action, event.object_id) == (alice, "create", str(plan.pk))


@pytest.mark.parametrize(
    "role",
    [
        Membership.Role.MOTHER,
        Membership.Role.FATHER,
        Membership.Role.CARER,
        Membership.Role.OTHER_ADULT,
    ],
)
def test_plans_are_only_for_children(family, alice, role):
    adult = PersonFactory(family=family, role=role)

    with pytest.raises(ValidationError, match="Plans are for children"):
        plan_create(child=adult, kind=LegalStatus.CIN, started_on=MARCH_1, acting_user=alice)

    assert not Plan.objects.exists()
    assert not AuditEvent.objects.exists()


def test_a_plan_of_an_unknown_kind_is_refused(ann, alice):
    with pytest.raises(ValidationError) as error:
        plan_create(child=ann, kind="wishful", started_on=MARCH_1, acting_user=alice)

    assert "kind" in error.value.message_dict
    assert not Plan.objects.exists()


# plan_action_create ------------------------------------------------------------------------


def test_a_worker_can_own_an_action(action, alice):
    assert (action.owner_worker, action.owner_person, action.owner) == (alice, None, alice)
    assert (action.status, action.version) == ("not_started", 1)


def test_a_family_member_can_own_an_action(plan, mum, alice):
    action = plan_action_create(
        plan=plan,
        description="Attend the parenting course",
        due_on=datetime.date(2024, 5, 1),
        owner_person=mum,
        acting_user=alice,
    )

    assert (action.owner_worker, action.owner_person, action.owner) == (None, mum, mum)


def test_creating_an_action_is_audited(action, alice):
    event = AuditEvent.objects.get(object_type="families.planaction")
    assert (event.actor, event.action, event.object_id) == (alice, "create", str(action.pk))


@pytest.mark.parametrize("owners", ["both", "neither"])
def test_an_action_has_exactly_one_owner(plan, mum, alice, owners):
    audit_rows = AuditEvent.objects.count()
    owner_worker, owner_person = (alice, mum) if owners == "both" else (None, None)

    with pytest.raises(ValidationError, match="Choose one owner"):
        plan_action_create(
            plan=plan,
            description="Someone should do this",
            due_on=datetime.date(2024, 5, 1),
            owner_worker=owner_worker,
            owner_person=owner_person,
            acting_user=alice,
        )

    assert not PlanAction.objects.exists()
    assert AuditEvent.objects.count() == audit_rows


def test_a_family_member_from_another_family_cannot_own_an_action(plan, alice):
    someone_else = PersonFactory(role=Membership.Role.MOTHER)
    audit_rows = AuditEvent.objects.count()

    with pytest.raises(ValidationError, match="from this family"):
        plan_action_create(
            plan=plan,
            description="Attend the parenting course",
            due_on=datetime.date(2024, 5, 1),
            owner_person=someone_else,
            acting_user=alice,
        )

    assert not PlanAction.objects.exists()
    assert AuditEvent.objects.count() == audit_rows


def test_an_action_without_a_description_is_refused(plan, alice):
    with pytest.raises(ValidationError) as error:
        plan_action_create(
            plan=plan,
            description="",
            due_on=datetime.date(2024, 5, 1),
            owner_worker=alice,
            acting_user=alice,
        )

    assert "description" in error.value.message_dict
    assert not PlanAction.objects.exists()


# plan_action_update ------------------------------------------------------------------------


def test_changing_an_actions_status_bumps_its_version_and_is_audited(action, alice):
    plan_action_update(
        action=action,
        expected_version=1,
        changes={"status": PlanAction.Status.IN_PROGRESS},
        acting_user=alice,
    )

    assert stored(action) == (
        "Book a parenting course",
        datetime.date(2024, 4, 1),
        "in_progress",
        2,
    )
    event = AuditEvent.objects.get(object_type="families.planaction", action="update")
    assert (event.actor, event.detail) == (alice, {"fields": ["status"]})


def test_an_unknown_status_is_refused(action, alice):
    with pytest.raises(ValidationError) as error:
        plan_action_update(
            action=action, expected_version=1, changes={"status": "forgotten"}, acting_user=alice
        )

    assert "status" in error.value.message_dict
    assert stored(action)[2:] == ("not_started", 1)


def test_an_action_edit_from_an_old_version_is_a_conflict(action, alice, bob):
    alices_form = PlanAction.objects.get(pk=action.pk)
    bobs_form = PlanAction.objects.get(pk=action.pk)
    plan_action_update(
        action=alices_form,
        expected_version=1,
        changes={"status": PlanAction.Status.DONE},
        acting_user=alice,
    )

    with pytest.raises(EditConflict) as conflict:
        plan_action_update(
            action=bobs_form,
            expected_version=1,
            changes={"status": PlanAction.Status.DROPPED, "due_on": datetime.date(2024, 9, 1)},
            acting_user=bob,
        )

    assert conflict.value.current.status == "done"
    assert stored(action) == ("Book a parenting course", datetime.date(2024, 4, 1), "done", 2)
    assert not AuditEvent.objects.filter(username="bob").exists()


@pytest.mark.parametrize("field", ["owner_worker", "owner_person", "plan", "version"])
def test_an_action_field_not_editable_here_is_refused(action, alice, field):
    with pytest.raises(ValueError, match=f"Not editable here: {field}"):
        plan_action_update(
            action=action,
            expected_version=1,
            changes={field: None, "status": PlanAction.Status.DONE},
            acting_user=alice,
        )

    assert stored(action)[2:] == ("not_started", 1)


# PlanAction.objects.overdue_on -------------------------------------------------------------


def test_overdue_actions_are_outstanding_ones_due_before_the_day(plan, alice):
    day = datetime.date(2024, 4, 10)

    def make(description: str, due_on: datetime.date, status: str) -> None:
        PlanAction.objects.create(
            plan=plan, description=description, due_on=due_on, status=status, owner_worker=alice
        )

    make("not started, due yesterday", day - datetime.timedelta(days=1), "not_started")
    make("in progress, long overdue", day - datetime.timedelta(days=30), "in_progress")
    make("not started, due today", day, "not_started")
    make("not started, due tomorrow", day + datetime.timedelta(days=1), "not_started")
    make("done, due yesterday", day - datetime.timedelta(days=1), "done")
    make("dropped, due yesterday", day - datetime.timedelta(days=1), "dropped")

    assert sorted(PlanAction.objects.overdue_on(day).values_list("description", flat=True)) == [
        "in progress, long overdue",
        "not started, due yesterday",
    ]
