"""The form that asks for an outcome report. It parses and checks what was typed; whether a
report can be run so is for `outcomes.reports` and `outcomes.services` to say."""

import datetime
from typing import Any, cast

from django import forms
from django.utils import timezone

from accounts.models import SpecialistPathway, User
from dmt import parsing
from families.forms import REAL_DATE, DateInput
from families.models import Family

from .reports import DIMENSIONS, REPORTS, ReportError, ReportParameters
from .selectors import pathway_reports, reader_pathway, request_refusal


def cohort_choices() -> list[tuple[str, str]]:
    """Every cohort label in use, for the cohort select (labels, not case records)."""
    labels = (
        Family.objects.exclude(cohort="")
        .order_by("cohort")
        .values_list("cohort", flat=True)
        .distinct()
    )
    return [(label, label) for label in labels]


def _date(label: str, *, required: str = "", help_text: str = "") -> parsing.DateField:
    return parsing.DateField(
        label=label,
        required=bool(required),
        help_text=help_text,
        widget=DateInput(attrs={"class": "govuk-input--width-10"}),
        error_messages={"required": required, "invalid": REAL_DATE},
    )


class ReportRequestForm(forms.Form):
    report = forms.ChoiceField(
        label="Report",
        choices=[(name, report.title) for name, report in REPORTS.items()],
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select a report",
            "invalid_choice": "Select a report from the list",
        },
    )
    as_of = _date(
        "As of",
        required="Enter the date the report is as of",
        help_text="The report counts what was recorded up to and including this day.",
    )
    pathway = forms.ChoiceField(
        label="Pathway (optional)",
        required=False,
        choices=[("", "All pathways"), *SpecialistPathway.choices],
        error_messages={"invalid_choice": "Select a pathway from the list"},
    )
    cohort = forms.ChoiceField(
        label="Cohort (optional)",
        required=False,
        choices=[("", "All cohorts")],
        error_messages={"invalid_choice": "Select a cohort from the list"},
    )
    date_from = _date(
        "Referred or opened from (optional)",
        help_text="Interventions referred, and families opened, on or after this day.",
    )
    date_to = _date(
        "Referred or opened to (optional)",
        help_text="Interventions referred, and families opened, on or before this day.",
    )
    by = forms.ChoiceField(
        label="Break down by (optional)",
        required=False,
        choices=[("", "No breakdown"), *DIMENSIONS.items()],
        help_text="Adds a table with a row for each group, and compares the groups' rates.",
        error_messages={"invalid_choice": "Select a breakdown from the list"},
    )

    def __init__(
        self, *args: Any, cohorts: list[tuple[str, str]], reader: User, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.reader = reader
        # A pathway manager asks for their own pathway's reports (`request_refusal`).
        self.own_pathway = reader_pathway(reader)
        cast(forms.ChoiceField, self.fields["cohort"]).choices = [("", "All cohorts"), *cohorts]
        if not self.is_bound:
            self.initial.setdefault("as_of", timezone.localdate())
            if self.own_pathway:
                self.initial["pathway"] = self.own_pathway
        self.params: ReportParameters | None = None

    def clean_as_of(self) -> datetime.date:
        day: datetime.date = self.cleaned_data["as_of"]
        if day > timezone.localdate():
            raise forms.ValidationError("The as of date must be today or in the past")
        return day

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        report, by = data.get("report"), data.get("by")
        if report and by and by not in REPORTS[report].dimensions:
            offered = ", ".join(DIMENSIONS[d].lower() for d in REPORTS[report].dimensions)
            self.add_error(
                "by",
                f"The {REPORTS[report].title} report cannot be broken down by "
                f"{DIMENSIONS[by].lower()}"
                + (f": choose {offered}, or no breakdown" if offered else ": choose no breakdown"),
            )
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The to date must be the same as or after the from date")
        if report and "pathway" in data:
            refusal = request_refusal(self.reader, report, data["pathway"] or None)
            if refusal is not None:
                self.add_error("report" if report not in pathway_reports() else "pathway", refusal)
        if self.errors:
            return data
        try:
            self.params = ReportParameters.parse(
                as_of=data["as_of"],
                pathway=data.get("pathway"),
                cohort=data.get("cohort"),
                date_from=start,
                date_to=end,
            )
        except ReportError as error:
            raise forms.ValidationError(str(error)) from error
        return data

    def report_options(self) -> list[dict[str, Any]]:
        """The report radios with each report's description as its hint."""
        chosen = self["report"].value()
        return [
            {
                "value": name,
                "title": report.title,
                "description": report.description,
                "checked": chosen == name,
                "dimensions": ", ".join(DIMENSIONS[d].lower() for d in report.dimensions),
            }
            for name, report in REPORTS.items()
            if self.own_pathway is None or report.pathway_scoped
        ]
