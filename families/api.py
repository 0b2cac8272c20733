"""The partner API's families: the caseload, a family with its people, a person, and the
family's status episodes, contacts, plans and plan actions.

The same rules as the pages, through the same functions: what a user may see comes from
selectors.family_list_for (and people_seen_by), so a family or person outside it is 404;
what they may change is what the pages let them change (403 for a role that may never);
every read is audited with one call; every write goes through the service the page uses,
which validates, locks, audits and checks versions. A domestic-abuse victim's contact
details reach only the allowlist of families.disclosure: everyone else reads "Restricted".
"""

from collections.abc import Iterable, Sequence
from typing import Any

import django_filters
from django.db import models
from django.db.models import Model, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.audit import audit_page_view_many
from accounts.models import User
from accounts.permissions import signed_in_user
from dmt import parsing
from dmt.api import fields
from dmt.api.views import ApiViewSet

from . import selectors, services
from .disclosure import CONTACT_FIELDS, shield_people
from .models import (
    LEVELS,
    Contact,
    ContactKind,
    Family,
    LegalStatus,
    Membership,
    Person,
    Plan,
    PlanAction,
    Relationship,
    StatusEpisode,
)
from .views import CASE_READERS

# The legal status of each level of the ladder (0, not open, has none).
STATUS_OF_LEVEL = {level: status for status, level in LEVELS.items()}
NOT_OPEN = "not_open"
STEP_OUT = "none"
# The choices of a status change: a rung of the ladder, or stepping out.
STATUS_CHANGE_CHOICES = [*LegalStatus.choices, (STEP_OUT, "Not open to children's services")]


class FamilyStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


# An id of a record without a reference: ASCII digits only (int() would read "٣" as 3).
ID_PATTERN = "[0-9]{1,19}"

FAMILY_REFERENCE = OpenApiParameter(
    name="family_reference",
    type=OpenApiTypes.STR,
    location=OpenApiParameter.PATH,
    description="The family's reference, as in GET /api/families/.",
)
ID = OpenApiParameter(
    name="id",
    type=OpenApiTypes.STR,
    location=OpenApiParameter.PATH,
    description="The record's id, as its `id` in a list.",
)

READERS = (
    "Anyone who may open the family's page: social workers, team managers and business "
    "support of the family's team, service managers over it (their locality, or the whole "
    "council) and auditors. Others get 404."
)
RECORDERS = (
    "Social workers and team managers of the family's team, while the case is open (a "
    "closed case answers 400 and nothing is written). Other roles that may see the family "
    "(service managers, business support, auditors) get 403; anyone else 404."
)
RESTRICTED_NOTE = (
    'A domestic-abuse victim\'s address, phone and email read "Restricted" unless you hold '
    "the case of a family she lives in now (her social worker, their team manager, the "
    "service managers over it, auditors), exactly as on the pages."
)


def may_record(user: User, family: Family) -> None:
    """PermissionDenied unless `user` is a social worker or team manager of the family's
    team: selectors.can_record_on without its open-case check, which the services make (so
    a closed case answers with the service's own reason)."""
    if (
        user.role not in selectors.RECORDING_ROLES
        or user.team_id is None
        or user.team_id != family.team_id
    ):
        raise exceptions.PermissionDenied(
            "Only the social workers and team managers of the family's team record on it."
        )


def audit_read(request: Request, objects: Sequence[Model]) -> None:
    """What a response shows, audited as read in one call (accounts.audit)."""
    audit_page_view_many(request._request, objects)


def shielded(user: User, people: Iterable[Person]) -> None:
    """families.disclosure.shield_people for everyone a response shows who has not been
    prepared yet. Specialists reach no family here (family_list_for), so no one is
    allowed through a referral (`worked_with` stays empty)."""
    shield_people(user, [person for person in people if not hasattr(person, "details_visible")])


# Serializers: output ------------------------------------------------------------------------


class PersonLinkSerializer(serializers.Serializer):
    """Another person, by reference and name."""

    reference = serializers.CharField(read_only=True)
    name = serializers.CharField(source="full_name", read_only=True)


