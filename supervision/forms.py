"""Forms for group supervision. They parse input; supervision.services holds the rules."""

import datetime
from typing import Any, cast

from django import forms
from django.utils import timezone

from accounts.models import User
from dmt import parsing
from families.forms import TimeInput, date_field
from families.models import Person
from referrals.models import CycleOfChange, Rag

from .models import NotDiscussed, SupervisionGroup


class GroupForm(forms.Form):
    weekday = forms.TypedChoiceField(
        label="Day",
        choices=SupervisionGroup.Weekday.choices,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the day the group meets"},
    )
    starts_at = forms.TimeField(
        label="Start time",
        initial=datetime.time(10, 0),
        widget=TimeInput(attrs={"class": "govuk-input--width-5"}),
        error_messages={
            "required": "Enter the start time",
            "invalid": "Enter a time, for example 10:00",
        },
    )
    length_minutes = parsing.IntegerField(
        label="Length in minutes",
        initial=120,
        min_value=15,
        max_value=480,
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-3"}),
        error_messages={"required": "Enter the length in minutes"},
    )
    every_weeks = forms.TypedChoiceField(
        label="How often",
        choices=[(1, "Every week"), (2, "Every two weeks"), (4, "Every four weeks")],
        coerce=int,
        initial=1,
        widget=forms.RadioSelect,
    )
    location = forms.CharField(label="Room or online meeting link", required=False, max_length=300)
    families_per_meeting = parsing.IntegerField(
        label="Families per meeting",
        initial=6,
        min_value=1,
        max_value=20,
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-3"}),
    )
    minutes_per_family = parsing.IntegerField(
        label="Minutes per family",
        initial=20,
        min_value=5,
        max_value=120,
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-3"}),
    )


class ScheduleForm(forms.Form):
    day = date_field("Date", required="Enter the date of the meeting")
    time = forms.TimeField(
        label="Start time",
        widget=TimeInput(attrs={"class": "govuk-input--width-5"}),
        error_messages={
            "required": "Enter the start time",
            "invalid": "Enter a time, for example 10:00",
        },
    )

    def starts_at(self) -> datetime.datetime:
        return timezone.make_aware(
            datetime.datetime.combine(self.cleaned_data["day"], self.cleaned_data["time"])
        )


class CancelForm(forms.Form):
    reason = forms.CharField(
        label="Why is the meeting cancelled?",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Members are told. Cancellations are counted as clinical time lost.",
        error_messages={"required": "Enter why the meeting is cancelled"},
    )
    version = parsing.VersionField()


class SlotSearchForm(forms.Form):
    weeks = parsing.IntegerField(
        label="Look ahead (weeks)",
        initial=4,
        min_value=1,
        max_value=12,
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-2"}),
        error_messages={
            "min_value": "Look at least 1 week ahead",
            "max_value": "Look at most 12 weeks ahead",
            "invalid": "Enter a number of weeks",
        },
    )


