"""Minutes are never lost: business support types a family's analysis at a meeting, leaves
the page without saving, and on return the text is offered back and restored; saving the
minutes then drops the draft. Axe passes on the page with the banner showing."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import Draft, Role
from families.models import Membership
from families.services import family_create, person_create
from supervision.models import AgendaItem, Discussion, Meeting, SupervisionGroup
from supervision.services import group_create
from tests.factories import TeamFactory, UserFactory

from .conftest import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ANALYSIS = "Maya says the flat is damp and Dev is working nights again."


@pytest.fixture
def meeting():
    """SASS West 1's meeting began an hour ago with ALPHA on the agenda; Bea minutes it."""
    team = TeamFactory(name="SASS West 1", locality__name="West")
    tess = UserFactory(username="tess", last_name="Manager", role=Role.TEAM_MANAGER, team=team)
    UserFactory(username="bea", first_name="Bea", role=Role.BUSINESS_SUPPORT, team=team)
    alice = UserFactory(username="alice", role=Role.SOCIAL_WORKER, team=team)
    group = group_create(
        team=team,
        chair=tess,
        weekday=SupervisionGroup.Weekday.TUESDAY,
        starts_at=datetime.time(10, 0),
        length_minutes=120,
        location="Room 2",
        acting_user=tess,
    )
    family = family_create(
        reference="ALPHA",
        locality=team.locality,
        team=team,
        social_worker=alice,
        opened_on=timezone.localdate() - datetime.timedelta(days=100),
        acting_user=alice,
    )
    person_create(
        family=family,
        role=Membership.Role.MOTHER,
        given_name="Maya",
        family_name="Stone",
        acting_user=alice,
    )
    meeting = Meeting.objects.create(
        group=group,
        starts_at=timezone.now() - datetime.timedelta(hours=1),
        length_minutes=120,
    )
    AgendaItem.objects.create(meeting=meeting, family=family, position=1)
    return meeting, family


def test_minutes_typed_and_left_are_offered_back_restored_and_saved(page: Page, meeting):
    meeting, family = meeting
    url = f"/supervision/meetings/{meeting.pk}/families/{family.pk}/minutes/"
    sign_in(page, "bea")
    page.goto(url)
    expect(
        page.get_by_role("heading", name=re.compile(r"^Minutes for .*\(ALPHA\)$"))
    ).to_be_visible()
    expect(page.locator("[data-draft-banner]")).to_be_hidden()

    page.get_by_label("Analysis").fill(ANALYSIS)
    expect(page.get_by_text("Draft saved at")).to_be_visible()

    # Bea goes elsewhere without saving, then comes back: the server offers the text back.
    page.goto("/")
    page.goto(url)
    expect(page.get_by_text("You have unsaved text from")).to_be_visible()
    expect(page.get_by_label("Analysis")).to_have_value("")
    assert_accessible(page)
    page.get_by_role("button", name="Restore it").click()
    expect(page.get_by_label("Analysis")).to_have_value(ANALYSIS)
    expect(page.locator("[data-draft-banner]")).to_have_count(0)

    page.get_by_label("Amber").check()
    page.get_by_label("Decisions").fill("Keep the plan.")
    page.get_by_role("button", name="Save the minutes").click()
    expect(page.get_by_text("ALPHA is minuted.")).to_be_visible()
    assert Discussion.objects.get().analysis == ANALYSIS
    assert not Draft.objects.exists()

    # Nothing is offered again, by the server or by this device's copy.
    page.go_back()
    page.reload()
    expect(page.locator("[data-draft-banner]")).to_be_hidden()
