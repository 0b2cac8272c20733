"""A computed outcome report as labelled tables for people: the dashboards and the exports.

`tables_for(result, suppress_below=...)` turns the JSON-able dict of `outcomes.reports.compute`
into a list of `Table`s. It knows the spec's reports (`../shared/spec/outcome-reports.md`)
only through LABELS and RATE_PARTS; anything else renders by shape:

- an int is a count, a float (or an int whose key names a mean, median or average) is a
  measure, a string is text;
- a nested dict is flattened, its labels joined by " – " ("Stepped down – Closed – Cases");
- a rate is a float key ending `_rate` (or with a `<key>_ci95` sibling), or a rate object
  `{"numerator", "denominator", "rate", "ci95"}`;
- a list of dicts is a table of its own, one row per dict (a row may itself be a rate);
- record ids (`id`, `*_id`) are left out: they are for links, in the result itself;
- the `pathways` report is one table with a row per pathway; a `breakdown` adds a table with
  a row per group.

Statistical disclosure control, decided once for a result by `disclosure(result,
suppress_below=N)` and followed by every table, chart, comparison, export and drill-down:

- primary: a count below N (0 included) shows "<N";
- secondary: a count that would let a hidden count be worked out by subtraction from a shown
  total (a row total, ADDS_UP; a breakdown's groups against the whole; a list's rows against
  the figure they add up to) shows "Suppressed", the smallest first, until no hidden count
  can be told exactly, knowing that "<N" means 0 to N-1 and "Suppressed" N or more;
- a rate whose numerator or denominator is hidden (or cannot be told) shows "Suppressed", and
  so does a mean or median whose n is.

A suppressed cell never carries the true figure (`value` is None). `suppress_below=None`
shows everything.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeGuard

from django.conf import settings

from accounts.models import Role, SpecialistPathway

# Every key of the spec's reports, and of the rate object, in words for people.
SPEC_LABELS: dict[str, str] = {
    # engagement
    "approached": "Approached",
    "engaged": "Engaged",
    "inconsistent": "Inconsistent",
    "not_engaged": "Not engaged",
    "new": "New",
    "engagement_rate": "Engagement rate",
    "engagement_rate_ci95": "Engagement rate 95% interval",
    "children": "Children",
    # step_down
    "cases": "Cases",
    "stepped_down": "Stepped down",
    "closed": "Closed",
    "same": "Same level",
    "increased": "Increased",
    # child_status
    "families": "Families",
    "re_referred_within_12_months": "Re-referred within 12 months",
    "cp_while_open": "On a CP plan while open",
    "already_cp_at_start": "Already on a CP plan at start",
    "stepped_up_from_cin": "Stepped up from CIN",
    "became_cp_after_start": "Became CP after start",
    "still_cp": "Still on a CP plan",
    "ended": "Plan ended",
    "to_cin": "To CIN",
    "to_early_help_or_none": "To early help or none",
    "to_cp": "To CP",
    "stepped_up": "Stepped up",
    "entered_care": "Entered care",
    "repeat_cp_within_2_years": "Repeat CP plan within 2 years",
    # pathways
    "referrals": "Referrals",
    "waiting": "Waiting",
    "open": "Open",
    "previously_known": "Previously known",
    "median_days_to_allocation": "Median days to allocation",
    "allocated": "Allocated",
    # the rate object and means
    "numerator": "Number",
    "denominator": "Out of",
    "rate": "Rate",
    "ci95": "95% interval",
    "n": "Base (n)",
    "mean_first": "Mean first score",
    "mean_latest": "Mean latest score",
    "mean_change": "Mean change",
    "phq9": "PHQ-9",
    "gad7": "GAD-7",
    "per_10000": "Per 10,000 children",
}

LABELS: dict[str, str] = {
    **SPEC_LABELS,
    **{choice.value: str(choice.label) for choice in SpecialistPathway},
}

# A rate given as a bare float: its numerator key and the keys summed for its denominator,
# all siblings of the rate in the same dict. A rate not listed here (and not in the rate
# object form) cannot be checked, so it is suppressed whenever suppression is on.
RATE_PARTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "engagement_rate": ("engaged", ("engaged", "inconsistent", "not_engaged")),
}


def _allocated(siblings: Mapping[str, Any]) -> tuple[int | None, str | None]:
    """How many referrals a median of days to allocation is over: "allocated" when the report
    gives it, else at most referrals - waiting (closed ones may never have been allocated)."""
    if isinstance(siblings.get("allocated"), int):
        return siblings["allocated"], "allocated"
    referrals, waiting = siblings.get("referrals"), siblings.get("waiting")
    if isinstance(referrals, int) and isinstance(waiting, int):
        return referrals - waiting, None
    return None, None


# The n of a mean or median without an "n" sibling, from its siblings, and the sibling it is
# (whose suppression hides the measure too), when it is one.
MEASURE_N: dict[str, Callable[[Mapping[str, Any]], tuple[int | None, str | None]]] = {
    "median_days_to_allocation": _allocated,
    # At most the children counted: it hides a rate that would give away a hidden count.
    "per_10000": lambda siblings: (siblings.get("children_on_cp"), "children_on_cp"),
}

JOIN = " – "
BLANK = "–"
SUPPRESSED = "Suppressed"
_MEASURE_WORDS = re.compile(r"(^|_)(mean|median|average|avg)(_|$)")
_LONG_COLUMNS = ("Number", "Out of", "Rate", "95% interval")
_RATE_OBJECT_KEYS = ("numerator", "denominator", "rate", "ci95")


def suppress_threshold() -> int:
    """The threshold people's views use (settings.OUTCOMES_SUPPRESS_BELOW), read now."""
    return int(getattr(settings, "OUTCOMES_SUPPRESS_BELOW", 5))


