"""The referrals API, for partner agencies' own systems: the referrals a user may see, a
referral made, and the work recorded on it (stage, engagement, attempts, appointments and
what happened at them, outcome measures, reviews, closure).

The same rules as the pages: referrals come from selectors.referral_list_for (an outsider
gets 404), the work is recorded only by those selectors.can_work_on allows (403 otherwise),
each read is audited, each change goes through referrals.services (validation, atomicity,
audit and version checks), and restricted (domestic-abuse victim) contact details reach only
the allowlist of families.disclosure; everyone else reads "Restricted".

Records are named by reference (a referral, a person, a family); the parts of a referral that
have none (an attempt, an appointment, a reading) by their id, as a string.
"""

from collections.abc import Callable
from typing import Any, TypeVar, cast

import django_filters
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model, Prefetch, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.audit import audit_page_view_many
from accounts.models import Role
from accounts.permissions import signed_in_user
from dmt import parsing
from dmt.api import fields
from dmt.api.views import ApiViewSet
from families import selectors as family_selectors
from families.disclosure import CONTACT_FIELDS, shield_people
from families.models import Membership, Person

from . import selectors, services
from .forms import AREAS_OF_NEED
from .models import (
    Appointment,
    ClosureReason,
    CycleOfChangeEntry,
    Engagement,
    EngagementAttempt,
    MeasureReading,
    OutcomeMeasure,
    Pathway,
    Rag,
    Referral,
)

_View = TypeVar("_View", bound=Callable[..., Response])

TAGS = ["Referrals"]
WORK = ["Referrals: the work"]
WHO_READS = (
    "Anyone who may see the referral: the practitioner allocated to it, their pathway "
    "manager, and the staff of the family it was made in (its social workers and managers)."
)
WHO_WORKS = (
    "Only the practitioner allocated to the referral, or their pathway manager, while it is "
    "open (403 for anyone else who may see it; 404 for those who may not)."
)
CHANGES_REFERRAL = (
    " Send the referral's ETag in If-Match; the answer is the referral as changed, with its "
    "new ETag."
)


def _audit_read(request: Request, objects: list[Model]) -> None:
    """One view row per record the response shows (accounts.audit). The API's request
    carries the same user, method and route as the HttpRequest the function expects."""
    audit_page_view_many(cast(HttpRequest, request), objects)


# Reading referrals ------------------------------------------------------------------------


class PersonSerializer(serializers.ModelSerializer):
    """A person as a member of the referral's family: `role` is their role there. The
    viewset prepares the people of a response (ReferralViewSet.prepare), so their contact
    details are shielded all at once; a person not prepared is shielded here."""

    role = serializers.CharField(
        read_only=True, help_text="Their role in the referral's family: father, child..."
    )
    address = serializers.CharField(
        read_only=True,
        allow_null=True,
        help_text='"Restricted" unless yours to read; null for a child (the family\'s).',
    )
    phone = serializers.CharField(
        read_only=True,
        allow_null=True,
        help_text='"Restricted" unless yours to read; null for a child (the family\'s).',
    )
    email = serializers.CharField(
        read_only=True,
        allow_null=True,
        help_text='"Restricted" unless yours to read; null for a child (the family\'s).',
    )

    class Meta:
        model = Person
        fields = [
            "reference",
            "role",
            "given_name",
            "family_name",
            "date_of_birth",
            "address",
            "phone",
            "email",
        ]

    def to_representation(self, instance: Person) -> dict[str, Any]:
        if not instance.is_child and not hasattr(instance, "details_visible"):
            shield_people(
                signed_in_user(self.context["request"]),
                [instance],
                worked_with=self.context["worked_with"],
            )
        data = super().to_representation(instance)
        if instance.is_child:  # a child's contact details are the family's, not shown here
            for field in CONTACT_FIELDS:
                data[field] = None
        return data


class ReferralFamilySerializer(serializers.Serializer):
    reference = serializers.CharField(read_only=True)
    people = PersonSerializer(
        many=True, read_only=True, help_text="The family's other current members."
    )


