"""A computed outcome report as a file to download: CSV or Excel (XLSX), from its tables.

Both formats carry the same tables as the dashboards (`outcomes.tables.tables_for`), under a
header that says which report, as of when, for whom, and what was suppressed.

Formula injection: a spreadsheet runs a cell whose text starts with "=", "+", "-", "@", tab
or carriage return. Every text cell of both formats (titles, labels, cohort and team names,
group labels, parameters) that starts so is written with a leading "'"; figures stay numbers.
In XLSX a text cell is also stored as a string, never a formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from typing import Any

from django.utils import timezone
from django.utils.text import slugify
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from .tables import LABELS, Cell, Table, label, report_title, tables_for

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
PARAMETER_LABELS = {"pathway": "Pathway", "cohort": "Cohort", "from": "From", "to": "To"}
SHEET_TITLE_MAX = 31
_SHEET_FORBIDDEN = str.maketrans(dict.fromkeys("[]:*?/\\", " "))
_RESERVED_SHEETS = {"history"}  # Excel keeps this name for itself


def safe_text(text: Any) -> str:
    """Text that a spreadsheet will show, never run: "'" before a formula's first character."""
    text = "" if text is None else str(text)
    if text.startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


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


def _plain_number(cell: Cell) -> str:
    value = cell.value
    if cell.kind == "rate":
        return cell.display
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.1f}"
    return str(int(value))  # type: ignore[arg-type]


def _csv_text(cell: Cell) -> str:
    return _plain_number(cell) if cell.is_number else safe_text(cell.display)


def to_csv(result: Mapping[str, Any], *, suppress_below: int | None) -> str:
    """The report as CSV text: the header block, then each table (a title row, its column
    row and its rows), a blank line between. No byte-order mark: a view sending it to Excel
    may prefix "\\ufeff"."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for name, value in header_rows(result, suppress_below):
        writer.writerow([safe_text(name), safe_text(value)])
    for table in tables_for(result, suppress_below=suppress_below):
        writer.writerow([])
        writer.writerow([safe_text(table.title)])
        writer.writerow([safe_text(column) for column in table.columns])
        for row in table.rows:
            writer.writerow([_csv_text(cell) for cell in row])
    return buffer.getvalue()


# --- XLSX ------------------------------------------------------------------------------------


def _sheet_title(title: str, taken: set[str]) -> str:
    base = " ".join(title.translate(_SHEET_FORBIDDEN).split()).strip("'") or "Table"
    candidate = base[:SHEET_TITLE_MAX].strip()
    number = 2
    while candidate.lower() in taken or candidate.lower() in _RESERVED_SHEETS:
        suffix = f" ({number})"
        candidate = base[: SHEET_TITLE_MAX - len(suffix)].strip() + suffix
        number += 1
    taken.add(candidate.lower())
    return candidate


def _clean(text: str) -> str:
    return ILLEGAL_CHARACTERS_RE.sub("", text)


def _put_text(sheet: Any, row: int, column: int, text: Any, *, bold: bool = False) -> None:
    cell = sheet.cell(row=row, column=column)
    cell.value = safe_text(_clean("" if text is None else str(text)))
    cell.data_type = "s"  # a string, whatever it looks like
    if bold:
        cell.font = Font(bold=True)


def _put(sheet: Any, row: int, column: int, cell: Cell) -> None:
    if not cell.is_number:
        _put_text(sheet, row, column, cell.display)
        return
    target = sheet.cell(row=row, column=column, value=cell.value)
    if cell.kind == "rate":
        target.number_format = "0.0%"
    elif isinstance(cell.value, float) and not cell.value.is_integer():
        target.number_format = "#,##0.0"
    else:
        target.number_format = "#,##0"


def _fit_columns(sheet: Any, widths: dict[int, int]) -> None:
    for column, width in widths.items():
        sheet.column_dimensions[get_column_letter(column)].width = min(max(width + 2, 8), 60)


def _width(text: str) -> int:
    return max((len(line) for line in text.splitlines()), default=0)


def to_xlsx(result: Mapping[str, Any], *, suppress_below: int | None) -> bytes:
    """The report as an Excel workbook: an "About" sheet, then a sheet per table."""
    workbook = Workbook()
    about = workbook.active
    about.title = "About"
    taken = {"about"}
    rows = [
        *header_rows(result, suppress_below),
        ("Generated at", timezone.localtime().strftime("%Y-%m-%d %H:%M")),
    ]
    for index, (name, value) in enumerate(rows, start=1):
        _put_text(about, index, 1, name, bold=True)
        _put_text(about, index, 2, value)
    _fit_columns(
        about,
        {1: max(_width(name) for name, _ in rows), 2: max(_width(value) for _, value in rows)},
    )

    for table in tables_for(result, suppress_below=suppress_below):
        _table_sheet(workbook, table, taken)

    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _table_sheet(workbook: Workbook, table: Table, taken: set[str]) -> None:
    sheet = workbook.create_sheet(_sheet_title(table.title, taken))
    widths: dict[int, int] = {}
    for column, name in enumerate(table.columns, start=1):
        _put_text(sheet, 1, column, name, bold=True)
        widths[column] = _width(name)
    for row_number, row in enumerate(table.rows, start=2):
        for column, cell in enumerate(row, start=1):
            _put(sheet, row_number, column, cell)
            widths[column] = max(widths.get(column, 0), _width(cell.display) + 1)
    sheet.freeze_panes = "A2"
    _fit_columns(sheet, widths)


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