def label(key: str | int) -> str:
    """A key in words: LABELS, else "snake_case" -> "Snake case"; other text as it is."""
    text = str(key)
    if text in LABELS:
        return LABELS[text]
    if re.fullmatch(r"[a-z0-9_]+", text):
        return text.replace("_", " ").capitalize()
    return text


@dataclass(frozen=True)
class Cell:
    """One cell. `numeric` marks a figure (align it right); `value` is the number (or
    [low, high] for an interval) and None when suppressed or missing; `display` is the text
    to show; `key` is the figure's dotted path in `data` (None for labels)."""

    value: int | float | str | list[float] | None
    display: str
    numeric: bool = False
    key: str | None = None
    suppressed: bool = False
    # "label", "text", "count", "measure", "rate", "interval" or "blank"
    kind: str = "text"

    @property
    def is_number(self) -> bool:
        """Whether `value` is a number to write as a number (an export's cell)."""
        return self.number is not None

    @property
    def number(self) -> int | float | None:
        """`value` when it is a number to write as a number, else None."""
        value = self.value
        if self.suppressed or isinstance(value, bool) or not isinstance(value, int | float):
            return None
        return value


@dataclass(frozen=True)
class Table:
    """A titled table. `keys[i]` is the dotted path in `data` of row i's figure (a pathway's
    code, a list row's "by_team.0"), or None. A breakdown table's rows are groups: then
    `group_by` is the dimension and `group_values[i]` row i's group value, and its cells'
    keys are paths within that group's data."""

    title: str
    columns: list[str]
    rows: list[list[Cell]]
    keys: list[str | None]
    group_by: str | None = None
    group_values: list[str | None] = field(default_factory=list)


# --- Cells ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Rules:
    """What to hide in one part of a result (the whole report, or one group of its breakdown):
    counts below `t`, and the counts of `secondary` by key. Without `t`, nothing."""

    t: int | None = None
    secondary: frozenset[str] = frozenset()

    def hides(self, value: Any, key: str | None) -> bool:
        """Whether a count (a rate's part, a mean's n) is hidden: below the threshold, hidden
        as a secondary, or not a count at all."""
        if self.t is None:
            return False
        return not _is_int(value) or value < self.t or (key is not None and key in self.secondary)


_SHOW_ALL = _Rules()


def _blank() -> Cell:
    return Cell(None, "", kind="blank")


def _label_cell(text: Any) -> Cell:
    text = "" if text is None else str(text)
    return Cell(text, text, kind="label")


def _count(value: int, key: str | None, r: _Rules) -> Cell:
    if r.t is not None and value < r.t:
        return Cell(None, f"<{r.t}", True, key, True, "count")
    if r.t is not None and key is not None and key in r.secondary:
        return Cell(None, SUPPRESSED, True, key, True, "count")
    return Cell(value, f"{value:,}", True, key, False, "count")


def _format_measure(value: float) -> str:
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.1f}"


def _measure(value: Any, key: str, n: int | None, n_key: str | None, r: _Rules) -> Cell:
    if n is not None and r.hides(n, n_key):
        return Cell(None, SUPPRESSED, True, key, True, "measure")
    if value is None:
        return Cell(None, BLANK, True, key, False, "measure")
    return Cell(value, _format_measure(value), True, key, False, "measure")


def _percent(value: float) -> str:
    return f"{value * 100:.1f}%"


