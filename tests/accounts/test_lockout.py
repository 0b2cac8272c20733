"""Sign-in lockout: five failures from one address lock that username out there for 15
minutes, whether or not it exists, and every attempt is audited without letting a flood fill
the audit trail."""

import datetime
import html
import re

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse

from accounts.models import AuditEvent, Role

from ..factories import PASSWORD

pytestmark = pytest.mark.django_db

ATTACKER = "192.0.2.66"
OFFICE = "198.51.100.10"
LOCKOUT = "Too many failed attempts. Wait 15 minutes, then try again."


def sign_in(client: Client, username: str, password: str, address: str = ATTACKER):
    return client.post(
        reverse("accounts:login"),
        {"username": username, "password": password},
        REMOTE_ADDR=address,
    )


def fail(client: Client, username: str, times: int, address: str = ATTACKER):
    return [sign_in(client, username, "wrong password", address) for _ in range(times)]


def page_text(response) -> str:
    return response.content.decode()


def without_csrf_token(page: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", page)


def test_four_failures_still_let_the_right_password_in(client, alice):
    fail(client, "alice", 4)

    response = sign_in(client, "alice", PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_the_fifth_failure_locks_the_username_out_with_a_429_sign_in_page(client, alice):
    responses = fail(client, "alice", 5)

    assert [r.status_code for r in responses] == [200, 200, 200, 200, 429]
    page = page_text(responses[-1])
    assert LOCKOUT in page
    assert "If you have forgotten your password, ask your system administrator." in page
    assert 'class="govuk-error-summary"' in page
    assert "<title>Error: Sign in - DMT</title>" in page


def test_a_locked_out_user_cannot_sign_in_even_with_the_right_password(client, alice):
    fail(client, "alice", 5)

    response = sign_in(client, "alice", PASSWORD)

    assert response.status_code == 429
    assert LOCKOUT in page_text(response)
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("home")).status_code == 302
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN).exists()


def test_the_lockout_reads_the_same_whether_or_not_the_username_exists(client, alice):
    known = page_text(fail(client, "alice", 5)[-1])
    unknown = page_text(fail(client, "mallory", 5)[-1])

    assert LOCKOUT in unknown
    # The only difference is the username typed, put back in its box.
    assert without_csrf_token(known).replace('value="alice"', "") == without_csrf_token(
        unknown
    ).replace('value="mallory"', "")


def test_the_wrong_password_message_reads_the_same_whether_or_not_the_username_exists(
    client, alice
):
    known = page_text(sign_in(client, "alice", "wrong password"))
    unknown = page_text(sign_in(client, "mallory", "wrong password"))

    assert "Enter a correct username and password" in unknown
    assert without_csrf_token(known).replace('value="alice"', "") == without_csrf_token(
        unknown
    ).replace('value="mallory"', "")


def test_a_lockout_holds_for_that_address_only(client, alice, bob):
    fail(client, "alice", 5, address=ATTACKER)

    # Alice at her own desk, and a colleague at the attacker's address, are not locked out.
    assert sign_in(Client(), "alice", PASSWORD, address=OFFICE).status_code == 302
    assert sign_in(Client(), "bob", PASSWORD, address=ATTACKER).status_code == 302
    assert sign_in(Client(), "alice", PASSWORD, address=ATTACKER).status_code == 429


def test_the_lockout_ends_after_the_cool_off(client, alice):
    fail(client, "alice", 5)
    # As if 15 minutes and a second had passed since the last failure.
    AccessAttempt.objects.update(
        attempt_time=datetime.datetime.now(tz=datetime.UTC)
        - datetime.timedelta(minutes=15, seconds=1)
    )

    assert sign_in(client, "alice", PASSWORD).status_code == 302


def test_attempts_during_a_lockout_do_not_extend_it(client, alice):
    fail(client, "alice", 5)
    locked_at = AccessAttempt.objects.get().attempt_time

    fail(client, "alice", 3)

    assert AccessAttempt.objects.get().attempt_time == locked_at


def test_a_completed_sign_in_forgets_earlier_failures(client, alice):
    fail(client, "alice", 4)
    sign_in(client, "alice", PASSWORD)
    client.post(reverse("accounts:logout"))

    responses = fail(client, "alice", 4)

    assert [r.status_code for r in responses] == [200, 200, 200, 200]
    assert sign_in(client, "alice", PASSWORD).status_code == 302


