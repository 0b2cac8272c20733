"""The service manager's dashboard: the latest standard figures with a chart and its table
for each, never computed in the request; a failed refresh keeps the last good figures on
screen with the failure explained."""

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from outcomes.models import ReportRun
from outcomes.services import dashboards_refresh, report_run_execute, standard_reports


def refreshed() -> list[ReportRun]:
    """The standard reports asked for and computed, as the nightly job does."""
    return [report_run_execute(run) for run in dashboards_refresh(acting_user=None)]


def test_the_dashboard_shows_each_standard_report_with_a_chart_and_its_table(
    client_for, sam, council
):
    council(per_team=6)
    runs = refreshed()

    page = client_for(sam).get(reverse("outcomes:dashboard")).content.decode()

    for title in ("Engagement", "Step down", "Children&#x27;s status", "Pathways"):
        assert f">{title}</h2>" in page
    assert "Fathers approached" in page and "Engagement rate" in page
    assert "95% interval" in page
    assert "Cases stepped down" in page
    assert "Children on child protection plans per 10,000 children" in page
    assert page.count('class="dmt-bars') >= len(runs) - 3
    assert page.count("<caption") >= page.count('class="dmt-bars">') + page.count(
        'class="dmt-bars dmt-bars--rates">'
    )
    assert "As of" in page and "computed" in page
    assert "Refresh all figures now" in page
    assert reverse("outcomes:request") in page and reverse("outcomes:runs") in page


def test_figures_link_to_the_cases_behind_them_unless_suppressed(
    client_for, sam, council, finished_run
):
    council(per_team=3)
    run = finished_run("engagement", pathway="dmt", standard=True)
    members = reverse("outcomes:members", args=[run.pk])

    page = client_for(sam).get(reverse("outcomes:dashboard")).content.decode()

    assert f'href="{members}?key=approached"' in page
    assert f'href="{members}?key=not_engaged"' not in page  # 0: shown as <5


def test_the_dashboard_never_computes_in_the_request(client_for, sam, council):
    council(per_team=2)

    page = client_for(sam).get(reverse("outcomes:dashboard")).content.decode()

    assert ReportRun.objects.count() == 0
    assert page.count("No figures yet") == len(standard_reports())


def test_a_failed_refresh_keeps_the_last_good_figures_with_the_failure_explained(
    client_for, sam, council
):
    council(per_team=6)
    refreshed()
    failed = dashboards_refresh(acting_user=None)[0]
    ReportRun.objects.filter(pk=failed.pk).update(
        status=ReportRun.Status.FAILED,
        error="The report could not be computed (OperationalError).",
        finished_at=timezone.now(),
    )
    ReportRun.objects.filter(status=ReportRun.Status.QUEUED).delete()

    page = client_for(sam).get(reverse("outcomes:dashboard")).content.decode()

    assert "The latest refresh of these figures failed on" in page
    assert "The report could not be computed (OperationalError)." in page
    assert "The figures below are the last good ones." in page
    assert "Fathers approached" in page


def test_a_refresh_under_way_is_said(client_for, sam, council):
    council(per_team=2)
    refreshed()
    dashboards_refresh(acting_user=sam)  # queued, not yet computed

    page = client_for(sam).get(reverse("outcomes:dashboard")).content.decode()

    assert "The figures are being computed again" in page
    assert "Refreshing" in page
    assert "Fathers approached" in page


@override_settings(CELERY_TASK_ALWAYS_EAGER=True)
def test_the_refresh_button_computes_every_standard_report_again(
    client_for, sam, council, django_capture_on_commit_callbacks
):
    council(per_team=2)
    client = client_for(sam)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("outcomes:refresh"))

    assert response.status_code == 302
    assert response["Location"] == reverse("outcomes:dashboard")
    runs = ReportRun.objects.filter(standard=True, requested_by=sam)
    assert runs.count() == len(standard_reports())
    assert all(run.status == ReportRun.Status.SUCCEEDED for run in runs)


def test_the_refresh_button_only_posts(client_for, sam):
    assert client_for(sam).get(reverse("outcomes:refresh")).status_code == 405


@pytest.mark.parametrize("per_team", [2, 12])
def test_the_dashboards_query_count_does_not_grow_with_the_council(
    client_for, sam, council, django_assert_max_num_queries, per_team
):
    council(per_team=per_team)
    refreshed()
    client = client_for(sam)

    # Session, user, the two-factor device the session was verified with, the latest runs and
    # the latest good runs, and the session's sliding-expiry save (3 statements): the same
    # ceiling at 4 and 24 families.
    with django_assert_max_num_queries(8):
        assert client.get(reverse("outcomes:dashboard")).status_code == 200
