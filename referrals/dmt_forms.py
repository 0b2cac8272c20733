"""Forms for Dads Matter Too work (consultations, training, group programmes) and for a
pathway's eligibility rules. They parse input; referrals.services and referrals.rules hold
the rules."""

from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import Locality, Role, Team, User
from dmt import parsing
from families.forms import date_field
from families.models import LegalStatus, Person

from .models import EligibilityRule, GroupProgramme
from .rules import KIND_LABELS, MAX_AGE, MAX_MONTHS, MIN_AGE

LADS_TO_DADS_THEMES = [
    "Becoming a dad",
    "Mental health",
    "Relationships",
    "Expectations of fathers",
    "Play and development",
    "Keeping children safe",
    "Money and work",
    "Looking ahead",
]
MAX_THEMES = 20
THEME_LENGTH = 100


def _today_initial(form: forms.Form, *names: str) -> None:
    for name in names:
        form.fields[name].initial = timezone.localdate()


def _whole_number(
    label: str, what: str, low: int, high: int, **kwargs: Any
) -> parsing.IntegerField:
    return parsing.IntegerField(
        label=label,
        min_value=low,
        max_value=high,
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-4"}),
        error_messages={
            "required": f"Enter the {what}",
            "invalid": f"Enter the {what} as a whole number",
            "min_value": f"Enter the {what} from {low} to {high}",
            "max_value": f"Enter the {what} from {low} to {high}",
        },
        **kwargs,
    )


# Dads Matter Too work ---------------------------------------------------------------------


class ConsultationForm(forms.Form):
    given_on = date_field("Date", required="Enter the date of the consultation")
    team = parsing.ModelChoiceField(
        label="Team",
        queryset=Team.objects.select_related("locality"),
        empty_label="Choose a team",
        error_messages={
            "required": "Select the social worker's team",
            "invalid_choice": "Select a team from the list",
        },
    )
    social_worker = parsing.ModelChoiceField(
        label="Social worker (optional)",
        queryset=User.objects.none(),
        required=False,
        empty_label="Not recorded",
        help_text="The social worker you advised, in the team above.",
        error_messages={"invalid_choice": "Select a social worker from the list"},
    )
    topic = forms.CharField(
        label="What you advised on",
        max_length=200,
        help_text="For example: engaging a father who will not answer calls.",
        error_messages={
            "required": "Enter what you advised on",
            "max_length": "What you advised on must be 200 characters or fewer",
        },
    )
    minutes = _whole_number("Time spent in minutes", "time spent in minutes", 1, 480, initial=30)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _today_initial(self, "given_on")
        team = cast(parsing.ModelChoiceField, self.fields["team"])
        team.label_of = lambda team: f"{team.name} ({team.locality.name})"
        social_worker = cast(parsing.ModelChoiceField, self.fields["social_worker"])
        social_worker.queryset = User.objects.filter(
            role=Role.SOCIAL_WORKER, is_active=True
        ).select_related("team")
        social_worker.label_of = lambda user: f"{user} ({user.team})" if user.team else str(user)


class TrainingForm(forms.Form):
    delivered_on = date_field("Date", required="Enter the date of the training")
    audience = forms.CharField(
        label="Who was it for?",
        max_length=200,
        help_text="For example: SASS West 1 team meeting.",
        error_messages={
            "required": "Enter who the training was for",
            "max_length": "Who it was for must be 200 characters or fewer",
        },
    )
    attendees = _whole_number("Number of attendees", "number of attendees", 1, 1000)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _today_initial(self, "delivered_on")


class ProgrammeForm(forms.Form):
    name = forms.CharField(
        label="Name of the group",
        max_length=100,
        initial="Lads to Dads",
        error_messages={
            "required": "Enter the name of the group",
            "max_length": "The name must be 100 characters or fewer",
        },
    )
    delivery = forms.ChoiceField(
        label="How is it delivered?",
        choices=GroupProgramme.Delivery.choices,
        widget=forms.RadioSelect(attrs={"class": "inline"}),
        error_messages={
            "required": "Select online or in person",
            "invalid_choice": "Select online or in person",
        },
    )
    locality = parsing.ModelChoiceField(
        label="Locality (optional)",
        queryset=Locality.objects.all(),
        required=False,
        empty_label="Not in one locality",
        error_messages={"invalid_choice": "Select a locality from the list"},
    )
    starts_on = date_field(
        "Date of the first session", required="Enter the date of the first session"
    )
    themes = forms.CharField(
        label="Session themes",
        initial="\n".join(LADS_TO_DADS_THEMES),
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text="One theme per line, in order. Sessions are weekly from the first date.",
        error_messages={"required": "Enter at least one session theme"},
    )

    def clean_themes(self) -> list[str]:
        themes = [line.strip() for line in self.cleaned_data["themes"].splitlines()]
        themes = [theme for theme in themes if theme]
        if not themes:
            raise forms.ValidationError("Enter at least one session theme")
        if len(themes) > MAX_THEMES:
            raise forms.ValidationError(f"Enter at most {MAX_THEMES} session themes")
        too_long = [theme for theme in themes if len(theme) > THEME_LENGTH]
        if too_long:
            raise forms.ValidationError(
                f"Each theme must be {THEME_LENGTH} characters or fewer: {too_long[0][:40]}…"
            )
        return themes


