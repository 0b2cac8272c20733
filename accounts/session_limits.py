"""Idle and absolute session limits.

A session ends when nobody has used it for settings.SESSION_IDLE_TIMEOUT seconds, or when
settings.SESSION_ABSOLUTE_TIMEOUT seconds have passed since sign-in, however busy it is. Any
request counts as use, including the contact form's autosave, so a worker typing a long note
is never signed out mid-sentence. The sign-in page then says why.
"""

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

SIGNED_IN_AT_SESSION_KEY = "dmt_signed_in_at"
LAST_USED_AT_SESSION_KEY = "dmt_last_used_at"
# Read by the sign-out audit receiver, so the row says why the session ended.
SIGN_OUT_REASON_ATTRIBUTE = "dmt_sign_out_reason"

IDLE = "idle"
ABSOLUTE = "absolute"


def _now() -> float:
    return timezone.now().timestamp()


def stamp_sign_in(request: HttpRequest) -> None:
    """Called at sign-in: both clocks start now."""
    now = _now()
    request.session[SIGNED_IN_AT_SESSION_KEY] = now
    request.session[LAST_USED_AT_SESSION_KEY] = now


def _minutes(seconds: int) -> str:
    minutes = round(seconds / 60)
    if minutes % 60 == 0:
        hours = minutes // 60
        return f"{hours} hour" if hours == 1 else f"{hours} hours"
    return f"{minutes} minute" if minutes == 1 else f"{minutes} minutes"


def _expired(request: HttpRequest, now: float) -> str | None:
    session = request.session
    if SIGNED_IN_AT_SESSION_KEY not in session:
        # A session from before these limits: its clocks start now.
        session[SIGNED_IN_AT_SESSION_KEY] = now
    if now - session[SIGNED_IN_AT_SESSION_KEY] > settings.SESSION_ABSOLUTE_TIMEOUT:
        return ABSOLUTE
    if now - session.get(LAST_USED_AT_SESSION_KEY, now) > settings.SESSION_IDLE_TIMEOUT:
        return IDLE
    return None


def _reason_text(reason: str) -> str:
    if reason == IDLE:
        return (
            "You were signed out because DMT was not used for "
            f"{_minutes(settings.SESSION_IDLE_TIMEOUT)}. Sign in again to carry on."
        )
    return (
        "You were signed out because you signed in more than "
        f"{_minutes(settings.SESSION_ABSOLUTE_TIMEOUT)} ago. Sign in again to carry on."
    )


class SessionLimitsMiddleware:
    """Ends a signed-in session that has been idle, or open, too long; otherwise notes the use.

    Goes after AuthenticationMiddleware and MessageMiddleware. It signs the user out before
    any view runs, so LoginRequiredMiddleware then sends them to sign in as for anyone else.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = _now()
            reason = _expired(request, now)
            if reason is None:
                request.session[LAST_USED_AT_SESSION_KEY] = now
            else:
                setattr(request, SIGN_OUT_REASON_ATTRIBUTE, reason)
                logout(request)
                messages.info(request, _reason_text(reason))
        return self.get_response(request)