class MinutesForm(forms.Form):
    """One family's minutes. Fields for each adult's stage and three action rows are added
    for the family at hand."""

    ACTION_ROWS = 3

    present = parsing.ModelMultipleChoiceField(
        label="Who was present",
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    child_safety_rag = forms.ChoiceField(
        label="Child safety RAG",
        choices=Rag.choices,
        widget=forms.RadioSelect(attrs={"class": "inline"}),
        error_messages={"required": "Select the child safety rating"},
    )
    analysis = forms.CharField(
        label="Analysis", widget=forms.Textarea(attrs={"rows": 6}), required=False
    )
    decisions = forms.CharField(
        label="Decisions",
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "Enter the decisions"},
    )

    def __init__(
        self,
        *args: Any,
        attendees: list[User],
        adults: list[Person],
        owners: list[User],
        meeting_day: datetime.date,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.adults, self.meeting_day = adults, meeting_day
        cast(
            parsing.ModelMultipleChoiceField, self.fields["present"]
        ).queryset = User.objects.filter(pk__in=[u.pk for u in attendees])
        stage_choices = [("", "Not placed at this meeting"), *CycleOfChange.choices]
        for adult in adults:
            self.fields[f"stage_{adult.pk}"] = forms.ChoiceField(
                label=f"{adult.full_name} ({adult.membership.get_role_display().lower()})",
                choices=stage_choices,
                required=False,
            )
        owner_choices = [("", "Choose an owner"), *((str(u.pk), str(u)) for u in owners)]
        self.owners = {str(u.pk): u for u in owners}
        for row in range(1, self.ACTION_ROWS + 1):
            self.fields[f"action_{row}"] = forms.CharField(
                label=f"Action {row}", required=False, max_length=500
            )
            self.fields[f"owner_{row}"] = forms.ChoiceField(
                label=f"Owner of action {row}", choices=owner_choices, required=False
            )
            self.fields[f"due_{row}"] = date_field(f"Action {row} due")

    def stage_fields(self) -> list[forms.BoundField]:
        return [self[f"stage_{adult.pk}"] for adult in self.adults]

    def action_rows(self) -> list[tuple[forms.BoundField, forms.BoundField, forms.BoundField]]:
        return [
            (self[f"action_{row}"], self[f"owner_{row}"], self[f"due_{row}"])
            for row in range(1, self.ACTION_ROWS + 1)
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for row in range(1, self.ACTION_ROWS + 1):
            text = (data.get(f"action_{row}") or "").strip()
            owner, due = data.get(f"owner_{row}"), data.get(f"due_{row}")
            if not text and (owner or due):
                self.add_error(
                    f"action_{row}", f"Describe action {row}, or clear its owner and date"
                )
            if text and not owner:
                self.add_error(f"owner_{row}", f"Choose who owns action {row}")
            if text and not due and f"due_{row}" not in self.errors:
                self.add_error(f"due_{row}", f"Enter when action {row} is due")
            if due and due < self.meeting_day:
                self.add_error(f"due_{row}", f"Action {row} cannot be due before the meeting")
        return data

    def stages(self) -> dict[Person, str]:
        return {
            adult: self.cleaned_data[f"stage_{adult.pk}"]
            for adult in self.adults
            if self.cleaned_data.get(f"stage_{adult.pk}")
        }

    def actions(self) -> list[tuple[str, User, datetime.date]]:
        rows = []
        for row in range(1, self.ACTION_ROWS + 1):
            text = (self.cleaned_data.get(f"action_{row}") or "").strip()
            if text:
                rows.append(
                    (
                        text,
                        self.owners[self.cleaned_data[f"owner_{row}"]],
                        self.cleaned_data[f"due_{row}"],
                    )
                )
        return rows


class NotDiscussedForm(forms.Form):
    why = forms.ChoiceField(
        label="Why was the family not discussed?",
        choices=NotDiscussed.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select why the family was not discussed"},
    )


class AddendumForm(forms.Form):
    text = forms.CharField(
        label="Correction",
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="The signed-off minutes stay as they were; this is added below them, dated.",
        error_messages={"required": "Enter the correction"},
    )


class IntervalForm(forms.Form):
    interval_days = parsing.IntegerField(
        label="Discuss this family every (days)",
        required=False,
        min_value=1,
        max_value=182,
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-3"}),
        help_text="Leave empty to use the default for its child safety RAG: 7 days for red, "
        "28 for amber, 42 for green.",
        error_messages={
            "min_value": "Enter a number of days from 1 to 182",
            "max_value": "Enter a number of days from 1 to 182",
            "invalid": "Enter a number of days",
        },
    )


class WorkingWeekForm(forms.Form):
    """Monday to Friday: whether the person works that day, and their hours."""

    DAYS = SupervisionGroup.Weekday.choices

    def __init__(
        self, *args: Any, current: dict[int, tuple[datetime.time, datetime.time]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        for day, name in self.DAYS:
            hours = current.get(day)
            self.fields[f"works_{day}"] = forms.BooleanField(
                label=f"I work on {name}s", required=False, initial=hours is not None
            )
            self.fields[f"start_{day}"] = forms.TimeField(
                label=f"{name} start",
                required=False,
                initial=(hours or (datetime.time(9, 0),))[0],
                widget=TimeInput(attrs={"class": "govuk-input--width-5"}),
                error_messages={"invalid": "Enter a time, for example 09:00"},
            )
            self.fields[f"end_{day}"] = forms.TimeField(
                label=f"{name} end",
                required=False,
                initial=(hours or (None, datetime.time(17, 0)))[1],
                widget=TimeInput(attrs={"class": "govuk-input--width-5"}),
                error_messages={"invalid": "Enter a time, for example 17:00"},
            )

    def rows(self) -> list[tuple[str, forms.BoundField, forms.BoundField, forms.BoundField]]:
        return [
            (name, self[f"works_{day}"], self[f"start_{day}"], self[f"end_{day}"])
            for day, name in self.DAYS
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for day, name in self.DAYS:
            if data.get(f"works_{day}"):
                if not data.get(f"start_{day}") and f"start_{day}" not in self.errors:
                    self.add_error(f"start_{day}", f"Enter when you start on {name}s")
                if not data.get(f"end_{day}") and f"end_{day}" not in self.errors:
                    self.add_error(f"end_{day}", f"Enter when you finish on {name}s")
        return data

    def days(self) -> dict[int, tuple[datetime.time, datetime.time]]:
        return {
            day: (self.cleaned_data[f"start_{day}"], self.cleaned_data[f"end_{day}"])
            for day, _ in self.DAYS
            if self.cleaned_data.get(f"works_{day}")
        }


class LeaveForm(forms.Form):
    starts_on = date_field("First day away", required="Enter the first day of your leave")
    ends_on = date_field("Last day away", required="Enter the last day of your leave")
    note = forms.CharField(
        label="Note (optional)",
        required=False,
        max_length=100,
        help_text="For example: annual leave, training. Others see only that you are away.",
    )


class MembersForm(forms.Form):
    members = parsing.ModelMultipleChoiceField(
        label="Members",
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="The chair always attends.",
    )

    def __init__(self, *args: Any, candidates: list[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(parsing.ModelMultipleChoiceField, self.fields["members"])
        field.queryset = User.objects.filter(pk__in=[user.pk for user in candidates]).order_by(
            "role", "last_name", "first_name"
        )
        field.label_of = lambda user: f"{user}, {user.job_title.lower()}"
