"""Families that grow: people join and leave, a father is named later, a pregnancy is
recorded and then the birth. Thin pages: each checks who is asking, then calls a service."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from accounts.audit import audit_page_view, audit_record_many
from accounts.forms import apply_validation_error
from accounts.models import AuditEvent, User
from accounts.permissions import signed_in_user
from dmt.parsing import clean_text, parse_id

from . import selectors, services
from .forms import AddPersonForm, BirthForm, FatherForm, LeaveForm, PregnancyForm
from .models import Family, Membership, Person, long_date


def _family_for_recording(request: HttpRequest, pk: int) -> Family:
    """The family, if the user may see it (else 404) and record on it (else 403); a GET is
    audited, as it shows the family's people."""
    user = signed_in_user(request)
    family = selectors.family_for(user, pk)
    if not selectors.can_record_on(user, family):
        raise PermissionDenied
    if request.method == "GET":
        audit_page_view(request, family)
    return family


def _conflict(request: HttpRequest, what: str) -> None:
    messages.error(
        request,
        f"Someone changed {what} while you were on this page. Check the record below, "
        "then try again.",
    )


def _chosen_existing(request: HttpRequest, form: Form) -> Person | None:
    """The already-recorded person the user chose ("Add this existing person"), if they may
    see them; an error on the form otherwise."""
    person_id = parse_id(request.POST.get("existing", ""))
    person = selectors.person_seen_by(signed_in_user(request), person_id) if person_id else None
    if person is None:
        form.add_error(None, "Choose one of the people listed, or add a new person")
    return person


def _audit_shown(request: HttpRequest, people: list[Person]) -> None:
    """Record that the user was shown `people` (search results, possible matches), on a GET
    or a POST alike."""
    if people:
        match = request.resolver_match
        audit_record_many(
            action=AuditEvent.Action.VIEW,
            actor=signed_in_user(request),
            objects=people,
            detail={"page": match.view_name if match else ""},
        )


def _matches(user: User, fields: dict[str, Any]) -> dict[str, Any] | None:
    """People who may already be recorded (the duplicate check), as the page shows them:
    those `user` may see, and how many others there are. None when there are none."""
    visible, hidden = selectors.possible_duplicates_for(
        user,
        given_name=fields["given_name"],
        family_name=fields.get("family_name", ""),
        date_of_birth=fields.get("date_of_birth"),
    )
    return {"people": visible, "hidden": hidden} if visible or hidden else None


# Adding a person -----------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def person_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    family = _family_for_recording(request, pk)
    form = AddPersonForm(
        request.POST or None, initial={"joined_on": timezone.localdate(), "role": "child"}
    )
    matches = None
    if request.method == "POST" and form.is_valid():
        joined_on, role = form.cleaned_data["joined_on"], form.cleaned_data["role"]
        try:
            if "existing" in request.POST:
                person = _chosen_existing(request, form)
                if person is not None:
                    services.member_add_existing(
                        family=family,
                        person=person,
                        role=role,
                        joined_on=joined_on,
                        acting_user=user,
                    )
            else:
                fields = form.person_fields()
                matches = None if "confirm_new" in request.POST else _matches(user, fields)
                if matches is None:
                    person = services.person_add(
                        family=family, role=role, joined_on=joined_on, acting_user=user, **fields
                    )
                else:
                    _audit_shown(request, matches["people"])
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            if matches is None and not form.errors:
                assert person is not None
                messages.success(request, f"{person.full_name} added to the family.")
                return redirect(family)
    return render(
        request,
        "families/person_add_form.html",
        {"family": family, "form": form, "matches": matches},
    )


# Leaving -----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def member_leave(request: HttpRequest, pk: int, person_pk: int) -> HttpResponse:
    user = signed_in_user(request)
    family = _family_for_recording(request, pk)
    person = selectors.member_of(family, person_pk)
    membership = person.membership
    form = LeaveForm(
        request.POST or None,
        initial={"version": membership.version, "left_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_end(
                membership=membership,
                left_on=form.cleaned_data["left_on"],
                expected_version=form.cleaned_data["version"],
                acting_user=user,
            )
        except services.EditConflict:
            _conflict(request, f"{person.given_name}'s place in the family")
            return redirect(family)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, f"{person.full_name} is recorded as having left.")
            return redirect(family)
    return render(
        request,
        "families/leave_form.html",
        {"family": family, "person": person, "membership": membership, "form": form},
    )


# Naming a father ---------------------------------------------------------------------------