class FamilySerializer(serializers.Serializer):
    """A row of the caseload: the figures come from selectors.with_caseload_figures."""

    reference = serializers.CharField(read_only=True)
    name = serializers.CharField(
        source="display_name",
        read_only=True,
        help_text="The name people know the family by: its children's names.",
    )
    status = serializers.SerializerMethodField(help_text="open or closed.")
    locality = serializers.CharField(source="locality.name", read_only=True)
    team = serializers.CharField(source="team.name", read_only=True, default=None)
    social_worker = serializers.CharField(
        source="social_worker.username",
        read_only=True,
        default=None,
        help_text="The username of the allocated social worker; null when unallocated.",
    )
    opened_on = serializers.DateField(read_only=True)
    closed_on = serializers.DateField(read_only=True, allow_null=True)
    last_contact_at = serializers.DateTimeField(read_only=True, allow_null=True)
    highest_legal_status = serializers.SerializerMethodField(
        help_text="The highest current legal status of the family's children; null when "
        "none is open to children's services."
    )
    children = serializers.IntegerField(source="children_count", read_only=True)
    re_referral = serializers.BooleanField(
        source="re_referred",
        read_only=True,
        help_text="Opened within 12 months of the family's previous period closing.",
    )

    @extend_schema_field(serializers.ChoiceField(choices=FamilyStatus.choices))
    def get_status(self, family: Family) -> str:
        return FamilyStatus.OPEN if family.is_open else FamilyStatus.CLOSED

    @extend_schema_field(serializers.ChoiceField(choices=LegalStatus.choices, allow_null=True))
    def get_highest_legal_status(self, family: Family) -> str | None:
        return STATUS_OF_LEVEL.get(getattr(family, "current_level", 0))


class CurrentStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=LegalStatus.choices, read_only=True)
    since = serializers.DateField(source="start_date", read_only=True)


class MemberSerializer(serializers.Serializer):
    """A current member of the family, as its page shows them: a child with their legal
    status and father (who may live elsewhere), an adult with their contact details
    (shielded by families.disclosure before this runs)."""

    reference = serializers.CharField(read_only=True)
    given_name = serializers.CharField(read_only=True)
    family_name = serializers.CharField(read_only=True)
    previously_known_as = serializers.SerializerMethodField()
    role = serializers.ChoiceField(choices=Membership.Role.choices, read_only=True)
    joined_on = serializers.DateField(
        source="membership.joined_on", read_only=True, allow_null=True
    )
    date_of_birth = serializers.DateField(read_only=True, allow_null=True)
    expected_on = serializers.DateField(
        read_only=True, allow_null=True, help_text="An unborn child's expected date of delivery."
    )
    legal_status = CurrentStatusSerializer(
        source="current_episode",
        read_only=True,
        allow_null=True,
        help_text="A child's current legal status; null when not open (always for adults).",
    )
    father = PersonLinkSerializer(
        source="father_shown",
        read_only=True,
        allow_null=True,
        help_text="A child's father, wherever he lives; null when not named (and for adults).",
    )
    contact_restricted = serializers.BooleanField(read_only=True)
    contact_details_visible = serializers.BooleanField(source="details_visible", read_only=True)
    address = serializers.CharField(read_only=True, allow_null=True)
    phone = serializers.CharField(read_only=True, allow_null=True)
    email = serializers.CharField(read_only=True, allow_null=True)
    care_experienced = serializers.BooleanField(read_only=True, allow_null=True)
    previous_child_removal = serializers.BooleanField(read_only=True, allow_null=True)

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_previously_known_as(self, person: Person) -> list[str]:
        return [str(name) for name in person.former_names.all()]

    def to_representation(self, instance: Person) -> dict[str, Any]:
        if not hasattr(instance, "details_visible"):
            shielded(signed_in_user(self.context["request"]), [instance])
        data: dict[str, Any] = super().to_representation(instance)
        if instance.is_child:  # the page shows no child's contact details
            for name in CONTACT_FIELDS:
                data[name] = None
        return data


class FormerMemberSerializer(serializers.Serializer):
    reference = serializers.CharField(read_only=True)
    given_name = serializers.CharField(read_only=True)
    family_name = serializers.CharField(read_only=True)
    previously_known_as = serializers.SerializerMethodField()
    role = serializers.ChoiceField(choices=Membership.Role.choices, read_only=True)
    joined_on = serializers.DateField(
        source="membership.joined_on", read_only=True, allow_null=True
    )
    left_on = serializers.DateField(source="membership.left_on", read_only=True, allow_null=True)

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_previously_known_as(self, person: Person) -> list[str]:
        return [str(name) for name in person.former_names.all()]


class FamilyDetailSerializer(FamilySerializer):
    members = MemberSerializer(many=True, read_only=True, help_text="Who lives there now.")
    former_members = FormerMemberSerializer(
        many=True, read_only=True, help_text="Who has left and not come back, latest first."
    )


class PersonMembershipSerializer(serializers.Serializer):
    family = serializers.CharField(source="family.reference", read_only=True)
    family_name = serializers.CharField(source="family.display_name", read_only=True)
    role = serializers.ChoiceField(choices=Membership.Role.choices, read_only=True)
    joined_on = serializers.DateField(read_only=True, allow_null=True)
    left_on = serializers.DateField(read_only=True, allow_null=True)


class RelationshipSerializer(serializers.Serializer):
    """`person` is `kind` of `relative` (parent of, partner of, ex-partner of, sibling of)."""

    person = PersonLinkSerializer(read_only=True)
    kind = serializers.ChoiceField(choices=Relationship.Kind.choices, read_only=True)
    parent_type = serializers.CharField(read_only=True, help_text="For a parent link only.")
    relative = PersonLinkSerializer(read_only=True)
    started_on = serializers.DateField(read_only=True)
    ended_on = serializers.DateField(read_only=True)


