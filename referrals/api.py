"""A read-only API of the referrals a user may see, for partner agencies' own systems.

The same rules as the pages: referrals come from selectors.referral_list_for, each read is
audited, and restricted (domestic-abuse victim) contact details reach only the allowlist of
families.disclosure; everyone else reads "Restricted".
"""

from typing import Any

from django.db.models import Model, QuerySet
from rest_framework import serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.audit import audit_record_many
from accounts.models import AuditEvent
from accounts.permissions import signed_in_user
from families.disclosure import CONTACT_FIELDS, shield_people
from families.models import Person

from . import selectors
from .models import Referral


class PersonSerializer(serializers.ModelSerializer):
    class Meta:
        model = Person
        fields = ["id", "reference", "role", "given_name", "family_name", "date_of_birth"]

    def to_representation(self, instance: Person) -> dict[str, Any]:
        data = super().to_representation(instance)
        if not instance.is_child:
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
        family = referral.person.family
        others = [person for person in family.people.all() if person.pk != referral.person_id]
        return {
            "reference": family.reference,
            "people": PersonSerializer(others, many=True, context=self.context).data,
        }


class ReferralViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ReferralSerializer
    # An id is ASCII digits (dmt.parsing): int() would read "/api/referrals/٣/" as 3.
    lookup_value_regex = "[0-9]{1,19}"

    def get_serializer_context(self) -> dict[str, Any]:
        user = signed_in_user(self.request)
        return {
            **super().get_serializer_context(),
            "worked_with": selectors.allocated_person_ids(user),
        }

    def get_queryset(self) -> QuerySet[Referral]:
        user = signed_in_user(self.request)
        return (
            selectors.referral_list_for(user)
            .prefetch_related("person__family__people")
            .order_by("id")
        )

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().list(request, *args, **kwargs)
        ids = [row["id"] for row in response.data["results"]]
        referrals = list(Referral.objects.filter(pk__in=ids).select_related("person__family"))
        audit_record_many(
            action=AuditEvent.Action.VIEW,
            actor=signed_in_user(request),
            objects=_read_records(referrals),
            detail={"api": "referrals"},
        )
        return response

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().retrieve(request, *args, **kwargs)
        referral = Referral.objects.select_related("person__family").get(pk=response.data["id"])
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
    families = {referral.person.family_id: referral.person.family for referral in referrals}
    return [*referrals, *families.values()]