class ReferralSerializer(serializers.ModelSerializer):
    person = PersonSerializer(read_only=True, help_text="The adult referred.")
    pathway = serializers.CharField(source="pathway.code", read_only=True)
    stage = serializers.CharField(source="stage.code", read_only=True, default=None)
    referred_by = serializers.CharField(source="referred_by.username", read_only=True, default=None)
    practitioner = serializers.CharField(
        source="practitioner.username", read_only=True, default=None
    )
    outcome = serializers.CharField(
        source="closure_reason", read_only=True, help_text="What changed, once closed."
    )
    family = serializers.SerializerMethodField(help_text="The family the referral was made in.")

    class Meta:
        model = Referral
        fields = [
            "reference",
            "person",
            "pathway",
            "stage",
            "engagement",
            "rag",
            "areas_of_need",
            "reason",
            "previously_known",
            "eligibility_override",
            "referred_on",
            "referred_by",
            "allocated_on",
            "practitioner",
            "next_review_on",
            "closed_on",
            "closure_code",
            "outcome",
            "family",
        ]

    @extend_schema_field(ReferralFamilySerializer)
    def get_family(self, referral: Referral) -> dict[str, Any]:
        others = self.context["others"].get(referral.pk, [])
        return {
            "reference": referral.family.reference,
            "people": PersonSerializer(others, many=True, context=self.context).data,
        }


class ParsedDateFilter(django_filters.DateFilter):
    """A date read by dmt.parsing, as the pages read one."""

    field_class = parsing.DateField


class ReferralFilter(django_filters.FilterSet):
    pathway = django_filters.CharFilter(
        field_name="pathway__code", help_text="The pathway's code, for example dmt."
    )
    stage = django_filters.CharFilter(
        field_name="stage__code", help_text="The stage's code, for example allocated."
    )
    status = django_filters.ChoiceFilter(
        choices=[("open", "Open"), ("closed", "Closed")],
        method="filter_status",
        help_text="open: not yet closed; closed: closed.",
    )
    practitioner = django_filters.CharFilter(
        field_name="practitioner__username",
        help_text="The username of the practitioner allocated.",
    )
    referred_from = ParsedDateFilter(
        field_name="referred_on",
        lookup_expr="gte",
        help_text="Referred on or after this date (YYYY-MM-DD).",
    )
    referred_to = ParsedDateFilter(
        field_name="referred_on",
        lookup_expr="lte",
        help_text="Referred on or before this date (YYYY-MM-DD).",
    )

    class Meta:
        model = Referral
        fields: list[str] = []

    def filter_status(
        self, queryset: QuerySet[Referral], name: str, value: str
    ) -> QuerySet[Referral]:
        return queryset.filter(closed_on__isnull=value == "open")


# Input ------------------------------------------------------------------------------------


class ReferInput(serializers.Serializer):
    """A referral to make. Field names are the service's (referrals.services.referral_create),
    so its errors point at them."""

    person = serializers.CharField(
        max_length=40, help_text="The reference of the adult to refer: a current member of family."
    )
    family = serializers.CharField(
        max_length=40, help_text="The reference of the family the referral is made in."
    )
    pathway = serializers.SlugRelatedField(
        slug_field="code", queryset=Pathway.objects.all(), help_text="The pathway's code."
    )
    referred_on = fields.DateField(help_text=fields.DATE_HELP)
    rag = serializers.ChoiceField(choices=Rag.choices, default=Rag.AMBER)
    areas_of_need = serializers.ListField(
        child=serializers.ChoiceField(choices=AREAS_OF_NEED), default=list
    )
    reason = fields.TextField(max_length=10000)
    previously_known = serializers.BooleanField(allow_null=True, default=None)
    eligibility_override = fields.TextField(
        max_length=10000,
        allow_blank=True,
        default="",
        help_text="Why to go ahead outside the pathway's criteria; needed only then.",
    )


class StageInput(serializers.Serializer):
    stage = serializers.SlugField(max_length=40, help_text="The code of the stage to move to.")
    changed_on = fields.DateField(help_text=fields.DATE_HELP)


class EngagementInput(serializers.Serializer):
    engagement = serializers.ChoiceField(choices=Engagement.choices)
    changed_on = fields.DateField(help_text=fields.DATE_HELP)


class CloseInput(serializers.Serializer):
    closed_on = fields.DateField(help_text=fields.DATE_HELP)
    reason = serializers.ChoiceField(choices=ClosureReason.choices)
    outcome = fields.TextField(max_length=10000, help_text="What changed for the adult.")


class ReviewInput(serializers.Serializer):
    reviewed_on = fields.DateField(help_text=fields.DATE_HELP)
    summary = fields.TextField(max_length=10000, help_text="What the review found.")
    next_review_on = fields.DateField(
        allow_null=True, default=None, help_text="When the next is due; null if the work ends."
    )


