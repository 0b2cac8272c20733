"""The outcome reports: one module computes them for the command line, Celery, the
dashboards and the exports alike (`../shared/spec/outcome-reports.md`, version 1)."""

from collections.abc import Callable
from typing import Any

from django.db import DatabaseError, connection
from django.db.models import QuerySet

from . import measures, spec
from .base import DIMENSIONS, Report, ReportError, ReportParameters, rate, wilson
from .breakdowns import dimension_values

__all__ = [
    "DIMENSIONS",
    "REPORTS",
    "SPEC_REPORTS",
    "Report",
    "ReportError",
    "ReportParameters",
    "compute",
    "members",
    "rate",
    "wilson",
]

REPORTS: dict[str, Report] = {report.name: report for report in (*spec.REPORTS, *measures.REPORTS)}
SPEC_REPORTS: tuple[str, ...] = tuple(report.name for report in spec.REPORTS)


def get_report(name: str, by: str | None = None) -> Report:
    """The report called `name`, which must offer breakdown `by` when one is given."""
    try:
        report = REPORTS[name]
    except KeyError:
        raise ReportError(f"Unknown report {name!r}: use one of {', '.join(REPORTS)}.") from None
    if by is not None and by not in report.dimensions:
        raise ReportError(
            f"The {name} report cannot be broken down by {by!r}"
            + (f": use one of {', '.join(report.dimensions)}." if report.dimensions else ".")
        )
    return report


def compute(
    name: str,
    params: ReportParameters,
    *,
    by: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """The report as the spec's JSON object; with `by`, also its `breakdown` by that
    dimension, one group per value present in scope. `progress(done, total)` is told after
    each part, for a run's progress bar."""
    report = get_report(name, by)
    if connection.vendor != "postgresql":
        return _compute(report, params, by, progress)
    # The reports' plans look costly to PostgreSQL, which then spends longer compiling them
    # (JIT) than running them: 2 to 40 times longer, measured at 100,000 children. Set for
    # the session, not a transaction, so that a run's progress stays visible as it goes.
    with connection.cursor() as cursor:
        cursor.execute("SET jit = off")
    try:
        return _compute(report, params, by, progress)
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute("RESET jit")
        except DatabaseError:  # an aborted transaction: its rollback undoes the SET as well
            pass


def _compute(
    report: Report,
    params: ReportParameters,
    by: str | None,
    progress: Callable[[int, int], None] | None,
) -> dict[str, Any]:
    name = report.name
    values = dimension_values(by, params) if by else []
    total = 1 + len(values)
    result: dict[str, Any] = {
        "report": name,
        "as_of": params.as_of.isoformat(),
        "parameters": params.as_json(),
        "data": report.compute(params),
    }
    if progress:
        progress(1, total)
    if by:
        groups = []
        for done, (value, label) in enumerate(values, start=2):
            groups.append(
                {"value": value, "label": label, "data": report.compute(params.narrowed(by, value))}
            )
            if progress:
                progress(done, total)
        result["breakdown"] = {"by": by, "label": DIMENSIONS[by], "groups": groups}
    return result


def members(name: str, params: ReportParameters, key: str) -> tuple[str, QuerySet[Any]] | None:
    """The records behind one figure of a report, `key` being its path in `data` (dotted,
    e.g. "stepped_down.closed.cases"): ("referrals" | "families" | "children", QuerySet), or
    None when the figure cannot be opened. Callers narrow it to what the user may see."""
    report = get_report(name)
    return report.members(params, key) if report.members else None
