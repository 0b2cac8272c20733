"""dmt.exports, the one writer of CSV and XLSX files: text a spreadsheet would run as a
formula is escaped, figures stay numbers, and no other module writes a spreadsheet."""

import ast
import csv
import datetime
import decimal
import io
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from openpyxl import load_workbook

from dmt.exports import (
    CSV_CONTENT_TYPE,
    XLSX_CONTENT_TYPE,
    ExportResponse,
    cell_text,
    csv_response,
    csv_text,
    is_formula_like,
    new_workbook,
    put_number,
    put_text,
    safe_text,
    sheet_title,
    xlsx_response,
)

# OWASP's triggers, and what a spreadsheet also reads as one behind spaces, invisible or
# control characters, or in a compatibility (full-width, small) form.
FORMULAS = [
    '=HYPERLINK("http://x","y")',
    "=cmd|' /C calc'!A0",
    "+1",
    "-1+1",
    "@SUM(1)",
    "\t=1",
    "\tplain after a tab",
    "\r=1",
    "\n=1",
    " =1",
    "\u00a0=1",
    "\u200b=1",
    "\ufeff+1",
    "\uff1d1",  # FULLWIDTH EQUALS SIGN
    "\uff0b1",  # FULLWIDTH PLUS SIGN
    "\uff0d1",  # FULLWIDTH HYPHEN-MINUS
    "\uff20SUM(1)",  # FULLWIDTH COMMERCIAL AT
    "\ufe66" + "1",  # SMALL EQUALS SIGN
]
PLAIN = ["West", "<5", "66.9% to 88.8%", "", "a=b", "– East", "O'Brien", "'=already quoted"]


@pytest.mark.parametrize("text", FORMULAS)
def test_text_a_spreadsheet_would_run_gets_a_leading_quote(text):
    assert is_formula_like(text)
    assert safe_text(text) == "'" + text


@pytest.mark.parametrize("text", PLAIN)
def test_other_text_is_left_alone(text):
    assert not is_formula_like(text)
    assert safe_text(text) == text


def test_control_characters_are_removed_before_the_check_so_they_cannot_hide_a_formula():
    assert safe_text("\x00=1") == "'=1"
    assert safe_text("\x07Pilot\x00 one") == "Pilot one"
    assert safe_text("line one\nline two\ttab") == "line one\nline two\ttab"


def test_a_cell_is_a_number_a_date_or_safe_text():
    moment = datetime.datetime(2024, 3, 3, 9, 30, tzinfo=timezone.get_current_timezone())
    assert cell_text(-1) == "-1"
    assert cell_text(-1.5) == "-1.5"
    assert cell_text(decimal.Decimal("-2.0")) == "-2.0"
    assert cell_text(datetime.date(2024, 3, 3)) == "2024-03-03"
    assert cell_text(moment) == "2024-03-03 09:30"
    assert cell_text(None) == ""
    assert cell_text(True) == "True"
    assert cell_text(float("nan")) == "nan"  # not a figure: text, and harmless
    assert cell_text("-1") == "'-1"  # typed as text, so escaped


def test_csv_text_escapes_every_text_cell_and_quotes_as_rfc_4180_says():
    text = csv_text([["name", "n"], ['=HYPERLINK("http://x","y")', 3], ["a,b", -4]])

    assert list(csv.reader(io.StringIO(text))) == [
        ["name", "n"],
        ['\'=HYPERLINK("http://x","y")', "3"],
        ["a,b", "-4"],
    ]


def test_a_csv_response_is_a_utf8_attachment_with_a_bom_and_no_caching():
    response = csv_response([["Name"], ["Zoë"], ["=1"]], filename="caseload-2024-03-03.csv")

    assert isinstance(response, ExportResponse)
    assert response["Content-Type"] == CSV_CONTENT_TYPE
    assert response["Content-Disposition"] == 'attachment; filename="caseload-2024-03-03.csv"'
    assert "no-store" in response["Cache-Control"]
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows == [["Name"], ["Zoë"], ["'=1"]]


def test_the_file_name_cannot_break_out_of_its_header():
    response = csv_response([], filename='../x"\r\nSet-Cookie: a=b.csv')

    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="') and disposition.endswith('.csv"')
    assert "\n" not in disposition and "/" not in disposition
    assert disposition.count('"') == 2


def test_an_xlsx_text_cell_is_an_escaped_string_and_a_number_a_number():
    workbook = new_workbook()
    sheet = workbook.active
    put_text(sheet, 1, 1, "=1+1", bold=True)
    put_text(sheet, 1, 2, "Pilot\x00 one")
    put_number(sheet, 1, 3, -1.5, "#,##0.0")

    response = xlsx_response(workbook, filename="report")
    book = load_workbook(io.BytesIO(response.content))

    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert response["Content-Disposition"] == 'attachment; filename="report.xlsx"'
    first, second, third = book.active[1]
    assert (first.value, first.data_type, first.font.b) == ("'=1+1", "s", True)
    assert second.value == "Pilot one"
    assert (third.value, third.data_type) == (-1.5, "n")


def test_put_number_refuses_text():
    with pytest.raises(TypeError):
        put_number(new_workbook().active, 1, 1, "-1", "0")  # type: ignore[arg-type]


def test_sheet_titles_are_valid_and_unique():
    taken: set[str] = set()
    titles = [sheet_title(title, taken) for title in ["History", "[a]:b", "[a]:b", "x" * 40]]

    assert titles[0] != "History"
    assert len({title.lower() for title in titles}) == 4
    assert all(0 < len(title) <= 31 and not set(title) & set("[]:*?/\\") for title in titles)


# --- No other writer --------------------------------------------------------------------------

# What writing a spreadsheet looks like in source; reading CSV (the importer) is fine.
WRITERS = re.compile(
    r"csv\.writer|csv\.DictWriter|openpyxl|xlsxwriter|xlwt|text/csv|spreadsheetml"
    r"|application/vnd\.ms-excel|opendocument\.spreadsheet"
)
PROJECT_PACKAGES = ["dmt", "accounts", "families", "referrals", "supervision", "outcomes"]


def test_no_module_but_dmt_exports_writes_a_spreadsheet():
    root = Path(settings.BASE_DIR)
    writers = [
        f"{path.relative_to(root)}:{number}: {line.strip()}"
        for package in PROJECT_PACKAGES
        for path in sorted((root / package).rglob("*.py"))
        if path != root / "dmt" / "exports.py"
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if WRITERS.search(line)
    ]

    assert writers == [], "Write CSV and XLSX with dmt.exports:\n" + "\n".join(writers)


@pytest.mark.parametrize("module", ["dmt/exports.py", "dmt/parsing.py"])
def test_the_writer_and_the_parser_import_no_app(module):
    """Every app uses them, so they sit below every app."""
    tree = ast.parse((Path(settings.BASE_DIR) / module).read_text())
    imported = {
        name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for name in (
            [alias.name for alias in node.names]
            if isinstance(node, ast.Import)
            else [node.module or ""]
        )
    }

    assert imported.isdisjoint(set(PROJECT_PACKAGES) - {"dmt"})
