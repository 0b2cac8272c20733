"""The referrals API reads an id as ASCII digits only, as every page does (dmt.parsing)."""

import pytest

pytestmark = pytest.mark.django_db

ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def test_a_referral_is_read_by_its_id(client_as, referral):
    response = client_as("practitioner").get(f"/api/referrals/{referral.pk}/")

    assert response.status_code == 200
    assert response.json()["reference"] == referral.reference


@pytest.mark.parametrize(
    "odd",
    [
        lambda pk: str(pk).translate(ARABIC_INDIC),
        lambda pk: str(pk).translate(SUPERSCRIPT),
        lambda pk: str(2**63),
        lambda pk: "9" * 5000,
        lambda pk: "%00",
        lambda pk: "-1",
    ],
    ids=["arabic-indic", "superscript", "too-big", "very-long", "nul", "negative"],
)
def test_an_id_that_is_not_ascii_digits_is_not_found(client_as, referral, odd):
    response = client_as("practitioner").get(f"/api/referrals/{odd(referral.pk)}/")

    assert response.status_code == 404
