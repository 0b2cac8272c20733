"""A real Celery worker, consuming from Redis, builds the due agenda packs into the database.

Mirrors tests/test_celery_worker.py, plus the database: the worker runs tasks in its own
thread with its own database connection, which cannot see rows inside the test's
transaction. So this test is transactional (its rows are committed, and the tables emptied
afterwards), and the task is sent to a queue of its own, so no other worker that shares the
broker can take it.
"""

import datetime

import pytest
from celery.contrib.testing.worker import start_worker
from celery.result import EagerResult
from django.utils import timezone

from accounts.models import Role
from families.services import family_create
from supervision.models import AgendaItem, Meeting, SupervisionGroup
from supervision.services import group_create
from supervision.slots import is_working_day
from supervision.tasks import build_due_packs


def working_day_after(day: datetime.date, count: int) -> datetime.date:
    while count:
        day += datetime.timedelta(days=1)
        if is_working_day(day):
            count -= 1
    return day


def at(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(10), tzinfo=timezone.get_current_timezone())


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_builds_the_due_packs_and_stores_them(
    real_broker_app, worker_queue, team, alice, make_user
):
    manager = make_user(Role.TEAM_MANAGER, username="tess", team=team)
    group = group_create(
        team=team,
        chair=manager,
        weekday=SupervisionGroup.Weekday.MONDAY,
        starts_at=datetime.time(10, 0),
        acting_user=manager,
    )
    family = family_create(
        reference="F-WORKER",
        locality=team.locality,
        team=team,
        social_worker=alice,
        opened_on=timezone.localdate() - datetime.timedelta(days=30),
        acting_user=None,
    )
    today = timezone.localdate()
    due = Meeting.objects.create(
        group=group, starts_at=at(working_day_after(today, 1)), length_minutes=120
    )
    later = Meeting.objects.create(
        group=group, starts_at=at(working_day_after(today, 5)), length_minutes=120
    )
    for meeting in (due, later):
        AgendaItem.objects.create(meeting=meeting, family=family, position=1)

    with start_worker(
        real_broker_app, pool="solo", perform_ping_check=False, queues=[worker_queue]
    ):
        result = build_due_packs.apply_async(queue=worker_queue)

        assert not isinstance(result, EagerResult)
        assert result.get(timeout=30) == [due.pk]
        assert result.status == "SUCCESS"

    due.refresh_from_db()
    later.refresh_from_db()
    assert due.pack_built_at is not None
    assert [entry["reference"] for entry in due.pack["families"]] == ["F-WORKER"]
    assert entry_social_worker(due) == "Alice Worker"
    assert (later.pack, later.pack_built_at) == (None, None)


def entry_social_worker(meeting: Meeting) -> str:
    return meeting.pack["families"][0]["social_worker"]
