"""A real Celery worker, consuming from Redis, computes a report run into the database.

As in tests/supervision/test_pack_worker.py: the worker has its own database connection, so
the test is transactional, and its tasks go to a queue of their own.
"""

import pytest
from celery.contrib.testing.worker import start_worker
from celery.result import EagerResult

from accounts.models import Role
from outcomes import services
from outcomes.models import ReportRun
from outcomes.reports import ReportParameters
from outcomes.tasks import report_run_task
from tests.services import reseed_reference_data

from .conftest import AS_OF


@pytest.fixture(autouse=True)
def seeded_reference_data(transactional_db) -> None:
    reseed_reference_data()  # an earlier transactional test's flush may have emptied them


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_computes_a_requested_run_once_even_if_delivered_twice(
    real_broker_app,
    worker_queue,
    cohorts,
    make_user,
    monkeypatch,
):
    sent = []
    monkeypatch.setattr(
        services,
        "_send",
        lambda run_id: sent.append(report_run_task.apply_async(args=[run_id], queue=worker_queue)),
    )
    manager = make_user(Role.SERVICE_MANAGER, username="sue")

    with start_worker(
        real_broker_app, pool="solo", perform_ping_check=False, queues=[worker_queue]
    ):
        run = services.report_run_request(
            report="engagement",
            params=ReportParameters.parse(as_of=AS_OF, pathway="dmt"),
            by="cohort",
            acting_user=manager,
        )
        duplicate = report_run_task.apply_async(args=[run.pk], queue=worker_queue)

        [result] = sent
        assert not isinstance(result, EagerResult)
        assert result.get(timeout=30) == "succeeded"
        assert duplicate.get(timeout=30) == "succeeded"

    run.refresh_from_db()
    assert (run.status, run.progress, run.attempts) == (ReportRun.Status.SUCCEEDED, 100, 1)
    assert run.result["data"]["approached"] == 9
    assert run.result["data"]["engaged"] == 5
    assert [g["label"] for g in run.result["breakdown"]["groups"]] == ["Later", "Pilot"]