def _rate_cells(
    value: Any, ci: Any, key: str, ci_key: str | None, suppressed: bool
) -> tuple[Cell, Cell]:
    if suppressed:
        return (
            Cell(None, SUPPRESSED, True, key, True, "rate"),
            Cell(None, SUPPRESSED, True, ci_key, True, "interval"),
        )
    rate = (
        Cell(value, _percent(value), True, key, False, "rate")
        if isinstance(value, int | float)
        else Cell(None, BLANK, True, key, False, "rate")
    )
    if (
        isinstance(ci, list | tuple)
        and len(ci) == 2
        and all(isinstance(x, int | float) for x in ci)
    ):
        interval = Cell(
            [ci[0], ci[1]],
            f"{_percent(ci[0])} to {_percent(ci[1])}",
            True,
            ci_key,
            False,
            "interval",
        )
    else:
        interval = Cell(None, BLANK, True, ci_key, False, "interval")
    return rate, interval


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


# --- Figures: what a dict of data holds, flattened --------------------------------------------


@dataclass
class _Figure:
    key: str  # full dotted path
    rel: str  # path relative to the entity (row) it belongs to
    labels: tuple[str, ...]
    # (long-form column, wide-form suffix: "" for the main column, None to leave out, Cell)
    cells: list[tuple[str, str | None, Cell]]

    @property
    def label(self) -> str:
        return JOIN.join(self.labels)


@dataclass
class _Collected:
    figures: list[_Figure] = field(default_factory=list)
    # (key, labels, rows): lists of dicts, each a table of its own
    lists: list[tuple[str, tuple[str, ...], list[dict[str, Any]]]] = field(default_factory=list)


def _join(path: str, key: Any) -> str:
    return f"{path}.{key}" if path else str(key)


def _relative(path: str, base: str) -> str:
    if not base:
        return path
    return "" if path == base else path[len(base) + 1 :]


def _is_rate_object(value: Any) -> bool:
    return isinstance(value, dict) and {"numerator", "denominator", "rate"} <= value.keys()


def _is_measure_key(key: str) -> bool:
    return bool(_MEASURE_WORDS.search(key))


def _is_scalar_rate(key: str, value: Any, siblings: Mapping[str, Any]) -> bool:
    if not (value is None or isinstance(value, int | float)) or isinstance(value, bool):
        return False
    if _is_measure_key(key):
        return False
    return key in RATE_PARTS or key == "rate" or key.endswith("_rate") or f"{key}_ci95" in siblings


def _is_identifier(key: str) -> bool:
    """A record's id ("team_id"), there for links, not a figure: left out of tables."""
    return key == "id" or key.endswith("_id")


def _is_consumed_interval(key: str, siblings: Mapping[str, Any]) -> bool:
    if key == "ci95":
        return "rate" in siblings
    return key.endswith("_ci95") and key[: -len("_ci95")] in siblings


def _collect(
    data: Mapping[str, Any], path: str, base: str, labels: tuple[str, ...], r: _Rules
) -> _Collected:
    """The figures of `data` (at `path` in the result's data; `base` is the entity's own path,
    which column identities are relative to)."""
    out = _Collected()
    is_rate = _is_rate_object(data)  # a row that is a rate, as {"role": ..., "rate": ...}
    for raw_key, value in data.items():
        key = str(raw_key)
        full = _join(path, key)
        rel = _relative(full, base)
        here = (*labels, label(key))
        if is_rate and key in _RATE_OBJECT_KEYS:
            if key == "rate":
                own = _relative(path, base)
                out.figures.append(_rate_object_figure(data, path, own, labels, r))
            continue
        if _is_identifier(key) or _is_consumed_interval(key, data):
            continue
        if _is_rate_object(value):
            out.figures.append(_rate_object_figure(value, full, rel, here, r))
        elif _is_scalar_rate(key, value, data):
            out.figures.append(_scalar_rate_figure(key, value, data, path, full, rel, here, r))
        elif isinstance(value, dict):
            inner = _collect(value, full, base, here, r)
            out.figures.extend(inner.figures)
            out.lists.extend(inner.lists)
        elif isinstance(value, list | tuple):
            if value and all(isinstance(item, dict) for item in value):
                out.lists.append((full, here, list(value)))
            else:
                for index, item in enumerate(value):
                    inner = _collect({str(index): item}, full, base, labels, r)
                    for figure in inner.figures:
                        figure.labels = (*here, str(index + 1))
                    out.figures.extend(inner.figures)
                    out.lists.extend(inner.lists)
        else:
            cell = _scalar(key, value, data, path, full, r)
            out.figures.append(_Figure(full, rel, here, [("Number", "", cell)]))
    return out


