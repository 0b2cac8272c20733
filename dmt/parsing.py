"""Reading what a browser or an API client sends: ids, versions, positions, dates and text.

One place, so every page reads input the same way and odd input is "not given" or a form
error, never an exception deep in a query (a 500). What is odd here:

- digits other than ASCII 0-9: Python's int() reads "٣" (Arabic-Indic three) as 3 and
  str.isdigit() calls "²" a digit that int() then refuses, so neither is a parser;
- numbers outside the database's integer columns, and strings too long to be a number
  (int() refuses more than 4,300 digits with a ValueError);
- dates so near date.min or date.max that adding or subtracting a day, or converting to
  UTC, overflows. Every date we accept lies in 1900-01-01 .. 2200-12-31 (DATE_MIN, DATE_MAX):
  nobody on a caseload was born before 1900, and no review, leave or report runs past 2200,
  yet the range is far enough from Python's limits that date arithmetic cannot fail, and
  before 1900 Europe/London is local mean time, off by 75 seconds;
- NUL and other control characters: PostgreSQL refuses NUL in text and JSON (psycopg2
  raises ValueError before the query is sent), spreadsheets and XML refuse most others.

The functions return None for anything they do not accept, for views that read raw
request.GET / request.POST / JSON. The form fields below apply the same rules inside forms,
so a form error names the field. This module imports no app: every app may use it.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import Any

from django import forms
from django.db import models
from django.http import HttpRequest
from django.utils import timezone
from django.utils.dateparse import parse_datetime as _django_parse_datetime
from django.utils.http import url_has_allowed_host_and_scheme

# The largest primary key: BigAutoField is a signed 64-bit integer on every backend.
ID_MAX = 2**63 - 1
# A record version is a PositiveIntegerField: 32-bit signed on PostgreSQL.
VERSION_MAX = 2**31 - 1
# A position in a short ordered list someone numbers by hand, such as an agenda.
POSITION_MAX = 999
# An IntegerField with no bounds of its own is held to what every integer column can store.
INTEGER_MIN, INTEGER_MAX = -(2**31), 2**31 - 1

DATE_MIN = datetime.date(1900, 1, 1)
DATE_MAX = datetime.date(2200, 12, 31)
DATE_RANGE_MESSAGE = "Enter a date between 1 January 1900 and 31 December 2200"
FORM_NOT_READ = "This form could not be read. Open the page again and make your change"

_WHOLE_NUMBER = re.compile(r"-?[0-9]+", re.ASCII)
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
# Twenty characters hold any 64-bit integer with its sign; longer is not a number we take.
_NUMBER_MAX_LENGTH = 20
# C0 controls but tab, newline and carriage return (a textarea sends CRLF), DEL, C1 controls,
# and lone surrogates (JSON can carry "\ud800", which no database can store as UTF-8).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


# --- Numbers ------------------------------------------------------------------------------


def parse_whole_number(value: Any, *, minimum: int, maximum: int) -> int | None:
    """An int, or a string of ASCII digits (with an optional leading "-"), within
    minimum..maximum; None for anything else (whitespace, "+1", "1e3", "٣", "²", True)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif (
        isinstance(value, str)
        and len(value) <= _NUMBER_MAX_LENGTH
        and _WHOLE_NUMBER.fullmatch(value)
    ):
        number = int(value)
    else:
        return None
    return number if minimum <= number <= maximum else None


def parse_id(value: Any) -> int | None:
    """A primary key from a URL, a form or JSON: 1 .. 2**63-1, ASCII digits only."""
    return parse_whole_number(value, minimum=1, maximum=ID_MAX)


def parse_version(value: Any) -> int | None:
    """The record version a form was opened at (optimistic locking): 0 .. 2**31-1."""
    return parse_whole_number(value, minimum=0, maximum=VERSION_MAX)


def parse_position(value: Any, *, maximum: int = POSITION_MAX) -> int | None:
    """A place in a list numbered by hand, 1 .. maximum. Spaces around it are forgiven,
    since a person typed it."""
    if isinstance(value, str):
        value = value.strip(" \t\r\n")
    return parse_whole_number(value, minimum=1, maximum=maximum)


# --- Dates and times ----------------------------------------------------------------------


def date_in_range(day: datetime.date) -> bool:
    """Whether `day` is one we accept (DATE_MIN .. DATE_MAX): its neighbours, and its
    midnight in any time zone, can be computed."""
    if isinstance(day, datetime.datetime):
        day = day.date()
    return DATE_MIN <= day <= DATE_MAX


def parse_date(value: Any) -> datetime.date | None:
    """A date written YYYY-MM-DD (or a date) within DATE_MIN .. DATE_MAX; None otherwise.

    Stricter than date.fromisoformat, which also reads "20240101" and "2024-W01-1"."""
    if isinstance(value, datetime.datetime):
        return None
    if isinstance(value, datetime.date):
        day = value
    elif isinstance(value, str) and _ISO_DATE.fullmatch(value):
        try:
            day = datetime.date.fromisoformat(value)
        except ValueError:
            return None
    else:
        return None
    return day if date_in_range(day) else None


