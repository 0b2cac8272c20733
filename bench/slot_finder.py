"""How long the slot finder takes for a team of 30 over 12 weeks (issue 5: "answers at once").

Run from the project root:  .venv/bin/python bench/slot_finder.py [--runs N]

It builds a throwaway test database (in-memory SQLite unless DATABASE_URL says otherwise),
then a team of 30 staff (a manager, 18 social workers, 2 business support, 9 co-located
specialists) with varied working days and hours, leave, the team's own weekly meetings and
three other teams' weekly groups that the specialists also attend; 8 families whose adults
work with specialists. It times needed_for and find_slots over 12 weeks and prints the median
of several runs and the queries each makes. Nothing is asserted: the figures are for reading.
"""

import argparse
import datetime
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dmt.settings.test")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import (  # noqa: E402
    CaptureQueriesContext,
    setup_test_environment,
    teardown_test_environment,
)
from django.utils import timezone  # noqa: E402

from accounts.models import Locality, Role, SpecialistPathway, Team, User  # noqa: E402
from families.models import Membership  # noqa: E402
from families.services import family_create, person_create  # noqa: E402
from referrals.models import Pathway  # noqa: E402
from referrals.services import referral_allocate, referral_create  # noqa: E402
from supervision.models import Leave, Meeting, SupervisionGroup, WorkingDay  # noqa: E402
from supervision.services import group_create  # noqa: E402
from supervision.slots import find_slots, needed_for  # noqa: E402

WEEKS = 12
FAMILIES = 8
SPECIALIST_PATHWAYS = [
    SpecialistPathway.SUBSTANCE_USE,
    SpecialistPathway.MENTAL_HEALTH,
    SpecialistPathway.DOMESTIC_ABUSE_VICTIM,
    SpecialistPathway.DOMESTIC_ABUSE_PERPETRATOR,
]


def user(role: str, n: int, **fields) -> User:
    return User.objects.create_user(
        username=f"{role}-{n}",
        first_name=f"{role.title()}",
        last_name=f"No{n:02d}",
        role=role,
        **fields,
    )


def working_pattern(rng: random.Random, person: User) -> None:
    """Most work the default week; a quarter part-time, some school hours or early starts."""
    kind = rng.random()
    if kind < 0.55:
        return
    if kind < 0.8:
        days = sorted(rng.sample(range(5), rng.choice([3, 4])))
        hours = (datetime.time(9), datetime.time(17))
    elif kind < 0.9:
        days = list(range(5))
        hours = (datetime.time(9, 30), datetime.time(14, 30))
    else:
        days = list(range(5))
        hours = (datetime.time(8), datetime.time(16))
    WorkingDay.objects.bulk_create(
        WorkingDay(user=person, weekday=day, starts_at=hours[0], ends_at=hours[1]) for day in days
    )


def leave(rng: random.Random, person: User, start: datetime.date) -> None:
    for _ in range(rng.randint(0, 3)):
        first = start + datetime.timedelta(days=rng.randrange(WEEKS * 7))
        Leave.objects.create(
            user=person, starts_on=first, ends_on=first + datetime.timedelta(days=rng.randint(0, 9))
        )


def weekly_meetings(group: SupervisionGroup, start: datetime.date) -> None:
    tz = timezone.get_current_timezone()
    first = start + datetime.timedelta(days=group.weekday)
    Meeting.objects.bulk_create(
        Meeting(
            group=group,
            starts_at=datetime.datetime.combine(
                first + datetime.timedelta(weeks=week), group.starts_at, tzinfo=tz
            ),
            length_minutes=group.length_minutes,
        )
        for week in range(WEEKS)
    )


