"""Service accounts: a partner agency's system, made by an administrator as a practitioner of
one pathway at one agency, reaching DMT only through the API with a long-lived token that an
administrator rotates; it never signs in to pages."""

import datetime
import html
import re

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import ApiToken, AuditEvent, PartnerAgency, Role, SpecialistPathway, User
from accounts.services import service_account_create

from ..factories import PASSWORD, PartnerAgencyFactory

pytestmark = pytest.mark.django_db

SERVICE_ACCOUNTS_URL = "/api/auth/service-accounts/"


@pytest.fixture
def root(make_user) -> User:
    return make_user(Role.ADMIN, username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def agency(db) -> PartnerAgency:
    return PartnerAgencyFactory(name="Turning Point")


@pytest.fixture
def partner(root, agency) -> tuple[User, str]:
    """A service account made through the service, and its first token."""
    account = User(
        username="turning-point",
        first_name="Turning Point case system",
        pathway=SpecialistPathway.SUBSTANCE_USE,
        agency=agency,
    )
    issued = service_account_create(account=account, acting_user=root)
    return account, issued.key


def bearer(token: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {token}"})


def rotate_url(username: str) -> str:
    return reverse("api-auth:service_account_rotate", args=[username])


def test_an_administrator_creates_a_service_account_and_gets_its_token_once(
    client_for, root, agency
):
    response = client_for(root).post(
        SERVICE_ACCOUNTS_URL,
        {
            "username": "turning-point",
            "name": "Turning Point case system",
            "pathway": "substance_use",
            "agency": agency.pk,
        },
        content_type="application/json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert {key: body[key] for key in ("username", "name", "pathway", "is_active")} == {
        "username": "turning-point",
        "name": "Turning Point case system",
        "pathway": "substance_use",
        "is_active": True,
    }
    assert body["agency"] == {"id": agency.pk, "name": "Turning Point"}
    account = User.objects.get(username="turning-point")
    assert (account.is_service_account, account.role, account.pathway, account.agency) == (
        True,
        Role.SPECIALIST,
        "substance_use",
        agency,
    )
    assert not account.has_usable_password()
    assert (account.is_staff, account.is_superuser, account.leads_pathway) == (False, False, False)
    token = ApiToken.objects.get(user=account)
    assert token.prefix == body["token"]["token"][:12]
    days = (token.expires_at - timezone.now()) / datetime.timedelta(days=1)
    assert 364.9 < days <= 365
    created = AuditEvent.objects.get(action="create", object_id=str(account.pk))
    assert (created.actor, created.object_type) == (root, "accounts.user")
    assert created.detail == {"role": "specialist", "kind": "service_account"}
    issued = AuditEvent.objects.get(action="token_issued")
    assert (issued.actor, issued.detail["owner"], issued.detail["via"]) == (
        root,
        "turning-point",
        "service_account",
    )
    # Its token reads the API as the service account; nobody can read the token again.
    listed = bearer(body["token"]["token"]).get("/api/auth/tokens/").json()["results"]
    assert [(row["owner"], row["name"]) for row in listed] == [("turning-point", "Service token")]
    assert body["token"]["token"] not in client_for(root).get("/api/auth/tokens/").content.decode()


def test_a_service_account_needs_an_agency_and_a_pathway(client_for, root, agency):
    admin = client_for(root)

    no_agency = admin.post(
        SERVICE_ACCOUNTS_URL,
        {"username": "x", "name": "X", "pathway": "dmt"},
        content_type="application/json",
    )
    no_pathway = admin.post(
        SERVICE_ACCOUNTS_URL,
        {"username": "x", "name": "X", "agency": agency.pk},
        content_type="application/json",
    )
    odd_agency = admin.post(
        SERVICE_ACCOUNTS_URL,
        {"username": "x", "name": "X", "pathway": "dmt", "agency": "٣"},
        content_type="application/json",
    )

    assert (no_agency.status_code, no_pathway.status_code, odd_agency.status_code) == (
        400,
        400,
        400,
    )
    assert [e["pointer"] for e in no_agency.json()["errors"]] == ["#/agency"]
    assert [e["pointer"] for e in no_pathway.json()["errors"]] == ["#/pathway"]
    assert not User.objects.filter(username="x").exists()


def test_the_database_refuses_a_service_account_without_an_agency_or_as_a_manager(agency):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(
            username="a", role=Role.SPECIALIST, pathway="dmt", is_service_account=True
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(
            username="b", role=Role.SOCIAL_WORKER, agency=agency, is_service_account=True
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(
            username="c",
            role=Role.SPECIALIST,
            pathway="dmt",
            agency=agency,
            leads_pathway=True,
            is_service_account=True,
        )


def test_only_administrators_list_create_and_rotate_service_accounts(client_for, alice, partner):
    account, _token = partner
    client = client_for(alice)

    listing = client.get(SERVICE_ACCOUNTS_URL)
    created = client.post(
        SERVICE_ACCOUNTS_URL,
        {"username": "mine", "name": "Mine", "pathway": "dmt", "agency": account.agency_id},
        content_type="application/json",
    )
    rotated = client.post(rotate_url(account.username))

    assert (listing.status_code, created.status_code, rotated.status_code) == (403, 403, 403)
    assert not User.objects.filter(username="mine").exists()
    assert ApiToken.objects.filter(user=account).count() == 1


def test_an_administrator_lists_the_service_accounts(client_for, root, partner, alice):
    response = client_for(root).get(SERVICE_ACCOUNTS_URL)

    rows = response.json()["results"]
    assert [(row["username"], row["agency"]["name"]) for row in rows] == [
        ("turning-point", "Turning Point")
    ]


def test_rotation_issues_a_new_token_and_the_old_one_stops_working(client_for, root, partner):
    account, old = partner
    assert bearer(old).get("/api/referrals/").status_code == 200

    response = client_for(root).post(rotate_url("turning-point"))

    assert response.status_code == 201
    new = response.json()["token"]
    assert new != old
    refused = bearer(old).get("/api/referrals/")
    assert refused.status_code == 401
    assert "revoked" in refused.json()["detail"]
    assert bearer(new).get("/api/referrals/").status_code == 200
    tokens = ApiToken.objects.filter(user=account).order_by("id")
    assert [(t.prefix, t.revoked_by) for t in tokens] == [(old[:12], root), (new[:12], None)]
    rotation = AuditEvent.objects.filter(detail__via="rotation").order_by("id")
    assert [(row.action, row.actor, row.detail["token_prefix"]) for row in rotation] == [
        ("token_revoked", root, old[:12]),
        ("token_issued", root, new[:12]),
    ]


def test_rotating_someone_who_is_not_a_service_account_is_not_found(client_for, root, alice):
    response = client_for(root).post(rotate_url("alice"))

    assert response.status_code == 404
    assert not ApiToken.objects.exists()


def test_a_switched_off_service_account_is_not_rotated(client_for, root, partner):
    account, old = partner
    User.objects.filter(pk=account.pk).update(is_active=False)

    response = client_for(root).post(rotate_url("turning-point"))

    assert response.status_code == 400
    assert "switched off" in str(response.json())
    assert ApiToken.objects.filter(user=account).count() == 1
    assert bearer(old).get("/api/referrals/").status_code == 401


# Never a person's sign-in ------------------------------------------------------------------


def test_a_service_account_cannot_sign_in_to_pages_or_for_a_token_even_with_a_password(partner):
    account, _token = partner
    # However it came to have one (an administrator cannot set one: see below).
    account.set_password(PASSWORD)
    User.objects.filter(pk=account.pk).update(password=account.password)
    client = Client(REMOTE_ADDR="192.0.2.40")

    page = client.post(
        reverse("accounts:login"), {"username": "turning-point", "password": PASSWORD}
    )
    api = client.post(
        "/api/auth/token/",
        {"username": "turning-point", "password": PASSWORD},
        content_type="application/json",
    )

    assert page.status_code == 200
    assert "Enter a correct username and password" in html.unescape(page.content.decode())
    assert "_auth_user_id" not in client.session
    assert api.status_code == 401
    assert AuditEvent.objects.filter(action="login_failed", username="turning-point").count() == 2


def test_a_session_of_a_service_account_is_nobodys(partner):
    account, _token = partner
    client = Client()
    client.force_login(account)

    response = client.get(reverse("home"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_a_service_account_is_given_no_password_by_the_service(root, partner):
    from django.core.exceptions import ValidationError

    from accounts.services import staff_set_password

    account, _token = partner
    with pytest.raises(ValidationError):
        staff_set_password(user=account, password="a-long-enough-passphrase", acting_user=root)
    account.refresh_from_db()
    assert not account.has_usable_password()


# Django admin -----------------------------------------------------------------------------------


def test_django_admin_creates_a_service_account_and_shows_its_token_once(client_for, root, agency):
    admin = client_for(root)

    response = admin.post(
        reverse("admin:accounts_serviceaccount_add"),
        {
            "username": "turning-point",
            "first_name": "Turning Point case system",
            "pathway": "substance_use",
            "agency": agency.pk,
        },
    )

    assert response.status_code == 200, response.content.decode()[:2000]
    page = html.unescape(response.content.decode())
    [token] = re.findall(r'<code id="token-turning-point">(dmt_[A-Za-z0-9_-]+)</code>', page)
    assert "it cannot be shown again" in page
    account = User.objects.get(username="turning-point")
    assert account.is_service_account and account.agency == agency
    assert bearer(token).get("/api/referrals/").status_code == 200
    # The account's page afterwards shows the token's prefix, never the token.
    change = admin.get(reverse("admin:accounts_serviceaccount_change", args=[account.pk]))
    assert token[:12] in change.content.decode() and token not in change.content.decode()


def test_django_admin_rotates_a_token_after_asking(client_for, root, partner):
    account, old = partner
    admin = client_for(root)
    url = reverse("admin:accounts_serviceaccount_changelist")
    chosen = {"action": "rotate_token", "_selected_action": [account.pk]}

    asked = admin.post(url, chosen)
    assert asked.status_code == 200
    assert "stops working at once" in html.unescape(asked.content.decode())
    assert bearer(old).get("/api/referrals/").status_code == 200

    done = admin.post(url, {**chosen, "post": "yes"})

    [new] = re.findall(r'<code id="token-turning-point">(dmt_[A-Za-z0-9_-]+)</code>', done.text)
    assert bearer(old).get("/api/referrals/").status_code == 401
    assert bearer(new).get("/api/referrals/").status_code == 200


def test_django_admin_revokes_tokens_through_the_service(client_for, root, partner, alice):
    account, token = partner
    admin = client_for(root)
    stored = ApiToken.objects.get(user=account)

    listing = admin.get(reverse("admin:accounts_apitoken_changelist"))
    admin.post(
        reverse("admin:accounts_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [stored.pk]},
    )

    assert stored.prefix in listing.content.decode()
    assert stored.key_hash not in listing.content.decode()
    assert bearer(token).get("/api/referrals/").status_code == 401
    [row] = AuditEvent.objects.filter(action="token_revoked")
    assert (row.actor, row.detail["owner"]) == (root, "turning-point")


def test_the_staff_list_in_django_admin_leaves_service_accounts_out(client_for, root, partner):
    account, _token = partner
    admin = client_for(root)

    staff = admin.get(reverse("admin:accounts_user_changelist")).content.decode()
    password = admin.get(reverse("admin:auth_user_password_change", args=[account.pk]))

    assert "turning-point" not in staff and "root" in staff
    assert password.status_code in (302, 404)
    account.refresh_from_db()
    assert not account.has_usable_password()


# The schema --------------------------------------------------------------------------------------


def test_the_schema_shows_a_bearer_scheme_and_documents_every_operation(db):
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)

    assert schema["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    operations = {
        (method, path): operation
        for path, item in schema["paths"].items()
        if path.startswith("/api/auth/")
        for method, operation in item.items()
    }
    assert set(operations) == {
        ("post", "/api/auth/token/"),
        ("get", "/api/auth/tokens/"),
        ("get", "/api/auth/tokens/{id}/"),
        ("delete", "/api/auth/tokens/{id}/"),
        ("get", "/api/auth/service-accounts/"),
        ("post", "/api/auth/service-accounts/"),
        ("post", "/api/auth/service-accounts/{username}/rotate/"),
    }
    for key, operation in operations.items():
        assert operation["summary"] and operation["description"], key
        errors = [code for code in operation["responses"] if code.startswith(("4", "5"))]
        assert errors, key
        for code in errors:
            assert operation["responses"][code]["description"], (key, code)
    assert operations[("post", "/api/auth/token/")]["security"] == [{}]
    assert {"bearerAuth": []} in operations[("get", "/api/auth/tokens/")]["security"]
    token_request = operations[("post", "/api/auth/token/")]["requestBody"]["content"]
    assert "examples" in token_request["application/json"]


def test_the_service_account_list_reads_every_tokens_expiry_in_one_query(
    client_for, root, partner, agency
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    admin = client_for(root)
    url = reverse("admin:accounts_serviceaccount_changelist")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            page = admin.get(url)
        assert page.status_code == 200
        return len(captured)

    with_one = queries()
    for number in range(3):
        service_account_create(
            account=User(
                username=f"partner-{number}", first_name="P", pathway="dmt", agency=agency
            ),
            acting_user=root,
        )
    with_four = queries()
    ApiToken.objects.filter(user__username="partner-0").update(revoked_at=timezone.now())
    page = html.unescape(admin.get(url).content.decode())

    assert with_four == with_one
    assert page.count("no token") == 1