class PersonDetailSerializer(serializers.Serializer):
    """A person and the families of theirs the reader may see."""

    reference = serializers.CharField(read_only=True)
    given_name = serializers.CharField(read_only=True)
    family_name = serializers.CharField(read_only=True)
    previously_known_as = serializers.SerializerMethodField()
    date_of_birth = serializers.DateField(read_only=True, allow_null=True)
    expected_on = serializers.DateField(read_only=True, allow_null=True)
    sex = serializers.ChoiceField(choices=Person.Sex.choices, read_only=True)
    ethnicity = serializers.CharField(read_only=True)
    disability = serializers.ChoiceField(choices=Person.Disability.choices, read_only=True)
    religion = serializers.CharField(read_only=True)
    language = serializers.CharField(read_only=True)
    interpreter_needed = serializers.BooleanField(read_only=True, allow_null=True)
    contact_restricted = serializers.BooleanField(read_only=True)
    contact_details_visible = serializers.BooleanField(source="details_visible", read_only=True)
    address = serializers.CharField(read_only=True)
    phone = serializers.CharField(read_only=True)
    email = serializers.CharField(read_only=True)
    care_experienced = serializers.BooleanField(read_only=True, allow_null=True)
    previous_child_removal = serializers.BooleanField(read_only=True, allow_null=True)
    memberships = PersonMembershipSerializer(
        source="memberships_shown",
        many=True,
        read_only=True,
        help_text="Their memberships, now and before, of the families you may see.",
    )
    relationships = RelationshipSerializer(
        source="relationships_shown",
        many=True,
        read_only=True,
        help_text="Their relationships with people you may see, current ones first.",
    )

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_previously_known_as(self, person: Person) -> list[str]:
        return [str(name) for name in person.former_names.all()]

    def to_representation(self, instance: Person) -> dict[str, Any]:
        if not hasattr(instance, "details_visible"):
            shielded(signed_in_user(self.context["request"]), [instance])
        data: dict[str, Any] = super().to_representation(instance)
        return data


class StatusEpisodeSerializer(serializers.Serializer):
    id = serializers.CharField(read_only=True)
    child = PersonLinkSerializer(read_only=True)
    status = serializers.ChoiceField(choices=LegalStatus.choices, read_only=True)
    start_date = serializers.DateField(read_only=True)
    end_date = serializers.DateField(
        read_only=True, help_text="The last day, inclusive; null while current."
    )


class ContactSerializer(serializers.Serializer):
    id = serializers.CharField(read_only=True)
    kind = serializers.ChoiceField(choices=ContactKind.choices, read_only=True)
    occurred_at = serializers.DateTimeField(read_only=True)
    people_seen = PersonLinkSerializer(many=True, read_only=True, source="people_seen.all")
    children_seen_alone = PersonLinkSerializer(
        many=True, read_only=True, source="children_seen_alone.all"
    )
    note = serializers.CharField(read_only=True)
    next_steps = serializers.CharField(read_only=True)
    significant = serializers.BooleanField(read_only=True)
    chronology_summary = serializers.SerializerMethodField(
        help_text="A significant contact's line in the family's chronology."
    )
    recorded_by = serializers.CharField(source="recorded_by.username", read_only=True)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_chronology_summary(self, contact: Contact) -> str | None:
        entry = getattr(contact, "chronology_entry", None)
        return entry.summary if entry is not None else None


class ActionOwnerSerializer(serializers.Serializer):
    worker = serializers.CharField(
        source="owner_worker.username",
        read_only=True,
        default=None,
        help_text="The username of the worker who owns it; null when a family member does.",
    )
    person = PersonLinkSerializer(source="owner_person", read_only=True, allow_null=True)


class PlanActionSerializer(serializers.Serializer):
    id = serializers.CharField(read_only=True)
    plan = serializers.CharField(source="plan_id", read_only=True)
    description = serializers.CharField(read_only=True)
    owner = ActionOwnerSerializer(source="*", read_only=True)
    due_on = serializers.DateField(read_only=True)
    status = serializers.ChoiceField(choices=PlanAction.Status.choices, read_only=True)


class PlanSerializer(serializers.Serializer):
    id = serializers.CharField(read_only=True)
    child = PersonLinkSerializer(read_only=True)
    kind = serializers.ChoiceField(choices=LegalStatus.choices, read_only=True)
    started_on = serializers.DateField(read_only=True)
    review_on = serializers.DateField(read_only=True)
    ended_on = serializers.DateField(read_only=True)
    actions = PlanActionSerializer(many=True, read_only=True, source="actions.all")


# Serializers: input (shape only; the services decide the rest) ----------------------------


