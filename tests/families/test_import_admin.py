import io
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import AuditEvent, Role
from families import admin as families_admin
from families.importer import import_bundle, read_bundle
from families.models import Family, Person, StatusEpisode
from referrals.models import Referral

pytestmark = pytest.mark.django_db

PILOT = Path(__file__).resolve().parent.parent / "fixtures" / "dmt-pilot"
IMPORT_URL = reverse("admin:families_family_import")


@pytest.fixture(autouse=True)
def pending_imports_dir(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "pending"
    monkeypatch.setattr(families_admin, "PENDING_IMPORTS_DIR", folder)
    return folder


@pytest.fixture
def root(make_user):
    return make_user(Role.ADMIN, username="root", is_staff=True, is_superuser=True)


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
        AuditEvent.objects.filter(action__in=["create", "update"]).count(),
    )


def test_the_admin_home_page_links_to_the_import_page(client_for, root):
    response = client_for(root).get(reverse("home"))

    assert response.status_code == 200
    assert IMPORT_URL in response.content.decode()


def test_an_upload_shows_the_dry_run_and_writes_nothing(client_for, root, pending_imports_dir):
    response = client_for(root).post(IMPORT_URL, {"bundle": pilot_zip()})

    assert response.status_code == 200
    result = response.context["result"]
    assert result.ok
    assert (result.counts["people.csv"].created, result.counts["status_episodes.csv"].created) == (
        125,
        118,
    )
    assert "Import these cases" in response.content.decode()
    assert stored() == (0, 0, 0, 0, 0)
    assert len(list(pending_imports_dir.glob("*.zip"))) == 1


def test_confirming_the_preview_imports_that_file_as_the_admin(
    client_for, root, pending_imports_dir
):
    client = client_for(root)
    preview = client.post(IMPORT_URL, {"bundle": pilot_zip()})

    response = client.post(IMPORT_URL, {"confirm": "1", "token": preview.context["token"]})

    assert response.status_code == 302
    assert response.url == reverse("admin:families_family_changelist")
    assert stored()[:4] == (50, 125, 118, 50)
    assert set(AuditEvent.objects.filter(action="create").values_list("actor", flat=True)) == {
        root.pk
    }
    assert not list(pending_imports_dir.glob("*.zip"))  # the kept upload is gone
    page = client.get(response.url)
    assert "Cases imported." in page.content.decode()


def test_a_confirmation_can_be_used_only_once(client_for, root):
    client = client_for(root)
    token = client.post(IMPORT_URL, {"bundle": pilot_zip()}).context["token"]
    client.post(IMPORT_URL, {"confirm": "1", "token": token})
    Family.objects.filter(reference="F000001").update(cohort="changed since")

    response = client.post(IMPORT_URL, {"confirm": "1", "token": token})

    assert "no longer available" in response.content.decode()
    assert Family.objects.get(reference="F000001").cohort == "changed since"


def test_a_confirmation_with_another_token_imports_nothing(client_for, root):
    client = client_for(root)
    client.post(IMPORT_URL, {"bundle": pilot_zip()})

    response = client.post(IMPORT_URL, {"confirm": "1", "token": "not-the-token"})

    assert response.status_code == 200
    assert "no longer available" in response.content.decode()
    assert stored() == (0, 0, 0, 0, 0)


def test_a_bundle_with_problems_lists_them_and_cannot_be_confirmed(client_for, root):
    episodes = (PILOT / "status_episodes.csv").read_text() + "P000002,cp,2022-03-01,\n"

    response = client_for(root).post(
        IMPORT_URL,
        {"bundle": pilot_zip(**{"status_episodes.csv": episodes})},
    )

    content = response.content.decode()
    assert "Nothing was imported from pilot.zip: 1 problem." in content
    assert (
        "status_episodes.csv:120: person_ref: P000002 is an adult (father): status episodes are "
        "for children only"
    ) in content
    assert "Import these cases" not in content
    assert "token" not in response.context
    assert stored() == (0, 0, 0, 0, 0)


def test_a_file_that_is_not_a_zip_is_refused(client_for, root):
    upload = SimpleUploadedFile("families.csv", b"family_ref\nF1\n", content_type="text/csv")

    response = client_for(root).post(IMPORT_URL, {"bundle": upload})

    assert "is not a readable .zip file" in response.content.decode()
    assert stored() == (0, 0, 0, 0, 0)


@pytest.mark.parametrize(
    "fields",
    [
        {"role": Role.SOCIAL_WORKER, "is_staff": True},
        {"role": Role.TEAM_MANAGER, "is_staff": True, "is_superuser": True},
        {"role": Role.ADMIN, "is_staff": False},
    ],
)
def test_only_the_admin_role_may_import(client_for, make_user, fields):
    outsider = make_user(username="outsider", **fields)
    client = client_for(outsider)

    page = client.get(IMPORT_URL)
    upload = client.post(IMPORT_URL, {"bundle": pilot_zip()})

    assert page.status_code == 302
    assert page.url.startswith(reverse("admin:login"))
    assert upload.status_code == 302
    assert stored() == (0, 0, 0, 0, 0)


@pytest.mark.parametrize(
    "name",
    [
        "families_family",
        "families_person",
        "families_statusepisode",
        "families_contact",
        "families_allocation",
        "families_closurerequest",
        "families_chronologyentry",
        "families_plan",
        "families_planaction",
        "referrals_referral",
        "referrals_measurereading",
    ],
)
def test_an_administrator_reads_no_case_records_in_the_admin(client_for, root, name):
    """Administrators run the system; case records are read, audited, in the service."""
    import_bundle(read_bundle(PILOT), acting_user=None)
    client = client_for(root)

    response = client.get(reverse(f"admin:{name}_changelist"))

    assert response.status_code == 403
    assert f"/admin/{name.replace('_', '/', 1)}/" not in client.get("/admin/").content.decode()


def test_pathways_are_configuration_the_administrator_can_list(client_for, root):
    response = client_for(root).get(reverse("admin:referrals_pathway_changelist"))

    assert response.status_code == 200
