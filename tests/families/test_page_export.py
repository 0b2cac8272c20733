import csv
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from families.models import LegalStatus
from families.services import child_status_change

from ..factories import FamilyFactory, PersonFactory

pytestmark = pytest.mark.django_db

EXPORT = reverse("families:caseload_export")

HEADER = [
    "reference",
    "family",
    "locality",
    "team",
    "social_worker",
    "opened_on",
    "children",
    "highest_status",
    "last_contact",
]


def rows_of(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_the_export_is_a_csv_with_a_header_and_one_row_per_family(client_as, alice):
    family = FamilyFactory(reference="ALICE-1", team=alice.team, social_worker=alice)
    child_status_change(
        child=PersonFactory(family=family, given_name="Amy", family_name="Ashdown"),
        status=LegalStatus.CP,
        start_date=family.opened_on,
        acting_user=None,
    )
    FamilyFactory(reference="ALICE-2", team=alice.team, social_worker=alice)

    response = client_as("alice").get(EXPORT)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="caseload-')
    header, *rows = rows_of(response)
    assert header == HEADER
    assert [row[0] for row in rows] == ["ALICE-1", "ALICE-2"]
    assert rows[0] == [
        "ALICE-1",
        "Ashdown — Amy",
        "West",
        "SASS West 1",
        "Alice Worker",
        family.opened_on.isoformat(),
        "1",
        "Child protection",
        "",
    ]


def test_the_export_follows_the_caseload_filters_and_leaves_out_other_teams(
    client_as, alice, bob, charlie
):
    FamilyFactory(reference="ALICE-1", team=alice.team, social_worker=alice)
    FamilyFactory(reference="BOB-1", team=bob.team, social_worker=bob)
    FamilyFactory(reference="CHARLIE-1", team=charlie.team, social_worker=charlie)
    FamilyFactory(
        reference="CLOSED-1", team=alice.team, social_worker=alice, closed_on=timezone.localdate()
    )

    mine = rows_of(client_as("alice").get(EXPORT))
    team = rows_of(client_as("alice").get(EXPORT, {"show": "team"}))

    assert [row[0] for row in mine[1:]] == ["ALICE-1"]
    assert sorted(row[0] for row in team[1:]) == ["ALICE-1", "BOB-1"]


def test_formula_like_values_are_escaped_so_a_spreadsheet_shows_them_as_text(client_as, alice):
    FamilyFactory(reference="=HYPERLINK(1)", team=alice.team, social_worker=alice)
    FamilyFactory(reference="+SUM(A1)", team=alice.team, social_worker=alice)
    FamilyFactory(reference="@CMD", team=alice.team, social_worker=alice)

    header, *rows = rows_of(client_as("alice").get(EXPORT))

    assert sorted(row[0] for row in rows) == ["'+SUM(A1)", "'=HYPERLINK(1)", "'@CMD"]


def test_each_family_exported_is_audited_once_against_the_exporter(client_as, alice, bob):
    exported = [
        FamilyFactory(reference=f"ALICE-{number}", team=alice.team, social_worker=alice)
        for number in range(3)
    ]
    FamilyFactory(reference="BOB-1", team=bob.team, social_worker=bob)

    client_as("alice").get(EXPORT)

    events = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT)
    assert sorted(events.values_list("object_id", flat=True)) == sorted(
        str(family.pk) for family in exported
    )
    assert {(event.actor, event.object_type) for event in events} == {(alice, "families.family")}


def test_an_empty_export_is_just_the_header_and_audits_nothing(client_as, charlie):
    FamilyFactory(reference="SOMEONE-ELSES")

    response = client_as("charlie").get(EXPORT)

    assert rows_of(response) == [HEADER]
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()


def test_an_anonymous_visitor_cannot_export(client_as, alice):
    FamilyFactory(reference="ALICE-1", team=alice.team, social_worker=alice)

    response = client_as("anonymous").get(EXPORT)

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()
