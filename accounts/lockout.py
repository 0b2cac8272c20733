"""Sign-in lockout (django-axes) and the limit on audit rows for failed sign-ins per address.

Axes counts failed attempts per typed username and client address, in the database so that
every gunicorn worker sees the same count. After settings.AXES_FAILURE_LIMIT failures the pair
is locked out for settings.AXES_COOLOFF_TIME, whether or not the username exists, and even the
right password is refused. Wrong two-factor codes count towards the same limit.

Every failed attempt is audited, except that one client address flooding the sign-in page
writes at most settings.SIGN_IN_FAILURES_AUDITED_PER_ADDRESS rows per cool-off window, the
last of them marked {"throttled": true}; the rest are counted by axes but not written.
"""

import enum
from datetime import timedelta

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from .models import AuditEvent

# The rows an anonymous flood can write, counted together against the per-address limit.
FAILURE_ACTIONS = (AuditEvent.Action.LOGIN_FAILED, AuditEvent.Action.LOCKED_OUT)


def cool_off() -> timedelta:
    return settings.AXES_COOLOFF_TIME


def lockout_message() -> str:
    """The same words whether or not the username exists, so the page reveals nothing."""
    minutes = round(cool_off().total_seconds() / 60)
    return (
        f"Too many failed attempts. Wait {minutes} minutes, then try again. "
        "If you have forgotten your password, ask your system administrator."
    )


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict | None = None,
) -> HttpResponse:
    """The sign-in page with the lockout message in its error summary (AXES_LOCKOUT_CALLABLE).

    The form is unbound so that rendering it cannot call authenticate() again. A lockout at
    the API's sign-in (accounts.api) has its answer already, a 429 in the API's own form with
    the same words: that is kept.
    """
    from rest_framework.response import Response  # late: DRF's settings import accounts

    from .forms import SignInForm  # late: forms imports models, which settings load lazily

    if isinstance(original_response, Response):
        return original_response

    typed = str((credentials or {}).get("username") or request.POST.get("username", ""))
    form = SignInForm(request, initial={"username": typed[:150]})
    form.cleaned_data = {}  # add_error expects it; an unbound form never cleaned anything
    form.add_error(None, lockout_message())
    next_url = request.POST.get("next") or request.GET.get("next", "")
    return render(request, "accounts/login.html", {"form": form, "next": next_url}, status=429)


def _credentials(username: str) -> dict[str, str]:
    return {"username": username}


def is_locked_out(request: HttpRequest, username: str) -> bool:
    return not AxesProxyHandler.is_allowed(request, _credentials(username))


def record_failure(request: HttpRequest, username: str) -> bool:
    """Count a failed attempt by `username` from this client that did not go through
    authenticate() (a wrong two-factor code). True when it locks them out."""
    AxesProxyHandler.user_login_failed(
        sender=record_failure, credentials=_credentials(username), request=request
    )
    return bool(getattr(request, "axes_locked_out", False))


def clear_failures(request: HttpRequest, username: str) -> None:
    """Forget `username`'s failures from this client once their sign-in is complete.

    Done here rather than by AXES_RESET_ON_SUCCESS: axes would reset at the password step,
    and someone holding only the password could then sign in again and again for fresh
    guesses at the code.
    """
    AxesProxyHandler.update_request(request)
    AxesProxyHandler.get_implementation().reset_user_attempts(request, _credentials(username))


class FailureAudit(enum.Enum):
    WRITE = "write"
    WRITE_THROTTLED = "write_throttled"  # the row that says later failures go unwritten
    SKIP = "skip"


def failure_audit(ip_address: str | None) -> FailureAudit:
    """Whether a failed sign-in (or lockout) from `ip_address` gets an audit row now.

    Counted in the audit table itself, so it holds across workers; a race between workers
    can write a row or two over the limit, never fewer than it.
    """
    if ip_address is None:
        return FailureAudit.WRITE
    recent = AuditEvent.objects.filter(
        ip_address=ip_address,
        action__in=FAILURE_ACTIONS,
        at__gte=timezone.now() - cool_off(),
    )
    if recent.count() < settings.SIGN_IN_FAILURES_AUDITED_PER_ADDRESS:
        return FailureAudit.WRITE
    if recent.filter(detail__throttled=True).exists():
        return FailureAudit.SKIP
    return FailureAudit.WRITE_THROTTLED


def lockout_already_audited(username: str, ip_address: str | None) -> bool:
    """True when this lockout has its row: axes signals a lockout on every refused attempt,
    and a new lockout cannot begin until a whole cool-off after the last one began."""
    return AuditEvent.objects.filter(
        action=AuditEvent.Action.LOCKED_OUT,
        username=username[:150],
        ip_address=ip_address,
        at__gte=timezone.now() - cool_off(),
    ).exists()
