"""Referral pages name the family by its children ("Testfamily — Amy"), the reference
beside it."""

import csv
import io

from django.urls import reverse

from families.models import Membership
from referrals.models import Pathway
from referrals.services import referral_create

from ..factories import PersonFactory
from .conftest import REFERRED, page_text

NAME = "Testfamily — Amy (ALICE-1)"


def test_the_referral_record_names_the_family(client_as, referral):
    page = page_text(client_as("practitioner").get(reverse("referrals:detail", args=[referral.pk])))

    assert NAME in page


def test_the_practitioners_home_names_each_referrals_family(client_as, referral):
    page = page_text(client_as("practitioner").get(reverse("home")))

    assert NAME in page


def test_the_practitioners_export_has_the_familys_name(client_as, referral):
    response = client_as("practitioner").get(reverse("referrals:caseload_export"))

    [row] = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert (row["family"], row["family_name"]) == ("ALICE-1", "Testfamily — Amy")


def test_the_waiting_list_names_each_family(client_as, alice, alices_family, child_on_cp):
    uncle = PersonFactory(
        family=alices_family, role=Membership.Role.FATHER_FIGURE, given_name="Ray"
    )
    referral_create(
        person=uncle,
        family=alices_family,
        pathway=Pathway.objects.get(code="dmt"),
        referred_on=REFERRED,
        reason="Wants to be involved.",
        acting_user=alice,
    )

    page = page_text(client_as("pathway_manager").get(reverse("referrals:pathway", args=["dmt"])))

    assert NAME in page
