"""Writes for group supervision: validated, atomic and audited.

Who may do what is checked here too, so no page can forget it:
- the chair (the team's manager) sets up the group, schedules, builds the agenda, cancels
  and signs off;
- business support (and the chair) record the minutes;
- once signed off, minutes never change: corrections are dated addenda.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import AuditEvent, Role, Team, User
from accounts.services import draft_discard
from families.models import Family, Membership, Person
from families.services import EditConflict, check_open, create_audited
from referrals.models import CycleOfChange, CycleOfChangeEntry, Rag
from referrals.services import cycle_of_change_record

from .models import (
    Addendum,
    AgendaItem,
    Discussion,
    FamilyDiscussionPlan,
    Leave,
    Meeting,
    NotDiscussed,
    SupervisionAction,
    SupervisionGroup,
    WorkingDay,
)


def is_chair(user: User, group: SupervisionGroup) -> bool:
    return user.pk == group.chair_id


def can_minute(user: User, group: SupervisionGroup) -> bool:
    """Business support of the team minutes the meeting; the chair may too."""
    return is_chair(user, group) or (
        user.role == Role.BUSINESS_SUPPORT and user.team_id == group.team_id
    )


def _require_chair(user: User, group: SupervisionGroup) -> None:
    if not is_chair(user, group):
        raise PermissionDenied("Only the group's chair can do this.")


def default_members(team: Team) -> list[User]:
    """The team's social workers and business support, and the specialists co-located in its
    locality: who normally attends the team's group supervision."""
    usual = Q(team=team, role__in=[Role.SOCIAL_WORKER, Role.BUSINESS_SUPPORT]) | Q(
        role=Role.SPECIALIST, locality_id=team.locality_id
    )
    return list(User.objects.filter(usual, is_active=True).order_by("last_name", "first_name"))


@transaction.atomic
def group_create(
    *,
    team: Team,
    chair: User,
    weekday: int,
    starts_at: datetime.time,
    length_minutes: int = 120,
    every_weeks: int = 1,
    location: str = "",
    families_per_meeting: int = 6,
    minutes_per_family: int = 20,
    members: Iterable[User] | None = None,
    acting_user: User | None,
) -> SupervisionGroup:
    if chair.role != Role.TEAM_MANAGER or chair.team_id != team.pk:
        raise ValidationError({"chair": "The chair is the team's manager."})
    if families_per_meeting * minutes_per_family > length_minutes:
        raise ValidationError(
            {"families_per_meeting": "That many families do not fit in the meeting's length."}
        )
    group = create_audited(
        SupervisionGroup(
            team=team,
            chair=chair,
            weekday=weekday,
            starts_at=starts_at,
            length_minutes=length_minutes,
            every_weeks=every_weeks,
            location=location,
            families_per_meeting=families_per_meeting,
            minutes_per_family=minutes_per_family,
        ),
        acting_user=acting_user,
    )
    group.members.set(default_members(team) if members is None else members)
    return group


@transaction.atomic
def family_interval_set(
    *, family: Family, interval_days: int | None, acting_user: User
) -> FamilyDiscussionPlan | None:
    """The chair's own interval between discussions for a family; None returns it to the
    default for its child-safety RAG."""
    group = (
        SupervisionGroup.objects.filter(team_id=family.team_id).first()
        if family.team_id is not None
        else None  # a family without a team has no group
    )
    if group is None or not is_chair(acting_user, group):
        raise PermissionDenied("Only the chair of the family's team group can set this.")
    check_open(family)
    if interval_days is None:
        FamilyDiscussionPlan.objects.filter(family=family).delete()
        audit_record(
            action=AuditEvent.Action.DELETE,
            actor=acting_user,
            obj=family,
            detail={"interval": None},
        )
        return None
    if not 1 <= interval_days <= 182:
        raise ValidationError({"interval_days": "Enter a number of days from 1 to 182."})
    plan, _ = FamilyDiscussionPlan.objects.update_or_create(
        family=family, defaults={"interval_days": interval_days}
    )
    audit_record(
        action=AuditEvent.Action.UPDATE,
        actor=acting_user,
        obj=family,
        detail={"discussion_interval_days": interval_days},
    )
    return plan


