"""Case-recording pages. Thin: each checks who is asking, then calls a selector or service."""

import datetime
import json
from collections.abc import Callable
from functools import partial
from typing import Any

from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.forms import formset_factory
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import drafts
from accounts.audit import audit_page_view, audit_page_view_many, audit_record, audit_record_many
from accounts.forms import apply_validation_error
from accounts.models import AuditEvent, Role, Team, User
from accounts.permissions import role_required, signed_in_user
from dmt.exports import csv_response, export_view
from dmt.parsing import clean_text, parse_id, parse_version

from . import drafts as family_drafts
from . import selectors, services
from .disclosure import may_read_contact_details, shield_people
from .forms import (
    CaseloadFilterForm,
    ChronologyEntryForm,
    ClosureDecisionForm,
    ClosureRequestForm,
    ContactForm,
    FamilyForm,
    FatherInclusionForm,
    NewAdultForm,
    NewChildForm,
    PersonForm,
    PlanActionForm,
    PlanForm,
    StatusChangeForm,
)
from .models import (
    ClosureRequest,
    Family,
    FatherInclusion,
    Membership,
    Person,
    Plan,
    PlanAction,
    level_labels,
    long_date,
)
from .panels import panels_for

ChildFormSet = formset_factory(
    NewChildForm, extra=3, max_num=12, absolute_max=12, validate_max=True
)
AdultFormSet = formset_factory(NewAdultForm, extra=2, max_num=8, absolute_max=8, validate_max=True)


def _family_for_recording(request: HttpRequest, pk: int) -> Family:
    """The family, if the user may see it (else 404) and record on it (else 403).

    Opening a recording page shows case data (people, history), so a GET is audited.
    """
    family = selectors.family_for(signed_in_user(request), pk)
    if not selectors.can_record_on(signed_in_user(request), family):
        raise PermissionDenied
    audit_page_view(request, family)
    return family


# The caseload -----------------------------------------------------------------------------


def _caseload_filters(request: HttpRequest) -> tuple[CaseloadFilterForm, selectors.CaseloadFilters]:
    user = signed_in_user(request)
    teams = Team.objects.filter(
        pk__in=selectors.family_list_for(user).values("team_id")
    ).select_related("locality")
    data = request.GET.copy()
    if "show" not in data:
        data["show"] = "mine" if user.role == Role.SOCIAL_WORKER else "team"
    form = CaseloadFilterForm(data, teams=teams)
    cleaned: dict[str, Any] = form.cleaned_data if form.is_valid() else {"show": data["show"]}
    filters = selectors.CaseloadFilters(
        mine_only=cleaned.get("show") == "mine",
        team_id=cleaned["team"].pk if cleaned.get("team") else None,
        level=cleaned.get("level"),
        no_contact_for_days=cleaned.get("no_contact_for_days"),
    )
    return form, filters


# Roles whose work is reading case files across a team or area (see selectors.family_list_for).
CASE_READERS = (
    Role.SOCIAL_WORKER,
    Role.TEAM_MANAGER,
    Role.SERVICE_MANAGER,
    Role.BUSINESS_SUPPORT,
    Role.AUDITOR,
)


@require_GET
@role_required(*CASE_READERS)
def caseload(request: HttpRequest) -> HttpResponse:
    form, filters = _caseload_filters(request)
    families = selectors.caseload_for(signed_in_user(request), filters)
    labels = level_labels()
    rows = list(families[:500])
    for family in rows:
        family.level_label = labels[family.current_level]
    selectors.name_families(rows)
    audit_page_view_many(request, rows)
    return render(
        request,
        "families/caseload.html",
        {
            "form": form,
            "families": rows,
            "counts": selectors.caseload_counts(families),
            "query": request.GET.urlencode(),
            "today": timezone.now(),
        },
    )


