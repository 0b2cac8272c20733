"""The case import page in real Chromium with axe: upload, a refused bundle's problems, the
preview, and the confirmation, for a member of staff holding the import permission."""

import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from accounts.models import Role
from caseimport import views as import_views
from families.models import Family
from tests.factories import PASSWORD, UserFactory

from .conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PILOT = Path(__file__).resolve().parent.parent / "fixtures" / "dmt-pilot"


def zip_of_pilot(path: Path, **replacements: str) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for file in sorted(PILOT.glob("*.csv")):
            archive.writestr(file.name, replacements.get(file.name, file.read_text()))
    return path


def test_upload_preview_and_import_a_bundle(page: Page, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(import_views, "PENDING_IMPORTS_DIR", tmp_path / "pending")
    UserFactory(username="mig", first_name="Mia", role=Role.BUSINESS_SUPPORT, can_import_cases=True)
    page.goto("/sign-in/")
    page.get_by_label("Username").fill("mig")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.get_by_role("link", name="Import cases").click()
    expect(page.get_by_role("heading", name="Import cases")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("button", name="Preview the import").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Choose a .zip file holding the bundle"
    )
    assert_accessible(page)

    episodes = (PILOT / "status_episodes.csv").read_text() + "P000002,cp,2022-03-01,\n"
    refused = zip_of_pilot(tmp_path / "refused.zip", **{"status_episodes.csv": episodes})
    page.get_by_label("Case bundle (.zip)").set_input_files(str(refused))
    page.get_by_role("button", name="Preview the import").click()
    expect(page.locator("#import-problems")).to_contain_text(
        "status_episodes.csv:120: person_ref: P000002 is an adult (father)"
    )
    assert_accessible(page)

    page.get_by_label("Case bundle (.zip)").set_input_files(str(zip_of_pilot(tmp_path / "ok.zip")))
    page.get_by_role("button", name="Preview the import").click()
    expect(page.get_by_role("heading", name="Preview of ok.zip")).to_be_visible()
    assert_accessible(page)
    assert not Family.objects.exists()

    page.get_by_role("button", name="Import these cases").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Cases imported. families.csv: 50 created"
    )
    assert_accessible(page)
    assert Family.objects.count() == 50
