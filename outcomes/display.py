"""A computed report made ready for a page: its tables with drill-down links, a bar chart
beside each table it can be drawn from, headline figures, comparisons and its parameters in
words. Everything here works on a run's stored result: nothing is computed, and nothing
reads the database, so a page costs the same whatever the report counts.

Every figure comes from `outcomes.tables` already suppressed, so a chart, a headline or a
link never shows what the table would hide. A suppressed count is never linked: its records
and the number hidden from the reader would give the figure away.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse

from .compare import Comparison, GroupRate, comparisons
from .models import ReportRun
from .reports import DIMENSIONS, REPORTS, ReportError, ReportParameters, members
from .tables import JOIN, LABELS, Cell, Table, tables_for

# --- Charts ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    display: str
    percent: float  # the bar's width, 0 to 100
    suppressed: bool = False
    # A rate's 95% interval as left and width, in per cent of the scale.
    interval: tuple[float, float] | None = None


@dataclass(frozen=True)
class ChartRow:
    label: str
    bars: list[Bar]


@dataclass(frozen=True)
class Chart:
    """A horizontal bar chart drawn in CSS (templates/outcomes/_chart.html). Decoration: the
    table it is drawn from carries the same figures for everyone."""

    series: list[str]
    rows: list[ChartRow]
    rates: bool = False

    @property
    def has_intervals(self) -> bool:
        return any(bar.interval for row in self.rows for bar in row.bars)


@dataclass(frozen=True)
class ChartSpec:
    """How to draw one table of a report: `columns` of a table with a row per group or
    entity (one series each), or, for a table with a row per figure, `rows` of (label,
    keys, one per series)."""

    table: int = 0
    columns: tuple[str, ...] = ()
    rows: tuple[tuple[str, tuple[str, ...]], ...] = ()
    series: tuple[str, ...] = ()


# The charts of the dashboards' standard reports; any other table is drawn by `auto_chart`.
CHARTS: dict[str, list[ChartSpec]] = {
    "engagement": [
        ChartSpec(
            rows=(
                ("Approached", ("approached",)),
                ("Engaged", ("engaged",)),
                ("Inconsistent", ("inconsistent",)),
                ("Not engaged", ("not_engaged",)),
                ("New", ("new",)),
            ),
            series=("Adults",),
        )
    ],
    "step_down": [
        ChartSpec(
            rows=(
                ("Stepped down", ("stepped_down.cases", "stepped_down.children")),
                (
                    "Stepped down and closed",
                    ("stepped_down.closed.cases", "stepped_down.closed.children"),
                ),
                ("Same level", ("same.cases", "same.children")),
                ("Increased", ("increased.cases", "increased.children")),
            ),
            series=("Cases", "Children"),
        )
    ],
    "child_status": [
        ChartSpec(
            rows=(
                ("On a CP plan while open", ("cp_while_open.children",)),
                ("Still on a CP plan", ("cp_while_open.still_cp",)),
                ("Plan ended", ("cp_while_open.ended.children",)),
                ("Entered care", ("entered_care",)),
                ("Re-referred within 12 months", ("re_referred_within_12_months",)),
                ("Repeat CP plan within 2 years", ("repeat_cp_within_2_years",)),
            ),
            series=("Children",),
        )
    ],
    "pathways": [ChartSpec(columns=("Waiting", "Open"))],
    "cp_rate": [ChartSpec(table=1, columns=("Per 10,000 children",))],
    "mi_training": [
        ChartSpec(table=0),
        ChartSpec(table=1, columns=("Rate",)),
        ChartSpec(table=2, columns=("Social care – Rate", "Specialists – Rate")),
    ],
    "group_supervision": [
        ChartSpec(table=1, columns=("Held", "Cancelled", "Families discussed")),
        ChartSpec(table=2, columns=("Held", "Cancelled", "Families discussed")),
    ],
    "recovery_star": [ChartSpec(table=1, columns=("Mean first score", "Mean latest score"))],
}

_INTERVAL = "95% interval"
_BAR_KINDS = ("count", "measure", "rate")


def _interval_of(cell: Cell | None) -> tuple[float, float] | None:
    if cell is None or cell.suppressed or not isinstance(cell.value, list):
        return None
    low, high = (max(0.0, min(1.0, float(x))) * 100 for x in cell.value)
    return low, max(high - low, 0.0)


# A figure and its interval's cell, either missing.
_Pair = tuple[Cell | None, Cell | None]


def _bars(cells: list[_Pair], rates: bool) -> list[Bar]:
    """Bars for (cell, its interval cell) pairs, scaled together."""
    values = [
        abs(float(cell.value))
        for cell, _ in cells
        if cell is not None and cell.is_number and isinstance(cell.value, int | float)
    ]
    top = 1.0 if rates else (max(values) if values else 0.0)
    bars = []
    for cell, interval in cells:
        if cell is None:
            bars.append(Bar("", 0.0))
            continue
        number = cell.value if cell.is_number and isinstance(cell.value, int | float) else None
        percent = 100 * abs(float(number)) / top if number is not None and top else 0.0
        bars.append(
            Bar(
                cell.display,
                round(min(percent, 100.0), 1),
                cell.suppressed,
                _interval_of(interval) if rates else None,
            )
        )
    return bars


def _chart_from_columns(table: Table, columns: tuple[str, ...]) -> Chart | None:
    wanted = [c for c in columns if c in table.columns]
    if not wanted or not table.rows:
        return None
    index = {name: i for i, name in enumerate(table.columns)}
    rates = all(any(row[index[c]].kind == "rate" for row in table.rows) for c in wanted)
    pairs_by_row: list[tuple[str, Sequence[_Pair]]] = []
    for row in table.rows:
        pairs = []
        for column in wanted:
            interval_column = _interval_column(column)
            interval = row[index[interval_column]] if interval_column in index else None
            pairs.append((row[index[column]], interval))
        pairs_by_row.append((row[0].display, pairs))
    return _scaled(wanted, pairs_by_row, rates)


def _interval_column(column: str) -> str:
    base = column.removesuffix(f"{JOIN}Rate")
    if base == "Rate":
        return _INTERVAL
    return f"{base}{JOIN}{_INTERVAL}"


def _scaled(
    series: list[str],
    rows: Sequence[tuple[str, Sequence[_Pair]]],
    rates: bool,
) -> Chart | None:
    """One scale over the whole chart: bars of different rows and series compare."""
    flat = [pair for _, pairs in rows for pair in pairs]
    if not any(cell is not None and cell.kind in _BAR_KINDS and cell.is_number for cell, _ in flat):
        return None  # nothing but suppressed or missing figures: nothing to draw
    bars = _bars(flat, rates)
    width = len(series)
    return Chart(
        series=series,
        rows=[
            ChartRow(label, bars[i * width : (i + 1) * width]) for i, (label, _) in enumerate(rows)
        ],
        rates=rates,
    )


def _chart_from_keys(
    cells: dict[str, Cell], intervals: dict[str, Cell], spec: ChartSpec
) -> Chart | None:
    rows = []
    for label, keys in spec.rows:
        found = [(cells.get(key), intervals.get(key)) for key in keys]
        if any(cell is not None for cell, _ in found):
            rows.append((label, found))
    if not rows:
        return None
    rates = all(cell is None or cell.kind == "rate" for _, pairs in rows for cell, _ in pairs)
    return _scaled(list(spec.series), rows, rates)


def auto_chart(table: Table) -> Chart | None:
    """A chart for any table: for a table of figures, its rates when it has two or more,
    else its counts; for a table with a row per group, its first rate column, else its first
    count column."""
    if not table.rows:
        return None
    if table.columns[0] == "Figure":
        index = {name: i for i, name in enumerate(table.columns)}
        rate_at, interval_at = index.get("Rate"), index.get(_INTERVAL)
        rates = [
            (row[0].display, [(row[rate_at], row[interval_at] if interval_at else None)])
            for row in table.rows
            if rate_at is not None and row[rate_at].kind == "rate"
        ]
        if len(rates) >= 2:
            return _scaled(["Rate"], rates, rates=True)
        number_at = index.get("Number")
        if number_at is None:
            return None
        rows = [
            (row[0].display, [(row[number_at], None)])
            for row in table.rows
            if row[number_at].kind == "count" and not (rate_at and row[rate_at].kind == "rate")
        ]
        return _scaled(["Number"], rows, rates=False) if len(rows) >= 2 else None
    for kind in ("rate", "count"):
        for position, column in enumerate(table.columns[1:], start=1):
            if any(row[position].kind == kind for row in table.rows):
                return _chart_from_columns(table, (column,))
    return None


# --- Tables with links ----------------------------------------------------------------------


@dataclass(frozen=True)
class ShownCell:
    cell: Cell
    href: str | None = None
    # What the figure is, for a screen reader reading the link on its own.
    context: str = ""


@dataclass
class ShownTable:
    table: Table
    rows: list[list[ShownCell]]
    chart: Chart | None = None


class Drill:
    """Which figures of a run open onto their records, and the link to them. Asking a report
    for a figure's records builds QuerySets only: no query runs."""

    def __init__(self, run: ReportRun | None) -> None:
        self.run = run
        self.params: ReportParameters | None = None
        self._known: dict[str, bool] = {}
        if run is not None and run.status == ReportRun.Status.SUCCEEDED:
            parameters = dict(run.parameters)
            parameters.pop("by", None)
            try:
                self.params = ReportParameters.from_json(parameters)
            except ReportError:
                self.params = None

    def opens(self, key: str) -> bool:
        if self.run is None or self.params is None:
            return False
        if key not in self._known:
            try:
                self._known[key] = members(self.run.report, self.params, key) is not None
            except (ReportError, KeyError, ValueError):
                self._known[key] = False
        return self._known[key]

    def href(self, cell: Cell, group: str | None = None) -> str | None:
        if (
            self.run is None
            or cell.key is None
            or cell.suppressed
            or cell.kind != "count"
            or not self.opens(cell.key)
        ):
            return None
        query = {"key": cell.key, **({"group": group} if group is not None else {})}
        return f"{reverse('outcomes:members', args=[self.run.pk])}?{urlencode(query)}"


