"""Rates side by side: each group's rate with its 95% interval, and whether a difference is
more than noise, said plainly (Newcombe's hybrid score interval for a difference of two
proportions, built from the two Wilson intervals)."""

import math
from dataclasses import dataclass
from typing import Any

from .reports import wilson
from .tables import Disclosure, disclosure

Fraction = tuple[int, int]


@dataclass(frozen=True)
class GroupRate:
    value: str
    label: str
    numerator: int
    denominator: int
    suppressed: bool
    # The numerator and denominator as the tables show them ("<5", "Suppressed", "12").
    numerator_text: str = ""
    denominator_text: str = ""

    @property
    def rate(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None

    @property
    def ci95(self) -> list[float] | None:
        return wilson(self.numerator, self.denominator)


@dataclass(frozen=True)
class Comparison:
    title: str
    groups: list[GroupRate]
    # One sentence per group after the first, comparing it with the first.
    sentences: list[str]


@dataclass(frozen=True)
class RateParts:
    """Where a rate's parts are in a report's data: the numerator's key, the keys summed for
    the denominator, and the key the denominator is suppressed by (its own, or the rate's
    "Out of" in the tables)."""

    numerator: str
    denominator: tuple[str, ...]
    denominator_key: str

    def fraction(self, data: dict[str, Any]) -> Fraction:
        return _dig(data, self.numerator), sum(_dig(data, part) for part in self.denominator)


def _dig(data: dict[str, Any], path: str) -> int:
    value: Any = data
    for part in path.split("."):
        value = value[part]
    return int(value)


def _parts(numerator: str, denominator: str) -> RateParts:
    return RateParts(numerator, (denominator,), denominator)


# The rates worth comparing between groups, for the spec's reports.
SPEC_RATES: dict[str, dict[str, RateParts]] = {
    "engagement": {
        "Engagement rate": RateParts(
            "engaged", ("engaged", "inconsistent", "not_engaged"), "engagement_rate.denominator"
        ),
    },
    "step_down": {
        "Cases stepped down": _parts("stepped_down.cases", "cases"),
        "Cases where concern increased": _parts("increased.cases", "cases"),
    },
    "child_status": {
        "Children on a child protection plan while open": _parts(
            "cp_while_open.children", "children"
        ),
        "Children who entered care": _parts("entered_care", "children"),
        "Children of closed cases re-referred within 12 months": _parts(
            "re_referred_within_12_months", "closed.children"
        ),
    },
}


def _rate_objects(data: dict[str, Any], prefix: str = "") -> dict[str, RateParts]:
    """Rates of the further measures, written {"numerator", "denominator", ...}."""
    found: dict[str, RateParts] = {}
    for key, value in data.items():
        if not isinstance(value, dict):
            continue
        if {"numerator", "denominator"} <= value.keys():
            title = (prefix + key).replace("_", " ").replace(".", ": ").capitalize()
            found[title] = _parts(f"{prefix}{key}.numerator", f"{prefix}{key}.denominator")
        elif not prefix:
            found.update(_rate_objects(value, prefix=f"{key}."))
    return found


def rates_of(report: str, data: dict[str, Any]) -> dict[str, RateParts]:
    return SPEC_RATES.get(report) or _rate_objects(data)


def _group_rate(group: dict[str, Any], parts: RateParts, hidden: Disclosure) -> GroupRate:
    """One group's rate, suppressed as the tables suppress its parts."""
    value = str(group["value"])
    numerator, denominator = parts.fraction(group["data"])
    return GroupRate(
        value=value,
        label=str(group["label"]),
        numerator=numerator,
        denominator=denominator,
        suppressed=hidden.hides(parts.numerator, value, numerator)
        or hidden.hides(parts.denominator_key, value, denominator),
        numerator_text=hidden.text(parts.numerator, value, numerator),
        denominator_text=hidden.text(parts.denominator_key, value, denominator),
    )


def difference_ci95(a: GroupRate, b: GroupRate) -> tuple[float, float, float] | None:
    """b's rate minus a's, with Newcombe's 95% interval (method 10); None without data."""
    if a.rate is None or b.rate is None or a.ci95 is None or b.ci95 is None:
        return None
    (a_low, a_high), (b_low, b_high) = a.ci95, b.ci95
    difference = b.rate - a.rate
    low = difference - math.sqrt((b.rate - b_low) ** 2 + (a_high - a.rate) ** 2)
    high = difference + math.sqrt((b_high - b.rate) ** 2 + (a.rate - a_low) ** 2)
    return difference, low, high


def _points(value: float) -> str:
    return f"{abs(value) * 100:.1f}"


def _percent(value: float) -> str:
    return f"{value * 100:.1f}%"


def sentence(title: str, a: GroupRate, b: GroupRate) -> str:
    """What a manager may say about the difference between two groups' rates."""
    if a.suppressed or b.suppressed:
        return (
            f"{title}: {b.label} and {a.label} are not compared, because one of them rests "
            "on a count too small to publish, or on one that would give such a count away."
        )
    found = difference_ci95(a, b)
    if found is None:
        return f"{title}: {b.label} and {a.label} cannot be compared: one has no cases."
    difference, low, high = found
    interval = f"95% interval {low * 100:+.1f} to {high * 100:+.1f} points"
    rates = f"{b.label} {_percent(b.rate or 0)}, {a.label} {_percent(a.rate or 0)}"
    if low <= 0 <= high:
        return (
            f"{title}: the difference ({rates}) is within noise: it could be chance alone "
            f"({interval})."
        )
    direction = "higher" if difference > 0 else "lower"
    return (
        f"{title}: {b.label} is {_points(difference)} points {direction} than {a.label} "
        f"({rates}; {interval}), more than chance alone would explain."
    )


def comparisons(result: dict[str, Any], *, suppress_below: int | None = None) -> list[Comparison]:
    """For a report broken down into groups: each comparable rate, group by group, with
    sentences comparing every group with the first. Empty without a breakdown."""
    groups = (result.get("breakdown") or {}).get("groups") or []
    if not groups:
        return []
    hidden = disclosure(result, suppress_below=suppress_below)
    found = []
    for title, parts in rates_of(result["report"], groups[0]["data"]).items():
        rates = [_group_rate(group, parts, hidden) for group in groups]
        first = rates[0]
        found.append(
            Comparison(
                title=title,
                groups=rates,
                sentences=[sentence(title, first, other) for other in rates[1:]],
            )
        )
    return found
