"""Odd input into every field of every form of the site, as someone allowed to use it: no
server error, ever, and nothing written unless the field takes free text and the value is
good text for it.

Each page of the catalogue is opened by the first member of the world's cast who may open it;
every form on it (POST and GET) is sent as the page drew it, with one field at a time set to
one odd value: digits from other scripts, NUL, dates at the ends of the calendar, a
10,000-character string, negative and huge numbers, emoji.

"Written" is judged from the database: the number of rows of every table of ours (the
many-to-many link tables too), the sum of the versions of versioned records, and the audit
rows of changes (every write goes through a service that writes one), all read in one query.
Drafts are left out: keeping what someone typed, even when the form was refused, is the point
of them.

Each request runs in a savepoint that is rolled back once it is judged, so every request meets
the records exactly as the page drew them: the page's version numbers stay current, and an
accepted write does not turn every later request into an edit conflict. Every field of every
form gets every odd value; only a request identical to one already sent from the same page
(the same form drawn twice, as the slots to book are) is left out, since against the same
records it can only do the same again.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from django import forms
from django.apps import apps
from django.db import connection, transaction

from accounts.models import AuditEvent

from ..conftest import signed_in
from .catalogue import CATALOGUE, targets_for

ODD_VALUES = {
    "arabic-indic digit": "٣",
    "superscript two": "²",
    "NUL": "nul\x00value",
    "the last date": "9999-12-31",
    "the first date": "0001-01-01",
    "10,000 characters": "x" * 10_000,
    "negative": "-1",
    "huge": "99999999999999999999999",
    "emoji": "😀👨‍👩‍👧",
}
# Who tries each page: the first of these who may open it.
TRIERS = ["alice", "tina", "bella", "sue", "audrey", "dan", "nadia", "rosa", "adam", "ivy"]
# Tables whose writes are not changes of record: the user's own unsaved text, sessions,
# sign-in counters, and audit rows of reads (counted separately).
NOT_RECORDS = {"accounts.draft", "accounts.auditevent", "axes.accessattempt"}
CHANGE_ACTIONS = [AuditEvent.Action.CREATE, AuditEvent.Action.UPDATE, AuditEvent.Action.DELETE]
SKIPPED_FIELDS = {"csrfmiddlewaretoken"}
OUR_APPS = ("accounts", "families", "referrals", "supervision", "outcomes")
# Pages whose forms act on the session rather than on records (signing in and out, turning
# two-factor off: tests/accounts tries those with odd input).
SKIPPED_PAGES = {"accounts:logout", "accounts:login", "accounts:two_factor_off"}


@dataclass
class Form:
    method: str
    action: str
    fields: list[tuple[str, str]] = field(default_factory=list)  # as the browser would send
    names: list[str] = field(default_factory=list)  # every field one could type into


class FormReader(HTMLParser):
    """The forms of a page, with the values a browser would send untouched."""

    def __init__(self, page_path: str) -> None:
        super().__init__()
        self.page_path = page_path
        self.forms: list[Form] = []
        self.form: Form | None = None
        self.select: str | None = None
        self.select_first: str | None = None
        self.select_chosen = False
        self.textarea: str | None = None
        self.text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {name: value or "" for name, value in attrs}
        if tag == "form":
            action = urljoin(self.page_path, a.get("action") or self.page_path)
            self.form = Form(a.get("method", "get").lower(), action)
            self.forms.append(self.form)
        if self.form is None or not a.get("name") and tag not in ("option",):
            return
        name = a.get("name", "")
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.form.fields.append((name, a.get("value", "on")))
            else:
                self.form.fields.append((name, a.get("value", "")))
            if name not in self.form.names:
                self.form.names.append(name)
        elif tag == "textarea":
            self.textarea, self.text = name, ""
            self.form.names.append(name)
        elif tag == "select":
            self.select, self.select_first, self.select_chosen = name, None, False
            self.form.names.append(name)
        elif tag == "option" and self.select is not None:
            value = a.get("value", "")
            if self.select_first is None:
                self.select_first = value
            if "selected" in a:
                self.form.fields.append((self.select, value))
                self.select_chosen = True

    def handle_data(self, data: str) -> None:
        if self.textarea is not None:
            self.text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.form = None
        elif tag == "textarea" and self.form is not None and self.textarea is not None:
            self.form.fields.append((self.textarea, self.text.lstrip("\n")))
            self.textarea = None
        elif tag == "select" and self.form is not None and self.select is not None:
            if not self.select_chosen and self.select_first is not None:
                self.form.fields.append((self.select, self.select_first))
            self.select = None


def forms_on(response, path: str) -> list[Form]:
    reader = FormReader(path)
    reader.feed(response.content.decode(errors="replace"))
    return [form for form in reader.forms if form.names]


TICK = -1  # a tick box, in free_text_fields


def free_text_fields(response) -> dict[str, int | None]:
    """The Django form fields of the page whose value may be any text: name -> max length
    (None: no limit). Tick boxes too (as TICK): a browser sends a tick box's value only when
    it is ticked, so any value at all means "ticked", as Django's BooleanField reads it."""
    found: dict[str, int | None] = {}
    for value in _context_values(response):
        for form in _forms_in(value):
            for bound in form:
                hidden = isinstance(bound.field.widget, forms.HiddenInput)
                if type(bound.field) is forms.CharField and not hidden:
                    found[bound.html_name] = getattr(bound.field, "max_length", None)
                elif type(bound.field) is forms.BooleanField and not hidden:
                    found[bound.html_name] = TICK
    return found


