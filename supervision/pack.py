"""The agenda pack: what the chair and members read before a group supervision meeting.

The evaluations found chairs with no time to read case summaries. The pack puts, for each
family on the agenda in the chair's order, what changed since the family was last discussed:

- the family's reference, social worker and children with their current legal status;
- the last discussion: its date, child-safety RAG, decisions, and its actions (owner, due
  date, and whether each is done, open or overdue);
- legal-status changes since then;
- specialist updates since then: referral stage and engagement changes, outcome measures;
- each open referral's current stage and engagement, and each adult's latest place on the
  cycle of change.

"Since" is the day after the last discussion; for a family never discussed, the day it opened
but no more than NEVER_DISCUSSED_LOOKBACK before the pack is built.

The pack is a JSON snapshot stored on the meeting (Meeting.pack), built by the Celery beat job
supervision.build_due_packs two working days before the meeting. Dates are ISO strings;
`pack_sections` turns one family's entry into headed lines of words for a page. A fixed number
of queries builds it however many families are on the agenda.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping
from functools import reduce
from operator import or_
from typing import TYPE_CHECKING, Any, TypedDict

from django.db.models import OuterRef, Prefetch, Q, Subquery
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import AuditEvent
from families.models import LegalStatus, Membership, Person, StatusEpisode, long_date
from families.selectors import display_name_from
from referrals.models import (
    CycleOfChange,
    CycleOfChangeEntry,
    Engagement,
    EngagementChange,
    MeasureReading,
    Rag,
    Referral,
    ReferralStageChange,
)

from .models import AgendaItem, Discussion, Meeting, SupervisionAction

NEVER_DISCUSSED_LOOKBACK = datetime.timedelta(weeks=12)
_DAY = datetime.timedelta(days=1)
NOT_OPEN = "Not open"

STATUS_LABELS = dict(LegalStatus.choices)
RAG_LABELS = dict(Rag.choices)
ENGAGEMENT_LABELS = dict(Engagement.choices)
STAGE_LABELS = dict(CycleOfChange.choices)
SOURCE_LABELS = dict(CycleOfChangeEntry.Source.choices)


class CycleOfChangeNow(TypedDict):
    """A member's latest cycle of change entry, as pack_build annotates their membership."""

    coc_stage: str | None
    coc_on: datetime.date | None
    coc_source: str | None


if TYPE_CHECKING:  # django-stubs-ext is a development dependency
    from django_stubs_ext import WithAnnotations

    CycleMember = WithAnnotations[Membership, CycleOfChangeNow]


def _iso(day: datetime.date | None) -> str | None:
    return day.isoformat() if day is not None else None


def _name(user: Any) -> str:
    return str(user) if user is not None else ""


def _action(action: SupervisionAction, today: datetime.date) -> dict[str, Any]:
    if action.done_on is not None:
        state = "done"
    elif action.due_on < today:
        state = "overdue"
    else:
        state = "open"
    return {
        "description": action.description,
        "owner": _name(action.owner),
        "due": action.due_on.isoformat(),
        "state": state,
        "done_on": _iso(action.done_on),
    }


def _last_discussion(discussion: Discussion | None) -> dict[str, Any] | None:
    if discussion is None:
        return None
    return {
        "meeting_id": discussion.meeting_id,
        "date": discussion.discussed_on.isoformat(),
        "rag": discussion.child_safety_rag,
        "rag_label": RAG_LABELS.get(discussion.child_safety_rag, ""),
        "decisions": discussion.decisions,
    }


def _children(
    children: list[Person], episodes: dict[int, list[StatusEpisode]], today: datetime.date
) -> list[dict[str, Any]]:
    rows = []
    for child in children:
        current = next(
            (
                episode
                for episode in episodes.get(child.pk, [])
                if episode.start_date <= today
                and (episode.end_date is None or episode.end_date >= today)
            ),
            None,
        )
        rows.append(
            {
                "name": child.full_name,
                "legal_status": STATUS_LABELS[current.status] if current else NOT_OPEN,
                "since": _iso(current.start_date) if current else None,
            }
        )
    return rows


