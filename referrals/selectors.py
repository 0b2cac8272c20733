"""Reads for the specialist pathways."""

from django.db.models import Case, IntegerField, QuerySet, Value, When

from .models import Pathway, Rag, Referral

_RAG_ORDER = Case(
    When(rag=Rag.RED, then=Value(0)),
    When(rag=Rag.AMBER, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


def waiting_list(pathway: Pathway) -> QuerySet[Referral]:
    """A pathway's waiting list: red first, then amber, then green; longest waiting first."""
    return (
        Referral.objects.waiting()
        .filter(pathway=pathway)
        .select_related("person__family", "referred_by", "stage")
        .annotate(rag_order=_RAG_ORDER)
        .order_by("rag_order", "referred_on", "id")
    )