def _context_values(response) -> Iterator[Any]:
    for context in response.context or []:
        # A template's Context has layers; DRF's rendered pages (the API docs) a plain dict.
        for layer in getattr(context, "dicts", [context]):
            yield from layer.values()


def _forms_in(value: Any) -> Iterator[forms.BaseForm]:
    if isinstance(value, forms.BaseForm):
        yield value
    elif isinstance(value, forms.BaseFormSet):
        yield from value.forms


@cache
def _state_query() -> tuple[str, list[str]]:
    """One SELECT of what a write would change: the rows of every table of ours (many-to-many
    link tables included), the sum of the versions of versioned records, and the audit rows
    of changes. One round trip: asking table by table took most of this module's time."""
    quote = connection.ops.quote_name
    parts = []
    for model in apps.get_models(include_auto_created=True):
        if model._meta.app_label not in OUR_APPS or model._meta.label_lower in NOT_RECORDS:
            continue
        table = quote(model._meta.db_table)
        parts.append(f"(SELECT COUNT(*) FROM {table})")
        if any(f.name == "version" for f in model._meta.concrete_fields):
            version = quote(model._meta.get_field("version").column)
            parts.append(f"(SELECT COALESCE(SUM({version}), 0) FROM {table})")
    action = quote(AuditEvent._meta.get_field("action").column)
    placeholders = ", ".join(["%s"] * len(CHANGE_ACTIONS))
    parts.append(
        f"(SELECT COUNT(*) FROM {quote(AuditEvent._meta.db_table)} "
        f"WHERE {action} IN ({placeholders}))"
    )
    return "SELECT " + ", ".join(parts), [str(change) for change in CHANGE_ACTIONS]


def written_state() -> tuple:
    """What a write would change (see _state_query), as one comparable tuple."""
    sql, params = _state_query()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return tuple(cursor.fetchone())


def acceptable_text(name: str, value: str, free_text: dict[str, int | None]) -> bool:
    """May a write carrying `value` in field `name` be right? Only as free text, in length,
    without NUL, or as a tick."""
    if name not in free_text:
        return False
    limit = free_text[name]
    if limit == TICK:
        return True
    return "\x00" not in value and (limit is None or len(value) <= limit)


def _first_allowed(world, path: str):
    for username in TRIERS:
        client = signed_in(world.user(username))
        response = client.get(path)
        if response.status_code == 200 and "text/html" in response.get("Content-Type", ""):
            return client, response
    return None, None


@pytest.mark.parametrize("name", sorted(set(CATALOGUE) - SKIPPED_PAGES))
def test_odd_input_into_every_field_meets_no_server_error_and_writes_nothing_bad(world_db, name):
    for label, path in targets_for(world_db)[name]:
        client, page = _first_allowed(world_db, path)
        if client is None:
            continue  # nobody opens it as a page (an export, a POST-only action, a feed)
        free_text = free_text_fields(page)
        # Each request runs in a savepoint rolled back once it is judged, so every one meets
        # the records as the page showed them (an accepted write would otherwise leave the
        # form's version stale, and every later request would be refused as a conflict).
        before = written_state()
        # A page may draw the same form more than once (a slot to book, each with its time):
        # a request exactly like one already sent meets the same records and is not sent.
        sent: set[tuple[str, str, tuple[tuple[str, str], ...]]] = set()
        for form in forms_on(page, path):
            if urlsplit(form.action).netloc:
                continue  # not ours
            send = client.post if form.method == "post" else client.get
            for field_name in form.names:
                if field_name in SKIPPED_FIELDS:
                    continue
                for odd_name, odd in ODD_VALUES.items():
                    data = [(k, v) for k, v in form.fields if k != field_name]
                    data.append((field_name, odd))
                    request = (form.method, form.action, tuple(data))
                    if request in sent:
                        continue
                    sent.add(request)
                    where = f"{name} {label!r}: {form.method} {form.action} {field_name}={odd_name}"
                    with transaction.atomic():
                        response = send(form.action, _as_dict(data))
                        written = written_state() != before
                        transaction.set_rollback(True)
                    assert response.status_code < 500, where
                    if written:
                        assert form.method == "post" and acceptable_text(
                            field_name, odd, free_text
                        ), f"written: {where}"
        assert written_state() == before, f"{name} {label!r}: a rollback left a write behind"


def _as_dict(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    data: dict[str, list[str]] = {}
    for key, value in pairs:
        data.setdefault(key, []).append(value)
    return data
