"""The four reports of the spec (`../shared/spec/outcome-reports.md`, version 1), exactly.

Each is a handful of aggregate queries: the rules (a family's level on a day, a child's plan,
a case's start and end) are annotations computed by the database, then counted there. An
intervention's family is the one named on it; a family's children are its child members on
the day each report looks at (said where it is chosen).
"""

import datetime
import statistics
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import RowNumber

from families.models import (
    LEVELS,
    Family,
    InvolvementPeriod,
    LegalStatus,
    Membership,
    MembershipQuerySet,
    StatusEpisode,
)
from referrals.models import Engagement

from .base import (
    DIMENSIONS,
    Report,
    ReportParameters,
    child_members,
    children_counted,
    children_of,
    count_distinct,
    days_after,
    earlier_periods,
    episodes_seen,
    families,
    interventions,
    level_on,
    period_children,
    rate,
    wilson,
)

ALL_DIMENSIONS = tuple(DIMENSIONS)


def _flag(condition: Q) -> Case:
    """1 where `condition` holds, else 0: a column to sum."""
    return Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField())


# --- engagement -----------------------------------------------------------------------------

ENGAGEMENT_COUNTS = {
    "engaged": Engagement.ENGAGED,
    "inconsistent": Engagement.INCONSISTENT,
    "not_engaged": Engagement.NOT_ENGAGED,
    "new": Engagement.NEW,
}


def engagement(p: ReportParameters) -> dict[str, Any]:
    scope = interventions(p)
    counts = scope.aggregate(
        approached=Count("pk"),
        **{
            key: Count("pk", filter=Q(engagement_as_of=value))
            for key, value in ENGAGEMENT_COUNTS.items()
        },
    )
    engaged_families = scope.filter(engagement_as_of=Engagement.ENGAGED).values("family")
    # Engagement's figures stand on as_of: the families' children are their children then.
    children = children_of(engaged_families, p.as_of).count()
    decided = counts["engaged"] + counts["inconsistent"] + counts["not_engaged"]
    return {
        "approached": counts["approached"],
        "engaged": counts["engaged"],
        "inconsistent": counts["inconsistent"],
        "not_engaged": counts["not_engaged"],
        "new": counts["new"],
        "engagement_rate": rate(counts["engaged"], decided),
        "engagement_rate_ci95": wilson(counts["engaged"], decided),
        "children": children,
    }


def engagement_members(p: ReportParameters, key: str) -> tuple[str, QuerySet[Any]] | None:
    scope = interventions(p)
    if key == "approached":
        return "referrals", scope
    if key in ENGAGEMENT_COUNTS:
        return "referrals", scope.filter(engagement_as_of=ENGAGEMENT_COUNTS[key])
    if key == "children":
        engaged = scope.filter(engagement_as_of=Engagement.ENGAGED).values("family")
        return "children", children_counted(child_members(engaged, p.as_of))
    return None


# --- step_down ------------------------------------------------------------------------------


def _member_on(day: str) -> str:
    """SQL: membership `m` is in force on `day` (as Membership.objects.on)."""
    return (
        f"(m.joined_on IS NULL OR m.joined_on <= {day})"
        f" AND (m.left_on IS NULL OR m.left_on >= {day})"
    )


