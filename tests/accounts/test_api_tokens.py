"""API tokens: a password (and a two-factor code where it applies) for a bearer token that
expires, is kept only as a hash, can be listed and revoked by its owner and administrators,
and is audited on every use; failed API sign-ins count towards the same lockout as the
sign-in page."""

import datetime
import hashlib
import html

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import ApiToken, AuditEvent, Role, User

from ..factories import PASSWORD
from ..two_factor import authenticator_for, code_for

pytestmark = pytest.mark.django_db

ADDRESS = "192.0.2.31"
LOCKOUT = "Too many failed attempts. Wait 15 minutes, then try again."
TOKEN_URL = "/api/auth/token/"
TOKENS_URL = "/api/auth/tokens/"


@pytest.fixture
def tina(team, make_user) -> User:
    """A team manager: her role needs two-factor."""
    return make_user(Role.TEAM_MANAGER, username="tina", first_name="Tina", team=team)


@pytest.fixture
def root(make_user) -> User:
    return make_user(Role.ADMIN, username="root", is_staff=True, is_superuser=True)


def ask_for_token(username: str, password: str = PASSWORD, address: str = ADDRESS, **extra):
    return Client(REMOTE_ADDR=address).post(
        TOKEN_URL,
        {"username": username, "password": password, **extra},
        content_type="application/json",
    )


def token_for(username: str, **extra) -> str:
    response = ask_for_token(username, **extra)
    assert response.status_code == 201, response.content
    return response.json()["token"]


def with_token(token: str, method: str, path: str, **kwargs):
    client = Client(REMOTE_ADDR=ADDRESS, headers={"Authorization": f"Bearer {token}"})
    return getattr(client, method)(path, **kwargs)


def listed(response) -> list[tuple[str, str, bool]]:
    """(owner, name, active) of each token a list response shows."""
    body = response.json()
    rows = body["results"] if isinstance(body, dict) else body
    return [(row["owner"], row["name"], row["active"]) for row in rows]


# Getting a token ------------------------------------------------------------------------------


def test_a_password_gets_a_token_that_lets_its_owner_in_for_eight_hours(alice):
    before = timezone.now()

    response = ask_for_token("alice", name="Reporting script")

    assert response.status_code == 201
    body = response.json()
    assert body["token"].startswith("dmt_") and len(body["token"]) > 40
    assert body["name"] == "Reporting script"
    expires = datetime.datetime.fromisoformat(body["expires"])
    assert before + datetime.timedelta(hours=8) <= expires
    assert expires <= timezone.now() + datetime.timedelta(hours=8)
    mine = with_token(body["token"], "get", TOKENS_URL)
    assert mine.status_code == 200
    assert listed(mine) == [("alice", "Reporting script", True)]
    [row] = mine.json()["results"]
    assert row["prefix"] == body["token"][:12]
    assert "token" not in row and "key_hash" not in row


def test_a_tokens_lifetime_is_a_setting(alice, settings):
    settings.DMT_API_TOKEN_HOURS = 2

    token = token_for("alice")

    expires = ApiToken.objects.get().expires_at
    assert (
        timezone.now() + datetime.timedelta(minutes=119)
        < expires
        < timezone.now() + datetime.timedelta(minutes=121)
    )
    assert with_token(token, "get", TOKENS_URL).status_code == 200


def test_only_the_tokens_hash_is_stored_and_no_audit_row_holds_the_token(alice):
    token = token_for("alice")
    with_token(token, "get", TOKENS_URL)

    stored = ApiToken.objects.get()
    assert stored.key_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in [str(value) for value in ApiToken.objects.values().get().values()]
    rows = AuditEvent.objects.all()
    assert [row.action for row in rows.order_by("id")] == ["token_issued", "token_used"]
    assert all(token not in f"{row.detail} {row.object_reference}" for row in rows)
    issued = rows.get(action="token_issued")
    assert issued.detail["token_prefix"] == token[:12]
    assert (issued.actor, issued.detail["owner"], issued.detail["via"]) == (
        alice,
        "alice",
        "sign_in",
    )


def test_a_wrong_password_gets_401_and_is_audited_like_a_failed_sign_in(alice):
    response = ask_for_token("alice", password="not her password")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert "Enter a correct username and password" in response.json()["detail"]
    assert not ApiToken.objects.exists()
    [row] = AuditEvent.objects.all()
    assert (row.action, row.username, row.ip_address) == ("login_failed", "alice", ADDRESS)


def test_a_missing_field_is_refused_with_400(alice):
    response = Client().post(TOKEN_URL, {"username": "alice"}, content_type="application/json")

    assert response.status_code == 400
    assert [e["pointer"] for e in response.json()["errors"]] == ["#/password"]
    assert not ApiToken.objects.exists()


# Two-factor ----------------------------------------------------------------------------------


