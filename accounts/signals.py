"""Sign-ins, failed sign-ins and sign-outs are audited from Django's own auth signals."""

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from .audit import audit_record
from .models import AuditEvent, User


@receiver(user_logged_in, dispatch_uid="audit_login")
def _audit_login(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    audit_record(action=AuditEvent.Action.LOGIN, actor=user)


@receiver(user_logged_out, dispatch_uid="audit_logout")
def _audit_logout(
    sender: Any, request: HttpRequest | None, user: User | None, **kwargs: Any
) -> None:
    if user is not None:
        audit_record(action=AuditEvent.Action.LOGOUT, actor=user)


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def _audit_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    # Django has already masked the password in `credentials`; only the username is kept.
    audit_record(
        action=AuditEvent.Action.LOGIN_FAILED,
        actor=None,
        username=str(credentials.get("username", "")),
    )
