"""Every API resource answered to owner, colleague and outsider tokens, as a partner's system
calls it: for each API pattern of the security catalogue's access table (tests/security/
catalogue.py ACCESS), its owner's bearer token may use it on the pattern's first record, and
an outsider's token is refused (403) or told it is not there (404), as the walk judges.

The site walk (tests/security/test_walk.py) proves the same with browser sessions and writes
docs/permissions.md; this proves a token is no wider and no narrower a way in. A GET is
tried where the pattern answers GET; otherwise an empty POST with no If-Match, which an
allowed user is answered 400 or 428 and changes nothing."""

import pytest
from django.test import Client

from accounts.models import User

from ..factories import PASSWORD
from ..security.catalogue import ACCESS, CATALOGUE
from ..security.conftest import world, world_db  # noqa: F401  (the security world)
from ..two_factor import authenticator_for, code_for

API_PATTERNS = sorted(name for name in ACCESS if name.startswith("api-"))
ALLOWED = {200, 201, 204}
ALLOWED_ACTION = {400, 428}  # an empty POST's answer to someone who may act


def token_client(user: User) -> Client:
    """A client sending a bearer token got as a partner's system gets one."""
    response = Client().post(
        "/api/auth/token/",
        {"username": user.username, "password": PASSWORD, "otp": code_for(authenticator_for(user))},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    return Client(headers={"Authorization": f"Bearer {response.json()['token']}"})


def answer(client: Client, path: str) -> tuple[str, int]:
    response = client.get(path)
    if response.status_code == 405:
        response = client.post(path, "{}", content_type="application/json")
        return "POST", response.status_code
    return "GET", response.status_code


def test_the_access_table_names_every_record_api_pattern():
    assert len(API_PATTERNS) >= 20, API_PATTERNS


@pytest.mark.parametrize("name", API_PATTERNS)
def test_an_owners_token_may_and_an_outsiders_may_not(world_db, name):  # noqa: F811
    owner, _colleague, outsider = ACCESS[name]
    clients = {username: token_client(world_db.user(username)) for username in (owner, outsider)}
    # The record the access table speaks of is the catalogue's first for the pattern (its
    # others are other people's: the walk reads them all).
    target = CATALOGUE[name](world_db)[0]
    method, status = answer(clients[owner], target.path)
    allowed = ALLOWED | (ALLOWED_ACTION if method == "POST" else set())
    assert status in allowed, (name, target.label, owner, method, status)
    method, status = answer(clients[outsider], target.path)
    assert status in (403, 404), (name, target.label, outsider, method, status)
