"""Group supervision pages. Thin: each checks who is asking, then calls a selector or service
(the services check the chair and minute-taker rights again)."""

import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import drafts
from accounts.audit import audit_page_view, audit_page_view_many, audit_record_many
from accounts.forms import apply_validation_error
from accounts.models import AuditEvent, Role, User
from accounts.permissions import signed_in_user
from dmt.parsing import POSITION_MAX, parse_datetime, parse_id, parse_position, parse_version
from families import selectors as family_selectors
from families.models import Family
from families.selectors import members_of
from families.services import EditConflict

from . import drafts as supervision_drafts
from . import selectors, services, slots
from .forms import (
    AddendumForm,
    CancelForm,
    GroupForm,
    IntervalForm,
    LeaveForm,
    MembersForm,
    MinutesForm,
    NotDiscussedForm,
    ScheduleForm,
    SlotSearchForm,
    WorkingWeekForm,
)
from .models import (
    AgendaItem,
    Discussion,
    Leave,
    Meeting,
    SupervisionAction,
    SupervisionGroup,
)
from .pack import pack_sections

CONFLICT = "Someone else changed this meeting while you had it open. Check it and try again."


def _posted_version(request: HttpRequest) -> int:
    """The record version the form was opened at; -1 (never current) when missing or not a
    version, so a tampered form changes nothing and is told of a conflict."""
    version = parse_version(request.POST.get("version", ""))
    return -1 if version is None else version


def _chair_meeting(request: HttpRequest, pk: int) -> Meeting:
    meeting = selectors.meeting_for(signed_in_user(request), pk)
    if not services.is_chair(signed_in_user(request), meeting.group):
        raise PermissionDenied
    return meeting


# The group ---------------------------------------------------------------------------------


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    groups = list(selectors.groups_for(user))
    if len(groups) == 1:
        return redirect("supervision:group", groups[0].pk)
    can_set_up = (
        user.role == Role.TEAM_MANAGER
        and user.team_id is not None
        and not SupervisionGroup.objects.filter(team_id=user.team_id).exists()
    )
    if not groups and not can_set_up and user.role not in (Role.SERVICE_MANAGER,):
        raise PermissionDenied
    return render(request, "supervision/index.html", {"groups": groups, "can_set_up": can_set_up})


