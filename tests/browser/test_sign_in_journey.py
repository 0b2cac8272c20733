"""The demo social worker signs in, sees home, signs out; every page passes axe."""

from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from accounts.models import AuditEvent

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
