"""Families that come back and families that move on, in the browser.

A social worker closes a family with her manager's approval and, two months later, records
the family's re-referral: the family page shows both periods and the re-referral flag, and
so does the team's caseload. A team manager transfers a family to a worker in another team:
the new worker finds it on their caseload with the handover note; the old one no longer can.
"""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import Role
from families.models import Family, InvolvementPeriod, LegalStatus, Transfer
from families.services import child_status_change
from tests.factories import FamilyFactory, PersonFactory, TeamFactory, UserFactory

from .conftest import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def west():
    team = TeamFactory(name="SASS West 1", locality__name="West")
    UserFactory(
        username="sam", first_name="Sam", last_name="Okafor", role=Role.SOCIAL_WORKER, team=team
    )
    UserFactory(
        username="tess", first_name="Tess", last_name="Hale", role=Role.TEAM_MANAGER, team=team
    )
    return team


def a_family(team, reference: str, *, days_open: int) -> Family:
    opened = timezone.localdate() - datetime.timedelta(days=days_open)
    family = FamilyFactory(
        reference=reference,
        team=team,
        social_worker=team.members.get(username="sam"),
        opened_on=opened,
    )
    amy = PersonFactory(family=family, given_name="Amy", family_name="Marsh")
    child_status_change(child=amy, status=LegalStatus.CIN, start_date=opened, acting_user=None)
    return family


def family_page(page: Page, family: Family) -> None:
    page.goto(f"/families/{family.pk}/")


def test_close_a_family_and_record_its_re_referral_two_months_later(page: Page, west):
    family = a_family(west, "BACK-1", days_open=300)
    closing_on = timezone.localdate() - datetime.timedelta(days=61)

    # The social worker asks to close the case, two months ago.
    sign_in(page, "sam", "Your caseload")
    family_page(page, family)
    page.get_by_role("link", name="Close this case").click()
    assert_accessible(page)
    page.get_by_label("Closing date").fill(closing_on.isoformat())
    page.get_by_label("Stepped down to early help").check()
    page.get_by_label("Closing summary").fill(
        "Amy is settled at school; early help will support mum."
    )
    page.get_by_role("button", name="Send for approval").click()
    expect(page.get_by_text("Closure waiting for approval")).to_be_visible()

    # Her manager approves it from the family page.
    sign_in(page, "tess")
    family_page(page, family)
    assert_accessible(page)
    page.get_by_label("Approve: close the case").check()
    page.get_by_role("button", name="Save decision").click()
    expect(
        page.get_by_text(re.compile(r"Closed on .*: Stepped down to early help"))
    ).to_be_visible()

    # Today, the school refers the family again.
    sign_in(page, "sam", "Your caseload")
    family_page(page, family)
    page.get_by_role("link", name="Record a re-referral").click()
    assert_accessible(page)
    page.get_by_label("Date of the new referral").fill(timezone.localdate().isoformat())
    page.get_by_label("Who made the referral").select_option(label="Schools")
    page.get_by_label("Why the family was referred again").fill(
        "Amy has missed three weeks of school and told her teacher about shouting at home."
    )
    page.get_by_role("button", name="Open a new period").click()

    expect(page.get_by_text("Re-referral recorded: the case is open again.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Re-referral")
    periods = page.get_by_role("table").filter(has=page.get_by_role("columnheader", name="Closed"))
    expect(periods.get_by_role("row")).to_have_count(3)  # the header and two periods
    expect(periods).to_contain_text("Open now")
    expect(periods).to_contain_text("Re-referral within 12 months")
    expect(periods).to_contain_text("Amy has missed three weeks of school")
    expect(periods).to_contain_text("Stepped down to early help")
    assert_accessible(page)

    # The team's caseload flags it too (it waits for the manager to allocate it).
    sign_in(page, "tess")
    page.goto("/families/?show=team")
    expect(page.get_by_role("row", name=re.compile("BACK-1"))).to_contain_text("Re-referral")
    assert_accessible(page)

    assert InvolvementPeriod.objects.get(family=family).closed_on == closing_on


def test_a_team_manager_transfers_a_family_to_a_colleague_in_another_team(page: Page, west):
    east = TeamFactory(name="SASS East 1", locality__name="East")
    wendy = UserFactory(
        username="wendy",
        first_name="Wendy",
        last_name="Adeyemi",
        role=Role.SOCIAL_WORKER,
        team=east,
    )
    family = a_family(west, "MOVE-1", days_open=120)

    sign_in(page, "tess")
    family_page(page, family)
    page.get_by_role("link", name="Transfer this family to another team or worker").click()
    assert_accessible(page)
    page.get_by_label("Team taking the family").select_option(str(east.pk))
    page.get_by_label("Social worker taking the family (optional)").select_option(str(wendy.pk))
    page.get_by_label("Handover note").fill(
        "Amy's dad works nights: visit after 4pm. Next core group on the 14th."
    )
    page.get_by_role("button", name=re.compile("Transfer")).click()
    expect(page.get_by_text("MOVE-1 transferred to SASS East 1.")).to_be_visible()

    # The new worker finds the family on her caseload, with the handover note.
    sign_in(page, "wendy", "Your caseload")
    page.goto("/families/")
    page.get_by_role("row", name=re.compile("MOVE-1")).get_by_role("link").first.click()
    expect(page.get_by_role("heading", name="Transfers")).to_be_visible()
    expect(page.get_by_text("Amy's dad works nights: visit after 4pm.")).to_be_visible()
    expect(
        page.get_by_text(
            re.compile("from SASS West 1 \\(Sam Okafor\\) to SASS East 1 \\(Wendy Adeyemi\\)")
        )
    ).to_be_visible()
    assert_accessible(page)

    # The previous worker's access ended on the transfer date.
    sign_in(page, "sam", "Your caseload")
    family_page(page, family)
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    assert Transfer.objects.get(family=family).to_worker.username == "wendy"
