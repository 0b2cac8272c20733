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

Statistical disclosure control: with `suppress_below=N`, a count below N (0 included) shows
"<N"; a rate whose numerator or denominator is below N (or cannot be told) shows
"Suppressed"; a mean or median whose n is below N shows "Suppressed". A suppressed cell never
carries the true figure (`value` is None). `suppress_below=None` shows everything.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from accounts.models import SpecialistPathway

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


def _allocated(siblings: Mapping[str, Any]) -> int | None:
    """How many referrals a median of days to allocation is over: "allocated" when the report
    gives it, else at most referrals - waiting (closed ones may never have been allocated)."""
    if isinstance(siblings.get("allocated"), int):
        return siblings["allocated"]
    referrals, waiting = siblings.get("referrals"), siblings.get("waiting")
    if isinstance(referrals, int) and isinstance(waiting, int):
        return referrals - waiting
    return None


# The n of a mean or median without an "n" sibling, from its siblings.
MEASURE_N: dict[str, Callable[[Mapping[str, Any]], int | None]] = {
    "median_days_to_allocation": _allocated,
    # At most the children counted: it hides a rate that would give away a hidden count.
    "per_10000": lambda siblings: siblings.get("children_on_cp"),
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
        return (
            not self.suppressed
            and isinstance(self.value, int | float)
            and not isinstance(self.value, bool)
        )


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


def _blank() -> Cell:
    return Cell(None, "", kind="blank")


def _label_cell(text: Any) -> Cell:
    text = "" if text is None else str(text)
    return Cell(text, text, kind="label")


def _count(value: int, key: str | None, t: int | None) -> Cell:
    if t is not None and value < t:
        return Cell(None, f"<{t}", True, key, True, "count")
    return Cell(value, f"{value:,}", True, key, False, "count")


def _format_measure(value: float) -> str:
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.1f}"


def _measure(value: Any, key: str, n: int | None, t: int | None) -> Cell:
    if t is not None and n is not None and n < t:
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


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _below(value: Any, t: int | None) -> bool:
    """Whether a part of a rate hides it: below the threshold, or not a count at all."""
    return t is not None and (not _is_int(value) or value < t)


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
    data: Mapping[str, Any], path: str, base: str, labels: tuple[str, ...], t: int | None
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
                out.figures.append(_rate_object_figure(data, path, own, labels, t))
            continue
        if _is_identifier(key) or _is_consumed_interval(key, data):
            continue
        if _is_rate_object(value):
            out.figures.append(_rate_object_figure(value, full, rel, here, t))
        elif _is_scalar_rate(key, value, data):
            out.figures.append(_scalar_rate_figure(key, value, data, path, full, rel, here, t))
        elif isinstance(value, dict):
            inner = _collect(value, full, base, here, t)
            out.figures.extend(inner.figures)
            out.lists.extend(inner.lists)
        elif isinstance(value, list | tuple):
            if value and all(isinstance(item, dict) for item in value):
                out.lists.append((full, here, list(value)))
            else:
                for index, item in enumerate(value):
                    inner = _collect({str(index): item}, full, base, labels, t)
                    for figure in inner.figures:
                        figure.labels = (*here, str(index + 1))
                    out.figures.extend(inner.figures)
                    out.lists.extend(inner.lists)
        else:
            cell = _scalar(key, value, data, full, t)
            out.figures.append(_Figure(full, rel, here, [("Number", "", cell)]))
    return out


def _scalar(key: str, value: Any, siblings: Mapping[str, Any], full: str, t: int | None) -> Cell:
    if isinstance(value, bool):
        text = "Yes" if value else "No"
        return Cell(text, text, False, full, False, "text")
    if isinstance(value, str):
        return Cell(value, value, False, full, False, "text")
    if _is_int(value) and not _is_measure_key(key):
        return _count(value, full, t)
    if isinstance(value, int | float) or (value is None and _is_measure_key(key)):
        n = siblings.get("n") if key != "n" else None
        if not _is_int(n):
            n = MEASURE_N[key](siblings) if key in MEASURE_N else None
        return _measure(value, full, n, t)
    if value is None:
        return Cell(None, BLANK, False, full, False, "text")
    return Cell(str(value), str(value), False, full, False, "text")


