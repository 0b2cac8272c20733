"""A run's page: live progress while it is queued or running, its figures when finished, and
when it failed, why, beside the last good result of the same request."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from outcomes.models import ReportRun
from outcomes.reports import ReportParameters
from outcomes.services import report_run_request


def queued(report: str = "engagement", **parameters) -> ReportRun:
    params = ReportParameters.parse(as_of=timezone.localdate(), **parameters)
    return report_run_request(report=report, params=params, acting_user=None)


def test_a_running_run_shows_its_progress_in_a_live_region_with_a_refresh_link(client_for, sam):
    run = queued()
    ReportRun.objects.filter(pk=run.pk).update(status=ReportRun.Status.RUNNING, progress=40)

    page = client_for(sam).get(reverse("outcomes:run", args=[run.pk])).content.decode()

    assert 'aria-live="polite"' in page
    assert f'data-status-url="{reverse("outcomes:run_status", args=[run.pk])}"' in page
    assert '<progress class="dmt-progress" id="run-progress" max="100" value="40">' in page
    assert "40% done" in page
    assert ">Refresh</a>" in page
    assert "js/run-status.js" in page


def test_status_json_tells_the_progress_of_a_running_run(client_for, sam):
    run = queued()
    ReportRun.objects.filter(pk=run.pk).update(status=ReportRun.Status.RUNNING, progress=60)

    response = client_for(sam).get(reverse("outcomes:run_status", args=[run.pk]))

    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "status": "running",
        "status_text": "Running",
        "progress": 60,
        "finished": False,
        "error": "",
        "url": reverse("outcomes:run", args=[run.pk]),
    }


def test_status_json_says_a_run_has_finished_and_where_to_see_it(client_for, sam, finished_run):
    run = finished_run("pathways")

    answer = client_for(sam).get(reverse("outcomes:run_status", args=[run.pk])).json()

    assert answer["status"] == "succeeded"
    assert answer["finished"] is True
    assert answer["progress"] == 100
    assert answer["url"] == reverse("outcomes:run", args=[run.pk])


def test_status_json_of_a_failed_run_gives_the_error(client_for, sam):
    run = queued()
    ReportRun.objects.filter(pk=run.pk).update(
        status=ReportRun.Status.FAILED, error="The database went away."
    )

    answer = client_for(sam).get(reverse("outcomes:run_status", args=[run.pk])).json()

    assert answer["finished"] is True
    assert answer["error"] == "The database went away."


def test_a_finished_run_shows_its_tables_parameters_in_words_and_exports(
    client_for, sam, council, finished_run
):
    council(per_team=3)
    run = finished_run("engagement", pathway="dmt", date_from="2020-01-01", date_to="2030-12-31")

    page = client_for(sam).get(reverse("outcomes:run", args=[run.pk])).content.decode()

    assert "Finished" in page
    assert "Dads Matter Too" in page
    assert "Referred or opened from 1 January 2020 to 31 December 2030" in page
    assert "All cohorts" in page
    assert "<caption" in page and "Engagement rate" in page
    assert 'class="dmt-bars' in page
    assert reverse("outcomes:export_csv", args=[run.pk]) in page
    assert reverse("outcomes:export_xlsx", args=[run.pk]) in page
    assert reverse("outcomes:print", args=[run.pk]) in page
    assert f"{reverse('outcomes:members', args=[run.pk])}?key=approached" in page
    assert 'aria-live="polite"' in page and "data-status-url" not in page


def test_a_failed_run_explains_the_failure_and_shows_the_last_good_result(
    client_for, sam, council, finished_run
):
    council(per_team=3)
    good = finished_run("engagement", pathway="dmt")
    failed = queued("engagement", pathway="dmt")
    ReportRun.objects.filter(pk=failed.pk).update(
        status=ReportRun.Status.FAILED,
        error="The report could not be computed (OperationalError).",
        finished_at=timezone.now(),
    )

    page = client_for(sam).get(reverse("outcomes:run", args=[failed.pk])).content.decode()

    assert "govuk-warning-text" in page
    assert "The report could not be computed (OperationalError)." in page
    assert "Below is the last good result of the same request" in page
    assert "Last good figures" in page
    assert reverse("outcomes:export_xlsx", args=[good.pk]) in page
    assert f"{reverse('outcomes:members', args=[good.pk])}?key=approached" in page


def test_a_failed_run_with_no_earlier_result_says_so(client_for, sam):
    failed = queued("pathways")
    ReportRun.objects.filter(pk=failed.pk).update(
        status=ReportRun.Status.FAILED, error="Broken.", finished_at=timezone.now()
    )

    page = client_for(sam).get(reverse("outcomes:run", args=[failed.pk])).content.decode()

    assert "Broken." in page
    assert "There is no earlier result of the same request" in page
    assert "export.csv" not in page


def test_an_unknown_run_is_404(client_for, sam):
    assert client_for(sam).get(reverse("outcomes:run", args=[999])).status_code == 404


def test_recent_runs_list_the_last_fifty_with_status_and_who_asked(client_for, sam, tess, today):
    for days in range(55):
        params = ReportParameters.parse(as_of=today - datetime.timedelta(days=days))
        report_run_request(report="pathways", params=params, acting_user=tess)

    page = client_for(sam).get(reverse("outcomes:runs")).content.decode()

    assert page.count(">Queued</strong>") == 50
    assert "Tess Manager" in page
    assert "The last 50 reports" in page


@pytest.mark.parametrize("cohorts", [("Pilot", "Later"), ("A", "B", "C", "D", "E", "F")])
def test_the_run_pages_query_count_does_not_grow_with_the_report(
    client_for, sam, council, finished_run, django_assert_max_num_queries, cohorts
):
    council(per_team=6, cohorts=cohorts)
    run = finished_run("child_status", by="cohort")
    client = client_for(sam)

    # Session, user, the two-factor device the session was verified with, the run, and the
    # session's sliding-expiry save (3 statements): the same ceiling for two groups and six.
    with django_assert_max_num_queries(7):
        assert client.get(reverse("outcomes:run", args=[run.pk])).status_code == 200