def next_usual_start(group: SupervisionGroup, after: datetime.datetime) -> datetime.datetime:
    """The group's next regular slot after `after`."""
    local = timezone.localtime(after)
    day = local.date()
    while True:
        start = timezone.make_aware(datetime.datetime.combine(day, group.starts_at))
        if day.weekday() == group.weekday and start > after:
            return start
        day += datetime.timedelta(days=1)


@transaction.atomic
def meeting_schedule(
    *,
    group: SupervisionGroup,
    starts_at: datetime.datetime,
    length_minutes: int | None = None,
    location: str | None = None,
    acting_user: User,
) -> Meeting:
    _require_chair(acting_user, group)
    if starts_at <= timezone.now():
        raise ValidationError({"starts_at": "Choose a time in the future."})
    return create_audited(
        Meeting(
            group=group,
            starts_at=starts_at,
            length_minutes=length_minutes or group.length_minutes,
            location=group.location if location is None else location,
        ),
        acting_user=acting_user,
    )


def _locked(meeting: Meeting, expected_version: int | None = None) -> Meeting:
    current = Meeting.objects.select_for_update().select_related("group").get(pk=meeting.pk)
    if expected_version is not None and current.version != expected_version:
        raise EditConflict(current, expected_version)
    return current


def _bump(meeting: Meeting, fields: list[str], *, calendar: bool = False) -> None:
    meeting.version += 1
    fields = [*fields, "version"]
    if calendar:
        meeting.sequence += 1
        fields.append("sequence")
    meeting.save(update_fields=fields)


@transaction.atomic
def meeting_move(
    *, meeting: Meeting, starts_at: datetime.datetime, expected_version: int, acting_user: User
) -> Meeting:
    """Move a planned meeting to another time (the slot finder's choice)."""
    meeting = _locked(meeting, expected_version)
    _require_chair(acting_user, meeting.group)
    if meeting.status != Meeting.Status.PLANNED:
        raise ValidationError("Only a planned meeting can be moved.")
    if starts_at <= timezone.now():
        raise ValidationError({"starts_at": "Choose a time in the future."})
    old = meeting.starts_at
    meeting.starts_at = starts_at
    _bump(meeting, ["starts_at"], calendar=True)
    audit_record(
        action=AuditEvent.Action.UPDATE,
        actor=acting_user,
        obj=meeting,
        detail={"moved_from": old.isoformat(), "to": starts_at.isoformat()},
    )
    return meeting


@transaction.atomic
def agenda_set(
    *,
    meeting: Meeting,
    families: list[tuple[Family, str]],
    expected_version: int,
    acting_user: User,
) -> Meeting:
    """The chair's agenda: families in order, each with the reason it is there."""
    meeting = _locked(meeting, expected_version)
    group = meeting.group
    _require_chair(acting_user, group)
    if meeting.status != Meeting.Status.PLANNED:
        raise ValidationError("The agenda of a held or cancelled meeting cannot change.")
    if len(families) > group.families_per_meeting:
        raise ValidationError(
            f"This group discusses at most {group.families_per_meeting} families a meeting."
        )
    if len({family.pk for family, _ in families}) != len(families):
        raise ValidationError("A family is on the agenda twice.")
    outside = [family.reference for family, _ in families if family.team_id != group.team_id]
    if outside:
        raise ValidationError(f"Not a family of {group.team}: {', '.join(outside)}.")
    closed = [family.reference for family, _ in families if not family.is_open]
    if closed:
        raise ValidationError(f"Closed: {', '.join(closed)}.")
    meeting.agenda.all().delete()
    AgendaItem.objects.bulk_create(
        AgendaItem(meeting=meeting, family=family, position=position, reason=reason[:300])
        for position, (family, reason) in enumerate(families, 1)
    )
    _bump(meeting, [])
    audit_record(
        action=AuditEvent.Action.UPDATE,
        actor=acting_user,
        obj=meeting,
        detail={"agenda": [family.reference for family, _ in families]},
    )
    return meeting


