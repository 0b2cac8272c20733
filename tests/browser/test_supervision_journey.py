"""Group supervision in a real browser: the team manager schedules the next meeting, builds
its agenda from the proposals and their reasons, and picks a time everyone needed can attend;
business support minutes two families (who was there, each adult's cycle-of-change stage, the
child-safety RAG, analysis, decisions and an action for the social worker); the chair signs
off; the social worker finds the actions on their home page. Axe passes on every page.

Sue, the substance-use practitioner working with ALPHA's mother, works Tuesday mornings only
and is on leave one Tuesday, so the slot finder has times everyone can come and a time she
cannot.
"""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import Role, SpecialistPathway
from families.models import Membership, Person
from families.services import family_create, person_create
from referrals.models import CycleOfChangeEntry, Pathway
from referrals.services import referral_allocate, referral_create
from supervision.models import (
    AgendaItem,
    Discussion,
    Leave,
    Meeting,
    SupervisionAction,
    SupervisionGroup,
    WorkingDay,
)
from supervision.services import discussion_record, group_create, meeting_sign_off
from supervision.slots import is_working_day
from tests.factories import TeamFactory, UserFactory

from .conftest import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TUESDAY = SupervisionGroup.Weekday.TUESDAY


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(
        day, datetime.time(hour, minute), tzinfo=timezone.get_current_timezone()
    )


def days_ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


def tuesdays_ahead(weeks: int = 4) -> list[datetime.date]:
    """The working Tuesdays in the slot finder's default four weeks whose usual 10:00 start
    is more than an hour away."""
    today = timezone.localdate()
    soon = timezone.now() + datetime.timedelta(hours=1)
    days = (today + datetime.timedelta(days=n) for n in range(weeks * 7))
    return [
        day
        for day in days
        if day.weekday() == TUESDAY and is_working_day(day) and at(day, 10) > soon
    ]


@pytest.fixture
def cast():
    """SASS West 1: Tess chairs its group (Tuesdays 10:00 for two hours), Bea minutes it,
    Alice is a social worker and Sue a co-located substance-use practitioner."""
    team = TeamFactory(name="SASS West 1", locality__name="West")
    people = {
        "tess": UserFactory(
            username="tess",
            first_name="Tess",
            last_name="Manager",
            role=Role.TEAM_MANAGER,
            team=team,
        ),
        "bea": UserFactory(
            username="bea",
            first_name="Bea",
            last_name="Support",
            role=Role.BUSINESS_SUPPORT,
            team=team,
        ),
        "alice": UserFactory(
            username="alice",
            first_name="Alice",
            last_name="Hart",
            role=Role.SOCIAL_WORKER,
            team=team,
        ),
        "sue": UserFactory(
            username="sue",
            first_name="Sue",
            last_name="Specialist",
            role=Role.SPECIALIST,
            pathway=SpecialistPathway.SUBSTANCE_USE,
            locality=team.locality,
        ),
    }
    people["group"] = group_create(
        team=team,
        chair=people["tess"],
        weekday=TUESDAY,
        starts_at=datetime.time(10, 0),
        length_minutes=120,
        location="Room 2, County Hall",
        acting_user=people["tess"],
    )
    return people


# Each family's display name, the reference beside it, as the chair's pages show it.
NAMED = {"ALPHA": "Stone (ALPHA)", "BRAVO": "Brook (BRAVO)", "CHARLIE": "Cole (CHARLIE)"}


def new_family(cast, reference: str, adults: list[tuple[str, str, str]]) -> list[Person]:
    alice = cast["alice"]
    family = family_create(
        reference=reference,
        locality=alice.team.locality,
        team=alice.team,
        social_worker=alice,
        opened_on=days_ago(200),
        acting_user=alice,
    )
    return [
        person_create(
            family=family,
            role=role,
            given_name=given,
            family_name=surname,
            date_of_birth=datetime.date(1990, 3, 4),
            acting_user=alice,
        )
        for role, given, surname in adults
    ]