class AttendanceForm(forms.Form):
    """A father with a case is chosen from those the user may see; one without, by name."""

    person = parsing.ModelChoiceField(
        label="A father with a case",
        queryset=Person.objects.none(),
        required=False,
        empty_label="Choose a father",
        help_text="Fathers and father figures referred to you.",
        error_messages={"invalid_choice": "Select a father from the list"},
    )
    attendee_name = forms.CharField(
        label="Or the name of a father without a case",
        max_length=100,
        required=False,
        error_messages={"max_length": "The name must be 100 characters or fewer"},
    )

    def __init__(self, *args: Any, fathers: QuerySet[Person], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(parsing.ModelChoiceField, self.fields["person"])
        field.queryset = fathers
        field.label_of = lambda person: f"{person.full_name} ({person.family_reference})"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        person, name = data.get("person"), (data.get("attendee_name") or "").strip()
        if "person" in self.errors or "attendee_name" in self.errors:
            return data
        if person is None and not name:
            self.add_error(
                "person", "Choose a father with a case, or enter the name of a father without one"
            )
        elif person is not None and name:
            self.add_error(
                "attendee_name",
                "Enter a name only for a father without a case: clear the name or the choice",
            )
        data["attendee_name"] = name
        return data


# Eligibility rules ------------------------------------------------------------------------


class RuleForm(forms.Form):
    """Every parameter field is here; the chosen kind says which ones count (referrals.rules
    checks them and ignores the rest)."""

    KINDS = [(kind, KIND_LABELS[kind]) for kind in EligibilityRule.Kind.values]

    kind = forms.ChoiceField(
        label="What does the rule check?",
        choices=KINDS,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select what the rule checks",
            "invalid_choice": "Select what the rule checks",
        },
    )
    min_age = _whole_number("Minimum age in years", "minimum age", MIN_AGE, MAX_AGE, required=False)
    max_age = _whole_number("Maximum age in years", "maximum age", MIN_AGE, MAX_AGE, required=False)
    months = _whole_number(
        "A child in the family is under this many months old",
        "number of months",
        1,
        MAX_MONTHS,
        required=False,
    )
    localities = parsing.ModelMultipleChoiceField(
        label="Localities the family may live in",
        queryset=Locality.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Select localities from the list"},
    )
    statuses = forms.MultipleChoiceField(
        label="A child's current status is one of",
        choices=LegalStatus.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Select statuses from the list"},
    )
    in_force_from = date_field("First day in force", required="Enter the first day in force")
    in_force_to = date_field("Last day in force (optional)")

    PARAMS: dict[str, list[str]] = {
        EligibilityRule.Kind.ADULT_AGE_BETWEEN: ["min_age", "max_age"],
        EligibilityRule.Kind.CHILD_UNDER_MONTHS: ["months"],
        EligibilityRule.Kind.LOCALITY_IN: ["localities"],
        EligibilityRule.Kind.CHILD_STATUS_IN: ["statuses"],
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _today_initial(self, "in_force_from")
        self.fields["in_force_to"].help_text = "Leave empty while the rule has no end date."

    def kinds(self) -> list[dict[str, Any]]:
        """Each kind's radio with the fields it reveals, for the template."""
        chosen = self["kind"].value()
        return [
            {
                "value": kind,
                "label": label,
                "checked": chosen == kind,
                "fields": [self[name] for name in self.PARAMS[kind]],
            }
            for kind, label in self.KINDS
        ]

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "in_force_from": data["in_force_from"],
            "in_force_to": data["in_force_to"],
            "min_age": data["min_age"],
            "max_age": data["max_age"],
            "months": data["months"],
            "localities": list(data["localities"]),
            "statuses": data["statuses"],
        }


class RuleEndForm(forms.Form):
    in_force_to = date_field(
        "Last day in force", required="Enter the last day the rule is in force"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _today_initial(self, "in_force_to")
