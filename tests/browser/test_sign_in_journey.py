"""The demo social worker signs in, sees home, signs out; the demo team manager sets up
two-factor and signs in with a code, or a recovery code; every page passes axe."""

import base64
from io import StringIO

import pytest
from django.core.management import call_command
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from accounts.models import AuditEvent, User
from accounts.services import two_factor_enrol
from tests.two_factor import code_for

from .conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "journey-password-1"


@pytest.fixture
def demo_council(settings):
    settings.DEBUG = True
    call_command("seed_demo", "--password", PASSWORD, "--families", "12", stdout=StringIO())
    settings.DEBUG = False


def test_the_social_worker_signs_in_sees_home_and_signs_out(page: Page, demo_council):
    page.goto("/")

    assert "/sign-in/" in page.url
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Username").fill("social.worker")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("heading", name="Your caseload")).to_be_visible()
    expect(page.get_by_text("Signed in as Sam Okafor, Social worker, SASS West 1")).to_be_visible()
    expect(page.get_by_role("link", name="Home")).to_have_attribute("aria-current", "page")
    assert page.locator("table tbody tr").count() >= 1
    assert_accessible(page)

    page.get_by_role("button", name="Sign out").click()

    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert_accessible(page)
    page.goto("/")
    assert "/sign-in/" in page.url
    assert list(
        AuditEvent.objects.filter(username="social.worker", action__in=["login", "logout"])
        .order_by("at")
        .values_list("action", flat=True)
    ) == ["login", "logout"]


def test_a_wrong_password_shows_an_error_summary_that_passes_axe(page: Page, demo_council):
    page.goto("/sign-in/")
    page.get_by_label("Username").fill("social.worker")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()

    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter a correct username and password")
    expect(page).to_have_title("Error: Sign in - DMT")
    assert_accessible(page)


def test_the_axe_check_fails_on_an_inaccessible_page(page: Page):
    page.set_content(
        "<html lang='en'><head><title>Bad</title></head><body><main>"
        "<img src='data:,'><input type='text'></main></body></html>"
    )

    with pytest.raises(AssertionError, match="image-alt"):
        assert_accessible(page)


def secret_key_on(page: Page) -> bytes:
    """The key the set-up page shows for typing into an app by hand."""
    return base64.b32decode(page.locator("#secret-key").inner_text().replace(" ", ""))


def test_a_team_manager_sets_up_an_app_keeps_the_recovery_codes_and_signs_in_with_a_code(
    page: Page, demo_council
):
    page.goto("/sign-in/")
    page.get_by_label("Username").fill("team.manager")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    # Her role needs two-factor: every page leads to setting up an app first.
    expect(page.get_by_role("heading", name="Set up an authenticator app")).to_be_visible()
    qr_code = page.get_by_role("img", name="QR code for adding DMT to your authenticator app")
    expect(qr_code).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Code from the app").fill("000000")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Enter the 6-digit code your authenticator app shows for DMT now"
    )
    assert_accessible(page)
    page.get_by_label("Code from the app").fill(f"{TOTP(secret_key_on(page)).token():06d}")
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    codes = page.get_by_role("list", name="Recovery codes").get_by_role("listitem")
    expect(codes).to_have_count(10)
    assert_accessible(page)
    page.get_by_role("link", name="I have saved my recovery codes").click()
    expect(page.get_by_role("heading", name="SASS West 1", exact=True)).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    page.get_by_label("Username").fill("team.manager")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Enter a security code")).to_be_visible()
    assert_accessible(page)
    device = TOTPDevice.objects.get(user__username="team.manager")
    page.get_by_label("Security code").fill(code_for(device))
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", name="SASS West 1", exact=True)).to_be_visible()
    assert list(
        AuditEvent.objects.filter(username="team.manager", object_type="")  # not the demo's
        .order_by("at", "id")
        .values_list("action", flat=True)
    ) == [
        "login",
        "two_factor_failed",
        "two_factor_enrolled",
        "logout",
        "login",
        "two_factor_verified",
    ]


def test_a_team_manager_without_her_phone_signs_in_with_a_recovery_code(page: Page, demo_council):
    manager = User.objects.get(username="team.manager")
    key = "3132333435363738393031323334353637383930"
    code = f"{TOTP(bytes.fromhex(key)).token():06d}"
    _, codes = two_factor_enrol(user=manager, key=key, code=code)

    page.goto("/sign-in/")
    page.get_by_label("Username").fill("team.manager")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Security code").fill(codes[0])
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_text("You signed in with a recovery code. You have 9 left")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Two-factor authentication").click()
    expect(page.get_by_role("heading", name="Two-factor authentication")).to_be_visible()
    expect(page.get_by_text("9 unused")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Make new codes").click()
    page.get_by_role("button", name="Make new recovery codes").click()
    new_codes = page.get_by_role("list", name="Recovery codes").get_by_role("listitem")
    expect(new_codes).to_have_count(10)
    assert_accessible(page)


def test_the_lockout_page_passes_axe(page: Page, demo_council):
    page.goto("/sign-in/")
    for _ in range(5):
        page.get_by_label("Username").fill("nobody.here")
        page.get_by_label("Password").fill("not the password")
        page.get_by_role("button", name="Sign in").click()

    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Too many failed attempts. Wait 15 minutes, then try again."
    )
    assert_accessible(page)