def _rate_object_figure(
    value: Mapping[str, Any], full: str, rel: str, labels: tuple[str, ...], t: int | None
) -> _Figure:
    numerator, denominator = value.get("numerator"), value.get("denominator")
    num_cell = _part_cell(numerator, _join(full, "numerator"), t)
    den_cell = _part_cell(denominator, _join(full, "denominator"), t)
    suppressed = _below(numerator, t) or _below(denominator, t)
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


def _part_cell(value: Any, key: str | None, t: int | None) -> Cell:
    if _is_int(value):
        return _count(value, key, t)
    return Cell(None, BLANK, True, key, False, "count")


def _scalar_rate_figure(
    key: str,
    value: Any,
    siblings: Mapping[str, Any],
    path: str,
    full: str,
    rel: str,
    labels: tuple[str, ...],
    t: int | None,
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
    suppressed = _below(numerator, t) or _below(denominator, t)
    rate, interval = _rate_cells(
        value,
        siblings.get(ci_key),
        full,
        _join(path, ci_key) if ci_key in siblings else None,
        suppressed,
    )
    cells: list[tuple[str, str | None, Cell]] = []
    if parts is not None:
        cells.append(("Number", None, _part_cell(numerator, num_key, t)))
        cells.append(("Out of", None, _part_cell(denominator, None, t)))
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


def _wide_table(
    title: str,
    leading: list[str],
    entities: list[tuple[list[Cell], list[_Figure], str | None, str | None]],
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
    key: str, rows: list[dict[str, Any]], t: int | None, lead: list[Cell], group: str | None
) -> list[tuple[list[Cell], list[_Figure], str | None, str | None]]:
    entities = []
    for index, row in enumerate(rows):
        row_key = _join(key, index)
        figures = _collect(row, row_key, row_key, (), t).figures  # lists within rows: left out
        entities.append((lead, figures, row_key, group))
    return entities


def _list_table(title: str, key: str, rows: list[dict[str, Any]], t: int | None) -> Table:
    return _wide_table(title, [], _row_entities(key, rows, t, [], None))


def _is_pathways(result: Mapping[str, Any], data: Any) -> bool:
    if result.get("report") == "pathways":
        return isinstance(data, dict)
    return (
        isinstance(data, dict)
        and bool(data)
        and all(k in SpecialistPathway.values and isinstance(v, dict) for k, v in data.items())
    )


def _pathways_table(title: str, data: Mapping[str, Any], t: int | None) -> Table:
    entities = [
        ([_label_cell(label(code))], _collect(figures, code, code, (), t).figures, code, None)
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
    t = suppress_below
    title = report_title(str(result.get("report", "")))
    data = result.get("data") or {}
    tables: list[Table] = []
    if _is_pathways(result, data):
        tables.append(_pathways_table(title, data, t))
    else:
        collected = _collect(data, "", "", (), t)
        if collected.figures or not collected.lists:
            tables.append(_figure_table(title, collected.figures))
        for key, labels, rows in collected.lists:
            tables.append(_list_table(JOIN.join(labels), key, rows, t))

    breakdown = result.get("breakdown")
    if breakdown:
        tables.extend(_breakdown_tables(title, breakdown, t))
    return tables


def _breakdown_tables(title: str, breakdown: Mapping[str, Any], t: int | None) -> list[Table]:
    by = breakdown.get("by")
    by_label = str(breakdown.get("label") or label(by or ""))
    groups = breakdown.get("groups") or []
    entities = []
    lists: dict[str, tuple[tuple[str, ...], list]] = {}
    for group in groups:
        lead = [_label_cell(group.get("label", group.get("value")))]
        value = group.get("value")
        collected = _collect(group.get("data") or {}, "", "", (), t)
        entities.append((lead, collected.figures, None, value))
        for key, labels, rows in collected.lists:
            lists.setdefault(key, (labels, []))[1].extend(_row_entities(key, rows, t, lead, value))
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
