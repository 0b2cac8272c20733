"""The pages behind the slot finder, in real Chromium with axe: a member of staff's working
days and leave, and the chair's choice of members."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import Role
from supervision.models import Leave, WorkingDay
from supervision.services import group_create
from tests.factories import TeamFactory, UserFactory

from .conftest import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


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


def test_set_up_cancel_interval_feed_pack_and_addendum_pages(page: Page) -> None:
    from families.models import Membership
    from families.services import family_create, person_create
    from supervision.models import AgendaItem, Meeting
    from supervision.pack import pack_store
    from supervision.services import discussion_record, meeting_schedule, meeting_sign_off

    team = TeamFactory(name="SASS West 1", locality__name="West")
    chair = UserFactory(username="tina", first_name="Tina", role=Role.TEAM_MANAGER, team=team)
    worker = UserFactory(username="sam", first_name="Sam", role=Role.SOCIAL_WORKER, team=team)
    family = family_create(
        reference="ALPHA",
        locality=team.locality,
        team=team,
        social_worker=worker,
        opened_on=timezone.localdate() - datetime.timedelta(days=60),
        acting_user=chair,
    )
    person_create(family=family, role=Membership.Role.MOTHER, given_name="Maya", acting_user=chair)
    sign_in(page, "tina")

    # No group yet: the manager is offered the set-up.
    page.get_by_role("link", name="Group supervision").first.click()
    assert_accessible(page)
    page.get_by_role("link", name="Set up group supervision").click()
    expect(page.get_by_role("heading", name="Set up group supervision")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Tuesday").check()
    page.get_by_role("button", name="Set up").click()
    expect(page.get_by_text("Group supervision is set up for SASS West 1.")).to_be_visible()
    group = team.supervision_group

    # A planned meeting with a pack: the meeting page, the cancel and interval pages.
    meeting = meeting_schedule(
        group=group,
        starts_at=timezone.now() + datetime.timedelta(days=2),
        acting_user=chair,
    )
    AgendaItem.objects.create(
        meeting=meeting, family=family, position=1, reason="Not discussed yet"
    )
    pack_store(meeting)
    page.goto(f"/supervision/meetings/{meeting.pk}/")
    expect(page.get_by_role("heading", name="Agenda pack")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Cancel the meeting").click()
    page.get_by_role("button", name="Cancel the meeting").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Enter why the meeting is cancelled"
    )
    assert_accessible(page)
    page.goto(f"/supervision/meetings/{meeting.pk}/families/{family.pk}/interval/")
    expect(page.get_by_role("heading", name="How often to discuss ALPHA")).to_be_visible()
    assert_accessible(page)

    # The calendar feed page.
    page.goto(f"/supervision/meetings/{meeting.pk}/")
    page.get_by_role("link", name="subscribe to all your meetings").click()
    assert_accessible(page)

    # Signed-off minutes take a dated correction.
    held = Meeting.objects.create(
        group=group,
        starts_at=timezone.now() - datetime.timedelta(days=7),
        length_minutes=120,
    )
    AgendaItem.objects.create(meeting=held, family=family, position=1)
    discussion = discussion_record(
        meeting=held,
        family=family,
        present=[chair, worker],
        child_safety_rag="amber",
        analysis="",
        decisions="Continue the plan.",
        stages={},
        actions=[],
        acting_user=chair,
    )
    held.refresh_from_db()
    meeting_sign_off(meeting=held, expected_version=held.version, acting_user=chair)
    page.goto(f"/supervision/discussions/{discussion.pk}/addendum/")
    page.get_by_role("button", name="Add the correction").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the correction")
    assert_accessible(page)
    page.get_by_label("Correction").fill("Mum was present too.")
    page.get_by_role("button", name="Add the correction").click()
    expect(page.get_by_text("Mum was present too.")).to_be_visible()
    assert_accessible(page)