def _scalar(
    key: str, value: Any, siblings: Mapping[str, Any], path: str, full: str, r: _Rules
) -> Cell:
    if isinstance(value, bool):
        text = "Yes" if value else "No"
        return Cell(text, text, False, full, False, "text")
    if isinstance(value, str):
        return Cell(value, value, False, full, False, "text")
    if _is_int(value) and not _is_measure_key(key):
        return _count(value, full, r)
    if isinstance(value, int | float) or (value is None and _is_measure_key(key)):
        n = siblings.get("n") if key != "n" else None
        n_key: str | None = _join(path, "n")
        if not _is_int(n):
            n, n_name = MEASURE_N[key](siblings) if key in MEASURE_N else (None, None)
            n_key = _join(path, n_name) if n_name else None
        return _measure(value, full, n, n_key, r)
    if value is None:
        return Cell(None, BLANK, False, full, False, "text")
    return Cell(str(value), str(value), False, full, False, "text")


def _rate_object_figure(
    value: Mapping[str, Any], full: str, rel: str, labels: tuple[str, ...], r: _Rules
) -> _Figure:
    numerator, denominator = value.get("numerator"), value.get("denominator")
    num_key, den_key = _join(full, "numerator"), _join(full, "denominator")
    num_cell = _part_cell(numerator, num_key, r)
    den_cell = _part_cell(denominator, den_key, r)
    suppressed = r.hides(numerator, num_key) or r.hides(denominator, den_key)
    rate, interval = _rate_cells(
        value.get("rate"), value.get("ci95"), _join(full, "rate"), _join(full, "ci95"), suppressed
    )
    return _Figure(
        full,
        rel,
        labels,
        [
            ("Number", "Number", num_cell),
            ("Out of", "Out of", den_cell),
            ("Rate", "Rate", rate),
            ("95% interval", "95% interval", interval),
        ],
    )


def _part_cell(value: Any, key: str | None, r: _Rules) -> Cell:
    if _is_int(value):
        return _count(value, key, r)
    return Cell(None, BLANK, True, key, False, "count")


def _scalar_rate_figure(
    key: str,
    value: Any,
    siblings: Mapping[str, Any],
    path: str,
    full: str,
    rel: str,
    labels: tuple[str, ...],
    r: _Rules,
) -> _Figure:
    ci_key = f"{key}_ci95"
    parts = RATE_PARTS.get(key)
    numerator: Any = None
    denominator: Any = None
    num_key: str | None = None
    if parts is not None:
        num_name, den_names = parts
        numerator = siblings.get(num_name)
        num_key = _join(path, num_name) if num_name in siblings else None
        den_values = [siblings.get(name) for name in den_names]
        if all(_is_int(part) for part in den_values):
            denominator = sum(den_values)
    # The denominator is a figure of its own (the table's "Out of"), though not in the data.
    den_key = _join(full, "denominator")
    suppressed = r.hides(numerator, num_key) or r.hides(denominator, den_key)
    rate, interval = _rate_cells(
        value,
        siblings.get(ci_key),
        full,
        _join(path, ci_key) if ci_key in siblings else None,
        suppressed,
    )
    cells: list[tuple[str, str | None, Cell]] = []
    if parts is not None:
        cells.append(("Number", None, _part_cell(numerator, num_key, r)))
        cells.append(("Out of", None, _part_cell(denominator, den_key, r)))
    cells += [("Rate", "", rate), ("95% interval", "95% interval", interval)]
    return _Figure(full, rel, labels, cells)


# --- Tables -----------------------------------------------------------------------------------


def _figure_table(title: str, figures: list[_Figure]) -> Table:
    """Long form: a row per figure, with Number and, when any figure is a rate, Out of, Rate
    and 95% interval."""
    used = {column for figure in figures for column, _, _ in figure.cells}
    columns = [column for column in _LONG_COLUMNS if column in used] or ["Number"]
    rows = []
    for figure in figures:
        by_column = {column: cell for column, _, cell in figure.cells}
        row_label = figure.label or "All"
        rows.append([_label_cell(row_label)] + [by_column.get(c, _blank()) for c in columns])
    return Table(title, ["Figure", *columns], rows, [figure.key for figure in figures])


# What a wide table's row is made from: leading cells, figures, row key and group value.
_Entity = tuple[list[Cell], list[_Figure], str | None, str | None]


