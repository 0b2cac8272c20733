"""Reads for the specialist pathways, already narrowed to what the asking user may see."""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypedDict

from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import Role, User
from families.disclosure import shield_people
from families.models import Family, Membership, Person, StatusEpisode
from families.selectors import can_record_on, family_list_for, members_of, name_family_from

from .models import (
    Appointment,
    CycleOfChange,
    CycleOfChangeEntry,
    MeasureReading,
    OutcomeMeasure,
    Pathway,
    Rag,
    Referral,
)
from .services import practitioner_load


class WorkSummary(TypedDict):
    """What _with_work_summary annotates on each referral."""

    seen: bool  # an appointment attended
    next_appointment: datetime.datetime | None
    cycle_stage: str | None
    attempts_count: int
    rag_order: int  # red 0, amber 1, green 2


class OpenCases(TypedDict):
    open_cases: int


if TYPE_CHECKING:  # django-stubs-ext is a development dependency
    from django_stubs_ext import WithAnnotations

    WorkReferral = WithAnnotations[Referral, WorkSummary]
    PractitionerWithLoad = WithAnnotations[User, OpenCases]

_RAG_ORDER = Case(
    When(rag=Rag.RED, then=Value(0)),
    When(rag=Rag.AMBER, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


def waiting_list(pathway: Pathway) -> QuerySet[Referral]:
    """A pathway's waiting list: red first, then amber, then green; longest waiting first."""
    return (
        Referral.objects.waiting()
        .filter(pathway=pathway)
        .select_related("person", "family__locality", "pathway", "referred_by", "stage")
        .annotate(rag_order=_RAG_ORDER)
        .order_by("rag_order", "referred_on", "id")
    )


def referral_list_for(user: User) -> QuerySet[Referral]:
    """The referrals `user` may see.

    A specialist, often employed by a partner agency, sees only the referrals allocated to
    them: not the council's caseload, nor a colleague's. A pathway manager also sees every
    referral to their pathway, to run its waiting list. Staff who may see a family (see
    families.selectors.family_list_for) see the referrals made in it.
    """
    referrals = Referral.objects.select_related(
        "person", "family", "pathway", "stage", "practitioner"
    )
    if user.is_service_account:
        return referrals.filter(service_account_scope(user))
    if user.role == Role.SPECIALIST:
        if user.leads_pathway:
            return referrals.filter(Q(practitioner=user) | Q(pathway__code=user.pathway))
        return referrals.filter(practitioner=user)
    return referrals.filter(family__in=family_list_for(user))


def service_account_scope(account: User) -> Q:
    """A partner agency's system (a service account) stands in for that agency's
    practitioners of its pathway: it sees the referrals of its pathway allocated to any of
    them, exactly as each of them sees their own, and nothing else."""
    return Q(
        pathway__code=account.pathway,
        practitioner__agency_id=account.agency_id,
        practitioner__is_service_account=False,
    )


def allocated_person_ids(user: User) -> set[int]:
    """The people `user` works with as a practitioner: those with an open referral allocated
    to them (for a service account, to its agency's practitioners of its pathway). The
    restricted-details allowlist lets a practitioner read these people's."""
    if user.role != Role.SPECIALIST:
        return set()
    mine = service_account_scope(user) if user.is_service_account else Q(practitioner=user)
    return set(
        Referral.objects.filter(mine, closed_on__isnull=True).values_list("person_id", flat=True)
    )


def referral_for(user: User, pk: int) -> Referral:
    """One referral `user` may see; Http404 otherwise, so its existence is not revealed."""
    return get_object_or_404(referral_list_for(user), pk=pk)


def can_work_on(user: User, referral: Referral) -> bool:
    """The allocated practitioner records the work; their pathway manager may too."""
    if referral.closed_on is not None or user.role != Role.SPECIALIST:
        return False
    if user.is_service_account:
        return Referral.objects.filter(service_account_scope(user), pk=referral.pk).exists()
    return referral.practitioner_id == user.pk or (
        user.leads_pathway and referral.pathway.code == user.pathway
    )


def pathways_managed_by(user: User) -> QuerySet[Pathway]:
    """Pathways whose waiting list and capacity `user` runs: a pathway manager their own,
    a service manager every pathway (for the families of their area)."""
    if user.role == Role.SERVICE_MANAGER:
        return Pathway.objects.all()
    if user.role == Role.SPECIALIST and user.leads_pathway:
        return Pathway.objects.filter(code=user.pathway)
    return Pathway.objects.none()


def _latest_cycle_stage() -> Subquery:
    return Subquery(
        CycleOfChangeEntry.objects.filter(person=OuterRef("person"))
        .order_by("-recorded_on", "-id")
        .values("stage")[:1]
    )


def _with_work_summary(
    referrals: QuerySet[Referral],
) -> "QuerySet[WorkReferral, WorkReferral]":
    """Each referral with whether the adult has been seen, their next appointment and
    where they are on the cycle of change: a fixed number of queries for any caseload."""
    now = timezone.now()
    return referrals.annotate(
        seen=Exists(
            Appointment.objects.filter(
                referral=OuterRef("pk"), outcome=Appointment.Outcome.ATTENDED
            )
        ),
        next_appointment=Min(
            "appointments__starts_at",
            filter=Q(
                appointments__starts_at__gte=now,
                appointments__outcome=Appointment.Outcome.BOOKED,
            ),
        ),
        cycle_stage=_latest_cycle_stage(),
        attempts_count=Count("attempts", distinct=True),
        rag_order=_RAG_ORDER,
    )


@dataclass
class PractitionerHome:
    waiting: "list[WorkReferral]"
    caseload: "list[WorkReferral]"
    sessions: list[Appointment]
    overdue_reviews: "list[WorkReferral]"
    open_count: int
    capacity: int
    week_start: datetime.date
    pathway_manager: bool = False


def practitioner_home(user: User) -> PractitionerHome:
    """A practitioner's day: who is waiting to be seen (red first, longest waiting first),
    who they are working with, this week's sessions and the reviews that are overdue."""
    today = timezone.localdate()
    mine = _with_work_summary(
        Referral.objects.filter(practitioner=user, closed_on__isnull=True).select_related(
            "person", "family__locality", "pathway", "stage"
        )
    )
    waiting = list(mine.filter(seen=False).order_by("rag_order", "referred_on", "id"))
    caseload = list(mine.filter(seen=True).order_by("person__family_name", "person__given_name"))
    for referral in waiting:
        referral.days_waiting = (today - referral.referred_on).days
    cycle_labels = dict(CycleOfChange.choices)
    for referral in caseload:
        referral.cycle_label = cycle_labels.get(referral.cycle_stage or "", "")
    week_start = today - datetime.timedelta(days=today.weekday())
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(week_start, datetime.time.min, tzinfo=tz)
    sessions = list(
        Appointment.objects.filter(
            practitioner=user,
            starts_at__gte=start,
            starts_at__lt=start + datetime.timedelta(days=7),
        )
        .select_related("referral__person")
        .order_by("starts_at")
    )
    overdue = [
        referral
        for referral in [*waiting, *caseload]
        if referral.next_review_on is not None and referral.next_review_on < today
    ]
    overdue.sort(key=lambda referral: referral.next_review_on or today)  # each has a date
    pathway = Pathway.objects.filter(code=user.pathway).first()
    open_count, capacity = (
        practitioner_load(user, pathway) if pathway else (len(waiting) + len(caseload), 0)
    )
    return PractitionerHome(
        waiting=waiting,
        caseload=caseload,
        sessions=sessions,
        overdue_reviews=overdue,
        open_count=open_count,
        capacity=capacity,
        week_start=week_start,
        pathway_manager=user.leads_pathway,
    )


def practitioners_with_load(pathway: Pathway) -> "list[PractitionerWithLoad]":
    """The pathway's active practitioners, each with `open_cases`, `capacity` (by FTE) and
    `free` places, in one query."""
    practitioners = list(
        User.objects.filter(
            role=Role.SPECIALIST, pathway=pathway.code, is_active=True, is_service_account=False
        )
        .select_related("locality", "agency")
        .annotate(
            open_cases=Count("referrals_allocated", filter=Q(referrals_allocated__closed_on=None))
        )
    )
    for practitioner in practitioners:
        practitioner.capacity = pathway.capacity_for(practitioner.fte)
        practitioner.free = practitioner.capacity - practitioner.open_cases
    return practitioners


def pathway_overview(user: User, pathway: Pathway) -> dict[str, Any]:
    """A pathway's waiting list and each practitioner's load against their capacity."""
    waiting = waiting_list(pathway).annotate(attempts_count=Count("attempts"))
    rows = practitioners_with_load(pathway)
    if user.role == Role.SERVICE_MANAGER and user.locality_id:
        waiting = waiting.filter(family__locality_id=user.locality_id)
        rows = [row for row in rows if row.locality_id == user.locality_id]
    waiting_rows = list(waiting)
    today = timezone.localdate()
    for referral in waiting_rows:
        referral.days_waiting = (today - referral.referred_on).days
    return {
        "waiting": waiting_rows,
        "practitioners": rows,
        "total_capacity": sum(row.capacity for row in rows),
        "total_open": sum(row.open_cases for row in rows),
    }


def family_summary_for(user: User, referral: Referral) -> dict[str, Any]:
    """The parts of the referral's family a specialist needs for the work: who the children
    are and their status, the other adults and their roles, and the social worker. Not the
    family's contacts, plans or chronology. Restricted contact details are shielded here
    (families.disclosure), before any template could show them."""
    family = referral.family
    people = members_of(family)
    name_family_from(family, [person.membership for person in people])
    if not any(person.pk == referral.person_id for person in people):
        people.append(_former_member(referral))
    current: dict[int, StatusEpisode] = {}
    for episode in StatusEpisode.objects.current().filter(
        child_id__in=[person.pk for person in people]
    ):
        current.setdefault(episode.child_id, episode)
    shield_people(user, people, worked_with=allocated_person_ids(user))
    for person in people:
        person.current_episode = current.get(person.pk)
    return {
        "family": family,
        "children": [person for person in people if person.is_child],
        "adults": [
            person for person in people if not person.is_child and person.pk != referral.person_id
        ],
        "adult": next(person for person in people if person.pk == referral.person_id),
    }


def _former_member(referral: Referral) -> Person:
    """The referred adult, with his role in the referral's family, after he has left it
    (the referral service only refers a member, so he was one)."""
    membership = (
        Membership.objects.filter(person_id=referral.person_id, family_id=referral.family_id)
        .select_related("person")
        .order_by("-left_on", "-pk")[0]
    )
    person = membership.person
    person.role, person.membership = membership.role, membership
    return person


@dataclass(frozen=True)
class Household:
    """A family the referred adult belongs to, as his record shows it."""

    family: Family
    role: str  # his role there, in words
    is_referral_family: bool  # the family the referral was made in
    may_open: bool  # the viewer may open the family's own record
    # Its children, or None when the viewer may not read this family: then the record says
    # only that there is another household.
    children: list[Person] | None


def households_for(user: User, referral: Referral) -> list[Household]:
    """Every household the referred adult belongs to now, the referral's own first.

    Another household's children are named only to a viewer who may read that family: its
    own staff (families.selectors.family_list_for), or a viewer of a referral made in it.
    One query, and one more for the children when he has another household.
    """
    memberships = list(
        Membership.objects.current()
        .filter(person_id=referral.person_id)
        .select_related("family")
        .annotate(
            may_open=Exists(family_list_for(user).filter(pk=OuterRef("family_id"))),
            may_read=Exists(referral_list_for(user).filter(family_id=OuterRef("family_id"))),
        )
        .order_by("family__reference", "pk")
    )
    readable = {
        membership.family_id
        for membership in memberships
        if membership.may_open or membership.may_read or membership.family_id == referral.family_id
    }
    children: dict[int, list[Person]] = defaultdict(list)
    if any(membership.family_id != referral.family_id for membership in memberships):
        for child in (
            Membership.objects.current()
            .children()
            .filter(family_id__in=readable)
            .select_related("person")
            .order_by("person__date_of_birth", "person__given_name", "pk")
        ):
            children[child.family_id].append(child.person)
    households = [
        Household(
            family=membership.family,
            role=membership.get_role_display(),
            is_referral_family=membership.family_id == referral.family_id,
            may_open=membership.may_open,
            children=children[membership.family_id] if membership.family_id in readable else None,
        )
        for membership in memberships
    ]
    households.sort(key=lambda household: not household.is_referral_family)
    return households


@dataclass
class MeasureSummary:
    measure: OutcomeMeasure
    readings: list[MeasureReading]
    rows: list[dict[str, Any]]
    top: int = 0  # the highest score the chart's scale shows

    @property
    def first(self) -> MeasureReading:
        return self.readings[0]

    @property
    def latest(self) -> MeasureReading:
        return self.readings[-1]


def measure_summaries(person: Person) -> list[MeasureSummary]:
    """Per measure the adult has done: every reading, and rows of first against latest
    (the total where the measure has one, else each item), scaled for the chart."""
    readings = list(
        MeasureReading.objects.filter(person=person)
        .select_related("measure", "recorded_by")
        .order_by("measure__name", "taken_on", "id")
    )
    summaries: list[MeasureSummary] = []
    for reading in readings:
        if not summaries or summaries[-1].measure.pk != reading.measure_id:
            summaries.append(MeasureSummary(reading.measure, [], []))
        summaries[-1].readings.append(reading)
    for summary in summaries:
        measure, first, latest = summary.measure, summary.first, summary.latest
        if measure.has_total:
            top = measure.scale_max * len(measure.items)
            lines = [("Total", first.total or 0, latest.total or 0)]
        else:
            top = measure.scale_max
            lines = [
                (item["text"], first.scores.get(item["key"], 0), latest.scores.get(item["key"], 0))
                for item in measure.items
            ]
        summary.rows = [
            {
                "label": label,
                "first": first_score,
                "latest": latest_score,
                "change": latest_score - first_score,
                "first_pct": round(100 * first_score / top, 1) if top else 0,
                "latest_pct": round(100 * latest_score / top, 1) if top else 0,
            }
            for label, first_score, latest_score in lines
        ]
        summary.top = top
    return summaries


def family_panel(user: User, family: Family) -> dict[str, Any]:
    """The family page's specialist referrals: every referral made from the family."""
    return {
        "referrals": list(
            Referral.objects.filter(family=family)
            .select_related("person", "pathway", "stage", "practitioner")
            .order_by("closed_on", "-referred_on")
        ),
        "can_record": can_record_on(user, family),
    }
