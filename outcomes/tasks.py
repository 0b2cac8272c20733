"""Background jobs for outcome reports: thin, they load the row and call the service."""

import logging

from celery import Task, shared_task
from celery.exceptions import Retry

from .models import ReportRun
from .services import (
    TransientReportError,
    dashboards_refresh_nightly,
    report_run_execute,
    report_run_fail,
)

logger = logging.getLogger(__name__)

MAX_RETRIES = 3


@shared_task(name="outcomes.report_run", bind=True, max_retries=MAX_RETRIES)
def report_run_task(self: "Task[[int], str | Retry]", run_id: int) -> str | Retry:
    """Compute one queued run. Delivered twice, it computes once (the service claims the
    run); after a passing failure it tries again with a growing pause, then gives up."""
    run = ReportRun.objects.filter(pk=run_id).first()
    if run is None:
        return "missing"
    try:
        run = report_run_execute(run)
    except TransientReportError as error:
        if self.request.retries >= MAX_RETRIES:
            run = report_run_fail(
                run, f"The report could not be computed after {MAX_RETRIES + 1} tries: {error}"
            )
            return run.status
        # Run eagerly (make run, the tests), Celery retries by applying again at once, which
        # it does only when the Retry is returned rather than raised into the caller.
        retry = self.retry(
            exc=error,
            countdown=2 ** (self.request.retries + 1),
            throw=not self.request.is_eager,
        )
        return retry
    return run.status


@shared_task(name="outcomes.refresh_dashboards")
def refresh_dashboards() -> list[int]:
    """Nightly: queue the dashboards' standard reports as of today: the service's, and each
    led pathway's."""
    return [run.pk for run in dashboards_refresh_nightly()]
