"""Outcome report runs in the partner API: ask for a report, follow its progress, read its
result as the spec's JSON (../shared/spec/outcome-reports.md), or fetch the CSV/XLSX the
pages export.

The same rules as the pages: only outcomes readers (selectors.can_read_outcomes) use it, a
pathway manager only for their pathway (selectors.request_refusal, runs_for); a request is
checked by the page's own form (ReportRequestForm), so the API refuses exactly what the page
refuses, in the same words, and queued by services.report_run_request, which answers an
identical request already queued or running with that run instead of a second one.
"""

import copy
from typing import Any

import django_filters
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.audit import audit_page_view_many
from accounts.models import SpecialistPathway
from accounts.permissions import signed_in_user
from dmt.api import fields
from dmt.api.views import ApiViewSet

from . import selectors, services
from .forms import ReportRequestForm, cohort_choices
from .models import ReportRun
from .reports import DIMENSIONS, REPORTS, ReportError
from .tables import suppress_threshold, tables_for

TAGS = ["Outcome reports"]
ID_PATTERN = "[0-9]{1,19}"  # ASCII digits (dmt.parsing): int() would read "٣" as 3
NOT_A_READER = "Only service, team and pathway managers can read and ask for outcome reports."
READERS = (
    "Service managers and team managers; pathway managers for the reports of their own "
    "pathway only. Anyone else gets 403."
)


class LinksSerializer(serializers.Serializer):
    self = serializers.URLField(help_text="This run in the API: poll it for progress.")
    page = serializers.URLField(help_text="The run's page, for people.")
    csv = serializers.URLField(
        allow_null=True, help_text="The result as CSV, as the page exports it; null until done."
    )
    xlsx = serializers.URLField(
        allow_null=True, help_text="The result as XLSX, as the page exports it; null until done."
    )


class ReportRunSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="pk", read_only=True)
    requested_by = serializers.CharField(
        source="requested_by.username",
        read_only=True,
        default=None,
        allow_null=True,
        help_text="Who asked (a username); null for the nightly refresh.",
    )
    error = serializers.SerializerMethodField(help_text="Why the run failed; empty otherwise.")
    links = serializers.SerializerMethodField()

    class Meta:
        model = ReportRun
        fields = [
            "id",
            "report",
            "parameters",
            "status",
            "progress",
            "queued_at",
            "started_at",
            "finished_at",
            "error",
            "standard",
            "requested_by",
            "links",
        ]

    def get_error(self, run: ReportRun) -> str:
        return run.error if run.status == ReportRun.Status.FAILED else ""

    @extend_schema_field(LinksSerializer)
    def get_links(self, run: ReportRun) -> dict[str, str | None]:
        return run_links(self.context["request"], run)


def run_links(request: Request, run: ReportRun) -> dict[str, str | None]:
    done = run.status == ReportRun.Status.SUCCEEDED and bool(run.result)

    def url(name: str) -> str:
        return request.build_absolute_uri(reverse(name, args=[run.pk]))

    return {
        "self": url("api-report-detail"),
        "page": url("outcomes:run"),
        "csv": url("outcomes:export_csv") if done else None,
        "xlsx": url("outcomes:export_xlsx") if done else None,
    }


def _is_identifier(key: str) -> bool:
    """A record's id ("team_id"): outcomes.tables leaves these out of its tables."""
    return key == "id" or key.endswith("_id")


def shown_result(result: dict[str, Any], threshold: int | None) -> dict[str, Any]:
    """The spec's JSON of a result with every figure the pages hide made null: the same keys
    and shape, and the same numbers where the pages show them. An allowlist: a number is kept
    only where outcomes.tables shows it (unsuppressed) in a table of the result; the tables
    are what the pages, exports and drill-down follow (outcomes.tables.disclosure)."""
    if threshold is None:
        return result
    shown: set[tuple[str | None, str]] = set()
    for table in tables_for(result, suppress_below=threshold):
        for index, row in enumerate(table.rows):
            group = table.group_values[index] if table.group_by else None
            for cell in row:
                if cell.key is not None and not cell.suppressed:
                    shown.add((group, cell.key))
    safe = copy.deepcopy(result)

    def scrub(value: Any, group: str | None, path: str) -> Any:
        if isinstance(value, dict):
            # Record ids (a team's, a locality's) are for links, not figures: tables leave
            # them out, and they stay.
            return {
                key: inner
                if _is_identifier(str(key))
                else scrub(inner, group, f"{path}.{key}" if path else str(key))
                for key, inner in value.items()
            }
        if isinstance(value, list) and any(isinstance(item, dict | list) for item in value):
            return [scrub(item, group, f"{path}.{index}") for index, item in enumerate(value)]
        is_number = isinstance(value, int | float) and not isinstance(value, bool)
        is_interval = isinstance(value, list) and bool(value)
        if (is_number or is_interval) and (group, path) not in shown:
            return None
        return value

    safe["data"] = scrub(safe.get("data") or {}, None, "")
    for group in (safe.get("breakdown") or {}).get("groups") or []:
        group["data"] = scrub(group.get("data") or {}, str(group.get("value")), "")
    return safe


