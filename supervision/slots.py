"""Finding a time for group supervision that everyone needed can attend.

Who is needed: the chair, each chosen family's social worker and every specialist working with
one of its adults (an open referral allocated to them). Each person's availability comes from
their working days (Monday to Friday, 9:00 to 17:00 when none are recorded), their leave,
England's bank holidays, and the other supervision meetings they are already in.

Candidates start every half hour within the working day, on weekdays, over the next N weeks.
Slots everyone can attend come first; among equals the group's usual weekday and time, then the
earliest. Each alternative lists who cannot come. Three queries load everything; the search is
arithmetic on those sets, so a team of 30 over 12 weeks answers at once (bench/slot_finder.py).
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache

import holidays
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from families.models import Family
from referrals.models import Referral

from .models import Leave, Meeting, SupervisionGroup, WorkingDay

STEP_MINUTES = 30
DEFAULT_DAY = (datetime.time(9, 0), datetime.time(17, 0))
WORKING_WEEKDAYS = range(5)


@cache
def _bank_holidays(year: int) -> frozenset[datetime.date]:
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


def is_working_day(day: datetime.date) -> bool:
    return day.weekday() in WORKING_WEEKDAYS and day not in _bank_holidays(day.year)


def working_days_before(day: datetime.date, count: int) -> datetime.date:
    """The date `count` working days before `day` (weekends and bank holidays skipped)."""
    while count:
        day -= datetime.timedelta(days=1)
        if is_working_day(day):
            count -= 1
    return day


def needed_for(group: SupervisionGroup, families: Iterable[Family]) -> list[User]:
    """The chair, the families' social workers and the specialists working with their adults."""
    family_ids = [family.pk for family in families]
    ids = {group.chair_id}
    ids.update(
        Family.objects.filter(pk__in=family_ids, social_worker__isnull=False).values_list(
            "social_worker_id", flat=True
        )
    )
    ids.update(
        Referral.objects.filter(
            family_id__in=family_ids, closed_on__isnull=True, practitioner__isnull=False
        ).values_list("practitioner_id", flat=True)
    )
    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("last_name", "first_name"))


@dataclass
class Slot:
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    cannot_come: list[User] = field(default_factory=list)
    usual: bool = False

    @property
    def everyone(self) -> bool:
        return not self.cannot_come


@dataclass
class _Availability:
    """What one person's week and diary look like, loaded once."""

    days: dict[int, tuple[datetime.time, datetime.time]]
    leave: list[tuple[datetime.date, datetime.date]]
    busy: dict[datetime.date, list[tuple[datetime.datetime, datetime.datetime]]]

    def free(self, start: datetime.datetime, end: datetime.datetime, day: datetime.date) -> bool:
        """`start` and `end` are local times on `day` (the caller converts once per slot)."""
        hours = self.days.get(day.weekday())
        if hours is None or start.time() < hours[0] or end.time() > hours[1]:
            return False
        if end.date() != day:
            return False
        if any(first <= day <= last for first, last in self.leave):
            return False
        return not any(
            start < busy_end and busy_start < end for busy_start, busy_end in self.busy.get(day, ())
        )


def _availability(
    people: list[User], first: datetime.date, last: datetime.date, exclude_meeting: int | None
) -> dict[int, _Availability]:
    ids = [person.pk for person in people]
    patterns: dict[int, dict[int, tuple[datetime.time, datetime.time]]] = defaultdict(dict)
    for row in WorkingDay.objects.filter(user_id__in=ids):
        patterns[row.user_id][row.weekday] = (row.starts_at, row.ends_at)
    leave: dict[int, list[tuple[datetime.date, datetime.date]]] = defaultdict(list)
    for away in Leave.objects.filter(user_id__in=ids, ends_on__gte=first, starts_on__lte=last):
        leave[away.user_id].append((away.starts_on, away.ends_on))
    busy: dict[int, dict[datetime.date, list[tuple[datetime.datetime, datetime.datetime]]]] = (
        defaultdict(lambda: defaultdict(list))
    )
    tz = timezone.get_current_timezone()
    meetings = Meeting.objects.filter(
        status=Meeting.Status.PLANNED,
        starts_at__gte=datetime.datetime.combine(first, datetime.time.min, tzinfo=tz),
        starts_at__lt=datetime.datetime.combine(
            last + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz
        ),
    ).filter(Q(group__members__in=ids) | Q(group__chair_id__in=ids))
    if exclude_meeting is not None:
        meetings = meetings.exclude(pk=exclude_meeting)
    for starts_at, minutes, chair_id, member_id in meetings.values_list(
        "starts_at", "length_minutes", "group__chair_id", "group__members"
    ):
        local = timezone.localtime(starts_at)
        span = (local, local + datetime.timedelta(minutes=minutes))
        for person_id in {chair_id, member_id} & set(ids):
            if span not in busy[person_id][local.date()]:
                busy[person_id][local.date()].append(span)
    weekdays = dict.fromkeys(WORKING_WEEKDAYS, DEFAULT_DAY)
    return {
        person_id: _Availability(
            patterns.get(person_id) or weekdays, leave[person_id], busy[person_id]
        )
        for person_id in ids
    }


def find_slots(
    group: SupervisionGroup,
    people: list[User],
    *,
    start: datetime.date,
    weeks: int,
    length_minutes: int,
    limit: int = 10,
    exclude_meeting: int | None = None,
) -> list[Slot]:
    """The best `limit` times in the `weeks` from `start`: everyone first, then fewest away;
    the group's usual weekday and time first among equals, then the earliest."""
    last = start + datetime.timedelta(weeks=weeks) - datetime.timedelta(days=1)
    availability = _availability(people, start, last, exclude_meeting)
    tz = timezone.get_current_timezone()
    length = datetime.timedelta(minutes=length_minutes)
    slots = []
    day = start
    now = timezone.now()
    while day <= last:
        if is_working_day(day):
            latest = datetime.datetime.combine(day, datetime.time(18, 0), tzinfo=tz)
            earliest = datetime.datetime.combine(day, datetime.time(8, 0), tzinfo=tz)
            moment = earliest
            while moment + length <= latest:
                if moment > now:
                    local = timezone.localtime(moment)
                    local_end = local + length
                    away = [p for p in people if not availability[p.pk].free(local, local_end, day)]
                    if len(away) < len(people):
                        slots.append(
                            Slot(
                                starts_at=moment,
                                ends_at=moment + length,
                                cannot_come=away,
                                usual=day.weekday() == group.weekday
                                and moment.time() == group.starts_at,
                            )
                        )
                moment += datetime.timedelta(minutes=STEP_MINUTES)
        day += datetime.timedelta(days=1)
    slots.sort(key=lambda slot: (len(slot.cannot_come), not slot.usual, slot.starts_at))
    return slots[:limit]
