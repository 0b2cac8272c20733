"""Asking for a report and running it: the one path from dashboards, beat and the shell."""

import hashlib
import json
import logging
from typing import Any

from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import AuditEvent, Role, User

from .models import ReportRun
from .reports import REPORTS, ReportError, ReportParameters, compute, get_report
from .selectors import request_refusal

logger = logging.getLogger(__name__)

# Errors worth another try: the database or broker went away for a moment.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (OperationalError, InterfaceError)


class TransientReportError(Exception):
    """The run met a passing failure and is queued again to retry."""


def run_parameters(params: ReportParameters, by: str | None) -> dict[str, Any]:
    return {"as_of": params.as_of.isoformat(), **params.as_json(), "by": by}


def request_key(report: str, parameters: dict[str, Any]) -> str:
    canonical = json.dumps({"report": report, **parameters}, sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def report_run_request(
    *,
    report: str,
    params: ReportParameters,
    by: str | None = None,
    acting_user: User | None,
    standard: bool = False,
) -> ReportRun:
    """Queue `report` for computing, or return the run of the same request already queued or
    running: asking twice never doubles the work. The task is sent once the row is committed.
    Raises ReportError for an unknown report or a breakdown it does not offer, and for a
    report the asker may not read (a pathway manager asking beyond their pathway)."""
    get_report(report, by)  # refuse an unknown report or breakdown before queueing it
    refusal = request_refusal(acting_user, report, params.pathway) if acting_user else None
    if refusal is not None:
        raise ReportError(f"{refusal}.")
    parameters = run_parameters(params, by)
    key = request_key(report, parameters)
    active = ReportRun.objects.filter(key=key, status__in=ReportRun.ACTIVE).first()
    if active is not None:
        return active
    try:
        with transaction.atomic():
            run = ReportRun.objects.create(
                report=report,
                parameters=parameters,
                key=key,
                requested_by=acting_user,
                standard=standard,
            )
            audit_record(
                action=AuditEvent.Action.CREATE,
                actor=acting_user,
                obj=run,
                username="" if acting_user else "nightly refresh",
                detail={"report": report},
            )
    except IntegrityError:  # someone asked for the same a moment ago
        return ReportRun.objects.get(key=key, status__in=ReportRun.ACTIVE)
    transaction.on_commit(lambda: _send(run.pk))
    return run


def _send(run_id: int) -> None:
    from .tasks import report_run_task

    report_run_task.delay(run_id)


def report_run_execute(run: ReportRun) -> ReportRun:
    """Compute a queued run and store its result, or why it failed.

    Claiming the run is one conditional UPDATE, so a task delivered twice (acks are late)
    computes it once. A passing database failure puts the run back in the queue and raises
    TransientReportError for the task to retry; anything else fails the run, keeping the
    message for the page. The last good result of the same request stays where it was."""
    claimed = ReportRun.objects.filter(pk=run.pk, status=ReportRun.Status.QUEUED).update(
        status=ReportRun.Status.RUNNING,
        started_at=timezone.now(),
        progress=0,
        attempts=run.attempts + 1,
    )
    run.refresh_from_db()
    if not claimed:
        return run
    parameters = dict(run.parameters)
    by = parameters.pop("by", None)

    def progress(done: int, total: int) -> None:
        ReportRun.objects.filter(pk=run.pk).update(progress=min(99, done * 100 // total))

    try:
        result = compute(
            run.report, ReportParameters.from_json(parameters), by=by, progress=progress
        )
    except ReportError as error:
        return _fail(run, str(error))
    except TRANSIENT_ERRORS as error:
        ReportRun.objects.filter(pk=run.pk).update(
            status=ReportRun.Status.QUEUED, error=f"Retrying after: {error}".strip()[:1000]
        )
        raise TransientReportError(str(error)) from error
    except Exception as error:  # the page must say the run failed, whatever broke
        logger.exception("Report run %s failed", run.pk)
        return _fail(run, f"The report could not be computed ({type(error).__name__}).")
    ReportRun.objects.filter(pk=run.pk).update(
        status=ReportRun.Status.SUCCEEDED,
        result=result,
        progress=100,
        error="",
        finished_at=timezone.now(),
    )
    run.refresh_from_db()
    return run


def report_run_fail(run: ReportRun, message: str) -> ReportRun:
    """Give up on a run (its retries are spent): the page shows why."""
    return _fail(run, message)


def _fail(run: ReportRun, message: str) -> ReportRun:
    ReportRun.objects.filter(pk=run.pk).update(
        status=ReportRun.Status.FAILED, error=message[:1000], finished_at=timezone.now()
    )
    run.refresh_from_db()
    return run


def last_good_run(run: ReportRun) -> ReportRun | None:
    """The latest finished run of the same request: what a failed or running one still shows."""
    return (
        ReportRun.objects.filter(key=run.key, status=ReportRun.Status.SUCCEEDED)
        .exclude(pk=run.pk)
        .order_by("-finished_at", "-pk")
        .first()
    )


# The dashboards' standard reports, in the dashboard's order: refreshed nightly, as of that day.
STANDARD_REPORTS: tuple[tuple[str, dict[str, str]], ...] = (
    ("engagement", {"pathway": "dmt"}),
    ("step_down", {"pathway": "dmt"}),
    ("child_status", {}),
    ("pathways", {}),
    ("cp_rate", {}),
    ("mi_training", {}),
    ("father_inclusion", {}),
    ("group_supervision", {}),
    ("recovery_star", {}),
    ("depression_anxiety", {}),
)


def standard_reports(pathway: str | None = None) -> list[tuple[str, dict[str, str]]]:
    """The standard reports of the service's dashboard, or of one pathway's: those of the
    service's that narrow to a pathway, each for that pathway."""
    if pathway is None:
        return list(STANDARD_REPORTS)
    return [
        (name, {**options, "pathway": pathway})
        for name, options in STANDARD_REPORTS
        if REPORTS[name].pathway_scoped
    ]


def dashboards_refresh(*, acting_user: User | None, pathway: str | None = None) -> list[ReportRun]:
    """Queue the standard reports of the service's dashboard (or of `pathway`'s) as of today,
    on a manager's request."""
    today = timezone.localdate()
    return [
        report_run_request(
            report=name,
            params=ReportParameters.parse(as_of=today, **options),
            acting_user=acting_user,
            standard=True,
        )
        for name, options in standard_reports(pathway)
    ]


def dashboards_refresh_nightly() -> list[ReportRun]:
    """Nightly: the service's dashboard, and the dashboard of each pathway that has a pathway
    manager to read it (a report both share, such as Dads Matter Too's engagement, once)."""
    led = (
        User.objects.filter(role=Role.SPECIALIST, leads_pathway=True, is_active=True)
        .order_by("pathway")
        .values_list("pathway", flat=True)
        .distinct()
    )
    runs = dashboards_refresh(acting_user=None)
    for pathway in led:
        runs += dashboards_refresh(acting_user=None, pathway=pathway)
    return list({run.pk: run for run in runs}.values())


def latest_standard_runs(
    pathway: str | None = None,
) -> dict[str, tuple[ReportRun | None, ReportRun | None]]:
    """For each standard report of the service's dashboard (or of `pathway`'s): its latest
    standard run whatever its state, and its latest finished one (what the dashboard shows
    while a refresh runs or after one failed). Two queries."""
    wanted = standard_reports(pathway)
    # Each report once, for one pathway (None, JSON null, for every pathway): the service's
    # child_status is not Dads Matter Too's.
    asked = Q()
    for name, options in wanted:
        asked |= Q(report=name, parameters__pathway=options.get("pathway"))

    def latest(status: str | None) -> dict[str, ReportRun]:
        runs = ReportRun.objects.filter(asked, standard=True)
        if status:
            runs = runs.filter(status=status)
        newest = runs.filter(report=OuterRef("report")).order_by("-queued_at", "-pk")
        return {run.report: run for run in runs.filter(pk=Subquery(newest.values("pk")[:1]))}

    any_state = latest(None)
    good = latest(ReportRun.Status.SUCCEEDED)
    return {name: (any_state.get(name), good.get(name)) for name, _ in wanted}
