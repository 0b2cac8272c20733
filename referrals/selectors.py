"""Reads for the specialist pathways."""

from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.shortcuts import get_object_or_404

from accounts.models import Role, User
from families.selectors import family_list_for

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


def referral_list_for(user: User) -> QuerySet[Referral]:
    """The referrals `user` may see.

    A specialist, often employed by a partner agency, sees only the referrals allocated to
    them: not the council's caseload, nor a colleague's. Staff who may see a family (see
    families.selectors.family_list_for) see its referrals.
    """
    referrals = Referral.objects.select_related(
        "person__family", "pathway", "stage", "practitioner"
    )
    if user.role == Role.SPECIALIST:
        return referrals.filter(practitioner=user)
    return referrals.filter(person__family__in=family_list_for(user))


def referral_for(user: User, pk: int) -> Referral:
    """One referral `user` may see; Http404 otherwise, so its existence is not revealed."""
    return get_object_or_404(referral_list_for(user), pk=pk)
