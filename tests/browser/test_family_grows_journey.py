"""A family grows: a father found later is named from the family page's prompt; a pregnancy
is recorded, the unborn child goes on a pre-birth child protection plan, then is born."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import Role
from families.models import Membership, Person, Relationship, StatusEpisode
from families.services import family_create, person_create
from tests.factories import TeamFactory, UserFactory

from .conftest import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TODAY = timezone.localdate()


@pytest.fixture
def social_worker():
    team = TeamFactory(name="SASS West 1", locality__name="West")
    return UserFactory(
        username="sam", first_name="Sam", last_name="Okafor", role=Role.SOCIAL_WORKER, team=team
    )


def a_family(worker, reference: str):
    return family_create(
        reference=reference,
        locality=worker.team.locality,
        team=worker.team,
        social_worker=worker,
        opened_on=TODAY - datetime.timedelta(days=30),
        acting_user=worker,
    )


@pytest.fixture
def smiths(social_worker):
    family = a_family(social_worker, "GROW-1")
    person_create(
        family=family,
        role=Membership.Role.MOTHER,
        given_name="Sara",
        family_name="Smith",
        acting_user=social_worker,
    )
    person_create(
        family=family,
        role=Membership.Role.CHILD,
        given_name="Amy",
        family_name="Smith",
        date_of_birth=datetime.date(2020, 5, 1),
        acting_user=social_worker,
    )
    return family


def test_a_father_found_later_is_named_and_the_prompt_goes(page: Page, social_worker, smiths):
    elsewhere = a_family(social_worker, "GROW-2")
    dev = person_create(
        family=elsewhere,
        role=Membership.Role.FATHER,
        given_name="Dev",
        family_name="Patel",
        date_of_birth=datetime.date(1990, 1, 1),
        acting_user=social_worker,
    )
    sign_in(page, "sam", "Your caseload")
    page.goto(f"/families/{smiths.pk}/")
    expect(page.get_by_text("Father not named for Amy")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Add Amy's father").click()
    expect(page.get_by_role("heading", name="Add Amy's father")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Find someone already recorded").fill("Patel")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_text("1 person found")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Dev Patel, born 1 January 1990 (recorded in GROW-2)").check()
    page.get_by_label("Birth parent").check()
    page.get_by_label("Father", exact=True).check()
    page.get_by_role("button", name="Save Amy's father").click()

    expect(page.get_by_text("Dev Patel is recorded as Amy's birth parent.")).to_be_visible()
    expect(page.get_by_text("Father not named for Amy")).to_have_count(0)
    expect(page.get_by_role("row", name="Amy Smith")).to_contain_text("Dev Patel")
    assert_accessible(page)
    assert Relationship.objects.get(relative__given_name="Amy").person == dev
    assert Person.objects.filter(given_name="Dev").count() == 1


def test_a_pregnancy_a_pre_birth_plan_and_the_birth(page: Page, social_worker, smiths):
    expected = TODAY + datetime.timedelta(days=10)
    sign_in(page, "sam", "Your caseload")
    page.goto(f"/families/{smiths.pk}/")

    page.get_by_role("link", name="Record a pregnancy").click()
    expect(page.get_by_role("heading", name="Record a pregnancy")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Record the pregnancy").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose the mother")
    assert_accessible(page)
    page.get_by_label("Sara Smith").check()
    page.get_by_label("Expected date of delivery").fill(expected.isoformat())
    page.get_by_role("button", name="Record the pregnancy").click()

    row = page.get_by_role("row", name="Baby Smith")
    expect(row).to_contain_text("Unborn: expected")
    assert_accessible(page)

    # A pre-birth child protection plan: the unborn child's status moves to CP.
    page.get_by_role("link", name="Change status for Baby").click()
    expect(page.get_by_label("Looked after")).to_have_count(0)
    assert_accessible(page)
    page.get_by_label("Child protection").check()
    page.get_by_label("From").fill(TODAY.isoformat())
    page.get_by_role("button", name="Save status").click()
    expect(page.get_by_role("row", name="Baby Smith")).to_contain_text("Child protection")

    # The birth: the same record, renamed, with its status carried on.
    page.get_by_role("link", name="Record the birth of Baby Smith").click()
    expect(page.get_by_role("heading", name="Record the birth of Baby Smith")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Date of birth").fill(TODAY.isoformat())
    page.get_by_label("Given name").fill("Lily")
    page.get_by_label("Female").check()
    page.get_by_role("button", name="Record the birth").click()

    expect(page.get_by_text("Lily Smith's birth is recorded.")).to_be_visible()
    row = page.get_by_role("row", name="Lily Smith")
    expect(row).to_contain_text("Child protection")
    expect(page.get_by_text("Unborn: expected")).to_have_count(0)
    assert_accessible(page)
    lily = Person.objects.get(given_name="Lily")
    assert (lily.date_of_birth, lily.expected_on) == (TODAY, expected)
    assert StatusEpisode.objects.get(child=lily).status == "cp"


def test_adding_a_person_and_recording_a_leaving_pass_axe(page: Page, social_worker, smiths):
    today = timezone.localdate()  # not the module's TODAY: the suite may cross midnight
    sign_in(page, "sam", "Your caseload")
    page.goto(f"/families/{smiths.pk}/")
    page.get_by_role("link", name="Add a person").click()
    assert_accessible(page)
    page.get_by_label("Given name").fill("Gwen")
    page.get_by_label("Carer").check()
    page.get_by_role("button", name="Add to the family").click()
    expect(page.get_by_text("Gwen added to the family.")).to_be_visible()

    page.get_by_role("link", name="Record that Gwen left").click()
    assert_accessible(page)
    page.get_by_label("Date they left").fill((today + datetime.timedelta(days=2)).isoformat())
    page.get_by_role("button", name="Record that they left").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("cannot be in the future")
    assert_accessible(page)
    page.get_by_label("Date they left").fill(today.isoformat())
    page.get_by_role("button", name="Record that they left").click()
    expect(page.get_by_role("table", name="People who have left the family")).to_contain_text(
        "Gwen"
    )
