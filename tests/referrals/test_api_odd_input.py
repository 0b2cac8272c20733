"""The referrals API names a referral by its reference, never by its internal id, and reads
a reference as the ASCII characters of one (dmt.api.views.REFERENCE_PATTERN): a look-alike
finds nothing."""

import pytest

pytestmark = pytest.mark.django_db

ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
# Each ASCII letter, digit and dash as its full-width look-alike (U+FF01 onwards).
FULL_WIDTH = {code: code + 0xFEE0 for code in range(0x21, 0x7F)}


def test_a_referral_is_read_by_its_reference(client_as, referral):
    response = client_as("practitioner").get(f"/api/referrals/{referral.reference}/")

    assert response.status_code == 200
    assert response.json()["reference"] == referral.reference
    assert "id" not in response.json()


@pytest.mark.parametrize(
    "odd",
    [
        lambda referral: str(referral.pk),
        lambda referral: referral.reference.translate(ARABIC_INDIC),
        lambda referral: referral.reference.translate(FULL_WIDTH),
        lambda referral: referral.reference.lower(),
        lambda referral: referral.reference + "9" * 5000,
        lambda referral: referral.reference + "%00",
        lambda referral: "-" + referral.reference,
    ],
    ids=["internal-id", "arabic-indic", "full-width", "lower-case", "very-long", "nul", "dash"],
)
def test_anything_but_the_reference_is_not_found(client_as, referral, odd):
    response = client_as("practitioner").get(f"/api/referrals/{odd(referral)}/")

    assert response.status_code == 404
