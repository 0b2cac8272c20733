"""A read-only API of the referrals a user may see, for partner agencies' own systems.

The same rules as the pages: referrals come from selectors.referral_list_for, each read is
audited, and restricted (domestic-abuse victim) contact details reach only the allowlist of
families.disclosure; everyone else reads "Restricted".
"""

from typing import Any

from django.db.models import Model, Prefetch, QuerySet
from rest_framework import serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.audit import audit_record_many
from accounts.models import AuditEvent
from accounts.permissions import signed_in_user
from families.disclosure import CONTACT_FIELDS, shield_people
from families.models import Membership, Person

from . import selectors
from .models import Referral


class PersonSerializer(serializers.ModelSerializer):
    """A person as a member of the referral's family: `role` is their role there. The
    viewset prepares the people of a response (ReferralViewSet.prepare), so their contact
    details are shielded all at once; a person not prepared is shielded here."""

    role = serializers.CharField(read_only=True)

    class Meta:
        model = Person
        fields = ["id", "reference", "role", "given_name", "family_name", "date_of_birth"]

    def to_representation(self, instance: Person) -> dict[str, Any]:
        data = super().to_representation(instance)
        if not instance.is_child:
            if not hasattr(instance, "details_visible"):
                shield_people(
                    signed_in_user(self.context["request"]),
                    [instance],
                    worked_with=self.context["worked_with"],
                )
            for field in CONTACT_FIELDS:
                data[field] = getattr(instance, field)
        return data


class ReferralSerializer(serializers.ModelSerializer):
    person = PersonSerializer(read_only=True)
    pathway = serializers.CharField(source="pathway.code", read_only=True)
    stage = serializers.CharField(source="stage.code", read_only=True, default=None)
    practitioner = serializers.CharField(
        source="practitioner.username", read_only=True, default=None
    )
    family = serializers.SerializerMethodField()

    class Meta:
        model = Referral
        fields = [
            "id",
            "reference",
            "person",
            "pathway",
            "stage",
            "engagement",
            "rag",
            "referred_on",
            "allocated_on",
            "practitioner",
            "next_review_on",
            "closed_on",
            "closure_code",
            "family",
        ]

    def get_family(self, referral: Referral) -> dict[str, Any]:
        others = self.context["others"].get(referral.pk, [])
        return {
            "reference": referral.family.reference,
            "people": PersonSerializer(others, many=True, context=self.context).data,
        }


class ReferralViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ReferralSerializer
    # An id is ASCII digits (dmt.parsing): int() would read "/api/referrals/٣/" as 3.
    lookup_value_regex = "[0-9]{1,19}"

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
        response = super().list(request, *args, **kwargs)
        ids = [row["id"] for row in response.data["results"]]
        referrals = list(Referral.objects.filter(pk__in=ids).select_related("family"))
        audit_record_many(
            action=AuditEvent.Action.VIEW,
            actor=signed_in_user(request),
            objects=_read_records(referrals),
            detail={"api": "referrals"},
        )
        return response

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().retrieve(request, *args, **kwargs)
        referral = Referral.objects.select_related("family").get(pk=response.data["id"])
        audit_record_many(
            action=AuditEvent.Action.VIEW,
            actor=signed_in_user(request),
            objects=_read_records([referral]),
            detail={"api": "referrals"},
        )
        return response


def _read_records(referrals: list[Referral]) -> list[Model]:
    """What a response about these referrals shows: each referral, and each family (its
    people are in the response too), once."""
    families = {referral.family_id: referral.family for referral in referrals}
    return [*referrals, *families.values()]
