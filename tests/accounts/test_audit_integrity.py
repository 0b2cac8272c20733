"""The audit trail is evidence that holds no case content: rows name records by reference,
never names or typed text; administrators read system events only; on PostgreSQL rows can
be neither changed nor deleted; the client address and request id cannot be forged."""

import importlib

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.urls import reverse

from accounts.audit import AuditDetailError, audit_record
from accounts.models import AuditEvent, Role
from families.models import Person

from ..factories import FamilyFactory, PersonFactory


@pytest.fixture
def family(alice):
    return FamilyFactory(reference="AUD-1", team=alice.team, social_worker=alice)


@pytest.fixture
def amy(family):
    return PersonFactory(
        family=family, reference="P-AMY", given_name="Amy", family_name="Secretname"
    )


# What a row holds ----------------------------------------------------------------------------


def test_a_row_names_a_person_by_reference_never_by_name(alice, amy):
    event = audit_record(action=AuditEvent.Action.VIEW, actor=alice, obj=amy)

    assert (event.object_type, event.object_id, event.object_reference) == (
        "families.person",
        str(amy.pk),
        "P-AMY",
    )
    assert "Secretname" not in str(AuditEvent.objects.filter(pk=event.pk).values().get())


def test_a_row_names_a_member_of_staff_by_username(alice, bob):
    event = audit_record(action=AuditEvent.Action.UPDATE, actor=alice, obj=bob)

    assert event.object_reference == "bob"


def test_a_record_without_a_reference_is_named_by_type_and_id_only(alice, family):
    from families.services import chronology_entry_create

    entry = chronology_entry_create(
        family=family,
        occurred_on=family.opened_on,
        summary="Amy Secretname moved",
        acting_user=alice,
    )
    event = AuditEvent.objects.get(object_type="families.chronologyentry", object_id=entry.pk)

    assert event.object_reference == ""
    assert "Secretname" not in str(AuditEvent.objects.filter(pk=event.pk).values().get())


@pytest.mark.parametrize(
    "detail",
    [
        {"note": "Saw Amy"},  # an unknown key
        {"reason": "Mum asked us to stop"},  # free text under a known key
        {"fields": ["address", "Amy Secretname"]},  # free text inside a list
        {"page": "x\x00y"},  # a control character
        {"results": object()},  # not a scalar at all
    ],
)
def test_free_text_or_unknown_detail_is_refused_and_nothing_is_written(alice, detail):
    with pytest.raises(AuditDetailError):
        audit_record(action=AuditEvent.Action.VIEW, actor=alice, detail=detail)

    assert not AuditEvent.objects.exists()


def test_codes_dates_numbers_and_field_names_are_kept(alice, amy):
    detail = {"fields": ["address", "phone"], "start_date": "2024-03-01", "total": 12}

    event = audit_record(action=AuditEvent.Action.UPDATE, actor=alice, obj=amy, detail=detail)

    assert event.detail == detail


def test_a_search_records_who_was_shown_never_what_was_typed(client_for, alice, amy):
    client_for(alice).get(reverse("families:search"), {"q": "Secretname"})

    rows = AuditEvent.objects.filter(actor=alice, action=AuditEvent.Action.VIEW)
    assert [(row.object_type, row.object_reference) for row in rows] == [
        ("families.person", "P-AMY")
    ]
    assert not any("Secretname" in str(row.detail) for row in rows)


def test_a_search_that_finds_nobody_is_still_recorded(client_for, alice):
    client_for(alice).get(reverse("families:search"), {"q": "Nobody"})

    row = AuditEvent.objects.get(actor=alice, action=AuditEvent.Action.VIEW)
    assert row.detail == {"results": 0}


# Who reads what -------------------------------------------------------------------------------


def test_sign_ins_and_staff_changes_are_system_rows_and_case_reads_are_not(alice, bob, amy):
    login = audit_record(action=AuditEvent.Action.LOGIN, actor=alice)
    staff_change = audit_record(action=AuditEvent.Action.UPDATE, actor=alice, obj=bob)
    case_read = audit_record(action=AuditEvent.Action.VIEW, actor=alice, obj=amy)
    search = audit_record(action=AuditEvent.Action.VIEW, actor=alice, detail={"results": 0})

    assert [login.category, staff_change.category] == ["system", "system"]
    assert [case_read.category, search.category] == ["case", "case"]


def test_the_administrator_reads_system_events_and_no_case_reads(client_for, make_user, alice, amy):
    admin = make_user(Role.ADMIN, username="root", is_staff=True, is_superuser=True)
    audit_record(action=AuditEvent.Action.VIEW, actor=alice, obj=amy)
    audit_record(action=AuditEvent.Action.LOGIN, actor=alice)

    page = client_for(admin).get(reverse("accounts:audit_events")).content.decode()
    admin_page = client_for(admin).get("/admin/accounts/auditevent/").content.decode()

    assert "Signed in" in page and "P-AMY" not in page and "families.person" not in page
    assert "families.person" not in admin_page and "Signed in" in admin_page


def test_the_auditor_reads_every_row_and_reading_the_trail_is_recorded(
    client_for, make_user, alice, amy
):
    auditor = make_user(Role.AUDITOR, username="grace")
    audit_record(action=AuditEvent.Action.VIEW, actor=alice, obj=amy)

    page = client_for(auditor).get(reverse("accounts:audit_events")).content.decode()

    assert "families.person" in page and "P-AMY" in page
    assert AuditEvent.objects.filter(
        actor=auditor, action=AuditEvent.Action.VIEW, detail={"page": "accounts:audit_events"}
    ).exists()


def test_other_roles_cannot_open_the_audit_trail(client_for, alice):
    assert client_for(alice).get(reverse("accounts:audit_events")).status_code == 403


