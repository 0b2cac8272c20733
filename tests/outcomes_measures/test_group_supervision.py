import datetime

import pytest
from django.utils import timezone

from accounts.models import Role, SpecialistPathway
from supervision.models import AgendaItem, Discussion, Meeting, NotDiscussed, SupervisionGroup

from ..factories import UserFactory
from .helpers import adult, family, refer, run

pytestmark = pytest.mark.django_db

HELD, CANCELLED, PLANNED = Meeting.Status.HELD, Meeting.Status.CANCELLED, Meeting.Status.PLANNED


def specialist(name):
    return UserFactory(username=name, role=Role.SPECIALIST, pathway=SpecialistPathway.SUBSTANCE_USE)


def group(team, *members):
    chair = UserFactory(role=Role.TEAM_MANAGER, team=team)
    made = SupervisionGroup.objects.create(
        team=team, chair=chair, weekday=1, starts_at=datetime.time(10), minutes_per_family=20
    )
    made.members.set([chair, *members])
    return made


def meeting(group, day, status, minutes=120, hour=10, minute=0):
    starts_at = datetime.datetime.combine(
        datetime.date.fromisoformat(day),
        datetime.time(hour, minute),
        tzinfo=timezone.get_current_timezone(),
    )
    return Meeting.objects.create(
        group=group, starts_at=starts_at, length_minutes=minutes, status=status
    )


def discuss(meeting, *minuted):
    for each in minuted:
        Discussion.objects.create(
            meeting=meeting,
            family=each,
            discussed_on=timezone.localdate(meeting.starts_at),
            child_safety_rag="amber",
            recorded_by=meeting.group.chair,
        )


def no_show(meeting, family):
    AgendaItem.objects.create(
        meeting=meeting, family=family, position=99, not_discussed=NotDiscussed.NO_SHOW
    )


@pytest.fixture
def year(east, west):
    """East's group has specialists Sue and Sam, West's has Tia. In March East held one
    meeting (Ash and Birch discussed; Cedar's social worker did not come, costing Sue and
    Sam, whose work with Cedar was open that day, 20 minutes each) and cancelled one of two
    hours; in April it held one (Ash) and West held one (Dale) and cancelled one of 90
    minutes. Outside the twelve months to 30 June: a cancellation in June 2023, and meetings
    on 1 July 2024, one of them at half past midnight (still 30 June in UTC)."""
    sue, sam, tia = specialist("sue"), specialist("sam"), specialist("tia")
    east_group, west_group = group(east, sue, sam), group(west, tia)
    ash, birch, cedar = (family(east, "2023-09-01") for _ in range(3))
    dale = family(west, "2023-09-01")
    cedar_dad, cedar_mum = adult(cedar), adult(cedar, role="mother")
    refer(cedar_dad, "substance_use", "2024-01-01", practitioner=sue)
    refer(cedar_mum, "substance_use", "2024-01-05", practitioner=sam, closed_on="2024-03-10")
    refer(cedar_mum, "mental_health", "2024-01-05", practitioner=tia)  # not in East's group
    refer(cedar_dad, "dmt", "2024-04-01", practitioner=sam)  # after the meeting

    march = meeting(east_group, "2024-03-05", HELD)
    discuss(march, ash, birch)
    no_show(march, cedar)
    meeting(east_group, "2024-03-19", CANCELLED)
    discuss(meeting(east_group, "2024-04-02", HELD), ash)
    discuss(meeting(west_group, "2024-04-10", HELD, minutes=90), dale)
    meeting(west_group, "2024-04-24", CANCELLED, minutes=90)
    meeting(east_group, "2024-06-25", PLANNED)

    meeting(east_group, "2023-06-20", CANCELLED)
    discuss(meeting(east_group, "2024-07-01", HELD), birch, dale)
    discuss(meeting(east_group, "2024-07-01", HELD, hour=0, minute=30), cedar)
    return east_group, west_group


def test_meetings_families_and_lost_hours_over_the_twelve_months(year, east, west):
    assert run("group_supervision") == {
        "held": 3,
        "cancelled": 2,
        "families_discussed": 3,
        # Cancelled: 2 specialists x 120 minutes + 1 x 90; no-show: 2 x 20 minutes.
        "specialist_hours_lost": round((240 + 90 + 40) / 60, 1),
        "by_month": [
            {
                "month": "2024-03",
                "held": 1,
                "cancelled": 1,
                "families_discussed": 2,
                "specialist_hours_lost": round(280 / 60, 1),
            },
            {
                "month": "2024-04",
                "held": 2,
                "cancelled": 1,
                "families_discussed": 2,
                "specialist_hours_lost": 1.5,
            },
        ],
        "by_team": [
            {
                "team": "SASS East",
                "team_id": east.pk,
                "held": 2,
                "cancelled": 1,
                "families_discussed": 2,
                "specialist_hours_lost": round(280 / 60, 1),
            },
            {
                "team": "SASS West",
                "team_id": west.pk,
                "held": 1,
                "cancelled": 1,
                "families_discussed": 1,
                "specialist_hours_lost": 1.5,
            },
        ],
    }


def test_from_and_to_choose_the_meetings(year):
    april_on = run("group_supervision", date_from=datetime.date(2024, 4, 1))
    # With only an end, the twelve months up to it (June 2023's cancellation comes in).
    to_march = run("group_supervision", date_to=datetime.date(2024, 3, 31))

    assert {k: april_on[k] for k in ("held", "cancelled", "families_discussed")} == {
        "held": 2,
        "cancelled": 1,
        "families_discussed": 2,
    }
    assert april_on["specialist_hours_lost"] == 1.5
    assert [row["month"] for row in to_march["by_month"]] == ["2023-06", "2024-03"]
    assert (to_march["cancelled"], to_march["specialist_hours_lost"]) == (
        2,
        round((240 + 240 + 40) / 60, 1),
    )


def test_meetings_after_the_report_date_are_not_seen(year):
    data = run("group_supervision", as_of=datetime.date(2024, 3, 31))

    assert (data["held"], data["cancelled"], data["families_discussed"]) == (1, 2, 2)
    assert [row["month"] for row in data["by_month"]] == ["2023-06", "2024-03"]
