"""The families forms that keep drafts (accounts.drafts), and who may keep one where: as the
form's page requires, the user must be able to record on a family the record is reached
through (views._family_for_recording), or to re-refer or transfer a family in their sight
(period_views); a caseload handover is the acting manager's own."""

from accounts import drafts
from accounts.models import Role, User

from . import selectors, services
from .models import FamilyQuerySet, Membership, Plan

CONTACT = "contact:family"  # a new contact, by family
PERSON = "person:person"  # an edit of someone's details, by person
PLAN_ACTION = "action:plan"  # a new action on a plan, by plan
CLOSURE = "closure:family"  # a request to close the case, by family
REREFERRAL = "rereferral:family"  # a closed family referred again, by family
TRANSFER = "transfer:family"  # a family handed to another team or worker, by family
CASELOAD_TRANSFER = "caseload-transfer:user"  # a worker's families handed on, by the manager
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


def _may_rerefer(user: User, family_id: int) -> bool:
    family = selectors.family_list_for(user).filter(pk=family_id).first()
    return family is not None and services.can_rerefer(user, family)


def _may_transfer(user: User, family_id: int) -> bool:
    # As period_views.family_transfer: an open family in the user's sight.
    family = selectors.family_list_for(user).filter(pk=family_id).first()
    return family is not None and family.is_open and services.can_transfer(user, family)


def _may_hand_on_caseload(user: User, user_id: int) -> bool:
    # The form is the manager's own (period_views.caseload_transfer), not any worker's.
    return user_id == user.pk and user.role in (Role.TEAM_MANAGER, Role.SERVICE_MANAGER)


def register() -> None:
    drafts.register(CONTACT, _may_record_on_family)
    drafts.register(PERSON, _may_edit_person)
    drafts.register(PLAN_ACTION, _may_add_plan_action)
    drafts.register(CLOSURE, _may_record_on_family)
    drafts.register(REREFERRAL, _may_rerefer)
    drafts.register(TRANSFER, _may_transfer)
    drafts.register(CASELOAD_TRANSFER, _may_hand_on_caseload)
