"""Two-factor authentication: required for managers, auditors and administrators, open to
everyone, with an authenticator app and one-time recovery codes."""

import base64
import html
import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib import admin
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AuditEvent, Role, User
from accounts.two_factor import PENDING_SECRET_SESSION_KEY

from ..factories import PASSWORD
from ..two_factor import authenticator_for, code_for

pytestmark = pytest.mark.django_db

ADDRESS = "192.0.2.20"


@pytest.fixture
def tina(team, make_user) -> User:
    """A team manager: her role needs two-factor."""
    return make_user(Role.TEAM_MANAGER, username="tina", first_name="Tina", team=team)


def page_text(response) -> str:
    return html.unescape(response.content.decode())


def sign_in_with_password(user: User, next_url: str = "") -> tuple[Client, object]:
    client = Client(REMOTE_ADDR=ADDRESS)
    query = f"?next={next_url}" if next_url else ""
    response = client.post(
        reverse("accounts:login") + query,
        {"username": user.username, "password": PASSWORD, "next": next_url},
    )
    assert response.status_code == 302, page_text(response)
    return client, response


def enter_code(client: Client, code: str, next_url: str = ""):
    return client.post(reverse("accounts:two_factor_verify"), {"code": code, "next": next_url})


def secret_on(page: str) -> str:
    return re.search(r'id="secret-key">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")


def app_code(secret: str) -> str:
    key = base64.b32decode(secret)
    return f"{TOTP(key).token():06d}"


def enrol(client: Client, next_url: str = "") -> list[str]:
    """Set up an app as a person would: read the key off the page, type the app's code."""
    page = page_text(client.get(reverse("accounts:two_factor_setup")))
    response = client.post(
        reverse("accounts:two_factor_setup"), {"code": app_code(secret_on(page)), "next": next_url}
    )
    assert response.status_code == 302, page_text(response)
    codes_page = page_text(client.get(response["Location"]))
    return re.findall(r"<li><code>([a-z2-7]{8})</code></li>", codes_page)


def actions(user: User) -> list[str]:
    return list(
        AuditEvent.objects.filter(actor=user).order_by("at", "id").values_list("action", flat=True)
    )


# Who must use it -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role", [Role.TEAM_MANAGER, Role.SERVICE_MANAGER, Role.AUDITOR, Role.ADMIN]
)
def test_a_role_that_needs_two_factor_is_sent_to_set_up_an_app_from_every_page(make_user, role):
    user = make_user(role, username="needs2fa")
    client, response = sign_in_with_password(user)

    setup = reverse("accounts:two_factor_setup")
    assert client.get(reverse("home"))["Location"].startswith(setup)
    assert client.get(reverse("families:caseload"))["Location"].startswith(setup)
    assert client.get(reverse("accounts:audit_events"))["Location"].startswith(setup)
    assert client.get("/admin/")["Location"].startswith(setup)


def test_a_social_worker_signs_straight_in(alice):
    client, response = sign_in_with_password(alice)

    assert response["Location"] == reverse("home")
    assert client.get(reverse("home")).status_code == 200


def test_a_setting_can_require_two_factor_of_everyone(alice, settings):
    settings.OTP_REQUIRED_FOR_ALL = True
    client, _ = sign_in_with_password(alice)

    assert client.get(reverse("home"))["Location"].startswith(reverse("accounts:two_factor_setup"))


def test_when_two_factor_is_not_enforced_a_team_manager_signs_straight_in(tina, settings):
    settings.OTP_ENFORCED = False
    client, _ = sign_in_with_password(tina)

    assert client.get(reverse("home")).status_code == 200