def _status_changes(
    children: list[Person],
    episodes: dict[int, list[StatusEpisode]],
    since: datetime.date,
    today: datetime.date,
) -> list[dict[str, Any]]:
    """Each child's moves on the ladder dated after `since`: a new episode, or an episode
    ending with none following it (the child stepped out of children's services)."""
    changes = []
    for child in children:
        spells = episodes.get(child.pk, [])
        for index, episode in enumerate(spells):
            before = spells[index - 1] if index else None
            follows = before is not None and before.end_date == episode.start_date - _DAY
            if episode.start_date > since:
                changes.append(
                    {
                        "date": episode.start_date.isoformat(),
                        "child": child.full_name,
                        "from": STATUS_LABELS[before.status] if follows and before else NOT_OPEN,
                        "to": STATUS_LABELS[episode.status],
                    }
                )
            after = spells[index + 1] if index + 1 < len(spells) else None
            ended = episode.end_date
            if (
                ended is not None
                and since < ended + _DAY <= today
                and (after is None or after.start_date != ended + _DAY)
            ):
                changes.append(
                    {
                        "date": (ended + _DAY).isoformat(),
                        "child": child.full_name,
                        "from": STATUS_LABELS[episode.status],
                        "to": NOT_OPEN,
                    }
                )
    changes.sort(key=lambda change: (change["date"], change["child"]))
    return changes


def _since_filter(field_family: str, field_date: str, since: dict[int, datetime.date]) -> Q:
    """Rows of each family dated after that family's own `since` day, in one condition."""
    return reduce(
        or_,
        (
            Q(**{field_family: family_id, f"{field_date}__gt": day})
            for family_id, day in since.items()
        ),
    )


def _specialist_updates(
    family_ids: list[int],
    since: dict[int, datetime.date],
    referrals: dict[int, Referral],
    families_of: Mapping[int, list[int]],
    people: Mapping[int, Person],
) -> dict[int, list[dict[str, Any]]]:
    """Each family's specialist news since its own `since` day: the stage and engagement
    changes of the referrals made in it, and the outcome measures of its members (a person in
    two families on the agenda is news to both)."""
    updates: dict[int, list[dict[str, Any]]] = defaultdict(list)

    def add(referral: Referral, day: datetime.date, kind: str, text: str) -> None:
        updates[referral.family_id].append(
            {
                "date": day.isoformat(),
                "person": referral.person.full_name,
                "pathway": referral.pathway.name,
                "kind": kind,
                "text": text,
            }
        )

    stage_changes = ReferralStageChange.objects.filter(
        _since_filter("referral__family_id", "changed_on", since)
    ).select_related("stage")
    for change in stage_changes:
        add(
            referrals[change.referral_id], change.changed_on, "stage", f"Stage: {change.stage.name}"
        )
    engagement_changes = EngagementChange.objects.filter(
        _since_filter("referral__family_id", "changed_on", since)
    )
    for engagement_change in engagement_changes:
        label = ENGAGEMENT_LABELS.get(engagement_change.engagement, engagement_change.engagement)
        add(
            referrals[engagement_change.referral_id],
            engagement_change.changed_on,
            "engagement",
            f"Engagement: {label}",
        )
    readings = MeasureReading.objects.filter(
        person_id__in=list(people), taken_on__gt=min(since.values())
    ).select_related("measure")
    for reading in readings:
        person = people[reading.person_id]
        text = reading.measure.name
        if reading.total is not None:
            text += f": {reading.total}"
        if reading.band:
            text += f" ({reading.band})" if reading.total is not None else f": {reading.band}"
        if reading.needs_action:
            text += ", needs action"
        for family_id in families_of[reading.person_id]:
            if reading.taken_on > since[family_id]:
                updates[family_id].append(
                    {
                        "date": reading.taken_on.isoformat(),
                        "person": person.full_name,
                        "pathway": "",
                        "kind": "measure",
                        "text": text,
                    }
                )
    order = {"stage": 0, "engagement": 1, "measure": 2}
    for family_id in family_ids:
        updates[family_id].sort(
            key=lambda row: (row["date"], row["person"], order[row["kind"]], row["text"])
        )
    return updates


