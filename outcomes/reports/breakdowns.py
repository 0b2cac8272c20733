"""The groups a report can be broken down into: the values of a dimension present in scope."""

from django.db.models import Q

from accounts.models import Locality, SpecialistPathway, Team
from families.models import Person

from .base import (
    DIMENSIONS,
    ReportError,
    ReportParameters,
    earlier_periods,
    families,
    interventions,
    period_children,
)

QUARTER_OF_MONTH = {month: (month - 1) // 3 + 1 for month in range(1, 13)}


def dimension_values(by: str, p: ReportParameters) -> list[tuple[str, str]]:
    """(value, label) for each group of `by` with something in scope of `p`, in order.

    Groups come from the interventions and the families in scope together, so every report
    offers the same groups for the same parameters (a group may then count nothing)."""
    if by not in DIMENSIONS:
        raise ReportError(f"Unknown breakdown {by!r}: use one of {', '.join(DIMENSIONS)}.")
    scope_families = families(p)
    scope_periods = earlier_periods(p)  # a family's closed periods before a re-referral
    scope_referrals = interventions(p)
    if by in ("locality", "team"):
        model = Locality if by == "locality" else Team
        found = model.objects.filter(
            Q(pk__in=scope_families.values(by))
            | Q(pk__in=scope_periods.values(f"family__{by}"))
            | Q(pk__in=scope_referrals.values(f"family__{by}"))
        ).order_by("name")
        return [(str(row.pk), str(row)) for row in found]
    if by == "cohort":
        cohorts = (
            set(scope_families.values_list("cohort", flat=True).distinct())
            | set(scope_periods.values_list("family__cohort", flat=True).distinct())
            | set(scope_referrals.values_list("family__cohort", flat=True).distinct())
        )
        return [(cohort, cohort) for cohort in sorted(cohorts) if cohort]
    if by == "pathway":
        codes = set(scope_referrals.values_list("pathway__code", flat=True).distinct())
        return [(code, label) for code, label in SpecialistPathway.choices if code in codes]
    if by in ("month", "quarter"):
        months = (
            set(scope_referrals.dates("referred_on", "month"))
            | set(scope_families.dates("opened_on", "month"))
            | set(scope_periods.dates("opened_on", "month"))
        )
        if by == "month":
            return [(m.strftime("%Y-%m"), m.strftime("%B %Y")) for m in sorted(months)]
        quarters = sorted({(m.year, QUARTER_OF_MONTH[m.month]) for m in months})
        return [(f"{year}-Q{q}", f"{year} Q{q}") for year, q in quarters]
    # sex, ethnicity, disability: of the adults referred and of the children in scope.
    values = set(scope_referrals.values_list(f"person__{by}", flat=True).distinct()) | set(
        period_children(p)
        .filter(family__in=scope_families.values("pk"))
        .order_by()
        .values_list(f"person__{by}", flat=True)
        .distinct()
    )
    labels = {"sex": dict(Person.Sex.choices), "disability": dict(Person.Disability.choices)}
    named = labels.get(by, {})
    return [(value, named.get(value, value)) for value in sorted(v for v in values if v)]
