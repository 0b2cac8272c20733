"""The referrals forms that keep drafts (accounts.drafts): the referral itself (its reason),
a review and the closing of the work, and a DMT consultation. A draft is kept only for whoever
may write the form on that record, as the form's page requires (views.refer, _work_page,
dmt_views.dmt_practitioner_required)."""

from accounts import drafts
from accounts.models import Role, SpecialistPathway, User
from families import selectors as family_selectors
from families.models import Membership

from . import selectors

REFERRAL = "referral:membership"  # a new referral of an adult, by their family membership
REVIEW = "review:referral"  # a review of the work, by referral
CLOSING = "closing:referral"  # the closing of the work and its outcome, by referral
CONSULTATION = "consultation:user"  # a DMT consultation, by the practitioner who gave it


def _may_refer(user: User, membership_id: int) -> bool:
    if user.role not in (Role.SOCIAL_WORKER, Role.TEAM_MANAGER):
        return False
    membership = (
        Membership.objects.current()
        .exclude(role=Membership.Role.CHILD)
        .select_related("family")
        .filter(pk=membership_id, family__in=family_selectors.family_list_for(user))
        .first()
    )
    return membership is not None and family_selectors.can_record_on(user, membership.family)


def _may_work_on(user: User, referral_id: int) -> bool:
    referral = (
        selectors.referral_list_for(user).select_related("pathway").filter(pk=referral_id).first()
    )
    return referral is not None and selectors.can_work_on(user, referral)


def _may_consult(user: User, user_id: int) -> bool:
    return (
        user_id == user.pk
        and user.role == Role.SPECIALIST
        and user.pathway == SpecialistPathway.DMT
    )


def register() -> None:
    drafts.register(REFERRAL, _may_refer)
    drafts.register(REVIEW, _may_work_on)
    drafts.register(CLOSING, _may_work_on)
    drafts.register(CONSULTATION, _may_consult)