class ReportRunDetailSerializer(ReportRunSerializer):
    result = serializers.SerializerMethodField(
        help_text="Once the run has finished: the report as the outcome reports spec's JSON "
        '({"report", "as_of", "parameters", "data"}, and "breakdown" when broken down). '
        "null until then, and for a failed run. A figure the pages hide (a count below the "
        "suppression threshold, or one that would give such a count away, and a rate or "
        'mean built on one) is null here, as it is "<5" or "Suppressed" there.'
    )

    class Meta(ReportRunSerializer.Meta):
        fields = [*ReportRunSerializer.Meta.fields, "result"]

    @extend_schema_field(serializers.JSONField(allow_null=True))
    def get_result(self, run: ReportRun) -> Any:
        if run.status != ReportRun.Status.SUCCEEDED or not run.result:
            return None
        return shown_result(run.result, suppress_threshold())


class ReportRequestSerializer(serializers.Serializer):
    """A report to run, named as on the page's form."""

    report = serializers.ChoiceField(
        choices=[(name, report.title) for name, report in REPORTS.items()],
        help_text="Which report (the spec's name).",
    )
    as_of = fields.DateField(
        required=False,
        help_text="The day the report is as of: today unless given. " + fields.DATE_HELP,
    )
    pathway = serializers.ChoiceField(
        choices=SpecialistPathway.choices,
        required=False,
        allow_null=True,
        help_text="Only this pathway's interventions; every pathway if null or left out. "
        "A pathway manager must give their own.",
    )
    cohort = fields.TextField(
        required=False,
        allow_null=True,
        allow_blank=True,
        help_text="Only families with this cohort label (one in use).",
    )
    date_from = fields.DateField(
        required=False, allow_null=True, help_text="Referred or opened on or after this day."
    )
    date_to = fields.DateField(
        required=False, allow_null=True, help_text="Referred or opened on or before this day."
    )
    by = serializers.ChoiceField(
        choices=list(DIMENSIONS.items()),
        required=False,
        allow_null=True,
        help_text="Break the report down by this dimension (one the report offers).",
    )


class ReportRunFilter(django_filters.FilterSet):
    report = django_filters.ChoiceFilter(
        choices=[(name, report.title) for name, report in REPORTS.items()],
        help_text="Only runs of this report.",
    )
    status = django_filters.ChoiceFilter(
        choices=ReportRun.Status.choices, help_text="queued, running, succeeded or failed."
    )
    mine = django_filters.ChoiceFilter(
        choices=[("true", "Mine"), ("false", "Others'")],
        method="filter_mine",
        help_text="true: only the runs you asked for; false: only the others.",
    )

    class Meta:
        model = ReportRun
        fields: list[str] = []

    def filter_mine(
        self, queryset: QuerySet[ReportRun], name: str, value: str
    ) -> QuerySet[ReportRun]:
        assert self.request is not None  # the API's filter backend passes it
        user = signed_in_user(self.request)
        if value == "true":
            return queryset.filter(requested_by=user)
        return queryset.exclude(requested_by=user)


RUN_EXAMPLE: dict[str, Any] = {
    "id": "31",
    "report": "engagement",
    "parameters": {
        "as_of": "2026-03-31",
        "pathway": "dmt",
        "cohort": None,
        "from": None,
        "to": None,
        "by": None,
    },
    "status": "succeeded",
    "progress": 100,
    "queued_at": "2026-03-31T09:00:00Z",
    "started_at": "2026-03-31T09:00:01Z",
    "finished_at": "2026-03-31T09:00:04Z",
    "error": "",
    "standard": False,
    "requested_by": "sam",
    "links": {
        "self": "https://dmt.example.gov.uk/api/reports/31/",
        "page": "https://dmt.example.gov.uk/outcomes/runs/31/",
        "csv": "https://dmt.example.gov.uk/outcomes/runs/31/export.csv",
        "xlsx": "https://dmt.example.gov.uk/outcomes/runs/31/export.xlsx",
    },
}
RESULT_EXAMPLE = {
    "report": "engagement",
    "as_of": "2026-03-31",
    "parameters": {"pathway": "dmt", "cohort": None, "from": None, "to": None},
    "data": {
        "approached": 40,
        "engaged": 25,
        "inconsistent": 6,
        "not_engaged": 5,
        "new": 4,
        "engagement_rate": 0.694,
        "engagement_rate_ci95": [0.531, 0.82],
        "children": 52,
    },
}
QUEUED_EXAMPLE = {
    **RUN_EXAMPLE,
    "status": "queued",
    "progress": 0,
    "started_at": None,
    "finished_at": None,
    "links": {**RUN_EXAMPLE["links"], "csv": None, "xlsx": None},
}


