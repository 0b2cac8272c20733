"""Group supervision in calendars: the .ics of a meeting, the personal feed and its pages.

Each .ics is parsed back with icalendar. Tess chairs the group of alice's team "SASS West 1";
alice and bob are members, Bea is its business support and Sue a co-located specialist.
"""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from accounts.models import AuditEvent, Role, SpecialistPathway, User
from families.models import Family, Membership
from families.services import family_create
from supervision.calendar import PRODID, feed_ics, meeting_ics
from supervision.models import AgendaItem, CalendarFeed, Meeting, SupervisionGroup
from supervision.services import (
    agenda_set,
    group_create,
    meeting_cancel,
    meeting_move,
    meeting_schedule,
)
from supervision.slots import is_working_day

from ..factories import PersonFactory

pytestmark = pytest.mark.django_db

SITE = "https://dmt.example.org"


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = SITE + "/"


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(
        day, datetime.time(hour, minute), tzinfo=timezone.get_current_timezone()
    )


def next_working_monday(after: datetime.date) -> datetime.date:
    day = after + datetime.timedelta(days=7 - after.weekday())
    while not is_working_day(day):
        day += datetime.timedelta(weeks=1)
    return day


@pytest.fixture
def today() -> datetime.date:
    return timezone.localdate()


@pytest.fixture
def monday(today) -> datetime.date:
    return next_working_monday(today + datetime.timedelta(days=14))


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
def group(team, manager, alice, bob, support, specialist) -> SupervisionGroup:
    return group_create(
        team=team,
        chair=manager,
        weekday=SupervisionGroup.Weekday.MONDAY,
        starts_at=datetime.time(10, 0),
        location="Room 2, County Hall",
        acting_user=manager,
    )


@pytest.fixture
def other_group(make_user, other_team, charlie) -> SupervisionGroup:
    oscar = make_user(Role.TEAM_MANAGER, username="oscar", first_name="Oscar", team=other_team)
    return group_create(
        team=other_team,
        chair=oscar,
        weekday=SupervisionGroup.Weekday.MONDAY,
        starts_at=datetime.time(10, 0),
        acting_user=oscar,
    )


def family_of(social_worker: User, reference: str) -> Family:
    family = family_create(
        reference=reference,
        locality=social_worker.team.locality,
        team=social_worker.team,
        social_worker=social_worker,
        opened_on=timezone.localdate() - datetime.timedelta(days=100),
        acting_user=None,
    )
    PersonFactory(family=family, given_name="Amelia", family_name="Quist")
    PersonFactory(
        family=family, role=Membership.Role.FATHER, given_name="Dominic", family_name="Quist"
    )
    return family


@pytest.fixture
def meeting(group, manager, alice, bob, monday) -> Meeting:
    meeting = meeting_schedule(group=group, starts_at=at(monday, 10), acting_user=manager)
    return agenda_set(
        meeting=meeting,
        families=[
            (family_of(alice, "F-CAL-001"), "Red"),
            (family_of(bob, "F-CAL-002"), "Not discussed yet"),
        ],
        expected_version=meeting.version,
        acting_user=manager,
    )


def parse(ics: bytes) -> Calendar:
    return Calendar.from_ical(ics)


def only_event(calendar: Calendar):
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    return events[0]


NAMES = ["Alice", "Bob", "Tess", "Bea", "Sue", "Amelia", "Dominic", "Quist", "Worker"]


# meeting_ics -------------------------------------------------------------------------------


def test_a_meetings_ics_parses_back_with_its_uid_times_in_utc_and_references_only(meeting):
    ics = meeting_ics(meeting)
    calendar = parse(ics)
    event = only_event(calendar)

    assert str(calendar["PRODID"]) == PRODID
    assert str(calendar["METHOD"]) in {"PUBLISH", "REQUEST"}
    assert str(event["UID"]) == f"{meeting.uid}@dmt"
    assert int(event["SEQUENCE"]) == 0
    start, end = event.decoded("DTSTART"), event.decoded("DTEND")
    assert (start, end) == (meeting.starts_at, meeting.ends_at)
    assert start.utcoffset() == end.utcoffset() == datetime.timedelta(0)
    assert b"DTSTART:" in ics and start.strftime("%Y%m%dT%H%M%SZ").encode() in ics
    assert event.decoded("DTSTAMP").utcoffset() == datetime.timedelta(0)
    assert str(event["SUMMARY"]) == "SASS West 1 group supervision"
    assert str(event["LOCATION"]) == "Room 2, County Hall"
    assert str(event["STATUS"]) == "CONFIRMED"
    url = f"{SITE}{reverse('supervision:meeting', args=[meeting.pk])}"
    assert str(event["URL"]) == url
    description = str(event["DESCRIPTION"])
    assert "F-CAL-001, F-CAL-002" in description
    assert url in description
    for name in NAMES:
        assert name not in ics.decode()


