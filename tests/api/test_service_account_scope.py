"""A partner agency's system (a service account) reads and records through the API exactly
as its agency's practitioners of its pathway would: their referrals, nothing else, with the
restricted details of the people they work with. It is nobody's practitioner itself.

Harbour Trust's DMT system stands in for dan (Harbour Trust, DMT); it must not see dora's
referral (DMT, another agency), nor sam's (substance use, Harbour Trust)."""

import pytest
from django.test import Client

from accounts.models import Role, SpecialistPathway, User
from accounts.services import service_account_create
from referrals.models import Pathway
from referrals.selectors import practitioners_with_load
from referrals.services import referral_allocate

from ..factories import FamilyFactory, PartnerAgencyFactory, PersonFactory, UserFactory
from .test_referrals_api import ALLOCATED, REFERRED, _today, refer  # noqa: F401  (fixed "today")

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(alice):
    harbour, other = PartnerAgencyFactory(name="Harbour Trust"), PartnerAgencyFactory(name="Elm")
    dan = UserFactory(username="dan", role=Role.SPECIALIST, pathway="dmt", agency=harbour)
    dora = UserFactory(username="dora", role=Role.SPECIALIST, pathway="dmt", agency=other)
    sam = UserFactory(
        username="sam",
        role=Role.SPECIALIST,
        pathway=SpecialistPathway.SUBSTANCE_USE,
        agency=harbour,
    )
    family = FamilyFactory(
        reference="SVC-1", team=alice.team, social_worker=alice, opened_on=REFERRED
    )
    dads = [
        PersonFactory(
            family=family,
            reference=f"P-{name.upper()}",
            given_name=name,
            role="father",
            phone=f"07700 90000{number}",
        )
        for number, name in enumerate(["Dean", "Dev", "Sol"])
    ]
    admin = UserFactory(username="adam", role=Role.ADMIN)
    issued = service_account_create(
        account=User(
            username="harbour-dmt", first_name="Harbour DMT", pathway="dmt", agency=harbour
        ),
        acting_user=admin,
    )
    return {
        "mine": refer(dads[0], family, alice, dan, "dmt"),
        "other_agency": refer(dads[1], family, alice, dora, "dmt"),
        "other_pathway": refer(dads[2], family, alice, sam, "substance_use"),
        "client": Client(headers={"Authorization": f"Bearer {issued.key}"}),
        "account": issued.token.user,
    }


def test_it_sees_its_agencys_referrals_of_its_pathway_and_no_others(world):
    client = world["client"]
    listing = client.get("/api/referrals/")
    assert listing.status_code == 200
    assert [row["reference"] for row in listing.json()["results"]] == [world["mine"].reference]
    # As dan would: the father he works with, his phone number included.
    [row] = listing.json()["results"]
    assert row["person"]["phone"] == "07700 900000"
    for other in ("other_agency", "other_pathway"):
        assert client.get(f"/api/referrals/{world[other].reference}/").status_code == 404


def test_it_records_the_work_on_its_referrals_through_the_service(world):
    client = world["client"]
    path = f"/api/referrals/{world['mine'].reference}/"
    etag = client.get(path)["ETag"]
    response = client.post(
        path + "engagement/",
        {"engagement": "engaged", "changed_on": "2024-05-20"},
        content_type="application/json",
        headers={"If-Match": etag},
    )
    assert response.status_code == 200, response.content
    assert response.json()["engagement"] == "engaged"
    world["mine"].refresh_from_db()
    assert world["mine"].engagement == "engaged"
    # Not on another agency's referral: it is not there at all.
    other = f"/api/referrals/{world['other_agency'].reference}/engagement/"
    assert (
        client.post(
            other,
            {"engagement": "engaged"},
            content_type="application/json",
            headers={"If-Match": etag},
        ).status_code
        == 404
    )


def test_it_is_nobodys_practitioner(world, alice):
    pathway = Pathway.objects.get(code="dmt")
    assert world["account"] not in practitioners_with_load(pathway)
    with pytest.raises(Exception, match="practitioner"):
        referral_allocate(
            referral=world["other_agency"],
            practitioner=world["account"],
            allocated_on=ALLOCATED,
            accept_over_capacity=True,
            acting_user=alice,
        )
