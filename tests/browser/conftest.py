"""Real Chromium (Debian's) driven by Playwright against pytest-django's live server."""

import os
import re
from collections.abc import Iterator

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, ConsoleMessage, Page, expect, sync_playwright

from accounts.models import User
from accounts.two_factor import two_factor_required
from tests.factories import PASSWORD
from tests.services import chromium_path, reseed_reference_data
from tests.two_factor import authenticator_for, code_for

# Playwright's sync API runs an event loop in this thread; Django's database calls from the
# live server's fixtures are still synchronous, so allow them.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# The flags keep Chromium off the network it cannot reach here and out of the root sandbox.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(autouse=True)
def seeded_reference_data(transactional_db) -> None:
    reseed_reference_data()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    executable = chromium_path()
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser, live_server) -> Iterator[Page]:
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    # Chromium reports everything the Content-Security-Policy refused (an inline script, a
    # style attribute, a script from elsewhere) as a console error: any one fails the test.
    refused: list[str] = []

    def note_refusal(message: ConsoleMessage) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            refused.append(f"{message.page.url if message.page else '?'}: {message.text}")

    context.on("console", note_refusal)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()
    assert not refused, "The Content-Security-Policy refused:\n" + "\n".join(refused)


_axe = Axe()


def assert_accessible(page: Page) -> None:
    """Fail on any serious or critical axe-core violation on the page as it stands."""
    results = _axe.run(page)
    blocking = [
        f"{violation['id']} ({violation['impact']}): {violation['help']} at "
        + ", ".join(str(node["target"]) for node in violation["nodes"][:3])
        for violation in results.response["violations"]
        if violation["impact"] in ("serious", "critical")
    ]
    assert not blocking, f"axe found on {page.url}:\n" + "\n".join(blocking)


def sign_in(
    page: Page,
    username: str,
    home_heading: str | None = None,
    *,
    password: str = PASSWORD,
    on_this_page: bool = False,
) -> None:
    """Sign in as a person does: username and password, then, when the page asks, the code
    their authenticator app shows. A user whose role needs two-factor is given an app first
    (tests/two_factor.py), so they are asked for a code rather than to set one up.

    `on_this_page`: fill in the sign-in page already open (after a session ran out, say)
    rather than opening it afresh with no cookies. `home_heading`: wait for this heading.
    """
    user = User.objects.get(username=username)
    if two_factor_required(user):
        authenticator_for(user)
    if not on_this_page:
        page.context.clear_cookies()
        page.goto("/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).not_to_have_url(re.compile(r"/sign-in/"))
    if "/two-factor/verify/" in page.url:
        device = user.totpdevice_set.get(confirmed=True)
        page.get_by_label("Security code").fill(code_for(device))
        page.get_by_role("button", name="Continue").click()
        expect(page).not_to_have_url(re.compile(r"/two-factor/verify/"))
    if home_heading is not None:
        expect(page.get_by_role("heading", name=home_heading, exact=True)).to_be_visible()