def test_production_requires_two_factor_whatever_the_environment_and_local_does_not():
    from tests.test_settings import _settings_value

    production = _settings_value(
        "dmt.settings.production",
        "settings.OTP_ENFORCED",
        SECRET_KEY="x" * 50,
        ALLOWED_HOSTS="dmt.example.org",
        OTP_ENFORCED="false",
    )
    local = _settings_value("dmt.settings.local", "settings.OTP_ENFORCED")

    assert production.stdout.strip() == "True", production.stderr
    assert local.stdout.strip() == "False", local.stderr
    assert django_settings.OTP_ENFORCED is True  # and the suite runs what production runs


def test_before_two_factor_a_script_or_api_request_gets_403_not_a_redirect(tina):
    client, _ = sign_in_with_password(tina)

    api = client.get("/api/referrals/")
    draft = client.post(reverse("accounts:draft_save"), data="{}", content_type="application/json")

    assert api.status_code == 403
    assert draft.status_code == 403
    assert "Two-factor authentication is needed" in api.json()["detail"]


def test_before_two_factor_the_user_can_still_sign_out(tina):
    client, _ = sign_in_with_password(tina)

    response = client.post(reverse("accounts:logout"))

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login")
    assert "_auth_user_id" not in client.session


# Enrolment -----------------------------------------------------------------------------------


def test_the_set_up_page_shows_a_qr_code_and_the_key_to_type(tina):
    client, _ = sign_in_with_password(tina)

    page = page_text(client.get(reverse("accounts:two_factor_setup")))

    assert "Set up an authenticator app" in page
    assert "Your role needs two-factor authentication" in page
    assert '<img src="data:image/svg+xml;base64,' in page
    assert 'alt="QR code for adding DMT to your authenticator app"' in page
    key = client.session[PENDING_SECRET_SESSION_KEY]
    assert secret_on(page) == base64.b32encode(bytes.fromhex(key)).decode()
    assert not TOTPDevice.objects.exists()  # nothing is saved until the app's code is typed


def test_the_qr_code_is_an_svg_image_with_no_script(tina):
    from accounts.two_factor import qr_code_data_uri

    svg = base64.b64decode(qr_code_data_uri(tina, "00" * 20).split(",", 1)[1]).decode()

    assert svg.startswith("<?xml") or svg.startswith("<svg")
    assert "<script" not in svg


def test_typing_the_apps_code_enrols_and_shows_ten_recovery_codes_once(tina):
    client, _ = sign_in_with_password(tina, next_url="/families/")

    codes = enrol(client, next_url="/families/")

    assert len(set(codes)) == 10
    assert sorted(StaticToken.objects.values_list("token", flat=True)) == sorted(codes)
    assert TOTPDevice.objects.get(user=tina).confirmed
    again = page_text(client.get(reverse("accounts:recovery_codes")))
    assert "You have 10 unused recovery codes." in again
    assert not any(code in again for code in codes)
    # The session is verified: the page first asked for opens.
    assert client.get("/families/").status_code == 200
    assert actions(tina) == ["login", "two_factor_enrolled"]
    assert AuditEvent.objects.get(action="two_factor_enrolled").detail == {"recovery_codes": 10}


def test_the_recovery_codes_page_continues_to_the_page_first_asked_for(tina):
    client, _ = sign_in_with_password(tina, next_url="/families/")
    page = page_text(client.get(reverse("accounts:two_factor_setup")))
    response = client.post(
        reverse("accounts:two_factor_setup"),
        {"code": app_code(secret_on(page)), "next": "/families/"},
    )

    codes_page = page_text(client.get(response["Location"]))

    assert 'href="/families/">I have saved my recovery codes' in codes_page


def test_a_wrong_code_at_set_up_saves_nothing_and_says_so(tina):
    client, _ = sign_in_with_password(tina)
    client.get(reverse("accounts:two_factor_setup"))

    response = client.post(reverse("accounts:two_factor_setup"), {"code": "000000"})

    assert response.status_code == 200
    assert "Enter the 6-digit code your authenticator app shows for DMT now" in page_text(response)
    assert not TOTPDevice.objects.exists()
    assert not StaticDevice.objects.exists()
    assert AuditEvent.objects.get(action="two_factor_failed").detail == {"stage": "enrolment"}
    assert client.get(reverse("home")).status_code == 302