def pack_build(meeting: Meeting, *, today: datetime.date | None = None) -> dict[str, Any]:
    """The agenda pack of `meeting` as JSON-serialisable data (nine queries at most). A
    family's people are its current members; its children, its child members."""
    today = today or timezone.localdate()
    meeting_day = timezone.localdate(meeting.starts_at)
    latest = Discussion.objects.filter(
        family=OuterRef("family_id"), discussed_on__lte=meeting_day
    ).exclude(meeting=meeting)
    items = list(
        AgendaItem.objects.filter(meeting=meeting)
        .select_related("family__social_worker")
        .annotate(
            last_discussion_id=Subquery(latest.order_by("-discussed_on", "-id").values("pk")[:1])
        )
        .order_by("position")
    )
    pack: dict[str, Any] = {
        "meeting_id": meeting.pk,
        "as_of": today.isoformat(),
        "families": [],
    }
    if not items:
        return pack
    family_ids = [item.family_id for item in items]

    coc = CycleOfChangeEntry.objects.filter(person=OuterRef("person_id")).order_by(
        "-recorded_on", "-id"
    )
    memberships = (
        Membership.objects.current()
        .filter(family_id__in=family_ids)
        .select_related("person")
        .annotate(
            coc_stage=Subquery(coc.values("stage")[:1]),
            coc_on=Subquery(coc.values("recorded_on")[:1]),
            coc_source=Subquery(coc.values("source")[:1]),
        )
        .order_by("family_id", "person__date_of_birth", "person__given_name", "person_id")
    )
    people: dict[int, Person] = {}
    families_of: dict[int, list[int]] = defaultdict(list)
    children: dict[int, list[Person]] = defaultdict(list)
    adults: dict[int, list[CycleMember]] = defaultdict(list)
    members: dict[int, list[Membership]] = defaultdict(list)
    for membership in memberships:
        members[membership.family_id].append(membership)
        person = people.setdefault(membership.person_id, membership.person)
        families_of[person.pk].append(membership.family_id)
        if membership.role == Membership.Role.CHILD:
            children[membership.family_id].append(person)
        else:
            adults[membership.family_id].append(membership)

    episodes: dict[int, list[StatusEpisode]] = defaultdict(list)
    child_ids = {child.pk for family_children in children.values() for child in family_children}
    for episode in StatusEpisode.objects.filter(child_id__in=child_ids).order_by(
        "child_id", "start_date"
    ):
        episodes[episode.child_id].append(episode)

    discussions = {
        discussion.family_id: discussion
        for discussion in Discussion.objects.filter(
            pk__in=[item.last_discussion_id for item in items if item.last_discussion_id]
        ).prefetch_related(
            Prefetch("actions", queryset=SupervisionAction.objects.select_related("owner"))
        )
    }
    since: dict[int, datetime.date] = {}
    for item in items:
        discussion = discussions.get(item.family_id)
        if discussion is not None:
            since[item.family_id] = discussion.discussed_on
        else:
            since[item.family_id] = max(
                item.family.opened_on - _DAY, today - NEVER_DISCUSSED_LOOKBACK
            )

    # A father's intervention belongs to the family it was made in.
    referrals = {
        referral.pk: referral
        for referral in Referral.objects.filter(family_id__in=family_ids)
        .select_related("person", "pathway", "stage", "practitioner")
        .order_by("referred_on", "pk")
    }
    updates = _specialist_updates(family_ids, since, referrals, families_of, people)
    open_referrals: dict[int, list[Referral]] = defaultdict(list)
    for referral in referrals.values():
        if referral.closed_on is None:
            open_referrals[referral.family_id].append(referral)

    for item in items:
        family = item.family
        discussion = discussions.get(family.pk)
        pack["families"].append(
            {
                "family_id": family.pk,
                "reference": family.reference,
                # Its display name when the pack was built (families.selectors.display_names).
                "name": display_name_from(members[family.pk], family.reference, on=today),
                "social_worker": _name(family.social_worker),
                "last_discussion": _last_discussion(discussion),
                "children": _children(children[family.pk], episodes, today),
                "actions": [_action(action, today) for action in discussion.actions.all()]
                if discussion is not None
                else [],
                "status_changes": _status_changes(
                    children[family.pk], episodes, since[family.pk], today
                ),
                "specialist_updates": updates[family.pk],
                "referrals": [
                    {
                        "person": referral.person.full_name,
                        "pathway": referral.pathway.name,
                        "stage": referral.stage.name if referral.stage else "",
                        "engagement": ENGAGEMENT_LABELS.get(
                            referral.engagement, referral.engagement
                        ),
                        "practitioner": _name(referral.practitioner),
                    }
                    for referral in open_referrals[family.pk]
                ],
                "cycle_of_change": [
                    {
                        "person": adult.person.full_name,
                        "stage": STAGE_LABELS.get(adult.coc_stage) if adult.coc_stage else None,
                        "recorded_on": _iso(adult.coc_on),
                        "source": SOURCE_LABELS.get(adult.coc_source, "")
                        if adult.coc_source
                        else "",
                    }
                    for adult in adults[family.pk]
                ],
            }
        )
    return pack


