"""The slot finder (supervision.slots): who is needed, and when they can all come.

Everyone works Monday to Friday 9:00 to 17:00 unless a test records their working days, so a
two-hour meeting can start at 9:00 to 15:00 on the half hour. The group usually meets on
Tuesdays at 10:00. Weeks start on `monday`, a future Monday clear of bank holidays.
"""

import datetime

import pytest
from django.utils import timezone

from accounts.models import Role
from referrals.services import referral_close
from supervision.models import Leave, Meeting, SupervisionGroup, WorkingDay
from supervision.services import group_create
from supervision.slots import find_slots, is_working_day, needed_for, working_days_before

from .conftest import adult, at, clear_monday

pytestmark = pytest.mark.django_db

DAY_STARTS = [datetime.time(9 + n // 2, 30 * (n % 2)) for n in range(13)]  # 9:00 ... 15:00


def local(slot) -> tuple[datetime.date, datetime.time]:
    moment = timezone.localtime(slot.starts_at)
    return moment.date(), moment.time()


def days_of(monday: datetime.date, *offsets: int) -> list[datetime.date]:
    return [monday + datetime.timedelta(days=n) for n in offsets]


@pytest.fixture
def people(manager, alice, specialist) -> list:
    """The chair, alice (the family's social worker) and Sue (its specialist), in the order
    needed_for gives: Manager, Specialist, Worker."""
    return [manager, specialist, alice]


def slots(group, people, monday, *, weeks=1, length=120, limit=1000, **kwargs):
    return find_slots(
        group, people, start=monday, weeks=weeks, length_minutes=length, limit=limit, **kwargs
    )


def test_needed_are_the_chair_the_social_workers_and_the_specialists(
    group, manager, alice, bob, specialist, make_user, make_family, refer, today
):
    ours = make_family(alice, reference="OURS")
    make_family(bob, reference="NOT-CHOSEN")
    other = make_user(
        Role.SPECIALIST, username="sid", last_name="Other", pathway=specialist.pathway
    )
    gone = make_user(Role.SPECIALIST, username="gil", last_name="Gone", pathway=specialist.pathway)
    finished = make_user(
        Role.SPECIALIST, username="fay", last_name="Finished", pathway=specialist.pathway
    )
    since = today - datetime.timedelta(days=30)
    refer(adult(ours, name="Maya"), referred_on=since, by=alice, practitioner=specialist)
    refer(adult(ours, name="Mia"), referred_on=since, by=alice)  # waiting: nobody yet
    ended = refer(adult(ours, name="Dee"), referred_on=since, by=alice, practitioner=finished)
    referral_close(referral=ended, closed_on=today, reason="completed", acting_user=alice)
    refer(adult(ours, name="Gus"), referred_on=since, by=alice, practitioner=gone)
    gone.is_active = False
    gone.save()
    refer(adult(make_family(bob), name="Bo"), referred_on=since, by=bob, practitioner=other)

    assert needed_for(group, [ours]) == [manager, specialist, alice]
    assert needed_for(group, []) == [manager]


def test_everyone_free_puts_the_usual_slot_first_then_the_earliest(group, people, monday):
    found = slots(group, people, monday, limit=3)

    assert [local(slot) for slot in found] == [
        (monday + datetime.timedelta(days=1), datetime.time(10, 0)),
        (monday, datetime.time(9, 0)),
        (monday, datetime.time(9, 30)),
    ]
    assert [slot.usual for slot in found] == [True, False, False]
    assert all(slot.everyone and slot.cannot_come == [] for slot in found)
    assert found[0].ends_at - found[0].starts_at == datetime.timedelta(hours=2)


def test_every_half_hour_of_the_working_week(group, people, monday):
    found = slots(group, people, monday)

    assert len(found) == 5 * 13
    assert {local(slot) for slot in found} == {
        (day, start) for day in days_of(monday, 0, 1, 2, 3, 4) for start in DAY_STARTS
    }


def test_the_usual_time_is_in_london_time(group, people, today):
    """In summer London is an hour ahead of UTC: the group's 10:00 is 9:00 UTC."""
    summer = clear_monday(datetime.date(today.year + 1, 6, 30))
    [usual] = slots(group, people, summer, limit=1)

    assert usual.usual
    assert usual.starts_at.astimezone(datetime.UTC).time() == datetime.time(9, 0)
    assert local(usual) == (summer + datetime.timedelta(days=1), datetime.time(10, 0))


def test_everyone_available_slots_come_before_the_usual_slot_with_someone_away(
    group, people, alice, monday
):
    tuesday = monday + datetime.timedelta(days=1)
    Leave.objects.create(user=alice, starts_on=tuesday, ends_on=tuesday)

    found = slots(group, people, monday)

    assert local(found[0]) == (monday, datetime.time(9, 0))
    assert found[0].everyone and not found[0].usual
    everyone = [slot.everyone for slot in found]
    assert everyone == sorted(everyone, reverse=True)  # all the True first
    [usual] = [slot for slot in found if slot.usual]
    assert usual.cannot_come == [alice]
    assert found.index(usual) == 4 * 13  # first of the Tuesday slots, after the other days


def test_working_days_say_when_someone_can_come(group, people, specialist, monday):
    for weekday in (SupervisionGroup.Weekday.WEDNESDAY, SupervisionGroup.Weekday.THURSDAY):
        WorkingDay.objects.create(
            user=specialist,
            weekday=weekday,
            starts_at=datetime.time(9, 30),
            ends_at=datetime.time(14, 0),
        )

    found = slots(group, people, monday)

    starts = [datetime.time(9, 30), *DAY_STARTS[2:7]]  # 9:30 to 12:00, ending by 14:00
    assert {local(slot) for slot in found if slot.everyone} == {
        (day, start) for day in days_of(monday, 2, 3) for start in starts
    }
    [usual] = [slot for slot in found if slot.usual]
    assert usual.cannot_come == [specialist]
    by_time = {local(slot): slot for slot in found}
    assert by_time[(monday + datetime.timedelta(days=2), datetime.time(9))].cannot_come == [
        specialist
    ]


def test_longer_working_days_open_earlier_and_later_slots(group, manager, monday):
    """Candidates run from 8:00 to 18:00; the default day is 9:00 to 17:00."""
    for weekday in range(5):
        WorkingDay.objects.create(
            user=manager, weekday=weekday, starts_at=datetime.time(8), ends_at=datetime.time(18)
        )

    found = slots(group, [manager], monday, length=60)

    assert {start for _, start in map(local, found)} == {
        datetime.time(8 + n // 2, 30 * (n % 2))
        for n in range(19)  # 8:00 ... 17:00
    }


def test_leave_makes_someone_unavailable_inclusive_of_both_ends(group, people, specialist, monday):
    Leave.objects.create(
        user=specialist, starts_on=monday, ends_on=monday + datetime.timedelta(days=2)
    )
    # Leave outside the weeks searched changes nothing.
    Leave.objects.create(
        user=specialist,
        starts_on=monday - datetime.timedelta(days=10),
        ends_on=monday - datetime.timedelta(days=1),
    )

    found = slots(group, people, monday)

    assert {local(slot)[0] for slot in found if slot.everyone} == set(days_of(monday, 3, 4))
    away = {local(slot)[0] for slot in found if slot.cannot_come == [specialist]}
    assert away == set(days_of(monday, 0, 1, 2))


def test_bank_holidays_have_no_slots(group, people, today):
    """25 December on a weekday: no slot that day, though nobody has booked leave."""
    year = today.year
    while True:
        christmas = datetime.date(year, 12, 25)
        week = christmas - datetime.timedelta(days=christmas.weekday())
        if christmas.weekday() <= 4 and week > today:
            break
        year += 1
    group.weekday = christmas.weekday()  # the group would usually meet that day
    group.save()

    found = slots(group, people, week)

    dates = {local(slot)[0] for slot in found}
    assert christmas not in dates
    assert dates == {day for day in days_of(week, 0, 1, 2, 3, 4) if is_working_day(day)}
    assert dates  # the rest of the week is still there
    assert not any(slot.usual for slot in found)


def test_other_planned_meetings_make_someone_busy(
    group, people, manager, specialist, other_team, other_manager, monday
):
    """Sue also attends the other team's group; the group already meets on Monday at 9:00."""
    theirs = group_create(
        team=other_team,
        chair=other_manager,
        weekday=SupervisionGroup.Weekday.TUESDAY,
        starts_at=datetime.time(10),
        members=[specialist],
        acting_user=other_manager,
    )
    tuesday, wednesday = days_of(monday, 1, 2)
    Meeting.objects.create(group=theirs, starts_at=at(tuesday, 10), length_minutes=120)
    Meeting.objects.create(
        group=theirs,
        starts_at=at(wednesday, 10),
        length_minutes=120,
        status=Meeting.Status.CANCELLED,
    )
    own = Meeting.objects.create(group=group, starts_at=at(monday, 9), length_minutes=120)

    found = {local(slot): slot for slot in slots(group, people, monday)}

    for start in DAY_STARTS[:6]:  # 9:00 to 11:30 overlap 10:00 to 12:00
        assert found[(tuesday, start)].cannot_come == [specialist]
    assert found[(tuesday, datetime.time(12))].everyone  # starts as theirs ends
    assert found[(wednesday, datetime.time(10))].everyone  # cancelled: frees the time
    # Tess chairs the group's own meeting and alice and Sue are its members: all three are
    # busy, so times that overlap it are no slot at all.
    assert manager not in group.members.all()
    for start in DAY_STARTS[:4]:  # 9:00 to 10:30 overlap 9:00 to 11:00
        assert (monday, start) not in found
    assert found[(monday, datetime.time(11))].everyone

    # Moving the group's own meeting: its current time does not count against it.
    moving = {local(s): s for s in slots(group, people, monday, exclude_meeting=own.pk)}
    assert moving[(monday, datetime.time(9))].everyone
    assert moving[(tuesday, datetime.time(10))].cannot_come == [specialist]


def test_cannot_come_lists_exactly_who(group, people, manager, alice, specialist, monday):
    thursday = monday + datetime.timedelta(days=3)
    Leave.objects.create(user=alice, starts_on=thursday, ends_on=thursday)
    for weekday in (0, 1, 2, 4):  # Sue does not work Thursdays
        WorkingDay.objects.create(user=specialist, weekday=weekday)
    WorkingDay.objects.bulk_create(
        WorkingDay(user=manager, weekday=weekday, ends_at=datetime.time(12)) for weekday in range(5)
    )

    found = {local(slot): slot for slot in slots(group, people, monday)}

    assert found[(thursday, datetime.time(9))].cannot_come == [specialist, alice]
    assert found[(thursday, datetime.time(10))].cannot_come == [specialist, alice]
    assert found[(monday, datetime.time(10))].everyone
    assert found[(monday, datetime.time(10, 30))].cannot_come == [manager]
    assert (thursday, datetime.time(10, 30)) not in found  # nobody at all: not a slot


def test_nobody_can_make_it(group, people, monday):
    """Everyone needed is on leave for the whole twelve weeks: there is no slot at all."""
    for person in people:
        Leave.objects.create(
            user=person, starts_on=monday, ends_on=monday + datetime.timedelta(weeks=12)
        )

    assert slots(group, people, monday, weeks=12) == []


def test_no_slot_for_everyone_gives_alternatives_with_who_cannot_come(
    group, people, alice, specialist, monday
):
    """Sue is on leave for the fortnight and alice works Mondays only: nobody is never away.
    The fewest away come first; among equals the usual Tuesday 10:00, then the earliest."""
    Leave.objects.create(
        user=specialist, starts_on=monday, ends_on=monday + datetime.timedelta(days=13)
    )
    WorkingDay.objects.create(user=alice, weekday=SupervisionGroup.Weekday.MONDAY)

    found = slots(group, people, monday, weeks=2, limit=30)

    assert len(found) == 30
    assert not any(slot.everyone for slot in found)
    mondays = days_of(monday, 0, 7)
    assert [local(slot) for slot in found[:26]] == [
        (day, start) for day in mondays for start in DAY_STARTS
    ]
    assert all(slot.cannot_come == [specialist] for slot in found[:26])
    tuesday = monday + datetime.timedelta(days=1)
    assert local(found[26]) == (tuesday, datetime.time(10))
    assert found[26].usual
    assert found[26].cannot_come == [specialist, alice]
    assert local(found[27]) == (monday + datetime.timedelta(days=8), datetime.time(10))
    assert local(found[28]) == (tuesday, datetime.time(9))
    assert all(slot.cannot_come == [specialist, alice] for slot in found[26:])


def test_times_already_past_are_skipped(group, people, today):
    found = slots(group, people, today - datetime.timedelta(days=7), weeks=2)

    now = timezone.now()
    assert found
    assert all(slot.starts_at > now for slot in found)
    assert min(local(slot)[0] for slot in found) >= today


def test_limit_and_a_fixed_number_of_queries(
    group, people, alice, specialist, monday, django_assert_num_queries
):
    Leave.objects.create(user=alice, starts_on=monday, ends_on=monday)
    WorkingDay.objects.create(user=specialist, weekday=SupervisionGroup.Weekday.FRIDAY)

    with django_assert_num_queries(3):
        found = slots(group, people, monday, weeks=12, limit=5)

    assert len(found) == 5


def test_working_days_before_skips_weekends_and_bank_holidays():
    # Friday 27 December 2024, after Christmas Day and Boxing Day.
    assert working_days_before(datetime.date(2024, 12, 27), 2) == datetime.date(2024, 12, 23)
    # Tuesday 27 May 2025, the day after the spring bank holiday.
    assert working_days_before(datetime.date(2025, 5, 27), 1) == datetime.date(2025, 5, 23)
    # An ordinary Wednesday.
    assert working_days_before(datetime.date(2025, 6, 11), 2) == datetime.date(2025, 6, 9)
