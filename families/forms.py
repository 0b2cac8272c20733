"""Forms for case recording. They parse and check input; the services hold the rules."""

import datetime
from collections.abc import Callable
from typing import Any, cast

from django import forms
from django.utils import timezone

from dmt import parsing

from .models import (
    ClosureRequest,
    ContactKind,
    Family,
    LegalStatus,
    Membership,
    Person,
    ReferralSource,
    Relationship,
    level_labels,
)
from .selectors import members_of, people_in


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%H:%M")


REAL_DATE = "Enter a real date, for example 3 March 2024"
REAL_DATE_OF_BIRTH = "Enter a real date of birth, for example 3 March 2020"


def date_field(label: str, *, required: str = "", invalid: str = REAL_DATE) -> parsing.DateField:
    """A GOV.UK date field; `required` is the message for an empty one (empty: optional)."""
    return parsing.DateField(
        label=label,
        required=bool(required),
        widget=DateInput(attrs={"class": "govuk-input--width-10"}),
        error_messages={"required": required, "invalid": invalid},
    )


def _not_in_future(day: datetime.date | None, what: str) -> None:
    if day and day > timezone.localdate():
        raise forms.ValidationError(f"{what} must be today or in the past")


class ContactForm(forms.Form):
    """The one short form a worker fills after a visit. Tab order follows the page: the
    date and time are filled in already, so a typical note is: type, Tab, seen, note, save."""

    kind = forms.ChoiceField(
        label="Type of contact",
        choices=ContactKind.choices,
        widget=forms.RadioSelect,
        initial=ContactKind.HOME_VISIT,
        error_messages={"required": "Select the type of contact"},
    )
    occurred_on = date_field("Date", required="Enter the date of the contact")
    occurred_time = forms.TimeField(
        label="Time",
        widget=TimeInput(attrs={"class": "govuk-input--width-5"}),
        error_messages={
            "required": "Enter the time of the contact",
            "invalid": "Enter a time, for example 14:30",
        },
    )
    people_seen = parsing.ModelMultipleChoiceField(
        label="Who was seen",
        queryset=Person.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    children_seen_alone = parsing.ModelMultipleChoiceField(
        label="Children seen alone",
        queryset=Person.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(
        label="What happened",
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"required": "Enter what happened"},
    )
    next_steps = forms.CharField(
        label="Next steps", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    significant = forms.BooleanField(
        label="Significant event: add it to the chronology", required=False
    )
    chronology_summary = forms.CharField(
        label="Chronology summary",
        required=False,
        max_length=300,
        help_text="One line for the chronology. Leave empty to use the first line of the note.",
    )

    def __init__(self, *args: Any, family: Family, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        label = _labeller(members_of(family))
        people_seen = cast(parsing.ModelMultipleChoiceField, self.fields["people_seen"])
        people_seen.queryset = people_in(family)
        people_seen.label_of = label
        children_seen_alone = cast(
            parsing.ModelMultipleChoiceField, self.fields["children_seen_alone"]
        )
        children_seen_alone.queryset = people_in(family, roles=[Membership.Role.CHILD])
        children_seen_alone.label_of = label
        if not self.is_bound:
            now = timezone.localtime()
            self.initial.setdefault("occurred_on", now.date())
            self.initial.setdefault("occurred_time", now.time().replace(second=0, microsecond=0))

    def clean_occurred_on(self) -> datetime.date:
        day: datetime.date = self.cleaned_data["occurred_on"]
        _not_in_future(day, "The date of the contact")
        return day

    def occurred_at(self) -> datetime.datetime:
        return timezone.make_aware(
            datetime.datetime.combine(
                self.cleaned_data["occurred_on"], self.cleaned_data["occurred_time"]
            )
        )


def _person_label(person: Person) -> str:
    """A member of a family by name and role there (person.role, as members_of sets it)."""
    return f"{person.full_name} ({Membership.Role(person.role).label.lower()})"


def _labeller(members: list[Person]) -> Callable[[Person], str]:
    """Labels a choice among `members` (from members_of) by name and role in the family."""
    labels = {member.pk: _person_label(member) for member in members}
    return lambda person: labels.get(person.pk, person.full_name)


class StatusChangeForm(forms.Form):
    STEP_OUT = "none"

    status = forms.ChoiceField(
        label="New status",
        widget=forms.RadioSelect,
        choices=[*LegalStatus.choices, (STEP_OUT, "Not open to children's services (step out)")],
        error_messages={"required": "Select the new status"},
    )
    start_date = date_field("From", required="Enter the date the new status starts")

    # Before birth, only these (families.services.PRE_BIRTH_STATUSES) and stepping out.
    PRE_BIRTH = (LegalStatus.EARLY_HELP, LegalStatus.CIN, LegalStatus.CP, STEP_OUT)

    def __init__(self, *args: Any, unborn: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if unborn:
            field = cast(forms.ChoiceField, self.fields["status"])
            field.choices = [
                *[
                    (value, label)
                    for value, label in LegalStatus.choices
                    if value in self.PRE_BIRTH
                ],
                (self.STEP_OUT, "Not open to children's services (step out)"),
            ]
            field.help_text = (
                "Before birth: early help, child in need or child protection (a pre-birth plan)."
            )

    def chosen_status(self) -> str | None:
        status = self.cleaned_data["status"]
        return None if status == self.STEP_OUT else status


class ClosureRequestForm(forms.Form):
    closing_on = date_field("Closing date", required="Enter the closing date")
    reason = forms.ChoiceField(
        label="Reason for closing",
        choices=ClosureRequest.Reason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the reason for closing"},
    )
    note = forms.CharField(
        label="Closing summary",
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        help_text="What has changed for the children, and who will support the family now.",
    )


class ClosureDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="Decision",
        widget=forms.RadioSelect,
        choices=[("approve", "Approve: close the case"), ("decline", "Decline: keep it open")],
        error_messages={"required": "Select approve or decline"},
    )
    note = forms.CharField(label="Reason", required=False, widget=forms.Textarea(attrs={"rows": 3}))


YES_NO_UNKNOWN = [("", "Not known"), ("yes", "Yes"), ("no", "No")]


class YesNoUnknownField(forms.TypedChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            choices=YES_NO_UNKNOWN,
            required=False,
            empty_value=None,
            coerce=lambda value: {"yes": True, "no": False}.get(value),
            widget=forms.RadioSelect(attrs={"class": "inline"}),
            **kwargs,
        )

    def prepare_value(self, value: Any) -> Any:
        return {True: "yes", False: "no", None: ""}.get(value, value)


class PersonForm(forms.Form):
    """A person's details. `version` is the record's version when the form was opened."""

    version = parsing.VersionField()
    opened = forms.CharField(widget=forms.HiddenInput, required=False)
    given_name = forms.CharField(
        label="Given name",
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        error_messages={"required": "Enter a given name"},
    )
    family_name = forms.CharField(label="Family name", max_length=100, required=False)
    date_of_birth = date_field("Date of birth", invalid=REAL_DATE_OF_BIRTH)
    sex = forms.ChoiceField(
        label="Sex", choices=Person.Sex.choices, widget=forms.RadioSelect(attrs={"class": "inline"})
    )
    ethnicity = forms.CharField(label="Ethnicity", max_length=100, required=False)
    disability = forms.ChoiceField(
        label="Disability",
        choices=Person.Disability.choices,
        widget=forms.RadioSelect(attrs={"class": "inline"}),
    )
    religion = forms.CharField(label="Religion", max_length=100, required=False)
    language = forms.CharField(label="First language", max_length=100, required=False)
    interpreter_needed = YesNoUnknownField(label="Interpreter needed")
    address = forms.CharField(
        label="Address", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    phone = forms.CharField(
        label="Phone",
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"class": "govuk-input--width-20"}),
    )
    email = forms.EmailField(label="Email", required=False)
    contact_restricted = forms.BooleanField(
        label="Restrict address and contact details",
        required=False,
        help_text="For a victim of domestic abuse: hidden from anyone working with the "
        "perpetrator.",
    )
    care_experienced = YesNoUnknownField(label="Care experienced")
    previous_child_removal = YesNoUnknownField(label="Has had a child removed before")
    father = parsing.ModelChoiceField(
        label="Father or father figure",
        queryset=Person.objects.none(),
        required=False,
        empty_label="Not named",
    )

    ADULT_ONLY = ("care_experienced", "previous_child_removal")
    CHILD_ONLY = ("father",)
    CONTACT_DETAILS = ("address", "phone", "email", "contact_restricted")

    def __init__(
        self,
        *args: Any,
        person: Person,
        family: Family,
        father: Person | None = None,
        show_contact_details: bool = True,
        **kwargs: Any,
    ) -> None:
        """`person` as shown in `family` (person.role set); for a child, `father` is their
        father now, who may live in another family."""
        super().__init__(*args, **kwargs)
        if not show_contact_details:
            # Absent, not blank: a user who may not see them cannot erase them either.
            for name in self.CONTACT_DETAILS:
                del self.fields[name]
        if person.is_child:
            for name in self.ADULT_ONLY:
                del self.fields[name]
            self._choose_fathers_in(family, father)
        else:
            for name in self.CHILD_ONLY:
                del self.fields[name]

    def _choose_fathers_in(self, family: Family, father: Person | None) -> None:
        """The fathers and father figures living in `family`, and the child's father now
        if he lives elsewhere (so that saving the form keeps him)."""
        here = {person.pk: person for person in members_of(family) if person.is_father}
        field = cast(parsing.ModelChoiceField, self.fields["father"])
        chosen = [*here, *([father.pk] if father is not None and father.pk not in here else [])]
        field.queryset = Person.objects.filter(pk__in=chosen).order_by("given_name", "id")
        field.label_of = lambda person: (
            _person_label(here[person.pk])
            if person.pk in here
            else f"{person.full_name} (in another family)"
        )

    def clean_date_of_birth(self) -> datetime.date | None:
        day: datetime.date | None = self.cleaned_data["date_of_birth"]
        _not_in_future(day, "The date of birth")
        return day

    def changes(self) -> dict[str, Any]:
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if name not in ("version", "opened")
        }


class NewPersonForm(forms.Form):
    """One child or adult in the create-a-family flow."""

    given_name = forms.CharField(label="Given name", max_length=100, required=False)
    family_name = forms.CharField(label="Family name", max_length=100, required=False)
    date_of_birth = date_field("Date of birth", invalid=REAL_DATE_OF_BIRTH)
    sex = forms.ChoiceField(label="Sex", choices=Person.Sex.choices, initial=Person.Sex.UNKNOWN)

    def clean_date_of_birth(self) -> datetime.date | None:
        day: datetime.date | None = self.cleaned_data["date_of_birth"]
        _not_in_future(day, "The date of birth")
        return day

    # Fields whose default value means "left empty"; anything else typed makes a row count.
    DEFAULTS: dict[str, Any] = {"sex": Person.Sex.UNKNOWN, "role": Membership.Role.MOTHER}

    def clean(self) -> dict[str, Any]:
        """A row with anything typed in it but no given name is an error, never dropped."""
        cleaned = super().clean() or {}
        typed = any(
            value not in (None, "", self.DEFAULTS.get(name))
            for name, value in cleaned.items()
            if name != "given_name"
        )
        if typed and not cleaned.get("given_name", "").strip():
            self.add_error("given_name", "Enter a given name")
        return cleaned


class NewChildForm(NewPersonForm):
    status = forms.ChoiceField(
        label="Legal status now",
        choices=[("", "Choose a status"), *LegalStatus.choices],
        required=False,
    )


class NewAdultForm(NewPersonForm):
    role = forms.ChoiceField(
        label="Role",
        choices=[(value, label) for value, label in Membership.Role.choices if value != "child"],
        initial=Membership.Role.MOTHER,
    )
    phone = forms.CharField(label="Phone", max_length=40, required=False)
    care_experienced = YesNoUnknownField(label="Care experienced")
    previous_child_removal = YesNoUnknownField(label="Has had a child removed before")


class FamilyForm(forms.Form):
    reference = forms.CharField(
        label="Case reference",
        max_length=40,
        required=False,
        help_text="Leave empty and DMT makes one.",
        widget=forms.TextInput(attrs={"class": "govuk-input--width-10"}),
    )
    opened_on = date_field("Opened on", required="Enter the date the case opened")
    cohort = forms.CharField(
        label="Cohort", max_length=100, required=False, help_text="For example, DMT pilot 2022-23"
    )
    confirm_not_duplicates = forms.BooleanField(
        label="I have checked: these are different people", required=False
    )

    def clean_opened_on(self) -> datetime.date:
        day: datetime.date = self.cleaned_data["opened_on"]
        _not_in_future(day, "The opening date")
        return day

    def clean_reference(self) -> str:
        reference: str = self.cleaned_data["reference"].strip()
        if reference and Family.objects.filter(reference=reference).exists():
            raise forms.ValidationError("A case with this reference already exists")
        return reference


class ChronologyEntryForm(forms.Form):
    occurred_on = date_field("Date", required="Enter the date")
    summary = forms.CharField(
        label="What happened",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter what happened"},
    )

    def clean_occurred_on(self) -> datetime.date:
        day: datetime.date = self.cleaned_data["occurred_on"]
        _not_in_future(day, "The date")
        return day


class CaseloadFilterForm(forms.Form):
    show = forms.ChoiceField(
        label="Families",
        required=False,
        choices=[("mine", "Allocated to me"), ("team", "All in my scope")],
    )
    team = parsing.ModelChoiceField(
        label="Team", required=False, queryset=None, empty_label="Any team"
    )
    level = forms.TypedChoiceField(
        label="Highest child status",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[
            ("", "Any status"),
            *[(str(level), label) for level, label in sorted(level_labels().items(), reverse=True)],
        ],
    )
    no_contact_for_days = forms.TypedChoiceField(
        label="Last contact",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[
            ("", "Any time"),
            ("10", "More than 10 days ago"),
            ("20", "More than 20 days ago"),
            ("30", "More than 30 days ago"),
        ],
    )

    def __init__(self, *args: Any, teams: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(parsing.ModelChoiceField, self.fields["team"]).queryset = teams


class FatherInclusionForm(forms.Form):
    version = parsing.VersionField()
    invited_to_initial_conference = YesNoUnknownField(
        label="Invited to the initial child protection conference"
    )
    attended_initial_conference = YesNoUnknownField(label="Attended the initial conference")
    invited_to_review_conference = YesNoUnknownField(label="Invited to the review conference")
    attended_review_conference = YesNoUnknownField(label="Attended the review conference")

    def changes(self) -> dict[str, Any]:
        return {name: value for name, value in self.cleaned_data.items() if name != "version"}


class PlanForm(forms.Form):
    kind = forms.ChoiceField(
        label="Type of plan", choices=LegalStatus.choices, widget=forms.RadioSelect
    )
    started_on = date_field("Started on", required="Enter the date the plan started")
    review_on = date_field("Next review")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        started, review = cleaned.get("started_on"), cleaned.get("review_on")
        if started and review and review < started:
            self.add_error("review_on", "The review must be on or after the start of the plan")
        return cleaned


class PlanActionForm(forms.Form):
    description = forms.CharField(
        label="Action",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Enter the action"},
    )
    owner = forms.ChoiceField(label="Owner", error_messages={"required": "Choose the owner"})
    due_on = date_field("Due by", required="Enter the date the action is due")

    def __init__(self, *args: Any, workers: Any, family_members: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.workers = {str(worker.pk): worker for worker in workers}
        self.members = {str(person.pk): person for person in family_members}
        cast(forms.ChoiceField, self.fields["owner"]).choices = [
            ("", "Choose the owner"),
            *[
                (f"worker:{pk}", f"{worker} ({worker.job_title.lower()})")
                for pk, worker in self.workers.items()
            ],
            *[(f"person:{pk}", _person_label(person)) for pk, person in self.members.items()],
        ]

    def owner_kwargs(self) -> dict[str, Any]:
        kind, _, pk = self.cleaned_data["owner"].partition(":")
        if kind == "worker":
            return {"owner_worker": self.workers[pk], "owner_person": None}
        return {"owner_worker": None, "owner_person": self.members[pk]}


class ReReferralForm(forms.Form):
    """A closed family referred again: a new period of involvement."""

    version = parsing.VersionField()
    referred_on = date_field("Date of the new referral", required="Enter the referral date")
    referral_source = forms.ChoiceField(
        label="Who made the referral",
        choices=[("", "Choose where the referral came from"), *ReferralSource.choices],
        error_messages={"required": "Choose where the referral came from"},
    )
    referral_reason = forms.CharField(
        label="Why the family was referred again",
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "Say why the family was referred again"},
    )


class TransferForm(forms.Form):
    """A family handed to another team or social worker."""

    version = parsing.VersionField()
    to_team = parsing.ModelChoiceField(
        label="Team taking the family",
        queryset=None,
        empty_label="Choose a team",
        error_messages={"required": "Choose the team taking the family"},
    )
    to_worker = parsing.ModelChoiceField(
        label="Social worker taking the family (optional)",
        queryset=None,
        required=False,
        empty_label="Leave unallocated for the new team's manager",
    )
    on = date_field("Transfer date", required="Enter the transfer date")
    handover_note = forms.CharField(
        label="Handover note",
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="What the new worker needs to know first: risks, what is working, who to "
        "contact, what is due.",
        error_messages={"required": "Write a handover note for the new team"},
    )

    def __init__(self, *args: Any, teams: Any, workers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(parsing.ModelChoiceField, self.fields["to_team"]).queryset = teams
        cast(parsing.ModelChoiceField, self.fields["to_worker"]).queryset = workers


class CaseloadTransferForm(forms.Form):
    """All of a social worker's open families handed to a colleague (someone leaving)."""

    from_worker = parsing.ModelChoiceField(
        label="Social worker handing on their families",
        queryset=None,
        empty_label="Choose a social worker",
        error_messages={"required": "Choose whose families are handed on"},
    )
    to_worker = parsing.ModelChoiceField(
        label="Social worker taking them",
        queryset=None,
        empty_label="Choose a social worker",
        error_messages={"required": "Choose who takes the families"},
    )
    on = date_field("Transfer date", required="Enter the transfer date")
    handover_note = forms.CharField(
        label="Handover note",
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Shown on each family's record with the transfer.",
        error_messages={"required": "Write a handover note"},
    )

    def __init__(self, *args: Any, workers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(parsing.ModelChoiceField, self.fields["from_worker"]).queryset = workers
        cast(parsing.ModelChoiceField, self.fields["to_worker"]).queryset = workers

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("from_worker") and cleaned.get("from_worker") == cleaned.get("to_worker"):
            self.add_error("to_worker", "Choose a different social worker")
        return cleaned


# Families that grow ----------------------------------------------------------------------


def _not_in_future_field(form: forms.Form, name: str, what: str) -> None:
    day = form.cleaned_data.get(name)
    if day and day > timezone.localdate():
        form.add_error(name, f"{what} must be today or in the past")


class AddPersonForm(forms.Form):
    """Someone joining a family: new, or (after the duplicate check) already recorded."""

    given_name = forms.CharField(
        label="Given name",
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        error_messages={"required": "Enter a given name"},
    )
    family_name = forms.CharField(label="Family name", max_length=100, required=False)
    role = forms.ChoiceField(
        label="Role in this family",
        choices=Membership.Role.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select their role in this family"},
    )
    sex = forms.ChoiceField(
        label="Sex",
        choices=Person.Sex.choices,
        initial=Person.Sex.UNKNOWN,
        widget=forms.RadioSelect(attrs={"class": "inline"}),
    )
    date_of_birth = date_field("Date of birth", invalid=REAL_DATE_OF_BIRTH)
    expected_on = date_field("Expected date of delivery")
    joined_on = date_field("Joined the family on", required="Enter the date they joined")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields[
            "expected_on"
        ].help_text = "For an unborn child only: leave the date of birth empty."

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        _not_in_future_field(self, "date_of_birth", "The date of birth")
        _not_in_future_field(self, "joined_on", "The date they joined")
        born, expected = cleaned.get("date_of_birth"), cleaned.get("expected_on")
        if born and expected:
            self.add_error("expected_on", "Enter a date of birth or an expected date, not both")
        elif expected and cleaned.get("role") not in (None, Membership.Role.CHILD):
            self.add_error("expected_on", "Only an unborn child has an expected date of delivery")
        elif (
            cleaned.get("role") == Membership.Role.CHILD
            and not born
            and not expected
            and "date_of_birth" not in self.errors
            and "expected_on" not in self.errors
        ):
            self.add_error(
                "date_of_birth",
                "Enter the child's date of birth, or the expected date of delivery",
            )
        return cleaned

    def person_fields(self) -> dict[str, Any]:
        return {
            name: self.cleaned_data[name]
            for name in ("given_name", "family_name", "sex", "date_of_birth", "expected_on")
        }


class LeaveForm(forms.Form):
    version = parsing.VersionField()
    left_on = date_field("Date they left", required="Enter the date they left")


FATHER_ROLE_CHOICES = [
    (value, label) for value, label in Membership.Role.choices if value in Membership.FATHER_ROLES
]


class FatherForm(forms.Form):
    """Naming a child's father: a man already in this family, someone found, or someone new.

    `offered`: the people who may be chosen by id (the family's fathers and father figures,
    and those the user's search found), each labelled."""

    NEW = "new"

    q = forms.CharField(required=False, widget=forms.HiddenInput, max_length=100)
    father = forms.ChoiceField(
        label="Who is the father",
        widget=forms.RadioSelect,
        required=False,
    )
    given_name = forms.CharField(
        label="Given name",
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    family_name = forms.CharField(label="Family name", max_length=100, required=False)
    date_of_birth = date_field("Date of birth", invalid=REAL_DATE_OF_BIRTH)
    role = forms.ChoiceField(
        label="His role in this family, if he is not a member yet",
        choices=FATHER_ROLE_CHOICES,
        initial=Membership.Role.FATHER,
        widget=forms.RadioSelect(attrs={"class": "inline"}),
        error_messages={"required": "Choose father or father figure"},
    )
    parent_type = forms.ChoiceField(
        label="How is he the child's parent",
        choices=Relationship.ParentType.choices,
        initial=Relationship.ParentType.BIRTH,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how he is the child's parent"},
    )
    joined_on = date_field("Joined the family on")

    def __init__(self, *args: Any, offered: list[tuple[Person, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.offered = {str(person.pk): person for person, _label in offered}
        cast(forms.ChoiceField, self.fields["father"]).choices = [
            *[(str(person.pk), label) for person, label in offered],
            (self.NEW, "Someone not recorded yet"),
        ]
        self.fields["joined_on"].help_text = "Only if he joins the family now."

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        _not_in_future_field(self, "date_of_birth", "The date of birth")
        _not_in_future_field(self, "joined_on", "The date he joined")
        if cleaned.get("father") == self.NEW and not cleaned.get("given_name", "").strip():
            self.add_error("given_name", "Enter his given name")
        return cleaned

    def chosen(self) -> Person | None:
        """The person chosen by id, or None for someone new (or nobody chosen yet)."""
        return self.offered.get(self.cleaned_data.get("father") or "")

    def person_fields(self) -> dict[str, Any]:
        return {
            "given_name": self.cleaned_data["given_name"].strip(),
            "family_name": self.cleaned_data["family_name"].strip(),
            "date_of_birth": self.cleaned_data["date_of_birth"],
            "sex": Person.Sex.MALE,
        }


class PregnancyForm(forms.Form):
    mother = parsing.ModelChoiceField(
        label="Mother",
        queryset=Person.objects.none(),
        empty_label=None,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the mother"},
    )
    expected_on = date_field(
        "Expected date of delivery", required="Enter the expected date of delivery"
    )
    given_name = forms.CharField(
        label="Given name (optional)",
        max_length=100,
        required=False,
        help_text="Leave empty and the child is called Baby, with the mother's family name.",
    )
    family_name = forms.CharField(label="Family name (optional)", max_length=100, required=False)

    def __init__(self, *args: Any, family: Family, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(parsing.ModelChoiceField, self.fields["mother"])
        field.queryset = people_in(family, roles=[Membership.Role.MOTHER])


class BirthForm(forms.Form):
    version = parsing.VersionField()
    date_of_birth = date_field(
        "Date of birth", required="Enter the date of birth", invalid=REAL_DATE_OF_BIRTH
    )
    given_name = forms.CharField(
        label="Given name",
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        error_messages={"required": "Enter a given name"},
    )
    family_name = forms.CharField(label="Family name", max_length=100, required=False)
    sex = forms.ChoiceField(
        label="Sex",
        choices=Person.Sex.choices,
        widget=forms.RadioSelect(attrs={"class": "inline"}),
        error_messages={"required": "Select the child's sex"},
    )

    def clean_date_of_birth(self) -> datetime.date:
        day: datetime.date = self.cleaned_data["date_of_birth"]
        _not_in_future(day, "The date of birth")
        return day

    def changes(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in ("given_name", "family_name", "sex")}
