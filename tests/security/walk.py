"""One visit of every URL of the site as one member of staff, and reading what it showed.

Every page of the catalogue is opened with a GET. A pattern that answers a GET with 405 takes
only POSTs (allocate, sign off...): it is then sent an empty POST, after every GET, which
tells whether the user may act there (403 or 404 when not) without changing anything (an
empty form is refused). Signing out comes last of all.
"""

import html
import io
import json
import re
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import AuditEvent, User

from ..conftest import signed_in
from .catalogue import targets_for
from .world import World

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Visited last, in this order: turning two-factor off and signing out change the session.
LAST = ("accounts:two_factor_off", "accounts:logout")


def _order(name: str) -> int:
    return LAST.index(name) if name in LAST else -1


def shown_text(response) -> str:
    """Everything the response shows a person: HTML with entities decoded, a CSV or calendar
    file as text, a JSON body with its escapes decoded, each cell of a spreadsheet."""
    content_type = response.get("Content-Type", "")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if content_type.startswith(XLSX):
        workbook = load_workbook(io.BytesIO(body), read_only=True)
        return "\n".join(
            str(cell)
            for sheet in workbook.worksheets
            for row in sheet.iter_rows(values_only=True)
            for cell in row
            if cell is not None
        )
    text = body.decode("utf-8", errors="replace")
    if "json" in content_type:
        try:
            return json.dumps(json.loads(text), ensure_ascii=False)
        except ValueError:
            return text
    # iCalendar folds long lines with CRLF and a space, and escapes commas.
    text = text.replace("\r\n ", "").replace("\\,", ",").replace("\\;", ";")
    return html.unescape(text) + "\n" + "\n".join(_signed_values(text))


def _signed_values(text: str) -> list[str]:
    """What the page's signed values carry: signing only encodes (base64), it hides nothing."""
    found = []
    for value in re.findall(r'value="([^"]+:[^"]+)"', text):
        try:
            found.append(json.dumps(signing.loads(html.unescape(value)), ensure_ascii=False))
        except (signing.BadSignature, ValueError, TypeError):
            continue
    return found


@dataclass
class Visit:
    name: str
    label: str
    path: str
    method: str
    status: int
    location: str
    text: str
    audited: int  # view and export rows this visit wrote for its reader
    audited_references: set[str]  # the records those rows name
    audit_text: str  # every audit row this visit wrote, as text

    @property
    def outcome(self) -> str:
        """What the visit says of the user's right: the permission matrix's symbol."""
        if self.status in (200, 201, 204):
            return "✓"
        if self.status in (301, 302, 303):
            # Signing out ends at the sign-in page: that is the action done, not refused.
            signed_out = self.name == "accounts:logout" and self.method == "POST"
            to_sign_in = self.location.startswith(reverse(settings.LOGIN_URL))
            return "sign in" if to_sign_in and not signed_out else "✓"
        if self.method == "POST" and self.status in (400, 428) and self.path.startswith("/api/"):
            # The API's answer to an empty POST from someone allowed to act: the input (400)
            # or the If-Match header (428) is missing, as a page shows its empty form again.
            return "✓"
        if self.status == 403:
            return "✗"
        if self.status == 404:
            return "·"
        return str(self.status)


def visit_everything(world: World, user: User | None) -> list[Visit]:
    """Every target of the catalogue as `user` (None: nobody signed in)."""
    client = signed_in(user) if user is not None else Client()
    visits, posts = [], []
    for name, targets in sorted(targets_for(world).items(), key=lambda item: _order(item[0])):
        # The calendar feed is read with its secret token, not a session: its reader is the
        # member of staff whose feed it is, whoever holds the link.
        reader = world.feed.user if name == "supervision_feed:ics" else user
        for label, path in targets:
            visit = _visit(client, "get", name, label, path, reader)
            if visit.status == 405:
                posts.append((name, label, path, reader))
            else:
                visits.append(visit)
    for name, label, path, reader in sorted(posts, key=lambda post: _order(post[0])):
        visits.append(_visit(client, "post", name, label, path, reader))
    return visits


def _visit(client: Client, method: str, name: str, label: str, path: str, reader) -> Visit:
    before = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    response = getattr(client, method)(path)
    written = list(AuditEvent.objects.filter(pk__gt=before))
    reads = [
        event
        for event in written
        if reader is not None
        and event.actor_id == reader.pk
        and event.action in (AuditEvent.Action.VIEW, AuditEvent.Action.EXPORT)
    ]
    return Visit(
        name=name,
        label=label,
        path=path,
        method=method.upper(),
        status=response.status_code,
        location=response.get("Location", ""),
        text=shown_text(response),
        audited=len(reads),
        audited_references={event.object_reference for event in reads},
        audit_text=" ".join(
            f"{event.username} {event.object_type} {event.object_id} "
            f"{event.object_reference} {event.request_id} {event.detail}"
            for event in written
        ),
    )
