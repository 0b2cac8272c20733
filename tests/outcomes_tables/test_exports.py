"""Outcome reports as CSV and XLSX downloads: readable back, figures as numbers, and no text
that a spreadsheet would run as a formula."""

import csv
import datetime
import io

import pytest
from openpyxl import load_workbook

from outcomes.exports import export_filename, to_csv, to_xlsx
from outcomes.reports import REPORTS, ReportParameters, compute

ENGAGEMENT = {
    "approached": 60,
    "engaged": 30,
    "inconsistent": 6,
    "not_engaged": 7,
    "new": 17,
    "engagement_rate": 30 / 43,
    "engagement_rate_ci95": [0.669, 0.888],
    "children": 3,
}
FORMULAS = ['=HYPERLINK("http://x")', "+1", "@SUM(A1)", "-2+3", "\tx", "\r=1"]


def result(data=None, *, cohort="DMT pilot 2022-23", groups=None, report="engagement"):
    computed = {
        "report": report,
        "as_of": "2023-06-30",
        "parameters": {"pathway": "dmt", "cohort": cohort, "from": "2022-04-01", "to": None},
        "data": ENGAGEMENT if data is None else data,
    }
    if groups is not None:
        computed["breakdown"] = {
            "by": "locality",
            "label": "Locality",
            "groups": [
                {"value": str(i), "label": name, "data": ENGAGEMENT}
                for i, name in enumerate(groups)
            ],
        }
    return computed


def parse_csv(text):
    return list(csv.reader(io.StringIO(text)))


def workbook(computed, suppress_below=5):
    return load_workbook(io.BytesIO(to_xlsx(computed, suppress_below=suppress_below)))


def find(sheet, text):
    for row in sheet.iter_rows():
        for cell in row:
            if cell.value == text:
                return cell
    raise AssertionError(f"{text!r} not in {sheet.title}")


# --- CSV --------------------------------------------------------------------------------------


def test_the_csv_parses_back_into_a_header_and_tables():
    rows = parse_csv(to_csv(result(groups=["West"]), suppress_below=5))
    assert rows[0] == ["Report", "Engagement"]
    assert rows[1] == ["As of", "2023-06-30"]
    assert ["Pathway", "Dads Matter Too"] in rows
    assert ["Cohort", "DMT pilot 2022-23"] in rows
    assert ["From", "2022-04-01"] in rows
    assert ["To", "Not set"] in rows
    assert ["Broken down by", "Locality"] in rows
    (note,) = [row for row in rows if row and row[0] == "Suppression"]
    assert "<5" in note[1]

    title = rows.index(["Engagement"])
    assert rows[title - 1] == []
    assert rows[title + 1] == ["Figure", "Number", "Out of", "Rate", "95% interval"]
    assert rows[title + 2] == ["Approached", "60", "", "", ""]
    assert ["Engagement rate", "30", "43", "69.8%", "66.9% to 88.8%"] in rows
    assert ["Children", "<5", "", "", ""] in rows

    by_locality = rows.index(["Engagement by locality"])
    assert rows[by_locality - 1] == []
    assert rows[by_locality + 1][:3] == ["Locality", "Approached", "Engaged"]
    assert rows[by_locality + 2][:3] == ["West", "60", "30"]


def test_the_csv_shows_everything_without_a_threshold():
    rows = parse_csv(to_csv(result(), suppress_below=None))
    assert ["Children", "3", "", "", ""] in rows
    assert ["Suppression", "None: every figure is shown."] in rows


@pytest.mark.parametrize("cohort", FORMULAS)
def test_a_formula_like_cohort_arrives_in_the_csv_as_quoted_text(cohort):
    rows = parse_csv(to_csv(result(cohort=cohort), suppress_below=5))
    assert ["Cohort", "'" + cohort] in rows


def test_a_formula_like_group_label_is_quoted_in_the_csv_and_numbers_are_not():
    rows = parse_csv(to_csv(result(groups=["=1+1", "-East"]), suppress_below=5))
    group_rows = [row for row in rows if row and row[0].startswith("'")]
    assert [row[0] for row in group_rows] == ["'=1+1", "'-East"]
    assert group_rows[0][1:3] == ["60", "30"]


def test_a_negative_figure_stays_a_number_in_the_csv():
    rows = parse_csv(to_csv(result({"mean_change": -1.5, "n": 20}, report="x"), suppress_below=5))
    assert ["Mean change", "-1.5"] in rows


# --- XLSX -------------------------------------------------------------------------------------


def test_the_workbook_has_an_about_sheet_then_a_sheet_per_table():
    book = workbook(result(groups=["West", "Chesil"]))
    assert book.sheetnames == ["About", "Engagement", "Engagement by locality"]
    about = {row[0]: row[1] for row in book["About"].iter_rows(values_only=True)}
    assert about["Report"] == "Engagement"
    assert about["As of"] == "2023-06-30"
    assert about["Pathway"] == "Dads Matter Too"
    assert about["Cohort"] == "DMT pilot 2022-23"
    assert about["Broken down by"] == "Locality"
    assert "<5" in about["Suppression"]
    assert about["Generated at"]
    assert book["About"]["A1"].font.b