@pytest.fixture
def caseload(cast):
    """ALPHA (red when discussed ten days ago; Sue works with the mother), BRAVO and
    CHARLIE (never discussed). Sue works Tuesday mornings and is away the first Tuesday."""
    maya, dev = new_family(
        cast,
        "ALPHA",
        [(Membership.Role.MOTHER, "Maya", "Stone"), (Membership.Role.FATHER, "Dev", "Stone")],
    )
    (lee,) = new_family(cast, "BRAVO", [(Membership.Role.FATHER, "Lee", "Brook")])
    new_family(cast, "CHARLIE", [(Membership.Role.MOTHER, "Ann", "Cole")])
    alpha = maya.membership.family
    referral = referral_create(
        person=maya,
        family=alpha,
        pathway=Pathway.objects.get(code="substance_use"),
        referred_on=days_ago(70),
        reason="Alcohol use at home",
        acting_user=cast["alice"],
    )
    referral_allocate(
        referral=referral,
        practitioner=cast["sue"],
        allocated_on=days_ago(69),
        acting_user=cast["alice"],
    )

    group, bea, tess = cast["group"], cast["bea"], cast["tess"]
    earlier = Meeting.objects.create(
        group=group, starts_at=at(days_ago(10), 10), length_minutes=120
    )
    AgendaItem.objects.create(meeting=earlier, family=alpha, position=1)
    discussion_record(
        meeting=earlier,
        family=alpha,
        present=[cast["alice"], cast["sue"]],
        child_safety_rag="red",
        analysis="",
        decisions="Daily safety plan.",
        stages={},
        actions=[],
        acting_user=bea,
    )
    earlier.refresh_from_db()
    meeting_sign_off(meeting=earlier, expected_version=earlier.version, acting_user=tess)

    WorkingDay.objects.create(
        user=cast["sue"],
        weekday=TUESDAY,
        starts_at=datetime.time(9, 0),
        ends_at=datetime.time(12, 0),
    )
    away = tuesdays_ahead()[0]
    Leave.objects.create(user=cast["sue"], starts_on=away, ends_on=away, note="Training")
    return {"maya": maya, "dev": dev, "lee": lee, "away": away}


def open_group_supervision(page: Page) -> None:
    page.get_by_role("navigation", name="Menu").get_by_role(
        "link", name="Group supervision"
    ).click()
    expect(page.get_by_role("heading", name="SASS West 1 group supervision")).to_be_visible()


def success(page: Page, text: str) -> None:
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(text)


def slot_label(moment: datetime.datetime) -> str:
    local = timezone.localtime(moment)
    return f"{local:%A} {local.day} {local:%B}, {local:%H:%M}"


def minute_family(
    page: Page,
    reference: str,
    *,
    present: list[str],
    rag: str,
    stages: dict[str, str],
    analysis: str,
    decisions: str,
    action: str,
    owner: str,
    due: datetime.date,
) -> None:
    page.get_by_role("link", name=f"Minute {reference}").click()
    expect(page.get_by_role("heading", name=f"Minutes for {NAMED[reference]}")).to_be_visible()
    who = page.get_by_role("group", name="Who was present")
    for name in present:
        who.get_by_label(name, exact=True).check()
    page.get_by_role("group", name="Child safety RAG").get_by_label(rag, exact=True).check()
    for adult, stage in stages.items():
        page.get_by_label(adult, exact=True).select_option(label=stage)
    page.get_by_label("Analysis", exact=True).fill(analysis)
    page.get_by_label("Decisions", exact=True).fill(decisions)
    page.get_by_label("Action 1", exact=True).fill(action)
    page.get_by_label("Owner of action 1").select_option(label=owner)
    page.get_by_label("Action 1 due").fill(due.isoformat())
    page.get_by_role("button", name="Save the minutes").click()
    success(page, f"{reference} is minuted.")