def _cases_sql(p: ReportParameters) -> tuple[str, list[Any]]:
    """One row per case (a family with an engaged intervention in scope): `family_id`, its
    `start_day` and `end_day`, the family's level on each (`baseline`, `end_level`), and its
    number of `children`.

    Written as SQL over the engaged interventions' own query: each case's start and end are
    grouped once, then each level is one lookup of the family's children's episodes. (As
    nested ORM subqueries, the end day's "still open" test was copied into every level lookup,
    which was slow and, with Django's re-resolved outer references, wrong.)"""
    engaged_sql, engaged_params = (
        interventions(p)
        .filter(engagement_as_of=Engagement.ENGAGED)
        .order_by()
        .values(fam=F("family"), ref_on=F("referred_on"), closed=F("closed_on"))
        .query.sql_with_params()
    )
    quote = connection.ops.quote_name
    episode, membership = quote(StatusEpisode._meta.db_table), quote(Membership._meta.db_table)
    child = f"m.role = '{Membership.Role.CHILD.value}'"
    level = (
        "CASE e.status "
        + " ".join(f"WHEN '{status}' THEN {value}" for status, value in LEVELS.items())
        + " ELSE 0 END"
    )

    def level_sql(day: str) -> str:
        # A family's level on a case's day reads its children on that day.
        return (
            f"COALESCE((SELECT MAX({level}) FROM {episode} e"
            f" JOIN {membership} m ON m.person_id = e.child_id"
            f" WHERE m.family_id = c.fam AND {child} AND {_member_on(day)}"
            f" AND e.start_date <= %s AND e.start_date <= {day}"
            f" AND (e.end_date IS NULL OR e.end_date >= {day})), 0)"
        )

    sql = (
        "SELECT c.fam AS family_id, c.start_day AS start_day, c.end_day AS end_day,"
        f" {level_sql('c.start_day')} AS baseline, {level_sql('c.end_day')} AS end_level,"
        # A case's children are its family's children on either day its levels read.
        f" (SELECT COUNT(DISTINCT m.person_id) FROM {membership} m WHERE m.family_id = c.fam"
        f" AND {child} AND (({_member_on('c.start_day')}) OR ({_member_on('c.end_day')})))"
        " AS children"
        " FROM (SELECT fam, MIN(ref_on) AS start_day,"
        " CASE WHEN SUM(CASE WHEN closed IS NULL OR closed > %s THEN 1 ELSE 0 END) > 0"
        " THEN %s ELSE MAX(closed) END AS end_day"
        f" FROM ({engaged_sql}) engaged GROUP BY fam) c"
    )
    params = [p.as_of, p.as_of, p.as_of, p.as_of, *engaged_params]
    return sql, params


STEP_DOWN_OUTCOMES = {
    "stepped_down": "end_level < baseline",
    "same": "end_level = baseline",
    "increased": "end_level > baseline",
}
STEPPED_OUT = "end_level < baseline AND end_level = 0"


def step_down(p: ReportParameters) -> dict[str, Any]:
    cases_sql, params = _cases_sql(p)
    conditions = {**STEP_DOWN_OUTCOMES, "closed": STEPPED_OUT}
    sums = ", ".join(
        f"COALESCE(SUM(CASE WHEN {condition} THEN 1 ELSE 0 END), 0),"
        f" COALESCE(SUM(CASE WHEN {condition} THEN children ELSE 0 END), 0)"
        for condition in conditions.values()
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*), COALESCE(SUM(children), 0), {sums} FROM ({cases_sql}) cases",
            params,
        )
        cases, children, *figures = (int(value) for value in cursor.fetchone())
    counted = {
        key: {"cases": figures[2 * i], "children": figures[2 * i + 1]}
        for i, key in enumerate(conditions)
    }
    return {
        "cases": cases,
        "children": children,
        "stepped_down": {**counted["stepped_down"], "closed": counted["closed"]},
        "same": counted["same"],
        "increased": counted["increased"],
    }


def step_down_members(p: ReportParameters, key: str) -> tuple[str, QuerySet[Any]] | None:
    parts = key.split(".")
    if parts[-1] not in ("cases", "children"):
        return None
    path = parts[:-1]
    if path == []:
        condition = "1 = 1"
    elif path == ["stepped_down", "closed"]:
        condition = STEPPED_OUT
    elif len(path) == 1 and path[0] in STEP_DOWN_OUTCOMES:
        condition = STEP_DOWN_OUTCOMES[path[0]]
    else:
        return None
    cases_sql, params = _cases_sql(p)
    if parts[-1] == "cases":
        return "families", Family.objects.filter(
            pk__in=RawSQL(f"SELECT family_id FROM ({cases_sql}) cases WHERE {condition}", params)
        )
    membership = connection.ops.quote_name(Membership._meta.db_table)
    counted = RawSQL(
        f"SELECT m.id FROM ({cases_sql}) cases JOIN {membership} m"
        f" ON m.family_id = cases.family_id WHERE {condition}"
        f" AND m.role = '{Membership.Role.CHILD.value}'"
        f" AND (({_member_on('cases.start_day')}) OR ({_member_on('cases.end_day')}))",
        params,
    )
    return "children", children_counted(Membership.objects.filter(pk__in=counted))


# --- child_status ---------------------------------------------------------------------------


def _unit_end(p: ReportParameters) -> Case:
    """The last day of a period (see `_units`): its closing day when on or before `as_of`,
    else `as_of`."""
    return Case(
        When(unit_closed_on__lte=p.as_of, then=F("unit_closed_on")),
        default=Value(p.as_of),
        output_field=DateField(),
    )


