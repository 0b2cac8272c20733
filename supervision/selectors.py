"""Reads for group supervision, narrowed to what the asking user may see.

Who sees a group: its chair and members, the team's business support, and a service manager
over the team's locality. Specialists are members, but of the families on an agenda they see
details only of those whose adults they work with (referrals.selectors.referral_list_for):
the rest appear by reference only.
"""

import datetime
from collections import defaultdict
from typing import Any, TypedDict

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import Role, User
from families.models import Family
from referrals.models import Referral

from .agenda import proposals_for
from .models import AgendaItem, Meeting, NotDiscussed, SupervisionAction, SupervisionGroup


def groups_for(user: User) -> QuerySet[SupervisionGroup]:
    groups = SupervisionGroup.objects.select_related("team__locality", "chair")
    if user.role == Role.SERVICE_MANAGER:
        return groups.filter(team__locality_id=user.locality_id) if user.locality_id else groups
    if user.role in (Role.TEAM_MANAGER, Role.BUSINESS_SUPPORT, Role.SOCIAL_WORKER):
        mine = Q(chair=user) | Q(members=user)
        if user.role == Role.BUSINESS_SUPPORT:
            mine |= Q(team_id=user.team_id)
        return groups.filter(mine).distinct()
    if user.role == Role.SPECIALIST:
        return groups.filter(members=user).distinct()
    return groups.none()


def group_for(user: User, pk: int) -> SupervisionGroup:
    return get_object_or_404(groups_for(user), pk=pk)


def meeting_for(user: User, pk: int) -> Meeting:
    return get_object_or_404(
        Meeting.objects.select_related("group__team", "group__chair", "signed_off_by"),
        pk=pk,
        group__in=groups_for(user),
    )


def families_seen_in_supervision(user: User, meeting: Meeting) -> set[int] | None:
    """The agenda families whose details `user` may see; None means all of them."""
    if user.role != Role.SPECIALIST:
        return None
    return set(
        Referral.objects.filter(practitioner=user, closed_on__isnull=True).values_list(
            "family_id", flat=True
        )
    )


def upcoming_meetings(group: SupervisionGroup, now: datetime.datetime) -> QuerySet[Meeting]:
    return (
        group.meetings.filter(starts_at__gte=now - datetime.timedelta(hours=12))
        .annotate(families=Count("agenda"))
        .order_by("starts_at")
    )


def past_meetings(group: SupervisionGroup, now: datetime.datetime) -> QuerySet[Meeting]:
    return (
        group.meetings.filter(starts_at__lt=now - datetime.timedelta(hours=12))
        .annotate(
            families=Count("agenda", distinct=True), minuted=Count("discussions", distinct=True)
        )
        .order_by("-starts_at")
    )


def meetings_this_week(groups: QuerySet[SupervisionGroup], today: datetime.date) -> list[Meeting]:
    monday = today - datetime.timedelta(days=today.weekday())
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(monday, datetime.time.min, tzinfo=tz)
    return list(
        Meeting.objects.filter(
            group__in=groups, starts_at__gte=start, starts_at__lt=start + datetime.timedelta(days=7)
        )
        .select_related("group__team")
        .annotate(families=Count("agenda"))
        .order_by("starts_at")
    )


def families_overdue(group: SupervisionGroup, today: datetime.date) -> list[Any]:
    """The team's families past their target interval (or never discussed), most late first."""
    overdue = [
        proposal
        for proposal in proposals_for(group.team_id, today)
        if proposal.last_discussed is None
        or (today - proposal.last_discussed).days >= proposal.interval_days
    ]
    overdue.sort(
        key=lambda proposal: (
            proposal.last_discussed is not None,
            -((today - proposal.last_discussed).days / proposal.interval_days)
            if proposal.last_discussed
            else 0,
        )
    )
    return overdue


class OverdueOfOwner(TypedDict):
    owner_id: int
    owner__first_name: str
    owner__last_name: str
    overdue: int


def overdue_actions_by_owner(group: SupervisionGroup, today: datetime.date) -> list[OverdueOfOwner]:
    return list(
        SupervisionAction.objects.overdue_on(today)
        .filter(discussion__meeting__group=group)
        .values("owner_id", "owner__first_name", "owner__last_name")
        .annotate(overdue=Count("id"))
        .order_by("-overdue", "owner__last_name")
    )


def actions_for(user: User) -> QuerySet[SupervisionAction]:
    """The open supervision actions a person owns, oldest due first."""
    return (
        SupervisionAction.objects.open()
        .filter(owner=user)
        .select_related("discussion__family", "discussion__meeting")
        .order_by("due_on", "id")
    )