@transaction.atomic
def meeting_cancel(
    *, meeting: Meeting, reason: str, expected_version: int, acting_user: User
) -> Meeting:
    meeting = _locked(meeting, expected_version)
    _require_chair(acting_user, meeting.group)
    if meeting.status != Meeting.Status.PLANNED:
        raise ValidationError("Only a planned meeting can be cancelled.")
    if not reason.strip():
        raise ValidationError({"reason": "Enter why the meeting is cancelled."})
    meeting.status = Meeting.Status.CANCELLED
    meeting.cancelled_at, meeting.cancelled_by = timezone.now(), acting_user
    meeting.cancellation_reason = reason.strip()
    _bump(
        meeting,
        ["status", "cancelled_at", "cancelled_by", "cancellation_reason"],
        calendar=True,
    )
    audit_record(
        action=AuditEvent.Action.UPDATE,
        actor=acting_user,
        obj=meeting,
        detail={"cancelled": True, "notice_hours": round(meeting.notice_hours or 0, 1)},
    )
    return meeting


@dataclass
class ActionInput:
    description: str
    owner: User
    due_on: datetime.date


def _check_minutable(meeting: Meeting, user: User) -> None:
    if not can_minute(user, meeting.group):
        raise PermissionDenied("Only the team's business support or the chair minutes this.")
    if meeting.is_signed_off:
        raise ValidationError("These minutes are signed off. Add a dated addendum instead.")
    if meeting.status == Meeting.Status.CANCELLED:
        raise ValidationError("This meeting was cancelled.")
    if meeting.starts_at > timezone.now():
        raise ValidationError("The meeting has not started yet.")


@transaction.atomic
def discussion_record(
    *,
    meeting: Meeting,
    family: Family,
    present: Iterable[User],
    child_safety_rag: str,
    analysis: str,
    decisions: str,
    stages: dict[Person, str],
    actions: list[ActionInput],
    acting_user: User,
    draft_key: str = "",
) -> Discussion:
    """Minute one family: who was there, the child-safety RAG, analysis and decisions, each
    adult's cycle-of-change stage (written to the adult's stage history, marked as placed in
    group supervision) and actions with an owner and due date. The user's draft of the form
    (`draft_key`) is discarded in the same commit."""
    meeting = _locked(meeting)
    _check_minutable(meeting, acting_user)
    check_open(family)
    item = meeting.agenda.filter(family=family).first()
    if item is None:
        raise ValidationError(f"{family} is not on this meeting's agenda.")
    if Discussion.objects.filter(meeting=meeting, family=family).exists():
        raise ValidationError(f"{family} is already minuted at this meeting.")
    if child_safety_rag not in Rag.values:
        raise ValidationError(
            {"child_safety_rag": "Choose the child safety rating: red, amber or green."}
        )
    if not decisions.strip():
        raise ValidationError({"decisions": "Enter the decisions."})
    adults = set(
        Membership.objects.current()
        .filter(family=family, person__in=list(stages))
        .exclude(role=Membership.Role.CHILD)
        .values_list("person_id", flat=True)
    )
    for person, stage in stages.items():
        if person.pk not in adults:
            raise ValidationError({"stages": f"{person} is not an adult of {family}."})
        if stage not in CycleOfChange.values:
            raise ValidationError({"stages": f"Choose a cycle-of-change stage for {person}."})
    day = timezone.localdate(meeting.starts_at)
    for action in actions:
        if not action.description.strip():
            raise ValidationError({"actions": "Describe each action."})
        if action.due_on < day:
            raise ValidationError({"actions": f"“{action.description}” is due before the meeting."})
        if not action.owner.is_active:
            raise ValidationError({"actions": f"{action.owner} no longer works here."})
    discussion = create_audited(
        Discussion(
            meeting=meeting,
            family=family,
            discussed_on=day,
            child_safety_rag=child_safety_rag,
            analysis=analysis.strip(),
            decisions=decisions.strip(),
            recorded_by=acting_user,
        ),
        acting_user=acting_user,
    )
    discussion.present.set(list(present))
    entries = [
        cycle_of_change_record(
            person=person,
            stage=stage,
            recorded_on=day,
            source=CycleOfChangeEntry.Source.GROUP_SUPERVISION,
            acting_user=acting_user,
        )
        for person, stage in stages.items()
    ]
    discussion.stage_entries.set(entries)
    if item.not_discussed:  # marked in error: the minutes stand, it was no no-show
        item.not_discussed = ""
        item.save(update_fields=["not_discussed"])
    for action in actions:
        create_audited(
            SupervisionAction(
                discussion=discussion,
                description=action.description.strip(),
                owner=action.owner,
                due_on=action.due_on,
            ),
            acting_user=acting_user,
        )
    if meeting.status == Meeting.Status.PLANNED:
        meeting.status = Meeting.Status.HELD
        _bump(meeting, ["status"])
    draft_discard(user=acting_user, key=draft_key)
    return discussion


