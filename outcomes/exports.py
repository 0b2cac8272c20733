"""A computed outcome report as a file to download: CSV or Excel (XLSX), from its tables.

Both formats carry the same tables as the dashboards (`outcomes.tables.tables_for`), under a
header that says which report, as of when, for whom, and what was suppressed.

Writing the files, and escaping every text cell (titles, labels, cohort and team names, group
labels, parameters) against formula injection, is dmt.exports': this module only lays the
report out. Figures are handed over as numbers, so they stay numbers.
"""

from __future__ import annotations

import decimal
from collections.abc import Iterator, Mapping
from typing import Any

from django.utils import timezone
from django.utils.text import slugify

from dmt.exports import (
    csv_text,
    first_sheet,
    fit_columns,
    new_workbook,
    put_number,
    put_text,
    sheet_title,
    text_width,
    workbook_bytes,
)

from .tables import LABELS, Cell, Table, label, report_title, tables_for

PARAMETER_LABELS = {"pathway": "Pathway", "cohort": "Cohort", "from": "From", "to": "To"}


def suppression_note(suppress_below: int | None) -> str:
    if suppress_below is None:
        return "None: every figure is shown."
    n = suppress_below
    return (
        f'Counts below {n} (0 included) are shown as "<{n}"; a count that would let one of '
        f'them be worked out by subtraction from a total is shown as "Suppressed", and so is '
        f"a rate or average built on a hidden count."
    )


def _parameter_value(name: str, value: Any) -> str:
    if value is None or value == "":
        return "All" if name in ("pathway", "cohort") else "Not set"
    if name == "pathway":
        return LABELS.get(str(value), str(value))
    return str(value)


def header_rows(result: Mapping[str, Any], suppress_below: int | None) -> list[tuple[str, str]]:
    """What the report is: report, as of, its parameters, breakdown and suppression rule."""
    rows = [
        ("Report", report_title(str(result.get("report", "")))),
        ("As of", str(result.get("as_of") or "")),
    ]
    for name, value in (result.get("parameters") or {}).items():
        rows.append((PARAMETER_LABELS.get(name, label(name)), _parameter_value(name, value)))
    breakdown = result.get("breakdown")
    if breakdown:
        rows.append(("Broken down by", str(breakdown.get("label") or breakdown.get("by"))))
    rows.append(("Suppression", suppression_note(suppress_below)))
    return rows


def _csv_value(cell: Cell) -> Any:
    """A figure as a number (a rate as shown, "69.8%"); anything else as its text."""
    value = cell.number
    if value is None or cell.kind == "rate":
        return cell.display
    if isinstance(value, float) and not value.is_integer():
        return decimal.Decimal(f"{value:.1f}")
    return int(value)


def csv_rows(result: Mapping[str, Any], suppress_below: int | None) -> Iterator[list[Any]]:
    """The report's rows for a CSV file (see to_csv)."""
    yield from ([name, value] for name, value in header_rows(result, suppress_below))
    for table in tables_for(result, suppress_below=suppress_below):
        yield []
        yield [table.title]
        yield list(table.columns)
        for row in table.rows:
            yield [_csv_value(cell) for cell in row]


def to_csv(result: Mapping[str, Any], *, suppress_below: int | None) -> str:
    """The report as CSV text: the header block, then each table (a title row, its column
    row and its rows), a blank line between. No byte-order mark: csv_response adds one."""
    return csv_text(csv_rows(result, suppress_below))


# --- XLSX ------------------------------------------------------------------------------------


def _put(sheet: Any, row: int, column: int, cell: Cell) -> None:
    number = cell.number
    if number is None:
        put_text(sheet, row, column, cell.display)
    elif cell.kind == "rate":
        put_number(sheet, row, column, number, "0.0%")
    elif isinstance(number, float) and not number.is_integer():
        put_number(sheet, row, column, number, "#,##0.0")
    else:
        put_number(sheet, row, column, number, "#,##0")


def to_xlsx(result: Mapping[str, Any], *, suppress_below: int | None) -> bytes:
    """The report as an Excel workbook: an "About" sheet, then a sheet per table."""
    workbook = new_workbook()
    about = first_sheet(workbook)
    about.title = "About"
    taken = {"about"}
    rows = [
        *header_rows(result, suppress_below),
        ("Generated at", timezone.localtime().strftime("%Y-%m-%d %H:%M")),
    ]
    for index, (name, value) in enumerate(rows, start=1):
        put_text(about, index, 1, name, bold=True)
        put_text(about, index, 2, value)
    fit_columns(
        about,
        {
            1: max(text_width(name) for name, _ in rows),
            2: max(text_width(value) for _, value in rows),
        },
    )

    for table in tables_for(result, suppress_below=suppress_below):
        _table_sheet(workbook, table, taken)

    return workbook_bytes(workbook)


def _table_sheet(workbook: Any, table: Table, taken: set[str]) -> None:
    sheet = workbook.create_sheet(sheet_title(table.title, taken))
    widths: dict[int, int] = {}
    for column, name in enumerate(table.columns, start=1):
        put_text(sheet, 1, column, name, bold=True)
        widths[column] = text_width(name)
    for row_number, row in enumerate(table.rows, start=2):
        for column, cell in enumerate(row, start=1):
            _put(sheet, row_number, column, cell)
            widths[column] = max(widths.get(column, 0), text_width(cell.display) + 1)
    sheet.freeze_panes = "A2"
    fit_columns(sheet, widths)


def export_filename(result: Mapping[str, Any], ext: str) -> str:
    """e.g. "dmt-engagement-2023-06-30.xlsx", or "dmt-engagement-by-locality-2023-06-30.csv"."""
    parts = ["dmt", str(result.get("report") or "report")]
    breakdown = result.get("breakdown")
    if breakdown and breakdown.get("by"):
        parts += ["by", str(breakdown["by"])]
    parts.append(str(result.get("as_of") or ""))
    stem = slugify("-".join(parts).replace("_", "-")) or "dmt-report"
    extension = slugify(str(ext).lstrip(".")).replace("-", "") or "txt"
    return f"{stem}.{extension}"
