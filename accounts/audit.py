"""The one way an audit row is written. Every read and change of a case record calls it.

A row says who did what to which record, when and from where: the record by its type, id and
reference, never by a person's name; its detail by codes, ids, dates, numbers and field
names, never by notes, reasons or search text a user typed. The audit trail must not become
a second, less guarded copy of the case records (administrators read part of it), so
`audit_record` refuses detail it does not recognise rather than store it.
"""

import re
from collections.abc import Iterable
from typing import Any

from django.db import models
from django.http import HttpRequest

from .models import AuditEvent, User
from .permissions import signed_in_user
from .request_context import current_request_context

# The detail keys a row may carry. Add a key only for a code, id, date, number, boolean or
# field name: never for text a person typed or a person's name.
DETAIL_KEYS = frozenset(
    {
        "added",
        "agenda",
        "api",
        "cancelled",
        "changed_on",
        "closed_on",
        "closing_on",
        "decision",
        "discussion_interval_days",
        "done_on",
        "dry_run",
        "ends_on",
        "engagement",
        "expires",
        "export",
        "family",
        "feed",
        "field",
        "fields",
        "format",
        "from",
        "group",
        "ics",
        "import_run",
        "in_force_from",
        "in_force_to",
        "ineligible",
        "interval",
        "kind",
        "key",
        "measure",
        "meeting",
        "method",
        "moved_from",
        "needs_action",
        "not_discussed",
        "notice_hours",
        "outcome",
        "over_capacity",
        "owner",
        "pack_built",
        "page",
        "pathway",
        "people",
        "practitioner",
        "problems",
        "reason",
        "recovery_codes",
        "recovery_codes_left",
        "removed",
        "report",
        "results",
        "role",
        "run",
        "session",
        "signed_off",
        "source",
        "stage",
        "throttled",
        "start_date",
        "starts_on",
        "to",
        "token_prefix",  # an API token's display prefix, never the token
        "total",
        "via",
        "waiting",
        "was",
        "working_days",
    }
)
# A detail string is a code, a reference, a username or an ISO date: one short token.
_TOKEN = re.compile(r"[^\s\x00-\x1f\x7f]{0,150}")
# An API token as issued (accounts.services): "dmt_" and 43 characters. Never in a row, even
# by mistake: a row names a token by its 12-character prefix.
_API_TOKEN = re.compile(r"dmt_[A-Za-z0-9_-]{40,}")
# Rows about these actions are sign-in events: the system's, never a case's.
SIGN_IN_ACTIONS = frozenset(
    {
        AuditEvent.Action.LOGIN,
        AuditEvent.Action.LOGIN_FAILED,
        AuditEvent.Action.LOGOUT,
        AuditEvent.Action.LOCKED_OUT,
        AuditEvent.Action.TWO_FACTOR_ENROLLED,
        AuditEvent.Action.TWO_FACTOR_VERIFIED,
        AuditEvent.Action.TWO_FACTOR_FAILED,
        AuditEvent.Action.RECOVERY_CODE_USED,
        AuditEvent.Action.RECOVERY_CODES_MADE,
        AuditEvent.Action.TWO_FACTOR_RESET,
    }
)


class AuditDetailError(ValueError):
    """A caller tried to put free text or an unknown key in an audit row's detail."""


def audit_reference(obj: models.Model) -> str:
    """What a row names a record by: its `reference` (cases, people, referrals) or a member
    of staff's username; otherwise nothing beyond its type and id."""
    if isinstance(obj, User):
        return obj.get_username()[:150]
    if any(field.name == "reference" for field in obj._meta.concrete_fields):
        # Found among the model's fields at run time, so no type declares it.
        return str(obj.reference)[:150]  # type: ignore[attr-defined]
    return ""


def audit_object_type(obj: models.Model) -> str:
    """The record's model, as "app.model"; a proxy's concrete model (a service account is a
    user), so every row about one record carries one type."""
    model = obj._meta.concrete_model or type(obj)
    return model._meta.label_lower