def test_a_summer_meeting_at_ten_in_london_starts_at_nine_utc(group):
    july = datetime.date(timezone.localdate().year + 1, 7, 6)
    meeting = Meeting.objects.create(group=group, starts_at=at(july, 10), length_minutes=90)

    event = only_event(parse(meeting_ics(meeting)))

    start = event.decoded("DTSTART")
    assert (start.hour, start.utcoffset()) == (9, datetime.timedelta(0))
    assert event.decoded("DTEND") - start == datetime.timedelta(minutes=90)


def test_moving_then_cancelling_bumps_the_sequence_and_keeps_the_uid(meeting, manager, monday):
    first = only_event(parse(meeting_ics(meeting)))

    moved = meeting_move(
        meeting=meeting,
        starts_at=at(monday, 14),
        expected_version=meeting.version,
        acting_user=manager,
    )
    after_move = only_event(parse(meeting_ics(moved)))
    cancelled = meeting_cancel(
        meeting=moved,
        reason="Tess is off sick",
        expected_version=moved.version,
        acting_user=manager,
    )
    after_cancel = only_event(parse(meeting_ics(cancelled)))

    assert str(first["UID"]) == str(after_move["UID"]) == str(after_cancel["UID"])
    assert [int(e["SEQUENCE"]) for e in (first, after_move, after_cancel)] == [0, 1, 2]
    assert after_move.decoded("DTSTART") == at(monday, 14)
    assert [str(e["STATUS"]) for e in (after_move, after_cancel)] == ["CONFIRMED", "CANCELLED"]
    assert str(after_cancel["SUMMARY"]).startswith("Cancelled")
    # The reason is free text and could name someone: it stays out of the calendar.
    assert "Tess" not in str(after_cancel["DESCRIPTION"])


# feed_ics ----------------------------------------------------------------------------------


@pytest.fixture
def feed_meetings(group, other_group, today):
    """Meetings either side of the feed's window (eight weeks back, 26 ahead)."""

    def make(group: SupervisionGroup, days: int, **fields) -> Meeting:
        return Meeting.objects.create(
            group=group,
            starts_at=at(today + datetime.timedelta(days=days), 10),
            length_minutes=120,
            **fields,
        )

    return {
        "too_old": make(group, -8 * 7 - 1, status=Meeting.Status.HELD),
        "held": make(group, -7 * 7, status=Meeting.Status.HELD),
        "cancelled": make(group, 7, status=Meeting.Status.CANCELLED, sequence=1),
        "planned": make(group, 14),
        "far_ahead": make(group, 26 * 7 + 1),
        "other_team": make(other_group, 14),
    }


def uids(ics: bytes) -> list[str]:
    return [str(event["UID"]) for event in parse(ics).walk("VEVENT")]


def test_the_feed_has_the_groups_meetings_from_eight_weeks_ago_to_26_ahead(
    feed_meetings, alice, manager, charlie, django_assert_max_num_queries
):
    expected = [f"{feed_meetings[key].uid}@dmt" for key in ("held", "cancelled", "planned")]

    with django_assert_max_num_queries(3):
        member_feed = feed_ics(alice)

    assert uids(member_feed) == expected
    assert uids(feed_ics(manager)) == expected
    assert uids(feed_ics(charlie)) == [f"{feed_meetings['other_team'].uid}@dmt"]
    calendar = parse(member_feed)
    assert str(calendar["X-WR-CALNAME"]) == "Group supervision (DMT)"
    assert b"X-PUBLISHED-TTL:PT1H" in member_feed
    statuses = [str(event["STATUS"]) for event in calendar.walk("VEVENT")]
    assert statuses == ["CONFIRMED", "CANCELLED", "CONFIRMED"]


def test_a_user_in_no_group_gets_an_empty_calendar(feed_meetings, make_user, team):
    outsider = make_user(Role.SOCIAL_WORKER, username="nina", team=team)

    assert uids(feed_ics(outsider)) == []


# The feed by its secret link ----------------------------------------------------------------