def test_two_factor_needs_the_apps_code_as_otp(tina):
    device = authenticator_for(tina)

    without = ask_for_token("tina")
    wrong = ask_for_token("tina", otp="000000")
    device.refresh_from_db()
    device.throttle_reset()  # django-otp makes her wait a second after a wrong code
    right = ask_for_token("tina", otp=code_for(device))

    assert without.status_code == 401
    assert '"otp"' in without.json()["detail"]
    assert wrong.status_code == 401
    assert "Enter the code your authenticator app shows now" in wrong.json()["detail"]
    assert right.status_code == 201
    assert [token.user for token in ApiToken.objects.all()] == [tina]
    actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["two_factor_failed", "two_factor_verified", "token_issued"]


def test_someone_who_chose_two_factor_needs_a_code_too(alice):
    device = authenticator_for(alice)

    assert ask_for_token("alice").status_code == 401
    assert ask_for_token("alice", otp=code_for(device)).status_code == 201


def test_a_recovery_code_will_do_once(tina):
    from django_otp.plugins.otp_static.models import StaticDevice

    authenticator_for(tina)
    static = StaticDevice.objects.create(user=tina, name="Recovery codes", confirmed=True)
    static.token_set.create(token="abcd2345")

    assert ask_for_token("tina", otp="abcd-2345").status_code == 201
    assert ask_for_token("tina", otp="abcd2345").status_code == 401


def test_a_role_that_needs_two_factor_sets_it_up_in_the_browser_first(tina):
    response = ask_for_token("tina", otp="123456")

    assert response.status_code == 403
    assert (
        "Sign in to DMT in a browser to set up an authenticator app" in (response.json()["detail"])
    )
    assert not ApiToken.objects.exists()


# Lockout --------------------------------------------------------------------------------------


def test_five_wrong_passwords_lock_the_api_out_even_for_the_right_one(alice):
    responses = [ask_for_token("alice", password="wrong") for _ in range(5)]
    right = ask_for_token("alice")

    assert [r.status_code for r in responses] == [401, 401, 401, 401, 429]
    assert right.status_code == 429
    assert right["Content-Type"].startswith("application/") and "json" in right["Content-Type"]
    assert LOCKOUT in right.json()["detail"]
    assert not ApiToken.objects.exists()
    assert AuditEvent.objects.filter(action="locked_out", username="alice").count() == 1
    # Another address is not affected.
    assert ask_for_token("alice", address="198.51.100.7").status_code == 201


def test_api_failures_and_page_failures_count_together(alice):
    page = Client(REMOTE_ADDR=ADDRESS)
    for _ in range(3):
        page.post(reverse("accounts:login"), {"username": "alice", "password": "wrong"})
    api = [ask_for_token("alice", password="wrong") for _ in range(2)]

    signed_in = page.post(reverse("accounts:login"), {"username": "alice", "password": PASSWORD})

    assert [r.status_code for r in api] == [401, 429]
    assert signed_in.status_code == 429
    assert LOCKOUT in html.unescape(signed_in.content.decode())


def test_wrong_codes_count_towards_the_lockout(tina):
    device = authenticator_for(tina)

    codes = [ask_for_token("tina", otp="000000") for _ in range(5)]
    right = ask_for_token("tina", otp=code_for(device))

    assert [r.status_code for r in codes] == [401, 401, 401, 401, 429]
    assert right.status_code == 429
    assert not ApiToken.objects.exists()


def test_a_complete_sign_in_forgets_earlier_failures(alice):
    for _ in range(4):
        ask_for_token("alice", password="wrong")
    token_for("alice")

    again = [ask_for_token("alice", password="wrong") for _ in range(4)]

    assert [r.status_code for r in again] == [401, 401, 401, 401]


# Using a token ------------------------------------------------------------------------------


def test_a_request_without_a_token_gets_401_asking_for_one(db):
    response = Client().get(TOKENS_URL)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("Bearer dmt_not-a-token-we-issued", "This API token is not valid"),
        ("Bearer nonsense", "This API token is not valid"),
        ("Bearer two words", "Send the token as one word after Bearer"),
        ("Bearer", "Send the token as one word after Bearer"),
    ],
)
def test_an_unknown_or_malformed_token_is_refused_with_a_message(db, header, message):
    response = Client(headers={"Authorization": header}).get(TOKENS_URL)

    assert response.status_code == 401
    assert message in response.json()["detail"]
    assert not AuditEvent.objects.filter(action="token_used").exists()


def test_an_expired_token_is_refused(alice):
    token = token_for("alice")
    # Nine hours on: issued nine hours ago, expired an hour ago.
    now = timezone.now()
    ApiToken.objects.update(
        created_at=now - datetime.timedelta(hours=9),
        expires_at=now - datetime.timedelta(hours=1),
    )

    response = with_token(token, "get", TOKENS_URL)

    assert response.status_code == 401
    assert "This API token has expired" in response.json()["detail"]


def test_a_token_of_someone_switched_off_is_refused(alice):
    token = token_for("alice")
    User.objects.filter(pk=alice.pk).update(is_active=False)

    response = with_token(token, "get", TOKENS_URL)

    assert response.status_code == 401
    assert "switched off" in response.json()["detail"]