def test_a_social_worker_may_choose_two_factor_and_is_then_asked_for_it(alice):
    client, _ = sign_in_with_password(alice)
    assert 'href="/two-factor/">Two-factor authentication</a>' in page_text(
        client.get(reverse("home"))
    )
    enrol(client)
    client.post(reverse("accounts:logout"))

    client, _ = sign_in_with_password(alice)

    assert client.get(reverse("home"))["Location"].startswith(reverse("accounts:two_factor_verify"))


# Signing in with a code ----------------------------------------------------------------------


def test_signing_in_asks_for_the_code_then_opens_the_page_first_asked_for(tina):
    device = authenticator_for(tina)
    client, response = sign_in_with_password(tina, next_url="/families/")
    verify = client.get(response["Location"])
    assert verify.status_code == 302
    assert verify["Location"].startswith(reverse("accounts:two_factor_verify"))
    assert "Enter a security code" in page_text(client.get(verify["Location"]))

    response = enter_code(client, code_for(device), next_url="/families/")

    assert response.status_code == 302
    assert response["Location"] == "/families/"
    assert client.get("/families/").status_code == 200
    assert actions(tina) == ["login", "two_factor_verified"]


def test_a_next_address_on_another_site_is_ignored(tina):
    device = authenticator_for(tina)
    client, _ = sign_in_with_password(tina)

    response = enter_code(client, code_for(device), next_url="https://evil.example/")

    assert response["Location"] == reverse("home")


@pytest.mark.parametrize("next_url", ["api-referral-detail", "home", "٣", "//evil.example/"])
def test_a_next_that_is_not_a_path_of_this_site_goes_home(tina, next_url):
    """redirect() would look a bare word up as a view's name: a server error, or a jump."""
    device = authenticator_for(tina)
    client, _ = sign_in_with_password(tina)

    response = enter_code(client, code_for(device), next_url=next_url)
    again = client.get(reverse("accounts:two_factor_verify"), {"next": next_url})

    assert (response.status_code, response["Location"]) == (302, reverse("home"))
    assert (again.status_code, again["Location"]) == (302, reverse("home"))


def test_a_wrong_code_is_refused_audited_and_never_recorded(tina):
    authenticator_for(tina)
    client, _ = sign_in_with_password(tina)

    response = enter_code(client, "123456")

    assert response.status_code == 200
    assert "Enter the code your authenticator app shows now, or a recovery code" in page_text(
        response
    )
    assert client.get(reverse("home"))["Location"].startswith(reverse("accounts:two_factor_verify"))
    failed = AuditEvent.objects.get(action="two_factor_failed")
    assert failed.actor == tina
    assert failed.detail == {"stage": "sign_in", "method": "app", "waiting": False}
    assert "123456" not in str(list(AuditEvent.objects.values()))


def test_five_wrong_codes_lock_the_user_out_and_end_the_half_finished_sign_in(tina):
    device = authenticator_for(tina)
    client, _ = sign_in_with_password(tina)

    responses = [enter_code(client, "123456") for _ in range(5)]

    assert [r.status_code for r in responses] == [200, 200, 200, 200, 429]
    assert "Too many failed attempts. Wait 15 minutes" in page_text(responses[-1])
    assert "_auth_user_id" not in client.session
    # The right password and the right code are now both refused from this address.
    again = Client(REMOTE_ADDR=ADDRESS).post(
        reverse("accounts:login"), {"username": "tina", "password": PASSWORD}
    )
    assert again.status_code == 429
    locked = AuditEvent.objects.get(action="locked_out")
    assert (locked.actor, locked.detail) == (tina, {"stage": "two_factor"})
    assert AuditEvent.objects.filter(action="logout", detail={"reason": "locked_out"}).count() == 1
    assert device.pk  # the app itself still works after the cool-off