def _context(table: Table, row: list[Cell], position: int) -> str:
    if table.columns[0] == "Figure" and table.columns[position] == "Number":
        return row[0].display
    return f"{row[0].display}, {table.columns[position]}"


def shown_tables(
    run: ReportRun,
    result: dict[str, Any],
    *,
    suppress_below: int | None,
    charts: bool = True,
    links: bool = True,
) -> list[ShownTable]:
    """The report's tables with their drill-down links (to `run`'s records) and charts."""
    tables = tables_for(result, suppress_below=suppress_below)
    drill = Drill(run if links else None)
    shown = []
    for table in tables:
        rows = []
        for position, row in enumerate(table.rows):
            group = (
                table.group_values[position]
                if table.group_by and position < len(table.group_values)
                else None
            )
            rows.append(
                [
                    ShownCell(cell, drill.href(cell, group), _context(table, row, column))
                    for column, cell in enumerate(row)
                ]
            )
        shown.append(ShownTable(table, rows))
    if charts:
        _add_charts(str(result.get("report", "")), shown, bool(result.get("breakdown")))
    return shown


def _add_charts(report: str, shown: list[ShownTable], has_breakdown: bool) -> None:
    cells = {c.key: c for t in shown for row in t.table.rows for c in row if c.key}
    intervals = {
        key.removesuffix("_ci95"): cell for key, cell in cells.items() if cell.kind == "interval"
    }
    # A rate's interval is found by the rate's own key.
    for key, cell in list(cells.items()):
        if cell.kind == "rate":
            sibling = key.removesuffix(".rate") + ".ci95" if key.endswith(".rate") else None
            if sibling and sibling in cells:
                intervals[key] = cells[sibling]
            elif f"{key}_ci95" in cells:
                intervals[key] = cells[f"{key}_ci95"]
    specs = CHARTS.get(report)
    for spec in specs or []:
        if spec.table >= len(shown) or (has_breakdown and shown[spec.table].table.group_by):
            continue
        target = shown[spec.table]
        if spec.rows:
            target.chart = _chart_from_keys(cells, intervals, spec)
        elif spec.columns:
            target.chart = _chart_from_columns(target.table, spec.columns)
        else:
            target.chart = auto_chart(target.table)
    # A report with charts of its own gets no others but its breakdown's; the rest, all.
    for target in shown:
        if specs is None or target.table.group_by:
            target.chart = auto_chart(target.table)