def _wide_table(
    title: str,
    leading: list[str],
    entities: list[_Entity],
    *,
    group_by: str | None = None,
) -> Table:
    """Wide form: a row per entity (leading cells, figures, row key, group value), a column
    per figure met in any entity, in the order first met."""
    order: dict[tuple[str, str], str] = {}
    for _, figures, _, _ in entities:
        for figure in figures:
            for _, suffix, _ in figure.cells:
                if suffix is None:
                    continue
                column = JOIN.join(part for part in (figure.label, suffix) if part)
                order.setdefault((figure.rel, suffix), column)
    # A figure missing from some rows (null there, a dict elsewhere) keeps only its parts.
    for rel, suffix in list(order):
        if suffix == "" and any(other.startswith(f"{rel}.") for other, _ in order):
            del order[(rel, suffix)]
    rows = []
    for lead, figures, _, _ in entities:
        found = {
            (figure.rel, suffix): cell
            for figure in figures
            for _, suffix, cell in figure.cells
            if suffix is not None
        }
        rows.append([*lead, *(found.get(identity, _blank()) for identity in order)])
    return Table(
        title,
        [*leading, *order.values()],
        rows,
        [key for _, _, key, _ in entities],
        group_by=group_by,
        group_values=[group for _, _, _, group in entities] if group_by else [],
    )


def _row_entities(
    key: str, rows: list[dict[str, Any]], r: _Rules, lead: list[Cell], group: str | None
) -> list[_Entity]:
    entities: list[_Entity] = []
    for index, row in enumerate(rows):
        row_key = _join(key, index)
        figures = _collect(row, row_key, row_key, (), r).figures  # lists within rows: left out
        entities.append((lead, figures, row_key, group))
    return entities


def _list_table(title: str, key: str, rows: list[dict[str, Any]], r: _Rules) -> Table:
    return _wide_table(title, [], _row_entities(key, rows, r, [], None))


def _is_pathways(result: Mapping[str, Any], data: Any) -> bool:
    if result.get("report") == "pathways":
        return isinstance(data, dict)
    return (
        isinstance(data, dict)
        and bool(data)
        and all(k in SpecialistPathway.values and isinstance(v, dict) for k, v in data.items())
    )


def _pathways_table(title: str, data: Mapping[str, Any], r: _Rules) -> Table:
    entities: list[_Entity] = [
        ([_label_cell(label(code))], _collect(figures, code, code, (), r).figures, code, None)
        for code, figures in data.items()
        if isinstance(figures, dict)
    ]
    return _wide_table(title, ["Pathway"], entities)


def report_title(name: str) -> str:
    from outcomes.reports import REPORTS  # late: the registry imports every report

    report = REPORTS.get(name)
    return report.title if report is not None else label(name)


def tables_for(result: Mapping[str, Any], *, suppress_below: int | None) -> list[Table]:
    """The tables of a computed report (see the module's docstring)."""
    return _tables(result, disclosure(result, suppress_below=suppress_below))


def _tables(result: Mapping[str, Any], found: Disclosure) -> list[Table]:
    title = report_title(str(result.get("report", "")))
    data = result.get("data") or {}
    whole = found.rules()
    tables: list[Table] = []
    if _is_pathways(result, data):
        tables.append(_pathways_table(title, data, whole))
    else:
        collected = _collect(data, "", "", (), whole)
        if collected.figures or not collected.lists:
            tables.append(_figure_table(title, collected.figures))
        for key, labels, rows in collected.lists:
            tables.append(_list_table(JOIN.join(labels), key, rows, whole))

    breakdown = result.get("breakdown")
    if breakdown:
        tables.extend(_breakdown_tables(title, breakdown, found))
    return tables


def _breakdown_tables(title: str, breakdown: Mapping[str, Any], found: Disclosure) -> list[Table]:
    by = breakdown.get("by")
    by_label = str(breakdown.get("label") or label(by or ""))
    groups = breakdown.get("groups") or []
    entities: list[_Entity] = []
    lists: dict[str, tuple[tuple[str, ...], list[_Entity]]] = {}
    for group in groups:
        lead = [_label_cell(group.get("label", group.get("value")))]
        value = group.get("value")
        r = found.rules(_group_of(value))
        collected = _collect(group.get("data") or {}, "", "", (), r)
        entities.append((lead, collected.figures, None, value))
        for key, labels, rows in collected.lists:
            lists.setdefault(key, (labels, []))[1].extend(_row_entities(key, rows, r, lead, value))
    tables = [_wide_table(f"{title} by {by_label.lower()}", [by_label], entities, group_by=by)]
    for labels, list_entities in lists.values():
        tables.append(
            _wide_table(
                f"{JOIN.join(labels)} by {by_label.lower()}",
                [by_label],
                list_entities,
                group_by=by,
            )
        )
    return tables