def build(start: datetime.date) -> tuple[SupervisionGroup, list]:
    rng = random.Random(5)
    today = timezone.localdate()
    locality = Locality.objects.create(name="Bench")
    team = Team.objects.create(locality=locality, name="Bench team")
    manager = user(Role.TEAM_MANAGER, 0, team=team)
    workers = [user(Role.SOCIAL_WORKER, n, team=team) for n in range(18)]
    support = [user(Role.BUSINESS_SUPPORT, n, team=team) for n in range(2)]
    specialists = [
        user(
            Role.SPECIALIST,
            n,
            pathway=SPECIALIST_PATHWAYS[n % len(SPECIALIST_PATHWAYS)],
            locality=locality,
        )
        for n in range(9)
    ]
    staff = [manager, *workers, *support, *specialists]
    for person in staff:
        working_pattern(rng, person)
        leave(rng, person, start)

    group = group_create(
        team=team,
        chair=manager,
        weekday=SupervisionGroup.Weekday.TUESDAY,
        starts_at=datetime.time(10),
        acting_user=manager,
    )
    weekly_meetings(group, start)
    # The specialists also sit in three other teams' groups, each weekly.
    for n, (weekday, hour) in enumerate([(0, 13), (2, 10), (3, 14)], 1):
        other_team = Team.objects.create(locality=locality, name=f"Neighbour {n}")
        other_manager = user(Role.TEAM_MANAGER, n, team=other_team)
        other = group_create(
            team=other_team,
            chair=other_manager,
            weekday=weekday,
            starts_at=datetime.time(hour),
            members=specialists,
            acting_user=other_manager,
        )
        weekly_meetings(other, start)

    pathways = {pathway.code: pathway for pathway in Pathway.objects.all()}
    families = []
    for n in range(FAMILIES):
        worker = workers[n * 2]
        family = family_create(
            locality=locality,
            team=team,
            social_worker=worker,
            opened_on=today - datetime.timedelta(days=90),
            acting_user=manager,
        )
        for role in [Membership.Role.MOTHER, Membership.Role.FATHER][: 1 + n % 2]:
            adult = person_create(
                family=family,
                role=role,
                given_name=f"Adult{n}",
                date_of_birth=datetime.date(1990, 1, 1),
                acting_user=worker,
            )
            specialist = rng.choice(specialists)
            referral = referral_create(
                person=adult,
                family=family,
                pathway=pathways[specialist.pathway],
                referred_on=today - datetime.timedelta(days=40),
                acting_user=worker,
            )
            referral_allocate(
                referral=referral,
                practitioner=specialist,
                allocated_on=today - datetime.timedelta(days=30),
                accept_over_capacity=True,
                acting_user=manager,
            )
        families.append(family)
    return group, families


def timed(runs: int, call) -> tuple[list[float], int, object]:
    with CaptureQueriesContext(connection) as queries:
        result = call()
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        call()
        times.append((time.perf_counter() - began) * 1000)
    return times, len(queries), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        today = timezone.localdate()
        start = today + datetime.timedelta(days=7 - today.weekday())  # next Monday
        group, families = build(start)
        staff = (
            User.objects.filter(team=group.team).count()
            + User.objects.filter(role=Role.SPECIALIST).count()
        )

        need_times, need_queries, people = timed(args.runs, lambda: needed_for(group, families))

        def search(limit: int = 10):
            return find_slots(
                group,
                people,
                start=start,
                weeks=WEEKS,
                length_minutes=group.length_minutes,
                limit=limit,
            )

        find_times, find_queries, best = timed(args.runs, search)
        every = search(limit=100_000)

        print(f"Database: {connection.vendor}; {args.runs} timed runs after one to count queries")
        print(
            f"Team: {staff} staff, {group.members.count()} group members, "
            f"{WorkingDay.objects.values('user').distinct().count()} with their own working "
            f"days, {Leave.objects.count()} spells of leave, "
            f"{Meeting.objects.count()} planned meetings"
        )
        print(
            f"Needed for {len(families)} families: {len(people)} people; "
            f"search {start:%a %-d %b %Y} + {WEEKS} weeks, {group.length_minutes}-minute slots"
        )
        for name, times, queries in [
            ("needed_for", need_times, need_queries),
            ("find_slots", find_times, find_queries),
        ]:
            print(
                f"{name:>10}: median {statistics.median(times):7.1f} ms "
                f"(min {min(times):.1f}, max {max(times):.1f}); {queries} queries"
            )
        everyone = sum(1 for slot in every if slot.everyone)
        print(f"Candidate slots with anyone free: {len(every)}; with everyone free: {everyone}")
        if best:
            first = best[0]
            away = ", ".join(str(person) for person in first.cannot_come) or "nobody"
            print(
                f"Best: {timezone.localtime(first.starts_at):%a %-d %b %H:%M} "
                f"(usual: {first.usual}); cannot come: {away}"
            )
        else:
            print("Best: no slot anyone can make")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()


if __name__ == "__main__":
    main()
