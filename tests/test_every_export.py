"""Every export, found from the URL patterns, downloaded by a user allowed it after records were
given formula-like names: no cell of any CSV or XLSX starts as a formula.

An export is found two ways, so a new one cannot slip past: its view is marked
@dmt.exports.export_view, or its route or URL name looks like an export (csv, xlsx,
export...). Each must have a scenario below, which gives the records it exports the names in
FORMULAS and downloads it. (tests/conftest.py also fails any test that downloads a
spreadsheet not written by dmt.exports in a marked view.)
"""

import csv
import datetime
import io
import re
import unicodedata
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import Role, SpecialistPathway
from families.models import Membership
from outcomes.reports import ReportParameters
from outcomes.services import report_run_execute, report_run_request
from referrals.models import Engagement, Pathway, Referral

from .conftest import signed_in
from .factories import FamilyFactory, LocalityFactory, PersonFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

FORMULAS = [
    '=HYPERLINK("http://x","y")',
    "+1",
    "-1+1",
    "@SUM(1)",
    "\t=1",
    "\r=1",
    " =1",
    "\uff1d1",  # a full-width "=", which Excel reads as "=" in East Asian locales
]
LOOKS_LIKE_AN_EXPORT = re.compile(r"csv|xlsx?|ods\b|export|spreadsheet", re.IGNORECASE)


# --- Finding the exports ----------------------------------------------------------------------


def _url_patterns(
    resolver: URLResolver, route: str = "", namespace: str = ""
) -> Iterator[tuple[str, str | None, Callable[..., Any]]]:
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _url_patterns(pattern, route + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}{pattern.name}" if pattern.name else None
            yield route + str(pattern.pattern), name, pattern.callback


def _is_marked(view: Callable[..., Any]) -> bool:
    while view is not None:
        if getattr(view, "sends_export", False):
            return True
        view = getattr(view, "__wrapped__", None)
    return False


def discovered_exports() -> dict[str, str]:
    """URL name (or route, for an unnamed pattern) -> why it counts as an export."""
    found = {}
    for route, name, view in _url_patterns(get_resolver()):
        if _is_marked(view):
            found[name or route] = "marked @export_view"
        elif LOOKS_LIKE_AN_EXPORT.search(route) or LOOKS_LIKE_AN_EXPORT.search(name or ""):
            found[name or route] = f"route {route!r} looks like an export but is not marked"
    return found


# --- Scenarios: records with formula-like names, and a download --------------------------------


def families_caseload() -> tuple[Client, str]:
    locality = LocalityFactory(name="-1+1")
    team = TeamFactory(name="@SUM(1)", locality=locality)
    worker = UserFactory(role=Role.SOCIAL_WORKER, team=team, first_name="+1", last_name="x")
    for reference in FORMULAS:
        FamilyFactory(reference=reference, team=team, social_worker=worker)
    return signed_in(worker), reverse("families:caseload_export")


def referrals_caseload() -> tuple[Client, str]:
    practitioner = UserFactory(role=Role.SPECIALIST, pathway=SpecialistPathway.SUBSTANCE_USE)
    today = timezone.localdate()
    for number, text in enumerate(FORMULAS):
        family = FamilyFactory(reference=f"EXP-{number}")
        person = PersonFactory(
            family=family,
            role=Membership.Role.FATHER,
            given_name=text,
            family_name=text,
            address=text,
            phone=text,
        )
        Referral.objects.create(
            reference=f"EXP-R{number}",
            person=person,
            family=family,
            pathway=Pathway.objects.get(code="substance_use"),
            referred_on=today - datetime.timedelta(days=30),
            allocated_on=today - datetime.timedelta(days=20),
            practitioner=practitioner,
            engagement=Engagement.ENGAGED,
        )
    return signed_in(practitioner), reverse("referrals:caseload_export")


def _outcome_run(by: str) -> tuple[Client, int]:
    """An engagement report broken down by cohort (each family's named from FORMULAS) or by
    team (each named so, and the report asked for the formula-like cohort they share)."""
    today = timezone.localdate()
    manager = UserFactory(role=Role.SERVICE_MANAGER)
    for number, text in enumerate(FORMULAS):
        team = TeamFactory(name=text)
        family = FamilyFactory(
            reference=f"OUT-{number}",
            team=team,
            cohort=text if by == "cohort" else FORMULAS[0],
            opened_on=today - datetime.timedelta(days=200),
        )
        father = PersonFactory(family=family, role=Membership.Role.FATHER)
        Referral.objects.create(
            reference=f"OUT-R{number}",
            person=father,
            family=family,
            pathway=Pathway.objects.get(code="dmt"),
            referred_on=today - datetime.timedelta(days=150),
            allocated_on=today - datetime.timedelta(days=143),
            engagement=Engagement.ENGAGED,
        )
    params = ReportParameters.parse(as_of=today, cohort=None if by == "cohort" else FORMULAS[0])
    run = report_run_execute(
        report_run_request(report="engagement", params=params, by=by, acting_user=manager)
    )
    assert run.result, run.error
    return signed_in(manager), run.pk


def outcomes_csv() -> tuple[Client, str]:
    client, pk = _outcome_run("cohort")
    return client, reverse("outcomes:export_csv", args=[pk])


def outcomes_xlsx() -> tuple[Client, str]:
    client, pk = _outcome_run("team")
    return client, reverse("outcomes:export_xlsx", args=[pk])


SCENARIOS: dict[str, Callable[[], tuple[Client, str]]] = {
    "families:caseload_export": families_caseload,
    "referrals:caseload_export": referrals_caseload,
    "outcomes:export_csv": outcomes_csv,
    "outcomes:export_xlsx": outcomes_xlsx,
}


# --- Reading a download back -------------------------------------------------------------------


def cells_of(response) -> list[str]:
    """Every text cell of a CSV or XLSX download (an XLSX formula cell fails here)."""
    if response["Content-Type"].startswith("text/csv"):
        rows = csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline=""))
        return [cell for row in rows for cell in row]
    book = load_workbook(io.BytesIO(response.content))
    cells = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} is a formula"
                if isinstance(cell.value, str):
                    cells.append(cell.value)
    return cells


def runs_as_a_formula(text: str) -> bool:
    """The spreadsheet's view, written apart from dmt.exports: the first character, or the
    first visible one in its compatibility form, starts a formula."""
    if text[:1] in ("=", "+", "-", "@", "\t", "\r", "\n", "\x00"):
        return True
    visible = text.lstrip().lstrip("\u200b\ufeff")
    return unicodedata.normalize("NFKC", visible[:1]) in ("=", "+", "-", "@")


# --- The tests ---------------------------------------------------------------------------------


def test_every_export_is_found_and_has_a_scenario():
    found = discovered_exports()

    unmarked = {name: why for name, why in found.items() if "not marked" in why}
    assert unmarked == {}, "Mark these views @export_view and send them with dmt.exports"
    assert sorted(found) == sorted(SCENARIOS), (
        "Each export needs a scenario in tests/test_every_export.py that names its records "
        "with FORMULAS and downloads it"
    )


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_no_cell_of_an_export_starts_as_a_formula(name):
    client, url = SCENARIOS[name]()

    response = client.get(url)

    assert response.status_code == 200
    cells = cells_of(response)
    running = [cell for cell in cells if runs_as_a_formula(cell)]
    assert running == [], f"{name} writes formulas: {running}"
    # The formula-like names did reach the file, escaped.
    for text in FORMULAS:
        escaped = [cell for cell in cells if cell.startswith("'") and text.strip() in cell]
        assert escaped, f"{name}: {text!r} is not in the file"