# --- Disclosure control -------------------------------------------------------------------------

# A count of a result: the group of its breakdown it belongs to (None for the whole report),
# and its key there.
Figure = tuple[str | None, str]
# A total and the counts that add up to it.
Relation = tuple[Figure, tuple[Figure, ...]]
# The same, by key within one part of a result.
Sum = tuple[str, tuple[str, ...]]

# Counts of a report that add up to another of its counts, as (total, parts), by key relative
# to what they describe (the whole report, one group, one pathway's row). Where a total is
# the sum of two others listed, that sum is listed too: each total is checked on its own.
ADDS_UP: dict[str, tuple[Sum, ...]] = {
    "engagement": (
        # Those decided first: what they force hidden may spare the total.
        ("engagement_rate.denominator", ("engaged", "inconsistent", "not_engaged")),
        ("approached", ("engaged", "inconsistent", "not_engaged", "new")),
        ("approached", ("engagement_rate.denominator", "new")),
    ),
    "step_down": (
        ("cases", ("stepped_down.cases", "same.cases", "increased.cases")),
        ("children", ("stepped_down.children", "same.children", "increased.children")),
    ),
    "child_status": (
        (
            "cp_while_open.children",
            (
                "cp_while_open.already_cp_at_start",
                "cp_while_open.stepped_up_from_cin",
                "cp_while_open.became_cp_after_start",
            ),
        ),
        ("cp_while_open.children", ("cp_while_open.still_cp", "cp_while_open.ended.children")),
        (
            "cp_while_open.ended.children",
            (
                "cp_while_open.ended.to_cin",
                "cp_while_open.ended.to_early_help_or_none",
                "cp_while_open.ended.to_cp",
                "cp_while_open.ended.stepped_up",
            ),
        ),
    ),
    "pathways": (("referrals", ("waiting", "open", "closed")),),
}


def _team_before_and_after(data: Mapping[str, Any], counts: Mapping[str, int]) -> Iterator[Sum]:
    """father_inclusion: a team's children before its training and after add up to the
    team's row of `by_team`."""
    teams = {row.get("team_id"): i for i, row in enumerate(data.get("by_team") or [])}
    for j, row in enumerate(data.get("before_after_training") or []):
        i = teams.get(row.get("team_id"))
        if i is None:
            continue
        before = f"before_after_training.{j}.before."
        for key in counts:
            if key.startswith(before):
                rel = key[len(before) :]
                after = f"before_after_training.{j}.after.{rel}"
                yield f"by_team.{i}.{rel}", (key, after) if after in counts else (key,)


_SOCIAL_CARE_ROLES = {str(role.label) for role in (Role.SOCIAL_WORKER, Role.TEAM_MANAGER)} | {
    str(Role.SERVICE_MANAGER.label)
}


def _staff_by_role(data: Mapping[str, Any], counts: Mapping[str, int]) -> Iterator[Sum]:
    """mi_training: the social care roles' rows add up to social care, the specialists' row
    to specialists."""
    rows = list(enumerate(data.get("by_role") or []))
    for total, roles in (
        ("social_care", _SOCIAL_CARE_ROLES),
        ("specialists", {str(Role.SPECIALIST.label)}),
    ):
        for part in ("numerator", "denominator"):
            keys = tuple(f"by_role.{i}.{part}" for i, row in rows if row.get("role") in roles)
            yield f"{total}.{part}", tuple(key for key in keys if key in counts)


# Further sums of a report that ADDS_UP cannot say: (data, its counts) -> (total, parts).
ADDS_UP_ALSO: dict[str, Callable[[Mapping[str, Any], Mapping[str, int]], Iterator[Sum]]] = {
    "father_inclusion": _team_before_and_after,
    "mi_training": _staff_by_role,
}


@dataclass
class _Counts:
    """The counts of one part of a result, by key, and where its lists' rows are."""

    counts: dict[str, int] = field(default_factory=dict)
    # (list key, row key, row identity) of each row of each list, in order.
    rows: list[tuple[str, str, str]] = field(default_factory=list)
    # A count in a list's row: its key -> (list key, row identity, key within the row).
    in_row: dict[str, tuple[str, str, str]] = field(default_factory=dict)
    # The counts each rate rests on (its numerator and denominator), by key.
    rates: list[tuple[str, ...]] = field(default_factory=list)


