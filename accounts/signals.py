"""Sign-ins, failed sign-ins, lockouts and sign-outs are audited from Django's and axes' own
signals; sign-in also starts the session's clocks (accounts.session_limits)."""

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from . import lockout, session_limits, two_factor
from .audit import audit_record
from .models import AuditEvent, User
from .request_context import current_request_context


def _client_ip() -> str | None:
    """The address the audit row will carry (and axes counts by: AXES_CLIENT_IP_CALLABLE)."""
    context = current_request_context()
    return context.ip_address if context else None


@receiver(user_logged_in, dispatch_uid="audit_login")
def _audit_login(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    audit_record(action=AuditEvent.Action.LOGIN, actor=user)
    if request is None or not hasattr(request, "session"):
        return
    session_limits.stamp_sign_in(request)
    two_factor.remember_authenticator(request, user)
    if not two_factor.must_verify(request, user):
        # Sign-in is complete; with two-factor it completes when the code is accepted.
        lockout.clear_failures(request, user.get_username())


@receiver(user_logged_out, dispatch_uid="audit_logout")
def _audit_logout(
    sender: Any, request: HttpRequest | None, user: User | None, **kwargs: Any
) -> None:
    if user is None:
        return
    reason = getattr(request, session_limits.SIGN_OUT_REASON_ATTRIBUTE, None)
    audit_record(
        action=AuditEvent.Action.LOGOUT, actor=user, detail={"reason": reason} if reason else None
    )


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def _audit_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    # Django has already masked the password in `credentials`; only the username is kept, in
    # its own column, so an unknown username is still attributable.
    decision = lockout.failure_audit(_client_ip())
    if decision is lockout.FailureAudit.SKIP:
        return
    audit_record(
        action=AuditEvent.Action.LOGIN_FAILED,
        actor=None,
        username=str(credentials.get("username", "")),
        detail={"throttled": True} if decision is lockout.FailureAudit.WRITE_THROTTLED else None,
    )


@receiver(user_locked_out, dispatch_uid="audit_locked_out")
def _audit_locked_out(
    sender: Any, request: HttpRequest, username: str | None, **kwargs: Any
) -> None:
    """One row per lockout: axes signals again for every attempt it refuses during one."""
    username, ip_address = username or "", _client_ip()
    if lockout.lockout_already_audited(username, ip_address):
        return
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        # Locked out at the code, after the right password: attributable, never throttled.
        audit_record(
            action=AuditEvent.Action.LOCKED_OUT,
            actor=user,
            detail={"stage": "two_factor"},
        )
        return
    decision = lockout.failure_audit(ip_address)
    if decision is lockout.FailureAudit.SKIP:
        return
    detail: dict[str, Any] = {"stage": "password"}
    if decision is lockout.FailureAudit.WRITE_THROTTLED:
        detail["throttled"] = True
    audit_record(action=AuditEvent.Action.LOCKED_OUT, actor=None, username=username, detail=detail)