# Append-only ----------------------------------------------------------------------------------


def _postgresql_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip(reason="the append-only trigger is PostgreSQL's (SQLite has none)")


def test_an_audit_row_cannot_be_updated_in_the_database(alice):
    _postgresql_only()
    event = audit_record(action=AuditEvent.Action.LOGIN, actor=alice)

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(username="someone-else")
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE accounts_auditevent SET detail = '{}' WHERE id = %s", [event.pk])

    assert AuditEvent.objects.get(pk=event.pk).username == "alice"


def test_an_audit_row_cannot_be_deleted_in_the_database(alice):
    _postgresql_only()
    event = audit_record(action=AuditEvent.Action.LOGIN, actor=alice)

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM accounts_auditevent")

    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_new_rows_are_still_added(alice):
    audit_record(action=AuditEvent.Action.LOGIN, actor=alice)
    audit_record(action=AuditEvent.Action.LOGOUT, actor=alice)

    assert AuditEvent.objects.count() == 2


# Where a request came from ------------------------------------------------------------------


def _last_ip(client, path, **headers):
    response = client.get(path, **headers)
    assert response.status_code == 200
    return AuditEvent.objects.order_by("-pk").values_list("ip_address", flat=True).first()


@pytest.fixture
def family_page(client_for, alice, family):
    return client_for(alice), reverse("families:detail", args=[family.pk])


def test_without_trusted_proxies_the_peer_is_the_client_whatever_the_header_says(family_page):
    client, path = family_page

    ip = _last_ip(client, path, REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="198.51.100.1")

    assert ip == "203.0.113.9"


def test_behind_a_trusted_proxy_the_right_most_untrusted_hop_is_the_client(family_page, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/24"]
    client, path = family_page

    ip = _last_ip(
        client,
        path,
        REMOTE_ADDR="10.0.0.2",
        # The client wrote the left-most hop itself; our proxies appended the rest.
        HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.7, 10.0.0.5",
    )

    assert ip == "198.51.100.7"


@pytest.mark.parametrize(
    "header",
    ["not-an-ip", "1.2.3.4, nonsense", "1.2.3.4:8080", "", " , ", "1.2.3.4," * 200, "\x00"],
)
def test_a_malformed_client_hop_records_the_proxy_never_an_error(family_page, settings, header):
    settings.TRUSTED_PROXIES = ["10.0.0.2"]
    client, path = family_page

    ip = _last_ip(client, path, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=header)

    assert ip == "10.0.0.2"


@pytest.mark.parametrize(
    "header",
    [
        "junk, 203.0.113.5",  # the client wrote "junk" itself
        "1.2.3.4:8080, 203.0.113.5",
        "x" * 5000 + ", 203.0.113.5",  # however long the part the client wrote
        ",".join(["9.9.9.9"] * 500) + ", 203.0.113.5",
    ],
)
def test_what_the_client_wrote_left_of_its_own_hop_cannot_hide_it(family_page, settings, header):
    settings.TRUSTED_PROXIES = ["10.0.0.0/24"]
    client, path = family_page

    ip = _last_ip(client, path, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=header)

    assert ip == "203.0.113.5"


def test_our_own_hops_are_passed_over_to_the_client(family_page, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/24"]
    client, path = family_page

    ip = _last_ip(
        client, path, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.5, 10.0.0.9, 10.0.0.7"
    )
    all_ours = _last_ip(client, path, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="10.0.0.9")

    assert (ip, all_ours) == ("203.0.113.5", "10.0.0.9")


def test_a_request_id_is_kept_only_from_a_trusted_proxy(client, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.2"]
    login = reverse("accounts:login")

    from_proxy = client.get(login, REMOTE_ADDR="10.0.0.2", HTTP_X_REQUEST_ID="abcd-1234-efgh")
    from_client = client.get(login, REMOTE_ADDR="203.0.113.9", HTTP_X_REQUEST_ID="abcd-1234-efgh")
    malformed = client.get(login, REMOTE_ADDR="10.0.0.2", HTTP_X_REQUEST_ID="a b c d e f g h")

    assert from_proxy["X-Request-ID"] == "abcd-1234-efgh"
    assert from_client["X-Request-ID"] != "abcd-1234-efgh"
    assert len(malformed["X-Request-ID"]) == 32


def test_a_trusted_proxy_setting_that_is_not_an_address_fails_the_system_check(settings):
    from accounts.checks import trusted_proxies_check

    settings.TRUSTED_PROXIES = ["10.0.0.0/24", "proxy.example.org"]

    errors = trusted_proxies_check(None)

    assert [error.id for error in errors] == ["dmt.E001"]


# The migration that cleaned the existing rows ---------------------------------------------


def test_the_migration_keeps_references_and_drops_typed_text():
    migration = importlib.import_module("accounts.migrations.0004_audit_reference_and_category")

    class Row:
        object_type, object_id = "referrals.referral", "7"
        object_repr = "R-1A2B: Rachel Secretname to Domestic abuse (victims)"

    assert migration._reference(Row(), {}) == "R-1A2B"
    assert migration._detail(
        {
            "search": "secretname",
            "results": 1,
            "cancelled": "Chair off sick",
            "ineligible": ["Child under 1", "Lives in area"],
            "page": "waiting list",
            "fields": ["address"],
        }
    ) == {"results": 1, "cancelled": True, "ineligible": 2, "fields": ["address"]}


def test_person_rows_hold_the_reference_after_a_real_request(client_for, alice, amy):
    client_for(alice).get(reverse("families:person_edit", args=[amy.membership.family_id, amy.pk]))

    event = AuditEvent.objects.get(object_type="families.person", action=AuditEvent.Action.VIEW)
    assert event.object_reference == amy.reference
    assert Person.objects.get(pk=amy.pk).family_name == "Secretname"
