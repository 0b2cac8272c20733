import pytest
from django.urls import reverse

from accounts.models import AuditEvent, Role

from ..factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_an_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next=/"


def test_an_anonymous_visitor_cannot_read_the_audit_trail(client):
    response = client.get(reverse("accounts:audit_events"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_signing_in_reaches_home_and_is_audited(client, alice, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    response = client.post(
        reverse("accounts:login"),
        {"username": "alice", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="10.1.2.3",
        HTTP_X_REQUEST_ID="req-0123456789",
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    event = AuditEvent.objects.get(action=AuditEvent.Action.LOGIN)
    assert event.actor == alice
    assert event.username == "alice"
    assert event.ip_address == "10.1.2.3"
    assert event.request_id == "req-0123456789"


def test_a_failed_sign_in_leaves_an_audit_row_and_no_session(client, alice):
    response = client.post(
        reverse("accounts:login"),
        {"username": "alice", "password": "wrong password"},
        REMOTE_ADDR="192.0.2.7",
    )

    assert response.status_code == 200
    assert "Enter a correct username and password" in response.content.decode()
    assert "_auth_user_id" not in client.session
    event = AuditEvent.objects.get()
    assert event.action == AuditEvent.Action.LOGIN_FAILED
    assert event.actor is None
    assert event.username == "alice"
    assert event.ip_address == "192.0.2.7"
    assert len(event.request_id) == 32
    assert "wrong password" not in str(event.detail)


def test_a_failed_sign_in_with_an_unknown_username_is_audited_by_what_was_typed(client, db):
    client.post(reverse("accounts:login"), {"username": "mallory", "password": "guess"})

    event = AuditEvent.objects.get()
    assert (event.action, event.username, event.actor) == ("login_failed", "mallory", None)


def test_signing_out_is_audited_and_ends_the_session(client_for, alice):
    client = client_for(alice)

    response = client.post(reverse("accounts:logout"))

    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="logout", actor=alice).count() == 1
    assert client.get("/").status_code == 302


def test_every_response_carries_a_request_id(client):
    response = client.get(reverse("accounts:login"))

    assert len(response["X-Request-ID"]) == 32


def test_a_forged_request_id_is_replaced(client):
    response = client.get(reverse("accounts:login"), HTTP_X_REQUEST_ID="<script>alert(1)</script>")

    assert response["X-Request-ID"] != "<script>alert(1)</script>"
    assert len(response["X-Request-ID"]) == 32


def test_a_social_worker_cannot_open_the_admin(client_for, alice):
    response = client_for(alice).get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_a_social_worker_wrongly_marked_staff_still_cannot_open_the_admin(client_for, alice):
    alice.is_staff = alice.is_superuser = True
    alice.save(update_fields=["is_staff", "is_superuser"])

    response = client_for(alice).get("/admin/")

    assert response.status_code == 302


def test_an_administrator_can_open_the_admin(client_for, make_user):
    admin = make_user(Role.ADMIN, username="root", is_staff=True, is_superuser=True)

    response = client_for(admin).get("/admin/")

    assert response.status_code == 200


def test_createsuperuser_makes_an_administrator(db):
    from accounts.models import User

    user = User.objects.create_superuser("boss", "boss@example.invalid", PASSWORD)

    assert user.role == Role.ADMIN


def test_nobody_can_change_or_delete_audit_events_in_the_admin(client_for, make_user):
    admin = make_user(Role.ADMIN, username="root", is_staff=True, is_superuser=True)
    client = client_for(admin)
    event = AuditEvent.objects.filter(action="login").first()

    assert client.get(f"/admin/accounts/auditevent/{event.pk}/delete/").status_code == 403
    response = client.post(f"/admin/accounts/auditevent/{event.pk}/change/", {"action": "view"})
    assert response.status_code == 403
    event.refresh_from_db()
    assert event.action == "login"


def test_a_social_worker_cannot_be_saved_with_a_pathway(db):
    from django.db import IntegrityError

    with pytest.raises(IntegrityError):
        UserFactory(role=Role.SOCIAL_WORKER, pathway="dmt")