def _fathers_here(family: Family) -> list[tuple[Person, str]]:
    """This family's fathers and father figures, each labelled with their role here."""
    return [
        (person, f"{person.full_name} ({person.membership.get_role_display().lower()} here)")
        for person in selectors.members_of(family)
        if person.is_father
    ]


def _fathers_found(
    user: User, family: Family, child: Person, query: str
) -> list[tuple[Person, str]]:
    """The people the worker's search found who could be the father: not children, not
    already living here; each labelled with the families of theirs the user may see."""
    if not query:
        return []
    living_here = {person.pk for person in selectors.members_of(family)} | {child.pk}
    offered = []
    for person in selectors.search_people_for(user, query=query):
        # The families of theirs the user may see (set by the selector).
        shown: list[Membership] = getattr(person, "memberships_shown", [])
        if person.pk in living_here or any(m.role == Membership.Role.CHILD for m in shown):
            continue
        families = ", ".join(sorted({membership.family.reference for membership in shown}))
        born = f", born {long_date(person.date_of_birth)}" if person.date_of_birth else ""
        offered.append((person, f"{person.full_name}{born} (recorded in {families})"))
    return offered


@require_http_methods(["GET", "POST"])
def father_add(request: HttpRequest, pk: int, child_pk: int) -> HttpResponse:
    user = signed_in_user(request)
    family = _family_for_recording(request, pk)
    child = selectors.member_of(family, child_pk, children_only=True)
    source = request.POST if request.method == "POST" else request.GET
    query = clean_text(source.get("q", "")).strip()[:100]
    here, found = _fathers_here(family), _fathers_found(user, family, child, query)
    _audit_shown(request, [person for person, _label in found])
    offered = here + found
    form = FatherForm(
        request.POST or None,
        offered=offered,
        initial={"q": query, "father": str(offered[0][0].pk) if offered else FatherForm.NEW},
    )
    matches = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        father = form.chosen()
        try:
            if "existing" in request.POST:
                father = _chosen_existing(request, form)
            elif father is None and data["father"] != FatherForm.NEW:
                form.add_error("father", f"Choose who is {child.given_name}'s father")
            elif father is None and "confirm_new" not in request.POST:
                matches = _matches(user, form.person_fields())
                if matches is not None:
                    _audit_shown(request, matches["people"])
            if not form.errors and matches is None:
                link = services.father_add(
                    family=family,
                    child=child,
                    father=father,
                    parent_type=data["parent_type"],
                    role=data["role"],
                    joined_on=data["joined_on"],
                    acting_user=user,
                    **({} if father is not None else form.person_fields()),
                )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            if not form.errors and matches is None:
                messages.success(
                    request,
                    f"{link.person.full_name} is recorded as {child.given_name}'s "
                    f"{link.get_parent_type_display().lower()}.",
                )
                return redirect(family)
    return render(
        request,
        "families/father_add_form.html",
        {
            "family": family,
            "child": child,
            "form": form,
            "query": query,
            "searched": bool(query),
            "found": len(found),
            "matches": matches,
        },
    )


# Pregnancy and birth -----------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def pregnancy_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    family = _family_for_recording(request, pk)
    form = PregnancyForm(request.POST or None, family=family)
    if request.method == "POST" and form.is_valid():
        try:
            expected_on = form.cleaned_data["expected_on"]
            baby = services.pregnancy_record(family=family, acting_user=user, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request,
                f"Pregnancy recorded: {baby.full_name} is expected on {long_date(expected_on)}.",
            )
            return redirect(family)
    return render(request, "families/pregnancy_form.html", {"family": family, "form": form})


@require_http_methods(["GET", "POST"])
def birth_add(request: HttpRequest, pk: int, child_pk: int) -> HttpResponse:
    user = signed_in_user(request)
    family = _family_for_recording(request, pk)
    child = selectors.member_of(family, child_pk, children_only=True)
    if not child.is_unborn:
        messages.info(request, f"{child.given_name}'s birth is already recorded.")
        return redirect(family)
    form = BirthForm(
        request.POST or None,
        initial={
            "version": child.version,
            "given_name": child.given_name,
            "family_name": child.family_name,
            "sex": child.sex,
            "date_of_birth": min(timezone.localdate(), child.expected_on or timezone.localdate()),
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.birth_record(
                child=child,
                family=family,
                date_of_birth=form.cleaned_data["date_of_birth"],
                expected_version=form.cleaned_data["version"],
                changes=form.changes(),
                acting_user=user,
            )
        except services.EditConflict:
            _conflict(request, f"{child.given_name}'s record")
            return redirect(family)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, f"{child.full_name}'s birth is recorded.")
            return redirect(family)
    return render(
        request, "families/birth_form.html", {"family": family, "child": child, "form": form}
    )
