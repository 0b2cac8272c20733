"""The home page: each role's own work, composed from every case app (which is why it sits
above them all, with the navigation and the demo seed)."""

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts import selectors as account_selectors
from accounts.audit import audit_page_view_many
from accounts.models import Role, User
from accounts.permissions import signed_in_user
from dmt.api.problems import PROBLEM_EXPLANATIONS, PROBLEM_TYPES
from families import selectors as family_selectors
from families.models import LEVELS, Family, LegalStatus, level_labels
from referrals import selectors as referral_selectors
from supervision import selectors as supervision_selectors


def _children_by_status(user: User) -> list[dict[str, Any]]:
    labels = dict(LegalStatus.choices)
    rows = family_selectors.children_by_status_for(user)
    rows.sort(key=lambda row: LEVELS.get(row["status_episodes__status"], 0))
    return [
        {"status": labels[row["status_episodes__status"]], "children": row["children"]}
        for row in rows
    ]


def _home_context(user: User) -> dict[str, Any]:
    """Each role's own work, and the group supervision actions they own."""
    context = _role_home_context(user)
    if user.role in SUPERVISION_ROLES:
        context["supervision_actions"] = list(supervision_selectors.actions_for(user))
        context["today"] = timezone.localdate()
    if user.role in (Role.TEAM_MANAGER, Role.BUSINESS_SUPPORT):
        groups = supervision_selectors.groups_for(user)
        context["meetings_this_week"] = supervision_selectors.meetings_this_week(
            groups, timezone.localdate()
        )
    return context


SUPERVISION_ROLES = (
    Role.SOCIAL_WORKER,
    Role.TEAM_MANAGER,
    Role.BUSINESS_SUPPORT,
    Role.SPECIALIST,
)


def _role_home_context(user: User) -> dict[str, Any]:
    if user.role == Role.SOCIAL_WORKER:
        caseload = list(
            family_selectors.caseload_for(user, family_selectors.CaseloadFilters(mine_only=True))
        )
        labels = level_labels()
        for family in caseload:
            family.level_label = labels[family.current_level]
        return {"caseload": caseload}
    if user.role in (Role.TEAM_MANAGER, Role.BUSINESS_SUPPORT):
        return {
            "pending_closures": family_selectors.pending_closures_for(user),
            "counts": family_selectors.open_family_counts_for(user),
            "allocation": family_selectors.allocation_by_worker_for(user),
            "children_by_status": _children_by_status(user),
        }
    if user.role == Role.SERVICE_MANAGER:
        return {
            "pending_closures": family_selectors.pending_closures_for(user),
            "counts": family_selectors.open_family_counts_for(user),
            "children_by_status": _children_by_status(user),
        }
    if user.role == Role.AUDITOR:
        return {
            "audit_today": account_selectors.audit_summary_today(),
            "counts": family_selectors.open_family_counts_for(user),
        }
    if user.role == Role.SPECIALIST:
        return {"home": referral_selectors.practitioner_home(user)}
    if user.role == Role.ADMIN:
        return {"staff_by_role": account_selectors.staff_by_role()}
    return {}


def _case_records_shown(context: dict[str, Any]) -> list[Model]:
    """The case records a home page lists (families and referrals), each once."""
    records: list[Model] = list(context.get("caseload", []))
    records += [closure.family for closure in context.get("pending_closures", [])]
    records += [action.discussion.family for action in context.get("supervision_actions", [])]
    practitioner = context.get("home")
    if practitioner is not None:
        records += [*practitioner.waiting, *practitioner.caseload]
        records += [appointment.referral for appointment in practitioner.sessions]
    return list({(record._meta.label, record.pk): record for record in records}.values())


def _name_families(user: User, context: dict[str, Any]) -> None:
    """Name the families the page lists, in one query, where the user may read them: their
    caseload, the closures they decide, a specialist's referrals; a supervision action's
    family keeps its reference unless it is one of these."""
    families: list[Family] = list(context.get("caseload", []))
    families += [closure.family for closure in context.get("pending_closures", [])]
    discussed = [action.discussion.family for action in context.get("supervision_actions", [])]
    practitioner = context.get("home")
    if practitioner is None:
        readable = family_selectors.family_list_for(user)
    else:
        # A specialist reads the families of the adults allocated to them.
        referred = [referral.family for referral in [*practitioner.waiting, *practitioner.caseload]]
        families += referred
        readable = Family.objects.filter(pk__in=[family.pk for family in referred])
    family_selectors.name_families([*families, *discussed], within=readable)


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    context = {"role": user.role, **_home_context(user)}
    _name_families(user, context)
    audit_page_view_many(request, _case_records_shown(context))
    return render(request, f"workspace/home/{user.role}.html", context)


@login_not_required
@require_GET
def api_home(request: HttpRequest) -> HttpResponse:
    """The API's landing page: what it is, its documentation, and how it behaves. Public,
    like the documentation: it holds no records."""
    rate: str = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["token"]  # type: ignore[index]
    count, _, period = rate.partition("/")
    return render(
        request,
        "workspace/api.html",
        {
            "base": request.build_absolute_uri("/").rstrip("/"),
            "token_hours": getattr(settings, "DMT_API_TOKEN_HOURS", 8),
            "rate": f"{count} requests a {period}",
            "problems": [
                (slug, title, PROBLEM_EXPLANATIONS[slug]) for slug, title in PROBLEM_TYPES.items()
            ],
        },
    )
