"""Which forms keep drafts, and who may keep one for which record.

A draft key is "<form>:<record id>", e.g. "contact:family:12" or "minutes:discussion:3". This
layer stores keyed text and knows no case records: each app registers its forms in its
AppConfig.ready with a check of whether a user may write that form on that record. The save
and discard pages (accounts.views) keep a draft only for a registered form that the check
allows, so nobody can park text against a record they could not save it to.
"""

import contextlib
import datetime
from collections.abc import Callable, Collection, Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone

from dmt.parsing import clean_text, parse_id

from . import services
from .models import AuditEvent, User
from .permissions import signed_in_user

DraftCheck = Callable[[User, int], bool]

_FORMS: dict[str, DraftCheck] = {}


def register(form: str, allowed: DraftCheck) -> None:
    """Let `form` (e.g. "contact:family") keep drafts where `allowed(user, record_id)`."""
    if not form or any(character in form for character in " \t\n") or form.endswith(":"):
        raise ValueError(f"Not a draft form name: {form!r}")
    if _FORMS.get(form, allowed) is not allowed:
        raise ValueError(f"The draft form {form!r} is already registered")
    _FORMS[form] = allowed


def key(form: str, record_id: int) -> str:
    """The draft key of `form` on a record; the form must be registered."""
    if form not in _FORMS:
        raise KeyError(f"No draft form {form!r} is registered")
    return f"{form}:{record_id}"


def registered() -> list[str]:
    return sorted(_FORMS)


def allowed(user: User, draft_key: str) -> bool:
    """The key names a registered form on a record the user may write that form on."""
    form, _, record = draft_key.rpartition(":")
    check = _FORMS.get(form)
    record_id = parse_id(record)
    return check is not None and record_id is not None and check(user, record_id)


# For the form pages --------------------------------------------------------------------------


def posted_data(request: HttpRequest) -> dict[str, list[str]]:
    """What was posted, without the control characters (NUL) no database keeps as JSON."""
    return {
        clean_text(name): [clean_text(value) for value in request.POST.getlist(name)]
        for name in request.POST
        if name != "csrfmiddlewaretoken"
    }


def keep_posted(request: HttpRequest, draft_key: str) -> None:
    """Keep a refused form's text, even if the user closes the page instead of fixing it."""
    # Too long to keep: the page still shows it, and the script keeps a copy on the device.
    with contextlib.suppress(ValidationError):
        services.draft_save(user=signed_in_user(request), key=draft_key, data=posted_data(request))


def page_context(
    request: HttpRequest,
    draft_key: str,
    *,
    text_fields: tuple[str, ...],
    last_saved: datetime.datetime | None = None,
    withheld: Collection[str] = (),
) -> dict[str, Any]:
    """What templates/includes/draft_banner.html and the form's data-draft-* attributes need.

    `text_fields` are the form's free-text fields, which the banner shows (so the text can be
    copied without script). `last_saved` is when this user last saved this form on this record:
    a copy the device kept from before then is stale and is not offered back. `withheld` are
    fields the page no longer shows this user (restricted details they may not now read): a
    draft's copy of them is not put on the page."""
    draft = services.draft_for(signed_in_user(request), draft_key)
    data = {
        name: values
        for name, values in (draft.data.items() if draft else [])
        if name not in withheld
    }
    text = [
        value
        for name in text_fields
        if name not in withheld
        for value in data.get(name, [])
        if isinstance(value, str) and value.strip()
    ]
    return {
        "draft_key": draft_key,
        "draft_data": data,
        "draft_text": text,
        "draft_text_fields": " ".join(text_fields),
        # After a refused post the form already shows the text; the banner is for a new visit.
        "draft": draft if request.method == "GET" else None,
        # Milliseconds since the epoch, for the page's script to compare with its copy.
        "last_saved_ms": int(last_saved.timestamp() * 1000) if last_saved else 0,
        "server_now_ms": int(timezone.now().timestamp() * 1000),
    }


def last_written(
    user: User, object_type: str, object_ids: Iterable[object] | None = None
) -> datetime.datetime | None:
    """When `user` last created or changed a record of `object_type` (one of `object_ids`,
    when given), by the audit trail: the `last_saved` of a form whose records keep no time
    or author of their own."""
    events = AuditEvent.objects.filter(
        actor=user,
        action__in=(AuditEvent.Action.CREATE, AuditEvent.Action.UPDATE),
        object_type=object_type,
    )
    if object_ids is not None:
        events = events.filter(object_id__in=[str(object_id) for object_id in object_ids])
    return events.order_by("-at").values_list("at", flat=True).first()