# --- Headlines ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Headline:
    label: str
    cell: Cell
    href: str | None = None
    interval: Cell | None = None


HEADLINES: dict[str, list[tuple[str, str, str | None]]] = {
    "engagement": [
        ("Fathers approached", "approached", None),
        ("Fathers engaged", "engaged", None),
        ("Engagement rate", "engagement_rate", "engagement_rate_ci95"),
    ],
    "step_down": [
        ("Cases stepped down", "stepped_down.cases", None),
        ("Cases at the same level", "same.cases", None),
        ("Cases where concern increased", "increased.cases", None),
    ],
    "child_status": [
        ("Children in open and closed cases", "children", None),
        ("On a child protection plan while open", "cp_while_open.children", None),
        ("Entered care", "entered_care", None),
    ],
    "cp_rate": [("Children on CP plans per 10,000", "per_10000", None)],
    "mi_training": [
        ("Social care staff trained", "social_care.rate", "social_care.ci95"),
        ("Specialists trained", "specialists.rate", "specialists.ci95"),
    ],
    "father_inclusion": [
        ("Children whose father is named", "named.rate", "named.ci95"),
        ("Fathers invited to initial conferences", "invited_initial.rate", "invited_initial.ci95"),
    ],
}


def headlines(run: ReportRun, tables: list[ShownTable]) -> list[Headline]:
    found = {
        shown.cell.key: shown
        for table in tables
        if not table.table.group_by
        for row in table.rows
        for shown in row
        if shown.cell.key
    }
    out = []
    for label, key, interval_key in HEADLINES.get(run.report, []):
        if key in found:
            interval = found.get(interval_key) if interval_key else None
            out.append(
                Headline(
                    label, found[key].cell, found[key].href, interval.cell if interval else None
                )
            )
    return out