@extend_schema_view(
    list=extend_schema(
        summary="The report runs you may read",
        description="Runs of outcome reports, newest last (by when they were asked for), "
        "without their results: open one for its result. Who may call it: " + READERS,
        tags=TAGS,
        examples=[OpenApiExample("A page of runs", value=RUN_EXAMPLE)],
    ),
    retrieve=extend_schema(
        summary="One report run: its progress, then its result",
        description="Poll this until `status` is succeeded or failed (`progress` is per cent "
        "done). Once succeeded, `result` is the report as the outcome reports spec's JSON, "
        'each figure the run\'s page hides ("<5", "Suppressed") null, and `links` gives '
        "the CSV and XLSX the page exports. "
        "Who may call it: " + READERS + " A pathway manager gets 404 for another pathway's.",
        tags=TAGS,
        examples=[
            OpenApiExample("Finished", value={**RUN_EXAMPLE, "result": RESULT_EXAMPLE}),
            OpenApiExample("Still queued", value={**QUEUED_EXAMPLE, "result": None}),
        ],
    ),
    create=extend_schema(
        summary="Ask for a report",
        description="Queues the report to be computed and answers 202 Accepted with the run "
        "and its address (Location): poll it. If the same request (report and parameters) "
        "is already queued or running, no second run starts: the answer is 303 See Other "
        "with that run and its address. A request the page's form would refuse is refused "
        "here with its words (400, each error pointing at its field). Who may call it: "
        + READERS
        + " A pathway manager may ask only for reports that narrow to a pathway, for their "
        "own pathway (403 otherwise, saying so).",
        tags=TAGS,
        request=ReportRequestSerializer,
        responses={
            202: OpenApiResponse(ReportRunDetailSerializer, description="Queued."),
            303: OpenApiResponse(
                ReportRunDetailSerializer,
                description="The same request is already queued or running: this is its run.",
            ),
        },
        examples=[
            OpenApiExample(
                "Engagement on Dads Matter Too, by team",
                value={
                    "report": "engagement",
                    "as_of": "2026-03-31",
                    "pathway": "dmt",
                    "by": "team",
                },
                request_only=True,
            ),
            OpenApiExample("Queued", value={**QUEUED_EXAMPLE, "result": None}, response_only=True),
        ],
    ),
)
class ReportRunViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ApiViewSet
):
    filterset_class = ReportRunFilter
    lookup_field = "pk"
    lookup_value_regex = ID_PATTERN
    ordering = "pk"

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        """Outcomes readers only, as the pages (403 for anyone else)."""
        super().initial(request, *args, **kwargs)
        if not selectors.can_read_outcomes(signed_in_user(request)):
            raise PermissionDenied(NOT_A_READER)

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        if self.action == "create":
            return ReportRequestSerializer
        return ReportRunDetailSerializer if self.action == "retrieve" else ReportRunSerializer

    def get_queryset(self) -> QuerySet[ReportRun]:
        if getattr(self, "swagger_fake_view", False):
            return ReportRun.objects.none()
        return selectors.runs_for(signed_in_user(self.request))

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        assert page is not None  # every list is paginated
        audit_page_view_many(request, page)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        run = self.get_object()
        audit_page_view_many(request, [run])
        return self.detail_response(run)

    def representation(self, instance: Any) -> Any:
        return ReportRunDetailSerializer(instance, context=self.get_serializer_context()).data

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = signed_in_user(request)
        body = ReportRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        asked = body.validated_data
        report, pathway = asked["report"], asked.get("pathway") or None
        refusal = selectors.request_refusal(user, report, pathway)
        if refusal is not None:
            raise PermissionDenied(f"{refusal}.")
        # The page's form checks the rest (a breakdown the report offers, the dates, the
        # cohort), so the API refuses what the page refuses, in its words.
        form = ReportRequestForm(
            {
                "report": report,
                "as_of": (asked.get("as_of") or timezone.localdate()).isoformat(),
                "pathway": pathway or "",
                "cohort": asked.get("cohort") or "",
                "date_from": asked["date_from"].isoformat() if asked.get("date_from") else "",
                "date_to": asked["date_to"].isoformat() if asked.get("date_to") else "",
                "by": asked.get("by") or "",
            },
            cohorts=cohort_choices(),
            reader=user,
        )
        if not form.is_valid():
            raise ValidationError(_form_errors(form))
        assert form.params is not None
        asked_at = timezone.now()
        try:
            run = services.report_run_request(
                report=report, params=form.params, by=asked.get("by") or None, acting_user=user
            )
        except ReportError as error:
            raise ValidationError({"report": [str(error)]}) from error
        created = run.requested_by_id == user.pk and run.queued_at >= asked_at
        run = self.get_queryset().get(pk=run.pk)  # as it stands now (computed, if run eagerly)
        return Response(
            self.representation(run),
            status=status.HTTP_202_ACCEPTED if created else status.HTTP_303_SEE_OTHER,
            headers={"Location": run_links(request, run)["self"] or ""},
        )


def _form_errors(form: ReportRequestForm) -> dict[str, list[str]]:
    """The form's errors by field (the form's field names are the API's)."""
    return {
        field: [str(message) for message in messages] for field, messages in form.errors.items()
    }
