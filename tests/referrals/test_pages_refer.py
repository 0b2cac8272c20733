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
from families.services import membership_add
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


def test_alice_refers_a_father_within_the_rules(
    client_as, alice, alices_family, father, child_on_cp, dmt_pathway
):
    client = client_as("alice")
    assert client.get(refer(father)).status_code == 200

    response = client.post(refer(father), a_referral(dmt_pathway))

    assert response.status_code == 302
    assert response.url == alices_family.get_absolute_url()
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


def test_opening_the_referral_form_is_audited_as_reading_the_family(
    client_as, alice, alices_family, father
):
    client_as("alice").get(refer(father))

    event = AuditEvent.objects.get(action=AuditEvent.Action.VIEW)
    assert (event.actor, event.object_type, event.object_id) == (
        alice,
        "families.family",
        str(alices_family.pk),
    )


# A parent in two households ---------------------------------------------------------------


def refer_from(family, person: Person) -> str:
    return reverse("referrals:refer", args=[person.pk, family.pk])


@pytest.fixture
def second_family(alice):
    """A second family of alice's team, where Dean is a father figure to Ben, a baby."""
    return FamilyFactory(
        reference="ALICE-2",
        team=alice.team,
        social_worker=alice,
        opened_on=datetime.date(2024, 1, 1),
    )


@pytest.fixture
def dean_in_two(father, second_family) -> Person:
    PersonFactory(family=second_family, given_name="Ben", date_of_birth=timezone.localdate())
    membership_add(
        person=father,
        family=second_family,
        role=Membership.Role.FATHER_FIGURE,
        joined_on=None,
        acting_user=None,
    )
    return father


def test_a_father_in_two_households_is_referred_from_the_family_in_the_address(
    client_as, alice, alices_family, second_family, dean_in_two, child_on_cp, dmt_pathway
):
    client = client_as("alice")
    page = client.get(refer_from(second_family, dean_in_two))
    assert page.status_code == 200
    assert "ALICE-2" in page_text(page)

    response = client.post(
        refer_from(second_family, dean_in_two),
        a_referral(dmt_pathway, eligibility_override="Ben's conference asked for it."),
    )

    assert response.status_code == 302
    assert response.url == second_family.get_absolute_url()
    referral = Referral.objects.get(person=dean_in_two)
    assert referral.family == second_family
    event = AuditEvent.objects.get(action=AuditEvent.Action.VIEW)
    assert (event.object_type, event.object_id) == ("families.family", str(second_family.pk))


def test_the_rules_read_the_children_of_the_family_referred_from(
    client_as, alices_family, second_family, dean_in_two, child_on_cp, dmt_pathway
):
    """Amy, on a child protection plan, is a child of ALICE-1 only: from ALICE-2 the DMT
    rule in force is not met."""
    client = client_as("alice")

    outside = client.post(refer_from(second_family, dean_in_two), a_referral(dmt_pathway))
    within = client.post(refer_from(alices_family, dean_in_two), a_referral(dmt_pathway))

    assert outside.status_code == 200
    assert "No child is currently on child protection or pre-proceedings." in page_text(outside)
    assert within.status_code == 302
    assert Referral.objects.get(person=dean_in_two).family == alices_family


def test_without_a_family_a_parent_in_two_households_is_not_found(
    client_as, dean_in_two, child_on_cp, dmt_pathway
):
    client = client_as("alice")

    assert client.get(refer(dean_in_two)).status_code == 404
    assert client.post(refer(dean_in_two), a_referral(dmt_pathway)).status_code == 404
    assert not Referral.objects.exists()


def test_a_family_the_parent_is_not_a_member_of_is_not_found(
    client_as, alice, father, second_family, child_on_cp, dmt_pathway
):
    client = client_as("alice")

    assert client.get(refer_from(second_family, father)).status_code == 404
    assert (
        client.post(refer_from(second_family, father), a_referral(dmt_pathway)).status_code == 404
    )
    assert not Referral.objects.exists()


def test_a_parent_who_has_left_the_family_is_not_referred_from_it(
    client_as, alices_family, father, child_on_cp, dmt_pathway
):
    membership = Membership.objects.get(person=father, family=alices_family)
    membership.left_on = datetime.date(2024, 4, 1)
    membership.save(update_fields=["left_on"])
    client = client_as("alice")

    assert client.get(refer_from(alices_family, father)).status_code == 404
    assert (
        client.post(refer_from(alices_family, father), a_referral(dmt_pathway)).status_code == 404
    )
    assert not Referral.objects.exists()


def test_a_family_of_another_team_is_not_found_even_with_the_parent_in_it(
    client_as, father, other_team, child_on_cp, dmt_pathway
):
    theirs = FamilyFactory(team=other_team, opened_on=datetime.date(2024, 1, 1))
    membership_add(
        person=father, family=theirs, role=Membership.Role.FATHER, joined_on=None, acting_user=None
    )
    client = client_as("alice")

    assert client.get(refer_from(theirs, father)).status_code == 404
    assert client.post(refer_from(theirs, father), a_referral(dmt_pathway)).status_code == 404
    assert not Referral.objects.exists()