# --- Comparisons ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ShownGroupRate:
    rate: GroupRate
    numerator: str
    denominator: str
    rate_text: str
    interval_text: str
    # The interval and the rate as per cent of the 0-100% scale, for the interval chart.
    left: float = 0.0
    width: float = 0.0
    point: float | None = None


@dataclass(frozen=True)
class ShownComparison:
    comparison: Comparison
    groups: list[ShownGroupRate]


def shown_comparisons(
    result: dict[str, Any], *, suppress_below: int | None
) -> list[ShownComparison]:
    out = []
    for comparison in comparisons(result, suppress_below=suppress_below):
        groups = []
        for group in comparison.groups:
            numerator, denominator = group.numerator_text, group.denominator_text
            if group.suppressed:
                groups.append(
                    ShownGroupRate(group, numerator, denominator, "Suppressed", "Suppressed")
                )
                continue
            ci, rate = group.ci95, group.rate
            if ci is None or rate is None:
                groups.append(ShownGroupRate(group, numerator, denominator, "–", "–"))
                continue
            low, high = ci
            groups.append(
                ShownGroupRate(
                    group,
                    numerator,
                    denominator,
                    f"{rate * 100:.1f}%",
                    f"{low * 100:.1f}% to {high * 100:.1f}%",
                    left=round(low * 100, 1),
                    width=round((high - low) * 100, 1),
                    point=round(rate * 100, 1),
                )
            )
        out.append(ShownComparison(comparison, groups))
    return out


# --- Parameters in words --------------------------------------------------------------------


def _long_date(text: str | None) -> str:
    if not text:
        return ""
    try:
        day = datetime.date.fromisoformat(text)
    except ValueError:
        return text
    return f"{day.day} {day:%B %Y}"


