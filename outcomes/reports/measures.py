"""Outcome measures beyond the spec's four reports (issue 6, "More measures").

Every report here is a fixed handful of aggregate queries, however many records it covers:
loops in Python only run over fixed small sets (the Recovery Star's ten areas, the two
mood measures) to build expressions, or over the few grouped rows a query returns.
"""

import datetime
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.db.models import (
    Avg,
    Count,
    DateField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.expressions import Combinable
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce, TruncDate, TruncMonth
from django.db.models.lookups import GreaterThan, LessThan
from django.utils import timezone

from accounts.models import Locality, Role, User
from families.models import (
    LegalStatus,
    Membership,
    MembershipQuerySet,
    Person,
    Relationship,
    RelationshipQuerySet,
)
from referrals.models import MeasureReading, OutcomeMeasure
from supervision.models import AgendaItem, Discussion, Meeting, NotDiscussed

from .base import (
    Report,
    ReportParameters,
    children_counted,
    episodes_seen,
    families,
    interventions,
    period_children,
    rate,
    wilson,
)

RECOVERY_STAR = "recovery-star"
PHQ9 = "phq-9"
GAD7 = "gad-7"
# A total below these is under the usual clinical threshold (PHQ-9 "moderate" starts at 10,
# GAD-7 caseness at 8).
CLINICAL_CUTOFFS = {"phq9": (PHQ9, 10), "gad7": (GAD7, 8)}

SOCIAL_CARE_ROLES = (Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.SERVICE_MANAGER)


def rate_of(numerator: int | None, denominator: int | None) -> dict[str, Any]:
    """A rate as every report writes it: the counts, the rate (None over 0) and its interval."""
    n, d = numerator or 0, denominator or 0
    return {"numerator": n, "denominator": d, "rate": rate(n, d), "ci95": wilson(n, d)}


def _mean(value: Any) -> float | None:
    # PostgreSQL averages integers as Decimal, SQLite as float.
    return None if value is None else round(float(value), 2)


def _per_10000(children: int, population: int | None) -> float | None:
    return round(10000 * children / population, 1) if population else None


def _members_of_rates(
    population: QuerySet[Any], figures: dict[str, tuple[Q, Q]], key: str
) -> QuerySet[Any] | None:
    """The records behind "<figure>.numerator" or "<figure>.denominator"."""
    name, _, part = key.partition(".")
    if name not in figures or part not in ("numerator", "denominator"):
        return None
    numerator, denominator = figures[name]
    return population.filter(denominator & numerator if part == "numerator" else denominator)


# --- Recovery Star, PHQ-9 and GAD-7: each adult's first reading against their latest -------


def _adults_with_two_readings(p: ReportParameters, code: str, field: str) -> QuerySet[Person]:
    """The adults of the interventions in scope with at least two readings of the measure by
    `as_of`, each annotated with `first` and `latest`: that `field` of their earliest and of
    their latest reading (ties on the day broken by the order recorded)."""
    readings = MeasureReading.objects.filter(
        person=OuterRef("pk"), measure__code=code, taken_on__lte=p.as_of
    )
    oldest_first = readings.order_by("taken_on", "pk")
    return (
        Person.objects.filter(pk__in=interventions(p).values("person"))
        .annotate(
            first=Subquery(oldest_first.values(field)[:1]),
            latest=Subquery(readings.order_by("-taken_on", "-pk").values(field)[:1]),
            second=Subquery(oldest_first.values("pk")[1:2]),
        )
        .filter(second__isnull=False)
    )


def _change_aggregates(prefix: str, first: Any, latest: Any) -> dict[str, Any]:
    """Aggregates of one score's change from first to latest over the adults of a query."""
    return {
        f"{prefix}n": Count(latest - first),
        f"{prefix}mean_first": Avg(first),
        f"{prefix}mean_latest": Avg(latest),
        f"{prefix}mean_change": Avg(latest - first),
    }


def _change(totals: dict[str, Any], prefix: str) -> dict[str, Any]:
    return {
        "n": totals[f"{prefix}n"] or 0,
        "mean_first": _mean(totals[f"{prefix}mean_first"]),
        "mean_latest": _mean(totals[f"{prefix}mean_latest"]),
        "mean_change": _mean(totals[f"{prefix}mean_change"]),
    }


def recovery_star(p: ReportParameters) -> dict[str, Any]:
    measure = OutcomeMeasure.objects.filter(code=RECOVERY_STAR).first()
    areas = measure.items if measure else []
    aggregates: dict[str, Any] = {"people": Count("pk")}
    for number, area in enumerate(areas):
        first = Cast(KeyTextTransform(area["key"], "first"), IntegerField())
        latest = Cast(KeyTextTransform(area["key"], "latest"), IntegerField())
        aggregates |= _change_aggregates(f"a{number}_", first, latest)
        aggregates[f"a{number}_improved"] = Count("pk", filter=GreaterThan(latest, first))
    totals = _adults_with_two_readings(p, RECOVERY_STAR, "scores").aggregate(**aggregates)
    return {
        "people": totals["people"],
        "areas": sorted(
            (
                {
                    "area": area["text"],
                    **_change(totals, f"a{number}_"),
                    "improved": rate_of(totals[f"a{number}_improved"], totals[f"a{number}_n"]),
                }
                for number, area in enumerate(areas)
            ),
            key=lambda row: row["area"],
        ),
    }


def depression_anxiety(p: ReportParameters) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name, (code, cutoff) in CLINICAL_CUTOFFS.items():
        first, latest = F("first"), F("latest")
        totals = _adults_with_two_readings(p, code, "total").aggregate(
            **_change_aggregates("", first, latest),
            # A lower total is better on both scales.
            improved=Count("pk", filter=LessThan(latest, first)),
            below=Count("pk", filter=Q(latest__lt=cutoff)),
        )
        data[name] = {
            **_change(totals, ""),
            "improved": rate_of(totals["improved"], totals["n"]),
            "below_clinical_cutoff_at_latest": rate_of(totals["below"], totals["n"]),
        }
    return data


Members = Callable[[ReportParameters, str], "tuple[str, QuerySet[Any]] | None"]


def _measured_adults_members(code_of: dict[str, str], field: str) -> Members:
    """The interventions of the adults counted in a figure ("people", "phq9.n")."""

    def members(p: ReportParameters, key: str) -> tuple[str, QuerySet[Any]] | None:
        if key not in code_of:
            return None
        adults = _adults_with_two_readings(p, code_of[key], field)
        return "referrals", interventions(p).filter(person__in=adults.values("pk"))

    return members


# --- Father inclusion (ISAFE) ---------------------------------------------------------------


def _inclusion_children(p: ReportParameters) -> MembershipQuerySet:
    """The children of the families in scope: child memberships on their family's period
    end, as `child_status` reads them."""
    return period_children(p).filter(family__in=families(p).values("pk"))


def _fathers(child: OuterRef) -> RelationshipQuerySet:
    """The child's fathers, first the one the family page names (`fathers_of`: the earliest
    current parent link from a father or father figure)."""
    return (
        Relationship.objects.current()
        .filter(
            kind=Relationship.Kind.PARENT,
            relative=child,
            person__memberships__role__in=Membership.FATHER_ROLES,
        )
        .order_by("pk")
    )


def _father_inclusion_figures(p: ReportParameters) -> dict[str, tuple[Q, Q]]:
    """Each figure as (numerator, denominator) conditions on a child (a row of
    `_inclusion_children`). Conditions, not annotations: Django would count distinct
    children over annotated rows in a derived table its conditions cannot see into."""
    everyone = Q()
    on_cp = Q(Exists(episodes_seen(p).filter(child=OuterRef("person"), status=LegalStatus.CP)))
    named_father = _fathers(OuterRef(OuterRef("person"))).values("person")[:1]
    has_contact = Q(
        Exists(
            Person.objects.filter(pk=Subquery(named_father)).filter(
                Q(address__regex=r"\S") | Q(phone__regex=r"\S") | Q(email__regex=r"\S")
            )
        )
    )
    recorded = "person__father_inclusion__"
    return {
        "named": (Q(Exists(_fathers(OuterRef("person")))), everyone),
        "contact_details": (has_contact, everyone),
        "invited_initial": (Q(**{f"{recorded}invited_to_initial_conference": True}), on_cp),
        "attended_initial": (Q(**{f"{recorded}attended_initial_conference": True}), on_cp),
        "invited_review": (Q(**{f"{recorded}invited_to_review_conference": True}), on_cp),
        "attended_review": (Q(**{f"{recorded}attended_review_conference": True}), on_cp),
    }


def _rate_aggregates(
    figures: dict[str, tuple[Q, Q]], prefix: str = "", where: Q | None = None
) -> dict[str, Any]:
    """Counts of distinct children (a child in two families in scope counts once)."""
    scope = where if where is not None else Q()

    def children(condition: Q) -> Count:
        return Count("person", filter=condition, distinct=True)

    aggregates: dict[str, Any] = {f"{prefix}children": children(scope)}
    for name, (numerator, denominator) in figures.items():
        aggregates[f"{prefix}{name}_n"] = children(scope & denominator & numerator)
        aggregates[f"{prefix}{name}_d"] = children(scope & denominator)
    return aggregates


def _rates(totals: Mapping[str, Any], names: Any, prefix: str = "") -> dict[str, Any]:
    return {
        "children": totals[f"{prefix}children"],
        **{
            name: rate_of(totals[f"{prefix}{name}_n"], totals[f"{prefix}{name}_d"])
            for name in names
        },
    }


BEFORE_AFTER_FIGURES = ("named", "contact_details", "invited_initial", "attended_initial")


def father_inclusion(p: ReportParameters) -> dict[str, Any]:
    children = _inclusion_children(p)
    figures = _father_inclusion_figures(p)
    training = F("family__team__fathers_training_on")
    # A family opened before its team's training, or in a team never trained, is "before".
    before = Q(family__team__fathers_training_on__isnull=True) | Q(family__opened_on__lt=training)
    after = Q(family__opened_on__gte=training)
    compared = {name: figures[name] for name in BEFORE_AFTER_FIGURES}
    teams = (
        children.values("family__team", "family__team__name", "family__team__fathers_training_on")
        .annotate(
            **_rate_aggregates(figures),
            **_rate_aggregates(compared, "before_", before),
            **_rate_aggregates(compared, "after_", after),
        )
        .order_by(F("family__team__name").asc(nulls_last=True), "family__team")
    )
    by_team, before_after = [], []
    for row in teams:
        trained_on = row["family__team__fathers_training_on"]
        if trained_on is not None and trained_on > p.as_of:
            trained_on = None  # trained after as_of: not yet, as things stood then
        by_team.append(
            {
                "team": row["family__team__name"],
                "team_id": row["family__team"],
                **_rates(row, figures),
            }
        )
        before_after.append(
            {
                "team": row["family__team__name"],
                "team_id": row["family__team"],
                "trained_on": trained_on.isoformat() if trained_on else None,
                "before": _rates(row, compared, "before_"),
                "after": _rates(row, compared, "after_") if trained_on else None,
            }
        )
    return {
        **_rates(children.aggregate(**_rate_aggregates(figures)), figures),
        "by_team": by_team,
        "before_after_training": before_after,
    }


def father_inclusion_members(p: ReportParameters, key: str) -> tuple[str, QuerySet[Any]] | None:
    children = _inclusion_children(p)
    if key == "children":
        return "children", children_counted(children)
    found = _members_of_rates(children, _father_inclusion_figures(p), key)
    return ("children", children_counted(found)) if found is not None else None


# --- Motivational interviewing training -----------------------------------------------------


def mi_training(p: ReportParameters) -> dict[str, Any]:
    staff = User.objects.filter(
        is_active=True, role__in=[*SOCIAL_CARE_ROLES, Role.SPECIALIST]
    ).annotate(
        place=Coalesce("locality", "team__locality"),
        place_name=Coalesce("locality__name", "team__locality__name"),
    )
    trained = Q(mi_trained_on__lte=p.as_of)
    social_care = Q(role__in=SOCIAL_CARE_ROLES)
    specialist = Q(role=Role.SPECIALIST)
    split = {
        "social_care_n": Count("pk", filter=social_care & trained),
        "social_care_d": Count("pk", filter=social_care),
        "specialists_n": Count("pk", filter=specialist & trained),
        "specialists_d": Count("pk", filter=specialist),
    }
    totals = staff.aggregate(**split)
    roles = staff.values("role").annotate(n=Count("pk", filter=trained), d=Count("pk")).order_by()
    # Annotated from a dict, so the type checker cannot know the rows' keys.
    localities: Iterable[Mapping[str, Any]] = (
        staff.values("place", "place_name")
        .annotate(**split)
        .order_by(F("place_name").asc(nulls_last=True), "place")
    )
    labels = dict(Role.choices)
    return {
        "social_care": rate_of(totals["social_care_n"], totals["social_care_d"]),
        "specialists": rate_of(totals["specialists_n"], totals["specialists_d"]),
        "by_role": sorted(
            ({"role": labels[row["role"]], **rate_of(row["n"], row["d"])} for row in roles),
            key=lambda row: row["role"],
        ),
        "by_locality": [
            {
                "locality": row["place_name"],
                "locality_id": row["place"],
                "social_care": rate_of(row["social_care_n"], row["social_care_d"]),
                "specialists": rate_of(row["specialists_n"], row["specialists_d"]),
            }
            for row in localities
        ],
    }


# --- Group supervision ----------------------------------------------------------------------


def _twelve_months_to(day: datetime.date) -> datetime.date:
    """The first day of the twelve months ending on `day`."""
    try:
        year_before = day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        year_before = day.replace(year=day.year - 1, day=28)
    return year_before + datetime.timedelta(days=1)


def _supervision_window(p: ReportParameters) -> tuple[datetime.date, datetime.date]:
    last = min(p.date_to or p.as_of, p.as_of)
    return p.date_from or _twelve_months_to(last), last


def _supervision_groups(p: ReportParameters, by: str | None) -> dict[Any, dict[str, Any]]:
    """held, cancelled, families_discussed and specialist minutes lost, per `by` ("month",
    "team") or overall (key None): three aggregate queries.

    As `supervision.selectors.lost_clinical_hours` counts them: a cancelled meeting costs
    each specialist member of the group its length; a family on the agenda not discussed
    because its social worker did not come costs each specialist in the group working with
    the family (an intervention of theirs open on the meeting's day) the group's minutes per
    family."""
    first, last = _supervision_window(p)
    tz = timezone.get_current_timezone()

    def grouped(queryset: QuerySet[Any], prefix: str, **aggregates: Any) -> dict[Any, Any]:
        queryset = queryset.filter(
            **{f"{prefix}starts_at__date__gte": first, f"{prefix}starts_at__date__lte": last}
        )
        if by is None:
            return {None: queryset.aggregate(**aggregates)}
        keys: dict[str, Combinable]
        if by == "month":
            keys = {"key": TruncMonth(f"{prefix}starts_at", output_field=DateField(), tzinfo=tz)}
        else:
            keys = {"key": F(f"{prefix}group__team"), "label": F(f"{prefix}group__team__name")}
        rows = queryset.annotate(**keys).values(*keys).annotate(**aggregates).order_by()
        return {row["key"]: row for row in rows}

    held = Q(status=Meeting.Status.HELD)
    cancelled = Q(status=Meeting.Status.CANCELLED)
    # Joined to the group's members, one row per member: distinct counts of meetings, and the
    # cancelled minutes summed over the specialist members' rows.
    meetings = grouped(
        # A meeting still planned after its day is neither: it has no rows of its own.
        Meeting.objects.filter(status__in=[Meeting.Status.HELD, Meeting.Status.CANCELLED]),
        "",
        held=Count("pk", filter=held, distinct=True),
        cancelled=Count("pk", filter=cancelled, distinct=True),
        cancelled_minutes=Sum(
            "length_minutes", filter=cancelled & Q(group__members__role=Role.SPECIALIST)
        ),
    )
    discussed = grouped(
        Discussion.objects.all(), "meeting__", families=Count("family", distinct=True)
    )
    meeting_day = TruncDate("meeting__starts_at", tzinfo=tz)
    referral = "family__referrals__"
    # One filter() call, so every condition is on the same intervention: one row per
    # specialist slot lost.
    slots = AgendaItem.objects.filter(
        Q(not_discussed=NotDiscussed.NO_SHOW)
        & Q(**{f"{referral}practitioner__supervision_groups": F("meeting__group")})
        & Q(**{f"{referral}referred_on__lte": meeting_day})
        & (
            Q(**{f"{referral}closed_on__isnull": True})
            | Q(**{f"{referral}closed_on__gt": meeting_day})
        )
    )
    no_shows = grouped(slots, "meeting__", minutes=Sum("meeting__group__minutes_per_family"))
    figures = {}
    for key in {*meetings, *discussed, *no_shows}:
        meeting, discussion, no_show = (
            meetings.get(key, {}),
            discussed.get(key, {}),
            no_shows.get(key, {}),
        )
        minutes = (meeting.get("cancelled_minutes") or 0) + (no_show.get("minutes") or 0)
        figures[key] = {
            "label": meeting.get("label") or discussion.get("label") or no_show.get("label"),
            "held": meeting.get("held") or 0,
            "cancelled": meeting.get("cancelled") or 0,
            "families_discussed": discussion.get("families") or 0,
            "specialist_hours_lost": round(minutes / 60, 1),
        }
    return figures


def group_supervision(p: ReportParameters) -> dict[str, Any]:
    def figures(row: dict[str, Any]) -> dict[str, Any]:
        return {key: value for key, value in row.items() if key != "label"}

    months = _supervision_groups(p, "month")
    teams = _supervision_groups(p, "team")
    return {
        **figures(_supervision_groups(p, None)[None]),
        "by_month": [
            {"month": month.strftime("%Y-%m"), **figures(months[month])} for month in sorted(months)
        ],
        "by_team": sorted(
            (
                {"team": row["label"], "team_id": team, **figures(row)}
                for team, row in teams.items()
            ),
            key=lambda row: row["team"],
        ),
    }


# --- Children on child protection plans per 10,000 children -------------------------------


def _children_on_cp(p: ReportParameters) -> MembershipQuerySet:
    """Children of the families in scope open on `as_of` (their child members that day) with
    a `cp` episode covering it."""
    today = Value(p.as_of, output_field=DateField())
    open_families = families(p).filter(Q(closed_on__isnull=True) | Q(closed_on__gte=p.as_of))
    plans = episodes_seen(p).filter(child=OuterRef("person"), status=LegalStatus.CP)
    # A family open on as_of has its period end there: its children are those of as_of.
    return (
        period_children(p)
        .filter(family__in=open_families.values("pk"))
        .filter(Exists(plans.covering(today)))
    )


def cp_rate(p: ReportParameters) -> dict[str, Any]:
    on_cp = _children_on_cp(p)
    counted = Subquery(
        on_cp.filter(family__locality=OuterRef("pk"))
        .order_by()
        .values("family__locality")
        .annotate(n=Count("person", distinct=True))
        .values("n"),
        output_field=IntegerField(),
    )
    localities = (
        Locality.objects.annotate(children_on_cp=Coalesce(counted, 0))
        .filter(Q(child_population__isnull=False) | Q(children_on_cp__gt=0))
        .order_by("name", "pk")
        .values("pk", "name", "child_population", "children_on_cp")
    )
    children = on_cp.aggregate(
        all=Count("person", distinct=True),
        with_population=Count(
            "person",
            distinct=True,
            filter=Q(family__locality__child_population__isnull=False),
        ),
    )
    population = Locality.objects.aggregate(total=Sum("child_population"))["total"]
    return {
        "children_on_cp": children["all"],
        "child_population": population or 0,
        # Over the localities whose population is known, so the rate compares like with like.
        "per_10000": _per_10000(children["with_population"], population),
        "by_locality": [
            {
                "locality": row["name"],
                "locality_id": row["pk"],
                "children_on_cp": row["children_on_cp"],
                "child_population": row["child_population"],
                "per_10000": _per_10000(row["children_on_cp"], row["child_population"]),
            }
            for row in localities
        ],
    }


def cp_rate_members(p: ReportParameters, key: str) -> tuple[str, QuerySet[Any]] | None:
    return ("children", children_counted(_children_on_cp(p))) if key == "children_on_cp" else None


PERSON_DIMENSIONS = (
    "locality",
    "team",
    "cohort",
    "pathway",
    "sex",
    "ethnicity",
    "disability",
    "quarter",
)

REPORTS: tuple[Report, ...] = (
    Report(
        name="recovery_star",
        title="Recovery Star change",
        description="For adults with two or more Recovery Star readings: the mean first and "
        "latest score in each of the ten areas, the mean change, and how many improved.",
        compute=recovery_star,
        dimensions=PERSON_DIMENSIONS,
        members=_measured_adults_members({"people": RECOVERY_STAR}, "scores"),
    ),
    Report(
        name="depression_anxiety",
        title="Depression and anxiety (PHQ-9, GAD-7)",
        description="For adults with two or more readings: mean first and latest totals, how "
        "many improved, and how many were below the clinical cut-off at their latest.",
        compute=depression_anxiety,
        dimensions=PERSON_DIMENSIONS,
        members=_measured_adults_members({"phq9.n": PHQ9, "gad7.n": GAD7}, "total"),
    ),
    Report(
        name="father_inclusion",
        title="Father inclusion (ISAFE)",
        description="For each child: is the father named, are his contact details recorded, "
        "and for children on a child protection plan, was he invited to and did he attend the "
        "conferences; by team, and before and after each team's training.",
        compute=father_inclusion,
        dimensions=("locality", "team", "cohort", "quarter", "month"),
        members=father_inclusion_members,
    ),
    Report(
        name="mi_training",
        title="Motivational interviewing training",
        description="Active social care staff and specialists trained in motivational "
        "interviewing by the report date, by role and locality.",
        compute=mi_training,
        pathway_scoped=False,
    ),
    Report(
        name="group_supervision",
        title="Group supervision",
        description="Meetings held and cancelled, families discussed and specialists' clinical "
        "hours lost to cancellations and no-shows, by month and team.",
        compute=group_supervision,
        pathway_scoped=False,
    ),
    Report(
        name="cp_rate",
        title="Children on child protection plans per 10,000 children",
        description="Children on a child protection plan on the report date, per 10,000 "
        "children living in each locality.",
        compute=cp_rate,
        members=cp_rate_members,
    ),
)
