"""The pages behind the slot finder, in real Chromium with axe: a member of staff's working
days and leave, and the chair's choice of members."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import Role
from supervision.models import Leave, WorkingDay
from supervision.services import group_create
from tests.factories import PASSWORD, TeamFactory, UserFactory

from .conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page: Page, username: str) -> None:
    page.goto("/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_working_days_leave_and_members(page: Page) -> None:
    team = TeamFactory(name="SASS West 1", locality__name="West")
    chair = UserFactory(username="tina", first_name="Tina", role=Role.TEAM_MANAGER, team=team)
    UserFactory(
        username="sam", first_name="Sam", last_name="Okafor", role=Role.SOCIAL_WORKER, team=team
    )
    group = group_create(
        team=team, chair=chair, weekday=1, starts_at=datetime.time(10), acting_user=chair
    )
    sign_in(page, "tina")

    page.get_by_role("link", name="Group supervision").first.click()
    page.get_by_role("link", name="Your working days and leave").click()
    expect(page.get_by_role("heading", name="Your working days and leave")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("I work on Fridays").uncheck()
    page.get_by_role("button", name="Save your week").click()
    expect(page.get_by_text("Your working days are saved.")).to_be_visible()
    assert sorted(WorkingDay.objects.filter(user=chair).values_list("weekday", flat=True)) == [
        0,
        1,
        2,
        3,
    ]

    page.get_by_role("button", name="Add leave").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Enter the first day of your leave"
    )
    assert_accessible(page)
    first = timezone.localdate() + datetime.timedelta(days=10)
    page.get_by_label("First day away").fill(first.isoformat())
    page.get_by_label("Last day away").fill((first + datetime.timedelta(days=4)).isoformat())
    page.get_by_role("button", name="Add leave").click()
    expect(page.get_by_text("Your leave is recorded.")).to_be_visible()
    assert Leave.objects.filter(user=chair, starts_on=first).exists()
    assert_accessible(page)

    page.goto(f"/supervision/groups/{group.pk}/")
    page.get_by_role("link", name="Change the members").click()
    expect(
        page.get_by_role("heading", name="Members of SASS West 1 group supervision")
    ).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Sam Okafor, social worker").uncheck()
    page.get_by_role("button", name="Save members").click()
    expect(page.get_by_text("The group's members are saved.")).to_be_visible()
    assert not group.members.filter(username="sam").exists()
