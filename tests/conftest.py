import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY

from accounts.models import Role, Team, User
from accounts.two_factor import two_factor_required
from dmt.exports import SPREADSHEET_CONTENT_TYPES, ExportResponse

from .factories import TeamFactory, UserFactory
from .two_factor import authenticator_for


@pytest.fixture
def team(db) -> Team:
    return TeamFactory(name="SASS West 1", locality__name="West")


@pytest.fixture
def other_team(db) -> Team:
    return TeamFactory(name="SASS Chesil", locality__name="Chesil")


@pytest.fixture
def alice(team) -> User:
    """A social worker: the owner of the work in most tests."""
    return UserFactory(username="alice", first_name="Alice", role=Role.SOCIAL_WORKER, team=team)


@pytest.fixture
def bob(team) -> User:
    """Alice's colleague in the same team."""
    return UserFactory(username="bob", first_name="Bob", role=Role.SOCIAL_WORKER, team=team)


@pytest.fixture
def charlie(other_team) -> User:
    """An outsider: a social worker in another locality's team."""
    return UserFactory(
        username="charlie", first_name="Charlie", role=Role.SOCIAL_WORKER, team=other_team
    )


@pytest.fixture
def make_user(db):
    def make(role: Role, **fields) -> User:
        return UserFactory(role=role, **fields)

    return make


def signed_in(user: User) -> Client:
    """A client signed in as `user`, past two-factor authentication when their role needs it.

    force_login, because Client.login() authenticates without a request, which axes refuses.
    """
    client = Client()
    client.force_login(user)
    if two_factor_required(user):
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = authenticator_for(user).persistent_id
        session.save()
    return client


@pytest.fixture
def client_for():
    return signed_in


@pytest.fixture(autouse=True)
def _spreadsheets_come_from_the_export_writer(monkeypatch):
    """Any test that downloads a spreadsheet (CSV, XLSX, ...) fails unless dmt.exports wrote
    it in a view marked @export_view: so no export escapes formula escaping, nor
    tests/test_every_export.py, which downloads every marked view with formula-like names."""
    send = Client.request

    def request(self, **kwargs):
        response = send(self, **kwargs)
        content_type = response.get("Content-Type", "").lower()
        if content_type.startswith(SPREADSHEET_CONTENT_TYPES):
            assert isinstance(response, ExportResponse) and response.from_export_view, (
                f"{kwargs.get('PATH_INFO')} sent {content_type} without dmt.exports: write it "
                "with csv_response or xlsx_response in a view marked @export_view"
            )
        return response

    monkeypatch.setattr(Client, "request", request)
