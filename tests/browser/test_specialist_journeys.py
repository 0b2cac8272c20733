"""Specialist pathways in a real browser: a social worker refers a father to Dads Matter Too,
a DMT worker records the work and a Recovery Star, a mental health practitioner moves an
adult through the MI stages and records a PHQ-9 that needs action."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import Role, SpecialistPathway
from families.models import Membership, Person
from families.services import (
    child_status_change,
    family_create,
    membership_add,
    person_create,
)
from referrals.models import Pathway, Referral
from referrals.services import referral_allocate, referral_create
from tests.factories import TeamFactory, UserFactory

from .conftest import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RECOVERY_STAR_AREAS = [
    "Managing mental health",
    "Physical health and self-care",
    "Living skills",
    "Social networks",
    "Work",
    "Relationships",
    "Addictive behaviour",
    "Responsibilities",
    "Identity and self-esteem",
    "Trust and hope",
]
STAR_AT_START = [3, 2, 4, 2, 1, 3, 5, 2, 3, 2]
STAR_AT_REVIEW = [6, 5, 4, 5, 3, 7, 4, 6, 6, 8]


def days_ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


@pytest.fixture
def alice():
    team = TeamFactory(name="SASS West 1", locality__name="West")
    return UserFactory(
        username="alice",
        first_name="Alice",
        last_name="Hart",
        role=Role.SOCIAL_WORKER,
        team=team,
    )


@pytest.fixture
def father(alice) -> Person:
    """Dean, the father of Amy, who has been on a child protection plan for 80 days."""
    family = family_create(
        reference="DMT-1",
        locality=alice.team.locality,
        team=alice.team,
        social_worker=alice,
        opened_on=days_ago(100),
        acting_user=alice,
    )
    dean = person_create(
        family=family,
        role=Membership.Role.FATHER,
        given_name="Dean",
        family_name="Walker",
        date_of_birth=datetime.date(1998, 5, 4),
        acting_user=alice,
    )
    amy = person_create(
        family=family,
        role=Membership.Role.CHILD,
        given_name="Amy",
        family_name="Walker",
        father=dean,
        date_of_birth=datetime.date(2023, 2, 1),
        acting_user=alice,
    )
    child_status_change(child=amy, status="cp", start_date=days_ago(80), acting_user=alice)
    return dean


def allocated_referral(
    adult: Person, pathway_code: str, practitioner, referred_by, **fields
) -> Referral:
    referral = referral_create(
        person=adult,
        family=adult.membership.family,
        pathway=Pathway.objects.get(code=pathway_code),
        referred_on=days_ago(70),
        reason="Referred at the child protection conference",
        acting_user=referred_by,
        **fields,
    )
    return referral_allocate(
        referral=referral,
        practitioner=practitioner,
        allocated_on=days_ago(69),
        acting_user=referred_by,
    )


def test_a_social_worker_refers_a_father_to_dads_matter_too(page: Page, alice, father):
    sign_in(page, "alice", "Your caseload")
    page.goto(f"/families/{father.membership.family_id}/")
    expect(page.get_by_role("heading", name="Walker — Amy")).to_be_visible()
    expect(page.get_by_text("No adult has been referred to a specialist.")).to_be_visible()
    assert_accessible(page)

    adults = page.get_by_role("table", name="Adults")
    adults.get_by_role("row", name="Dean Walker").get_by_role(
        "link", name="Refer Dean to a specialist"
    ).click()
    expect(page.get_by_role("heading", name="Refer Dean Walker to a specialist")).to_be_visible()
    assert_accessible(page)

    # Sent without a reason: the error summary says what is missing, and passes axe.
    page.get_by_label("Dads Matter Too").check()
    page.get_by_role("button", name="Send referral").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter the reason for the referral")
    assert_accessible(page)
    summary.get_by_role("link", name="Enter the reason for the referral").click()
    expect(page.get_by_label("Reason for referral")).to_be_focused()

    # The chosen pathway is kept; give the reason and send.
    expect(page.get_by_label("Dads Matter Too")).to_be_checked()
    page.get_by_label("Reason for referral").fill(
        "Dean wants to be involved with Amy; he has missed the last two core groups."
    )
    page.get_by_label("Parenting and being a father").check()
    page.get_by_role("button", name="Send referral").click()

    referral = Referral.objects.get(person=father)
    expect(page.get_by_role("heading", name="Walker — Amy")).to_be_visible()
    expect(
        page.get_by_text(f"Dean Walker is referred to Dads Matter Too ({referral.reference}).")
    ).to_be_visible()
    row = (
        page.get_by_role("table", name="Specialist referrals")
        .get_by_role("row")
        .filter(has=page.get_by_role("link", name="Dean Walker"))
    )
    expect(row).to_contain_text("Dads Matter Too")
    expect(row).to_contain_text("Referral")
    expect(row).to_contain_text("New (too early to tell)")
    expect(row).to_contain_text("Waiting")
    assert_accessible(page)
    assert referral.pathway.code == "dmt"
    assert referral.referred_by == alice
    assert referral.areas_of_need == ["parenting"]
    assert referral.eligibility_override == ""


def test_a_dmt_worker_engages_a_father_and_records_a_recovery_star(page: Page, alice, father):
    worker = UserFactory(
        username="dan",
        first_name="Dan",
        last_name="Price",
        role=Role.SPECIALIST,
        pathway=SpecialistPathway.DMT,
    )
    referral = allocated_referral(father, "dmt", worker, alice)
    sign_in(page, "dan", "Your work")
    assert_accessible(page)

    waiting = page.get_by_role("table", name="Your waiting list: allocated to you, not yet seen")
    waiting.get_by_role("link", name="Dean Walker").click()
    expect(page.get_by_role("heading", name="Dean Walker", exact=True)).to_be_visible()
    assert_accessible(page)

    # Three attempts to engage, each through the form.
    for method, outcome in [
        ("Phone call", "No reply"),
        ("Text message", "Left a message"),
        ("Home visit", "Met"),
    ]:
        page.get_by_role("link", name="Record an attempt to engage").click()
        expect(page.get_by_role("heading", name="Record an attempt to engage")).to_be_visible()
        if method == "Phone call":
            assert_accessible(page)
        expect(page.get_by_label("Date")).to_have_value(timezone.localdate().isoformat())
        page.get_by_label(method, exact=True).check()
        page.get_by_label(outcome, exact=True).check()
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_text("Attempt recorded")).to_be_visible()
    attempts = page.get_by_role("table", name="Attempts to engage")
    for method, outcome in [
        ("Phone call", "No reply"),
        ("Text message", "Left a message"),
        ("Home visit", "Met"),
    ]:
        expect(attempts.get_by_role("row", name=f"{method} {outcome}")).to_be_visible()

    # He is engaging now.
    page.get_by_role("link", name="Change engagement").click()
    expect(page.get_by_role("heading", name="Change engagement")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Engaged", exact=True).check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Engagement is now: Engaged.")).to_be_visible()
    engagement = page.get_by_role("table", name="Engagement", exact=True)
    expect(engagement.get_by_role("row").last).to_contain_text("Engaged")

    # A Recovery Star at the start and at review, each area scored by its radio.
    for taken_on, scores in [(days_ago(60), STAR_AT_START), (timezone.localdate(), STAR_AT_REVIEW)]:
        page.get_by_role("link", name="Record Recovery Star").click()
        expect(page.get_by_role("heading", name="Record Recovery Star")).to_be_visible()
        if scores is STAR_AT_START:
            assert_accessible(page)
        page.get_by_label("Date completed").fill(taken_on.isoformat())
        for number, (area, score) in enumerate(zip(RECOVERY_STAR_AREAS, scores, strict=True), 1):
            page.get_by_role("group", name=f"{number}. {area}", exact=True).get_by_label(
                str(score), exact=True
            ).check()
        page.get_by_role("button", name="Save Recovery Star").click()
        expect(page.get_by_text("Recovery Star recorded.")).to_be_visible()

    # The record shows first against latest: the chart for the eye, the table for everyone.
    expect(page.locator(".dmt-bars")).to_be_visible()
    expect(page.locator(".dmt-bars .dmt-bars__row")).to_have_count(10)
    table = page.get_by_role("table", name="Recovery Star: first reading")
    for area, first, latest in zip(RECOVERY_STAR_AREAS, STAR_AT_START, STAR_AT_REVIEW, strict=True):
        change = latest - first
        row = table.get_by_role("row").filter(
            has=page.get_by_role("rowheader", name=area, exact=True)
        )
        expect(row.locator("td")).to_have_text(
            [str(first), str(latest), f"+{change}" if change > 0 else str(change)]
        )
    expect(
        page.get_by_role("table", name="Every Recovery Star reading").locator("tbody tr")
    ).to_have_count(2)
    assert_accessible(page)

    referral.refresh_from_db()
    assert referral.engagement == "engaged"
    assert referral.attempts.count() == 3
    assert sorted(r.taken_on for r in father.measure_readings.all()) == [
        days_ago(60),
        timezone.localdate(),
    ]


def test_a_mental_health_practitioner_moves_through_mi_stages_and_acts_on_a_phq9(
    page: Page, alice, father
):
    mother = person_create(
        family=father.membership.family,
        role=Membership.Role.MOTHER,
        given_name="Mia",
        family_name="Walker",
        acting_user=alice,
    )
    practitioner = UserFactory(
        username="mo",
        first_name="Mo",
        last_name="Reed",
        role=Role.SPECIALIST,
        pathway=SpecialistPathway.MENTAL_HEALTH,
    )
    referral = allocated_referral(mother, "mental_health", practitioner, alice)
    sign_in(page, "mo", "Your work")
    page.get_by_role("link", name="Mia Walker").first.click()
    expect(page.get_by_role("heading", name="Mia Walker", exact=True)).to_be_visible()

    stages = [
        "Motivational interviewing before assessment",
        "Assessment",
        "Motivational interviewing before treatment",
        "Treatment",
    ]
    for stage in stages:
        page.get_by_role("link", name="Move stage").click()
        expect(page.get_by_role("heading", name="Move to another stage")).to_be_visible()
        if stage == stages[0]:
            assert_accessible(page)
        expect(page.get_by_label("From")).to_have_value(timezone.localdate().isoformat())
        page.get_by_label(stage, exact=True).check()
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_text(f"Moved to {stage}.")).to_be_visible()

    history = page.get_by_role("table", name="Stages", exact=True)
    expect(history.locator("tbody tr td:nth-child(2)")).to_have_text(["Referral", *stages])

    # A PHQ-9 sent with an item missing shows the error summary, which passes axe.
    page.get_by_role("link", name="Record PHQ-9 (depression)").click()
    expect(page.get_by_role("heading", name="Record PHQ-9 (depression)")).to_be_visible()
    assert_accessible(page)
    expect(page.get_by_role("group")).to_have_count(9)
    for number in range(1, 9):
        item = page.get_by_role("group", name=re.compile(rf"^{number}\. "))
        item.get_by_label("1 Several days", exact=True).check()
    page.get_by_role("button", name="Save PHQ-9 (depression)").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Answer item 9")
    assert_accessible(page)

    # Item 9 (thoughts of self-harm) above 0: the record prompts to act, whatever the total.
    item_9 = page.get_by_role("group", name="9. Thoughts that you would be better off dead")
    item_9.get_by_label("1 Several days", exact=True).check()
    page.get_by_role("button", name="Save PHQ-9 (depression)").click()
    expect(page.get_by_text("PHQ-9 (depression) recorded: 9 (Mild).")).to_be_visible()
    banner = page.get_by_role("alert").filter(has_text="Act on this")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("Thoughts of self-harm were reported (item 9)")
    expect(
        page.get_by_role("table", name="Every PHQ-9 (depression) reading").get_by_text(
            "Needs action"
        )
    ).to_be_visible()
    assert_accessible(page)

    referral.refresh_from_db()
    assert referral.stage.name == "Treatment"
    assert list(referral.stage_changes.values_list("stage__name", flat=True)) == [
        "Referral",
        *stages,
    ]


def test_a_father_in_two_households_shows_both_on_his_record(page: Page, alice, father):
    """Dean joins a second household of alice's team (WREN-2, bob's), where Wynn lives. His
    DMT worker sees both households on his record but not Wynn, whose family he does not
    work with; alice, who may read WREN-2, sees Wynn and opens the family from the record."""
    worker = UserFactory(
        username="dan",
        first_name="Dan",
        last_name="Price",
        role=Role.SPECIALIST,
        pathway=SpecialistPathway.DMT,
    )
    referral = allocated_referral(father, "dmt", worker, alice)
    bob = UserFactory(username="bob", first_name="Bob", role=Role.SOCIAL_WORKER, team=alice.team)
    wren = family_create(
        reference="WREN-2",
        locality=alice.team.locality,
        team=alice.team,
        social_worker=bob,
        opened_on=days_ago(300),
        acting_user=bob,
    )
    person_create(
        family=wren,
        role=Membership.Role.CHILD,
        given_name="Wynn",
        family_name="Wren",
        date_of_birth=datetime.date(2022, 8, 1),
        acting_user=bob,
    )
    membership_add(
        person=father,
        family=wren,
        role=Membership.Role.FATHER_FIGURE,
        joined_on=days_ago(20),
        acting_user=bob,
    )

    sign_in(page, "dan", "Your work")
    page.goto(f"/referrals/{referral.pk}/")
    households = page.get_by_role("table", name="Dean's households")
    expect(
        households.get_by_role("row", name=re.compile("This referral's family"))
    ).to_contain_text("DMT-1")
    other = households.get_by_role("row", name=re.compile("Another household"))
    expect(other).to_contain_text("WREN-2")
    expect(other).to_contain_text("Father figure")
    expect(other).to_contain_text("Not shown to you")
    expect(other).to_contain_text("Not open to you")
    expect(page.get_by_text("Wynn")).to_have_count(0)
    assert_accessible(page)

    sign_in(page, "alice")
    page.goto(f"/referrals/{referral.pk}/")
    other = page.get_by_role("table", name="Dean's households").get_by_role(
        "row", name=re.compile("Another household")
    )
    expect(other).to_contain_text("Wynn Wren")
    assert_accessible(page)
    other.get_by_role("link", name="Open WREN-2").click()
    expect(page.get_by_role("heading", name="Wren — Wynn")).to_be_visible()
