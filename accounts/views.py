from typing import Any

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_GET

from families import selectors as family_selectors
from families.models import LEVELS, LegalStatus
from referrals import selectors as referral_selectors
from supervision import selectors as supervision_selectors

from . import selectors
from .audit import audit_page_view_many, audit_record
from .forms import AuditEventFilterForm, SignInForm
from .models import AuditEvent, Role, User
from .permissions import role_required


@method_decorator(login_not_required, name="dispatch")
class SignInView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True


class SignOutView(auth_views.LogoutView):
    pass


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
        labels = family_selectors.level_labels()
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
            "audit_today": selectors.audit_summary_today(),
            "counts": family_selectors.open_family_counts_for(user),
        }
    if user.role == Role.SPECIALIST:
        return {"home": referral_selectors.practitioner_home(user)}
    if user.role == Role.ADMIN:
        return {"staff_by_role": selectors.staff_by_role()}
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


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    context = {"role": user.role, **_home_context(user)}
    audit_page_view_many(request, _case_records_shown(context))
    return render(request, f"accounts/home/{user.role}.html", context)


@require_GET
@role_required(Role.AUDITOR, Role.ADMIN)
def audit_event_list(request: HttpRequest) -> HttpResponse:
    form = AuditEventFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    user: User = request.user  # type: ignore[assignment]
    # Reading the trail is itself recorded (it names who opened which records), before the
    # page is read, so the count and the rows shown agree.
    audit_record(
        action=AuditEvent.Action.VIEW, actor=user, detail={"page": "accounts:audit_events"}
    )
    events = selectors.audit_event_list(user, filters=filters)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "accounts/audit_event_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "system_only": user.role == Role.ADMIN,
        },
    )
