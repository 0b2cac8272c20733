"""Group supervision in people's calendars: an .ics invitation per meeting and a personal feed.

Calendars leak: they sync to phones, are shared with colleagues and assistants, and show on
screens in open-plan offices. So an event says when and where the team's group supervision
is, and which families are on its agenda by reference only: never a person's name. The
details stay behind sign-in, at the meeting page the event links to.

Each meeting has a stable UID and a SEQUENCE that services bump whenever its time, place or
status changes, so a calendar that imported it replaces the event rather than adding another;
a cancelled meeting stays in the feed with STATUS:CANCELLED so calendars take it away.
Times are written in UTC, which needs no VTIMEZONE and means the same everywhere.
"""

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.db.models import Prefetch, Q
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event, vDuration

from accounts.models import User

from .models import AgendaItem, Meeting, SupervisionGroup

PRODID = "-//DMT//Group supervision//EN"
FEED_NAME = "Group supervision (DMT)"
FEED_WEEKS_BEFORE = 8
FEED_WEEKS_AFTER = 26
# How often a subscribed calendar should fetch the feed again (RFC 7986, and Outlook's own).
FEED_REFRESH = datetime.timedelta(hours=1)


def absolute_url(path: str) -> str:
    """`path` on the site's own address (settings.SITE_URL), for links read outside it."""
    site_url: str = settings.SITE_URL
    return site_url.rstrip("/") + path


def meeting_url(meeting: Meeting) -> str:
    return absolute_url(reverse("supervision:meeting", args=[meeting.pk]))


def _utc(moment: datetime.datetime) -> datetime.datetime:
    return moment.astimezone(datetime.UTC)


def _description(meeting: Meeting, references: list[str], url: str) -> str:
    if meeting.status == Meeting.Status.CANCELLED:
        lines = ["This meeting is cancelled."]
    elif references:
        lines = ["Families on the agenda: " + ", ".join(references) + "."]
    else:
        lines = ["No families on the agenda yet."]
    lines += ["", f"The agenda and pack (sign in to DMT): {url}"]
    return "\n".join(lines)


def _event(meeting: Meeting, references: list[str], stamp: datetime.datetime) -> Event:
    cancelled = meeting.status == Meeting.Status.CANCELLED
    summary = f"{meeting.group.team.name} group supervision"
    url = meeting_url(meeting)
    event = Event()
    event.add("uid", f"{meeting.uid}@dmt")
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", _utc(stamp))
    event.add("created", _utc(meeting.created_at))
    event.add("dtstart", _utc(meeting.starts_at))
    event.add("dtend", _utc(meeting.ends_at))
    event.add("summary", f"Cancelled: {summary}" if cancelled else summary)
    if meeting.location:
        event.add("location", meeting.location)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "TRANSPARENT" if cancelled else "OPAQUE")
    event.add("description", _description(meeting, references, url))
    event.add("url", url)
    return event


def _ics(calendar: Calendar) -> bytes:
    body: bytes = calendar.to_ical()  # icalendar leaves to_ical unannotated
    return body


def _calendar(events: Iterable[Event], *, name: str | None = None) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    if name:
        calendar.add("x-wr-calname", name)
        calendar.add("refresh-interval", FEED_REFRESH, parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", vDuration(FEED_REFRESH))
    for event in events:
        calendar.add_component(event)
    return calendar


def _references(items: Iterable[AgendaItem]) -> list[str]:
    return [item.family.reference for item in sorted(items, key=lambda item: item.position)]


def meeting_ics(meeting: Meeting) -> bytes:
    """One meeting as an iCalendar file: to import, or to attach to an invitation."""
    items = AgendaItem.objects.filter(meeting=meeting).select_related("family")
    event = _event(meeting, _references(items), timezone.now())
    return _ics(_calendar([event]))


def feed_meetings(user: User, now: datetime.datetime | None = None) -> list[Meeting]:
    """The meetings in `user`'s feed: planned, held and cancelled, from eight weeks ago to 26
    weeks ahead, of every group they chair or belong to."""
    now = now or timezone.now()
    groups = SupervisionGroup.objects.filter(Q(chair=user) | Q(members=user)).values("pk")
    return list(
        Meeting.objects.filter(
            group_id__in=groups,
            starts_at__gte=now - datetime.timedelta(weeks=FEED_WEEKS_BEFORE),
            starts_at__lte=now + datetime.timedelta(weeks=FEED_WEEKS_AFTER),
        )
        .select_related("group__team")
        .prefetch_related(
            Prefetch(
                "agenda",
                queryset=AgendaItem.objects.select_related("family").only(
                    "meeting_id", "position", "family__reference"
                ),
            )
        )
        .order_by("starts_at", "pk")
    )


def feed_ics(user: User) -> bytes:
    """`user`'s personal calendar feed (three queries however many meetings)."""
    stamp = timezone.now()
    events = [
        _event(meeting, _references(meeting.agenda.all()), stamp)
        for meeting in feed_meetings(user, stamp)
    ]
    return _ics(_calendar(events, name=FEED_NAME))