def _units(p: ReportParameters) -> list[MembershipQuerySet]:
    """The child memberships of the periods of involvement in scope, each with its period's
    `opened` and `unit_closed_on`: the families in scope (their current period), and the
    earlier periods of families closed and referred again in DMT (an import has none, so
    there a period is a family, as the spec says)."""
    current = (
        period_children(p)
        .filter(family__in=families(p).values("pk"))
        .annotate(opened=F("family__opened_on"), unit_closed_on=F("family__closed_on"))
    )
    # Annotating first makes the filters below use the one join to the family's periods.
    earlier = (
        Membership.objects.children()
        .annotate(
            unit_period=F("family__earlier_periods"),
            opened=F("family__earlier_periods__opened_on"),
            unit_closed_on=F("family__earlier_periods__closed_on"),
        )
        .filter(unit_period__in=earlier_periods(p).values("pk"))
    )
    earlier = earlier.on(_unit_end(p))
    return [current, earlier]


def _children(p: ReportParameters) -> list[MembershipQuerySet]:
    """The children of the periods in scope (`_units`), one row per child membership and
    period (a child in two families in scope is looked at in each), each with its period,
    its plan (the earliest cp episode overlapping the period), what came before the plan
    and after it."""
    return [_child_rows(p, unit) for unit in _units(p)]


def _child_rows(p: ReportParameters, units: MembershipQuerySet) -> MembershipQuerySet:
    seen = episodes_seen(p)
    mine = seen.filter(child=OuterRef("person"))
    cp_in_period = mine.filter(
        Q(end_date__isnull=True) | Q(end_date__gte=OuterRef("opened")),
        status=LegalStatus.CP,
        start_date__lte=OuterRef("period_end"),
    ).order_by("start_date")
    before_plan = mine.filter(start_date__lt=OuterRef("plan_start")).order_by("-start_date")
    closed_on = OuterRef("unit_closed_on")
    children = (
        units.filter(_child_where(p))
        .annotate(
            closed=ExpressionWrapper(Q(unit_closed_on__lte=p.as_of), output_field=BooleanField()),
            period_end=_unit_end(p),
        )
        .annotate(
            plan_start=Subquery(cp_in_period.values("start_date")[:1]),
            plan_end=Subquery(cp_in_period.values("end_date")[:1]),
        )
        .annotate(
            previous_status=Subquery(before_plan.values("status")[:1]),
            previous_end=Subquery(before_plan.values("end_date")[:1]),
            plan_end_next_day=days_after(F("plan_end"), 1),
        )
        .annotate(
            # True or False, never NULL (no episode before the plan is "not from CIN").
            from_cin=Case(
                When(
                    Q(
                        previous_status=LegalStatus.CIN,
                        previous_end=days_after(F("plan_start"), -1),
                    ),
                    then=Value(True),
                ),
                default=Value(False),
                output_field=BooleanField(),
            ),
        )
        .annotate(
            level_after_plan=level_on(mine, OuterRef("plan_end_next_day")),
            re_referred=Exists(
                mine.filter(start_date__gt=closed_on, start_date__lte=days_after(closed_on, 365))
            ),
            # A re-referral recorded in DMT: the family's next period opened within a year.
            referred_again=Exists(
                Family.objects.filter(
                    pk=OuterRef("family"),
                    opened_on__gt=closed_on,
                    opened_on__lte=days_after(closed_on, 365),
                ).filter(opened_on__lte=p.as_of)
            )
            | Exists(
                InvolvementPeriod.objects.filter(
                    family=OuterRef("family"),
                    opened_on__gt=closed_on,
                    opened_on__lte=days_after(closed_on, 365),
                ).filter(opened_on__lte=p.as_of)
            ),
            entered_care=Exists(
                mine.filter(
                    status=LegalStatus.LOOKED_AFTER,
                    start_date__gte=OuterRef("opened"),
                    start_date__lte=OuterRef("period_end"),
                )
            ),
            earlier_cp_within_2_years=Exists(
                mine.filter(
                    status=LegalStatus.CP,
                    end_date__lt=OuterRef("plan_start"),
                    end_date__gte=days_after(OuterRef("plan_start"), -730),
                )
            ),
        )
    )
    return children


def _child_where(p: ReportParameters) -> Q:
    """Breakdowns by a child's own characteristic narrow the children, not their families."""
    condition = Q()
    for dimension, value in p.where:
        if dimension in ("sex", "ethnicity", "disability"):
            condition &= Q(**{f"person__{dimension}": value})
    return condition