def pack_store(meeting: Meeting, *, today: datetime.date | None = None) -> Meeting:
    """Build `meeting`'s pack and keep it on the meeting, with when it was built and the
    meeting version it was built from (so a changed agenda can be rebuilt)."""
    pack = pack_build(meeting, today=today)
    pack["meeting_version"] = meeting.version
    meeting.pack = pack
    meeting.pack_built_at = timezone.now()
    meeting.save(update_fields=["pack", "pack_built_at"])
    audit_record(
        action=AuditEvent.Action.UPDATE,
        actor=None,
        obj=meeting,
        detail={"pack_built": [entry["reference"] for entry in pack["families"]]},
    )
    return meeting


# Words for a page -----------------------------------------------------------------------


def _date(value: str | None) -> str:
    return long_date(datetime.date.fromisoformat(value)) if value else ""


def _action_line(action: dict[str, Any]) -> str:
    state = {
        "done": f"done {_date(action['done_on'])}",
        "overdue": "overdue",
        "open": "open",
    }[action["state"]]
    return f"{action['description']} ({action['owner']}, due {_date(action['due'])}): {state}"


def pack_sections(entry: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """One family's pack entry as headed lists of sentences, in reading order."""
    last = entry.get("last_discussion")
    if last:
        discussed = [
            f"{_date(last['date'])}, child safety {last['rag_label'].lower() or last['rag']}",
            *([last["decisions"]] if last.get("decisions") else []),
        ]
    else:
        discussed = ["Not discussed before."]
    sections: list[tuple[str, Iterable[str]]] = [
        (
            "Children",
            (
                f"{child['name']}: {child['legal_status']}"
                + (f" since {_date(child['since'])}" if child.get("since") else "")
                for child in entry["children"]
            ),
        ),
        ("Last discussed", discussed),
        ("Actions from the last discussion", map(_action_line, entry["actions"])),
        (
            "Legal status changes since",
            (
                f"{_date(change['date'])}: {change['child']}, {change['from']} to {change['to']}"
                for change in entry["status_changes"]
            ),
        ),
        (
            "Specialist updates since",
            (
                f"{_date(update['date'])}: {update['person']}"
                + (f", {update['pathway']}" if update["pathway"] else "")
                + f": {update['text']}"
                for update in entry["specialist_updates"]
            ),
        ),
        (
            "Open referrals",
            (
                f"{referral['person']}, {referral['pathway']}: {referral['stage']}, "
                f"{referral['engagement'].lower()}"
                + (f" (with {referral['practitioner']})" if referral["practitioner"] else "")
                for referral in entry["referrals"]
            ),
        ),
        (
            "Cycle of change",
            (
                f"{adult['person']}: "
                + (
                    f"{adult['stage']} ({_date(adult['recorded_on'])})"
                    if adult["stage"]
                    else "not placed yet"
                )
                for adult in entry["cycle_of_change"]
            ),
        ),
    ]
    return [(heading, list(lines)) for heading, lines in sections]