def test_signing_in_again_with_the_password_does_not_reset_the_count_of_wrong_codes(tina):
    authenticator_for(tina)
    client, _ = sign_in_with_password(tina)
    for _ in range(4):
        enter_code(client, "123456")

    client, _ = sign_in_with_password(tina)
    response = enter_code(client, "123456")

    assert response.status_code == 429


def test_failures_before_a_completed_two_factor_sign_in_are_forgotten(tina):
    device = authenticator_for(tina)
    client, _ = sign_in_with_password(tina)
    for _ in range(4):
        enter_code(client, "123456")
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)  # no waiting
    enter_code(client, code_for(device))
    client.post(reverse("accounts:logout"))

    client, _ = sign_in_with_password(tina)
    responses = [enter_code(client, "123456") for _ in range(4)]

    assert [r.status_code for r in responses] == [200] * 4


def test_after_a_wrong_code_the_app_makes_the_user_wait_before_the_next(tina):
    device = authenticator_for(tina)
    client, _ = sign_in_with_password(tina)
    enter_code(client, "123456")

    response = enter_code(client, code_for(device))

    assert "You have typed too many wrong codes. Wait a minute, then try again" in page_text(
        response
    )
    latest = AuditEvent.objects.filter(action="two_factor_failed").order_by("id").last()
    assert latest.detail["waiting"] is True


# Recovery codes ------------------------------------------------------------------------------


def test_a_recovery_code_signs_in_once(tina):
    client, _ = sign_in_with_password(tina)
    codes = enrol(client)
    client.post(reverse("accounts:logout"))

    client, _ = sign_in_with_password(tina)
    response = enter_code(client, codes[0].upper()[:4] + " " + codes[0][4:])

    assert response["Location"] == reverse("home")
    assert "You signed in with a recovery code. You have 9 left" in page_text(
        client.get(reverse("home"))
    )
    assert AuditEvent.objects.get(action="recovery_code_used").detail == {"recovery_codes_left": 9}
    client.post(reverse("accounts:logout"))

    client, _ = sign_in_with_password(tina)
    assert enter_code(client, codes[0]).status_code == 200
    assert AuditEvent.objects.filter(
        action="two_factor_failed", detail__method="recovery_code"
    ).exists()


def test_making_new_recovery_codes_stops_the_old_ones(tina):
    client, _ = sign_in_with_password(tina)
    old = enrol(client)

    response = client.post(reverse("accounts:recovery_codes"))
    new = re.findall(
        r"<li><code>([a-z2-7]{8})</code></li>", page_text(client.get(response["Location"]))
    )

    assert len(new) == 10
    assert not set(new) & set(old)
    assert sorted(StaticToken.objects.values_list("token", flat=True)) == sorted(new)
    assert AuditEvent.objects.filter(action="recovery_codes_made", actor=tina).count() == 1


def test_a_session_that_has_not_passed_two_factor_cannot_replace_the_app_or_the_codes(tina):
    device = authenticator_for(tina)
    client, _ = sign_in_with_password(tina)

    setup = client.get(reverse("accounts:two_factor_setup"))
    codes = client.post(reverse("accounts:recovery_codes"))

    assert setup["Location"].startswith(reverse("accounts:two_factor_verify"))
    assert codes["Location"].startswith(reverse("accounts:two_factor_verify"))
    assert list(TOTPDevice.objects.filter(user=tina)) == [device]
    assert not StaticDevice.objects.exists()


def test_a_verified_user_can_set_up_a_new_app_which_replaces_the_old(tina):
    old = authenticator_for(tina)
    client, _ = sign_in_with_password(tina)
    enter_code(client, code_for(old))

    page = page_text(client.get(reverse("accounts:two_factor_setup")))
    assert "the app you use now stops working for DMT" in page
    client.post(reverse("accounts:two_factor_setup"), {"code": app_code(secret_on(page))})

    assert TOTPDevice.objects.filter(user=tina).count() == 1
    assert not TOTPDevice.objects.filter(pk=old.pk).exists()


