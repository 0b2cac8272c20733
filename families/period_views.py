"""Families that come back and families handed on: re-referral and transfer pages."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from accounts import drafts
from accounts.audit import audit_page_view
from accounts.forms import apply_validation_error
from accounts.models import Role, Team, User
from accounts.permissions import role_required, signed_in_user

from . import drafts as family_drafts
from . import selectors, services
from .forms import CaseloadTransferForm, ReReferralForm, TransferForm
from .models import Family, Transfer


def _conflict(request: HttpRequest) -> None:
    messages.error(
        request,
        "Someone changed this family while you were on this page. Check the record below, "
        "then try again.",
    )


@require_http_methods(["GET", "POST"])
def family_rerefer(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    family = selectors.family_for(user, pk)
    if not services.can_rerefer(user, family):
        raise PermissionDenied
    audit_page_view(request, family)
    form = ReReferralForm(
        request.POST or None,
        initial={"version": family.version, "referred_on": timezone.localdate()},
    )
    draft_key = drafts.key(family_drafts.REREFERRAL, family.pk)
    if request.method == "POST" and form.is_valid():
        try:
            services.family_rerefer(
                family=family,
                referred_on=form.cleaned_data["referred_on"],
                referral_source=form.cleaned_data["referral_source"],
                referral_reason=form.cleaned_data["referral_reason"],
                expected_version=form.cleaned_data["version"],
                acting_user=user,
                draft_key=draft_key,
            )
        except services.EditConflict:
            _conflict(request)
            return redirect(family)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, "Re-referral recorded: the case is open again.")
            return redirect(family)
    if request.method == "POST":
        drafts.keep_posted(request, draft_key)
    # A re-referral is audited as the user's change to the family itself.
    last_saved = drafts.last_written(user, "families.family", [family.pk])
    return render(
        request,
        "families/rerefer_form.html",
        {
            "family": family,
            "form": form,
            **drafts.page_context(
                request, draft_key, text_fields=("referral_reason",), last_saved=last_saved
            ),
        },
    )


def _teams_for(user: User) -> QuerySet[Team]:
    teams = Team.objects.select_related("locality").order_by("locality__name", "name")
    return teams


def _social_workers() -> QuerySet[User]:
    return (
        User.objects.filter(role=Role.SOCIAL_WORKER, is_active=True, team__isnull=False)
        .select_related("team")
        .order_by("last_name", "first_name", "username")
    )


@require_http_methods(["GET", "POST"])
def family_transfer(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    family: Family = selectors.family_for(user, pk)
    if not family.is_open or not services.can_transfer(user, family):
        raise PermissionDenied
    audit_page_view(request, family)
    form = TransferForm(
        request.POST or None,
        initial={"version": family.version, "on": timezone.localdate()},
        teams=_teams_for(user),
        workers=_social_workers(),
    )
    draft_key = drafts.key(family_drafts.TRANSFER, family.pk)
    if request.method == "POST" and form.is_valid():
        try:
            services.family_transfer(
                family=family,
                to_team=form.cleaned_data["to_team"],
                to_worker=form.cleaned_data["to_worker"],
                on=form.cleaned_data["on"],
                handover_note=form.cleaned_data["handover_note"],
                expected_version=form.cleaned_data["version"],
                acting_user=user,
                draft_key=draft_key,
            )
        except services.EditConflict:
            _conflict(request)
            return redirect(family)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            team = form.cleaned_data["to_team"]
            messages.success(request, f"{family.reference} transferred to {team}.")
            # The family may now be out of the manager's sight: back to their caseload.
            if family in selectors.family_list_for(user):
                return redirect(family)
            return redirect("families:caseload")
    if request.method == "POST":
        drafts.keep_posted(request, draft_key)
    last_saved = drafts.last_written(
        user,
        "families.transfer",
        Transfer.objects.filter(family=family).values_list("pk", flat=True),
    )
    return render(
        request,
        "families/transfer_form.html",
        {
            "family": family,
            "form": form,
            **drafts.page_context(
                request, draft_key, text_fields=("handover_note",), last_saved=last_saved
            ),
        },
    )


@require_http_methods(["GET", "POST"])
@role_required(Role.TEAM_MANAGER, Role.SERVICE_MANAGER)
def caseload_transfer(request: HttpRequest) -> HttpResponse:
    """A team manager (or service manager) hands every open family of one social worker to
    another: someone leaving, or long-term absent."""
    user = signed_in_user(request)
    workers = _social_workers()
    if user.role == Role.TEAM_MANAGER:
        handing_on = workers.filter(team_id=user.team_id) if user.team_id else workers.none()
    elif user.locality_id is not None:
        handing_on = workers.filter(team__locality_id=user.locality_id)
    else:
        handing_on = workers
    form = CaseloadTransferForm(
        request.POST or None, initial={"on": timezone.localdate()}, workers=workers
    )
    form.fields["from_worker"].queryset = handing_on  # type: ignore[attr-defined]
    draft_key = drafts.key(family_drafts.CASELOAD_TRANSFER, user.pk)
    if request.method == "POST" and form.is_valid():
        try:
            transfers = services.caseload_transfer(
                from_worker=form.cleaned_data["from_worker"],
                to_worker=form.cleaned_data["to_worker"],
                on=form.cleaned_data["on"],
                handover_note=form.cleaned_data["handover_note"],
                acting_user=user,
                draft_key=draft_key,
            )
        except services.EditConflict:
            messages.error(request, "A family changed while you were on this page: try again.")
            return redirect("families:caseload_transfer")
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            count = len(transfers)
            messages.success(
                request,
                f"{count} {'family' if count == 1 else 'families'} handed to "
                f"{form.cleaned_data['to_worker'].get_full_name()}.",
            )
            return redirect("families:caseload")
    if request.method == "POST":
        drafts.keep_posted(request, draft_key)
    # Any transfer the user made since: the handover writes one per family handed on.
    last_saved = drafts.last_written(user, "families.transfer")
    return render(
        request,
        "families/caseload_transfer_form.html",
        {
            "form": form,
            **drafts.page_context(
                request, draft_key, text_fields=("handover_note",), last_saved=last_saved
            ),
        },
    )