def parameters_in_words(run: ReportRun) -> list[tuple[str, str]]:
    """The run's request, a row per parameter, for a summary list."""
    p = run.parameters or {}
    start, end = p.get("from"), p.get("to")
    if start and end:
        period = f"Referred or opened from {_long_date(start)} to {_long_date(end)}"
    elif start:
        period = f"Referred or opened on or after {_long_date(start)}"
    elif end:
        period = f"Referred or opened on or before {_long_date(end)}"
    else:
        period = "Any date up to the as of date"
    pathway = p.get("pathway")
    by = p.get("by")
    return [
        ("Report", report_title(run.report)),
        ("As of", _long_date(p.get("as_of"))),
        ("Pathway", LABELS.get(pathway, pathway) if pathway else "All pathways"),
        ("Cohort", p.get("cohort") or "All cohorts"),
        ("Period", period),
        ("Broken down by", DIMENSIONS.get(by, by).lower() if by else "No breakdown"),
    ]


def parameters_sentence(run: ReportRun) -> str:
    """e.g. "Engagement as of 30 June 2024, Dads Matter Too, cohort Pilot, by cohort"."""
    p = run.parameters or {}
    parts = [f"{report_title(run.report)} as of {_long_date(p.get('as_of'))}"]
    if p.get("pathway"):
        parts.append(LABELS.get(p["pathway"], p["pathway"]))
    if p.get("cohort"):
        parts.append(f"cohort {p['cohort']}")
    if p.get("from") or p.get("to"):
        parts.append(
            f"referred or opened {_long_date(p.get('from')) or 'any time'} to "
            f"{_long_date(p.get('to')) or 'the as of date'}"
        )
    if p.get("by"):
        parts.append(f"by {DIMENSIONS.get(p['by'], p['by']).lower()}")
    return ", ".join(parts)


def breakdown_name(result: dict[str, Any] | None) -> str:
    """The breakdown's dimension in words ("cohort"), or "" without one."""
    breakdown = (result or {}).get("breakdown") or {}
    return str(breakdown.get("label") or breakdown.get("by") or "").lower()


def report_title(name: str) -> str:
    report = REPORTS.get(name)
    return report.title if report else name


def report_description(name: str) -> str:
    report = REPORTS.get(name)
    return report.description if report else ""


def figure_label(run: ReportRun, key: str, group: str | None = None) -> str:
    """The words for the figure at `key` of a run (in one group of its breakdown), as its
    table says them: "Stepped down – Cases", "Dads Matter Too – Waiting"."""
    found = ""
    for table in tables_for(run.result or {}, suppress_below=None):
        if table.group_by:
            continue
        for row in table.rows:
            for position, cell in enumerate(row):
                if cell.key != key:
                    continue
                if table.columns[0] == "Figure":
                    found = row[0].display
                else:
                    found = f"{row[0].display}{JOIN}{table.columns[position]}"
                break
            if found:
                break
        if found:
            break
    found = found or key
    if group is not None:
        groups = ((run.result or {}).get("breakdown") or {}).get("groups") or []
        labels = {str(g.get("value")): str(g.get("label")) for g in groups}
        found = f"{found} ({labels.get(group, group)})"
    return found


# --- The dashboard --------------------------------------------------------------------------


@dataclass
class Section:
    """One standard report on the dashboard: what it shows and in what state it is."""

    name: str
    title: str
    description: str
    latest: ReportRun | None
    shown: ReportRun | None
    tables: list[ShownTable] = field(default_factory=list)
    headlines: list[Headline] = field(default_factory=list)

    @property
    def refreshing(self) -> bool:
        return self.latest is not None and self.latest.is_active

    @property
    def failed(self) -> ReportRun | None:
        latest = self.latest
        return latest if latest and latest.status == ReportRun.Status.FAILED else None

    @property
    def as_of(self) -> str:
        return _long_date((self.shown.result or {}).get("as_of")) if self.shown else ""


def dashboard_sections(
    latest: dict[str, tuple[ReportRun | None, ReportRun | None]], *, suppress_below: int | None
) -> list[Section]:
    sections = []
    for name, (any_state, good) in latest.items():
        section = Section(
            name=name,
            title=report_title(name),
            description=report_description(name),
            latest=any_state,
            shown=good,
        )
        if good is not None and good.result:
            section.tables = shown_tables(good, good.result, suppress_below=suppress_below)
            section.headlines = headlines(good, section.tables)
        sections.append(section)
    return sections
