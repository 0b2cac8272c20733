"""The page scripts still work under the Content-Security-Policy, now that none is inline:
GOV.UK Frontend starts, and the chronology's Print button prints. (The page fixture fails any
test during which the policy refused something.)"""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import Role
from families.services import family_create
from tests.factories import PASSWORD, TeamFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_gov_uk_frontend_starts_on_every_page(page: Page):
    page.goto("/sign-in/")

    expect(page.locator("body")).to_have_class(
        "govuk-template__body js-enabled govuk-frontend-supported"
    )
    # Each component GOV.UK Frontend has started carries data-<module>-init.
    expect(page.locator("[data-module=govuk-skip-link]")).to_have_attribute(
        "data-govuk-skip-link-init", ""
    )


def test_the_chronology_print_button_opens_the_print_dialogue(page: Page):
    team = TeamFactory(name="SASS West 1", locality__name="West")
    worker = UserFactory(username="sam", role=Role.SOCIAL_WORKER, team=team)
    family = family_create(
        reference="PRINT-1",
        locality=team.locality,
        team=team,
        social_worker=worker,
        opened_on=timezone.localdate() - datetime.timedelta(days=3),
        acting_user=worker,
    )
    # Headless Chromium has no print dialogue: count the calls instead.
    page.add_init_script("window.print = () => { window.printed = (window.printed || 0) + 1; };")
    page.goto("/sign-in/")
    page.get_by_label("Username").fill("sam")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"/families/{family.pk}/chronology/")

    page.get_by_role("button", name="Print").click()

    assert page.evaluate("window.printed") == 1
