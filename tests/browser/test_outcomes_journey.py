"""Outcomes in a real browser: the service manager opens the dashboard, asks for the
engagement report by cohort, watches it finish, reads the comparison of the cohorts, opens the
cases behind a figure, downloads the report as Excel and opens the page for committee papers.
A run still in the queue shows its progress and the page reloads itself once it finishes.
Axe passes on every outcome page, the request form with its errors included.

The live server runs Celery tasks eagerly (settings.test), so a report asked for is computed
before its page opens; the queued run of the second test is made by hand.
"""

import datetime
import io
import re

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from accounts.models import Role
from outcomes.models import ReportRun
from outcomes.reports import ReportParameters, compute
from outcomes.services import dashboards_refresh, request_key, run_parameters
from referrals.models import Engagement
from tests.factories import TeamFactory, UserFactory
from tests.outcomes_pages.conftest import build_family

from .conftest import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def council():
    """Two teams; in each, nine Pilot and nine Later families whose fathers were referred to
    Dads Matter Too: all but one Pilot father engaged, five Later ones. (Not every Pilot
    father: a rate of 100% would say how many did not engage, so it would be suppressed.)
    The standard figures are computed, as the nightly refresh would."""
    today = timezone.localdate()
    west = TeamFactory(name="SASS West 1", locality__name="West")
    chesil = TeamFactory(name="SASS Chesil", locality__name="Chesil")
    alice = UserFactory(username="alice", first_name="Alice", role=Role.SOCIAL_WORKER, team=west)
    manager = UserFactory(
        username="sam", first_name="Sam", last_name="Lead", role=Role.SERVICE_MANAGER
    )
    for team in (west, chesil):
        for index in range(18):
            cohort = "Pilot" if index % 2 else "Later"
            engaged = index % 4 == 0 if cohort == "Later" else index != 17
            build_family(
                team,
                cohort=cohort,
                today=today,
                social_worker=alice,
                engagement=Engagement.ENGAGED if engaged else Engagement.NOT_ENGAGED,
            )
    dashboards_refresh(acting_user=None)
    return manager


def assert_charts_drawn_to_scale(page: Page) -> None:
    """Each bar and interval takes its length from its dmt-width-N class (the CSP refuses
    style attributes): N per cent of its track, give or take the rounding."""
    drawn = page.evaluate(
        """() => [...document.querySelectorAll("[class*='dmt-width-']")].map((element) => [
          Number(element.className.match(/dmt-width-(\\d+)/)[1]),
          (100 * element.getBoundingClientRect().width) /
            element.parentElement.getBoundingClientRect().width,
        ])"""
    )
    # Short bars are held at a minimum width, so their label fits.
    measurable = [(wanted, shown) for wanted, shown in drawn if wanted >= 10]
    assert measurable, "no chart on the page"
    assert all(abs(wanted - shown) < 1 for wanted, shown in measurable), measurable


def test_the_service_manager_compares_cohorts_drills_into_a_figure_and_exports_it(
    page: Page, council
):
    sign_in(page, "sam", "The whole council")
    page.get_by_role("link", name="Open the outcomes dashboard").click()
    expect(page.get_by_role("heading", name="Outcomes", level=1)).to_be_visible()
    expect(page.get_by_text("Fathers approached")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Ask for a report").click()
    page.get_by_role("button", name="Ask for the report").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select a report")
    assert_accessible(page)

    page.get_by_label("Engagement", exact=True).check()
    page.get_by_label("Pathway (optional)").select_option("dmt")
    page.get_by_label("Break down by (optional)").select_option("cohort")
    page.get_by_role("button", name="Ask for the report").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Engagement as of")
    expect(page.locator("[data-run-status-text]")).to_have_text("Finished")
    expect(page.get_by_role("heading", name="Comparison by cohort")).to_be_visible()
    sentence = page.locator(".dmt-comparison-sentence").first
    expect(sentence).to_contain_text("Engagement rate")
    expect(sentence).to_contain_text("more than chance alone would explain")
    assert_accessible(page)
    assert_charts_drawn_to_scale(page)
    run_url = page.url

    # 36 approached, all decided: shown beside the 36 the rate is out of, it would say that
    # none is new, so it is suppressed, and the engaged are opened instead.
    page.get_by_role("link", name=re.compile(r"^26\W+see the records, Engaged$")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Records behind “Engaged”")
    expect(page.get_by_text("26 interventions you may see")).to_be_visible()
    assert_accessible(page)

    page.go_back()
    assert page.url == run_url
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download as Excel (XLSX)").click()
    download = download_info.value
    assert download.suggested_filename.startswith("dmt-engagement-by-cohort-")
    book = load_workbook(io.BytesIO(download.path().read_bytes()))
    figures = {row[0]: row[1] for row in book["Engagement"].iter_rows(values_only=True)}
    assert figures["Approached"] == "Suppressed"
    assert figures["Engaged"] == 26

    page.get_by_role("link", name="Printable page for committee papers").click()
    expect(page.get_by_role("heading", name="Definitions")).to_be_visible()
    expect(page.get_by_text("Generated")).to_be_visible()
    assert page.locator(".govuk-service-navigation").count() == 0
    assert_accessible(page)

    page.goto("/outcomes/runs/")
    expect(page.get_by_role("heading", name="Recent reports")).to_be_visible()
    assert_accessible(page)


def test_a_queued_run_shows_its_progress_and_the_page_reloads_when_it_finishes(page: Page, council):
    as_of = timezone.localdate() - datetime.timedelta(days=1)
    params = ReportParameters.parse(as_of=as_of)
    parameters = run_parameters(params, None)
    run = ReportRun.objects.create(
        report="pathways",
        parameters=parameters,
        key=request_key("pathways", parameters),
        requested_by=council,
    )
    sign_in(page, "sam", "The whole council")

    page.goto(f"/outcomes/runs/{run.pk}/")
    expect(page.locator("[data-run-status-text]")).to_have_text("Queued")
    expect(page.get_by_role("link", name="Refresh")).to_be_visible()
    assert_accessible(page)

    ReportRun.objects.filter(pk=run.pk).update(status=ReportRun.Status.RUNNING, progress=50)
    expect(page.locator("[data-run-progress-text]")).to_have_text("50% done.")
    expect(page.locator("[data-run-status-text]")).to_have_text("Running")

    now = timezone.now()
    ReportRun.objects.filter(pk=run.pk).update(
        status=ReportRun.Status.SUCCEEDED,
        progress=100,
        started_at=now,
        finished_at=now,
        result=compute("pathways", params),
    )
    expect(page.locator("[data-run-status-text]")).to_have_text("Finished")
    expect(page.get_by_role("table", name="Pathways")).to_be_visible()
    assert_accessible(page)
