"""The one way an audit row is written. Every read and change of a case record calls it."""

from typing import Any

from django.db import models
from django.http import HttpRequest

from .models import AuditEvent, User
from .request_context import current_request_context


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
    context = current_request_context()
    object_type = object_id = object_repr = ""
    if obj is not None:
        object_type = obj._meta.label_lower
        object_id = str(obj.pk)
        object_repr = str(obj)[:200]
    if actor is not None and not username:
        username = actor.get_username()
    return AuditEvent.objects.create(
        actor=actor,
        username=username[:150],
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr,
        ip_address=context.ip_address if context else None,
        request_id=context.request_id if context else "",
        detail=detail or {},
    )


def audit_record_many(
    *,
    action: AuditEvent.Action | str,
    actor: User | None,
    objects: list[models.Model],
    username: str = "",
    detail: dict[str, Any] | None = None,
) -> int:
    """One audit row per object in a single insert: for imports and exports of many records."""
    context = current_request_context()
    if actor is not None and not username:
        username = actor.get_username()
    events = [
        AuditEvent(
            actor=actor,
            username=username[:150],
            action=action,
            object_type=obj._meta.label_lower,
            object_id=str(obj.pk),
            object_repr=str(obj)[:200],
            ip_address=context.ip_address if context else None,
            request_id=context.request_id if context else "",
            detail=detail or {},
        )
        for obj in objects
    ]
    AuditEvent.objects.bulk_create(events, batch_size=1000)
    return len(events)


def audit_page_view(request: HttpRequest, obj: models.Model) -> None:
    """Record that the signed-in user opened a page showing `obj` (GET only: a POST from the
    same page is audited as the change it makes)."""
    if request.method != "GET":
        return
    match = request.resolver_match
    audit_record(
        action=AuditEvent.Action.VIEW,
        actor=request.user,  # type: ignore[arg-type]
        obj=obj,
        detail={"page": match.url_name if match else ""},
    )