def test_the_feed_answers_without_signing_in_and_is_audited(feed_meetings, alice):
    token = CalendarFeed.objects.create(user=alice).token

    response = Client().get(reverse("supervision_feed:ics", args=[token]))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert len(uids(response.content)) == 3
    event = AuditEvent.objects.get(
        action=AuditEvent.Action.VIEW, object_type="supervision.calendarfeed"
    )
    assert (event.actor, event.detail) == (alice, {"feed": True})


def test_an_unknown_token_or_a_leavers_feed_is_not_found(feed_meetings, alice):
    feed = CalendarFeed.objects.create(user=alice)
    client = Client()

    assert client.get(reverse("supervision_feed:ics", args=["x" * 43])).status_code == 404
    alice.is_active = False
    alice.save(update_fields=["is_active"])
    assert client.get(reverse("supervision_feed:ics", args=[feed.token])).status_code == 404


def test_the_feed_page_makes_a_link_on_the_first_visit(client_for, alice, group):
    response = client_for(alice).get(reverse("supervision_feed:feed"))

    feed = CalendarFeed.objects.get(user=alice)
    url = f"{SITE}/calendar/feed/{feed.token}.ics"
    assert response.status_code == 200
    assert url in response.content.decode()
    assert "SASS West 1 group supervision" in response.content.decode()
    assert len(feed.token) >= 40
    # A second visit keeps the same link.
    client_for(alice).get(reverse("supervision_feed:feed"))
    assert CalendarFeed.objects.get(user=alice).token == feed.token


def test_making_a_new_link_revokes_the_old_one(client_for, alice, feed_meetings):
    client = client_for(alice)
    client.get(reverse("supervision_feed:feed"))
    old = CalendarFeed.objects.get(user=alice).token

    response = client.post(reverse("supervision_feed:feed"), follow=True)

    new = CalendarFeed.objects.get(user=alice).token
    assert new != old
    assert f"/calendar/feed/{new}.ics" in response.content.decode()
    assert "The old link no longer works" in response.content.decode()
    anonymous = Client()
    assert anonymous.get(reverse("supervision_feed:ics", args=[old])).status_code == 404
    assert anonymous.get(reverse("supervision_feed:ics", args=[new])).status_code == 200
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.UPDATE, actor=alice, detail={"feed": "new_link"}
    ).exists()


def test_the_feed_page_needs_signing_in():
    response = Client().get(reverse("supervision_feed:feed"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


# A meeting's .ics download -----------------------------------------------------------------


def test_the_chair_members_and_business_support_download_a_meeting(
    client_for, meeting, manager, alice, specialist, support, group
):
    # Business support of the team may download it even when not a member.
    group.members.remove(support)
    url = reverse("supervision_feed:meeting_ics", args=[meeting.pk])

    for user in (manager, alice, specialist, support):
        response = client_for(user).get(url)
        assert response.status_code == 200, user
        assert response["Content-Type"].startswith("text/calendar")
        assert "attachment" in response["Content-Disposition"]
        assert str(only_event(parse(response.content))["UID"]) == f"{meeting.uid}@dmt"

    assert (
        AuditEvent.objects.filter(
            action=AuditEvent.Action.VIEW, object_type="supervision.meeting", detail={"ics": True}
        ).count()
        == 4
    )


def test_anyone_else_is_told_the_meeting_is_not_found(
    client_for, meeting, charlie, make_user, team, other_team, group
):
    url = reverse("supervision_feed:meeting_ics", args=[meeting.pk])
    outsiders = [
        charlie,
        make_user(Role.BUSINESS_SUPPORT, username="olive", team=other_team),
        make_user(Role.SERVICE_MANAGER, username="serena", locality=team.locality),
        make_user(Role.SOCIAL_WORKER, username="nina", team=team),  # in the team, not the group
    ]

    for user in outsiders:
        assert client_for(user).get(url).status_code == 404, user
    assert (
        client_for(charlie)
        .get(reverse("supervision_feed:meeting_ics", args=[meeting.pk + 1000]))
        .status_code
        == 404
    )
    assert Client().get(url).status_code == 302


def test_agenda_items_the_chair_removed_leave_the_ics(meeting, manager):
    AgendaItem.objects.filter(meeting=meeting, family__reference="F-CAL-002").delete()

    description = str(only_event(parse(meeting_ics(meeting)))["DESCRIPTION"])

    assert "F-CAL-001" in description and "F-CAL-002" not in description
