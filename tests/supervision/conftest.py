"""The cast of the group supervision tests, around alice's team "SASS West 1".

Tess manages the team and chairs its group (Tuesdays 10:00 for two hours); Bea is the
team's business support and minutes it; Sue is a substance-use practitioner co-located in
the team's locality. alice and bob are the team's social workers and charlie an outsider
(tests/conftest.py). Oscar manages charlie's team and Olive is its business support.

Dates: meetings are scheduled on `monday` (a future Monday whose week has no bank holiday)
and after it; the history the agenda rules read is recorded at meetings in the past, which
`past_meeting` creates directly because meeting_schedule only takes future times.
"""

import datetime
from collections.abc import Callable

import pytest
from django.utils import timezone

from accounts.models import Role, SpecialistPathway, User
from families.models import Family, Membership, Person
from families.services import family_create
from referrals.models import Pathway, Rag, Referral
from referrals.services import referral_allocate, referral_create
from supervision.models import AgendaItem, Discussion, Meeting, SupervisionGroup
from supervision.services import discussion_record, group_create
from supervision.slots import is_working_day

from ..factories import PersonFactory

USUAL_WEEKDAY = SupervisionGroup.Weekday.TUESDAY
USUAL_TIME = datetime.time(10, 0)


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    """A wall-clock time in London (settings.TIME_ZONE) as an aware datetime."""
    return datetime.datetime.combine(
        day, datetime.time(hour, minute), tzinfo=timezone.get_current_timezone()
    )


def clear_monday(after: datetime.date) -> datetime.date:
    """The first Monday after `after` whose whole week (Monday to Friday) is working days."""
    day = after + datetime.timedelta(days=7 - after.weekday())
    while not all(is_working_day(day + datetime.timedelta(days=n)) for n in range(5)):
        day += datetime.timedelta(weeks=1)
    return day


@pytest.fixture
def today() -> datetime.date:
    return timezone.localdate()


@pytest.fixture
def monday(today) -> datetime.date:
    """A Monday two to three weeks ahead, in a week with no bank holiday."""
    return clear_monday(today + datetime.timedelta(days=14))


@pytest.fixture
def manager(make_user, team) -> User:
    return make_user(
        Role.TEAM_MANAGER, username="tess", first_name="Tess", last_name="Manager", team=team
    )


@pytest.fixture
def support(make_user, team) -> User:
    return make_user(
        Role.BUSINESS_SUPPORT, username="bea", first_name="Bea", last_name="Support", team=team
    )


@pytest.fixture
def specialist(make_user, team) -> User:
    return make_user(
        Role.SPECIALIST,
        username="sue",
        first_name="Sue",
        last_name="Specialist",
        pathway=SpecialistPathway.SUBSTANCE_USE,
        locality=team.locality,
    )


@pytest.fixture
def other_manager(make_user, other_team) -> User:
    return make_user(Role.TEAM_MANAGER, username="oscar", first_name="Oscar", team=other_team)


@pytest.fixture
def other_support(make_user, other_team) -> User:
    return make_user(Role.BUSINESS_SUPPORT, username="olive", first_name="Olive", team=other_team)


@pytest.fixture
def group(team, manager, alice, bob, support, specialist) -> SupervisionGroup:
    """The team's group with its default members (the social workers, Bea and Sue)."""
    return group_create(
        team=team,
        chair=manager,
        weekday=USUAL_WEEKDAY,
        starts_at=USUAL_TIME,
        length_minutes=120,
        location="Room 2, County Hall",
        acting_user=manager,
    )


@pytest.fixture
def substance_use(db) -> Pathway:
    return Pathway.objects.get(code="substance_use")


@pytest.fixture
def make_family(manager, today) -> Callable[..., Family]:
    """A family allocated to `social_worker` (an Allocation row from `opened_on`)."""

    def make(
        social_worker: User, *, reference: str = "", opened_on: datetime.date | None = None
    ) -> Family:
        return family_create(
            reference=reference,
            locality=social_worker.team.locality,
            team=social_worker.team,
            social_worker=social_worker,
            opened_on=opened_on or today - datetime.timedelta(days=200),
            acting_user=manager,
        )

    return make


def adult(family: Family, role: str = Membership.Role.MOTHER, name: str = "Maya") -> Person:
    return PersonFactory(
        family=family,
        role=role,
        given_name=name,
        date_of_birth=datetime.date(1990, 1, 1),
    )


@pytest.fixture
def refer(substance_use) -> Callable[..., Referral]:
    """An adult's substance-use referral, allocated to `practitioner` on `allocated_on` when
    given."""

    def make(
        person: Person,
        *,
        referred_on: datetime.date,
        by: User,
        practitioner: User | None = None,
        allocated_on: datetime.date | None = None,
    ) -> Referral:
        referral = referral_create(
            person=person,
            family=person.membership.family,
            pathway=substance_use,
            referred_on=referred_on,
            acting_user=by,
        )
        if practitioner is not None:
            referral = referral_allocate(
                referral=referral,
                practitioner=practitioner,
                allocated_on=allocated_on or referred_on,
                accept_over_capacity=True,
                acting_user=by,
            )
        return referral

    return make


def past_meeting(group: SupervisionGroup, day: datetime.date) -> Meeting:
    """A meeting scheduled earlier that has now taken place (status still planned)."""
    return Meeting.objects.create(
        group=group, starts_at=at(day, 10), length_minutes=group.length_minutes
    )


def put_on_agenda(meeting: Meeting, *families: Family) -> None:
    """The chair's agenda, written as agenda_set would (which only takes planned meetings)."""
    for position, family in enumerate(families, 1):
        AgendaItem.objects.create(meeting=meeting, family=family, position=position)


@pytest.fixture
def discussed(group, support) -> Callable[..., Discussion]:
    """Minute `family` at a meeting held on `day` with the child-safety `rag`."""

    def minute(family: Family, day: datetime.date, rag: str = Rag.AMBER) -> Discussion:
        meeting = past_meeting(group, day)
        put_on_agenda(meeting, family)
        return discussion_record(
            meeting=meeting,
            family=family,
            present=[support],
            child_safety_rag=rag,
            analysis="",
            decisions="Carry on with the plan.",
            stages={},
            actions=[],
            acting_user=support,
        )

    return minute
