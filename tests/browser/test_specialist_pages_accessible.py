"""Every specialist-pathway page the journeys (test_specialist_journeys.py) do not reach,
opened in real Chromium and checked with axe-core, with an error summary for each family of
forms: a pathway manager's waiting list, allocation and eligibility rules; a DMT worker's
consultations, training and group programmes and the rest of the work on a referral, to its
closure; a service manager's pathways; a perpetrator worker's view of a restricted victim."""

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import Role, SpecialistPathway, User
from families.models import Membership, Person
from families.services import child_status_change, family_create, person_create
from referrals.models import Pathway, Referral
from referrals.services import (
    appointment_book,
    consultation_record,
    programme_attendance_record,
    programme_create,
    referral_allocate,
    referral_create,
    training_record,
)
from tests.factories import TeamFactory, UserFactory

from .conftest import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

THEMES = ["Becoming a dad", "Mental health", "Relationships", "Play and development"]


def days_ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


@pytest.fixture
def alice() -> User:
    team = TeamFactory(name="SASS West 1", locality__name="West")
    return UserFactory(
        username="alice",
        first_name="Alice",
        last_name="Hart",
        role=Role.SOCIAL_WORKER,
        team=team,
    )


def specialist(username: str, name: str, pathway: str, **fields) -> User:
    first, last = name.split()
    return UserFactory(
        username=username,
        first_name=first,
        last_name=last,
        role=Role.SPECIALIST,
        pathway=pathway,
        **fields,
    )


def father_of_a_child_on_a_plan(alice: User, reference: str, name: str, **fields) -> Person:
    """A father whose child has been on a child protection plan for 80 days: eligible for
    Dads Matter Too under the rule in force."""
    given, family_name = name.split()
    family = family_create(
        reference=reference,
        locality=alice.team.locality,
        team=alice.team,
        social_worker=alice,
        opened_on=days_ago(100),
        acting_user=alice,
    )
    father = person_create(
        family=family,
        role=Membership.Role.FATHER,
        given_name=given,
        family_name=family_name,
        date_of_birth=datetime.date(1998, 5, 4),
        acting_user=alice,
        **fields,
    )
    child = person_create(
        family=family,
        role=Membership.Role.CHILD,
        given_name="Amy",
        family_name=family_name,
        father=father,
        date_of_birth=datetime.date(2023, 2, 1),
        acting_user=alice,
    )
    child_status_change(child=child, status="cp", start_date=days_ago(80), acting_user=alice)
    return father


def refer(adult: Person, pathway_code: str, alice: User, **fields) -> Referral:
    return referral_create(
        person=adult,
        family=adult.membership.family,
        pathway=Pathway.objects.get(code=pathway_code),
        referred_on=days_ago(70),
        reason="Referred at the child protection conference",
        acting_user=alice,
        **fields,
    )


def allocate(referral: Referral, practitioner: User, alice: User) -> Referral:
    return referral_allocate(
        referral=referral, practitioner=practitioner, allocated_on=days_ago(69), acting_user=alice
    )


def expect_error(page: Page, message: str) -> None:
    """The error summary is shown with `message`, and the page with it passes axe."""
    expect(page.locator(".govuk-error-summary")).to_contain_text(message)
    assert_accessible(page)


