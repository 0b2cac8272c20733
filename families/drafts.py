"""The families forms that keep drafts (accounts.drafts), and who may keep one where: the
user must be able to record on a family the record is reached through, as the form's page
requires (views._family_for_recording)."""

from accounts import drafts
from accounts.models import User

from . import selectors
from .models import FamilyQuerySet, Membership, Plan

CONTACT = "contact:family"  # a new contact, by family
PERSON = "person:person"  # an edit of someone's details, by person
PLAN_ACTION = "action:plan"  # a new action on a plan, by plan
# Starting a plan has no free text (its kind and dates), so it keeps no draft.


def _recordable_families(user: User) -> FamilyQuerySet:
    """The families the user may see and record on (selectors.can_record_on, as a query)."""
    if user.role not in selectors.RECORDING_ROLES or user.team_id is None:
        return selectors.family_list_for(user).none()
    return selectors.family_list_for(user).filter(closed_on__isnull=True, team_id=user.team_id)


def _may_record_on_family(user: User, family_id: int) -> bool:
    return _recordable_families(user).filter(pk=family_id).exists()


def _may_edit_person(user: User, person_id: int) -> bool:
    # Someone who has left the family too: person_edit reaches former members.
    return _recordable_families(user).filter(memberships__person_id=person_id).exists()


def _may_plan_for(user: User, child_id: int) -> bool:
    return (
        _recordable_families(user)
        .filter(
            memberships__person_id=child_id,
            memberships__left_on__isnull=True,
            memberships__role=Membership.Role.CHILD,
        )
        .exists()
    )


def _may_add_plan_action(user: User, plan_id: int) -> bool:
    child_id = Plan.objects.filter(pk=plan_id).values_list("child_id", flat=True).first()
    return child_id is not None and _may_plan_for(user, child_id)


def register() -> None:
    drafts.register(CONTACT, _may_record_on_family)
    drafts.register(PERSON, _may_edit_person)
    drafts.register(PLAN_ACTION, _may_add_plan_action)
