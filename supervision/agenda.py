"""Which families a group supervision meeting should discuss, and why.

The evaluations' complaint is that nobody knows how often a family should come back. Here each
family has a target interval (weekly for a red child-safety RAG, four-weekly for amber,
six-weekly for green, or the chair's own figure) and the agenda builder proposes, within the
meeting's capacity:

1. red families first;
2. then by how far past its target interval the family is (days since the last discussion
   against the interval; a family never discussed is due);
3. a child protection review conference in the next 14 days;
4. a family allocated to its social worker since its last discussion (or in the last 28 days);
5. a specialist newly working with one of its adults (a referral made in the family) since
   its last discussion.

A family with none of these reasons is not proposed. Every proposal says why, in words.
"""

import datetime
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypedDict

from django.db.models import Exists, OuterRef, Subquery

from families.models import Allocation, Family, LegalStatus, Membership, Plan
from referrals.models import Rag, Referral

from .models import DEFAULT_INTERVAL_DAYS, Discussion, FamilyDiscussionPlan

CP_REVIEW_WINDOW_DAYS = 14
NEW_ALLOCATION_DAYS = 28
# Points for each reason: red outranks everything; then lateness; then the events.
RED_POINTS = 1000
LATENESS_POINTS_PER_INTERVAL = 100
LATENESS_CAP = 4  # four intervals late counts the same as more
CP_REVIEW_POINTS = 60
NEW_ALLOCATION_POINTS = 50
NEW_SPECIALIST_POINTS = 40


class AgendaFacts(TypedDict):
    """What proposals_for annotates on each family, as of the meeting day."""

    last_discussed: datetime.date | None
    latest_rag: str | None
    interval: int | None  # the chair's own interval in days, if set
    cp_review_on: datetime.date | None  # a child protection review within the window
    allocated_on: datetime.date | None  # the current allocation's start
    specialist_since: datetime.date | None  # the latest open specialist allocation


if TYPE_CHECKING:  # django-stubs-ext is a development dependency
    from django_stubs_ext import WithAnnotations

    AgendaFamily = WithAnnotations[Family, AgendaFacts]


@dataclass
class Proposal:
    family: Family
    score: float
    reasons: list[str] = field(default_factory=list)
    rag: str | None = None
    last_discussed: datetime.date | None = None
    interval_days: int = 0

    @property
    def reason(self) -> str:
        return "; ".join(self.reasons)


def _days(count: int) -> str:
    return f"{count} day{'s' if count != 1 else ''}"


def proposals_for(team_id: int, on: datetime.date) -> list[Proposal]:
    """Every open family of the team with a reason to be discussed on `on`, best first.

    One query for the families with what the rules need; the scoring is arithmetic on them.
    """
    latest = Discussion.objects.filter(family=OuterRef("pk"), discussed_on__lte=on).order_by(
        "-discussed_on", "-id"
    )
    families = (
        # Open now, not merely on `on`: a case closed today is not put on an agenda.
        Family.objects.open()
        .filter(team_id=team_id, opened_on__lte=on)
        .select_related("social_worker")
        .annotate(
            last_discussed=Subquery(latest.values("discussed_on")[:1]),
            latest_rag=Subquery(latest.values("child_safety_rag")[:1]),
            interval=Subquery(
                FamilyDiscussionPlan.objects.filter(family=OuterRef("pk")).values("interval_days")[
                    :1
                ]
            ),
            cp_review_on=Subquery(
                Plan.objects.filter(
                    # A child of the family on `on`: a child member that day.
                    Exists(
                        Membership.objects.on(on)
                        .children()
                        .filter(person=OuterRef("child"), family=OuterRef(OuterRef("pk")))
                    ),
                    kind=LegalStatus.CP,
                    ended_on__isnull=True,
                    review_on__gte=on,
                    review_on__lte=on + datetime.timedelta(days=CP_REVIEW_WINDOW_DAYS),
                )
                .order_by("review_on")
                .values("review_on")[:1]
            ),
            allocated_on=Subquery(
                Allocation.objects.filter(family=OuterRef("pk"), end_date__isnull=True)
                .order_by("-start_date")
                .values("start_date")[:1]
            ),
            specialist_since=Subquery(
                Referral.objects.filter(
                    family=OuterRef("pk"),
                    closed_on__isnull=True,
                    allocated_on__lte=on,
                )
                .order_by("-allocated_on")
                .values("allocated_on")[:1]
            ),
        )
        .order_by("reference")
    )
    proposals = []
    for family in families:
        proposal = _score(family, on)
        if proposal.reasons:
            proposals.append(proposal)
    proposals.sort(key=lambda proposal: (-proposal.score, proposal.family.reference))
    return proposals


def _score(family: "AgendaFamily", on: datetime.date) -> Proposal:
    rag = family.latest_rag
    # Never discussed (no RAG yet): amber's interval.
    interval = family.interval or DEFAULT_INTERVAL_DAYS.get(
        rag or Rag.AMBER, DEFAULT_INTERVAL_DAYS[Rag.AMBER]
    )
    proposal = Proposal(
        family=family,
        score=0,
        rag=rag,
        last_discussed=family.last_discussed,
        interval_days=interval,
    )
    if rag == Rag.RED:
        proposal.score += RED_POINTS
        proposal.reasons.append("Red")
    if family.last_discussed is None:
        proposal.score += LATENESS_POINTS_PER_INTERVAL
        proposal.reasons.append("Not discussed yet")
    else:
        since = (on - family.last_discussed).days
        if since >= interval:
            lateness = min(since / interval, LATENESS_CAP)
            proposal.score += LATENESS_POINTS_PER_INTERVAL * lateness
            proposal.reasons.append(
                f"last discussed {_days(since)} ago (due every {_days(interval)})"
            )
        elif proposal.reasons:  # red but discussed recently: say when
            proposal.reasons.append(f"last discussed {_days(since)} ago")
    if family.cp_review_on is not None:
        proposal.score += CP_REVIEW_POINTS
        in_days = (family.cp_review_on - on).days
        when = "today" if in_days == 0 else f"in {_days(in_days)}"
        proposal.reasons.append(f"CP review conference {when}")
    allocated_on = family.allocated_on
    if allocated_on is not None and (
        (family.last_discussed is not None and allocated_on > family.last_discussed)
        or (family.last_discussed is None and (on - allocated_on).days <= NEW_ALLOCATION_DAYS)
    ):
        proposal.score += NEW_ALLOCATION_POINTS
        proposal.reasons.append(f"allocated {_days((on - allocated_on).days)} ago")
    specialist_since = family.specialist_since
    if specialist_since is not None and (
        (family.last_discussed is not None and specialist_since > family.last_discussed)
        or (family.last_discussed is None and (on - specialist_since).days <= NEW_ALLOCATION_DAYS)
    ):
        proposal.score += NEW_SPECIALIST_POINTS
        proposal.reasons.append("new specialist involvement")
    if proposal.reasons:
        proposal.reasons[0] = proposal.reasons[0][0].upper() + proposal.reasons[0][1:]
    return proposal
