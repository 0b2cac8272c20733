"""A social worker refers a parent of her own open family to a specialist pathway.

Dads Matter Too's rule in force now (referrals/migrations/0006): a child of the family on a
child protection plan or in pre-proceedings. Outside it the referral may still go ahead,
with the reason recorded.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from families.models import LegalStatus, Membership, Person, StatusEpisode
from referrals.models import Pathway, Referral

from ..factories import FamilyFactory, PersonFactory
from .conftest import page_text

pytestmark = pytest.mark.django_db


def refer(person: Person) -> str:
    return reverse("referrals:refer", args=[person.pk])


def a_referral(to, **changes) -> dict:
    return {
        "pathway": str(to.pk),
        "referred_on": timezone.localdate().isoformat(),
        "rag": "red",
        "areas_of_need": ["parenting", "relationships"],
        "reason": "Dean asked for help being a dad.",
        "previously_known": "no",
        "eligibility_override": "",
        **changes,
    }


@pytest.fixture
def child_in_need(alices_family) -> Person:
    child = PersonFactory(family=alices_family, given_name="Ben")
    StatusEpisode.objects.create(
        child=child, status=LegalStatus.CIN, start_date=datetime.date(2024, 1, 10)
    )
    return child


def test_alice_refers_a_father_within_the_rules(client_as, alice, father, child_on_cp, dmt_pathway):
    client = client_as("alice")
    assert client.get(refer(father)).status_code == 200

    response = client.post(refer(father), a_referral(dmt_pathway))

    assert response.status_code == 302
    assert response.url == father.family.get_absolute_url()
    referral = Referral.objects.get(person=father)
    assert (
        referral.pathway,
        referral.referred_by,
        referral.rag,
        referral.areas_of_need,
        referral.previously_known,
        referral.eligibility_override,
        referral.stage.code,
        referral.practitioner,
    ) == (dmt_pathway, alice, "red", ["parenting", "relationships"], False, "", "referral", None)
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.CREATE,
        actor=alice,
        object_type="referrals.referral",
        object_id=str(referral.pk),
    ).exists()
    family_page = client.get(response.url)
    assert f"is referred to Dads Matter Too ({referral.reference})" in page_text(family_page)


def test_outside_the_rules_the_page_lists_what_is_not_met_and_asks_why(
    client_as, father, child_in_need, dmt_pathway
):
    response = client_as("alice").post(refer(father), a_referral(dmt_pathway))

    assert response.status_code == 200
    text = page_text(response)
    assert "There is a problem" in text
    assert "This referral is outside the pathway's criteria" in text
    assert "No child is currently on child protection or pre-proceedings." in text
    assert "Enter why the referral should go ahead outside the pathway's criteria" in text
    assert response.context["ineligible"]
    assert not Referral.objects.exists()
    assert not AuditEvent.objects.filter(object_type="referrals.referral").exists()


def test_outside_the_rules_with_a_reason_the_referral_is_saved_with_it(
    client_as, alice, father, child_in_need, dmt_pathway
):
    response = client_as("alice").post(
        refer(father),
        a_referral(dmt_pathway, eligibility_override="The conference asked for DMT support."),
    )

    assert response.status_code == 302
    referral = Referral.objects.get(person=father)
    assert referral.eligibility_override == "The conference asked for DMT support."
    event = AuditEvent.objects.get(action="create", object_type="referrals.referral")
    assert event.actor == alice
    assert event.detail["ineligible"]


def test_within_the_rules_a_reason_typed_anyway_is_not_kept(
    client_as, father, child_on_cp, dmt_pathway
):
    client_as("alice").post(
        refer(father), a_referral(dmt_pathway, eligibility_override="Just in case.")
    )

    assert Referral.objects.get(person=father).eligibility_override == ""


def test_a_pathway_without_rules_needs_no_reason(client_as, father, child_in_need):
    substance_use = Pathway.objects.get(code="substance_use")

    response = client_as("alice").post(refer(father), a_referral(substance_use))

    assert response.status_code == 302
    assert Referral.objects.get(person=father).pathway == substance_use


def test_bob_in_alices_team_may_refer_too(client_as, bob, father, child_on_cp, dmt_pathway):
    response = client_as("bob").post(refer(father), a_referral(dmt_pathway))

    assert response.status_code == 302
    assert Referral.objects.get(person=father).referred_by == bob


def test_a_second_open_referral_to_the_same_pathway_is_refused(
    client_as, referral, father, dmt_pathway
):
    response = client_as("alice").post(refer(father), a_referral(dmt_pathway))

    assert response.status_code == 200
    assert "There is a problem" in page_text(response)
    assert "Dean Smith already has an open Dads Matter Too referral." in page_text(response)
    assert Referral.objects.filter(person=father).count() == 1


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"reason": ""}, "Enter the reason for the referral"),
        ({"pathway": ""}, "Select the pathway to refer to"),
        ({"referred_on": ""}, "Enter the date of the referral"),
        ({"referred_on": "2199-01-01"}, "The referral date cannot be in the future."),
    ],
)
def test_a_bad_referral_shows_the_problem_and_saves_nothing(
    client_as, father, child_on_cp, dmt_pathway, changes, message
):
    response = client_as("alice").post(refer(father), a_referral(dmt_pathway, **changes))

    assert response.status_code == 200
    assert "There is a problem" in page_text(response)
    assert message in page_text(response)
    assert not Referral.objects.exists()


def test_a_child_cannot_be_referred(client_as, child_on_cp, dmt_pathway):
    client = client_as("alice")

    assert client.get(refer(child_on_cp)).status_code == 403
    assert client.post(refer(child_on_cp), a_referral(dmt_pathway)).status_code == 403
    assert not Referral.objects.exists()


def test_another_teams_parent_is_not_found(client_as, other_team, dmt_pathway):
    family = FamilyFactory(team=other_team)
    dad = PersonFactory(family=family, role=Membership.Role.FATHER)
    client = client_as("alice")

    assert client.get(refer(dad)).status_code == 404
    assert client.post(refer(dad), a_referral(dmt_pathway)).status_code == 404
    assert not Referral.objects.exists()


@pytest.mark.parametrize("who", ["practitioner", "pathway_manager"])
def test_a_specialist_cannot_refer(client_as, father, child_on_cp, dmt_pathway, who):
    client = client_as(who)

    assert client.get(refer(father)).status_code == 403
    assert client.post(refer(father), a_referral(dmt_pathway)).status_code == 403
    assert not Referral.objects.exists()


def test_a_parent_of_a_closed_family_cannot_be_referred(client_as, alice, dmt_pathway):
    closed = FamilyFactory(
        team=alice.team,
        social_worker=alice,
        opened_on=datetime.date(2024, 1, 1),
        closed_on=datetime.date(2024, 6, 1),
        closure_reason="Stepped down.",
    )
    dad = PersonFactory(family=closed, role=Membership.Role.FATHER)
    client = client_as("alice")

    assert client.get(refer(dad)).status_code == 403
    assert client.post(refer(dad), a_referral(dmt_pathway)).status_code == 403
    assert not Referral.objects.exists()


def test_an_anonymous_visitor_is_sent_to_sign_in(client_as, father):
    response = client_as("anonymous").get(refer(father))

    assert response.status_code == 302
    assert response.url == f"{reverse('accounts:login')}?next={refer(father)}"


def test_opening_the_referral_form_is_audited_as_reading_the_family(client_as, alice, father):
    client_as("alice").get(refer(father))

    event = AuditEvent.objects.get(action=AuditEvent.Action.VIEW)
    assert (event.actor, event.object_type, event.object_id) == (
        alice,
        "families.family",
        str(father.family_id),
    )
