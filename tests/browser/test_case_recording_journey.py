"""A social worker creates a family, records a visit by keyboard, steps a child down."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import Role
from families.models import Contact, Family, Membership, Person, StatusEpisode
from tests.factories import TeamFactory, UserFactory

from .conftest import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def social_worker():
    team = TeamFactory(name="SASS West 1", locality__name="West")
    return UserFactory(
        username="sam", first_name="Sam", last_name="Okafor", role=Role.SOCIAL_WORKER, team=team
    )


class KeyCounter:
    """Presses keys on the page and counts them, to report what a visit note costs."""

    def __init__(self, page: Page) -> None:
        self.page, self.presses = page, 0

    def press(self, key: str, times: int = 1) -> None:
        for _ in range(times):
            self.page.keyboard.press(key)
            self.presses += 1


def test_create_a_family_record_a_visit_and_step_a_child_down(page: Page, social_worker, capsys):
    opened = timezone.localdate() - datetime.timedelta(days=30)
    sign_in(page, "sam", "Your caseload")

    # Create the family with two children and their father in one form.
    page.get_by_role("link", name="Caseload", exact=True).click()
    page.get_by_role("link", name="Add a family").click()
    assert_accessible(page)
    page.locator("#id_reference").fill("JOURNEY-1")
    page.locator("#id_opened_on").fill(opened.isoformat())
    for index, (name, born) in enumerate([("Amy", "2019-03-03"), ("Ben", "2021-07-14")]):
        page.locator(f"#id_child-{index}-given_name").fill(name)
        page.locator(f"#id_child-{index}-family_name").fill("Journey")
        page.locator(f"#id_child-{index}-date_of_birth").fill(born)
        page.locator(f"#id_child-{index}-status").select_option("cp")
    page.locator("#id_adult-0-role").select_option("father")
    page.locator("#id_adult-0-given_name").fill("Dean")
    page.locator("#id_adult-0-family_name").fill("Journey")
    page.locator("#id_adult-0-sex").select_option("male")
    page.get_by_role("button", name="Create the case").click()

    expect(page.get_by_role("heading", name="Journey — Amy, Ben")).to_be_visible()
    expect(page.get_by_role("row", name="Amy Journey")).to_contain_text("Child protection")
    expect(page.get_by_role("row", name="Ben Journey")).to_contain_text("Dean Journey")
    expect(page.get_by_text("No contact details for Dean, Amy's father")).to_be_visible()
    assert_accessible(page)

    # Record a home visit with the keyboard only, counting every key but the note's letters.
    page.get_by_role("link", name="Record a contact").click()
    expect(page.get_by_role("heading", name="Record a contact")).to_be_visible()
    assert_accessible(page)
    keys = KeyCounter(page)
    keys.press("Tab")  # the skip link
    keys.press("Enter")  # into the form
    keys.press("Tab")  # the type of contact: Home visit is already chosen
    keys.press("Tab")  # who was seen: the first person
    keys.press("Space")
    keys.press("Tab")
    keys.press("Space")
    keys.press("Tab", 2)  # past the father, to children seen alone
    keys.press("Space")
    keys.press("Tab", 2)  # to the note
    note = "Seen Amy alone in her room; she talked about school. Home warm and tidy."
    page.keyboard.type(note)
    keys.press("Control+Enter")

    expect(page.get_by_role("heading", name="Journey — Amy, Ben")).to_be_visible()
    expect(page.get_by_text("Contact recorded.")).to_be_visible()
    contact = Contact.objects.get(family__reference="JOURNEY-1")
    assert contact.note == note
    assert contact.kind == "home_visit"
    assert {person.given_name for person in contact.people_seen.all()} == {"Amy", "Ben"}
    assert [person.given_name for person in contact.children_seen_alone.all()] == ["Amy"]
    with capsys.disabled():
        print(
            f"\n[keystrokes] a typical visit note: 1 click and {keys.presses} keys "
            f"besides the note's own text"
        )

    # Step Amy down from child protection to child in need.
    page.get_by_role("link", name="Change status for Amy").click()
    assert_accessible(page)
    page.get_by_label("Child in need").check()
    page.get_by_label("From").fill(timezone.localdate().isoformat())
    page.get_by_role("button", name="Save status").click()

    expect(page.get_by_text("Amy's status is updated.")).to_be_visible()
    timeline = page.locator(".moj-timeline")
    expect(timeline).to_contain_text("Amy: Child in need")
    expect(timeline).to_contain_text("Home visit")
    expect(timeline).to_contain_text(note)
    assert_accessible(page)
    amy = Person.objects.get(given_name="Amy", memberships__family__reference="JOURNEY-1")
    assert list(StatusEpisode.objects.filter(child=amy).values_list("status", "end_date")) == [
        ("cp", timezone.localdate() - datetime.timedelta(days=1)),
        ("cin", None),
    ]
    assert Family.objects.get(reference="JOURNEY-1").social_worker == social_worker


def test_a_note_survives_a_lost_connection_and_is_offered_back(page: Page, social_worker):
    family = Family.objects.create(
        reference="DRAFT-1",
        locality=social_worker.team.locality,
        team=social_worker.team,
        social_worker=social_worker,
        opened_on=timezone.localdate(),
    )
    sign_in(page, "sam", "Your caseload")
    page.goto(f"/families/{family.pk}/contacts/new/")
    page.get_by_label("What happened").fill("A long assessment typed at 9pm")
    expect(page.get_by_text("Draft saved at")).to_be_visible()

    # The server kept it: a fresh visit to the form offers it back.
    page.goto(f"/families/{family.pk}/")
    page.goto(f"/families/{family.pk}/contacts/new/")
    expect(page.get_by_text("You have unsaved text from")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Restore it").click()
    expect(page.get_by_label("What happened")).to_have_value("A long assessment typed at 9pm")


def test_every_case_recording_page_passes_axe(page: Page, social_worker):
    from families.services import child_status_change, family_create, person_create, plan_create

    family = family_create(
        reference="AXE-1",
        locality=social_worker.team.locality,
        team=social_worker.team,
        social_worker=social_worker,
        opened_on=timezone.localdate() - datetime.timedelta(days=9),
        acting_user=social_worker,
    )
    dad = person_create(
        family=family, role=Membership.Role.FATHER, given_name="Dean", acting_user=social_worker
    )
    amy = person_create(
        family=family,
        role=Membership.Role.CHILD,
        given_name="Amy",
        father=dad,
        date_of_birth=datetime.date(2019, 3, 3),
        acting_user=social_worker,
    )
    child_status_change(
        child=amy, status="cp", start_date=family.opened_on, acting_user=social_worker
    )
    plan = plan_create(child=amy, kind="cp", started_on=family.opened_on, acting_user=social_worker)
    sign_in(page, "sam", "Your caseload")

    for path in [
        "/families/?show=team",
        "/families/search/?q=Amy",
        f"/families/{family.pk}/",
        f"/families/{family.pk}/chronology/",
        f"/families/{family.pk}/people/{amy.pk}/edit/",
        f"/families/{family.pk}/children/{amy.pk}/father-inclusion/",
        f"/families/{family.pk}/children/{amy.pk}/plans/new/",
        f"/families/{family.pk}/plans/{plan.pk}/actions/new/",
        f"/families/{family.pk}/close/",
    ]:
        page.goto(path)
        expect(page.locator("h1")).to_be_visible()
        assert_accessible(page)

    # An error summary is accessible too.
    page.goto(f"/families/{family.pk}/close/")
    page.get_by_label("Closing date").fill("")
    page.get_by_role("button", name="Send for approval").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the closing date")
    assert_accessible(page)


def test_a_note_saved_after_the_session_expired_is_kept_and_offered_back(page: Page, social_worker):
    family = Family.objects.create(
        reference="EXPIRED-1",
        locality=social_worker.team.locality,
        team=social_worker.team,
        social_worker=social_worker,
        opened_on=timezone.localdate(),
    )
    sign_in(page, "sam", "Your caseload")
    page.goto(f"/families/{family.pk}/contacts/new/")
    page.get_by_label("What happened").fill("Written while the session ran out")
    page.context.clear_cookies(name="sessionid")  # the session has expired
    page.get_by_role("button", name="Save contact").click()

    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    sign_in(page, "sam", on_this_page=True)

    # Signing in returns to the form, which offers back what this device kept.
    expect(page.get_by_text("This device kept unsaved text from")).to_be_visible()
    page.get_by_role("button", name="Restore it").click()
    expect(page.get_by_label("What happened")).to_have_value("Written while the session ran out")
    page.get_by_role("button", name="Save contact").click()
    expect(page.get_by_text("Contact recorded.")).to_be_visible()
    assert Contact.objects.get(family=family).note == "Written while the session ran out"

    # Once recorded, the device's copy is not offered again.
    page.goto(f"/families/{family.pk}/contacts/new/")
    expect(page.get_by_role("heading", name="Record a contact")).to_be_visible()
    expect(page.locator("[data-draft-banner]")).to_be_hidden()


def test_a_device_copy_is_never_offered_to_another_worker_and_goes_at_sign_out(
    page: Page, social_worker
):
    colleague = UserFactory(username="bea", role=Role.SOCIAL_WORKER, team=social_worker.team)
    family = Family.objects.create(
        reference="SHARED-1",
        locality=social_worker.team.locality,
        team=social_worker.team,
        social_worker=social_worker,
        opened_on=timezone.localdate(),
    )
    sign_in(page, "sam", "Your caseload")
    page.goto(f"/families/{family.pk}/contacts/new/")
    page.get_by_label("What happened").fill("Sam's private note")
    expect(page.get_by_text("Draft saved at")).to_be_visible()
    kept = "Object.keys(localStorage).filter((k) => k.startsWith('dmt-draft:')).length"
    assert page.evaluate(kept) == 1  # the device holds a copy of Sam's note
    page.context.clear_cookies(name="sessionid")  # Sam walks away; his session expires

    # Bea signs in on the same computer: Sam's note is not offered to her.
    sign_in(page, colleague.username, "Your caseload")
    page.goto(f"/families/{family.pk}/contacts/new/")
    expect(page.get_by_role("heading", name="Record a contact")).to_be_visible()
    expect(page.locator("[data-draft-banner]")).to_be_hidden()

    # Signing out clears what the device kept.
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert (
        page.evaluate("Object.keys(localStorage).filter((k) => k.startsWith('dmt-draft:')).length")
        == 0
    )
    assert colleague.pk != social_worker.pk
