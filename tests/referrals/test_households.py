"""A father in two households: his record lists both, and another household's children are
named only to those who may read that family.

Dean is a father in alice's family (ALICE-1, the family his DMT referral was made in) and a
father figure in a second household. When the second household is in another team's area
(KESTREL-2, Chesil), alice and his DMT worker Dan see only that there is another household;
when it is in alice's own team (WREN-2), alice sees its children and may open it. Charlie,
the outsider, cannot open the record at all.
"""

import datetime

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from families.models import Family, Membership, Person
from families.services import membership_add
from referrals.services import referral_allocate, referral_create

from ..factories import FamilyFactory, PersonFactory
from .conftest import page_text

pytestmark = pytest.mark.django_db


def second_household(father: Person, family: Family, child_name: str) -> Person:
    """`father` joins `family` as a father figure; the family has a child of its own."""
    child = PersonFactory(
        family=family,
        given_name=child_name,
        family_name="Otherhouse",
        date_of_birth=datetime.date(2021, 3, 3),
    )
    membership_add(
        person=father,
        family=family,
        role=Membership.Role.FATHER_FIGURE,
        joined_on=datetime.date(2024, 3, 1),
        acting_user=None,
    )
    return child


@pytest.fixture
def kestrel(charlie) -> Family:
    """Another team's family: neither alice nor Dan may read it."""
    return FamilyFactory(
        reference="KESTREL-2",
        team=charlie.team,
        social_worker=charlie,
        opened_on=datetime.date(2023, 1, 1),
    )


@pytest.fixture
def wren(bob) -> Family:
    """A family of alice's own team (bob holds it): alice may read it, Dan may not."""
    return FamilyFactory(
        reference="WREN-2", team=bob.team, social_worker=bob, opened_on=datetime.date(2023, 1, 1)
    )


def households(response) -> str:
    """The text of the record's households table."""
    text = page_text(response)
    start = text.index("Dean's households")
    return text[start : text.index("</table>", start)]


def record(client, referral):
    return client.get(reverse("referrals:detail", args=[referral.pk]))


def test_a_father_with_one_household_has_no_households_table(client_as, referral):
    response = record(client_as("practitioner"), referral)

    assert response.status_code == 200
    assert "Dean's households" not in page_text(response)


@pytest.mark.parametrize("who", ["practitioner", "alice"])
def test_another_teams_household_is_listed_without_its_childrens_names(
    client_as, request, referral, father, kestrel, who
):
    second_household(father, kestrel, "Zoe")

    response = record(client_as(who), referral)

    assert response.status_code == 200
    table = households(response)
    assert "This referral's family" in table
    assert "ALICE-1" in table and "Amy" in table
    assert "Another household" in table and "KESTREL-2" in table
    assert "Father figure" in table and "Not shown to you" in table
    assert "Zoe" not in page_text(response)
    assert reverse("families:detail", args=[kestrel.pk]) not in page_text(response)
    # The other household was not read, so it is not audited as read.
    viewed = AuditEvent.objects.filter(
        action=AuditEvent.Action.VIEW, actor=request.getfixturevalue(who)
    )
    assert not viewed.filter(object_type="families.family", object_id=str(kestrel.pk)).exists()


def test_a_social_worker_of_the_other_household_sees_its_children_and_may_open_it(
    client_as, alice, referral, father, wren
):
    second_household(father, wren, "Wynn")

    response = record(client_as("alice"), referral)

    table = households(response)
    assert "Another household" in table and "WREN-2" in table
    assert "Wynn Otherhouse" in table
    assert reverse("families:detail", args=[wren.pk]) in page_text(response)
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.VIEW,
        actor=alice,
        object_type="families.family",
        object_id=str(wren.pk),
    ).exists()


def test_his_dmt_worker_does_not_see_the_children_of_a_household_he_does_not_work_with(
    client_as, referral, father, wren
):
    second_household(father, wren, "Wynn")

    response = record(client_as("practitioner"), referral)

    table = households(response)
    assert "WREN-2" in table and "Not shown to you" in table and "Not open to you" in table
    assert "Wynn" not in page_text(response)


def test_the_outsider_cannot_open_the_record_of_a_father_in_two_households(
    client_as, referral, father, kestrel
):
    second_household(father, kestrel, "Zoe")

    assert record(client_as("charlie"), referral).status_code == 404


def test_a_household_he_has_left_is_not_listed(client_as, referral, father, wren):
    second_household(father, wren, "Wynn")
    membership = Membership.objects.get(person=father, family=wren)
    membership.left_on = datetime.date(2024, 4, 1)
    membership.save(update_fields=["left_on"])

    response = record(client_as("alice"), referral)

    assert "Dean's households" not in page_text(response)
    assert "Wynn" not in page_text(response)


def test_his_dmt_worker_sees_the_children_of_a_household_he_works_with_too(
    client_as, alice, practitioner, referral, father, kestrel
):
    second_household(father, kestrel, "Zoe")
    mother = PersonFactory(family=kestrel, role=Membership.Role.MOTHER, given_name="Kim")
    referral_allocate(
        referral=referral_create(
            person=mother,
            family=kestrel,
            pathway=referral.pathway,
            referred_on=referral.referred_on,
            eligibility_override="Asked by the conference.",
            acting_user=alice,
        ),
        practitioner=practitioner,
        allocated_on=referral.allocated_on,
        acting_user=alice,
    )

    response = record(client_as("practitioner"), referral)

    table = households(response)
    assert "KESTREL-2" in table and "Zoe Otherhouse" in table
    # He reads it through his referral, not as its social worker: the family record stays shut.
    assert "Not open to you" in table


def test_the_api_names_the_referrals_family_and_his_role_there(
    client_as, referral, father, kestrel, child_on_cp
):
    second_household(father, kestrel, "Zoe")

    data = client_as("practitioner").get(f"/api/referrals/{referral.reference}/").json()

    assert data["family"]["reference"] == "ALICE-1"
    assert data["person"]["role"] == "father"
    assert [(p["given_name"], p["role"]) for p in data["family"]["people"]] == [("Amy", "child")]
    assert "Zoe" not in str(data)
