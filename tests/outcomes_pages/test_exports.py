"""Exports of a finished run, as CSV and Excel, and the printable page for committee papers:
suppressed as the pages are, and safe to open in a spreadsheet."""

import io

from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import AuditEvent
from outcomes.models import ReportRun
from outcomes.reports import ReportParameters
from outcomes.services import report_run_request

from .conftest import build_family


def test_the_csv_export_is_an_attachment_named_for_the_report(
    client_for, sam, council, finished_run, today
):
    council(per_team=3)
    run = finished_run("engagement", pathway="dmt")

    response = client_for(sam).get(reverse("outcomes:export_csv", args=[run.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="dmt-engagement-{today.isoformat()}.csv"'
    )
    text = response.content.decode("utf-8-sig")
    assert "Approached,6" in text


def test_the_csv_export_suppresses_small_counts(client_for, sam, council, finished_run):
    council(per_team=1)
    run = finished_run("engagement", pathway="dmt")

    text = client_for(sam).get(reverse("outcomes:export_csv", args=[run.pk])).content.decode()

    assert "Approached,<5" in text
    assert "Approached,2" not in text


def test_the_xlsx_export_opens_in_a_spreadsheet_with_its_figures(
    client_for, sam, council, finished_run, today
):
    council(per_team=3)
    run = finished_run("engagement", pathway="dmt", by="cohort")

    response = client_for(sam).get(reverse("outcomes:export_xlsx", args=[run.pk]))

    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"] == (
        f'attachment; filename="dmt-engagement-by-cohort-{today.isoformat()}.xlsx"'
    )
    book = load_workbook(io.BytesIO(response.content))
    sheet = book["Engagement"]
    rows = {row[0]: row[1] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows["Approached"] == 6


def test_exports_escape_cells_a_spreadsheet_would_run(client_for, sam, team, finished_run, today):
    for _ in range(5):
        build_family(team, cohort='=HYPERLINK("http://evil")', today=today)
    run = finished_run("engagement", by="cohort")
    client = client_for(sam)

    text = client.get(reverse("outcomes:export_csv", args=[run.pk])).content.decode()
    book = load_workbook(
        io.BytesIO(client.get(reverse("outcomes:export_xlsx", args=[run.pk])).content)
    )

    assert "'=HYPERLINK" in text
    assert "\n=HYPERLINK" not in text and ",=HYPERLINK" not in text
    cells = [cell for sheet in book for row in sheet.iter_rows() for cell in row]
    group_cells = [cell for cell in cells if "HYPERLINK" in str(cell.value)]
    assert group_cells
    assert all(str(cell.value).startswith("'=") for cell in group_cells)
    assert all(cell.data_type == "s" for cell in group_cells)


def test_exports_are_audited_against_the_run(client_for, sam, finished_run):
    run = finished_run("pathways")
    client = client_for(sam)

    client.get(reverse("outcomes:export_csv", args=[run.pk]))
    client.get(reverse("outcomes:export_xlsx", args=[run.pk]))

    events = AuditEvent.objects.filter(
        action=AuditEvent.Action.EXPORT, object_type="outcomes.reportrun", object_id=str(run.pk)
    )
    assert sorted(event.detail["format"] for event in events) == ["csv", "xlsx"]
    assert {event.actor for event in events} == {sam}


def test_a_run_that_has_not_finished_or_failed_has_no_exports_nor_print(client_for, sam):
    params = ReportParameters.parse(as_of=timezone.localdate())
    waiting = report_run_request(report="pathways", params=params, acting_user=sam)
    failed = report_run_request(report="engagement", params=params, acting_user=sam)
    ReportRun.objects.filter(pk=failed.pk).update(status=ReportRun.Status.FAILED, error="x")
    client = client_for(sam)

    for run in (waiting, failed):
        for name in ("outcomes:export_csv", "outcomes:export_xlsx", "outcomes:print"):
            assert client.get(reverse(name, args=[run.pk])).status_code == 404


def test_the_printable_page_has_the_tables_definitions_and_suppression_note_without_navigation(
    client_for, sam, council, finished_run
):
    council(per_team=3)
    run = finished_run("step_down", pathway="dmt")

    page = client_for(sam).get(reverse("outcomes:print", args=[run.pk])).content.decode()

    assert "<h1" in page and "Step down" in page
    assert "For each engaged family, its level of concern" in page
    assert "Definitions" in page
    assert "Counts below 5 (0 included) are shown as &quot;&lt;5&quot;" in page
    assert "Generated" in page
    assert "Dads Matter Too" in page
    assert "govuk-service-navigation" not in page
    assert "Sign out" not in page
    assert "/cases/?key=" not in page