@transaction.atomic
def agenda_item_not_discussed(*, item: AgendaItem, why: str, acting_user: User) -> AgendaItem:
    """Record that a family on the agenda was not discussed, and why (a social worker's
    no-show costs the specialists who came for it)."""
    meeting = _locked(item.meeting)
    _check_minutable(meeting, acting_user)
    check_open(item.family)
    if why not in NotDiscussed.values:
        raise ValidationError({"why": "Choose why the family was not discussed."})
    if Discussion.objects.filter(meeting=meeting, family_id=item.family_id).exists():
        raise ValidationError("This family has been minuted.")
    item.not_discussed = why
    item.save(update_fields=["not_discussed"])
    if meeting.status == Meeting.Status.PLANNED:
        meeting.status = Meeting.Status.HELD
        _bump(meeting, ["status"])
    audit_record(
        action=AuditEvent.Action.UPDATE,
        actor=acting_user,
        obj=meeting,
        detail={"not_discussed": [item.family_id, why]},
    )
    return item


@transaction.atomic
def meeting_sign_off(*, meeting: Meeting, expected_version: int, acting_user: User) -> Meeting:
    """The chair signs the minutes off; from then on they are read-only."""
    meeting = _locked(meeting, expected_version)
    _require_chair(acting_user, meeting.group)
    if meeting.is_signed_off:
        raise ValidationError("These minutes are already signed off.")
    if meeting.status != Meeting.Status.HELD:
        raise ValidationError("Only the minutes of a held meeting can be signed off.")
    waiting = meeting.agenda.exclude(not_discussed__gt="").exclude(
        family_id__in=meeting.discussions.values("family_id")
    )
    if waiting.exists():
        names = ", ".join(item.family.reference for item in waiting.select_related("family"))
        raise ValidationError(f"Minute or mark as not discussed first: {names}.")
    meeting.signed_off_at, meeting.signed_off_by = timezone.now(), acting_user
    _bump(meeting, ["signed_off_at", "signed_off_by"])
    audit_record(
        action=AuditEvent.Action.UPDATE, actor=acting_user, obj=meeting, detail={"signed_off": True}
    )
    return meeting


@transaction.atomic
def addendum_add(
    *, discussion: Discussion, text: str, acting_user: User, draft_key: str = ""
) -> Addendum:
    """A dated correction to signed-off minutes, by the chair or whoever minutes; the user's
    draft of it (`draft_key`) is discarded in the same commit."""
    if not can_minute(acting_user, discussion.meeting.group):
        raise PermissionDenied
    if not discussion.meeting.is_signed_off:
        raise ValidationError("The minutes are not signed off yet: correct them directly.")
    if not text.strip():
        raise ValidationError({"text": "Enter the correction."})
    addendum = create_audited(
        Addendum(discussion=discussion, text=text.strip(), written_by=acting_user),
        acting_user=acting_user,
    )
    draft_discard(user=acting_user, key=draft_key)
    return addendum


