"""A real Celery worker, consuming from Redis, runs a task end to end."""

import pytest
from celery.contrib.testing.worker import start_worker
from celery.result import EagerResult

from dmt.celery import app, health
from tests.services import redis_url


@pytest.fixture
def real_broker_app():
    url = redis_url()
    saved = {key: app.conf[key] for key in ("broker_url", "result_backend", "task_always_eager")}
    app.conf.update(broker_url=url, result_backend=url, task_always_eager=False)
    yield app
    app.conf.update(saved)


@pytest.mark.celery_worker
def test_a_real_worker_round_trips_the_health_task(real_broker_app):
    with start_worker(real_broker_app, pool="solo", perform_ping_check=False):
        result = health.delay()

        assert not isinstance(result, EagerResult)
        assert result.get(timeout=20) == "ok"
        assert result.status == "SUCCESS"
