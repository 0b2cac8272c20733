import datetime
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from .models import ApiToken, AuditEvent, Role, User


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def audit_events_for(user: User) -> QuerySet[AuditEvent]:
    """The audit rows `user` may read: an auditor all of them; an administrator, who runs the
    system and reads no case records, only sign-ins and changes to staff and configuration."""
    events = AuditEvent.objects.select_related("actor")
    if user.role == Role.AUDITOR:
        return events
    if user.role == Role.ADMIN:
        return events.system()
    return events.none()


def audit_event_list(user: User, *, filters: dict[str, Any]) -> QuerySet[AuditEvent]:
    """Audit events `user` may read matching their filters, newest first."""
    events = audit_events_for(user)
    if filters.get("username"):
        events = events.filter(username__iexact=filters["username"])
    if filters.get("action"):
        events = events.filter(action=filters["action"])
    if filters.get("object_type"):
        events = events.filter(object_type=filters["object_type"])
    if filters.get("object_id"):
        events = events.filter(object_id=filters["object_id"])
    if filters.get("date_from"):
        events = events.filter(at__gte=_start_of(filters["date_from"]))
    if filters.get("date_to"):
        events = events.filter(at__lt=_start_of(filters["date_to"] + datetime.timedelta(days=1)))
    return events


def audit_summary_today() -> dict[str, int]:
    today = timezone.localdate()
    return AuditEvent.objects.filter(at__gte=_start_of(today)).aggregate(
        events=Count("id"),
        failed_logins=Count("id", filter=Q(action=AuditEvent.Action.LOGIN_FAILED)),
        lockouts=Count("id", filter=Q(action=AuditEvent.Action.LOCKED_OUT)),
    )


def staff_by_role() -> list[dict[str, Any]]:
    labels = dict(Role.choices)
    rows = (
        User.objects.filter(is_active=True)
        .values("role")
        .annotate(staff=Count("id"))
        .order_by("role")
    )
    return [{"role": labels.get(row["role"], row["role"]), "staff": row["staff"]} for row in rows]


# API tokens and service accounts ------------------------------------------------------------

# Longer than any token we issue ("dmt_" and 43 characters), with room to spare: anything
# longer is not one of ours and is not hashed.
_API_TOKEN_MAX_LENGTH = 100


def api_token_for_key(key: str) -> ApiToken | None:
    """The token a request presents, with its owner, found by its hash; None when it is not
    one we issued (revoked and expired tokens are found: the caller says which)."""
    if not key.startswith(ApiToken.KEY_PREFIX) or len(key) > _API_TOKEN_MAX_LENGTH:
        return None
    return ApiToken.objects.select_related("user").filter(key_hash=ApiToken.hash_key(key)).first()


def api_tokens_for(user: User) -> QuerySet[ApiToken]:
    """The tokens `user` may list and revoke: their own; an administrator, everyone's."""
    tokens = ApiToken.objects.select_related("user", "revoked_by")
    if user.role == Role.ADMIN:
        return tokens
    return tokens.filter(user=user)


def service_accounts_for(user: User) -> QuerySet[User]:
    """Service accounts, for administrators (who create them and rotate their tokens)."""
    if user.role != Role.ADMIN:
        return User.objects.none()
    return User.objects.filter(is_service_account=True).select_related("agency")