@transaction.atomic
def action_complete(
    *, action: SupervisionAction, done_on: datetime.date, expected_version: int, acting_user: User
) -> SupervisionAction:
    """The owner (or the chair) marks an action done."""
    current = (
        SupervisionAction.objects.select_for_update()
        .select_related("discussion__meeting__group")
        .get(pk=action.pk)
    )
    if current.version != expected_version:
        raise EditConflict(current, expected_version)
    if acting_user.pk != current.owner_id and not is_chair(
        acting_user, current.discussion.meeting.group
    ):
        raise PermissionDenied
    if current.done_on is not None:
        raise ValidationError("This action is already done.")
    if done_on > timezone.localdate():
        raise ValidationError({"done_on": "The date cannot be in the future."})
    current.done_on = done_on
    current.version += 1
    current.save(update_fields=["done_on", "version"])
    audit_record(
        action=AuditEvent.Action.UPDATE,
        actor=acting_user,
        obj=current,
        detail={"done_on": done_on.isoformat()},
    )
    return current


# Who can attend when ------------------------------------------------------------------------


@transaction.atomic
def working_days_set(
    *, user: User, days: dict[int, tuple[datetime.time, datetime.time]], acting_user: User
) -> None:
    """A member of staff's usual week (weekday: start, end), as they set it themselves. An
    empty week is refused: someone who works no day cannot be invited to anything."""
    if acting_user.pk != user.pk:
        raise PermissionDenied("Staff set their own working days.")
    if not days:
        raise ValidationError({"days": "Choose at least one working day."})
    for weekday, (start, end) in days.items():
        if weekday not in range(7):
            raise ValidationError({"days": "Not a day of the week."})
        if end <= start:
            name = SupervisionGroup.Weekday(weekday).label if weekday < 5 else "That day"
            raise ValidationError({"days": f"{name}: the day must end after it starts."})
    WorkingDay.objects.filter(user=user).delete()
    WorkingDay.objects.bulk_create(
        WorkingDay(user=user, weekday=weekday, starts_at=start, ends_at=end)
        for weekday, (start, end) in sorted(days.items())
    )
    audit_record(
        action=AuditEvent.Action.UPDATE,
        actor=acting_user,
        obj=user,
        detail={
            "working_days": {
                str(day): [start.isoformat(), end.isoformat()] for day, (start, end) in days.items()
            }
        },
    )


@transaction.atomic
def leave_add(
    *, user: User, starts_on: datetime.date, ends_on: datetime.date, note: str, acting_user: User
) -> Leave:
    if acting_user.pk != user.pk:
        raise PermissionDenied("Staff record their own leave.")
    if ends_on < starts_on:
        raise ValidationError({"ends_on": "The last day cannot be before the first."})
    if (ends_on - starts_on).days > 366:
        raise ValidationError({"ends_on": "Record leave of up to a year at a time."})
    return create_audited(
        Leave(user=user, starts_on=starts_on, ends_on=ends_on, note=note.strip()),
        acting_user=acting_user,
    )


@transaction.atomic
def leave_remove(*, leave: Leave, acting_user: User) -> None:
    if acting_user.pk != leave.user_id:
        raise PermissionDenied("Staff change their own leave.")
    audit_record(
        action=AuditEvent.Action.DELETE,
        actor=acting_user,
        obj=leave,
        detail={"starts_on": leave.starts_on.isoformat(), "ends_on": leave.ends_on.isoformat()},
    )
    leave.delete()


def member_candidates(group: SupervisionGroup) -> list[User]:
    """Who may be a member: the team's usual attendees and anyone already a member."""
    return sorted(
        {*default_members(group.team), *group.members.all()},
        key=lambda user: (user.role, user.last_name, user.first_name),
    )


@transaction.atomic
def members_set(*, group: SupervisionGroup, members: Iterable[User], acting_user: User) -> None:
    _require_chair(acting_user, group)
    allowed = {user.pk for user in member_candidates(group)}
    chosen = list(members)
    if any(user.pk not in allowed for user in chosen):
        raise ValidationError({"members": "Choose members from the team and its locality."})
    before = set(group.members.values_list("pk", flat=True))
    group.members.set(chosen)
    after = {user.pk for user in chosen}
    audit_record(
        action=AuditEvent.Action.UPDATE,
        actor=acting_user,
        obj=group,
        detail={"added": sorted(after - before), "removed": sorted(before - after)},
    )
