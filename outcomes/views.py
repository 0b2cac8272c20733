"""Outcome pages: the dashboard, asking for a report, a run's progress and result, exports,
the committee print and the records behind a figure. Thin: each checks the reader, then calls
a selector or service. Nothing here computes a report: the dashboard shows the latest
standard runs, and a request queues a run for Celery."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.audit import audit_record, audit_record_many
from accounts.models import AuditEvent, User
from accounts.permissions import signed_in_user
from dmt.exports import csv_response, export_view, xlsx_response
from families.selectors import family_list_for, name_families

from . import display, exports, selectors, services
from .forms import ReportRequestForm, cohort_choices
from .models import ReportRun
from .reports import REPORTS, ReportError
from .tables import LABELS, suppress_threshold

RECENT_RUNS = 50
RECORDS_PER_PAGE = 50


def _reader(request: HttpRequest) -> User:
    user = signed_in_user(request)
    if not selectors.can_read_outcomes(user):
        raise PermissionDenied
    return user


def _run(user: User, pk: int) -> ReportRun:
    return get_object_or_404(selectors.runs_for(user), pk=pk)


def _succeeded_run(user: User, pk: int) -> tuple[ReportRun, dict[str, Any]]:
    """A run `user` may read, with its result (404 while it has none)."""
    run = _run(user, pk)
    if run.status != ReportRun.Status.SUCCEEDED or not run.result:
        raise Http404("This report has no result yet.")
    return run, run.result


# The dashboard -----------------------------------------------------------------------------


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """The service's standard figures; for a pathway manager, the same reports for their
    pathway alone."""
    user = _reader(request)
    pathway = selectors.reader_pathway(user)
    sections = display.dashboard_sections(
        services.latest_standard_runs(pathway), suppress_below=suppress_threshold()
    )
    return render(
        request,
        "outcomes/dashboard.html",
        {
            "sections": sections,
            "refreshing": any(section.refreshing for section in sections),
            "suppress_below": suppress_threshold(),
            "pathway": LABELS.get(pathway, pathway) if pathway else "",
        },
    )


@require_POST
def refresh(request: HttpRequest) -> HttpResponse:
    user = _reader(request)
    runs = services.dashboards_refresh(acting_user=user, pathway=selectors.reader_pathway(user))
    if all(run.status == ReportRun.Status.SUCCEEDED for run in runs):
        messages.success(request, "Every figure has been computed again.")
    else:
        messages.success(
            request, "The figures are being computed again. This page shows each when ready."
        )
    return redirect("outcomes:dashboard")


# Asking for a report -----------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def report_request(request: HttpRequest) -> HttpResponse:
    user = _reader(request)
    initial = {"report": request.GET.get("report"), "by": request.GET.get("by")}
    form = ReportRequestForm(
        request.POST or None,
        cohorts=cohort_choices(),
        reader=user,
        initial={key: value for key, value in initial.items() if value},
    )
    if request.method == "POST" and form.is_valid():
        assert form.params is not None
        try:
            run = services.report_run_request(
                report=form.cleaned_data["report"],
                params=form.params,
                by=form.cleaned_data["by"] or None,
                acting_user=user,
            )
        except ReportError as error:
            form.add_error(None, str(error))
        else:
            return redirect("outcomes:run", run.pk)
    return render(request, "outcomes/request.html", {"form": form, "reports": REPORTS})


# A run -------------------------------------------------------------------------------------


def _result_context(run: ReportRun | None) -> dict[str, Any]:
    if run is None or not run.result:
        return {}
    threshold = suppress_threshold()
    return {
        "tables": display.shown_tables(run, run.result, suppress_below=threshold),
        "comparisons": display.shown_comparisons(run.result, suppress_below=threshold),
        "by": display.breakdown_name(run.result),
    }


@require_GET
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _reader(request)
    run = _run(user, pk)
    last_good = None if run.status == ReportRun.Status.SUCCEEDED else services.last_good_run(run)
    shown = run if run.status == ReportRun.Status.SUCCEEDED else last_good
    return render(
        request,
        "outcomes/run.html",
        {
            "run": run,
            "last_good": last_good,
            "shown": shown,
            "parameters": display.parameters_in_words(run),
            "title": display.parameters_sentence(run),
            "description": display.report_description(run.report),
            "suppress_below": suppress_threshold(),
            **_result_context(shown),
        },
    )


@require_GET
def run_status(request: HttpRequest, pk: int) -> JsonResponse:
    user = _reader(request)
    run = _run(user, pk)
    return JsonResponse(
        {
            "status": run.status,
            "status_text": run.get_status_display(),
            "progress": run.progress,
            "finished": not run.is_active,
            "error": run.error if run.status == ReportRun.Status.FAILED else "",
            "url": reverse("outcomes:run", args=[run.pk]),
        }
    )


@require_GET
def run_list(request: HttpRequest) -> HttpResponse:
    user = _reader(request)
    runs = list(selectors.runs_for(user).order_by("-queued_at", "-pk")[:RECENT_RUNS])
    rows = [(run, display.parameters_sentence(run)) for run in runs]
    return render(request, "outcomes/run_list.html", {"rows": rows})


# Exports and the committee print -----------------------------------------------------------


def _audit_export(user: User, run: ReportRun, form: str) -> None:
    audit_record(action=AuditEvent.Action.EXPORT, actor=user, obj=run, detail={"format": form})


def _download(request: HttpRequest, pk: int, form: str) -> HttpResponse:
    """A finished run as a CSV or XLSX attachment, suppressed, its download audited."""
    user = _reader(request)
    run, result = _succeeded_run(user, pk)
    threshold = suppress_threshold()
    filename = exports.export_filename(result, form)
    if form == "csv":
        response = csv_response(exports.csv_rows(result, threshold), filename=filename)
    else:
        body = exports.to_xlsx(result, suppress_below=threshold)
        response = xlsx_response(body, filename=filename)
    _audit_export(user, run, form)
    return response


@require_GET
@export_view
def export_csv(request: HttpRequest, pk: int) -> HttpResponse:
    return _download(request, pk, "csv")


@require_GET
@export_view
def export_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    return _download(request, pk, "xlsx")


@require_GET
def run_print(request: HttpRequest, pk: int) -> HttpResponse:
    user = _reader(request)
    run, result = _succeeded_run(user, pk)
    threshold = suppress_threshold()
    return render(
        request,
        "outcomes/print.html",
        {
            "run": run,
            "title": display.parameters_sentence(run),
            "parameters": display.parameters_in_words(run),
            "description": display.report_description(run.report),
            "tables": display.shown_tables(
                run, result, suppress_below=threshold, charts=False, links=False
            ),
            "comparisons": display.shown_comparisons(result, suppress_below=threshold),
            "by": display.breakdown_name(result),
            "suppression": exports.suppression_note(threshold),
            "generated_at": timezone.now(),
        },
    )


# The records behind a figure ---------------------------------------------------------------


@require_GET
def members(request: HttpRequest, pk: int) -> HttpResponse:
    user = _reader(request)
    run = _run(user, pk)
    key = request.GET.get("key", "")
    group = request.GET.get("group") or None
    found = selectors.members_for(user, run, key, group) if key else None
    if found is None:
        raise Http404("That figure cannot be opened.")
    paginator = Paginator(found.visible, RECORDS_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    records = list(page.object_list)
    families = _families_of(found.kind, records)
    audit_record_many(
        action=AuditEvent.Action.VIEW,
        actor=user,
        objects=list(families.values()),
        detail={"page": "outcomes:members", "run": run.pk, "key": key},
    )
    readable = family_list_for(user)
    openable = set(readable.filter(pk__in=list(families)).values_list("pk", flat=True))
    # Named by their children only where the reader may open the family; by reference else.
    name_families(
        records if found.kind == "families" else [record.family for record in records],
        within=readable,
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "outcomes/members.html",
        {
            "run": run,
            "kind": found.kind,
            "page": page,
            "records": records,
            "openable": openable,
            # Whether, never how many: a count of records out of the reader's reach could give
            # back a figure the run page suppresses (another team's "<5").
            "some_hidden": found.total > paginator.count,
            "figure": display.figure_label(run, key, group),
            "title": display.parameters_sentence(run),
            "query": query.urlencode(),
        },
    )


def _families_of(kind: str, records: list[Any]) -> dict[int, Any]:
    """The families of the records shown, each once: what the page reads of each."""
    if kind == "families":
        return {family.pk: family for family in records}
    # A child's membership and a referral each name their family.
    return {record.family_id: record.family for record in records}