@require_GET
@role_required(*CASE_READERS)
@export_view
def caseload_export(request: HttpRequest) -> HttpResponse:
    """The filtered caseload as CSV. Each family exported is audited."""
    _form, filters = _caseload_filters(request)
    families = list(selectors.caseload_for(signed_in_user(request), filters))
    labels = level_labels()
    names = selectors.display_names(families)
    header = [
        "reference",
        "family",
        "locality",
        "team",
        "social_worker",
        "opened_on",
        "children",
        "highest_status",
        "last_contact",
    ]
    rows = (
        [
            family.reference,
            names[family.pk],
            family.locality,
            family.team,
            family.social_worker,
            family.opened_on,
            family.children_count,
            labels[family.current_level],
            family.last_contact_at,
        ]
        for family in families
    )
    stamp = timezone.localdate().isoformat()
    response = csv_response([header, *rows], filename=f"caseload-{stamp}.csv")
    with transaction.atomic():
        audit_record_many(
            action=AuditEvent.Action.EXPORT,
            actor=signed_in_user(request),
            objects=families,
            detail={"export": "families:caseload_export"},
        )
    return response


# The family page --------------------------------------------------------------------------


@require_GET
def family_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    family = selectors.family_for(user, pk)
    audit_record(action=AuditEvent.Action.VIEW, actor=user, obj=family)
    data = selectors.family_page_data(family)
    shield_people(user, [*data["adults"], *data["children"], *data["former_members"]])
    team_workers = (
        User.objects.filter(role=Role.SOCIAL_WORKER, team=family.team, is_active=True)
        if user.role == Role.TEAM_MANAGER and selectors.can_record_on(user, family)
        else []
    )
    return render(
        request,
        "families/family_detail.html",
        {
            "family": family,
            "can_record": selectors.can_record_on(user, family),
            "can_decide_closure": services.can_decide_closure(user, family),
            "can_rerefer": services.can_rerefer(user, family),
            "can_transfer": family.is_open and services.can_transfer(user, family),
            "decision_form": ClosureDecisionForm(),
            "team_workers": team_workers,
            **data,
            **selectors.family_movements(family),
            "panels": panels_for(user, family),
        },
    )


