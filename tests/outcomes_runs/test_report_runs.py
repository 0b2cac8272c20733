"""Asking for a report queues one run, computes it once, and keeps what was last good."""

import pytest
from django.db import OperationalError

from accounts.models import AuditEvent, Role
from outcomes import services
from outcomes.models import ReportRun
from outcomes.reports import ReportError, ReportParameters
from outcomes.services import (
    TransientReportError,
    dashboards_refresh,
    last_good_run,
    latest_standard_runs,
    report_run_execute,
    report_run_request,
)
from outcomes.tasks import report_run_task

from .conftest import AS_OF

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(make_user):
    return make_user(Role.SERVICE_MANAGER, username="sue")


def ask(manager, report="engagement", by=None, **options):
    return report_run_request(
        report=report,
        params=ReportParameters.parse(as_of=AS_OF, **options),
        by=by,
        acting_user=manager,
    )


def test_a_request_is_queued_with_its_parameters_and_audited(manager, cohorts):
    run = ask(manager, pathway="dmt", by="cohort")

    assert run.status == ReportRun.Status.QUEUED
    assert run.parameters == {
        "as_of": "2024-06-30",
        "pathway": "dmt",
        "cohort": None,
        "from": None,
        "to": None,
        "by": "cohort",
    }
    assert run.requested_by == manager
    event = AuditEvent.objects.get(object_type="outcomes.reportrun", object_id=str(run.pk))
    assert (event.actor, event.action) == (manager, AuditEvent.Action.CREATE)


def test_asking_twice_while_queued_returns_the_same_run(manager, cohorts):
    first = ask(manager, pathway="dmt")
    second = ask(manager, pathway="dmt")

    assert second.pk == first.pk
    assert ReportRun.objects.count() == 1


def test_a_different_request_is_a_different_run(manager, cohorts):
    first = ask(manager, pathway="dmt")
    second = ask(manager, pathway="dmt", cohort="Pilot")

    assert second.pk != first.pk


