import uuid
from collections.abc import Iterator

import pytest
from celery import Celery
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY

from accounts.models import Role, Team, User
from accounts.two_factor import two_factor_required
from dmt.celery import app as celery_app
from dmt.exports import SPREADSHEET_CONTENT_TYPES, ExportResponse

from .factories import TeamFactory, UserFactory
from .services import redis_url
from .two_factor import authenticator_for


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """`make test` runs the suite in several processes (pytest-xdist, --dist loadgroup).
    Tests marked celery_worker start a real worker against the one Redis: they run one after
    another in a single process, so no worker ever meets another's tasks or control messages
    (each also sends its tasks to a queue of its own: see real_broker_app)."""
    for item in items:
        if item.get_closest_marker("celery_worker"):
            item.add_marker(pytest.mark.xdist_group("celery_worker"))


def _forget_broker_connections() -> None:
    """Celery keeps the broker connection pool, the AMQP helper (with the queues a worker was
    told to consume from) and the result backend it first made. Made by an earlier test with
    no broker in the environment, they point at the default AMQP broker and the disabled
    backend; left by a worker test, the next worker would consume only that test's queue.
    Forget them (as Celery does after a fork) so each test's settings apply."""
    celery_app._pool = None
    celery_app.__dict__.pop("amqp", None)
    vars(celery_app._local).pop("backend", None)


@pytest.fixture
def real_broker_app() -> Iterator[Celery]:
    """DMT's Celery app pointed at the real Redis, tasks no longer run in-process."""
    url = redis_url()
    keys = ("broker_url", "result_backend", "task_always_eager")
    saved = {key: celery_app.conf[key] for key in keys}
    celery_app.conf.update(broker_url=url, result_backend=url, task_always_eager=False)
    _forget_broker_connections()
    yield celery_app
    celery_app.conf.update(saved)
    _forget_broker_connections()


@pytest.fixture
def worker_queue() -> str:
    """A queue of this test's own: a worker of another test, another process of the suite or
    another run sharing the broker cannot take its tasks."""
    return f"dmt-test-{uuid.uuid4().hex}"


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
