import pytest
from django.test import Client

from accounts.models import Role, Team, User

from .factories import PASSWORD, TeamFactory, UserFactory


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
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def client_for():
    return signed_in
