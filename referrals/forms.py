"""Forms for the specialist pathways. They parse input; referrals.services holds the rules."""

import datetime
from typing import Any, cast

from django import forms
from django.utils import timezone

from accounts.models import Role, User
from dmt import parsing
from families.forms import TimeInput, date_field

from .models import (
    Appointment,
    ClosureReason,
    CycleOfChange,
    Engagement,
    EngagementAttempt,
    OutcomeMeasure,
    Pathway,
    Rag,
    Referral,
)

AREAS_OF_NEED = [
    ("substance_use", "Drug use"),
    ("alcohol", "Alcohol use"),
    ("domestic_abuse", "Domestic abuse"),
    ("mental_health", "Mental health"),
    ("parenting", "Parenting and being a father"),
    ("relationships", "Relationships"),
    ("housing", "Housing"),
    ("money", "Money and debt"),
    ("work", "Work and training"),
]
AREA_LABELS = dict(AREAS_OF_NEED)

YES_NO_UNKNOWN = [("yes", "Yes"), ("no", "No"), ("unknown", "Not known")]


class ReferralForm(forms.Form):
    pathway = parsing.ModelChoiceField(
        label="Pathway",
        queryset=Pathway.objects.all(),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"required": "Select the pathway to refer to"},
    )
    referred_on = date_field("Date of referral", required="Enter the date of the referral")
    rag = forms.ChoiceField(
        label="Priority",
        choices=Rag.choices,
        initial=Rag.AMBER,
        widget=forms.RadioSelect(attrs={"class": "inline"}),
        help_text="Red is seen first. Fathers who are care experienced or had a child removed "
        "are shown as a priority on the waiting list.",
        error_messages={"required": "Select the priority"},
    )
    areas_of_need = forms.MultipleChoiceField(
        label="Areas of need",
        choices=AREAS_OF_NEED,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    reason = forms.CharField(
        label="Reason for referral",
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "Enter the reason for the referral"},
    )
    previously_known = forms.ChoiceField(
        label="Known to the partner's service before?",
        choices=YES_NO_UNKNOWN,
        initial="unknown",
        widget=forms.RadioSelect(attrs={"class": "inline"}),
    )
    eligibility_override = forms.CharField(
        label="Why refer outside the pathway's criteria?",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Only needed when the referral does not meet the pathway's criteria.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["referred_on"].initial = timezone.localdate()

    def previously_known_value(self) -> bool | None:
        return {"yes": True, "no": False}.get(self.cleaned_data["previously_known"])


class AllocateForm(forms.Form):
    practitioner = parsing.ModelChoiceField(
        label="Practitioner",
        queryset=User.objects.none(),
        error_messages={"required": "Select a practitioner"},
    )
    allocated_on = date_field("Allocated from", required="Enter the date of allocation")
    accept_over_capacity = forms.BooleanField(
        label="Allocate even though they are at or over capacity", required=False
    )

    def __init__(
        self, *args: Any, pathway: Pathway, loads: dict[int, tuple[int, int]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        practitioners = User.objects.filter(
            role=Role.SPECIALIST, pathway=pathway.code, is_active=True
        )
        field = cast(parsing.ModelChoiceField, self.fields["practitioner"])
        field.queryset = practitioners
        field.label_of = lambda user: (
            f"{user} ({loads.get(user.pk, (0, 0))[0]} open of {loads.get(user.pk, (0, 0))[1]})"
        )
        self.fields["allocated_on"].initial = timezone.localdate()


class StageForm(forms.Form):
    stage = forms.ChoiceField(
        label="Move to", widget=forms.RadioSelect, error_messages={"required": "Select a stage"}
    )
    changed_on = date_field("From", required="Enter the date of the change")

    def __init__(self, *args: Any, referral: Referral, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["stage"]).choices = [
            (stage.code, stage.name)
            for stage in referral.pathway.stages.filter(is_closed=False)
            if stage.pk != referral.stage_id
        ]
        self.fields["changed_on"].initial = timezone.localdate()


class EngagementForm(forms.Form):
    engagement = forms.ChoiceField(
        label="Engagement",
        choices=Engagement.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select how he or she is engaging"},
    )
    changed_on = date_field("From", required="Enter the date")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["changed_on"].initial = timezone.localdate()


class AttemptForm(forms.Form):
    attempted_on = date_field("Date", required="Enter the date of the attempt")
    method = forms.ChoiceField(
        label="How",
        choices=EngagementAttempt.Method.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select how you tried to make contact"},
    )
    outcome = forms.ChoiceField(
        label="What happened",
        choices=EngagementAttempt.Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select what happened"},
    )
    note = forms.CharField(
        label="Note (optional)", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["attempted_on"].initial = timezone.localdate()


class AppointmentForm(forms.Form):
    day = date_field("Date", required="Enter the date of the appointment")
    time = forms.TimeField(
        label="Time",
        widget=TimeInput(attrs={"class": "govuk-input--width-5"}),
        error_messages={
            "required": "Enter the time of the appointment",
            "invalid": "Enter a time, for example 14:30",
        },
    )
    minutes = parsing.IntegerField(
        label="Length in minutes",
        initial=60,
        min_value=5,
        max_value=480,
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-3"}),
        error_messages={
            "required": "Enter the length in minutes",
            "invalid": "Enter the length as a number of minutes",
            "min_value": "Enter a length of at least 5 minutes",
            "max_value": "Enter a length of at most 480 minutes",
        },
    )

    def starts_at(self) -> datetime.datetime:
        return timezone.make_aware(
            datetime.datetime.combine(self.cleaned_data["day"], self.cleaned_data["time"])
        )


class AppointmentOutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        label="What happened",
        choices=[c for c in Appointment.Outcome.choices if c[0] != Appointment.Outcome.BOOKED],
        widget=forms.RadioSelect,
        error_messages={"required": "Select what happened"},
    )
    version = parsing.VersionField()


class MeasureForm(forms.Form):
    """One field per item of the measure, built from its definition (measures are data)."""

    taken_on = date_field("Date completed", required="Enter the date it was completed")

    def __init__(self, *args: Any, measure: OutcomeMeasure, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.measure = measure
        self.fields["taken_on"].initial = timezone.localdate()
        labels = measure.response_labels or {}
        choices = [
            (
                str(score),
                f"{score} {labels[str(score)]}".strip() if str(score) in labels else str(score),
            )
            for score in range(measure.scale_min, measure.scale_max + 1)
        ]
        for number, item in enumerate(measure.items, 1):
            self.fields[item["key"]] = forms.ChoiceField(
                label=f"{number}. {item['text']}",
                choices=choices,
                widget=forms.RadioSelect(attrs={"class": "inline"}),
                error_messages={
                    "required": f"Answer item {number}",
                    "invalid_choice": f"Answer item {number} with a score from "
                    f"{measure.scale_min} to {measure.scale_max}",
                },
            )

    def scores(self) -> dict[str, str]:
        return {key: self.cleaned_data[key] for key in self.measure.item_keys}

    def item_fields(self) -> list[forms.BoundField]:
        return [self[key] for key in self.measure.item_keys]


class CycleOfChangeForm(forms.Form):
    stage = forms.ChoiceField(
        label="Where are they on the cycle of change?",
        choices=CycleOfChange.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select a stage of the cycle of change"},
    )
    recorded_on = date_field("Date", required="Enter the date")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["recorded_on"].initial = timezone.localdate()


class ReviewForm(forms.Form):
    reviewed_on = date_field("Date of review", required="Enter the date of the review")
    summary = forms.CharField(
        label="What the review found",
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": "Enter what the review found"},
    )
    next_review_on = date_field("Next review due (leave empty if the work is ending)")

    def __init__(self, *args: Any, weeks: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["reviewed_on"].initial = today
        self.fields["next_review_on"].initial = today + datetime.timedelta(weeks=weeks)


class CloseForm(forms.Form):
    closed_on = date_field("Closing date", required="Enter the closing date")
    reason = forms.ChoiceField(
        label="Reason for closing",
        choices=ClosureReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the reason for closing"},
    )
    outcome = forms.CharField(
        label="Outcome",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What changed for the adult and the children.",
        error_messages={"required": "Enter the outcome"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["closed_on"].initial = timezone.localdate()