# Turning it off ------------------------------------------------------------------------------


def test_a_social_worker_may_turn_off_the_two_factor_they_chose(alice):
    client, _ = sign_in_with_password(alice)
    enrol(client)

    response = client.post(reverse("accounts:two_factor_off"))

    assert response["Location"] == reverse("accounts:two_factor")
    assert not TOTPDevice.objects.filter(user=alice).exists()
    assert not StaticDevice.objects.filter(user=alice).exists()
    assert AuditEvent.objects.filter(action="two_factor_reset", actor=alice).count() == 1


def test_a_team_manager_may_not_turn_two_factor_off(tina):
    client, _ = sign_in_with_password(tina)
    enrol(client)

    response = client.post(reverse("accounts:two_factor_off"), follow=True)

    assert "Your role needs two-factor authentication" in page_text(response)
    assert TOTPDevice.objects.filter(user=tina).exists()
    assert not AuditEvent.objects.filter(action="two_factor_reset").exists()


def test_an_administrator_resets_a_colleagues_two_factor_from_the_admin(tina, make_user):
    from tests.conftest import signed_in

    authenticator_for(tina)
    root = make_user(Role.ADMIN, username="root", is_staff=True, is_superuser=True)

    response = signed_in(root).post(
        "/admin/accounts/user/",
        {"action": "reset_two_factor", "_selected_action": [tina.pk]},
    )

    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=tina).exists()
    event = AuditEvent.objects.get(action="two_factor_reset")
    assert (event.actor, event.object_id) == (root, str(tina.pk))


def test_an_administrator_selecting_their_own_account_resets_the_others_and_not_their_own(
    tina, make_user
):
    from tests.conftest import signed_in

    root = make_user(Role.ADMIN, username="root", is_staff=True, is_superuser=True)
    client = signed_in(root)  # gives root an authenticator app, as their role needs
    authenticator_for(tina)

    response = client.post(
        "/admin/accounts/user/",
        {"action": "reset_two_factor", "_selected_action": [tina.pk, root.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert "Your own two-factor authentication is not reset here" in page_text(response)
    assert not TOTPDevice.objects.filter(user=tina).exists()
    assert TOTPDevice.objects.filter(user=root).exists()
    assert list(
        AuditEvent.objects.filter(action="two_factor_reset").values_list("object_id", flat=True)
    ) == [str(tina.pk)]


def test_nobody_else_may_reset_someone_elses_two_factor(tina, alice):
    from django.core.exceptions import PermissionDenied

    from accounts.services import two_factor_turn_off

    authenticator_for(tina)

    with pytest.raises(PermissionDenied):
        two_factor_turn_off(user=tina, acting_user=alice)
    assert TOTPDevice.objects.filter(user=tina).exists()


def test_the_admin_does_not_offer_two_factor_devices_to_edit():
    registered = {model._meta.app_label for model in admin.site._registry}

    assert not registered & {"otp_totp", "otp_static"}
    assert "axes" not in registered


# Pages ---------------------------------------------------------------------------------------


def test_pages_showing_a_secret_key_or_recovery_codes_are_never_cached(tina):
    client, _ = sign_in_with_password(tina)
    setup = client.get(reverse("accounts:two_factor_setup"))
    enrol(client)
    codes = client.get(reverse("accounts:recovery_codes"))

    for response in (setup, codes):
        assert "no-store" in response["Cache-Control"]


def test_the_sign_in_and_two_factor_templates_have_no_inline_script_or_style():
    templates = Path(django_settings.BASE_DIR) / "templates" / "accounts"
    for path in [templates / "login.html", *sorted((templates / "two_factor").glob("*.html"))]:
        text = path.read_text()
        assert "<script" not in text, path
        assert "<style" not in text, path
        assert "style=" not in text, path