class StatusChangeSerializer(serializers.Serializer):
    child = serializers.CharField(max_length=40, help_text="The child's person reference.")
    status = serializers.ChoiceField(
        choices=STATUS_CHANGE_CHOICES,
        help_text=f'The new legal status, or "{STEP_OUT}" to step the child out.',
    )
    start_date = fields.DateField(help_text="The first day of the new status: not in the future.")


class ContactInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ContactKind.choices)
    occurred_at = fields.DateTimeField(help_text="When it happened: not in the future.")
    people_seen = serializers.ListField(
        child=serializers.CharField(max_length=40),
        default=list,
        max_length=50,
        help_text="Person references of the family's members who were seen.",
    )
    children_seen_alone = serializers.ListField(
        child=serializers.CharField(max_length=40),
        default=list,
        max_length=50,
        help_text="Person references of the family's children seen alone (they count as seen).",
    )
    note = fields.TextField(allow_blank=True, help_text="What happened.")
    next_steps = fields.TextField(allow_blank=True, default="")
    significant = serializers.BooleanField(
        default=False, help_text="A significant event: it enters the family's chronology."
    )
    chronology_summary = fields.TextField(
        allow_blank=True,
        default="",
        max_length=300,
        help_text="The chronology's line; empty: the note's first line.",
    )


class PlanActionChangeSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=PlanAction.Status.choices)


# Filters -----------------------------------------------------------------------------------


class DateFilter(django_filters.DateFilter):
    """A date as YYYY-MM-DD, read by dmt.parsing like every other date."""

    field_class = parsing.DateField