@require_http_methods(["GET", "POST"])
def group_setup(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    if user.role != Role.TEAM_MANAGER or user.team is None:
        raise PermissionDenied
    if SupervisionGroup.objects.filter(team=user.team).exists():
        return redirect("supervision:index")
    form = GroupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            group = services.group_create(
                team=user.team, chair=user, acting_user=user, **form.cleaned_data
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, f"Group supervision is set up for {user.team}.")
            return redirect("supervision:group", group.pk)
    members = services.default_members(user.team)
    return render(request, "supervision/group_setup.html", {"form": form, "members": members})


@require_GET
def group_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    group = selectors.group_for(user, pk)
    now, today = timezone.now(), timezone.localdate()
    chair = services.is_chair(user, group)
    manager = chair or user.role == Role.SERVICE_MANAGER
    context: dict[str, Any] = {
        "group": group,
        "is_chair": chair,
        "upcoming": list(selectors.upcoming_meetings(group, now)),
        "past": list(selectors.past_meetings(group, now)[:12]),
        "members": list(group.members.order_by("role", "last_name")),
        "next_start": services.next_usual_start(group, now),
    }
    if manager:
        overdue = selectors.families_overdue(group, today)
        family_selectors.name_families(proposal.family for proposal in overdue)
        audit_page_view_many(request, [proposal.family for proposal in overdue])
        context.update(
            overdue_families=overdue,
            overdue_actions=selectors.overdue_actions_by_owner(group, today),
            lost_hours=selectors.lost_clinical_hours(group, today - datetime.timedelta(days=365)),
        )
    return render(request, "supervision/group_detail.html", context)


@require_POST
def meeting_schedule(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    group = selectors.group_for(user, pk)
    if not services.is_chair(user, group):
        raise PermissionDenied
    form = ScheduleForm(request.POST)
    if form.is_valid():
        try:
            meeting = services.meeting_schedule(
                group=group, starts_at=form.starts_at(), acting_user=user
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"Meeting scheduled: {meeting}. Now build its agenda.")
            return redirect("supervision:agenda", meeting.pk)
    else:
        messages.error(request, "Enter a real date and time for the meeting.")
    return redirect("supervision:group", group.pk)


# A meeting ---------------------------------------------------------------------------------


def _agenda_rows(meeting: Meeting, user: User) -> list[dict[str, Any]]:
    visible = selectors.families_seen_in_supervision(user, meeting)
    discussions = {
        discussion.family_id: discussion
        for discussion in meeting.discussions.select_related("recorded_by").prefetch_related(
            "present", "actions__owner", "addenda__written_by", "stage_entries__person"
        )
    }
    rows = []
    items = list(meeting.agenda.select_related("family__social_worker"))
    # Named only where the user may see the family's details; the rest by reference.
    family_selectors.name_families(
        item.family for item in items if visible is None or item.family_id in visible
    )
    for item in items:
        rows.append(
            {
                "item": item,
                "family": item.family,
                "visible": visible is None or item.family_id in visible,
                "discussion": discussions.get(item.family_id),
            }
        )
    return rows


@require_GET
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    meeting = selectors.meeting_for(user, pk)
    group = meeting.group
    rows = _agenda_rows(meeting, user)
    # The minutes and pack shown are each family's record, and the agenda names every family
    # on it: audit the read against each, then against the meeting.
    audit_record_many(
        action=AuditEvent.Action.VIEW,
        actor=user,
        objects=[row["family"] for row in rows],
        detail={"page": "supervision:meeting", "meeting": meeting.pk},
    )
    audit_page_view(request, meeting)
    return render(
        request,
        "supervision/meeting_detail.html",
        {
            "meeting": meeting,
            "group": group,
            "rows": rows,
            "is_chair": services.is_chair(user, group),
            "can_minute": services.can_minute(user, group)
            and not meeting.is_signed_off
            and meeting.status != Meeting.Status.CANCELLED
            and meeting.starts_at <= timezone.now(),
            "can_add_addendum": services.can_minute(user, group) and meeting.is_signed_off,
            "started": meeting.starts_at <= timezone.now(),
            "pack": _visible_pack(meeting, user),
        },
    )


def _name_and_reference(name: str, reference: str) -> str:
    return f"{name} ({reference})" if name and name != reference else reference


def _visible_pack(meeting: Meeting, user: User) -> list[dict[str, Any]] | None:
    if not meeting.pack:
        return None
    visible = selectors.families_seen_in_supervision(user, meeting)
    families = meeting.pack.get("families", []) if isinstance(meeting.pack, dict) else []
    return [
        {
            "reference": entry["reference"],
            # Packs built before families had display names carry the reference alone.
            "heading": _name_and_reference(entry.get("name", ""), entry["reference"]),
            "sections": pack_sections(entry),
        }
        for entry in families
        if visible is None or entry.get("family_id") in visible
    ]


@require_http_methods(["GET", "POST"])
def agenda(request: HttpRequest, pk: int) -> HttpResponse:
    """The agenda builder: proposed families ticked in priority order with why; the chair
    ticks, unticks and renumbers, and saves."""
    user = signed_in_user(request)
    meeting = _chair_meeting(request, pk)
    if meeting.status != Meeting.Status.PLANNED:
        messages.error(request, "The agenda of a held or cancelled meeting cannot change.")
        return redirect(meeting_url(meeting))
    day = timezone.localdate(meeting.starts_at)
    rows = selectors.agenda_candidates(meeting, day)
    family_selectors.name_families(row["family"] for row in rows)
    error = ""
    if request.method == "POST":
        # (position or None when unreadable, reference, family, reason); no position: last.
        chosen: list[tuple[int | None, str, Family, str]] = []
        by_pk = {str(row["family"].pk): row for row in rows}
        unknown = [key for key in request.POST.getlist("family") if key not in by_pk]
        positions: dict[str, int | None] = {}
        for key in by_pk:
            position_text = request.POST.get(f"position_{key}", "").strip()
            positions[key] = parse_position(position_text) if position_text else POSITION_MAX + 1
        for key in request.POST.getlist("family"):
            row = by_pk.get(key)
            if row is None:
                continue
            chosen.append((positions[key], row["family"].reference, row["family"], row["reason"]))
        # An order that cannot be read is an error even on a row left unticked: it was typed.
        unreadable = [
            row["family"].reference for key, row in by_pk.items() if positions[key] is None
        ]
        if unknown:
            # A family no longer proposed (closed or moved since the page opened), or a
            # tampered form: save nothing rather than an agenda the chair did not see.
            error = (
                "One of the families chosen is no longer on this team's list. Check the "
                "agenda below and save it again."
            )
        elif unreadable:
            error = (
                f"Enter the order of {', '.join(unreadable)} as a whole number "
                f"from 1 to {POSITION_MAX}"
            )
        else:
            chosen.sort(key=lambda entry: (entry[0] or 0, entry[1]))
            try:
                services.agenda_set(
                    meeting=meeting,
                    families=[(family, reason) for _, _, family, reason in chosen],
                    expected_version=_posted_version(request),
                    acting_user=user,
                )
            except ValidationError as exc:
                error = " ".join(exc.messages)
            except EditConflict:
                error = CONFLICT
            else:
                messages.success(request, f"Agenda saved: {len(chosen)} families.")
                return redirect(meeting_url(meeting))
        # Show the chair's choice again to fix, with the orders that were readable.
        chosen_keys = {str(family.pk): position for position, _, family, _ in chosen}
        for row in rows:
            key = str(row["family"].pk)
            position = chosen_keys.get(key)
            row["chosen"] = key in chosen_keys
            row["position"] = position if position and position <= POSITION_MAX else None
    else:
        # The builder lists every candidate family with its RAG and reason.
        audit_page_view_many(request, [meeting, *(row["family"] for row in rows)])
    return render(
        request,
        "supervision/agenda.html",
        {"meeting": meeting, "group": meeting.group, "rows": rows, "error": error},
    )


@require_http_methods(["GET", "POST"])
def slot_finder(request: HttpRequest, pk: int) -> HttpResponse:
    """Times in the next weeks when everyone needed for the agenda can come, best first."""
    user = signed_in_user(request)
    meeting = _chair_meeting(request, pk)
    if request.method == "POST":
        starts_at = parse_datetime(request.POST.get("starts_at", ""))
        if starts_at is None:
            messages.error(request, "Choose a time.")
            return redirect("supervision:slots", meeting.pk)
        try:
            services.meeting_move(
                meeting=meeting,
                starts_at=starts_at,
                expected_version=_posted_version(request),
                acting_user=user,
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        except EditConflict:
            messages.error(request, CONFLICT)
        else:
            messages.success(request, f"Meeting moved: {meeting}.")
            return redirect(meeting_url(meeting))
        return redirect("supervision:slots", meeting.pk)
    form = SlotSearchForm(request.GET or {"weeks": 4})
    families = [item.family for item in meeting.agenda.select_related("family")]
    # Who is needed follows from the families' work: reading it is reading their records.
    audit_page_view_many(request, families)
    needed = slots.needed_for(meeting.group, families)
    found: list[slots.Slot] = []
    if form.is_valid():
        found = slots.find_slots(
            meeting.group,
            needed,
            start=timezone.localdate(),
            weeks=form.cleaned_data["weeks"],
            length_minutes=meeting.length_minutes,
            exclude_meeting=meeting.pk,
        )
    return render(
        request,
        "supervision/slots.html",
        {
            "meeting": meeting,
            "group": meeting.group,
            "form": form,
            "needed": needed,
            "slots": found,
            "families": families,
        },
    )


@require_http_methods(["GET", "POST"])
def meeting_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    meeting = _chair_meeting(request, pk)
    form = CancelForm(request.POST or None, initial={"version": meeting.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_cancel(
                meeting=meeting,
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["version"],
                acting_user=user,
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        except EditConflict:
            form.add_error(None, CONFLICT)
        else:
            messages.success(request, "The meeting is cancelled.")
            return redirect(meeting_url(meeting))
    return render(request, "supervision/cancel.html", {"meeting": meeting, "form": form})


@require_POST
def sign_off(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    meeting = _chair_meeting(request, pk)
    try:
        services.meeting_sign_off(
            meeting=meeting,
            expected_version=_posted_version(request),
            acting_user=user,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except EditConflict:
        messages.error(request, CONFLICT)
    else:
        messages.success(request, "The minutes are signed off. Corrections are now dated addenda.")
    return redirect(meeting_url(meeting))


def meeting_url(meeting: Meeting) -> str:
    return reverse("supervision:meeting", args=[meeting.pk])


# Minutes -----------------------------------------------------------------------------------


def _item_for_minutes(request: HttpRequest, pk: int, family_pk: int) -> AgendaItem:
    user = signed_in_user(request)
    meeting = selectors.meeting_for(user, pk)
    if not services.can_minute(user, meeting.group):
        raise PermissionDenied
    return get_object_or_404(
        AgendaItem.objects.select_related("family", "meeting__group"),
        meeting=meeting,
        family_id=family_pk,
    )


@require_http_methods(["GET", "POST"])
def minutes(request: HttpRequest, pk: int, family_pk: int) -> HttpResponse:
    user = signed_in_user(request)
    item = _item_for_minutes(request, pk, family_pk)
    meeting, family = item.meeting, item.family
    group = meeting.group
    if meeting.is_signed_off:
        messages.error(request, "These minutes are signed off. Add a dated addendum instead.")
        return redirect(meeting_url(meeting))
    if meeting.status == Meeting.Status.CANCELLED:
        messages.error(request, "This meeting was cancelled, so it has no minutes.")
        return redirect(meeting_url(meeting))
    if meeting.starts_at > timezone.now():
        messages.error(
            request, "The meeting has not started yet. Minutes are taken once it has started."
        )
        return redirect(meeting_url(meeting))
    attendees = sorted(
        {*group.members.filter(is_active=True), group.chair},
        key=lambda person: (person.last_name, person.first_name),
    )
    adults = [person for person in members_of(family) if not person.is_child]
    form = MinutesForm(
        request.POST or None,
        attendees=attendees,
        adults=adults,
        owners=attendees,
        meeting_day=timezone.localdate(meeting.starts_at),
    )
    draft_key = drafts.key(supervision_drafts.MINUTES, item.pk)
    if request.method == "POST" and form.is_valid():
        try:
            services.discussion_record(
                meeting=meeting,
                family=family,
                present=form.cleaned_data["present"],
                child_safety_rag=form.cleaned_data["child_safety_rag"],
                analysis=form.cleaned_data["analysis"],
                decisions=form.cleaned_data["decisions"],
                stages=form.stages(),
                actions=[
                    services.ActionInput(text, owner, due) for text, owner, due in form.actions()
                ],
                acting_user=user,
                draft_key=draft_key,
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, f"{family} is minuted.")
            return redirect(meeting_url(meeting))
    if request.method == "GET":
        audit_page_view(request, family)
    else:
        drafts.keep_posted(request, draft_key)
    return render(
        request,
        "supervision/minutes_form.html",
        {
            "meeting": meeting,
            "family": family,
            "item": item,
            "form": form,
            "not_discussed_form": NotDiscussedForm(),
            **drafts.page_context(
                request,
                draft_key,
                text_fields=("analysis", "decisions", "action_1", "action_2", "action_3"),
                last_saved=_minuted_at(item, user),
            ),
        },
    )


def _minuted_at(item: AgendaItem, user: User) -> datetime.datetime | None:
    """When `user` minuted this family at this meeting, if they have: a copy of the form the
    device kept from before then is stale."""
    return (
        Discussion.objects.filter(meeting=item.meeting, family=item.family, recorded_by=user)
        .values_list("created_at", flat=True)
        .first()
    )


@require_POST
def not_discussed(request: HttpRequest, pk: int, family_pk: int) -> HttpResponse:
    user = signed_in_user(request)
    item = _item_for_minutes(request, pk, family_pk)
    form = NotDiscussedForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Select why the family was not discussed.")
        return redirect("supervision:minutes", pk, family_pk)
    try:
        services.agenda_item_not_discussed(
            item=item, why=form.cleaned_data["why"], acting_user=user
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{item.family} marked as not discussed.")
    return redirect(meeting_url(item.meeting))


@require_http_methods(["GET", "POST"])
def addendum(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    discussion = get_object_or_404(
        Discussion.objects.select_related("meeting__group", "family"),
        pk=pk,
        meeting__group__in=selectors.groups_for(user),
    )
    if not services.can_minute(user, discussion.meeting.group):
        raise PermissionDenied
    audit_page_view(request, discussion.family)
    form = AddendumForm(request.POST or None)
    draft_key = drafts.key(supervision_drafts.ADDENDUM, discussion.pk)
    if request.method == "POST" and form.is_valid():
        try:
            services.addendum_add(
                discussion=discussion,
                text=form.cleaned_data["text"],
                acting_user=user,
                draft_key=draft_key,
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, "Addendum added.")
            return redirect(meeting_url(discussion.meeting))
    if request.method == "POST":
        drafts.keep_posted(request, draft_key)
    last_saved = (
        discussion.addenda.filter(written_by=user)
        .order_by("-written_at")
        .values_list("written_at", flat=True)
        .first()
    )
    return render(
        request,
        "supervision/addendum.html",
        {
            "discussion": discussion,
            "form": form,
            **drafts.page_context(request, draft_key, text_fields=("text",), last_saved=last_saved),
        },
    )


# Actions and intervals ---------------------------------------------------------------------


@require_POST
def action_done(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    action = get_object_or_404(
        SupervisionAction.objects.select_related("discussion__meeting__group"),
        Q(owner=user) | Q(discussion__meeting__group__chair=user),
        pk=pk,
    )
    try:
        services.action_complete(
            action=action,
            done_on=timezone.localdate(),
            expected_version=_posted_version(request),
            acting_user=user,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except EditConflict:
        messages.error(
            request, "This action changed since you opened the page. Check it and try again."
        )
    else:
        messages.success(request, f"Done: {action.description}")
    if request.POST.get("next") == "meeting":
        return redirect(meeting_url(action.discussion.meeting))
    return redirect("home")


@require_http_methods(["GET", "POST"])
def family_interval(request: HttpRequest, pk: int, family_pk: int) -> HttpResponse:
    """The chair sets how often a family comes back to group supervision."""
    user = signed_in_user(request)
    meeting = _chair_meeting(request, pk)
    family = get_object_or_404(Family, pk=family_pk, team_id=meeting.group.team_id)
    audit_page_view(request, family)
    plan = getattr(family, "discussion_plan", None)
    form = IntervalForm(
        request.POST or None, initial={"interval_days": plan.interval_days if plan else None}
    )
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                services.family_interval_set(
                    family=family,
                    interval_days=form.cleaned_data["interval_days"],
                    acting_user=user,
                )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, f"{family}'s discussion interval is saved.")
            return redirect("supervision:agenda", meeting.pk)
    return render(
        request, "supervision/interval.html", {"meeting": meeting, "family": family, "form": form}
    )


# Who can attend when ------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def availability(request: HttpRequest) -> HttpResponse:
    """Your usual working days and your leave, which the slot finder reads."""
    user = signed_in_user(request)
    if user.role not in (
        Role.SOCIAL_WORKER,
        Role.TEAM_MANAGER,
        Role.BUSINESS_SUPPORT,
        Role.SPECIALIST,
        Role.SERVICE_MANAGER,
    ):
        raise PermissionDenied
    current = {row.weekday: (row.starts_at, row.ends_at) for row in user.working_days.all()}
    uses_default = not current
    if uses_default:
        current = dict.fromkeys(range(5), slots.DEFAULT_DAY)
    action = request.POST.get("action") if request.method == "POST" else None
    week_form = WorkingWeekForm(request.POST if action == "week" else None, current=current)
    leave_form = LeaveForm(request.POST if action == "leave" else None)
    if action == "week" and week_form.is_valid():
        try:
            services.working_days_set(user=user, days=week_form.days(), acting_user=user)
        except ValidationError as error:
            week_form.add_error(None, " ".join(error.messages))
        else:
            messages.success(request, "Your working days are saved.")
            return redirect("supervision:availability")
    elif action == "leave" and leave_form.is_valid():
        try:
            services.leave_add(user=user, acting_user=user, **leave_form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(leave_form, error)
        else:
            messages.success(request, "Your leave is recorded.")
            return redirect("supervision:availability")
    elif action == "remove":
        leave = get_object_or_404(Leave, pk=parse_id(request.POST.get("leave")), user=user)
        services.leave_remove(leave=leave, acting_user=user)
        messages.success(request, "That leave is removed.")
        return redirect("supervision:availability")
    return render(
        request,
        "supervision/availability.html",
        {
            "week_form": week_form,
            "leave_form": leave_form,
            "form": week_form if week_form.errors else leave_form,
            "uses_default": uses_default,
            "leave": list(
                user.leave.filter(ends_on__gte=timezone.localdate()).order_by("starts_on")
            ),
        },
    )


@require_http_methods(["GET", "POST"])
def members(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    group = selectors.group_for(user, pk)
    if not services.is_chair(user, group):
        raise PermissionDenied
    form = MembersForm(
        request.POST or None,
        candidates=services.member_candidates(group),
        initial={"members": list(group.members.values_list("pk", flat=True))},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.members_set(
                group=group, members=form.cleaned_data["members"], acting_user=user
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, "The group's members are saved.")
            return redirect("supervision:group", group.pk)
    return render(request, "supervision/members.html", {"group": group, "form": form})