def test_a_table_sheet_has_a_bold_header_and_readable_widths():
    sheet = workbook(result())["Engagement"]
    header = [cell.value for cell in sheet[1]]
    assert header == ["Figure", "Number", "Out of", "Rate", "95% interval"]
    assert all(cell.font.b for cell in sheet[1])
    assert sheet["A2"].value == "Approached"
    for letter in "ABCDE":
        assert 8 <= sheet.column_dimensions[letter].width <= 60
    assert sheet.column_dimensions["E"].width >= len("66.9% to 88.8%")


def test_figures_are_numeric_cells():
    sheet = workbook(result())["Engagement"]
    approached = sheet["B2"]
    assert approached.value == 60 and approached.data_type == "n"
    rate_row = find(sheet, "Engagement rate").row
    rate = sheet.cell(row=rate_row, column=4)
    assert rate.data_type == "n"
    assert rate.value == pytest.approx(30 / 43)
    assert rate.number_format == "0.0%"
    assert sheet.cell(row=rate_row, column=3).value == 43


def test_suppressed_figures_are_text_in_the_workbook():
    sheet = workbook(result())["Engagement"]
    children = sheet.cell(row=find(sheet, "Children").row, column=2)
    assert (children.value, children.data_type) == ("<5", "s")


@pytest.mark.parametrize("cohort", FORMULAS)
def test_a_formula_like_cohort_arrives_in_the_workbook_as_quoted_text(cohort):
    about = workbook(result(cohort=cohort))["About"]
    cell = about.cell(row=find(about, "Cohort").row, column=2)
    assert cell.value == "'" + cohort.replace("\r", "\n")  # XML reads a CR back as LF
    assert cell.data_type == "s"


def test_a_group_label_starting_with_equals_is_escaped_in_the_workbook():
    sheet = workbook(result(groups=['=HYPERLINK("http://x")', "@SUM(A1)"]))[
        "Engagement by locality"
    ]
    labels = [sheet.cell(row=row, column=1) for row in (2, 3)]
    assert [cell.value for cell in labels] == ['\'=HYPERLINK("http://x")', "'@SUM(A1)"]
    assert all(cell.data_type == "s" for cell in labels)
    assert sheet.cell(row=2, column=2).data_type == "n"


def test_no_cell_of_the_workbook_is_a_formula():
    computed = result(
        {"by_team": [{"team": "=cmd|' /C calc'!A0", "named": 10}, {"team": "+T", "named": 2}]},
        cohort="-2+3",
        groups=["=1"],
        report="father_inclusion",
    )
    book = workbook(computed)
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f"
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(("=", "+", "-", "@", "\t", "\r"))


def test_control_characters_in_a_label_do_not_break_the_workbook():
    book = workbook(result(cohort="Pilot\x00\x07 one"))
    about = {row[0]: row[1] for row in book["About"].iter_rows(values_only=True)}
    assert about["Cohort"] == "Pilot one"


def test_sheet_titles_are_short_unique_and_valid():
    rows = [{"team": "A", "named": 1}]
    data = {
        "a_very_long_list_of_teams_and_their_named_fathers": rows,
        "a_very_long_list_of_teams_and_their_named_fathers_too": rows,
        "[odd]: *teams?/\\": rows,
        "about": rows,
    }
    book = workbook(result(data, report="father_inclusion"))
    titles = book.sheetnames
    assert len(titles) == len({title.lower() for title in titles}) == 5
    for title in titles:
        assert 0 < len(title) <= 31
        assert not any(char in title for char in "[]:*?/\\")


# --- File names -------------------------------------------------------------------------------


def test_the_file_name_names_the_service_report_and_day():
    assert export_filename(result(), "xlsx") == "dmt-engagement-2023-06-30.xlsx"
    assert export_filename(result(report="step_down"), "csv") == "dmt-step-down-2023-06-30.csv"
    assert export_filename(result(groups=["West"]), ".csv") == (
        "dmt-engagement-by-locality-2023-06-30.csv"
    )


def test_the_file_name_is_safe_whatever_the_report_says():
    name = export_filename(result(report='../../etc/"passwd"\r\n'), "x/../lsx")
    assert "/" not in name and '"' not in name and "\n" not in name and ".." not in name
    assert name.startswith("dmt-") and name.endswith(".xlsx")


# --- Every report there is --------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(REPORTS))
def test_every_registered_report_exports_even_when_empty(name):
    computed = compute(name, ReportParameters(as_of=datetime.date(2023, 6, 30)))
    rows = parse_csv(to_csv(computed, suppress_below=5))
    assert rows[0][0] == "Report"
    book = load_workbook(io.BytesIO(to_xlsx(computed, suppress_below=None)))
    assert book.sheetnames[0] == "About" and len(book.sheetnames) >= 2