@require_POST
def family_allocate(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    family = _family_for_recording(request, pk)
    if user.role != Role.TEAM_MANAGER:
        raise PermissionDenied
    chosen = request.POST.get("social_worker", "")
    worker_id = parse_id(chosen)
    worker = User.objects.filter(pk=worker_id).first() if worker_id else None
    if worker is None:
        messages.error(request, "Choose a social worker to allocate the case to.")
        return redirect(family)
    try:
        services.family_allocate(
            family=family,
            social_worker=worker,
            start_date=timezone.localdate(),
            acting_user=user,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{family.reference} is now allocated to {worker}.")
    return redirect(family)


# Creating a family in one flow ------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def family_create(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    if user.role not in selectors.RECORDING_ROLES or user.team is None:
        raise PermissionDenied
    family_form = FamilyForm(request.POST or None, initial={"opened_on": timezone.localdate()})
    children = ChildFormSet(request.POST or None, prefix="child")
    adults = AdultFormSet(request.POST or None, prefix="adult")
    duplicates: list[dict[str, Any]] = []
    if request.method == "POST" and all(
        [family_form.is_valid(), children.is_valid(), adults.is_valid()]
    ):
        child_rows = [row for row in children.cleaned_data if row.get("given_name")]
        adult_rows = [row for row in adults.cleaned_data if row.get("given_name")]
        if not child_rows:
            family_form.add_error(None, "Enter at least one child")
        else:
            duplicates = _possible_duplicates(user, child_rows + adult_rows)
            if duplicates and not family_form.cleaned_data["confirm_not_duplicates"]:
                family_form.add_error(
                    "confirm_not_duplicates",
                    "Check the possible matches below, then confirm these are different people",
                )
            else:
                family = _create_family(user, family_form.cleaned_data, child_rows, adult_rows)
                messages.success(request, f"Case {family.reference} created.")
                return redirect(family)
    return render(
        request,
        "families/family_form.html",
        {
            "form": family_form,
            "children": children,
            "adults": adults,
            "duplicates": duplicates,
        },
    )


def _possible_duplicates(user: User, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for row in rows:
        visible, hidden = selectors.possible_duplicates_for(
            user,
            given_name=row["given_name"],
            family_name=row.get("family_name", ""),
            date_of_birth=row.get("date_of_birth"),
        )
        if visible or hidden:
            found.append({"entered": row, "matches": visible, "hidden": hidden})
    selectors.name_families(
        selectors.families_shown_with(match for row in found for match in row["matches"])
    )
    return found


@transaction.atomic
def _create_family(
    user: User,
    fields: dict[str, Any],
    child_rows: list[dict[str, Any]],
    adult_rows: list[dict[str, Any]],
) -> Family:
    team = user.team
    assert team is not None
    family = services.family_create(
        reference=fields["reference"],
        locality=team.locality,
        team=team,
        social_worker=user if user.role == Role.SOCIAL_WORKER else None,
        cohort=fields["cohort"],
        opened_on=fields["opened_on"],
        acting_user=user,
    )
    fathers = []
    for row in adult_rows:
        adult = services.person_create(
            family=family,
            acting_user=user,
            role=row["role"],
            given_name=row["given_name"],
            family_name=row["family_name"],
            date_of_birth=row["date_of_birth"],
            sex=row["sex"],
            phone=row["phone"],
            care_experienced=row["care_experienced"],
            previous_child_removal=row["previous_child_removal"],
        )
        if adult.is_father:
            fathers.append(adult)
    # With exactly one father or father figure entered, he is each child's father; otherwise
    # the family page prompts the worker to name each child's father.
    father = fathers[0] if len(fathers) == 1 else None
    for row in child_rows:
        child = services.person_create(
            family=family,
            acting_user=user,
            role=Membership.Role.CHILD,
            given_name=row["given_name"],
            family_name=row["family_name"],
            date_of_birth=row["date_of_birth"],
            sex=row["sex"],
            father=father,
        )
        if row.get("status"):
            services.child_status_change(
                child=child, status=row["status"], start_date=family.opened_on, acting_user=user
            )
    return family


# Contacts ---------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def contact_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    family = _family_for_recording(request, pk)
    draft_key = drafts.key(family_drafts.CONTACT, family.pk)
    form = ContactForm(request.POST or None, family=family)
    if request.method == "POST" and form.is_valid():
        try:
            services.contact_record(
                family=family,
                occurred_at=form.occurred_at(),
                kind=form.cleaned_data["kind"],
                note=form.cleaned_data["note"],
                next_steps=form.cleaned_data["next_steps"],
                people_seen=form.cleaned_data["people_seen"],
                children_seen_alone=form.cleaned_data["children_seen_alone"],
                significant=form.cleaned_data["significant"],
                chronology_summary=form.cleaned_data["chronology_summary"],
                acting_user=user,
                draft_key=draft_key,
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, "Contact recorded.")
            return redirect(family)
    if request.method == "POST" and form.errors:
        drafts.keep_posted(request, draft_key)
    last_saved = (
        family.contacts.filter(recorded_by=user)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    return render(
        request,
        "families/contact_form.html",
        {
            "family": family,
            "form": form,
            **drafts.page_context(
                request, draft_key, text_fields=("note", "next_steps"), last_saved=last_saved
            ),
        },
    )


# Legal status ----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def child_status(request: HttpRequest, pk: int, child_pk: int) -> HttpResponse:
    user = signed_in_user(request)
    family = _family_for_recording(request, pk)
    child = selectors.member_of(family, child_pk, children_only=True)
    form = StatusChangeForm(
        request.POST or None,
        initial={"start_date": timezone.localdate()},
        unborn=child.is_unborn,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.child_status_change(
                child=child,
                family=family,
                status=form.chosen_status(),
                start_date=form.cleaned_data["start_date"],
                acting_user=user,
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, f"{child.given_name}'s status is updated.")
            return redirect(family)
    episodes = list(child.status_episodes.order_by("-start_date"))
    return render(
        request,
        "families/status_form.html",
        {
            "family": family,
            "child": child,
            "form": form,
            "episodes": episodes,
            "current": next((episode for episode in episodes if episode.end_date is None), None),
        },
    )


# People ----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def person_edit(request: HttpRequest, pk: int, person_pk: int) -> HttpResponse:
    user = signed_in_user(request)
    family = _family_for_recording(request, pk)
    person = selectors.member_of(family, person_pk, former_too=True)
    visible = may_read_contact_details(user, person)
    father = selectors.fathers_of([person]).get(person.pk) if person.is_child else None
    person_form = partial(
        PersonForm, person=person, family=family, father=father, show_contact_details=visible
    )
    conflict = None
    draft_key = drafts.key(family_drafts.PERSON, person.pk)
    if request.method == "POST":
        form = person_form(request.POST)
        if form.is_valid():
            try:
                services.person_update(
                    person=person,
                    family=family,
                    expected_version=form.cleaned_data["version"],
                    changes=form.changes(),
                    acting_user=user,
                    draft_key=draft_key,
                )
            except services.EditConflict as error:
                form, conflict = _merge_after_conflict(form, error.current, person_form)
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, f"{person.full_name}'s details are saved.")
                return redirect(family)
        drafts.keep_posted(request, draft_key)
    else:
        audit_record(action=AuditEvent.Action.VIEW, actor=user, obj=person)
        form = person_form(initial=_person_initial(person, father))
    return render(
        request,
        "families/person_form.html",
        {
            "family": family,
            "person": person,
            "form": form,
            "conflict": conflict,
            **drafts.page_context(
                request,
                draft_key,
                text_fields=("given_name", "family_name", "address"),
                last_saved=drafts.last_written(user, "families.person", [person.pk]),
                withheld=() if visible else PersonForm.CONTACT_DETAILS,
            ),
        },
    )


def _person_initial(person: Person, father: Person | None) -> dict[str, Any]:
    values = {name: getattr(person, name) for name in services.PERSON_COLUMNS}
    values["father"] = father
    # What the record held when the form was opened, signed so it cannot be forged: after a
    # conflict it tells which fields this user changed and which a colleague did. Keyed
    # fingerprints, not values: the page goes to people who may not read every field (a
    # restricted address), and a signed value is only encoded, not hidden.
    opened = signing.dumps({name: _comparable(value) for name, value in values.items()})
    return {**values, "version": person.version, "opened": opened}


def _comparable(value: Any) -> str:
    """A value's fingerprint, keyed with the site's secret so it cannot be guessed back."""
    if isinstance(value, datetime.date):
        value = value.isoformat()
    elif hasattr(value, "pk"):
        value = value.pk
    return salted_hmac("families.person_edit.opened", json.dumps(value)).hexdigest()


def _merge_after_conflict(
    form: PersonForm, current: Person, person_form: Callable[..., PersonForm]
) -> tuple[PersonForm, dict[str, Any]]:
    """Three-way merge of a conflicting edit: keep the colleague's changes to fields this user
    left alone, keep this user's own changes, and list the fields both changed differently.

    Returns a fresh form at the saved version, so saving it is a deliberate decision.
    """
    try:
        opened = signing.loads(form.cleaned_data.get("opened") or "")
    except signing.BadSignature:
        opened = {}
    mine = form.changes()
    # The father as saved now: the colleague may have named another.
    father = selectors.fathers_of([current]).get(current.pk) if "father" in mine else None
    saved_values = _person_initial(current, father)
    merged, clashes, kept = {}, [], []
    for name, my_value in mine.items():
        saved = saved_values[name]
        i_changed = name not in opened or _comparable(my_value) != opened[name]
        they_changed = name not in opened or _comparable(saved) != opened[name]
        merged[name] = my_value if i_changed else saved
        label = form.fields[name].label
        if i_changed and they_changed and _comparable(my_value) != _comparable(saved):
            clashes.append({"label": label, "yours": _display(my_value), "theirs": _display(saved)})
        elif they_changed and not i_changed:
            kept.append(label)
    fresh = person_form(initial={**saved_values, **merged})
    return fresh, {"clashes": clashes, "kept": kept}


def _display(value: Any) -> str:
    if value is None or value == "":
        return "Not recorded"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime.date):
        return long_date(value)
    return str(value)


# Closing a case --------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def closure_request(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    family = _family_for_recording(request, pk)
    form = ClosureRequestForm(request.POST or None, initial={"closing_on": timezone.localdate()})
    draft_key = drafts.key(family_drafts.CLOSURE, family.pk)
    if request.method == "POST" and form.is_valid():
        try:
            services.closure_request_create(
                family=family,
                closing_on=form.cleaned_data["closing_on"],
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
                acting_user=user,
                draft_key=draft_key,
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, "Closure sent to your team manager for approval.")
            return redirect(family)
    if request.method == "POST":
        drafts.keep_posted(request, draft_key)
    last_saved = drafts.last_written(
        user,
        "families.closurerequest",
        ClosureRequest.objects.filter(family=family).values_list("pk", flat=True),
    )
    return render(
        request,
        "families/closure_form.html",
        {
            "family": family,
            "form": form,
            **drafts.page_context(request, draft_key, text_fields=("note",), last_saved=last_saved),
        },
    )


@require_POST
def closure_decide(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    closure = get_object_or_404(
        ClosureRequest.objects.filter(family__in=selectors.family_list_for(user)), pk=pk
    )
    if not services.can_decide_closure(user, closure.family):
        raise PermissionDenied
    form = ClosureDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Select approve or decline.")
        return redirect(closure.family)
    try:
        services.closure_request_decide(
            request=closure,
            approve=form.cleaned_data["decision"] == "approve",
            note=form.cleaned_data["note"],
            acting_user=user,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            "Closure approved: the case is closed."
            if form.cleaned_data["decision"] == "approve"
            else "Closure declined.",
        )
    return redirect(closure.family)


# Chronology and search -------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def chronology(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    family = selectors.family_for(user, pk)
    can_record = selectors.can_record_on(user, family)
    form = ChronologyEntryForm(request.POST or None)
    if request.method == "POST":
        if not can_record:
            raise PermissionDenied
        if form.is_valid():
            services.chronology_entry_create(
                family=family,
                occurred_on=form.cleaned_data["occurred_on"],
                summary=form.cleaned_data["summary"],
                acting_user=user,
            )
            messages.success(request, "Added to the chronology.")
            return redirect("families:chronology", pk=family.pk)
    else:
        audit_page_view(request, family)
    entries = family.chronology.select_related("recorded_by", "contact")
    return render(
        request,
        "families/chronology.html",
        {
            "family": family,
            "entries": entries,
            "form": form,
            "can_record": can_record,
            "printed_at": timezone.localtime(),
        },
    )


@require_GET
@role_required(*CASE_READERS)
def search(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    query = clean_text(request.GET.get("q", "")).strip()[:100]
    people = selectors.search_people_for(user, query=query) if query else []
    selectors.name_families(selectors.families_shown_with(people))
    if query:
        # Who was shown to whom, never what was typed: the search text stays out of the
        # audit trail (it is often a name). A search that found nobody is still recorded.
        if people:
            audit_page_view_many(request, people)
        else:
            audit_record(action=AuditEvent.Action.VIEW, actor=user, detail={"results": 0})
    return render(request, "families/search.html", {"query": query, "people": people})


# Father inclusion and plans ---------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def father_inclusion(request: HttpRequest, pk: int, child_pk: int) -> HttpResponse:
    user = signed_in_user(request)
    family = _family_for_recording(request, pk)
    child = selectors.member_of(family, child_pk, children_only=True)
    father = selectors.fathers_of([child]).get(child.pk)
    inclusion = FatherInclusion.objects.filter(child=child).first() or FatherInclusion(child=child)
    form = FatherInclusionForm(request.POST or None, initial=_inclusion_initial(inclusion))
    conflict: list[dict[str, str]] | None = None
    if request.method == "POST" and form.is_valid():
        try:
            services.father_inclusion_update(
                child=child,
                family=family,
                expected_version=form.cleaned_data["version"],
                changes=form.changes(),
                acting_user=user,
            )
        except services.EditConflict as error:
            # Keep the user's answers, at the saved version, and list where they differ.
            conflict = [
                {
                    "label": str(form.fields[name].label),
                    "yours": _display(mine),
                    "theirs": _display(getattr(error.current, name)),
                }
                for name, mine in form.changes().items()
                if getattr(error.current, name) != mine
            ]
            data = request.POST.copy()
            data["version"] = str(error.current.version)
            form = FatherInclusionForm(data)
            form.is_valid()
        else:
            messages.success(request, f"Father inclusion for {child.given_name} is saved.")
            return redirect(family)
    return render(
        request,
        "families/father_inclusion_form.html",
        {
            "family": family,
            "child": child,
            "father": father,
            "father_lives_here": father is not None
            and Membership.objects.current().filter(family=family, person=father).exists(),
            "form": form,
            "conflict": conflict,
        },
    )


def _inclusion_initial(inclusion: FatherInclusion) -> dict[str, Any]:
    return {
        "version": inclusion.version,
        **{name: getattr(inclusion, name) for name in services.FATHER_INCLUSION_FIELDS},
    }


def _children_in(family: Family) -> QuerySet[Membership, int]:
    """The ids of the family's children now: their plans are reached through it."""
    return (
        Membership.objects.current()
        .children()
        .filter(family=family)
        .values_list("person", flat=True)
    )


@require_http_methods(["GET", "POST"])
def plan_start(request: HttpRequest, pk: int, child_pk: int) -> HttpResponse:
    user = signed_in_user(request)
    family = _family_for_recording(request, pk)
    child = selectors.member_of(family, child_pk, children_only=True)
    current = child.status_episodes.filter(end_date__isnull=True).first()
    form = PlanForm(
        request.POST or None,
        initial={
            "kind": current.status if current else "cin",
            "started_on": current.start_date if current else timezone.localdate(),
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_create(child=child, family=family, acting_user=user, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, f"Plan started for {child.given_name}.")
            return redirect(family)
    return render(
        request,
        "families/plan_form.html",
        {
            "family": family,
            "child": child,
            "form": form,
        },
    )


@require_http_methods(["GET", "POST"])
def plan_action_add(request: HttpRequest, pk: int, plan_pk: int) -> HttpResponse:
    user = signed_in_user(request)
    family = _family_for_recording(request, pk)
    plan = get_object_or_404(
        Plan.objects.select_related("child"), pk=plan_pk, child__in=_children_in(family)
    )
    form = PlanActionForm(
        request.POST or None,
        workers=User.objects.filter(team=family.team, is_active=True),
        family_members=selectors.members_of(family),
    )
    draft_key = drafts.key(family_drafts.PLAN_ACTION, plan.pk)
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_action_create(
                plan=plan,
                family=family,
                description=form.cleaned_data["description"],
                due_on=form.cleaned_data["due_on"],
                acting_user=user,
                draft_key=draft_key,
                **form.owner_kwargs(),
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, "Action added to the plan.")
            return redirect(family)
    if request.method == "POST":
        drafts.keep_posted(request, draft_key)
    last_saved = drafts.last_written(
        user, "families.planaction", plan.actions.values_list("pk", flat=True)
    )
    return render(
        request,
        "families/plan_action_form.html",
        {
            "family": family,
            "plan": plan,
            "form": form,
            **drafts.page_context(
                request, draft_key, text_fields=("description",), last_saved=last_saved
            ),
        },
    )


@require_POST
def plan_action_status(request: HttpRequest, pk: int, action_pk: int) -> HttpResponse:
    user = signed_in_user(request)
    family = _family_for_recording(request, pk)
    action = get_object_or_404(PlanAction, pk=action_pk, plan__child__in=_children_in(family))
    status = request.POST.get("status", "")
    version = parse_version(request.POST.get("version", ""))
    if status not in PlanAction.Status.values or version is None:
        messages.error(request, "Choose a status for the action.")
        return redirect(family)
    try:
        services.plan_action_update(
            action=action,
            family=family,
            expected_version=version,
            changes={"status": status},
            acting_user=user,
        )
    except services.EditConflict as error:
        messages.error(
            request,
            "Someone else changed this action first: it is now "
            f"“{error.current.get_status_display()}”. Nothing was changed.",
        )
    else:
        messages.success(request, f"Action marked {action.get_status_display().lower()}.")
    return redirect(family)
