"""The specialist's caseload CSV: a name typed as a formula arrives as text, as in every other
export (dmt.exports), and only the practitioner's own open referrals are in it."""

import csv
import io

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

EXPORT = reverse("referrals:caseload_export")
HYPERLINK = '=HYPERLINK("http://x","y")'


def rows_of(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_a_name_written_as_a_formula_is_exported_as_text(client_as, referral, father):
    father.given_name, father.family_name, father.address = HYPERLINK, "-1+1", "@SUM(1)"
    father.save()

    response = client_as("practitioner").get(EXPORT)

    assert response.status_code == 200
    (row,) = rows_of(response)
    assert row["name"] == f"'{HYPERLINK} -1+1"
    assert row["address"] == "'@SUM(1)"
    assert row["reference"] == referral.reference


def test_a_colleague_exports_none_of_the_practitioners_referrals(client_as, referral):
    response = client_as("dmt_colleague").get(EXPORT)

    assert response.status_code == 200
    assert rows_of(response) == []


def test_a_social_worker_cannot_export_a_specialist_caseload(client_as, referral):
    assert client_as("alice").get(EXPORT).status_code == 403