def test_the_task_is_sent_only_once_the_request_is_committed(
    manager, cohorts, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run = ask(manager, pathway="dmt")

    assert len(callbacks) == 1
    run.refresh_from_db()
    assert run.status == ReportRun.Status.QUEUED


def test_a_committed_request_is_computed_by_the_task(
    manager, cohorts, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        run = ask(manager, pathway="dmt", by="cohort")

    run.refresh_from_db()
    assert run.status == ReportRun.Status.SUCCEEDED
    assert run.progress == 100
    assert run.started_at <= run.finished_at
    assert run.result["data"]["approached"] == 9
    groups = {g["label"]: g["data"]["engaged"] for g in run.result["breakdown"]["groups"]}
    assert groups == {"Later": 1, "Pilot": 4}


def test_a_run_delivered_twice_is_computed_once(manager, cohorts):
    run = ask(manager, pathway="dmt")
    report_run_execute(run)
    finished = ReportRun.objects.get(pk=run.pk)

    again = report_run_execute(ReportRun.objects.get(pk=run.pk))

    assert again.attempts == 1
    assert again.finished_at == finished.finished_at


def test_progress_is_reported_part_by_part(manager, cohorts, monkeypatch):
    seen = []
    real_compute = services.compute

    def watching(name, params, *, by=None, progress=None):
        def spy(done, total):
            progress(done, total)
            seen.append(ReportRun.objects.get().progress)

        return real_compute(name, params, by=by, progress=spy)

    monkeypatch.setattr(services, "compute", watching)
    report_run_execute(ask(manager, pathway="dmt", by="cohort"))

    assert seen == [33, 66, 99]
    assert ReportRun.objects.get().progress == 100


def test_a_failed_run_explains_itself_and_the_last_good_result_stays(manager, cohorts, monkeypatch):
    good = report_run_execute(ask(manager, pathway="dmt"))

    def broken(*args, **kwargs):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(services, "compute", broken)
    failed = report_run_execute(ask(manager, pathway="dmt"))

    assert failed.status == ReportRun.Status.FAILED
    assert failed.error == "The report could not be computed (ZeroDivisionError)."
    assert failed.result is None
    assert last_good_run(failed) == good
    assert ReportRun.objects.get(pk=good.pk).result["data"]["engaged"] == 5


def test_a_transient_failure_is_retried_then_succeeds(manager, cohorts, monkeypatch):
    calls = []
    real_compute = services.compute

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real_compute(*args, **kwargs)

    monkeypatch.setattr(services, "compute", flaky)
    run = ask(manager, pathway="dmt")

    status = report_run_task.apply(args=[run.pk]).get()

    run.refresh_from_db()
    assert (status, run.status, run.attempts, len(calls)) == ("succeeded", "succeeded", 2, 2)
    assert run.error == ""


def test_a_failure_that_persists_fails_the_run_after_the_retries(manager, cohorts, monkeypatch):
    def down(*args, **kwargs):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(services, "compute", down)
    run = ask(manager, pathway="dmt")

    report_run_task.apply(args=[run.pk]).get()

    run.refresh_from_db()
    assert run.status == ReportRun.Status.FAILED
    assert run.attempts == 4
    assert "after 4 tries" in run.error


def test_the_service_raises_for_the_task_to_retry_and_requeues_the_run(
    manager, cohorts, monkeypatch
):
    def down(*args, **kwargs):
        raise OperationalError("gone")

    monkeypatch.setattr(services, "compute", down)
    run = ask(manager, pathway="dmt")

    with pytest.raises(TransientReportError):
        report_run_execute(run)

    run.refresh_from_db()
    assert run.status == ReportRun.Status.QUEUED


def test_an_unknown_report_or_breakdown_is_refused_and_nothing_is_queued(manager, cohorts):
    with pytest.raises(ReportError, match="Unknown report 'nosuch'"):
        ask(manager, report="nosuch")
    with pytest.raises(ReportError, match="cannot be broken down by 'pathway'"):
        ask(manager, report="pathways", by="pathway")

    assert ReportRun.objects.count() == 0
    assert not AuditEvent.objects.filter(object_type="outcomes.reportrun").exists()


def test_the_nightly_refresh_queues_each_standard_report_once(cohorts):
    first = dashboards_refresh(acting_user=None)
    second = dashboards_refresh(acting_user=None)

    assert [run.pk for run in first] == [run.pk for run in second]
    assert {run.report for run in first} >= {"engagement", "step_down", "child_status", "pathways"}
    assert all(run.standard and run.requested_by is None for run in first)
    event = AuditEvent.objects.filter(object_type="outcomes.reportrun").first()
    assert event.username == "nightly refresh"


def test_the_dashboard_reads_the_latest_and_the_last_good_standard_run(cohorts, monkeypatch):
    for run in dashboards_refresh(acting_user=None):
        report_run_execute(run)
    monkeypatch.setattr(services, "compute", lambda *a, **k: 1 / 0)
    for run in dashboards_refresh(acting_user=None):
        report_run_execute(run)

    latest, good = latest_standard_runs()["engagement"]

    assert latest.status == ReportRun.Status.FAILED
    assert good.status == ReportRun.Status.SUCCEEDED
    assert good.result["data"]["approached"] == 9


def test_latest_standard_runs_takes_two_queries_however_many_runs(
    cohorts, django_assert_num_queries
):
    for _ in range(3):
        for run in dashboards_refresh(acting_user=None):
            report_run_execute(run)

    with django_assert_num_queries(2):
        latest_standard_runs()


def test_beat_runs_the_nightly_refresh_task_which_queues_the_standard_reports(cohorts, settings):
    from dmt.celery import app
    from outcomes.tasks import refresh_dashboards

    entry = next(
        entry
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == "outcomes.refresh_dashboards"
    )
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({2}, {30})
    assert "outcomes.refresh_dashboards" in app.tasks

    queued = refresh_dashboards.delay().get()

    runs = ReportRun.objects.filter(pk__in=queued, standard=True)
    assert {run.report for run in runs} == {name for name, _ in services.STANDARD_REPORTS}
