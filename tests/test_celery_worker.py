"""A real Celery worker, consuming from Redis, runs a task end to end.

Through the default queue, as production sends it (the worker tests of supervision and
outcomes use queues of their own; conftest's real_broker_app explains why they run in one
process of the suite).
"""

import pytest
from celery.contrib.testing.worker import start_worker
from celery.result import EagerResult

from dmt.celery import health


@pytest.mark.celery_worker
def test_a_real_worker_round_trips_the_health_task(real_broker_app):
    with start_worker(real_broker_app, pool="solo", perform_ping_check=False):
        result = health.delay()

        assert not isinstance(result, EagerResult)
        assert result.get(timeout=20) == "ok"
        assert result.status == "SUCCESS"