def test_a_pathway_manager_runs_the_waiting_list_allocation_and_rules(page: Page, alice):
    specialist("mel", "Mel Ward", SpecialistPathway.DMT, leads_pathway=True)
    # At 0.1 FTE of 15 cases per post, Pat's capacity is one case, and she holds one.
    pat = specialist("pat", "Pat Jones", SpecialistPathway.DMT, fte=Decimal("0.1"))
    allocate(
        refer(father_of_a_child_on_a_plan(alice, "DMT-1", "Joe Bloggs"), "dmt", alice), pat, alice
    )
    refer(
        father_of_a_child_on_a_plan(
            alice, "DMT-2", "Dean Walker", care_experienced=True, previous_child_removal=True
        ),
        "dmt",
        alice,
        rag="red",
    )

    sign_in(page, "mel", "Your work")
    page.get_by_role("link", name="Your pathway's waiting list and capacity").click()
    expect(page.get_by_role("heading", name="Dads Matter Too", exact=True)).to_be_visible()
    waiting = page.get_by_role("table", name="Waiting list: red first, then longest waiting")
    dean = waiting.get_by_role("row").filter(has=page.get_by_role("link", name="Dean Walker"))
    expect(dean).to_contain_text("Care experienced")
    expect(dean).to_contain_text("Previous child removed")
    expect(dean).to_contain_text("Red")
    capacity = page.get_by_role("table", name=re.compile(r"^Practitioners and capacity"))
    expect(capacity.get_by_role("row", name=re.compile(r"^Pat Jones"))).to_contain_text("Full")
    assert_accessible(page)

    # Allocating to Pat, who is full, asks the manager to accept it.
    dean.get_by_role("link", name="Allocate Dean Walker").click()
    expect(page.get_by_role("heading", name="Allocate Dean Walker")).to_be_visible()
    expect(page.get_by_label("Allocate even though they are at or over capacity")).to_have_count(0)
    assert_accessible(page)
    page.get_by_label("Practitioner").select_option(label="Pat Jones (1 open of 1)")
    page.get_by_role("button", name="Allocate").click()
    expect_error(page, "Pat Jones holds 1 open cases, at or over their capacity of 1.")
    accept = page.get_by_label("Allocate even though they are at or over capacity")
    expect(accept).to_be_visible()
    accept.check()
    page.get_by_role("button", name="Allocate").click()
    expect(page.get_by_text("Dean Walker is allocated to Pat Jones.")).to_be_visible()

    # The eligibility rules: the pilot's two, ended, and the one in force.
    page.get_by_role("link", name="Eligibility rules").click()
    expect(page.get_by_role("heading", name="Eligibility rules")).to_be_visible()
    expect(page.get_by_role("table", name="Rules, oldest first").locator("tbody tr")).to_have_count(
        3
    )
    assert_accessible(page)

    page.get_by_role("link", name="Add a rule").click()
    expect(page.get_by_role("heading", name="Add an eligibility rule")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Add the rule").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select what the rule checks")
    assert_accessible(page)

    # Each kind of rule shows its own fields under it; choosing one keeps the page accessible.
    for kind, revealed in [
        ("The adult's age", page.get_by_label("Minimum age in years")),
        ("The age of a child in the family", page.get_by_label("A child in the family is under")),
        ("Where the family lives", page.get_by_role("group", name="Localities the family may")),
        ("A child's legal status", page.get_by_role("group", name="A child's current status")),
    ]:
        page.get_by_label(kind, exact=True).check()
        expect(revealed).to_be_visible()
        assert_accessible(page)

    page.get_by_role("link", name="Cancel").click()
    page.get_by_role("link", name=re.compile(r"^End the rule: A child is on")).click()
    expect(page.get_by_role("heading", name="End an eligibility rule")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Last day in force").fill("")
    page.get_by_role("button", name="End the rule").click()
    expect_error(page, "Enter the last day the rule is in force")

    dean_referral = Referral.objects.get(person__given_name="Dean")
    assert dean_referral.practitioner == pat
    assert Pathway.objects.get(code="dmt").rules.filter(in_force_to__isnull=True).count() == 1


def test_a_service_manager_lists_the_pathways_and_opens_one(page: Page, alice):
    UserFactory(username="sam", first_name="Sam", last_name="Lee", role=Role.SERVICE_MANAGER)
    specialist("pat", "Pat Jones", SpecialistPathway.DMT)
    refer(father_of_a_child_on_a_plan(alice, "DMT-1", "Dean Walker"), "dmt", alice)

    sign_in(page, "sam", "The whole council")
    page.goto("/referrals/pathways/")
    expect(page.get_by_role("heading", name="Specialist pathways")).to_be_visible()
    expect(page.locator("main li")).to_have_count(Pathway.objects.count())
    assert_accessible(page)

    page.get_by_role("link", name="Dads Matter Too", exact=True).click()
    expect(page.get_by_role("heading", name="Dads Matter Too", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Allocate Dean Walker")).to_be_visible()
    assert_accessible(page)


def test_a_dmt_worker_records_group_work_and_takes_a_referral_to_closure(page: Page, alice):
    dan = specialist("dan", "Dan Price", SpecialistPathway.DMT)
    colleague = specialist("cal", "Cal Moss", SpecialistPathway.DMT)
    dean = father_of_a_child_on_a_plan(alice, "DMT-1", "Dean Walker")
    referral = allocate(refer(dean, "dmt", alice), dan, alice)
    joe = father_of_a_child_on_a_plan(alice, "DMT-2", "Joe Bloggs")
    allocate(refer(joe, "dmt", alice), colleague, alice)

    consultation_record(
        given_on=days_ago(3),
        team=alice.team,
        social_worker=alice,
        topic="Engaging a father who will not answer calls",
        minutes=45,
        acting_user=dan,
    )
    training_record(
        delivered_on=days_ago(10), audience="SASS West 1 team meeting", attendees=9, acting_user=dan
    )
    # Weekly from 14 days ago: sessions 1 to 3 have happened, session 4 is next week.
    programme = programme_create(
        name="Lads to Dads",
        pathway=Pathway.objects.get(code="dmt"),
        delivery="in_person",
        starts_on=days_ago(14),
        themes=THEMES,
        locality=alice.team.locality,
        acting_user=dan,
    )
    first = programme.sessions.get(number=1)
    programme_attendance_record(session=first, person=dean, acting_user=dan)
    programme_attendance_record(session=first, person=joe, acting_user=colleague)
    programme_attendance_record(session=first, attendee_name="Sam Green", acting_user=dan)
    appointment_book(
        referral=referral,
        starts_at=timezone.make_aware(datetime.datetime.combine(days_ago(2), datetime.time(10, 0))),
        acting_user=dan,
    )

    sign_in(page, "dan", "Your work")
    page.get_by_role("link", name="Consultations, mini training and group programmes").click()
    expect(page.get_by_role("heading", name="DMT work")).to_be_visible()
    expect(page.get_by_text("Engaging a father who will not answer calls")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Record a consultation").first.click()
    expect(page.get_by_role("heading", name="Record a consultation")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Save").click()
    expect_error(page, "Select the social worker's team")

    page.goto("/referrals/dmt/training/new/")
    expect(page.get_by_role("heading", name="Record a mini training session")).to_be_visible()
    assert_accessible(page)

    page.goto("/referrals/dmt/programmes/new/")
    expect(page.get_by_role("heading", name="Start a group programme")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Back to DMT work").click()
    page.get_by_role("link", name="Lads to Dads").click()
    expect(page.get_by_role("heading", name="Lads to Dads")).to_be_visible()
    sessions = page.get_by_role("table", name="Weekly sessions and who attended")
    expect(sessions.locator("tbody tr")).to_have_count(len(THEMES))
    assert_accessible(page)

    # A session that happened: who attended, a colleague's father without his name.
    sessions.get_by_role("link", name="Attendance at session 1").click()
    expect(page.get_by_role("heading", name="Becoming a dad")).to_be_visible()
    attended = page.get_by_role("table", name="Who attended (3)")
    expect(attended).to_contain_text("Dean Walker")
    expect(attended).to_contain_text("A father on a colleague's caseload")
    expect(attended).to_contain_text("Sam Green")
    expect(attended).not_to_contain_text("Joe Bloggs")
    assert_accessible(page)
    page.get_by_role("button", name="Record attendance").click()
    expect_error(page, "Choose a father with a case, or enter the name of a father without one")

    # A session to come: attendance waits until it has happened.
    page.goto(f"/referrals/dmt/programmes/{programme.pk}/sessions/4/")
    expect(page.get_by_role("heading", name="Play and development")).to_be_visible()
    expect(
        page.get_by_text("You can record who attended once the session has happened")
    ).to_be_visible()
    assert_accessible(page)

    # The rest of the work on Dean's referral.
    page.goto(f"/referrals/{referral.pk}/")
    page.get_by_role("link", name="Book an appointment").click()
    expect(page.get_by_role("heading", name="Book an appointment")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Date").fill((timezone.localdate() + datetime.timedelta(days=7)).isoformat())
    page.get_by_role("button", name="Save").click()
    expect_error(page, "Enter the time of the appointment")
    page.get_by_label("Time").fill("14:30")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text(re.compile(r"^Appointment booked for .* at 14:30\."))).to_be_visible()

    page.get_by_role("link", name=re.compile(r"^Record what happened on .* 10:00$")).click()
    expect(
        page.get_by_role("heading", name=re.compile(r"^What happened at the appointment"))
    ).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Attended", exact=True).check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Appointment recorded as: Attended.")).to_be_visible()

    page.get_by_role("link", name="Place on the cycle of change").click()
    expect(page.get_by_role("heading", name="Place on the cycle of change")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Contemplation", exact=True).check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Cycle of change: Contemplation.")).to_be_visible()

    page.get_by_role("link", name="Record a review").click()
    expect(page.get_by_role("heading", name="Record a review")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("What the review found").fill("Dean comes to every session now.")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Review recorded.")).to_be_visible()

    opened_on = timezone.localdate()  # the closing form offers the day it is drawn
    page.get_by_role("link", name="Close the referral").click()
    expect(page.get_by_role("heading", name="Close the referral")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Save").click()
    expect_error(page, "Select the reason for closing")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the outcome")
    page.get_by_label("Completed", exact=True).check()
    page.get_by_label("Outcome").fill("Dean sees Amy every week; the plan has ended.")
    page.get_by_role("button", name="Save").click()

    # The closed record: read only, with why it closed.
    expect(page.get_by_text("Dean Walker's Dads Matter Too work is closed.")).to_be_visible()
    expect(page.get_by_text(re.compile(r"^Closed on .*: Completed\."))).to_be_visible()
    expect(page.get_by_role("link", name="Record an attempt to engage")).to_have_count(0)
    assert_accessible(page)
    referral.refresh_from_db()
    # The day the form offered, even when the test runs across midnight.
    assert opened_on <= referral.closed_on <= timezone.localdate()
    assert referral.closure_code == "completed"


def test_a_perpetrator_worker_does_not_see_the_victims_contact_details(page: Page, alice):
    pete = specialist("pete", "Pete Shaw", SpecialistPathway.DOMESTIC_ABUSE_PERPETRATOR)
    dean = father_of_a_child_on_a_plan(
        alice, "DA-1", "Dean Walker", phone="07700 900111", address="1 Open Road"
    )
    person_create(
        family=dean.membership.family,
        role=Membership.Role.MOTHER,
        given_name="Mia",
        family_name="Walker",
        address="12 Hidden Lane\nWestville",
        phone="07700 900999",
        contact_restricted=True,
        acting_user=alice,
    )
    allocate(refer(dean, "domestic_abuse_perpetrator", alice), pete, alice)

    sign_in(page, "pete", "Your work")
    page.get_by_role("link", name="Dean Walker").first.click()
    expect(page.get_by_role("heading", name="Dean Walker", exact=True)).to_be_visible()
    mia = page.get_by_role("table", name="Other adults").get_by_role("row", name=re.compile("^Mia"))
    expect(mia).to_contain_text("Restricted")
    body = page.locator("body")
    expect(body).to_contain_text("07700 900111")
    expect(body).not_to_contain_text("Hidden Lane")
    expect(body).not_to_contain_text("07700 900999")
    assert_accessible(page)