def lost_clinical_hours(group: SupervisionGroup, since: datetime.date) -> list[dict[str, Any]]:
    """Specialists' clinical hours lost each month to this group's cancellations (each
    specialist member loses the meeting's length) and no-shows (a family not discussed because
    its social worker did not come: each specialist working with the family loses its slot).

    Two aggregate queries, whatever the number of meetings."""
    specialists = group.members.filter(role=Role.SPECIALIST).count()
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(since, datetime.time.min, tzinfo=tz)
    months: dict[datetime.date, dict[str, Any]] = defaultdict(
        lambda: {"cancelled": 0, "cancelled_hours": 0.0, "no_shows": 0, "no_show_hours": 0.0}
    )
    cancelled = (
        Meeting.objects.filter(group=group, status=Meeting.Status.CANCELLED, starts_at__gte=start)
        .annotate(month=TruncMonth("starts_at", tzinfo=tz))
        .values("month")
        .annotate(meetings=Count("id"), minutes=Sum("length_minutes"))
    )
    for row in cancelled:
        month = months[row["month"].date() if hasattr(row["month"], "date") else row["month"]]
        month["cancelled"] = row["meetings"]
        month["cancelled_hours"] = round(row["minutes"] * specialists / 60, 1)
    no_shows = (
        AgendaItem.objects.filter(
            meeting__group=group,
            meeting__starts_at__gte=start,
            not_discussed=NotDiscussed.NO_SHOW,
        )
        .annotate(month=TruncMonth("meeting__starts_at", tzinfo=tz))
        .values("month")
        .annotate(
            items=Count("id", distinct=True),
            specialist_slots=Count(
                "family__referrals__practitioner",
                filter=Q(family__referrals__practitioner__in=group.members.all())
                & Q(family__referrals__closed_on__isnull=True),
            ),
        )
    )
    for no_show in no_shows:
        month = months[
            no_show["month"].date() if hasattr(no_show["month"], "date") else no_show["month"]
        ]
        month["no_shows"] = no_show["items"]
        month["no_show_hours"] = round(
            no_show["specialist_slots"] * group.minutes_per_family / 60, 1
        )
    rows = [
        {
            "month": month,
            **values,
            "hours": round(values["cancelled_hours"] + values["no_show_hours"], 1),
        }
        for month, values in months.items()
    ]
    rows.sort(key=lambda row: row["month"], reverse=True)
    return rows


def agenda_candidates(meeting: Meeting, on: datetime.date) -> list[dict[str, Any]]:
    """Every open family of the team for the agenda builder: on the agenda already (in its
    order), else proposed (best first, the top ones ticked up to capacity), else the rest."""
    group = meeting.group
    proposals = {proposal.family.pk: proposal for proposal in proposals_for(group.team_id, on)}
    current = {item.family_id: item for item in meeting.agenda.all()}
    families = (
        Family.objects.open_on(on).filter(team_id=group.team_id).select_related("social_worker")
    )
    rows: list[dict[str, Any]] = []
    for family in families:
        proposal = proposals.get(family.pk)
        item = current.get(family.pk)
        rows.append(
            {
                "family": family,
                "reason": item.reason if item else (proposal.reason if proposal else ""),
                "score": proposal.score if proposal else -1,
                "position": item.position if item else None,
                "rag": proposal.rag if proposal else None,
            }
        )
    if current:
        for row in rows:
            row["chosen"] = row["position"] is not None
    else:
        ranked = sorted((row for row in rows if row["score"] >= 0), key=lambda row: -row["score"])
        for position, row in enumerate(ranked[: group.families_per_meeting], 1):
            row["position"] = position
        for row in rows:
            row["chosen"] = row["position"] is not None
    rows.sort(
        key=lambda row: (
            row["position"] is None,
            row["position"] or 0,
            -row["score"],
            row["family"].reference,
        )
    )
    return rows


def actions_visible_to(user: User) -> QuerySet[SupervisionAction]:
    """Every supervision action `user` may read, done or open: those they own, and those
    minuted at the meetings of the groups they see (groups_for) for families whose minutes
    the meeting page shows them (a specialist: the families they work with, as
    families_seen_in_supervision decides)."""
    seen = Q(discussion__meeting__group__in=groups_for(user))
    if user.role == Role.SPECIALIST:
        seen &= Q(
            discussion__family_id__in=Referral.objects.filter(
                practitioner=user, closed_on__isnull=True
            ).values("family_id")
        )
    return SupervisionAction.objects.filter(Q(owner=user) | seen).select_related(
        "owner", "discussion__family", "discussion__meeting__group"
    )