ON_PLAN = Q(plan_start__isnull=False)
CHILD_STATUS_GROUPS: dict[str, Q] = {
    "closed.children": Q(closed=True),
    "re_referred_within_12_months": Q(closed=True) & (Q(re_referred=True) | Q(referred_again=True)),
    "cp_while_open.children": ON_PLAN,
    "cp_while_open.already_cp_at_start": Q(ON_PLAN, plan_start__lte=F("opened")),
    "cp_while_open.stepped_up_from_cin": Q(ON_PLAN, plan_start__gt=F("opened"), from_cin=True),
    "cp_while_open.still_cp": Q(ON_PLAN)
    & (Q(plan_end__isnull=True) | Q(plan_end__gt=F("as_of_day"))),
    "cp_while_open.ended.children": Q(ON_PLAN, plan_end__lte=F("as_of_day")),
    "cp_while_open.ended.to_cin": Q(ON_PLAN, plan_end__lte=F("as_of_day"), level_after_plan=2),
    "cp_while_open.ended.to_early_help_or_none": Q(
        ON_PLAN, plan_end__lte=F("as_of_day"), level_after_plan__lte=1
    ),
    "cp_while_open.ended.to_cp": Q(ON_PLAN, plan_end__lte=F("as_of_day"), level_after_plan=3),
    "cp_while_open.ended.stepped_up": Q(
        ON_PLAN, plan_end__lte=F("as_of_day"), level_after_plan__gte=4
    ),
    "entered_care": Q(entered_care=True),
    "repeat_cp_within_2_years": Q(
        ON_PLAN,
        plan_start__gte=F("opened"),
        plan_start__lte=F("period_end"),
        earlier_cp_within_2_years=True,
    ),
}
# "Became CP after start" is any later start that is not a step up from CIN.
CHILD_STATUS_GROUPS["cp_while_open.became_cp_after_start"] = Q(
    ON_PLAN, plan_start__gt=F("opened"), from_cin=False
)


def _children_with_day(p: ReportParameters) -> list[MembershipQuerySet]:
    return [
        rows.annotate(as_of_day=Value(p.as_of, output_field=DateField())) for rows in _children(p)
    ]


def _memberships(parts: list[MembershipQuerySet]) -> MembershipQuerySet:
    """The memberships of any of `parts`, each once."""
    found = Q()
    for part in parts:
        found |= Q(pk__in=part.values("pk"))
    return Membership.objects.filter(found)


def child_status(p: ReportParameters) -> dict[str, Any]:
    closed = Q(closed_on__lte=p.as_of)
    family_counts = families(p).aggregate(families=Count("pk"), closed=Count("pk", filter=closed))
    period_counts = earlier_periods(p).aggregate(
        periods=Count("pk"), closed=Count("pk", filter=closed)
    )
    keys = {key: "in_" + key.replace(".", "_") for key in CHILD_STATUS_GROUPS}
    # Each child once, however many of their families (or periods) in scope count them.
    c = count_distinct(
        [
            rows.annotate(**{keys[key]: _flag(q) for key, q in CHILD_STATUS_GROUPS.items()})
            for rows in _children_with_day(p)
        ],
        "person",
        list(keys.values()),
    )

    def n(key: str) -> int:
        return c[keys[key]]

    return {
        # A family's earlier periods count as the closed families they were.
        "families": family_counts["families"] + period_counts["periods"],
        "children": c["rows"],
        "closed": {
            "families": family_counts["closed"] + period_counts["closed"],
            "children": n("closed.children"),
        },
        "re_referred_within_12_months": n("re_referred_within_12_months"),
        "cp_while_open": {
            "children": n("cp_while_open.children"),
            "already_cp_at_start": n("cp_while_open.already_cp_at_start"),
            "stepped_up_from_cin": n("cp_while_open.stepped_up_from_cin"),
            "became_cp_after_start": n("cp_while_open.became_cp_after_start"),
            "still_cp": n("cp_while_open.still_cp"),
            "ended": {
                "children": n("cp_while_open.ended.children"),
                "to_cin": n("cp_while_open.ended.to_cin"),
                "to_early_help_or_none": n("cp_while_open.ended.to_early_help_or_none"),
                "to_cp": n("cp_while_open.ended.to_cp"),
                "stepped_up": n("cp_while_open.ended.stepped_up"),
            },
        },
        "entered_care": n("entered_care"),
        "repeat_cp_within_2_years": n("repeat_cp_within_2_years"),
    }


def child_status_members(p: ReportParameters, key: str) -> tuple[str, QuerySet[Any]] | None:
    if key in ("families", "closed.families"):
        closed = Q(closed_on__lte=p.as_of) if key == "closed.families" else Q()
        return "families", Family.objects.filter(
            Q(pk__in=families(p).filter(closed).values("pk"))
            | Q(pk__in=earlier_periods(p).filter(closed).values("family"))
        )
    if key == "children":
        return "children", children_counted(_memberships(_children_with_day(p)))
    if key in CHILD_STATUS_GROUPS:
        return "children", children_counted(
            _memberships([rows.filter(CHILD_STATUS_GROUPS[key]) for rows in _children_with_day(p)])
        )
    return None


