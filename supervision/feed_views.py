"""Calendar pages: a personal feed calendar apps subscribe to, and a meeting's .ics file.

A calendar app cannot sign in, so the feed is the one page open without a session: its long,
random token is the credential. Anyone with the link sees meeting times, places and family
references (never names, see supervision.calendar); making a new link revokes the old one at
once. Every fetch of the feed is audited against its owner.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from accounts.audit import audit_record, audit_record_many
from accounts.models import AuditEvent, Role, User
from accounts.permissions import signed_in_user

from .calendar import absolute_url, feed_ics, meeting_ics
from .models import CalendarFeed, Meeting, SupervisionGroup, new_feed_token

CONTENT_TYPE = "text/calendar; charset=utf-8"


def _ics_response(body: bytes, filename: str, *, attachment: bool) -> HttpResponse:
    response = HttpResponse(body, content_type=CONTENT_TYPE)
    disposition = "attachment" if attachment else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@login_not_required
@never_cache
@require_safe
def feed(request: HttpRequest, token: str) -> HttpResponse:
    """The feed itself: no sign-in; an unknown or revoked token, or a leaver's, is not found."""
    calendar_feed = (
        CalendarFeed.objects.select_related("user")
        .filter(token=token, user__is_active=True)
        .first()
    )
    if calendar_feed is None:
        raise Http404
    body = feed_ics(calendar_feed.user)
    audit_record(
        action=AuditEvent.Action.VIEW,
        actor=calendar_feed.user,
        obj=calendar_feed,
        detail={"feed": True},
    )
    return _ics_response(body, "dmt-group-supervision.ics", attachment=False)


def feed_url(calendar_feed: CalendarFeed) -> str:
    return absolute_url(reverse("supervision_feed:ics", args=[calendar_feed.token]))


@never_cache
@require_http_methods(["GET", "POST"])
def feed_page(request: HttpRequest) -> HttpResponse:
    """The signed-in user's feed link (made on the first visit) and "Make a new link"."""
    user = signed_in_user(request)
    if request.method == "POST":
        with transaction.atomic():
            calendar_feed, _ = CalendarFeed.objects.select_for_update().get_or_create(user=user)
            calendar_feed.token = new_feed_token()
            calendar_feed.save(update_fields=["token"])
            audit_record(
                action=AuditEvent.Action.UPDATE,
                actor=user,
                obj=calendar_feed,
                detail={"feed": "new_link"},
            )
        messages.success(
            request,
            "You have a new calendar feed link. The old link no longer works: "
            "subscribe to the new one in your calendar.",
        )
        return redirect("supervision_feed:feed")
    with transaction.atomic():
        calendar_feed, created = CalendarFeed.objects.get_or_create(user=user)
        if created:
            audit_record(
                action=AuditEvent.Action.CREATE,
                actor=user,
                obj=calendar_feed,
                detail={"feed": True},
            )
    groups = (
        SupervisionGroup.objects.filter(Q(chair=user) | Q(members=user))
        .select_related("team")
        .distinct()
        .order_by("team__name")
    )
    return render(
        request,
        "supervision/calendar_feed.html",
        {"feed_url": feed_url(calendar_feed), "feed": calendar_feed, "groups": groups},
    )


def can_download(user: User, meeting: Meeting) -> bool:
    """The group's chair and members, and the team's business support."""
    group = meeting.group
    if user.pk == group.chair_id:
        return True
    if user.role == Role.BUSINESS_SUPPORT and user.team_id == group.team_id:
        return True
    return group.members.filter(pk=user.pk).exists()


@require_safe
def meeting_download(request: HttpRequest, pk: int) -> HttpResponse:
    """One meeting's .ics, to add to a calendar by hand. Not found for anyone outside it."""
    user = signed_in_user(request)
    meeting = get_object_or_404(Meeting.objects.select_related("group__team"), pk=pk)
    if not can_download(user, meeting):
        raise Http404
    body = meeting_ics(meeting)
    # The file names the families on the agenda (by reference): their reading is recorded.
    families = [item.family for item in meeting.agenda.select_related("family")]
    audit_record_many(
        action=AuditEvent.Action.VIEW,
        actor=user,
        objects=[meeting, *families],
        detail={"ics": True},
    )
    day = timezone.localdate(meeting.starts_at)
    return _ics_response(body, f"group-supervision-{day.isoformat()}.ics", attachment=True)