def parse_datetime(value: Any) -> datetime.datetime | None:
    """An ISO 8601 date and time (as a page's own form writes it), aware (a naive one is in
    the current time zone) and on a date within DATE_MIN .. DATE_MAX; None otherwise.

    Django's parse_datetime returns None for a malformed string but raises ValueError for a
    well-formed impossible one ("2024-02-30T10:00"), so it is wrapped here."""
    if not isinstance(value, str) or not value.isascii() or len(value) > 64:
        return None
    try:
        moment = _django_parse_datetime(value.strip())
    except ValueError:
        return None
    if moment is None or not date_in_range(moment.date()):
        return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


# --- Text ---------------------------------------------------------------------------------


def has_control_characters(text: str) -> bool:
    """Whether `text` holds NUL or another control character a record should not (tab,
    newline and carriage return are fine)."""
    return bool(_CONTROL.search(text))


def parse_next(value: str, request: HttpRequest) -> str | None:
    """A page of this site to go on to after a form (`next`): a path, never another host,
    a scheme or a view's name (Django's redirect() would look a bare word up as a view's
    name, and fail); None for anything else."""
    if not value.startswith("/") or has_control_characters(value):
        return None
    if not url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return None
    return value


def clean_text(value: Any) -> str:
    """`value` as text with NUL and the other control characters removed (tab, newline and
    carriage return kept); "" for None. For text that is read, never stored as typed:
    a search, a key to look up."""
    if value is None:
        return ""
    return _CONTROL.sub("", str(value))


# --- Form fields --------------------------------------------------------------------------
# Every form uses these for numbers, dates and records chosen by id (tests/test_parsing.py
# checks each form), so a bad value is an error on its field. forms.CharField already refuses
# NUL (Django's ProhibitNullCharactersValidator); a ChoiceField refuses anything not offered.


class DateField(forms.DateField):
    """A date as forms.DateField reads it (the DATE_INPUT_FORMATS), within DATE_MIN ..
    DATE_MAX, or the field's "out_of_range" error."""

    default_error_messages = {"out_of_range": DATE_RANGE_MESSAGE}

    def to_python(self, value: Any) -> datetime.date | None:
        # Every input format is ASCII; whatever else is typed is not a date we read.
        if isinstance(value, str) and not value.isascii():
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        day = super().to_python(value)
        if day is not None and not date_in_range(day):
            raise forms.ValidationError(self.error_messages["out_of_range"], code="out_of_range")
        return day


class IntegerField(forms.IntegerField):
    """A whole number in ASCII digits (spaces around it forgiven). Unless the field sets its
    own, min_value and max_value are what an integer column holds (-2**31 .. 2**31-1), so
    no number the form accepts can overflow the database."""

    def __init__(
        self, *, min_value: int | None = None, max_value: int | None = None, **kwargs: Any
    ) -> None:
        super().__init__(
            min_value=INTEGER_MIN if min_value is None else min_value,
            max_value=INTEGER_MAX if max_value is None else max_value,
            **kwargs,
        )

    def to_python(self, value: Any) -> int | None:
        if value in self.empty_values:
            return None
        if isinstance(value, str):
            value = value.strip(" \t\r\n")
        # Any number of up to 20 characters; min_value and max_value then say what is allowed.
        number = parse_whole_number(value, minimum=-(10**20), maximum=10**20)
        if number is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return number


class VersionField(IntegerField):
    """The hidden record version a form was opened at. Only a form changed outside the page
    sends a bad one, so the error tells the user to start again."""

    widget = forms.HiddenInput
    default_error_messages = {
        "required": FORM_NOT_READ,
        "invalid": FORM_NOT_READ,
        "min_value": FORM_NOT_READ,
        "max_value": FORM_NOT_READ,
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", VERSION_MAX)
        super().__init__(**kwargs)


def _is_odd_id(field: forms.ModelChoiceField, value: Any) -> bool:
    """Whether `value`, chosen in a field over records by primary key, cannot be an id
    (Django would read "٣" as record 3). Every model here has an integer id."""
    return (
        field.to_field_name is None
        and not isinstance(value, models.Model)
        and parse_id(value) is None
    )


class _LabelledChoices:
    """How the field labels each record it offers: the record's str() unless a form sets
    label_of, an attribute rather than an override so that the form can label by what it
    knows (a practitioner's open cases, say)."""

    label_of: Callable[[Any], str] | None = None

    def label_from_instance(self, obj: Any) -> str:
        return str(obj) if self.label_of is None else self.label_of(obj)


class ModelChoiceField(_LabelledChoices, forms.ModelChoiceField):
    """One record of the field's queryset, chosen by its id in ASCII digits."""

    def to_python(self, value: Any) -> Any:
        if value not in self.empty_values and _is_odd_id(self, value):
            raise forms.ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            )
        return super().to_python(value)


class ModelMultipleChoiceField(_LabelledChoices, forms.ModelMultipleChoiceField):
    """Records of the field's queryset, each chosen by its id in ASCII digits."""

    def _check_values(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            for pk in value:
                if _is_odd_id(self, pk):
                    raise forms.ValidationError(
                        self.error_messages["invalid_pk_value"],
                        code="invalid_pk_value",
                        params={"pk": pk},
                    )
        return super()._check_values(value)  # type: ignore[misc]  # Django's, not in the stubs
