"""A domestic-abuse victim's address and phone are never shown to anyone working with the
perpetrator: not on the referral record, not in the caseload export, not through the API.
The victim's own worker does see them."""

import csv
import datetime
import io
import json

import pytest
from django.urls import reverse

from accounts.models import Role, SpecialistPathway, User
from families.models import Membership, Person
from referrals.models import Pathway, Referral
from referrals.services import referral_allocate, referral_create

from ..factories import FamilyFactory, PersonFactory
from .conftest import page_text

pytestmark = pytest.mark.django_db

ADDRESS = "1 Safe Street, Weymouth"
PHONE = "07700 900001"
EMAIL = "safe@example.org"
HIS_PHONE = "07700 900222"


@pytest.fixture
def mother(alices_family) -> Person:
    return PersonFactory(
        family=alices_family,
        role=Membership.Role.MOTHER,
        given_name="Mia",
        family_name="Jones",
        address=ADDRESS,
        phone=PHONE,
        email=EMAIL,
        contact_restricted=True,
    )


@pytest.fixture
def perpetrator(alices_family) -> Person:
    return PersonFactory(
        family=alices_family,
        role=Membership.Role.FATHER,
        given_name="Pete",
        family_name="Jones",
        phone=HIS_PHONE,
        address="9 Other Road, Dorchester",
    )


@pytest.fixture
def perpetrator_worker(make_user) -> User:
    return make_user(
        Role.SPECIALIST,
        username="perry",
        first_name="Perry",
        pathway=SpecialistPathway.DOMESTIC_ABUSE_PERPETRATOR,
    )


@pytest.fixture
def perpetrator_manager(make_user) -> User:
    return make_user(
        Role.SPECIALIST,
        username="paula",
        first_name="Paula",
        pathway=SpecialistPathway.DOMESTIC_ABUSE_PERPETRATOR,
        leads_pathway=True,
    )


@pytest.fixture
def victim_worker(make_user) -> User:
    return make_user(
        Role.SPECIALIST,
        username="vicky",
        first_name="Vicky",
        pathway=SpecialistPathway.DOMESTIC_ABUSE_VICTIM,
    )


def refer_and_allocate(person: Person, code: str, practitioner: User, alice: User) -> Referral:
    referral = referral_create(
        person=person,
        family=person.membership.family,
        pathway=Pathway.objects.get(code=code),
        referred_on=datetime.date(2024, 3, 1),
        acting_user=alice,
    )
    return referral_allocate(
        referral=referral,
        practitioner=practitioner,
        allocated_on=datetime.date(2024, 3, 2),
        acting_user=alice,
    )


@pytest.fixture
def his_referral(alice, perpetrator, mother, perpetrator_worker) -> Referral:
    return refer_and_allocate(perpetrator, "domestic_abuse_perpetrator", perpetrator_worker, alice)


@pytest.fixture
def her_referral(alice, perpetrator, mother, victim_worker) -> Referral:
    return refer_and_allocate(mother, "domestic_abuse_victim", victim_worker, alice)


def assert_withheld(text: str) -> None:
    for secret in (ADDRESS, PHONE, EMAIL, "Safe Street", "900001"):
        assert secret not in text