def audit_category(action: str, obj: models.Model | None) -> str:
    """System rows (sign-ins; staff and configuration records, marked by AUDIT_CATEGORY on
    their model) are what administrators read. Everything else is about cases: the safe
    default for a model nobody has marked."""
    if action in SIGN_IN_ACTIONS:
        return AuditEvent.Category.SYSTEM
    if obj is None:
        return AuditEvent.Category.CASE
    return getattr(type(obj), "AUDIT_CATEGORY", AuditEvent.Category.CASE)


def checked_detail(detail: dict[str, Any] | None) -> dict[str, Any]:
    """The detail as given, once every key is known and every value is a code-like scalar."""
    detail = detail or {}
    for key, value in detail.items():
        if key not in DETAIL_KEYS:
            raise AuditDetailError(f"audit detail key {key!r} is not in accounts.audit.DETAIL_KEYS")
        _check_value(key, value)
    return detail


def _check_value(key: str, value: Any) -> None:
    if value is None or isinstance(value, bool | int | float):
        return
    if isinstance(value, str):
        if not _TOKEN.fullmatch(value):
            raise AuditDetailError(f"audit detail {key!r} holds free text, not a code")
        if _API_TOKEN.search(value):
            raise AuditDetailError(f"audit detail {key!r} holds an API token")
        return
    if isinstance(value, list | tuple):
        for item in value:
            _check_value(key, item)
        return
    if isinstance(value, dict):
        for inner_key, item in value.items():
            _check_value(key, str(inner_key))
            _check_value(key, item)
        return
    raise AuditDetailError(f"audit detail {key!r} holds a {type(value).__name__}")


def _event(
    *,
    action: str,
    actor: User | None,
    obj: models.Model | None,
    username: str,
    detail: dict[str, Any],
) -> AuditEvent:
    context = current_request_context()
    if actor is not None and not username:
        username = actor.get_username()
    return AuditEvent(
        actor=actor,
        username=username[:150],
        action=action,
        category=audit_category(action, obj),
        object_type=audit_object_type(obj) if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_reference=audit_reference(obj) if obj is not None else "",
        ip_address=context.ip_address if context else None,
        request_id=context.request_id if context else "",
        detail=detail,
    )


def audit_record(
    *,
    action: AuditEvent.Action | str,
    actor: User | None,
    obj: models.Model | None = None,
    username: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Record that `actor` did `action` to `obj` now, with the current request's IP and id.

    Called inside the caller's transaction, so a change that rolls back leaves no audit row
    claiming it happened.
    """
    event = _event(
        action=action, actor=actor, obj=obj, username=username, detail=checked_detail(detail)
    )
    event.save()
    return event


def audit_record_many(
    *,
    action: AuditEvent.Action | str,
    actor: User | None,
    objects: Iterable[models.Model],
    username: str = "",
    detail: dict[str, Any] | None = None,
) -> int:
    """One audit row per object in a single insert: for imports, exports and lists."""
    detail = checked_detail(detail)
    events = [
        _event(action=action, actor=actor, obj=obj, username=username, detail=detail)
        for obj in objects
    ]
    AuditEvent.objects.bulk_create(events, batch_size=1000)
    return len(events)


def audit_page_view(request: HttpRequest, obj: models.Model) -> None:
    """Record that the signed-in user opened a page showing `obj` (GET only: a POST from the
    same page is audited as the change it makes)."""
    if request.method != "GET":
        return
    audit_record(
        action=AuditEvent.Action.VIEW,
        actor=signed_in_user(request),
        obj=obj,
        detail={"page": _page_name(request)},
    )


def audit_page_view_many(request: HttpRequest, objects: Iterable[models.Model]) -> None:
    """Record that the signed-in user opened a page listing `objects` (one row each, in one
    insert; GET only)."""
    if request.method != "GET":
        return
    audit_record_many(
        action=AuditEvent.Action.VIEW,
        actor=signed_in_user(request),
        objects=objects,
        detail={"page": _page_name(request)},
    )


def _page_name(request: HttpRequest) -> str:
    match = request.resolver_match
    return match.view_name if match else ""