# --- pathways -------------------------------------------------------------------------------


def _pathway_figures(p: ReportParameters) -> dict[str, Q]:
    allocated = Q(allocated_on__isnull=False, allocated_on__lte=p.as_of)
    closed = Q(closed_on__isnull=False, closed_on__lte=p.as_of)
    return {
        "referrals": Q(),
        "waiting": ~allocated & ~closed,
        "open": allocated & ~closed,
        "closed": closed,
        "previously_known.referrals": Q(previously_known=True),
        "previously_known.open": Q(previously_known=True) & allocated & ~closed,
    }


def pathways(p: ReportParameters) -> dict[str, Any]:
    scope = interventions(p)
    figures = _pathway_figures(p)
    keys = {key: key.replace(".", "__") for key in figures}
    # Annotated from a dict, so the type checker cannot know the rows' keys.
    rows: Iterable[Mapping[str, Any]] = (
        scope.order_by()
        .values("pathway__code")
        .annotate(**{keys[key]: Count("pk", filter=q) for key, q in figures.items()})
        .order_by("pathway__code")
    )
    medians = _median_days_to_allocation(p)
    data: dict[str, Any] = {}
    for row in rows:  # one row per pathway: at most five
        code = row["pathway__code"]
        data[code] = {
            "referrals": row["referrals"],
            "waiting": row["waiting"],
            "open": row["open"],
            "closed": row["closed"],
            "previously_known": {
                "referrals": row["previously_known__referrals"],
                "open": row["previously_known__open"],
            },
            "median_days_to_allocation": medians.get(code),
        }
    return data


def _median_days_to_allocation(p: ReportParameters) -> dict[str, int | float]:
    """The median of days from referral to allocation per pathway, as `statistics.median`.

    The database numbers each pathway's allocated referrals by their wait and returns only
    the middle one or two, so Python sees at most two rows per pathway."""
    allocated = (
        interventions(p)
        .filter(allocated_on__isnull=False, allocated_on__lte=p.as_of)
        .annotate(
            wait=ExpressionWrapper(
                F("allocated_on") - F("referred_on"), output_field=DurationField()
            ),
            position=Window(
                RowNumber(),
                partition_by=F("pathway_id"),
                order_by=[F("allocated_on") - F("referred_on"), F("pk")],
            ),
            of=Window(Count("pk"), partition_by=F("pathway_id")),
        )
    )
    middle = allocated.filter(
        position__gte=(F("of") + 1) / 2, position__lte=F("of") / 2 + 1
    ).values_list("pathway__code", "wait")
    waits: dict[str, list[int]] = {}
    for code, wait in middle:
        waits.setdefault(code, []).append(_days(wait))
    return {code: statistics.median(days) for code, days in waits.items()}


def _days(wait: datetime.timedelta | int) -> int:
    return wait.days if isinstance(wait, datetime.timedelta) else int(wait)


def pathways_members(p: ReportParameters, key: str) -> tuple[str, QuerySet[Any]] | None:
    code, _, figure = key.partition(".")
    figures = _pathway_figures(p)
    if figure not in figures:
        return None
    return "referrals", interventions(p).filter(figures[figure], pathway__code=code)


REPORTS: tuple[Report, ...] = (
    Report(
        name="engagement",
        title="Engagement",
        description="Adults approached and how many engaged, with the engagement rate.",
        compute=engagement,
        dimensions=ALL_DIMENSIONS,
        members=engagement_members,
    ),
    Report(
        name="step_down",
        title="Step down",
        description=("For each engaged family, its level of concern at the end against the start."),
        compute=step_down,
        dimensions=ALL_DIMENSIONS,
        members=step_down_members,
    ),
    Report(
        name="child_status",
        title="Children's status",
        description=(
            "Children of the families open in the period: closures, re-referrals, child "
            "protection plans, care, repeat plans."
        ),
        compute=child_status,
        dimensions=ALL_DIMENSIONS,
        members=child_status_members,
    ),
    Report(
        name="pathways",
        title="Pathways",
        description="Referrals to each specialist pathway: waiting, open, closed, time to start.",
        compute=pathways,
        dimensions=tuple(d for d in ALL_DIMENSIONS if d != "pathway"),
        members=pathways_members,
    ),
)