def _row_identity(row: Mapping[str, Any]) -> str:
    """What a list's row is about, the same in every group: its record ids, else its text."""
    ids = [(key, row[key]) for key in sorted(row) if _is_identifier(str(key))]
    if ids:
        return repr(ids)
    return repr([value for value in row.values() if isinstance(value, str)])


def _counts_of(data: Mapping[str, Any]) -> _Counts:
    """Every count the tables would show of `data`, by the key its cell carries."""
    found = _Counts()

    def take(figures: list[_Figure], row: tuple[str, str, str] | None = None) -> None:
        for figure in figures:
            if any(cell.kind == "rate" for _, _, cell in figure.cells):
                found.rates.append(
                    tuple(
                        cell.key
                        for _, _, cell in figure.cells
                        if cell.kind == "count" and cell.key and _is_int(cell.value)
                    )
                )
            for _, _, cell in figure.cells:
                if cell.kind == "count" and cell.key and _is_int(cell.value):
                    found.counts[cell.key] = cell.value
                    if row is not None:
                        list_key, row_key, identity = row
                        found.in_row[cell.key] = (
                            list_key,
                            identity,
                            _relative(cell.key, row_key),
                        )

    collected = _collect(data, "", "", (), _SHOW_ALL)
    take(collected.figures)
    for list_key, _, rows in collected.lists:
        for index, row in enumerate(rows):
            row_key = _join(list_key, index)
            identity = _row_identity(row)
            found.rows.append((list_key, row_key, identity))
            take(
                _collect(row, row_key, row_key, (), _SHOW_ALL).figures,
                (list_key, row_key, identity),
            )
    return found


def _sums_within(report: str, data: Mapping[str, Any], part: _Counts) -> Iterator[Sum]:
    """(total, parts) by key within one part of a result: its report's own sums, and each
    list's rows against the figure of the same name beside the list."""
    counts = part.counts
    for total, parts in ADDS_UP.get(report, ()):
        for key in counts:
            if key == total or key.endswith(f".{total}"):
                prefix = key[: len(key) - len(total)]
                named = tuple(prefix + name for name in parts)
                if all(name in counts for name in named):
                    yield key, named
    also = ADDS_UP_ALSO.get(report)
    if also is not None:
        yield from also(data, counts)
    by_list: dict[tuple[str, str], list[str]] = defaultdict(list)
    for key, (list_key, _, rel) in part.in_row.items():
        by_list[(list_key, rel)].append(key)
    for (list_key, rel), keys in by_list.items():
        total = _join(list_key.rpartition(".")[0], rel)
        if total in counts:
            yield total, tuple(keys)


def _group_of(value: Any) -> str:
    return str(value)


def _relations(result: Mapping[str, Any], parts: dict[str | None, _Counts]) -> list[Relation]:
    report = str(result.get("report", ""))
    datas: dict[str | None, Mapping[str, Any]] = {None: result.get("data") or {}}
    for group in (result.get("breakdown") or {}).get("groups") or []:
        datas[_group_of(group.get("value"))] = group.get("data") or {}
    relations: list[Relation] = []
    for group, part in parts.items():
        for total, keys in _sums_within(report, datas[group], part):
            if total in part.counts and keys:
                relations.append(((group, total), tuple((group, key) for key in keys)))
    # A breakdown's groups add up to the whole (taken so even where a family can fall in two
    # groups or none: hiding too much is safe, too little is not).
    whole = parts[None]
    groups = [group for group in parts if group is not None]
    row_keys = {
        group: {(list_key, identity): row_key for list_key, row_key, identity in parts[group].rows}
        for group in groups
    }
    for key in whole.counts:
        members: list[Figure] = []
        for group in groups:
            if key in whole.in_row:
                list_key, identity, rel = whole.in_row[key]
                row_key = row_keys[group].get((list_key, identity))
                found = _join(row_key, rel) if row_key is not None else None
            else:
                found = key
            if found is not None and found in parts[group].counts:
                members.append((group, found))
        if members:
            relations.append(((None, key), tuple(members)))
    return relations


def _told_exactly(
    relation: Relation, counts: Mapping[Figure, int], hidden: set[Figure], below: int
) -> bool:
    """Whether a reader who knows the shown counts of `relation`, that "<N" is 0 to N-1 and
    that "Suppressed" is N or more, can work out a hidden one exactly."""
    total, parts = relation
    signed = [(total, -1), *((part, 1) for part in parts)]
    unknown = [(figure, sign) for figure, sign in signed if figure in hidden]
    if not unknown:
        return False
    # The hidden figures, each times its sign, add up to `rest`.
    rest = -sum(sign * counts[figure] for figure, sign in signed if figure not in hidden)

    def bounds(figure: Figure) -> tuple[float, float]:
        return (0, below - 1) if counts[figure] < below else (below, math.inf)

    for figure, sign in unknown:
        low = high = 0.0
        for other, other_sign in unknown:
            if other is figure:
                continue
            a, b = (other_sign * bound for bound in bounds(other))
            low, high = low + min(a, b), high + max(a, b)
        # sign * x = rest - (the others), which lies in [rest - high, rest - low].
        least, most = (rest - high, rest - low) if sign == 1 else (low - rest, high - rest)
        own_low, own_high = bounds(figure)
        if max(least, own_low) == min(most, own_high):
            return True
    return False


