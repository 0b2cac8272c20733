"""The case import page: upload, dry-run preview, confirm; for holders of the permission only."""

import io
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import AuditEvent, Role
from caseimport import views as import_views
from families.models import Family, ImportRun, Person, StatusEpisode
from referrals.models import Referral

pytestmark = pytest.mark.django_db

PILOT = Path(__file__).resolve().parent.parent / "fixtures" / "dmt-pilot"
IMPORT_URL = reverse("caseimport:import")


@pytest.fixture(autouse=True)
def pending_imports_dir(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "pending"
    monkeypatch.setattr(import_views, "PENDING_IMPORTS_DIR", folder)
    return folder


@pytest.fixture
def migrator(make_user):
    """The member of staff moving the council's records in: holds the import permission."""
    return make_user(Role.BUSINESS_SUPPORT, username="mig", can_import_cases=True)


def pilot_zip(**replacements: str) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for file in sorted(PILOT.glob("*.csv")):
            archive.writestr(
                f"dmt-pilot/{file.name}", replacements.get(file.name, file.read_text())
            )
    return SimpleUploadedFile("pilot.zip", buffer.getvalue(), content_type="application/zip")


def stored() -> tuple[int, int, int, int, int]:
    return (
        Family.objects.count(),
        Person.objects.count(),
        StatusEpisode.objects.count(),
        Referral.objects.count(),
        AuditEvent.objects.filter(action__in=["create", "update"])
        .exclude(object_type="families.importrun")
        .count(),
    )


def test_the_navigation_links_to_the_import_page_for_holders_of_the_permission(
    client_for, migrator, alice
):
    assert IMPORT_URL in client_for(migrator).get(reverse("home")).content.decode()
    assert IMPORT_URL not in client_for(alice).get(reverse("home")).content.decode()


def test_an_upload_shows_the_dry_run_and_writes_nothing(client_for, migrator, pending_imports_dir):
    response = client_for(migrator).post(IMPORT_URL, {"bundle": pilot_zip()})

    assert response.status_code == 200
    page = response.content.decode()
    assert "Preview of pilot.zip" in page
    assert "Import these cases" in page
    result = response.context["result"]
    assert (result.counts["people.csv"].created, result.counts["status_episodes.csv"].created) == (
        125,
        118,
    )
    assert stored() == (0, 0, 0, 0, 0)
    assert len(list(pending_imports_dir.glob("*.zip"))) == 1


def test_a_preview_is_recorded_as_a_run_in_the_audit_trail(client_for, migrator):
    client_for(migrator).post(IMPORT_URL, {"bundle": pilot_zip()})

    run = ImportRun.objects.get()
    assert (run.actor, run.dry_run, run.problems) == (migrator, True, 0)
    assert run.counts["families.csv"]["created"] == 50
    event = AuditEvent.objects.get(object_type="families.importrun")
    assert (event.actor, event.object_id, event.detail["dry_run"]) == (migrator, str(run.pk), True)


def test_confirming_the_preview_imports_that_file_as_the_uploader(
    client_for, migrator, pending_imports_dir
):
    client = client_for(migrator)
    preview = client.post(IMPORT_URL, {"bundle": pilot_zip()})

    response = client.post(IMPORT_URL, {"confirm": "1", "token": preview.context["token"]})

    assert response.status_code == 302
    assert response.url == IMPORT_URL
    assert stored()[:4] == (50, 125, 118, 50)
    assert set(AuditEvent.objects.filter(action="create").values_list("actor", flat=True)) == {
        migrator.pk
    }
    assert not list(pending_imports_dir.glob("*.zip"))  # the kept upload is gone
    page = client.get(response.url).content.decode()
    assert "Cases imported. families.csv: 50 created, 0 updated, 0 unchanged" in page


def test_a_confirmation_can_be_used_only_once(client_for, migrator):
    client = client_for(migrator)
    token = client.post(IMPORT_URL, {"bundle": pilot_zip()}).context["token"]
    client.post(IMPORT_URL, {"confirm": "1", "token": token})
    Family.objects.filter(reference="F000001").update(cohort="changed since")

    response = client.post(IMPORT_URL, {"confirm": "1", "token": token})

    assert "That preview is no longer available" in response.content.decode()
    assert Family.objects.get(reference="F000001").cohort == "changed since"


def test_a_confirmation_with_another_token_imports_nothing(client_for, migrator):
    client = client_for(migrator)
    client.post(IMPORT_URL, {"bundle": pilot_zip()})

    response = client.post(IMPORT_URL, {"confirm": "1", "token": "not-the-token"})

    assert response.status_code == 200
    assert "That preview is no longer available" in response.content.decode()
    assert stored() == (0, 0, 0, 0, 0)


def test_another_users_preview_cannot_be_confirmed(client_for, migrator, make_user):
    colleague = make_user(Role.BUSINESS_SUPPORT, username="mig2", can_import_cases=True)
    token = client_for(migrator).post(IMPORT_URL, {"bundle": pilot_zip()}).context["token"]

    response = client_for(colleague).post(IMPORT_URL, {"confirm": "1", "token": token})

    assert "That preview is no longer available" in response.content.decode()
    assert stored() == (0, 0, 0, 0, 0)


def test_a_bundle_with_problems_lists_them_and_cannot_be_confirmed(client_for, migrator):
    episodes = (PILOT / "status_episodes.csv").read_text() + "P000002,cp,2022-03-01,\n"

    response = client_for(migrator).post(
        IMPORT_URL,
        {"bundle": pilot_zip(**{"status_episodes.csv": episodes})},
    )

    page = response.content.decode()
    assert "<title>Error: Import cases - DMT</title>" in page
    assert "Nothing was imported from pilot.zip: 1 problem." in page
    assert (
        "status_episodes.csv:120: person_ref: P000002 is an adult (father): status episodes are "
        "for children only"
    ) in page
    assert "Import these cases" not in page
    assert "token" not in response.context
    assert stored() == (0, 0, 0, 0, 0)


def test_a_bundle_naming_a_case_recorded_in_dmt_is_refused_without_saying_whose(
    client_for, migrator, alice
):
    from tests.factories import FamilyFactory, PersonFactory

    family = FamilyFactory(reference="F-LIVE", team=alice.team, social_worker=alice)
    PersonFactory(reference="P000002", family=family, given_name="Zuzanna")

    response = client_for(migrator).post(IMPORT_URL, {"bundle": pilot_zip()})

    page = response.content.decode()
    assert (
        "people.csv:2: person_ref: P000002 is already recorded in DMT; change it there, not by "
        "import"
    ) in page
    assert "Zuzanna" not in page
    assert "F-LIVE" not in page
    assert stored()[:4] == (1, 1, 0, 0)


def test_no_file_chosen_is_an_error_on_the_field(client_for, migrator):
    response = client_for(migrator).post(IMPORT_URL, {})

    page = response.content.decode()
    assert "There is a problem" in page
    assert "Choose a .zip file holding the bundle" in page


def test_a_file_that_is_not_a_zip_is_refused(client_for, migrator):
    upload = SimpleUploadedFile("families.csv", b"family_ref\nF1\n", content_type="text/csv")

    response = client_for(migrator).post(IMPORT_URL, {"bundle": upload})

    assert "is not a readable .zip file" in response.content.decode()
    assert stored() == (0, 0, 0, 0, 0)


@pytest.mark.parametrize(
    "fields",
    [
        {"role": Role.ADMIN, "is_staff": True, "is_superuser": True},
        {"role": Role.SERVICE_MANAGER},
        {"role": Role.BUSINESS_SUPPORT},
        {"role": Role.SOCIAL_WORKER},
    ],
    ids=["administrator", "service manager", "business support", "social worker"],
)
def test_only_staff_holding_the_import_permission_may_import(client_for, make_user, fields):
    outsider = make_user(username="outsider", **fields)
    client = client_for(outsider)

    page = client.get(IMPORT_URL)
    upload = client.post(IMPORT_URL, {"bundle": pilot_zip()})

    assert page.status_code == 403
    assert upload.status_code == 403
    assert stored() == (0, 0, 0, 0, 0)
    assert not ImportRun.objects.exists()
