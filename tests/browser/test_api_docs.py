"""The API's landing page and its documentation in real Chromium: the landing page passes
axe, and the browsable docs (Swagger UI, served from this site) draw every operation under
the Content-Security-Policy (the page fixture fails the test on any refusal)."""

import pytest
from playwright.sync_api import Page, expect

from .conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_api_page_leads_to_docs_that_draw_every_operation(page: Page):
    page.goto("/api/")
    expect(page.get_by_role("heading", name="The DMT API", level=1)).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Browse the API's documentation").click()
    expect(page).to_have_url(page.url.split("/api/")[0] + "/api/docs/")
    expect(page.get_by_text("DMT partner API").first).to_be_visible()
    # Each operation is a block naming its path, the referrals list among them.
    expect(page.locator(".opblock").first).to_be_visible()
    expect(page.locator(".opblock-summary-path", has_text="/api/referrals/").first).to_be_visible()