REFERRAL_EXAMPLE = {
    "reference": "R-3F9A0C12BE",
    "person": {
        "reference": "P-1A2B3C4D5E",
        "role": "father",
        "given_name": "Dean",
        "family_name": "Smith",
        "date_of_birth": "1995-04-04",
        "address": "5 Harbour Road, Weymouth",
        "phone": "07700 900555",
        "email": "",
    },
    "pathway": "dmt",
    "stage": "allocated",
    "engagement": "new",
    "rag": "amber",
    "areas_of_need": ["parenting"],
    "reason": "Dad wants to be involved.",
    "previously_known": None,
    "eligibility_override": "",
    "referred_on": "2026-05-01",
    "referred_by": "alice",
    "allocated_on": "2026-05-02",
    "practitioner": "dan",
    "next_review_on": "2026-07-25",
    "closed_on": None,
    "closure_code": "",
    "outcome": "",
    "family": {
        "reference": "F-0001",
        "people": [
            {
                "reference": "P-9Z8Y7X6W5V",
                "role": "mother",
                "given_name": "Mia",
                "family_name": "Jones",
                "date_of_birth": "1996-02-10",
                "address": "Restricted",
                "phone": "Restricted",
                "email": "Restricted",
            },
            {
                "reference": "P-5V6W7X8Y9Z",
                "role": "child",
                "given_name": "Amy",
                "family_name": "Smith",
                "date_of_birth": "2025-06-01",
            },
        ],
    },
}


def _example(summary: str, value: Any, *, request: bool = False) -> OpenApiExample:
    return OpenApiExample(summary, value=value, request_only=request, response_only=not request)


def _referral_change(
    summary: str, request: type[serializers.Serializer], example: Any
) -> Callable[[_View], _View]:
    return extend_schema(
        summary=summary,
        description=WHO_WORKS + CHANGES_REFERRAL,
        tags=WORK,
        request=request,
        responses={200: ReferralSerializer},
        examples=[
            _example("The change", example, request=True),
            _example("The referral as changed", REFERRAL_EXAMPLE),
        ],
    )