class FamilyFilter(django_filters.FilterSet):
    team = django_filters.CharFilter(
        field_name="team__name", help_text="The name of the family's team, exactly."
    )
    worker = django_filters.CharFilter(
        field_name="social_worker__username",
        help_text="The username of the allocated social worker.",
    )
    status = django_filters.ChoiceFilter(
        choices=FamilyStatus.choices,
        method="filter_status",
        help_text="open or closed.",
    )
    legal_status = django_filters.ChoiceFilter(
        choices=[*LegalStatus.choices, (NOT_OPEN, "Not open")],
        method="filter_legal_status",
        help_text=f"The highest current legal status of the family's children ({NOT_OPEN}: "
        "no child is open to children's services).",
    )
    last_contact_before = DateFilter(
        method="filter_last_contact_before",
        help_text="Last contacted before this date (YYYY-MM-DD), or never contacted.",
    )
    last_contact_after = DateFilter(
        method="filter_last_contact_after",
        help_text="Last contacted on or after this date (YYYY-MM-DD).",
    )

    class Meta:
        model = Family
        fields = ["team", "worker", "status", "legal_status"]

    def filter_status(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return queryset.filter(closed_on__isnull=value == "open")

    def filter_legal_status(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return queryset.filter(current_level=0 if value == NOT_OPEN else LEVELS[value])

    def filter_last_contact_before(
        self, queryset: QuerySet[Any], name: str, value: Any
    ) -> QuerySet[Any]:
        return queryset.filter(Q(last_contact_at__isnull=True) | Q(last_contact_at__date__lt=value))

    def filter_last_contact_after(
        self, queryset: QuerySet[Any], name: str, value: Any
    ) -> QuerySet[Any]:
        return queryset.filter(last_contact_at__date__gte=value)


class StatusEpisodeFilter(django_filters.FilterSet):
    child = django_filters.CharFilter(
        field_name="child__reference", help_text="The child's person reference."
    )
    status = django_filters.ChoiceFilter(
        choices=LegalStatus.choices, help_text="Episodes of this legal status."
    )

    class Meta:
        model = StatusEpisode
        fields = ["child", "status"]


class ContactFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(
        choices=ContactKind.choices, help_text="Contacts of this kind."
    )
    significant = django_filters.BooleanFilter(
        help_text="true: only significant events; false: only the others."
    )

    class Meta:
        model = Contact
        fields = ["kind", "significant"]


# Examples ----------------------------------------------------------------------------------

FAMILY_EXAMPLE = {
    "reference": "DEMO-0042",
    "name": "Hartley — Ellie, Tom",
    "status": "open",
    "locality": "West",
    "team": "SASS West 1",
    "social_worker": "alice",
    "opened_on": "2026-03-02",
    "closed_on": None,
    "last_contact_at": "2026-09-14T10:30:00+01:00",
    "highest_legal_status": "cp",
    "children": 2,
    "re_referral": False,
}
FAMILY_DETAIL_EXAMPLE = {
    **FAMILY_EXAMPLE,
    "members": [
        {
            "reference": "P-3F2A9C01D4",
            "given_name": "Ellie",
            "family_name": "Hartley",
            "previously_known_as": [],
            "role": "child",
            "joined_on": None,
            "date_of_birth": "2025-12-01",
            "expected_on": None,
            "legal_status": {"status": "cp", "since": "2026-03-02"},
            "father": {"reference": "P-77AB10C2E9", "name": "Mark Hartley"},
            "contact_restricted": False,
            "contact_details_visible": True,
            "address": None,
            "phone": None,
            "email": None,
            "care_experienced": None,
            "previous_child_removal": None,
        },
        {
            "reference": "P-0C1D2E3F4A",
            "given_name": "Jo",
            "family_name": "Hartley",
            "previously_known_as": [],
            "role": "mother",
            "joined_on": None,
            "date_of_birth": "1994-03-02",
            "expected_on": None,
            "legal_status": None,
            "father": None,
            "contact_restricted": True,
            "contact_details_visible": False,
            "address": "Restricted",
            "phone": "Restricted",
            "email": "Restricted",
            "care_experienced": None,
            "previous_child_removal": None,
        },
    ],
    "former_members": [
        {
            "reference": "P-5E6F7A8B9C",
            "given_name": "Dean",
            "family_name": "Moss",
            "previously_known_as": [],
            "role": "father_figure",
            "joined_on": "2026-03-02",
            "left_on": "2026-06-30",
        }
    ],
}
PERSON_EXAMPLE = {
    "reference": "P-3F2A9C01D4",
    "given_name": "Ellie",
    "family_name": "Hartley",
    "previously_known_as": [],
    "date_of_birth": "2025-12-01",
    "expected_on": None,
    "sex": "female",
    "ethnicity": "",
    "disability": "unknown",
    "religion": "",
    "language": "English",
    "interpreter_needed": False,
    "contact_restricted": False,
    "contact_details_visible": True,
    "address": "",
    "phone": "",
    "email": "",
    "care_experienced": None,
    "previous_child_removal": None,
    "memberships": [
        {
            "family": "DEMO-0042",
            "family_name": "Hartley — Ellie, Tom",
            "role": "child",
            "joined_on": None,
            "left_on": None,
        }
    ],
    "relationships": [
        {
            "person": {"reference": "P-77AB10C2E9", "name": "Mark Hartley"},
            "kind": "parent",
            "parent_type": "birth",
            "relative": {"reference": "P-3F2A9C01D4", "name": "Ellie Hartley"},
            "started_on": None,
            "ended_on": None,
        }
    ],
}
EPISODE_EXAMPLE = {
    "id": "812",
    "child": {"reference": "P-3F2A9C01D4", "name": "Ellie Hartley"},
    "status": "cp",
    "start_date": "2026-03-02",
    "end_date": None,
}
CONTACT_EXAMPLE = {
    "id": "5120",
    "kind": "home_visit",
    "occurred_at": "2026-09-14T10:30:00+01:00",
    "people_seen": [{"reference": "P-3F2A9C01D4", "name": "Ellie Hartley"}],
    "children_seen_alone": [{"reference": "P-3F2A9C01D4", "name": "Ellie Hartley"}],
    "note": "Saw Ellie at home; she showed me her room.",
    "next_steps": "Core group on Thursday.",
    "significant": True,
    "chronology_summary": "Home visit: Ellie seen alone.",
    "recorded_by": "alice",
}
ACTION_EXAMPLE = {
    "id": "301",
    "plan": "77",
    "description": "Safety plan reviewed with Jo",
    "owner": {"worker": "alice", "person": None},
    "due_on": "2026-09-30",
    "status": "in_progress",
}
PLAN_EXAMPLE = {
    "id": "77",
    "child": {"reference": "P-3F2A9C01D4", "name": "Ellie Hartley"},
    "kind": "cp",
    "started_on": "2026-03-02",
    "review_on": "2026-10-01",
    "ended_on": None,
    "actions": [ACTION_EXAMPLE],
}


def response_example(name: str, value: Any, status: int = 200) -> OpenApiExample:
    return OpenApiExample(name, value=value, response_only=True, status_codes=[status])


def request_example(name: str, value: Any) -> OpenApiExample:
    return OpenApiExample(name, value=value, request_only=True)


# Families ----------------------------------------------------------------------------------


@extend_schema(tags=["Families"])
@extend_schema_view(
    list=extend_schema(
        summary="List the families you may see",
        description="The families of your caseload's scope, open and closed, ordered by "
        "reference, with the caseload's figures: highest legal status of the children, "
        "last contact, re-referral. Filter by team, allocated worker, open or closed, legal "
        "status and date of last contact.\n\nWho may call it: social workers, team managers "
        "and business support (their team's families), service managers (their locality's, "
        "or the whole council's) and auditors (all). Other roles get 403. Each family "
        "listed is audited as read.",
        examples=[response_example("A page of families", [FAMILY_EXAMPLE])],
    ),
    retrieve=extend_schema(
        summary="Read a family with its members",
        description="The family as its page shows it: its current members (children with "
        "their legal status and father, who may live in another household; adults with "
        "their contact details) and those who have left. "
        + RESTRICTED_NOTE
        + "\n\nWho may call it: "
        + READERS
        + " The read is audited.",
        examples=[response_example("A family", FAMILY_DETAIL_EXAMPLE)],
    ),
)
class FamilyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    filterset_class = FamilyFilter
    ordering = "reference"

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        return FamilyDetailSerializer if self.action == "retrieve" else FamilySerializer

    def get_queryset(self) -> QuerySet[Family]:
        if getattr(self, "swagger_fake_view", False):
            return Family.objects.none()
        user = signed_in_user(self.request)
        if self.action == "list" and user.role not in CASE_READERS:
            raise exceptions.PermissionDenied("Your role does not read caseloads.")
        return selectors.with_caseload_figures(selectors.family_list_for(user))

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        families = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(families)
        assert page is not None  # every list is paginated
        selectors.name_families(page)
        audit_read(request, page)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def get_object(self) -> Family:
        family: Family = super().get_object()
        data = selectors.family_page_data(family)
        fathers: list[Person] = []
        for child, father in data["children_with_fathers"]:
            child.father_shown = father
            if father is not None:
                fathers.append(father)
        for adult in data["adults"]:
            adult.father_shown = None
            adult.current_episode = None
        shield_people(
            signed_in_user(self.request),
            [*data["adults"], *data["children"], *data["former_members"]],
        )
        family.members = [*data["children"], *data["adults"]]  # type: ignore[attr-defined]
        family.former_members = data["former_members"]  # type: ignore[attr-defined]
        here = {person.pk for person in family.members}  # type: ignore[attr-defined]
        self._shown: list[Model] = [
            family,
            *{father.pk: father for father in fathers if father.pk not in here}.values(),
        ]
        return family

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        family = self.get_object()
        audit_read(request, self._shown)
        return Response(self.get_serializer(family).data)


# People ------------------------------------------------------------------------------------


@extend_schema(tags=["People"])
@extend_schema_view(
    retrieve=extend_schema(
        summary="Read a person",
        description="A person who is, or was, a member of a family you may see: their "
        "details, their memberships of the families you may see, and their relationships "
        "with people you may see. "
        + RESTRICTED_NOTE
        + "\n\nWho may call it: anyone who may open the page of one of the person's "
        "families (now or before): social workers, team managers and business support of "
        "its team, service managers over it and auditors. Others get 404. The read is "
        "audited, with the families and relatives it shows.",
        examples=[response_example("A person", PERSON_EXAMPLE)],
    ),
)
class PersonViewSet(mixins.RetrieveModelMixin, ApiViewSet):
    serializer_class = PersonDetailSerializer

    def get_queryset(self) -> QuerySet[Person]:
        if getattr(self, "swagger_fake_view", False):
            return Person.objects.none()
        return selectors.people_seen_by(signed_in_user(self.request)).prefetch_related(
            "former_names"
        )

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = signed_in_user(request)
        person: Person = self.get_object()
        memberships: list[Membership] = person.memberships_shown  # type: ignore[attr-defined]
        families = [membership.family for membership in memberships]
        selectors.name_families(families)
        links = list(
            Relationship.objects.filter(Q(person=person) | Q(relative=person))
            .select_related("person", "relative")
            .order_by("ended_on", "started_on", "id")
        )
        others = {
            link.relative_id if link.person_id == person.pk else link.person_id for link in links
        }
        seen = set(
            selectors.people_seen_by(user).filter(pk__in=others).values_list("pk", flat=True)
        )
        shown = [
            link
            for link in links
            if (link.relative_id if link.person_id == person.pk else link.person_id) in seen
        ]
        current_first = sorted(shown, key=lambda link: link.ended_on is not None)
        person.relationships_shown = current_first  # type: ignore[attr-defined]
        shield_people(user, [person])
        relatives = {
            other.pk: other
            for link in shown
            for other in (link.person, link.relative)
            if other.pk != person.pk
        }
        audit_read(request, [person, *families, *relatives.values()])
        return Response(self.get_serializer(person).data)


# A family's records ------------------------------------------------------------------------


class InFamily(ApiViewSet):
    """A resource of one family, named in the path: the family comes from family_list_for
    (404 otherwise). Reads are audited as reads of the family."""

    lookup_field = "pk"
    lookup_url_kwarg = "id"
    lookup_value_regex = ID_PATTERN

    def family(self) -> Family:
        if not hasattr(self, "_family"):
            self._family = get_object_or_404(
                selectors.family_list_for(signed_in_user(self.request)),
                reference=self.kwargs["family_reference"],
            )
        return self._family

    def children_ids(self) -> QuerySet[Membership, int]:
        """The family's children now: their episodes and plans are reached through it, as
        on its page."""
        return (
            Membership.objects.current()
            .children()
            .filter(family=self.family())
            .values_list("person", flat=True)
        )

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        """A read of any of the family's records is audited as a read of the family, once."""
        response = super().finalize_response(request, response, *args, **kwargs)
        if request.method == "GET" and response.status_code == 200 and hasattr(self, "_family"):
            audit_read(request, [self._family])
        return response

    def created(self, instance: Model, name: str) -> Response:
        """201 with the new record and where to read it."""
        response = self.detail_response(instance, status=201)
        response["Location"] = self.request.build_absolute_uri(
            reverse(
                name,
                kwargs={"family_reference": self.family().reference, "id": str(instance.pk)},
            )
        )
        return response


def _people_of(references: Sequence[str], field: str) -> list[Person]:
    """The people named by `references`; an error on `field` when one names nobody (the
    service checks they are the family's, with the same words)."""
    wanted = set(references)
    people = list(Person.objects.filter(reference__in=wanted))
    if len(people) != len(wanted):
        message = (
            "Only children are seen alone."
            if field == "children_seen_alone"
            else "Choose people from this family."
        )
        raise exceptions.ValidationError({field: [message]})
    return people


@extend_schema(parameters=[FAMILY_REFERENCE], tags=["Status episodes"])
@extend_schema_view(
    list=extend_schema(
        summary="List a family's legal status episodes",
        description="Each dated spell of each of the family's children on a rung of the "
        "legal-status ladder (early help to looked after), oldest recorded first.\n\nWho "
        "may call it: " + READERS + " The read is audited.",
        examples=[response_example("A page of episodes", [EPISODE_EXAMPLE])],
    ),
    retrieve=extend_schema(
        summary="Read one legal status episode",
        description="One spell of a child of the family on a rung of the ladder.\n\nWho "
        "may call it: " + READERS + " The read is audited.",
        parameters=[ID],
        examples=[response_example("An episode", EPISODE_EXAMPLE)],
    ),
    create=extend_schema(
        summary="Change a child's legal status",
        description="Moves a child of the family to a new legal status from a date, as "
        "the page's status form does: the current episode ends the day before. The change "
        "must start after the current status began, not in the future, and before birth "
        "only early help, child in need or child protection are possible. It enters the "
        "family's chronology. Answers 201 with the new episode; stepping out "
        f'("{STEP_OUT}") answers 200 with the episode it ended.\n\nWho may call it: ' + RECORDERS,
        request=StatusChangeSerializer,
        responses={
            201: StatusEpisodeSerializer,
            200: OpenApiResponse(StatusEpisodeSerializer, description="Stepped out."),
        },
        examples=[
            request_example(
                "Child protection from today",
                {"child": "P-3F2A9C01D4", "status": "cp", "start_date": "2026-09-14"},
            ),
            response_example("The new episode", EPISODE_EXAMPLE, 201),
        ],
    ),
)
class StatusEpisodeViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, InFamily
):
    serializer_class = StatusEpisodeSerializer
    filterset_class = StatusEpisodeFilter
    ordering = "pk"

    def get_queryset(self) -> QuerySet[StatusEpisode]:
        if getattr(self, "swagger_fake_view", False):
            return StatusEpisode.objects.none()
        return StatusEpisode.objects.filter(child__in=self.children_ids()).select_related("child")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user, family = signed_in_user(request), self.family()
        may_record(user, family)
        change = StatusChangeSerializer(data=request.data)
        change.is_valid(raise_exception=True)
        membership = (
            Membership.objects.current()
            .children()
            .filter(family=family, person__reference=change.validated_data["child"])
            .select_related("person")
            .first()
        )
        if membership is None:
            raise exceptions.ValidationError({"child": ["Choose a child of this family."]})
        child = membership.person
        child.role, child.membership = membership.role, membership
        status = change.validated_data["status"]
        episode = services.child_status_change(
            child=child,
            family=family,
            status=None if status == STEP_OUT else status,
            start_date=change.validated_data["start_date"],
            acting_user=user,
        )
        if episode is not None:
            return self.created(episode, "api-family-status-episode-detail")
        ended = StatusEpisode.objects.filter(child=child).order_by("-start_date").first()
        assert ended is not None  # stepping out ends the current episode
        return self.detail_response(ended)


@extend_schema(parameters=[FAMILY_REFERENCE], tags=["Contacts"])
@extend_schema_view(
    list=extend_schema(
        summary="List a family's contacts",
        description="The visits, calls and meetings recorded with the family, the most "
        "recently recorded first, with who was seen and what happened.\n\nWho may call it: "
        + READERS
        + " The read is audited.",
        examples=[response_example("A page of contacts", [CONTACT_EXAMPLE])],
    ),
    retrieve=extend_schema(
        summary="Read one contact",
        description="One visit, call or meeting with the family.\n\nWho may call it: "
        + READERS
        + " The read is audited.",
        parameters=[ID],
        examples=[response_example("A contact", CONTACT_EXAMPLE)],
    ),
    create=extend_schema(
        summary="Record a contact",
        description="Records a visit, call or meeting with the family, as the page's "
        "contact form does: the people seen are the family's members now (by person "
        "reference), those seen alone its children; it may not be in the future; a "
        "significant one enters the family's chronology. Answers 201 with the contact and "
        "its Location.\n\nWho may call it: " + RECORDERS,
        request=ContactInputSerializer,
        responses={201: ContactSerializer},
        examples=[
            request_example(
                "A home visit",
                {
                    "kind": "home_visit",
                    "occurred_at": "2026-09-14T10:30:00+01:00",
                    "people_seen": ["P-3F2A9C01D4", "P-0C1D2E3F4A"],
                    "children_seen_alone": ["P-3F2A9C01D4"],
                    "note": "Saw Ellie at home; she showed me her room.",
                    "next_steps": "Core group on Thursday.",
                    "significant": True,
                    "chronology_summary": "Home visit: Ellie seen alone.",
                },
            ),
            response_example("The contact recorded", CONTACT_EXAMPLE, 201),
        ],
    ),
)
class ContactViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, InFamily
):
    serializer_class = ContactSerializer
    filterset_class = ContactFilter
    ordering = "-pk"

    def get_queryset(self) -> QuerySet[Contact]:
        if getattr(self, "swagger_fake_view", False):
            return Contact.objects.none()
        return (
            Contact.objects.filter(family=self.family())
            .select_related("recorded_by", "chronology_entry")
            .prefetch_related("people_seen", "children_seen_alone")
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user, family = signed_in_user(request), self.family()
        may_record(user, family)
        given = ContactInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        contact = services.contact_record(
            family=family,
            occurred_at=data["occurred_at"],
            kind=data["kind"],
            note=data["note"],
            next_steps=data["next_steps"],
            people_seen=_people_of(data["people_seen"], "people_seen"),
            children_seen_alone=_people_of(data["children_seen_alone"], "children_seen_alone"),
            significant=data["significant"],
            chronology_summary=data["chronology_summary"],
            acting_user=user,
        )
        return self.created(self.get_queryset().get(pk=contact.pk), "api-family-contact-detail")


@extend_schema(parameters=[FAMILY_REFERENCE], tags=["Plans"])
@extend_schema_view(
    list=extend_schema(
        summary="List the plans of a family's children",
        description="Each plan of each of the family's children (child in need, child "
        "protection...) with its actions, their owners, due dates and status.\n\nWho may "
        "call it: " + READERS + " The read is audited.",
        examples=[response_example("A page of plans", [PLAN_EXAMPLE])],
    ),
)
class PlanViewSet(mixins.ListModelMixin, InFamily):
    serializer_class = PlanSerializer
    ordering = "pk"

    def get_queryset(self) -> QuerySet[Plan]:
        if getattr(self, "swagger_fake_view", False):
            return Plan.objects.none()
        return (
            Plan.objects.filter(child__in=self.children_ids())
            .select_related("child")
            .prefetch_related(
                Prefetch(
                    "actions",
                    queryset=PlanAction.objects.select_related(
                        "owner_worker", "owner_person"
                    ).order_by("due_on", "id"),
                )
            )
        )


@extend_schema(parameters=[FAMILY_REFERENCE, ID], tags=["Plans"])
@extend_schema_view(
    retrieve=extend_schema(
        summary="Read one plan action",
        description="One action of a plan of a child of the family. Its ETag is what a "
        "change of its status sends in If-Match.\n\nWho may call it: "
        + READERS
        + " The read is audited.",
        examples=[response_example("An action", ACTION_EXAMPLE)],
    ),
    partial_update=extend_schema(
        summary="Change a plan action's status",
        description="Marks an action not started, in progress, done or no longer needed, "
        "as the family page does. Send the action's ETag in If-Match: without it 428; if "
        "the action has changed since you read it, 412 and nothing is changed.\n\nWho may "
        "call it: " + RECORDERS,
        request=PlanActionChangeSerializer,
        responses={200: PlanActionSerializer},
        examples=[
            request_example("Done", {"status": "done"}),
            response_example("The action, changed", {**ACTION_EXAMPLE, "status": "done"}),
        ],
    ),
)
class PlanActionViewSet(mixins.RetrieveModelMixin, mixins.UpdateModelMixin, InFamily):
    serializer_class = PlanActionSerializer
    http_method_names = ["get", "patch", "head", "options"]
    if_match_actions = ("partial_update",)

    def get_queryset(self) -> QuerySet[PlanAction]:
        if getattr(self, "swagger_fake_view", False):
            return PlanAction.objects.none()
        return PlanAction.objects.filter(plan__child__in=self.children_ids()).select_related(
            "plan__child", "owner_worker", "owner_person"
        )

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user, family = signed_in_user(request), self.family()
        action: PlanAction = self.get_object()
        may_record(user, family)
        self.check_if_match(request, action)
        change = PlanActionChangeSerializer(data=request.data)
        change.is_valid(raise_exception=True)
        services.plan_action_update(
            action=action,
            family=family,
            expected_version=action.version,
            changes={"status": change.validated_data["status"]},
            acting_user=user,
        )
        return self.detail_response(action)