def _secondary(
    counts: Mapping[Figure, int],
    relations: list[Relation],
    rates: list[tuple[Figure, ...]],
    below: int,
) -> frozenset[Figure]:
    """The counts to hide besides those below the threshold: for each sum from which a hidden
    count could be told exactly, one more of its counts, again until none can.

    The one hidden is the smallest shown part on which no shown rate rests, else the total
    if no shown rate rests on it, else the smallest shown part, else the total: hiding a
    rate's part hides the rate, and a rate is what a manager reads most."""
    hidden = {figure for figure, value in counts.items() if value < below}
    primary = set(hidden)
    rests_on: dict[Figure, list[tuple[Figure, ...]]] = defaultdict(list)
    for parts in rates:
        for figure in parts:
            rests_on[figure].append(parts)

    def rated(figure: Figure) -> bool:
        """Whether a rate still shown rests on `figure`."""
        return any(not hidden.intersection(parts) for parts in rests_on[figure])

    def next_to_hide(relation: Relation) -> Figure | None:
        total, parts = relation
        shown = sorted((part for part in parts if part not in hidden), key=lambda p: counts[p])
        total_shown = [total] if total not in hidden else []
        for candidate in (
            *(part for part in shown if not rated(part)),
            *(figure for figure in total_shown if not rated(figure)),
            *shown,
            *total_shown,
        ):
            return candidate
        return None

    changed = True
    while changed:
        changed = False
        for relation in relations:
            while _told_exactly(relation, counts, hidden, below):
                extra = next_to_hide(relation)
                if extra is None:
                    break
                hidden.add(extra)
                changed = True
    return frozenset(hidden - primary)


@dataclass(frozen=True)
class Disclosure:
    """Which counts of a result are shown and which hidden: the one decision the pages, the
    exports, the comparisons and the drill-down follow."""

    threshold: int | None
    counts: Mapping[Figure, int]
    secondary: frozenset[Figure]

    def rules(self, group: str | None = None) -> _Rules:
        return _Rules(
            self.threshold, frozenset(key for where, key in self.secondary if where == group)
        )

    def hides(self, key: str, group: str | None = None, value: int | None = None) -> bool:
        """Whether the count at `key` (in `group`) is hidden; `value` for a count the tables
        do not show on its own (a comparison's denominator)."""
        if self.threshold is None:
            return False
        if value is None:
            value = self.counts.get((group, key))
        return value is None or value < self.threshold or (group, key) in self.secondary

    def text(self, key: str, group: str | None = None, value: int | None = None) -> str:
        """The count at `key` as the tables show it: "<N", "Suppressed" or the number."""
        if value is None:
            value = self.counts.get((group, key))
        if value is None:
            return BLANK
        if self.threshold is not None and value < self.threshold:
            return f"<{self.threshold}"
        if self.hides(key, group, value):
            return SUPPRESSED
        return f"{value:,}"

    def shows(self, key: str, group: str | None = None) -> bool:
        """Whether the result has a count at `key` (in `group`) and shows it: only such a
        figure opens onto its records."""
        return (group, key) in self.counts and not self.hides(key, group)


def disclosure(result: Mapping[str, Any], *, suppress_below: int | None) -> Disclosure:
    """Every count of `result` and which of them to hide (see the module's docstring)."""
    parts: dict[str | None, _Counts] = {None: _counts_of(result.get("data") or {})}
    for group in (result.get("breakdown") or {}).get("groups") or []:
        parts[_group_of(group.get("value"))] = _counts_of(group.get("data") or {})
    counts = {
        (group, key): value for group, part in parts.items() for key, value in part.counts.items()
    }
    if suppress_below is None:
        return Disclosure(None, counts, frozenset())
    rates = [
        tuple((group, key) for key in keys) for group, part in parts.items() for keys in part.rates
    ]
    secondary = _secondary(counts, _relations(result, parts), rates, suppress_below)
    return Disclosure(suppress_below, counts, secondary)