@extend_schema_view(
    list=extend_schema(
        summary="The referrals you may see",
        description=WHO_READS + " A practitioner sees the referrals allocated to them; a "
        "pathway manager every referral to the pathway. Ordered by when they were made, "
        "oldest first; a referral made later joins the end.",
        tags=TAGS,
        examples=[_example("A page (each result)", REFERRAL_EXAMPLE)],
    ),
    retrieve=extend_schema(
        summary="One referral",
        description=WHO_READS + ' Restricted contact details read "Restricted" unless '
        "you may read them.",
        tags=TAGS,
        examples=[_example("A referral", REFERRAL_EXAMPLE)],
    ),
    create=extend_schema(
        summary="Refer an adult to a pathway",
        description="Social workers and team managers of the family's team, while the family's "
        "case is open (as the page's Refer button). Outside the pathway's criteria the answer "
        "is 400 listing each criterion not met, at eligibility_override: send why to go "
        "ahead there.",
        tags=TAGS,
        request=ReferInput,
        responses={201: ReferralSerializer},
        examples=[
            _example(
                "A referral",
                {
                    "person": "P-1A2B3C4D5E",
                    "family": "F-0001",
                    "pathway": "dmt",
                    "referred_on": "2026-05-01",
                    "rag": "amber",
                    "areas_of_need": ["parenting"],
                    "reason": "Dad wants to be involved.",
                    "previously_known": None,
                    "eligibility_override": "",
                },
                request=True,
            ),
            _example("The referral made", REFERRAL_EXAMPLE),
        ],
    ),
)
class ReferralViewSet(ApiViewSet):
    serializer_class = ReferralSerializer
    filterset_class = ReferralFilter
    ordering = "id"  # made later, later in the list: a sync neither skips nor repeats one
    if_match_actions = ("stage", "engagement", "close", "review")

    def get_serializer_context(self) -> dict[str, Any]:
        if getattr(self, "swagger_fake_view", False):
            return dict(super().get_serializer_context())
        return {
            **super().get_serializer_context(),
            "worked_with": self.worked_with(),
            "others": getattr(self, "_others", {}),
        }

    def worked_with(self) -> set[int]:
        """The adults allocated to the user (the restricted-details allowlist), read once."""
        if not hasattr(self, "_worked_with"):
            self._worked_with = selectors.allocated_person_ids(signed_in_user(self.request))
        return self._worked_with

    def get_queryset(self) -> QuerySet[Referral]:
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular reading the types
            return Referral.objects.none()
        user = signed_in_user(self.request)
        memberships = Membership.objects.select_related("person").order_by(
            "person__family_name", "person__given_name", "person_id", "pk"
        )
        return (
            selectors.referral_list_for(user)
            .select_related("referred_by")
            .prefetch_related(Prefetch("family__memberships", queryset=memberships))
            .order_by("id")
        )

    def get_serializer(self, *args: Any, **kwargs: Any) -> serializers.BaseSerializer:
        """The serializer of a page of referrals, or of one, prepared first (see prepare)."""
        if args:
            instance, *rest = args
            referrals = list(instance) if kwargs.get("many") else [instance]
            self.prepare(referrals)
            args = (referrals if kwargs.get("many") else instance, *rest)
        return super().get_serializer(*args, **kwargs)

    def prepare(self, referrals: list[Referral]) -> None:
        """Each referral's adult with his role in the referral's family (his latest
        membership of it: he may have left it since), and the family's other current members
        with theirs; every adult shown is shielded at once (families.disclosure)."""
        self._others: dict[int, list[Person]] = {}
        shown: list[Person] = []
        for referral in referrals:
            others = []
            own: list[Membership] = []
            for membership in referral.family.memberships.all():
                if membership.person_id == referral.person_id:
                    own.append(membership)
                elif membership.left_on is None:
                    person = membership.person
                    person.role, person.membership = membership.role, membership
                    others.append(person)
            adult = referral.person
            adult.role = Membership.Role.OTHER_ADULT  # no membership: an adult, as referred
            if own:
                latest = max(own, key=lambda m: (m.left_on is None, m.left_on, m.pk))
                adult.role, adult.membership = latest.role, latest
            self._others[referral.pk] = others
            shown += [adult, *others]
        shield_people(
            signed_in_user(self.request),
            [person for person in shown if not person.is_child],
            worked_with=self.worked_with(),
        )

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = cast(list[Referral], self.paginate_queryset(queryset))
        response = self.get_paginated_response(self.get_serializer(page, many=True).data)
        _audit_read(request, _read_records(page))
        return response

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        referral = self.get_object()
        response = self.detail_response(referral)
        _audit_read(request, _read_records([referral]))
        return response

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Refer, as the page referrals:refer: the role first (403), then the input."""
        user = signed_in_user(request)
        if user.role not in (Role.SOCIAL_WORKER, Role.TEAM_MANAGER):
            raise PermissionDenied
        given = ReferInput(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        family = family_selectors.family_list_for(user).filter(reference=data["family"]).first()
        if family is None:
            raise DjangoValidationError({"family": "No family you may see has this reference."})
        membership = (
            Membership.objects.current()
            .filter(family=family, person__reference=data["person"])
            .select_related("person")
            .first()
        )
        if membership is None:
            raise DjangoValidationError(
                {"person": f"No one of this reference is a current member of {family.reference}."}
            )
        if not family_selectors.can_record_on(user, family):
            raise PermissionDenied
        referral = services.referral_create(
            person=membership.person,
            family=family,
            pathway=data["pathway"],
            referred_on=data["referred_on"],
            rag=data["rag"],
            areas_of_need=data["areas_of_need"],
            reason=data["reason"],
            previously_known=data["previously_known"],
            eligibility_override=data["eligibility_override"],
            acting_user=user,
        )
        response = self.detail_response(self._fresh(referral), status=201)
        response["Location"] = reverse("api-referral-detail", args=[referral.reference])
        return response

    def _fresh(self, referral: Referral) -> Referral:
        """The referral as the user now reads it, after a change."""
        return get_object_or_404(self.get_queryset(), pk=referral.pk)

    def _for_work(self, request: Request) -> Referral:
        """The referral, if the user may see it (else 404) and record the work (else 403),
        and if the client read it as it is now (If-Match: else 428 or 412)."""
        referral: Referral = self.get_object()
        if not selectors.can_work_on(signed_in_user(request), referral):
            raise PermissionDenied
        self.check_if_match(request, referral)
        return referral

    @_referral_change(
        "Move the referral to another stage",
        StageInput,
        {"stage": "intervention", "changed_on": "2026-05-10"},
    )
    @action(detail=True, methods=["post"])
    def stage(self, request: Request, reference: str) -> Response:
        referral = self._for_work(request)
        given = StageInput(data=request.data)
        given.is_valid(raise_exception=True)
        services.referral_stage_change(
            referral=referral,
            stage_code=given.validated_data["stage"],
            changed_on=given.validated_data["changed_on"],
            acting_user=signed_in_user(request),
            expected_version=referral.version,
        )
        return self.detail_response(self._fresh(referral))

    @_referral_change(
        "Record how the adult is engaging",
        EngagementInput,
        {"engagement": "engaged", "changed_on": "2026-05-10"},
    )
    @action(detail=True, methods=["post"])
    def engagement(self, request: Request, reference: str) -> Response:
        referral = self._for_work(request)
        given = EngagementInput(data=request.data)
        given.is_valid(raise_exception=True)
        services.referral_engagement_change(
            referral=referral,
            acting_user=signed_in_user(request),
            expected_version=referral.version,
            **given.validated_data,
        )
        return self.detail_response(self._fresh(referral))

    @_referral_change(
        "Close the referral",
        CloseInput,
        {"closed_on": "2026-09-30", "reason": "completed", "outcome": "He sees his son weekly."},
    )
    @action(detail=True, methods=["post"])
    def close(self, request: Request, reference: str) -> Response:
        referral = self._for_work(request)
        given = CloseInput(data=request.data)
        given.is_valid(raise_exception=True)
        services.referral_close(
            referral=referral,
            acting_user=signed_in_user(request),
            expected_version=referral.version,
            **given.validated_data,
        )
        return self.detail_response(self._fresh(referral))

    @_referral_change(
        "Record a review of the work",
        ReviewInput,
        {
            "reviewed_on": "2026-07-25",
            "summary": "Attending every session; goals on track.",
            "next_review_on": "2026-10-17",
        },
    )
    @action(detail=True, methods=["post"])
    def review(self, request: Request, reference: str) -> Response:
        referral = self._for_work(request)
        given = ReviewInput(data=request.data)
        given.is_valid(raise_exception=True)
        services.referral_review_record(
            referral=referral,
            acting_user=signed_in_user(request),
            expected_version=referral.version,
            **given.validated_data,
        )
        return self.detail_response(self._fresh(referral))


def _read_records(referrals: list[Referral]) -> list[Model]:
    """What a response about these referrals shows: each referral, and each family (its
    people are in the response too), once."""
    families = {referral.family_id: referral.family for referral in referrals}
    return [*referrals, *families.values()]


# The parts of a referral: attempts, appointments, measure readings --------------------------

ID_PATTERN = "[0-9]{1,19}"  # ASCII digits (dmt.parsing): int() would read "٣" as 3
REFERRAL_PARAMETER = OpenApiParameter(
    "referral_reference",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="The referral's reference.",
)
ID_PARAMETER = OpenApiParameter(
    "id", OpenApiTypes.STR, OpenApiParameter.PATH, description="The record's id."
)


class ReferralPartViewSet(ApiViewSet):
    """A collection of one referral's records, at /api/referrals/{reference}/<part>/: read
    by anyone who may see the referral, added to by those who may record the work."""

    lookup_field = "pk"
    lookup_url_kwarg = "id"
    lookup_value_regex = ID_PATTERN
    ordering = "id"  # added later, later in the list

    def referral(self) -> Referral:
        """The referral of the address, if the user may see it (404 otherwise)."""
        if not hasattr(self, "_referral"):
            self._referral = get_object_or_404(
                selectors.referral_list_for(signed_in_user(self.request)),
                reference=self.kwargs["referral_reference"],
            )
        return self._referral

    def referral_for_work(self) -> Referral:
        """The referral, if the user may also record the work on it (403 otherwise)."""
        referral = self.referral()
        if not selectors.can_work_on(signed_in_user(self.request), referral):
            raise PermissionDenied
        return referral

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = cast(list[Model], self.paginate_queryset(self.get_queryset()))
        response = self.get_paginated_response(self.get_serializer(page, many=True).data)
        _audit_read(request, [self.referral(), *page])
        return response

    def created(self, record: Model) -> Response:
        """201 with the new record, and where to read it."""
        response = Response(self.representation(record), status=201)
        basename = getattr(self, "basename", "")
        response["Location"] = reverse(
            f"{basename}-detail", args=[self.kwargs["referral_reference"], record.pk]
        )
        return response


class ReferralPartDetailViewSet(ReferralPartViewSet):
    """A collection whose records each have an address of their own (and an ETag)."""

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        record = self.get_object()
        response = self.detail_response(record)
        _audit_read(request, [self.referral(), record])
        return response


class AttemptSerializer(serializers.ModelSerializer):
    id = serializers.CharField(read_only=True)
    attempted_on = fields.DateField(help_text=fields.DATE_HELP)
    note = fields.TextField(max_length=10000, allow_blank=True, default="")
    recorded_by = serializers.CharField(source="recorded_by.username", read_only=True)

    class Meta:
        model = EngagementAttempt
        fields = ["id", "attempted_on", "method", "outcome", "note", "recorded_by"]


ATTEMPT_EXAMPLE = {
    "id": "41",
    "attempted_on": "2026-05-03",
    "method": "phone",
    "outcome": "no_reply",
    "note": "",
    "recorded_by": "dan",
}


@extend_schema_view(
    list=extend_schema(
        summary="The attempts made to engage the adult",
        description=WHO_READS + " Oldest first.",
        tags=WORK,
        parameters=[REFERRAL_PARAMETER],
        examples=[_example("A page (each result)", ATTEMPT_EXAMPLE)],
    ),
    retrieve=extend_schema(
        summary="One attempt to engage",
        description=WHO_READS,
        tags=WORK,
        parameters=[REFERRAL_PARAMETER, ID_PARAMETER],
        examples=[_example("An attempt", ATTEMPT_EXAMPLE)],
    ),
    create=extend_schema(
        summary="Record an attempt to engage the adult",
        description=WHO_WORKS,
        tags=WORK,
        parameters=[REFERRAL_PARAMETER],
        examples=[
            _example(
                "An attempt",
                {"attempted_on": "2026-05-03", "method": "phone", "outcome": "no_reply"},
                request=True,
            ),
            _example("The attempt recorded", ATTEMPT_EXAMPLE),
        ],
    ),
)
class AttemptViewSet(ReferralPartDetailViewSet):
    serializer_class = AttemptSerializer

    def get_queryset(self) -> QuerySet[EngagementAttempt]:
        if getattr(self, "swagger_fake_view", False):
            return EngagementAttempt.objects.none()
        return self.referral().attempts.select_related("recorded_by").order_by("id")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        referral = self.referral_for_work()
        given = AttemptSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        attempt = services.engagement_attempt_record(
            referral=referral, acting_user=signed_in_user(request), **given.validated_data
        )
        return self.created(attempt)


class AppointmentSerializer(serializers.ModelSerializer):
    id = serializers.CharField(read_only=True)
    starts_at = fields.DateTimeField()
    minutes = fields.WholeNumberField(min_value=5, max_value=480, default=60)
    practitioner = serializers.CharField(source="practitioner.username", read_only=True)

    class Meta:
        model = Appointment
        fields = ["id", "starts_at", "minutes", "outcome", "practitioner"]
        read_only_fields = ["outcome"]


class AppointmentOutcomeInput(serializers.Serializer):
    outcome = serializers.ChoiceField(
        choices=[c for c in Appointment.Outcome.choices if c[0] != Appointment.Outcome.BOOKED],
        help_text="What happened: attended or did_not_attend only once it has started.",
    )


APPOINTMENT_EXAMPLE = {
    "id": "17",
    "starts_at": "2026-05-12T14:30:00+01:00",
    "minutes": 60,
    "outcome": "booked",
    "practitioner": "dan",
}


@extend_schema_view(
    list=extend_schema(
        summary="The adult's appointments on this referral",
        description=WHO_READS + " In the order they were booked.",
        tags=WORK,
        parameters=[REFERRAL_PARAMETER],
        examples=[_example("A page (each result)", APPOINTMENT_EXAMPLE)],
    ),
    retrieve=extend_schema(
        summary="One appointment",
        description=WHO_READS + " Its ETag is what recording its outcome needs.",
        tags=WORK,
        parameters=[REFERRAL_PARAMETER, ID_PARAMETER],
        examples=[_example("An appointment", APPOINTMENT_EXAMPLE)],
    ),
    create=extend_schema(
        summary="Book an appointment",
        description=WHO_WORKS + " The appointment is yours: you are its practitioner.",
        tags=WORK,
        parameters=[REFERRAL_PARAMETER],
        examples=[
            _example(
                "An appointment",
                {"starts_at": "2026-05-12T14:30:00+01:00", "minutes": 60},
                request=True,
            ),
            _example("The appointment booked", APPOINTMENT_EXAMPLE),
        ],
    ),
    partial_update=extend_schema(
        summary="Record what happened at an appointment",
        description=WHO_WORKS + " Send the appointment's ETag in If-Match.",
        tags=WORK,
        parameters=[REFERRAL_PARAMETER, ID_PARAMETER],
        request=AppointmentOutcomeInput,
        responses={200: AppointmentSerializer},
        examples=[
            _example("It happened", {"outcome": "attended"}, request=True),
            _example("The appointment", {**APPOINTMENT_EXAMPLE, "outcome": "attended"}),
        ],
    ),
)
class AppointmentViewSet(ReferralPartDetailViewSet):
    serializer_class = AppointmentSerializer
    if_match_actions = ("partial_update",)

    def get_queryset(self) -> QuerySet[Appointment]:
        if getattr(self, "swagger_fake_view", False):
            return Appointment.objects.none()
        return self.referral().appointments.select_related("practitioner").order_by("id")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        referral = self.referral_for_work()
        given = AppointmentSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        appointment = services.appointment_book(
            referral=referral, acting_user=signed_in_user(request), **given.validated_data
        )
        return self.created(appointment)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        self.referral_for_work()
        appointment = self.get_object()
        self.check_if_match(request, appointment)
        given = AppointmentOutcomeInput(data=request.data)
        given.is_valid(raise_exception=True)
        updated = services.appointment_outcome(
            appointment=appointment,
            outcome=given.validated_data["outcome"],
            expected_version=appointment.version,
            acting_user=signed_in_user(request),
        )
        return self.detail_response(self.get_queryset().get(pk=updated.pk))


class ReadingSerializer(serializers.ModelSerializer):
    id = serializers.CharField(read_only=True)
    measure = serializers.CharField(source="measure.code", read_only=True)
    measure_name = serializers.CharField(source="measure.name", read_only=True)
    scores = serializers.DictField(child=serializers.IntegerField(), read_only=True)
    total = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="The total, for a measure that has one."
    )
    band = serializers.CharField(read_only=True, help_text="What the total means: Moderate...")
    needs_action = serializers.BooleanField(
        read_only=True,
        help_text="An alert item was scored (PHQ-9 item 9): act on it, whatever the total.",
    )
    alert = serializers.SerializerMethodField(help_text="What to do, when needs_action.")
    recorded_by = serializers.CharField(source="recorded_by.username", read_only=True)

    class Meta:
        model = MeasureReading
        fields = [
            "id",
            "measure",
            "measure_name",
            "taken_on",
            "scores",
            "total",
            "band",
            "needs_action",
            "alert",
            "recorded_by",
        ]

    def get_alert(self, reading: MeasureReading) -> str:
        if not reading.needs_action:
            return ""
        return reading.measure.alert_text or f"{reading.measure} needs action."


class ReadingInput(serializers.Serializer):
    measure = serializers.SlugField(max_length=40, help_text="The measure's code: phq-9...")
    taken_on = fields.DateField(help_text=fields.DATE_HELP)
    scores = serializers.DictField(
        child=fields.WholeNumberField(),
        help_text="Every item of the measure, by its key, with its score on the measure's scale.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        """The measure, and the scores against its items (the service's own check, so its
        errors point into `scores`)."""
        measure = OutcomeMeasure.objects.filter(code=attrs["measure"]).first()
        if measure is None:
            raise serializers.ValidationError({"measure": ["No measure has this code."]})
        try:
            services.measure_scores_clean(measure, attrs["scores"])
        except DjangoValidationError as error:
            raise serializers.ValidationError(
                {"scores": serializers.as_serializer_error(error)}
            ) from None
        return {**attrs, "measure": measure}


READING_EXAMPLE = {
    "id": "8",
    "measure": "phq-9",
    "measure_name": "PHQ-9 (depression)",
    "taken_on": "2026-05-12",
    "scores": {f"phq9_{n}": 1 for n in range(1, 10)},
    "total": 9,
    "band": "Mild",
    "needs_action": True,
    "alert": "Thoughts of self-harm were reported (item 9): act on this today, whatever the "
    "total score, following your service's risk procedure.",
    "recorded_by": "dan",
}


@extend_schema_view(
    list=extend_schema(
        summary="The adult's outcome measure readings",
        description=WHO_READS + " Every reading of the adult's (a measure is of the person, "
        "whichever referral it was taken on), oldest recorded first, each with its total, "
        "band and whether it needs action.",
        tags=WORK,
        parameters=[REFERRAL_PARAMETER],
        examples=[_example("A page (each result)", READING_EXAMPLE)],
    ),
    create=extend_schema(
        summary="Record an outcome measure reading",
        description=WHO_WORKS + " The answer is the reading as scored: its total and band "
        "where the measure has them, and needs_action with what to do when an alert item "
        "(PHQ-9 item 9) was scored above its minimum.",
        tags=WORK,
        parameters=[REFERRAL_PARAMETER],
        request=ReadingInput,
        responses={201: ReadingSerializer},
        examples=[
            _example(
                "A PHQ-9",
                {
                    "measure": "phq-9",
                    "taken_on": "2026-05-12",
                    "scores": READING_EXAMPLE["scores"],
                },
                request=True,
            ),
            _example("The reading as scored", READING_EXAMPLE),
        ],
    ),
)
class ReadingViewSet(ReferralPartViewSet):
    serializer_class = ReadingSerializer

    def get_queryset(self) -> QuerySet[MeasureReading]:
        if getattr(self, "swagger_fake_view", False):
            return MeasureReading.objects.none()
        return (
            MeasureReading.objects.filter(person_id=self.referral().person_id)
            .select_related("measure", "recorded_by")
            .order_by("id")
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        referral = self.referral_for_work()
        given = ReadingInput(data=request.data)
        given.is_valid(raise_exception=True)
        reading = services.measure_reading_record(
            person=referral.person, acting_user=signed_in_user(request), **given.validated_data
        )
        # No address of its own: a reading is read in the list of the adult's readings.
        return Response(self.representation(reading), status=201)


class CycleEntrySerializer(serializers.ModelSerializer):
    id = serializers.CharField(read_only=True)
    recorded_on = fields.DateField(help_text=fields.DATE_HELP)
    recorded_by = serializers.CharField(source="recorded_by.username", read_only=True)

    class Meta:
        model = CycleOfChangeEntry
        fields = ["id", "stage", "recorded_on", "source", "recorded_by"]
        read_only_fields = ["source"]


CYCLE_EXAMPLE = {
    "id": "5",
    "stage": "contemplation",
    "recorded_on": "2026-05-12",
    "source": "practitioner",
    "recorded_by": "dan",
}


@extend_schema_view(
    list=extend_schema(
        summary="Where the adult has been on the cycle of change",
        description=WHO_READS + " Every placing of the adult's (by any practitioner, or in "
        "group supervision), oldest recorded first; the latest is where they are now.",
        tags=WORK,
        parameters=[REFERRAL_PARAMETER],
        examples=[_example("A page (each result)", CYCLE_EXAMPLE)],
    ),
    create=extend_schema(
        summary="Place the adult on the cycle of change",
        description=WHO_WORKS,
        tags=WORK,
        parameters=[REFERRAL_PARAMETER],
        examples=[
            _example(
                "A placing", {"stage": "contemplation", "recorded_on": "2026-05-12"}, request=True
            ),
            _example("The placing recorded", CYCLE_EXAMPLE),
        ],
    ),
)
class CycleEntryViewSet(ReferralPartViewSet):
    serializer_class = CycleEntrySerializer

    def get_queryset(self) -> QuerySet[CycleOfChangeEntry]:
        if getattr(self, "swagger_fake_view", False):
            return CycleOfChangeEntry.objects.none()
        return (
            CycleOfChangeEntry.objects.filter(person_id=self.referral().person_id)
            .select_related("recorded_by")
            .order_by("id")
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        referral = self.referral_for_work()
        given = CycleEntrySerializer(data=request.data)
        given.is_valid(raise_exception=True)
        entry = services.cycle_of_change_record(
            person=referral.person, acting_user=signed_in_user(request), **given.validated_data
        )
        # No address of its own: an entry is read in the list of the adult's placings.
        return Response(self.representation(entry), status=201)