def test_a_meeting_from_agenda_to_the_social_workers_actions(page: Page, cast, caseload):
    # The team manager opens group supervision and schedules the next meeting.
    sign_in(page, "tess", "SASS West 1")
    assert_accessible(page)
    open_group_supervision(page)
    assert_accessible(page)
    schedule = page.get_by_role("group", name="Schedule a meeting")
    expect(schedule.get_by_label("Start time")).to_have_value("10:00")
    schedule.get_by_role("button", name="Schedule and build the agenda").click()

    # The agenda builder proposes the families by priority and says why.
    expect(page.get_by_role("heading", name="Build the agenda")).to_be_visible()
    success(page, "Meeting scheduled")
    meeting = Meeting.objects.get(status=Meeting.Status.PLANNED)
    assert timezone.localtime(meeting.starts_at).weekday() == TUESDAY
    families = page.get_by_role("table", name="Families of SASS West 1")
    rows = families.locator("tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("ALPHA")
    expect(rows.nth(0)).to_contain_text(
        re.compile(r"Red; last discussed \d+ days ago \(due every 7 days\)")
    )
    expect(rows.nth(1)).to_contain_text("BRAVO")
    expect(rows.nth(1)).to_contain_text("Not discussed yet")
    expect(rows.nth(2)).to_contain_text("CHARLIE")
    for reference, position in [("ALPHA", "1"), ("BRAVO", "2"), ("CHARLIE", "3")]:
        expect(families.get_by_label(NAMED[reference], exact=True)).to_be_checked()
        expect(families.get_by_label(f"Order of {NAMED[reference]}")).to_have_value(position)
    assert_accessible(page)

    # She takes CHARLIE off and saves.
    families.get_by_label(NAMED["CHARLIE"], exact=True).uncheck()
    page.get_by_role("button", name="Save the agenda").click()
    success(page, "Agenda saved: 2 families.")
    expect(page.get_by_role("heading", name="Stone (ALPHA), Alice Hart")).to_be_visible()
    expect(page.get_by_role("heading", name="Brook (BRAVO), Alice Hart")).to_be_visible()
    expect(page.get_by_text("CHARLIE")).to_have_count(0)
    assert list(meeting.agenda.values_list("family__reference", flat=True)) == ["ALPHA", "BRAVO"]
    assert_accessible(page)

    # A time everyone needed can attend: Tess, Alice, and Sue (for ALPHA's mother).
    page.get_by_role("link", name="Find a time everyone can attend").click()
    expect(page.get_by_role("heading", name="Find a time everyone can attend")).to_be_visible()
    expect(page.get_by_text("Needed for the 2 families on the agenda")).to_contain_text(
        "Alice Hart, Tess Manager, Sue Specialist"
    )
    slots = page.get_by_role("table", name=re.compile(r"^Best times first")).locator("tbody tr")
    expect(slots.first).to_contain_text("Everyone can come")
    expect(slots.first).to_contain_text("Usual time")
    everyone_on = [day for day in tuesdays_ahead() if day != caseload["away"]]
    expect(slots.first.get_by_role("rowheader")).to_contain_text(slot_label(at(everyone_on[0], 10)))
    # On the day Sue is on training, the usual time is offered without her.
    without_sue = slots.filter(has_text=slot_label(at(caseload["away"], 10)))
    expect(without_sue).to_have_count(1)
    expect(without_sue).to_contain_text("Sue Specialist")
    expect(without_sue).not_to_contain_text("Everyone can come")
    assert_accessible(page)

    slots.first.get_by_role("button", name=re.compile(r"^Choose")).click()
    success(page, "Meeting moved")
    meeting.refresh_from_db()
    assert meeting.starts_at == at(everyone_on[0], 10)
    assert meeting.sequence == 1

    # The meeting takes place: minutes are only taken once it has started.
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=timezone.now() - datetime.timedelta(minutes=30)
    )

    # Business support minutes both families.
    sign_in(page, "bea", "SASS West 1")
    assert_accessible(page)
    open_group_supervision(page)
    page.get_by_role("table", name="Coming up").get_by_role("link").first.click()
    expect(page.get_by_role("heading", name="Agenda")).to_be_visible()
    page.get_by_role("link", name="Minute ALPHA").click()
    expect(page.get_by_role("heading", name="Minutes for Stone (ALPHA)")).to_be_visible()
    expect(page.get_by_text("On the agenda because: Red; last discussed")).to_be_visible()
    assert_accessible(page)

    # Saved with nothing filled in: the error summary says what is missing.
    page.get_by_role("button", name="Save the minutes").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Select the child safety rating")
    expect(summary).to_contain_text("Enter the decisions")
    assert_accessible(page)
    summary.get_by_role("link", name="Enter the decisions").click()
    expect(page.get_by_label("Decisions", exact=True)).to_be_focused()
    assert not Discussion.objects.filter(meeting=meeting).exists()

    due = timezone.localdate() + datetime.timedelta(days=14)
    page.get_by_role("link", name="Back to the meeting").click()
    minute_family(
        page,
        "ALPHA",
        present=["Alice Hart", "Sue Specialist", "Tess Manager"],
        rag="Amber",
        stages={
            "Maya Stone (mother)": "Contemplation",
            "Dev Stone (father)": "Pre-contemplation",
        },
        analysis="Maya has cut down; Dev is not yet engaged.",
        decisions="Step down to amber; joint visit with Sue.",
        action="Joint home visit with Sue",
        owner="Alice Hart",
        due=due,
    )
    minute_family(
        page,
        "BRAVO",
        present=["Alice Hart", "Tess Manager"],
        rag="Green",
        stages={"Lee Brook (father)": "Action"},
        analysis="Lee attends every session.",
        decisions="Plan to close in six weeks.",
        action="Closure summary for Lee",
        owner="Alice Hart",
        due=due + datetime.timedelta(days=7),
    )
    expect(page.get_by_text("Step down to amber; joint visit with Sue.")).to_be_visible()
    expect(page.get_by_text("Maya Stone: Contemplation")).to_be_visible()
    expect(page.get_by_text("Joint home visit with Sue: Alice Hart")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile(r"^Minute "))).to_have_count(0)
    assert_accessible(page)

    # The chair signs off.
    sign_in(page, "tess", "SASS West 1")
    page.goto(f"/supervision/meetings/{meeting.pk}/")
    page.get_by_role("button", name="Sign off the minutes").click()
    success(page, "The minutes are signed off. Corrections are now dated addenda.")
    expect(page.get_by_text("Signed off by Tess Manager")).to_be_visible()
    expect(page.get_by_role("button", name="Sign off the minutes")).to_have_count(0)
    assert_accessible(page)

    # The social worker finds both actions on her home page.
    sign_in(page, "alice", "Your caseload")
    actions = page.get_by_role("table", name="Your actions from group supervision")
    expect(actions.locator("tbody tr")).to_have_count(2)
    expect(actions.locator("tbody tr").nth(0)).to_contain_text("Joint home visit with Sue")
    expect(actions.locator("tbody tr").nth(0)).to_contain_text("ALPHA")
    expect(actions.locator("tbody tr").nth(1)).to_contain_text("Closure summary for Lee")
    expect(actions.locator("tbody tr").nth(1)).to_contain_text("BRAVO")
    expect(actions).not_to_contain_text("Overdue")
    assert_accessible(page)

    meeting.refresh_from_db()
    assert meeting.is_signed_off
    assert meeting.signed_off_by == cast["tess"]
    assert sorted(meeting.discussions.values_list("family__reference", "child_safety_rag")) == [
        ("ALPHA", "amber"),
        ("BRAVO", "green"),
    ]
    stages = {
        entry.person.given_name: entry.stage
        for entry in CycleOfChangeEntry.objects.filter(
            source=CycleOfChangeEntry.Source.GROUP_SUPERVISION
        ).select_related("person")
    }
    assert stages == {"Maya": "contemplation", "Dev": "pre_contemplation", "Lee": "action"}
    alpha = meeting.discussions.get(family__reference="ALPHA")
    assert sorted(str(user) for user in alpha.present.all()) == [
        "Alice Hart",
        "Sue Specialist",
        "Tess Manager",
    ]
    assert list(
        SupervisionAction.objects.filter(discussion__meeting=meeting)
        .order_by("due_on")
        .values_list("description", "owner__username", "due_on")
    ) == [
        ("Joint home visit with Sue", "alice", due),
        ("Closure summary for Lee", "alice", due + datetime.timedelta(days=7)),
    ]