def test_every_attempt_is_audited_and_the_lockout_once(client, alice):
    fail(client, "alice", 5)
    fail(client, "alice", 2)
    sign_in(client, "alice", PASSWORD)  # refused: still locked out

    failed = AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN_FAILED)
    assert failed.count() == 8
    assert set(failed.values_list("username", "ip_address", "actor")) == {("alice", ATTACKER, None)}
    locked = AuditEvent.objects.get(action=AuditEvent.Action.LOCKED_OUT)
    assert (locked.username, locked.ip_address, locked.actor) == ("alice", ATTACKER, None)
    assert locked.detail == {"stage": "password"}


def test_axes_counts_by_the_same_client_address_as_the_audit_trail(client, alice):
    fail(client, "alice", 1)

    attempt = AccessAttempt.objects.get()
    event = AuditEvent.objects.get(action=AuditEvent.Action.LOGIN_FAILED)
    assert attempt.ip_address == event.ip_address == ATTACKER


def test_a_failed_attempts_typed_username_and_password_stay_out_of_detail(client, db):
    fail(client, "mallory", 5)

    for event in AuditEvent.objects.all():
        assert event.username == "mallory"
        assert "mallory" not in str(event.detail)
        assert "wrong password" not in str(event.detail)


def test_a_flood_from_one_address_writes_a_bounded_number_of_audit_rows(client, db, settings):
    settings.SIGN_IN_FAILURES_AUDITED_PER_ADDRESS = 6

    # Guessing many usernames, a few times each, from one address.
    for number in range(12):
        fail(client, f"guess{number}", 3)

    rows = AuditEvent.objects.filter(ip_address=ATTACKER)
    assert rows.count() == 7
    assert list(rows.order_by("at", "id").values_list("detail", flat=True)) == [{}] * 6 + [
        {"throttled": True}
    ]
    # Axes still counted every attempt.
    assert sum(AccessAttempt.objects.values_list("failures_since_start", flat=True)) == 36


def test_a_flood_from_one_address_does_not_silence_another(client, alice, settings):
    settings.SIGN_IN_FAILURES_AUDITED_PER_ADDRESS = 3
    for number in range(5):
        fail(client, f"guess{number}", 1)

    fail(Client(), "alice", 1, address=OFFICE)

    assert AuditEvent.objects.filter(ip_address=OFFICE, username="alice").count() == 1


def test_lockouts_in_a_flood_are_throttled_with_the_failures(client, db, settings):
    settings.SIGN_IN_FAILURES_AUDITED_PER_ADDRESS = 10
    for number in range(6):
        fail(client, f"guess{number}", 5)  # each username locked out on its fifth attempt

    assert AuditEvent.objects.filter(ip_address=ATTACKER).count() == 11
    assert AuditEvent.objects.filter(detail__throttled=True).count() == 1


def test_rows_start_again_once_the_flood_has_aged_out_of_the_window(client, db, settings):
    settings.SIGN_IN_FAILURES_AUDITED_PER_ADDRESS = 3
    # A flood 16 minutes ago, just past the window, recorded as it was then (audit rows are
    # never changed afterwards: on PostgreSQL a trigger refuses it).
    then = datetime.datetime.now(tz=datetime.UTC) - datetime.timedelta(minutes=16)
    for number in range(5):
        AuditEvent.objects.create(
            at=then,
            action=AuditEvent.Action.LOGIN_FAILED,
            category=AuditEvent.Category.SYSTEM,
            username=f"guess{number}",
            ip_address=ATTACKER,
        )

    fail(client, "later", 1)

    assert AuditEvent.objects.filter(username="later", detail={}).count() == 1


def test_the_auditors_home_counts_todays_failed_sign_ins_and_lockouts(client, make_user):
    from tests.conftest import signed_in

    fail(client, "mallory", 6)
    auditor = make_user(Role.AUDITOR, username="grace")

    page = html.unescape(signed_in(auditor).get(reverse("home")).content.decode())

    assert re.search(r"Failed sign-ins today</dt>\s*<dd[^>]*>6</dd>", page)
    assert re.search(r"Lockouts today</dt>\s*<dd[^>]*>1</dd>", page)
