"""Dads Matter Too work pages, and a pathway's eligibility rules. Thin: each checks who is
asking, then calls a selector or a service (referrals.services, referrals.rules).

Who may do what:
- a DMT practitioner (a specialist in the "dmt" pathway, pathway manager or not) records the
  consultations and mini training they gave, and runs the pathway's group programmes;
  their own consultations and training are listed, never a colleague's;
- at a group session, a father with a case is chosen only from the fathers the user may see
  (referrals.selectors.referral_list_for); others are recorded by name. A colleague's father
  already recorded is shown without his name;
- a pathway manager (or a service manager) reads and changes their pathway's eligibility
  rules (referrals.selectors.pathways_managed_by).
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import TYPE_CHECKING, Any, TypedDict

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Exists, Max, OuterRef, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from accounts import drafts
from accounts.audit import audit_record_many
from accounts.forms import apply_validation_error
from accounts.models import AuditEvent, Role, SpecialistPathway, User
from accounts.permissions import role_required, signed_in_user
from families import selectors as family_selectors
from families.models import Family, Membership, Person, long_date

from . import drafts as referral_drafts
from . import rules, selectors, services
from .dmt_forms import (
    AttendanceForm,
    ConsultationForm,
    ProgrammeForm,
    RuleEndForm,
    RuleForm,
    TrainingForm,
)
from .models import (
    Consultation,
    EligibilityRule,
    GroupProgramme,
    Pathway,
    ProgrammeSession,
    TrainingSession,
)

ViewFunc = Callable[..., HttpResponse]


def _posted(request: HttpRequest) -> Any:
    """The posted data, or None for a GET: a post with no fields still binds the form, so
    it is told what is missing rather than shown afresh."""
    return request.POST if request.method == "POST" else None


def dmt_practitioner_required(view: ViewFunc) -> ViewFunc:
    """Only a specialist of the Dads Matter Too pathway; anyone else gets 403 Forbidden."""

    @role_required(Role.SPECIALIST)
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if signed_in_user(request).pathway != SpecialistPathway.DMT:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _form_page(
    request: HttpRequest,
    form: forms.Form,
    *,
    save: Callable[[], tuple[str, str]],
    context: dict[str, Any],
    template: str = "referrals/dmt/form.html",
    draft: tuple[str, tuple[str, ...], datetime.datetime | None] | None = None,
) -> HttpResponse:
    """GET shows the form; a valid POST calls `save` (a service call, returning the success
    message and where to go next); a service's ValidationError is shown on the form and
    nothing is saved. With `draft` (its key, its free-text fields, when the user last saved
    the form) the form keeps a draft as it is typed; `save` discards it (accounts.drafts)."""
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                message, next_url = save()
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, message)
            return redirect(next_url)
    if draft:
        draft_key, text_fields, last_saved = draft
        if request.method == "POST":
            drafts.keep_posted(request, draft_key)
        context = {
            **context,
            **drafts.page_context(
                request, draft_key, text_fields=text_fields, last_saved=last_saved
            ),
        }
    return render(request, template, {"form": form, **context})


# Dads Matter Too work ---------------------------------------------------------------------


def _dmt_programmes() -> QuerySet[GroupProgramme]:
    return GroupProgramme.objects.filter(pathway__code=SpecialistPathway.DMT).select_related(
        "locality"
    )


class FamilyReference(TypedDict):
    """What _fathers_for annotates on each father."""

    family_reference: str
    family_pk: int


if TYPE_CHECKING:  # django-stubs-ext is a development dependency
    from django_stubs_ext import WithAnnotations

    Father = WithAnnotations[Person, FamilyReference]


def _fathers_for(user: User) -> "QuerySet[Father, Father]":
    """Fathers and father figures the user may see: the adults of referrals they may see,
    made in a family where the adult is a father or father figure. Each has
    `family_reference`: the family of his latest such referral."""
    referrals = selectors.referral_list_for(user).filter(
        Exists(
            Membership.objects.filter(
                person=OuterRef("person"),
                family=OuterRef("family"),
                role__in=Membership.FATHER_ROLES,
            )
        )
    )
    latest = referrals.filter(person=OuterRef("pk")).order_by("-referred_on", "-pk")
    return (
        Person.objects.filter(pk__in=referrals.values("person_id"))
        .annotate(
            family_reference=Subquery(latest.values("family__reference")[:1]),
            family_pk=Subquery(latest.values("family_id")[:1]),
        )
        .order_by("family_name", "given_name", "pk")
    )


@require_GET
@dmt_practitioner_required
def dmt_work(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    consultations = list(
        Consultation.objects.filter(given_by=user)
        .select_related("team__locality", "social_worker")
        .order_by("-given_on", "-id")
    )
    trainings = list(
        TrainingSession.objects.filter(delivered_by=user).order_by("-delivered_on", "-id")
    )
    programmes = list(
        _dmt_programmes()
        .annotate(
            session_count=Count("sessions", distinct=True),
            attended=Count("sessions__attendance", distinct=True),
            ends_on=Max("sessions__held_on"),
        )
        .order_by("-starts_on", "name", "pk")
    )
    return render(
        request,
        "referrals/dmt/work.html",
        {
            "consultations": consultations,
            "consultation_minutes": sum(item.minutes for item in consultations),
            "trainings": trainings,
            "training_attendees": sum(item.attendees for item in trainings),
            "programmes": programmes,
        },
    )


@require_http_methods(["GET", "POST"])
@dmt_practitioner_required
def consultation_create(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    form = ConsultationForm(_posted(request))
    # One draft per practitioner: a consultation belongs to no case record until it is saved.
    draft_key = drafts.key(referral_drafts.CONSULTATION, user.pk)

    def save() -> tuple[str, str]:
        consultation = services.consultation_record(
            acting_user=user, draft_key=draft_key, **form.cleaned_data
        )
        return f"Consultation recorded: {consultation.topic}.", reverse("referrals:dmt_work")

    last_saved = drafts.last_written(user, "referrals.consultation")
    return _form_page(
        request,
        form,
        save=save,
        context={"title": "Record a consultation", "caption": "DMT work"},
        draft=(draft_key, ("topic",), last_saved),
    )


@require_http_methods(["GET", "POST"])
@dmt_practitioner_required
def training_create(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    form = TrainingForm(_posted(request))

    def save() -> tuple[str, str]:
        training = services.training_record(acting_user=user, **form.cleaned_data)
        return f"Training recorded: {training.audience}.", reverse("referrals:dmt_work")

    return _form_page(
        request,
        form,
        save=save,
        context={"title": "Record a mini training session", "caption": "DMT work"},
    )


@require_http_methods(["GET", "POST"])
@dmt_practitioner_required
def programme_create(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    pathway = get_object_or_404(Pathway, code=SpecialistPathway.DMT)
    form = ProgrammeForm(_posted(request))

    def save() -> tuple[str, str]:
        programme = services.programme_create(
            pathway=pathway, acting_user=user, **form.cleaned_data
        )
        count = len(form.cleaned_data["themes"])
        return (
            f"{programme.name} starts {long_date(programme.starts_on)}: {count} weekly sessions.",
            reverse("referrals:dmt_programme", args=[programme.pk]),
        )

    return _form_page(
        request,
        form,
        save=save,
        context={"title": "Start a group programme", "caption": "DMT work"},
    )


@require_GET
@dmt_practitioner_required
def programme_detail(request: HttpRequest, pk: int) -> HttpResponse:
    programme = get_object_or_404(_dmt_programmes(), pk=pk)
    sessions = list(programme.sessions.annotate(attended=Count("attendance")).order_by("number"))
    return render(
        request,
        "referrals/dmt/programme.html",
        {
            "programme": programme,
            "sessions": sessions,
            "today": timezone.localdate(),
        },
    )


@require_http_methods(["GET", "POST"])
@dmt_practitioner_required
def session_detail(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    user = signed_in_user(request)
    session = get_object_or_404(
        ProgrammeSession.objects.select_related("programme__locality"),
        programme__in=_dmt_programmes(),
        programme_id=pk,
        number=number,
    )
    fathers = _fathers_for(user)
    form = AttendanceForm(_posted(request), fathers=fathers)

    def save() -> tuple[str, str]:
        attendance = services.programme_attendance_record(
            session=session,
            person=form.cleaned_data["person"],
            attendee_name=form.cleaned_data["attendee_name"],
            acting_user=user,
        )
        who = attendance.person.full_name if attendance.person else attendance.attendee_name
        return f"{who} attended session {session.number}.", request.path

    attendance = list(session.attendance.select_related("person").order_by("pk"))
    visible = dict(
        fathers.filter(pk__in=[row.person_id for row in attendance if row.person_id]).values_list(
            "pk", "family_pk"
        )
    )
    # Each father's family (that of his latest referral the user may see), by its name.
    families = Family.objects.in_bulk(set(visible.values()))
    family_selectors.name_families(families.values())
    for row in attendance:
        row.visible = row.person_id is None or row.person_id in visible
        family = families.get(visible.get(row.person_id) or 0) if row.person_id else None
        row.family_reference = family.name_and_reference if family is not None else ""
    if request.method == "GET":
        # The attendance shown, and the fathers offered in the form (with their families).
        shown = {row.person for row in attendance if row.person is not None and row.visible}
        audit_record_many(
            action=AuditEvent.Action.VIEW,
            actor=user,
            objects=[*shown, *(father for father in fathers if father not in shown)],
            detail={"page": "referrals:dmt_session", "session": session.pk},
        )
    return _form_page(
        request,
        form,
        save=save,
        context={
            "session": session,
            "programme": session.programme,
            "attendance": attendance,
            "happened": session.held_on <= timezone.localdate(),
        },
        template="referrals/dmt/session.html",
    )


# Eligibility rules ------------------------------------------------------------------------


def _pathway_managed(request: HttpRequest, code: str) -> Pathway:
    """The pathway (404 if none), if the user manages it (403 otherwise)."""
    pathway = get_object_or_404(Pathway, code=code)
    if not selectors.pathways_managed_by(signed_in_user(request)).filter(pk=pathway.pk).exists():
        raise PermissionDenied
    return pathway


@dataclass(frozen=True)
class RuleRow:
    """A rule as the rules page lists it."""

    rule: EligibilityRule
    kind_label: str
    described: str
    status: str
    status_class: str
    can_end: bool


def _rule_row(rule: EligibilityRule, today: datetime.date) -> RuleRow:
    if rule.in_force_from > today:
        status, status_class = "Not yet in force", "govuk-tag--blue"
    elif rule.in_force_to is not None and rule.in_force_to < today:
        status, status_class = "Ended", "govuk-tag--grey"
    else:
        status, status_class = "In force", "govuk-tag--green"
    return RuleRow(
        rule=rule,
        kind_label=rules.KIND_LABELS.get(rule.kind, rule.get_kind_display()),
        described=rules.describe_params(rule),
        status=status,
        status_class=status_class,
        can_end=rule.in_force_to is None or rule.in_force_to >= today,
    )


@require_GET
@role_required(Role.SPECIALIST, Role.SERVICE_MANAGER)
def rule_list(request: HttpRequest, code: str) -> HttpResponse:
    pathway = _pathway_managed(request, code)
    today = timezone.localdate()
    rows = [_rule_row(rule, today) for rule in pathway.rules.order_by("in_force_from", "id")]
    return render(request, "referrals/rules.html", {"pathway": pathway, "rows": rows})


@require_http_methods(["GET", "POST"])
@role_required(Role.SPECIALIST, Role.SERVICE_MANAGER)
def rule_create(request: HttpRequest, code: str) -> HttpResponse:
    user = signed_in_user(request)
    pathway = _pathway_managed(request, code)
    form = RuleForm(_posted(request))

    def save() -> tuple[str, str]:
        rule = rules.eligibility_rule_create(
            pathway=pathway, acting_user=user, **form.service_kwargs()
        )
        return (
            f"Rule added: {rules.describe_params(rule)}, from {long_date(rule.in_force_from)}.",
            reverse("referrals:rules", args=[pathway.code]),
        )

    return _form_page(
        request, form, save=save, context={"pathway": pathway}, template="referrals/rules_form.html"
    )


@require_http_methods(["GET", "POST"])
@role_required(Role.SPECIALIST, Role.SERVICE_MANAGER)
def rule_end(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    pathway = _pathway_managed(request, code)
    rule = get_object_or_404(EligibilityRule, pk=pk, pathway=pathway)
    form = RuleEndForm(_posted(request))

    def save() -> tuple[str, str]:
        last_day: datetime.date = form.cleaned_data["in_force_to"]
        ended = rules.eligibility_rule_end(rule=rule, in_force_to=last_day, acting_user=user)
        return (
            f"Rule ends: {rules.describe_params(ended)}, last in force {long_date(last_day)}.",
            reverse("referrals:rules", args=[pathway.code]),
        )

    return _form_page(
        request,
        form,
        save=save,
        context={
            "pathway": pathway,
            "rule": rule,
            "kind_label": rules.KIND_LABELS.get(rule.kind, rule.get_kind_display()),
            "described": rules.describe_params(rule),
        },
        template="referrals/rules_end.html",
    )
