"""Specialist pathway pages. Thin: each checks who is asking, then calls a selector or service.

Who may do what:
- a social worker or team manager refers an adult of their own team's open family;
- the allocated practitioner (and their pathway manager) records the work on a referral;
- a pathway manager (or a service manager) runs the pathway's waiting list and allocates;
- anyone who may see the referral (see selectors.referral_list_for) may read its record.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from accounts import drafts
from accounts.audit import audit_page_view, audit_page_view_many, audit_record_many
from accounts.forms import apply_validation_error
from accounts.models import AuditEvent, Role, User
from accounts.permissions import role_required, signed_in_user
from dmt.exports import csv_response, export_view
from families import selectors as family_selectors
from families.disclosure import RESTRICTED, may_read_contact_details
from families.models import Membership
from families.services import EditConflict

from . import drafts as referral_drafts
from . import selectors, services
from .forms import (
    AREA_LABELS,
    AllocateForm,
    AppointmentForm,
    AppointmentOutcomeForm,
    AttemptForm,
    CloseForm,
    CycleOfChangeForm,
    EngagementForm,
    MeasureForm,
    ReferralForm,
    ReviewForm,
    StageForm,
)
from .models import Appointment, OutcomeMeasure, Pathway, Referral

# Referring an adult -----------------------------------------------------------------------


def _membership_to_refer(user: User, person_pk: int, family_pk: int | None) -> Membership:
    """The person's current membership of the family the referral is made from, among the
    families `user` may see: the family in the address, or, when none is given, the only
    such family they belong to. Http404 otherwise."""
    memberships = Membership.objects.current().select_related("person", "family")
    memberships = memberships.filter(
        person_id=person_pk, family__in=family_selectors.family_list_for(user)
    )
    if family_pk is not None:
        memberships = memberships.filter(family_id=family_pk)
    found = list(memberships[:2])
    if len(found) != 1:
        raise Http404("No such person in a family you may see.")
    membership = found[0]
    person = membership.person
    person.role, person.membership = membership.role, membership
    return membership


@require_http_methods(["GET", "POST"])
@role_required(Role.SOCIAL_WORKER, Role.TEAM_MANAGER)
def refer(request: HttpRequest, person_pk: int, family_pk: int | None = None) -> HttpResponse:
    """A social worker refers a parent to a specialist pathway from the family page: the
    referral is made in that family (the address names it; a person in one family only may
    be referred without). Outside the pathway's criteria the page says which are not met
    and asks why to go ahead."""
    user = signed_in_user(request)
    membership = _membership_to_refer(user, person_pk, family_pk)
    person, family = membership.person, membership.family
    if not family_selectors.can_record_on(user, family) or person.is_child:
        raise PermissionDenied
    audit_page_view(request, family)
    form = ReferralForm(request.POST or None)
    draft_key = drafts.key(referral_drafts.REFERRAL, membership.pk)
    ineligible: list[str] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            referral = services.referral_create(
                person=person,
                family=family,
                pathway=data["pathway"],
                referred_on=data["referred_on"],
                rag=data["rag"],
                areas_of_need=data["areas_of_need"],
                reason=data["reason"],
                previously_known=form.previously_known_value(),
                eligibility_override=data["eligibility_override"],
                acting_user=user,
                draft_key=draft_key,
            )
        except ValidationError as error:
            errors = getattr(error, "error_dict", {}).get("eligibility_override", [])
            ineligible = [item.message for item in errors if item.code == "ineligible"]
            if ineligible:
                form.add_error(
                    "eligibility_override",
                    "Enter why the referral should go ahead outside the pathway's criteria",
                )
            else:
                apply_validation_error(form, error)
        else:
            messages.success(
                request, f"{person} is referred to {referral.pathway} ({referral.reference})."
            )
            return redirect(family)
    if request.method == "POST":
        drafts.keep_posted(request, draft_key)
    last_saved = (
        Referral.objects.filter(person=person, family=family, referred_by=user)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    return render(
        request,
        "referrals/refer.html",
        {
            "form": form,
            "person": person,
            "family": family,
            "ineligible": ineligible,
            **drafts.page_context(
                request,
                draft_key,
                text_fields=("reason", "eligibility_override"),
                last_saved=last_saved,
            ),
        },
    )


# The adult's pathway record ---------------------------------------------------------------


@require_GET
def referral_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    # With what the record shows of the referrer and the family, in the same query.
    referral = get_object_or_404(
        selectors.referral_list_for(user).select_related(
            "referred_by", "family__locality", "family__social_worker", "family__team"
        ),
        pk=pk,
    )
    households = selectors.households_for(user, referral)
    # Each other household named where its children are shown to the user; by reference
    # otherwise (the referral's own family is named from its members, family_summary_for).
    family_selectors.name_families(
        household.family
        for household in households
        if household.children is not None and not household.is_referral_family
    )
    # The record shows the referral's family too (its children and other adults), and the
    # children of each other household of the adult's that the user may read.
    shown = [
        household.family
        for household in households
        if household.children is not None and not household.is_referral_family
    ]
    audit_page_view_many(request, [referral, referral.family, *shown])
    summaries = selectors.measure_summaries(referral.person)
    return render(
        request,
        "referrals/referral_detail.html",
        {
            "referral": referral,
            "can_work": selectors.can_work_on(user, referral),
            "areas": [AREA_LABELS.get(area, area) for area in referral.areas_of_need],
            "stage_changes": list(referral.stage_changes.select_related("stage", "changed_by")),
            "engagement_changes": list(referral.engagement_changes.select_related("changed_by")),
            "attempts": list(referral.attempts.select_related("recorded_by")),
            "appointments": list(referral.appointments.select_related("practitioner")),
            "reviews": list(referral.reviews.select_related("recorded_by")),
            "cycle": list(referral.person.cycle_of_change.select_related("recorded_by")),
            "summaries": summaries,
            "alerts": [s for s in summaries if s.latest.needs_action],
            "measures": OutcomeMeasure.objects.all(),
            "today": timezone.localdate(),
            "now": timezone.now(),
            "households": households,
            **selectors.family_summary_for(user, referral),
        },
    )


def _referral_for_work(request: HttpRequest, pk: int) -> Referral:
    """The referral, if the user may see it (else 404) and record the work (else 403)."""
    user = signed_in_user(request)
    referral = selectors.referral_for(user, pk)
    if not selectors.can_work_on(user, referral):
        raise PermissionDenied
    audit_page_view(request, referral)
    return referral


@dataclass(frozen=True)
class DraftForm:
    """A work page's draft: its form name (referrals.drafts), its free-text fields, and when
    the user last saved this form on the referral (a device's older copy is then stale)."""

    form: str
    text_fields: tuple[str, ...]
    last_saved: Callable[[Referral, User], datetime.datetime | None] | None = None


def _work_page(
    request: HttpRequest,
    pk: int,
    *,
    form_class: type[forms.Form],
    title: str,
    save: Callable[..., str],
    form_kwargs: Callable[[Referral], dict[str, Any]] | None = None,
    template: str = "referrals/work_form.html",
    extra: dict[str, Any] | None = None,
    draft: DraftForm | None = None,
) -> HttpResponse:
    """A page that records one piece of work on a referral: GET shows the form, a valid POST
    calls the service and goes back to the record with `save`'s message; a service's
    ValidationError is shown on the form and nothing is saved.

    With `draft`, the form keeps a draft as it is typed (accounts.drafts): `save` is given
    the draft's key, for the service to discard it in the same commit."""
    user = signed_in_user(request)
    referral = _referral_for_work(request, pk)
    form = form_class(request.POST or None, **(form_kwargs(referral) if form_kwargs else {}))
    draft_key = drafts.key(draft.form, referral.pk) if draft else ""
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                message = (
                    save(referral, form, user, draft_key=draft_key)
                    if draft
                    else save(referral, form, user)
                )
        except ValidationError as error:
            apply_validation_error(form, error)
        except EditConflict:
            form.add_error(
                None,
                "Someone else changed this while you had it open. Check the record and try again.",
            )
        else:
            messages.success(request, message)
            return redirect("referrals:detail", referral.pk)
    draft_context: dict[str, Any] = {}
    if draft:
        if request.method == "POST":
            drafts.keep_posted(request, draft_key)
        draft_context = drafts.page_context(
            request,
            draft_key,
            text_fields=draft.text_fields,
            last_saved=draft.last_saved(referral, user) if draft.last_saved else None,
        )
    return render(
        request,
        template,
        {"form": form, "referral": referral, "title": title, **(extra or {}), **draft_context},
    )


@require_http_methods(["GET", "POST"])
def stage_change(request: HttpRequest, pk: int) -> HttpResponse:
    def save(referral: Referral, form: StageForm, user: User) -> str:
        referral = services.referral_stage_change(
            referral=referral,
            stage_code=form.cleaned_data["stage"],
            changed_on=form.cleaned_data["changed_on"],
            acting_user=user,
        )
        assert referral.stage is not None  # the service has just set it
        return f"Moved to {referral.stage.name}."

    return _work_page(
        request,
        pk,
        form_class=StageForm,
        title="Move to another stage",
        save=save,
        form_kwargs=lambda referral: {"referral": referral},
    )


@require_http_methods(["GET", "POST"])
def engagement_change(request: HttpRequest, pk: int) -> HttpResponse:
    def save(referral: Referral, form: EngagementForm, user: User) -> str:
        referral = services.referral_engagement_change(
            referral=referral,
            engagement=form.cleaned_data["engagement"],
            changed_on=form.cleaned_data["changed_on"],
            acting_user=user,
        )
        return f"Engagement is now: {referral.get_engagement_display()}."

    return _work_page(
        request,
        pk,
        form_class=EngagementForm,
        title="Change engagement",
        save=save,
        form_kwargs=lambda referral: {"initial": {"engagement": referral.engagement}},
    )


@require_http_methods(["GET", "POST"])
def attempt_create(request: HttpRequest, pk: int) -> HttpResponse:
    def save(referral: Referral, form: AttemptForm, user: User) -> str:
        attempt = services.engagement_attempt_record(
            referral=referral, acting_user=user, **form.cleaned_data
        )
        return f"Attempt recorded: {attempt}."

    return _work_page(
        request, pk, form_class=AttemptForm, title="Record an attempt to engage", save=save
    )


@require_http_methods(["GET", "POST"])
def appointment_create(request: HttpRequest, pk: int) -> HttpResponse:
    def save(referral: Referral, form: AppointmentForm, user: User) -> str:
        appointment = services.appointment_book(
            referral=referral,
            starts_at=form.starts_at(),
            minutes=form.cleaned_data["minutes"],
            acting_user=user,
        )
        when = timezone.localtime(appointment.starts_at)
        return f"Appointment booked for {when:%-d %B %Y at %H:%M}."

    return _work_page(
        request, pk, form_class=AppointmentForm, title="Book an appointment", save=save
    )


@require_http_methods(["GET", "POST"])
def appointment_outcome(request: HttpRequest, pk: int, appointment_pk: int) -> HttpResponse:
    appointment = get_object_or_404(Appointment, pk=appointment_pk, referral_id=pk)

    def save(referral: Referral, form: AppointmentOutcomeForm, user: User) -> str:
        updated = services.appointment_outcome(
            appointment=appointment,
            outcome=form.cleaned_data["outcome"],
            expected_version=form.cleaned_data["version"],
            acting_user=user,
        )
        return f"Appointment recorded as: {updated.get_outcome_display()}."

    initial: dict[str, Any] = {"version": appointment.version}
    if appointment.outcome != Appointment.Outcome.BOOKED:
        initial["outcome"] = appointment.outcome
    when = timezone.localtime(appointment.starts_at)
    return _work_page(
        request,
        pk,
        form_class=AppointmentOutcomeForm,
        title=f"What happened at the appointment on {when:%-d %B %Y, %H:%M}?",
        save=save,
        form_kwargs=lambda referral: {"initial": initial},
    )


@require_http_methods(["GET", "POST"])
def measure_create(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    measure = get_object_or_404(OutcomeMeasure, code=code)

    def save(referral: Referral, form: MeasureForm, user: User) -> str:
        reading = services.measure_reading_record(
            person=referral.person,
            measure=measure,
            taken_on=form.cleaned_data["taken_on"],
            scores=form.scores(),
            acting_user=user,
        )
        if reading.needs_action:
            messages.warning(request, measure.alert_text or f"{measure} needs action.")
        score = f": {reading.total} ({reading.band})" if reading.total is not None else ""
        return f"{measure} recorded{score}."

    return _work_page(
        request,
        pk,
        form_class=MeasureForm,
        title=f"Record {measure.name}",
        save=save,
        form_kwargs=lambda referral: {"measure": measure},
        template="referrals/measure_form.html",
        extra={"measure": measure},
    )


@require_http_methods(["GET", "POST"])
def cycle_of_change(request: HttpRequest, pk: int) -> HttpResponse:
    def save(referral: Referral, form: CycleOfChangeForm, user: User) -> str:
        entry = services.cycle_of_change_record(
            person=referral.person, acting_user=user, **form.cleaned_data
        )
        return f"Cycle of change: {entry.get_stage_display()}."

    return _work_page(
        request, pk, form_class=CycleOfChangeForm, title="Place on the cycle of change", save=save
    )


@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, pk: int) -> HttpResponse:
    def save(referral: Referral, form: ReviewForm, user: User, draft_key: str) -> str:
        services.referral_review_record(
            referral=referral, acting_user=user, draft_key=draft_key, **form.cleaned_data
        )
        return "Review recorded."

    def last_reviewed(referral: Referral, user: User) -> datetime.datetime | None:
        return (
            referral.reviews.filter(recorded_by=user)
            .order_by("-created_at")
            .values_list("created_at", flat=True)
            .first()
        )

    return _work_page(
        request,
        pk,
        form_class=ReviewForm,
        title="Record a review",
        save=save,
        form_kwargs=lambda referral: {"weeks": referral.pathway.review_weeks},
        draft=DraftForm(referral_drafts.REVIEW, ("summary",), last_reviewed),
    )


@require_http_methods(["GET", "POST"])
def close(request: HttpRequest, pk: int) -> HttpResponse:
    def save(referral: Referral, form: CloseForm, user: User, draft_key: str) -> str:
        services.referral_close(
            referral=referral, acting_user=user, draft_key=draft_key, **form.cleaned_data
        )
        return f"{referral.person}'s {referral.pathway} work is closed."

    return _work_page(
        request,
        pk,
        form_class=CloseForm,
        title="Close the referral",
        save=save,
        # Closed once: a closed referral has no work page, so no older copy to go stale.
        draft=DraftForm(referral_drafts.CLOSING, ("outcome",)),
    )


# Running a pathway ------------------------------------------------------------------------


def _pathway_for_manager(request: HttpRequest, code: str) -> Pathway:
    pathway = get_object_or_404(Pathway, code=code)
    if not selectors.pathways_managed_by(signed_in_user(request)).filter(pk=pathway.pk).exists():
        raise PermissionDenied
    return pathway


@require_GET
@role_required(Role.SPECIALIST, Role.SERVICE_MANAGER)
def pathway_list(request: HttpRequest) -> HttpResponse:
    pathways = list(selectors.pathways_managed_by(signed_in_user(request)))
    if not pathways:
        raise PermissionDenied
    if len(pathways) == 1:
        return redirect("referrals:pathway", pathways[0].code)
    return render(request, "referrals/pathway_list.html", {"pathways": pathways})


@require_GET
@role_required(Role.SPECIALIST, Role.SERVICE_MANAGER)
def pathway_detail(request: HttpRequest, code: str) -> HttpResponse:
    user = signed_in_user(request)
    pathway = _pathway_for_manager(request, code)
    overview = selectors.pathway_overview(user, pathway)
    family_selectors.name_families(referral.family for referral in overview["waiting"])
    audit_record_many(
        action=AuditEvent.Action.VIEW,
        actor=user,
        objects=overview["waiting"],
        detail={"page": "referrals:pathway"},
    )
    return render(request, "referrals/pathway_detail.html", {"pathway": pathway, **overview})


@require_http_methods(["GET", "POST"])
@role_required(Role.SPECIALIST, Role.SERVICE_MANAGER)
def allocate(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    managed = selectors.pathways_managed_by(user)
    if not managed.exists():
        raise PermissionDenied  # a practitioner who runs no waiting list, as pathway_list
    referral = get_object_or_404(
        Referral.objects.select_related("person", "family", "pathway"),
        pk=pk,
        pathway__in=managed,
    )
    outside_area = user.role == Role.SERVICE_MANAGER and user.locality_id not in (
        None,
        referral.family.locality_id,
    )
    if outside_area:
        raise PermissionDenied
    audit_page_view(request, referral)
    pathway = referral.pathway
    loads = {
        practitioner.pk: (practitioner.open_cases, practitioner.capacity)
        for practitioner in selectors.practitioners_with_load(pathway)
    }
    form = AllocateForm(request.POST or None, pathway=pathway, loads=loads)
    over_capacity = False
    if request.method == "POST" and form.is_valid():
        try:
            services.referral_allocate(
                referral=referral,
                practitioner=form.cleaned_data["practitioner"],
                allocated_on=form.cleaned_data["allocated_on"],
                accept_over_capacity=form.cleaned_data["accept_over_capacity"],
                acting_user=user,
            )
        except ValidationError as error:
            codes = [
                item.code for items in getattr(error, "error_dict", {}).values() for item in items
            ]
            over_capacity = "over_capacity" in codes
            apply_validation_error(form, error)
        else:
            messages.success(
                request, f"{referral.person} is allocated to {form.cleaned_data['practitioner']}."
            )
            return redirect("referrals:pathway", pathway.code)
    return render(
        request,
        "referrals/allocate.html",
        {"form": form, "referral": referral, "pathway": pathway, "over_capacity": over_capacity},
    )


# Export -----------------------------------------------------------------------------------


@require_GET
@role_required(Role.SPECIALIST)
@export_view
def caseload_export(request: HttpRequest) -> HttpResponse:
    """The practitioner's open referrals as CSV. Restricted contact details stay withheld."""
    user = signed_in_user(request)
    referrals = list(
        selectors.referral_list_for(user)
        .filter(practitioner=user, closed_on__isnull=True)
        .order_by("person__family_name", "person__given_name")
    )
    header = [
        "reference",
        "name",
        "date_of_birth",
        "family",
        "family_name",
        "address",
        "phone",
        "pathway",
        "stage",
        "engagement",
        "priority",
        "referred_on",
        "allocated_on",
        "next_review_on",
    ]
    names = family_selectors.display_names(referral.family for referral in referrals)
    rows = []
    for referral in referrals:
        person = referral.person
        # Every row is a referral allocated to this practitioner: they work with the person.
        visible = may_read_contact_details(user, person, works_with_person=True)
        rows.append(
            [
                referral.reference,
                person.full_name,
                person.date_of_birth,
                referral.family.reference,
                names[referral.family_id],
                person.address if visible else RESTRICTED,
                person.phone if visible else RESTRICTED,
                referral.pathway.name,
                referral.stage.name if referral.stage else "",
                referral.get_engagement_display(),
                referral.get_rag_display(),
                referral.referred_on,
                referral.allocated_on,
                referral.next_review_on,
            ]
        )
    today = timezone.localdate().isoformat()
    response = csv_response([header, *rows], filename=f"dmt-caseload-{today}.csv")
    with transaction.atomic():
        audit_record_many(
            action=AuditEvent.Action.EXPORT,
            actor=user,
            objects=referrals,
            detail={"export": "referrals:caseload_export"},
        )
    return response
