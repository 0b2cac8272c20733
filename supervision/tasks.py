"""Background jobs for group supervision (Celery; beat runs them from settings)."""

import datetime
import logging

from celery import shared_task
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from .models import AgendaItem, Meeting
from .pack import pack_store
from .slots import working_days_before

logger = logging.getLogger(__name__)

PACK_WORKING_DAYS_BEFORE = 2


def pack_due(meeting_day: datetime.date, today: datetime.date) -> bool:
    """A meeting's pack is due from two working days before it (weekends and England's bank
    holidays skipped): on Friday for Tuesday, on 23 December for 29 December."""
    return working_days_before(meeting_day, PACK_WORKING_DAYS_BEFORE) <= today


def last_day_due(today: datetime.date) -> datetime.date:
    """The latest meeting day whose pack is due `today`."""
    day = today
    while pack_due(day + datetime.timedelta(days=1), today):
        day += datetime.timedelta(days=1)
    return day


def _stale(meeting: Meeting) -> bool:
    """Never built, or built before the agenda (or time) last changed."""
    if meeting.pack_built_at is None:
        return True
    built_from = meeting.pack.get("meeting_version") if isinstance(meeting.pack, dict) else None
    return built_from != meeting.version


def due_meetings(today: datetime.date) -> list[Meeting]:
    """Planned meetings from today up to two working days ahead, with an agenda, whose pack
    is not built yet or was built from an earlier version of the meeting."""
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(today, datetime.time.min, tzinfo=tz)
    end = datetime.datetime.combine(
        last_day_due(today) + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz
    )
    meetings = Meeting.objects.filter(
        Exists(AgendaItem.objects.filter(meeting=OuterRef("pk"))),
        status=Meeting.Status.PLANNED,
        starts_at__gte=start,
        starts_at__lt=end,
    ).order_by("starts_at", "pk")
    return [
        meeting
        for meeting in meetings
        if pack_due(timezone.localdate(meeting.starts_at), today) and _stale(meeting)
    ]


@shared_task(name="supervision.build_due_packs")
def build_due_packs(today: str | None = None) -> list[int]:
    """Build the agenda pack of each meeting that is due one (see due_meetings). Safe to run
    again, or twice at once: each meeting is locked and checked again before it is built.
    Returns the ids of the meetings whose packs were built."""
    day = datetime.date.fromisoformat(today) if today else timezone.localdate()
    built = []
    for candidate in due_meetings(day):
        with transaction.atomic():
            meeting = (
                Meeting.objects.select_for_update()
                .filter(pk=candidate.pk, status=Meeting.Status.PLANNED)
                .first()
            )
            if meeting is None or not _stale(meeting):
                continue
            pack_store(meeting, today=day)
        built.append(meeting.pk)
    logger.info("Built %d agenda pack(s) for %s: %s", len(built), day.isoformat(), built)
    return built