def test_each_request_with_a_token_is_audited_once_and_last_use_kept_to_the_minute(alice):
    token = token_for("alice")
    stored = ApiToken.objects.get()

    with_token(token, "get", TOKENS_URL)
    first_use = ApiToken.objects.get().last_used_at
    with_token(token, "get", reverse("api-auth:token_detail", args=[stored.pk]))
    second_use = ApiToken.objects.get().last_used_at
    ApiToken.objects.update(last_used_at=timezone.now() - datetime.timedelta(minutes=2))
    with_token(token, "get", TOKENS_URL)
    third_use = ApiToken.objects.get().last_used_at

    uses = AuditEvent.objects.filter(action="token_used").order_by("id")
    assert [(row.actor, row.detail) for row in uses] == [
        (alice, {"token_prefix": token[:12], "page": page})
        for page in ("api-auth:tokens", "api-auth:token_detail", "api-auth:tokens")
    ]
    assert all(row.ip_address == ADDRESS and row.request_id for row in uses)
    assert {(row.object_type, row.object_id) for row in uses} == {
        ("accounts.apitoken", str(stored.pk))
    }
    assert first_use is not None and second_use == first_use
    assert third_use > timezone.now() - datetime.timedelta(seconds=30)


def test_a_token_reads_the_referrals_api_as_its_owner(alice):
    token = token_for("alice")

    response = with_token(token, "get", "/api/referrals/")

    assert response.status_code == 200
    assert response.json()["results"] == []
    [use] = AuditEvent.objects.filter(action="token_used")
    assert use.detail["page"] == "api-referral-list"


# Listing and revoking --------------------------------------------------------------------------


def test_the_owner_revokes_a_token_and_it_stops_working(alice):
    token = token_for("alice")
    stored = ApiToken.objects.get()

    response = with_token(token, "delete", reverse("api-auth:token_detail", args=[stored.pk]))
    after = with_token(token, "get", TOKENS_URL)

    assert response.status_code == 204
    assert after.status_code == 401
    assert "revoked" in after.json()["detail"]
    stored.refresh_from_db()
    assert (stored.revoked_by, stored.revoked_at is not None) == (alice, True)
    [row] = AuditEvent.objects.filter(action="token_revoked")
    assert (row.actor, row.detail) == (
        alice,
        {"token_prefix": token[:12], "owner": "alice", "via": "revoke"},
    )


def test_someone_else_neither_sees_nor_revokes_a_token(alice, bob):
    alices = token_for("alice", name="Alice's")
    bobs = token_for("bob", name="Bob's")
    alices_row = ApiToken.objects.get(user=alice)
    url = reverse("api-auth:token_detail", args=[alices_row.pk])

    listing = with_token(bobs, "get", TOKENS_URL)
    asked_for_hers = with_token(bobs, "get", TOKENS_URL + "?owner=alice")
    shown = with_token(bobs, "get", url)
    revoked = with_token(bobs, "delete", url)

    assert listed(listing) == [("bob", "Bob's", True)]
    assert listed(asked_for_hers) == []
    assert (shown.status_code, revoked.status_code) == (404, 404)
    assert with_token(alices, "get", TOKENS_URL).status_code == 200
    alices_row.refresh_from_db()
    assert alices_row.revoked_at is None
    assert not AuditEvent.objects.filter(action="token_revoked").exists()


def test_an_administrator_lists_everyones_tokens_and_revokes_any(client_for, root, alice, bob):
    alices = token_for("alice", name="Alice's")
    token_for("bob", name="Bob's")
    alices_row = ApiToken.objects.get(user=alice)
    admin = client_for(root)

    everyone = admin.get(TOKENS_URL)
    hers = admin.get(TOKENS_URL + "?owner=alice")
    revoked = admin.delete(reverse("api-auth:token_detail", args=[alices_row.pk]))

    assert sorted(listed(everyone)) == [("alice", "Alice's", True), ("bob", "Bob's", True)]
    assert listed(hers) == [("alice", "Alice's", True)]
    assert revoked.status_code == 204
    assert with_token(alices, "get", TOKENS_URL).status_code == 401
    alices_row.refresh_from_db()
    assert alices_row.revoked_by == root
    assert listed(admin.get(TOKENS_URL + "?owner=alice")) == [("alice", "Alice's", False)]
    [row] = AuditEvent.objects.filter(action="token_revoked")
    assert (row.actor, row.detail["owner"]) == (root, "alice")


def test_revoking_a_revoked_token_changes_nothing(alice):
    token = token_for("alice")
    other = token_for("alice")
    first = ApiToken.objects.get(prefix=token[:12])
    url = reverse("api-auth:token_detail", args=[first.pk])
    with_token(other, "delete", url)

    again = with_token(other, "delete", url)

    assert again.status_code == 204
    assert AuditEvent.objects.filter(action="token_revoked").count() == 1


def test_an_id_out_of_range_is_not_found(alice):
    token = token_for("alice")

    response = with_token(token, "get", TOKENS_URL + "99999999999999999999999/")

    assert response.status_code == 404
