"""What every outcome report shares: its parameters, its scope, the ladder in SQL, Wilson.

The rules are those of `../shared/spec/outcome-reports.md` (kept in the README): `as_of`
hides everything dated after it, `--cohort` keeps families with that label, `--from`/`--to`
keep interventions by `referred_on` (families by `opened_on`), `--pathway` keeps
interventions of that pathway. An intervention belongs to the family named on it
(`referral.family`), and a family's children are its child members on the day a report
looks at (`Membership.objects.on(day)`). Every function here returns a QuerySet or an
expression, so the reports stay aggregates in the database.
"""

import datetime
import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from statistics import NormalDist
from typing import TYPE_CHECKING, Any, TypedDict, TypeVar

from django.db import connection
from django.db.models import (
    Case,
    DateField,
    DateTimeField,
    Exists,
    Expression,
    ExpressionWrapper,
    F,
    IntegerField,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import Combinable
from django.db.models.functions import Cast, Coalesce, Least
from django.utils import timezone

from accounts.models import SpecialistPathway
from dmt.parsing import DATE_MAX, DATE_MIN, parse_date
from families.models import (
    LEVEL_OF_STATUS,
    Family,
    InvolvementPeriod,
    Membership,
    MembershipQuerySet,
    Person,
    StatusEpisode,
    StatusEpisodeQuerySet,
)
from referrals.models import EngagementChange, Referral

# The z of a two-sided 95% interval, exactly (1.959963984540054), as the published figures use.
Z95 = NormalDist().inv_cdf(0.975)


class ReportError(ValueError):
    """A report that cannot be run as asked: the message is one line, fit to show a user."""


def wilson(successes: int, total: int) -> list[float] | None:
    """The Wilson score 95% interval of successes/total as [low, high]; None when total is 0."""
    if total == 0:
        return None
    p = successes / total
    z2 = Z95 * Z95
    denominator = 1 + z2 / total
    centre = (p + z2 / (2 * total)) / denominator
    half = Z95 * math.sqrt(p * (1 - p) / total + z2 / (4 * total * total)) / denominator
    # At 0/n and n/n the bound is exactly 0 or 1; floating point would leave 2.8e-17.
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == total else min(1.0, centre + half)
    return [low, high]


def rate(successes: int, total: int) -> float | None:
    return successes / total if total else None


def _parse_date(value: str | datetime.date | None, option: str) -> datetime.date | None:
    if value is None or value == "":
        return None
    day = parse_date(value.strip() if isinstance(value, str) else value)
    if day is None:
        raise ReportError(
            f"{option} must be a date written YYYY-MM-DD, from {DATE_MIN} to {DATE_MAX}, "
            f"not {value!r}."
        )
    return day


ModelT = TypeVar("ModelT", bound=Model)


@dataclass(frozen=True)
class ReportParameters:
    """Who and what a report covers. `where` narrows it to one group of a breakdown."""

    as_of: datetime.date
    pathway: str | None = None
    cohort: str | None = None
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    where: tuple[tuple[str, str], ...] = field(default=())

    @classmethod
    def parse(
        cls,
        *,
        as_of: str | datetime.date | None = None,
        pathway: str | None = None,
        cohort: str | None = None,
        date_from: str | datetime.date | None = None,
        date_to: str | datetime.date | None = None,
    ) -> "ReportParameters":
        """Parameters as typed (command line, form, stored run): one-line ReportError if bad."""
        day = _parse_date(as_of, "--as-of") or timezone.localdate()
        start = _parse_date(date_from, "--from")
        end = _parse_date(date_to, "--to")
        if start and end and start > end:
            raise ReportError("--from must not be after --to.")
        pathway = (pathway or "").strip() or None
        if pathway is not None and pathway not in SpecialistPathway.values:
            raise ReportError(
                f"Unknown pathway {pathway!r}: use one of {', '.join(SpecialistPathway.values)}."
            )
        cohort = (cohort or "").strip() or None
        return cls(as_of=day, pathway=pathway, cohort=cohort, date_from=start, date_to=end)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "ReportParameters":
        """The inverse of `as_json` (plus as_of), for a stored run."""
        return cls.parse(
            as_of=data.get("as_of"),
            pathway=data.get("pathway"),
            cohort=data.get("cohort"),
            date_from=data.get("from"),
            date_to=data.get("to"),
        )

    def as_json(self) -> dict[str, str | None]:
        return {
            "pathway": self.pathway,
            "cohort": self.cohort,
            "from": self.date_from.isoformat() if self.date_from else None,
            "to": self.date_to.isoformat() if self.date_to else None,
        }

    def narrowed(self, dimension: str, value: str) -> "ReportParameters":
        return replace(self, where=(*self.where, (dimension, value)))


@dataclass(frozen=True)
class Report:
    """One named report: how to compute its `data`, and which breakdowns it offers."""

    name: str
    title: str
    description: str
    compute: Callable[[ReportParameters], dict[str, Any]]
    dimensions: tuple[str, ...] = ()
    # Figures a user can open to see the cases behind them: key path -> (kind, QuerySet).
    members: Callable[[ReportParameters, str], "tuple[str, QuerySet[Any]] | None"] | None = None
    # Whether `pathway` narrows it to that pathway's interventions and their families. A report
    # of the whole service's staff or meetings is not, whatever pathway it is asked for.
    pathway_scoped: bool = True


# --- Breakdown dimensions -------------------------------------------------------------------
# Each narrows the three populations a report may count: interventions (referrals), families
# and children. A value is a string so that it travels through URLs, JSON and Celery alike.

DIMENSIONS: dict[str, str] = {
    "locality": "Locality",
    "team": "Team",
    "cohort": "Cohort",
    "pathway": "Pathway",
    "month": "Month",
    "quarter": "Quarter",
    "sex": "Sex",
    "ethnicity": "Ethnicity",
    "disability": "Disability",
}


def _period(value: str, dimension: str) -> tuple[datetime.date, datetime.date]:
    """The first and last day of "2023-04" (month) or "2023-Q2" (quarter)."""
    try:
        if dimension == "month":
            year, month = (int(part) for part in value.split("-"))
            first = datetime.date(year, month, 1)
            months = 1
        else:
            year_text, quarter_text = value.split("-Q")
            quarter = int(quarter_text)
            if not 1 <= quarter <= 4:
                raise ValueError
            first = datetime.date(int(year_text), 3 * quarter - 2, 1)
            months = 3
    except ValueError:
        raise ReportError(f"{value!r} is not a {dimension}.") from None
    month_after = first.month - 1 + months
    following = datetime.date(first.year + month_after // 12, month_after % 12 + 1, 1)
    return first, following - datetime.timedelta(days=1)


def _where(
    p: ReportParameters,
    *,
    family: str,
    person: str | None,
    dated: str,
    periods: bool = False,
) -> Q:
    """The breakdown filters of `p` for a population whose family is reached by `family`
    (a lookup prefix), whose person by `person` (the adult referred; None for families and
    periods of involvement, whose characteristic is that of any of their children) and whose
    date is `dated`. With `periods`, the rows are a family's earlier periods of involvement."""
    outer_family = OuterRef("family") if periods else OuterRef("pk")
    condition = Q()
    for dimension, value in p.where:
        if dimension in ("locality", "team"):
            condition &= Q(**{f"{family}{dimension}_id": value})
        elif dimension == "cohort":
            condition &= Q(**{f"{family}cohort": value})
        elif dimension == "pathway":
            if person is None:  # families: those with an intervention of that pathway
                condition &= Q(
                    Exists(
                        Referral.objects.filter(
                            family=outer_family, pathway__code=value, referred_on__lte=p.as_of
                        )
                    )
                )
            else:
                condition &= Q(pathway__code=value)
        elif dimension in ("month", "quarter"):
            first, last = _period(value, dimension)
            condition &= Q(**{f"{dated}__gte": first, f"{dated}__lte": last})
        elif dimension in ("sex", "ethnicity", "disability"):
            if person is None:  # families: any of their children (on the period's end) with it
                children = (
                    Membership.objects.children().on(Least(OuterRef("closed_on"), Value(p.as_of)))
                    if periods
                    else period_children(p)
                )
                condition &= Q(
                    Exists(children.filter(family=outer_family, **{f"person__{dimension}": value}))
                )
            else:
                condition &= Q(**{f"{person}{dimension}": value})
        else:
            raise ReportError(f"Unknown breakdown {dimension!r}.")
    return condition


# --- Populations ----------------------------------------------------------------------------


class EngagementAsOf(TypedDict):
    engagement_as_of: str


if TYPE_CHECKING:  # django-stubs-ext is a development dependency
    from django_stubs_ext import WithAnnotations

    Intervention = WithAnnotations[Referral, EngagementAsOf]


def interventions(p: ReportParameters) -> "QuerySet[Intervention, Intervention]":
    """The interventions (referrals) in scope, each with `engagement_as_of`: its engagement
    on `as_of` from its history, or its current engagement when it has none (an import)."""
    referrals = Referral.objects.filter(referred_on__lte=p.as_of)
    if p.cohort is not None:
        referrals = referrals.filter(family__cohort=p.cohort)
    if p.pathway is not None:
        referrals = referrals.filter(pathway__code=p.pathway)
    if p.date_from is not None:
        referrals = referrals.filter(referred_on__gte=p.date_from)
    if p.date_to is not None:
        referrals = referrals.filter(referred_on__lte=p.date_to)
    referrals = referrals.filter(
        _where(p, family="family__", person="person__", dated="referred_on")
    )
    engagement_then = Subquery(
        EngagementChange.objects.filter(referral=OuterRef("pk"), changed_on__lte=p.as_of)
        .order_by("-changed_on", "-pk")
        .values("engagement")[:1]
    )
    return referrals.annotate(engagement_as_of=Coalesce(engagement_then, F("engagement")))


def _opened_in_scope(
    found: QuerySet[ModelT], p: ReportParameters, *, periods: bool
) -> QuerySet[ModelT]:
    """`found` (families, or with `periods` their earlier periods of involvement) opened by
    `as_of`, in the cohort and date range, with a pathway's intervention by `as_of` when
    asked, and in the breakdown's group."""
    family = "family__" if periods else ""
    found = found.filter(opened_on__lte=p.as_of)
    if p.cohort is not None:
        found = found.filter(**{f"{family}cohort": p.cohort})
    if p.date_from is not None:
        found = found.filter(opened_on__gte=p.date_from)
    if p.date_to is not None:
        found = found.filter(opened_on__lte=p.date_to)
    if p.pathway is not None:
        found = found.filter(
            Exists(
                Referral.objects.filter(
                    family=OuterRef("family" if periods else "pk"),
                    pathway__code=p.pathway,
                    referred_on__lte=p.as_of,
                )
            )
        )
    return found.filter(_where(p, family=family, person=None, dated="opened_on", periods=periods))


def families(p: ReportParameters) -> QuerySet[Family]:
    """The families in scope for `child_status`: opened by `as_of`, in the cohort and date
    range, and (with a pathway) with an intervention of that pathway by `as_of`."""
    return _opened_in_scope(Family.objects.all(), p, periods=False)


def earlier_periods(p: ReportParameters) -> QuerySet[InvolvementPeriod]:
    """The earlier periods of involvement in scope for `child_status`: a family closed and
    referred again in DMT keeps each closed period (families.InvolvementPeriod), and each is
    in scope as a family with those dates would be (an imported family has none)."""
    return _opened_in_scope(InvolvementPeriod.objects.all(), p, periods=True)


def child_members(family_ids: QuerySet[Any], on: datetime.date | Combinable) -> MembershipQuerySet:
    """The child memberships of the families `family_ids` in force on `on`: a date, or an
    expression on the membership (its family's period end, a case's start day)."""
    return Membership.objects.children().on(on).filter(family__in=family_ids)


def children_of(family_ids: QuerySet[Any], on: datetime.date | Combinable) -> QuerySet[Person]:
    """The children of the families `family_ids` on `on`, each once however many of those
    families they belong to."""
    return Person.objects.filter(
        Exists(child_members(family_ids, on).filter(person=OuterRef("pk")))
    )


def period_end(p: ReportParameters, family: str = "") -> Case:
    """The last day of a family's period (the family reached by the lookup prefix `family`):
    its `closed_on` when on or before `as_of`, else `as_of`."""
    return Case(
        When(**{f"{family}closed_on__lte": p.as_of}, then=F(f"{family}closed_on")),
        default=Value(p.as_of),
        output_field=DateField(),
    )


def period_children(p: ReportParameters) -> MembershipQuerySet:
    """Child memberships in force on their family's period end: the children a report of
    families reads (`child_status`, and the measures built on families)."""
    # The day a family report looks at is the end of the family's period: as_of, or the
    # closing day of a family closed by then (nothing is recorded on a closed case after).
    return Membership.objects.children().on(period_end(p, "family__"))


def children_counted(memberships: QuerySet[Membership]) -> QuerySet[Person]:
    """The children behind a figure, one row per membership counted, `membership_id` naming
    it: a child counted in two families is listed with each, so a page shows each child with
    the family it was counted in, and the reader's right to that family decides."""
    return Person.objects.filter(memberships__in=memberships.values("pk")).annotate(
        membership_id=F("memberships")
    )


def episodes_seen(p: ReportParameters) -> StatusEpisodeQuerySet:
    """Status episodes as they stood on `as_of`: none that started after it."""
    return StatusEpisode.objects.filter(start_date__lte=p.as_of)


def level_on(episodes: StatusEpisodeQuerySet, day: Expression | F) -> Coalesce:
    """The highest level among `episodes` covering `day`, or 0: for a child, its level; for
    a family's children, the family's level."""
    highest = (
        episodes.covering(day)
        .annotate(status_level=LEVEL_OF_STATUS)
        .order_by("-status_level")
        .values("status_level")
    )[:1]
    return Coalesce(Subquery(highest, output_field=IntegerField()), Value(0))


def days_after(day: Any, days: int) -> Cast:
    """`day` (a field, annotation or outer reference) plus `days`, as a date, on PostgreSQL
    and SQLite alike (SQLite's date arithmetic would otherwise give a timestamp string)."""
    return Cast(
        ExpressionWrapper(day + datetime.timedelta(days=days), output_field=DateTimeField()),
        DateField(),
    )


def count_distinct(
    rows: QuerySet[Any] | list[QuerySet[Any]], key: str, flags: list[str]
) -> dict[str, int]:
    """The distinct values of column `key` of `rows` (as "rows"), and for each named flag
    column (an annotation of 0 or 1), the distinct `key`s of the rows where it is 1: e.g. the
    children of rows that are child memberships, each counted once. `rows` may be several
    querysets with the same columns, counted together. One query: the row query
    as a derived table, grouped by `key` (each flag its highest), then summed.

    Django folds conditional aggregates over subquery annotations back into a single level,
    which PostgreSQL rejects; the explicit derived table works the same on every backend, and
    the grouping keeps PostgreSQL from computing each row's subqueries once per figure.
    """
    parts = [
        part.order_by().values(*flags, report_key=F(key)).query.sql_with_params()
        for part in (rows if isinstance(rows, list) else [rows])
    ]
    sql = " UNION ALL ".join(f"SELECT * FROM ({part_sql}) AS report_part" for part_sql, _ in parts)
    params = tuple(param for _, part_params in parts for param in part_params)
    quote = connection.ops.quote_name
    highest = "".join(f", MAX({quote(flag)}) AS {quote(flag)}" for flag in flags)
    sums = "".join(f", COALESCE(SUM({quote(flag)}), 0)" for flag in flags)
    counted = quote("report_key")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*){sums} FROM (SELECT {counted}{highest}"  # noqa: S608
            f" FROM ({sql}) AS report_rows GROUP BY {counted}) AS report_keys",
            params,
        )
        total, *totals = cursor.fetchone()
    return {"rows": int(total), **{f: int(t) for f, t in zip(flags, totals, strict=True)}}