def csv_rows(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


# Working with the perpetrator -------------------------------------------------------------


@pytest.mark.parametrize("who", ["perpetrator_worker", "perpetrator_manager"])
def test_the_record_withholds_the_victims_details_from_the_perpetrators_worker(
    client_for, request, his_referral, her_referral, who
):
    response = client_for(request.getfixturevalue(who)).get(
        reverse("referrals:detail", args=[his_referral.pk])
    )

    assert response.status_code == 200
    text = page_text(response)
    assert "Mia Jones" in text
    assert "Restricted" in text
    assert HIS_PHONE in text  # his own details are shown: the page does show details
    assert_withheld(text)


def test_the_caseload_export_withholds_restricted_details_of_others_and_shows_the_workers_own(
    client_for, alice, his_referral, her_referral, perpetrator_worker
):
    # A second man on Perry's caseload is himself a victim elsewhere: his details restricted.
    # Perry is allocated to him, so Perry is on the allowlist for him (families.disclosure).
    other = PersonFactory(
        family=FamilyFactory(team=alice.team, opened_on=datetime.date(2024, 1, 1)),
        role=Membership.Role.FATHER,
        given_name="Rob",
        family_name="Adams",
        address=ADDRESS,
        phone=PHONE,
        contact_restricted=True,
    )
    refer_and_allocate(other, "domestic_abuse_perpetrator", perpetrator_worker, alice)

    response = client_for(perpetrator_worker).get(reverse("referrals:caseload_export"))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = {row["name"]: row for row in csv_rows(response)}
    assert set(rows) == {"Pete Jones", "Rob Adams"}
    assert (rows["Pete Jones"]["phone"], rows["Pete Jones"]["address"]) == (
        HIS_PHONE,
        "9 Other Road, Dorchester",
    )
    assert (rows["Rob Adams"]["phone"], rows["Rob Adams"]["address"]) == (PHONE, ADDRESS)
    assert "Mia" not in response.content.decode()  # the victim is not on his caseload


@pytest.mark.parametrize("who", ["perpetrator_worker", "perpetrator_manager"])
def test_the_api_withholds_the_victims_details(
    client_for, request, his_referral, her_referral, who
):
    client = client_for(request.getfixturevalue(who))

    listing = client.get("/api/referrals/")
    detail = client.get(f"/api/referrals/{his_referral.reference}/")

    assert listing.status_code == detail.status_code == 200
    assert_withheld(listing.content.decode())
    assert_withheld(detail.content.decode())
    assert [row["reference"] for row in listing.json()["results"]] == [his_referral.reference]
    for data in (listing.json()["results"][0], detail.json()):
        people = {person["given_name"]: person for person in data["family"]["people"]}
        assert {key: people["Mia"][key] for key in ("address", "phone", "email")} == {
            "address": "Restricted",
            "phone": "Restricted",
            "email": "Restricted",
        }
        assert data["person"]["phone"] == HIS_PHONE


def test_the_api_does_not_reveal_the_victims_referral_to_the_perpetrators_worker(
    client_for, his_referral, her_referral, perpetrator_worker
):
    response = client_for(perpetrator_worker).get(f"/api/referrals/{her_referral.reference}/")

    assert response.status_code == 404


# Working with the victim ------------------------------------------------------------------


def test_the_victims_worker_sees_her_details_on_the_record(
    client_for, his_referral, her_referral, victim_worker
):
    text = page_text(
        client_for(victim_worker).get(reverse("referrals:detail", args=[her_referral.pk]))
    )

    assert ADDRESS in text
    assert PHONE in text


def test_the_victims_worker_sees_her_details_in_the_export(
    client_for, his_referral, her_referral, victim_worker
):
    rows = csv_rows(client_for(victim_worker).get(reverse("referrals:caseload_export")))

    assert [(row["name"], row["address"], row["phone"]) for row in rows] == [
        ("Mia Jones", ADDRESS, PHONE)
    ]


def test_the_victims_worker_sees_her_details_through_the_api(
    client_for, his_referral, her_referral, victim_worker
):
    response = client_for(victim_worker).get(f"/api/referrals/{her_referral.reference}/")
    data = json.loads(response.content)

    assert (data["person"]["address"], data["person"]["phone"], data["person"]["email"]) == (
        ADDRESS,
        PHONE,
        EMAIL,
    )


def test_the_social_worker_sees_the_victims_details_on_the_perpetrators_record(
    client_for, alice, his_referral, her_referral
):
    text = page_text(client_for(alice).get(reverse("referrals:detail", args=[his_referral.pk])))

    assert ADDRESS in text
    assert PHONE in text
