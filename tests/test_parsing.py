"""dmt.parsing, the one reader of ids, versions, positions, dates and text from requests, and
its form fields, which every form uses for numbers and dates."""

import datetime
import importlib
import re
from pathlib import Path

import pytest
from django import forms
from django.conf import settings
from django.core.validators import ProhibitNullCharactersValidator
from django.utils import timezone

from accounts.models import User
from dmt import parsing
from dmt.parsing import (
    DATE_MAX,
    DATE_MIN,
    ID_MAX,
    POSITION_MAX,
    VERSION_MAX,
    clean_text,
    has_control_characters,
    parse_date,
    parse_datetime,
    parse_id,
    parse_position,
    parse_version,
)

# What a browser, a script or a curious user can send where a number belongs.
NOT_NUMBERS = [
    "\u0663",  # ARABIC-INDIC DIGIT THREE: int() reads it as 3
    "\u00b2",  # SUPERSCRIPT TWO: str.isdigit() says yes, int() says no
    "\uff11",  # FULLWIDTH DIGIT ONE
    "1e3",
    "1.0",
    " 1",
    "1 ",
    "+1",
    "0x10",
    "1_000",
    "abc",
    "",
    "\x00",
    "1\x00",
    None,
    True,
    1.0,
    [1],
    "9" * 5000,  # int() refuses more than 4,300 digits with a ValueError
]


# --- Ids, versions, positions -----------------------------------------------------------------


@pytest.mark.parametrize(("value", "expected"), [("1", 1), ("007", 7), (42, 42), (ID_MAX, ID_MAX)])
def test_an_id_is_ascii_digits_within_a_big_integer(value, expected):
    assert parse_id(value) == expected
    assert parse_id(str(value)) == expected


@pytest.mark.parametrize("value", [*NOT_NUMBERS, "0", 0, "-1", -1, str(2**63), 2**63])
def test_anything_else_is_no_id(value):
    assert parse_id(value) is None


def test_a_version_is_zero_up_to_the_largest_positive_integer_column():
    assert parse_version("0") == 0
    assert parse_version("3") == 3
    assert parse_version(str(VERSION_MAX)) == VERSION_MAX
    assert parse_version(str(VERSION_MAX + 1)) is None
    assert parse_version("-1") is None
    for value in NOT_NUMBERS:
        assert parse_version(value) is None, value


def test_a_position_is_a_small_positive_number_typed_perhaps_with_spaces():
    assert parse_position(" 2 ") == 2
    assert parse_position(str(POSITION_MAX)) == POSITION_MAX
    assert parse_position(str(POSITION_MAX + 1)) is None
    assert parse_position("6", maximum=5) is None
    for value in ["0", "-1", "\u0663", "\u00b2", "1e3", "abc", "", None, str(2**63)]:
        assert parse_position(value) is None, value


# --- Dates and times --------------------------------------------------------------------------


def test_a_date_is_an_iso_date_within_the_range_whose_neighbours_can_be_computed():
    assert parse_date("2024-03-03") == datetime.date(2024, 3, 3)
    assert parse_date(DATE_MIN.isoformat()) == DATE_MIN
    assert parse_date(DATE_MAX.isoformat()) == DATE_MAX
    assert parse_date(datetime.date(2024, 3, 3)) == datetime.date(2024, 3, 3)
    # Every date accepted can be moved a year either way and placed in any time zone.
    for day in (DATE_MIN, DATE_MAX):
        assert day - datetime.timedelta(days=366) and day + datetime.timedelta(days=366)


@pytest.mark.parametrize(
    "value",
    [
        "9999-12-31",
        "0001-01-01",
        "1899-12-31",
        "2201-01-01",
        datetime.date.max,
        datetime.date.min,
        "2024-02-30",
        "20240303",  # date.fromisoformat reads this; a form never sends it
        "2024-W09-7",
        "٢٠٢٤-٠٣-٠٣",
        " 2024-03-03",
        "2024-03-03\x00",
        "",
        None,
        20240303,
        datetime.datetime(2024, 3, 3, tzinfo=datetime.UTC),
    ],
)
def test_anything_else_is_no_date(value):
    assert parse_date(value) is None


def test_a_date_and_time_is_iso_and_aware():
    moment = parse_datetime("2024-03-03T10:00:00+00:00")
    naive = parse_datetime("2024-03-03T10:00")

    assert moment == datetime.datetime(2024, 3, 3, 10, tzinfo=datetime.UTC)
    assert naive is not None and timezone.is_aware(naive)
    assert timezone.localtime(naive).hour == 10


@pytest.mark.parametrize(
    "value",
    [
        "2024-02-30T10:00",  # Django's parse_datetime raises ValueError for this one
        "9999-12-31T23:59:00+00:00",
        "0001-01-01T00:00",
        "2024-03-03T25:00",
        "٢٠٢٤-٠٣-٠٣T10:00",
        "\x00",
        "",
        None,
        "2024-03-03T10:00" + " " * 100,
    ],
)
def test_anything_else_is_no_date_and_time(value):
    assert parse_datetime(value) is None


# --- Text -------------------------------------------------------------------------------------


def test_control_characters_are_found_and_cleaned_but_tab_and_newlines_are_text():
    assert has_control_characters("Amy\x00")
    assert has_control_characters("\x1b[31m")
    assert has_control_characters("\x85")
    assert has_control_characters("\ud800")
    assert not has_control_characters("Line one\r\nLine two\tend, Zoë 👍")
    assert clean_text("Am\x00y\x07") == "Amy"
    assert clean_text("Line one\r\nLine two\tend") == "Line one\r\nLine two\tend"
    assert clean_text(None) == ""
    assert clean_text(12) == "12"


# --- Form fields ------------------------------------------------------------------------------


class ExampleForm(forms.Form):
    day = parsing.DateField(required=False)
    count = parsing.IntegerField(required=False)
    minutes = parsing.IntegerField(required=False, min_value=5, max_value=480)
    version = parsing.VersionField(required=False)
    note = forms.CharField(required=False)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("day", "9999-12-31", parsing.DATE_RANGE_MESSAGE),
        ("day", "0001-01-01", parsing.DATE_RANGE_MESSAGE),
        ("day", "٢٠٢٤-٠٣-٠٣", "Enter a valid date."),
        ("day", "2024-03-03\x00", "Enter a valid date."),
        ("count", "\u0663", "Enter a whole number."),
        ("count", "\u00b2", "Enter a whole number."),
        ("count", "1e3", "Enter a whole number."),
        ("count", "9" * 5000, "Enter a whole number."),
        ("count", str(2**63), "Ensure this value is less than or equal to 2147483647."),
        ("count", "-" + str(2**40), "Ensure this value is greater than or equal to -2147483648."),
        ("minutes", "1", "Ensure this value is greater than or equal to 5."),
        ("version", "\u0663", parsing.FORM_NOT_READ),
        ("version", "-1", parsing.FORM_NOT_READ),
        ("note", "a\x00b", "Null characters are not allowed."),
    ],
)
def test_the_form_fields_refuse_odd_values_with_a_message(field, value, message):
    form = ExampleForm({field: value})

    assert not form.is_valid()
    assert form.errors[field] == [message]


ARABIC_INDIC = str.maketrans(
    "0123456789", "\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669"
)
SUPERSCRIPT = str.maketrans(
    "0123456789", "\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079"
)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "odd",
    [
        lambda pk: str(pk).translate(ARABIC_INDIC),  # Django's own field reads it as pk
        lambda pk: str(pk).translate(SUPERSCRIPT),
        lambda pk: f" {pk}",
        lambda pk: f"{pk}\x00",
        lambda pk: f"{pk}e0",
        lambda pk: str(-pk),
        lambda pk: str(2**63),
    ],
    ids=["arabic-indic", "superscript", "space", "nul", "exponent", "negative", "too-big"],
)
def test_a_record_is_chosen_by_its_id_in_ascii_digits_only(alice, odd):
    class ChooseForm(forms.Form):
        one = parsing.ModelChoiceField(queryset=User.objects.all(), required=False)
        many = parsing.ModelMultipleChoiceField(queryset=User.objects.all(), required=False)

    chosen = ChooseForm({"one": str(alice.pk), "many": [str(alice.pk)]})
    refused = ChooseForm({"one": odd(alice.pk), "many": [str(alice.pk), odd(alice.pk)]})

    assert chosen.is_valid()
    assert (chosen.cleaned_data["one"], list(chosen.cleaned_data["many"])) == (alice, [alice])
    assert not refused.is_valid()
    assert set(refused.errors) == {"one", "many"}


def test_the_form_fields_read_ordinary_values():
    form = ExampleForm(
        {"day": "3/3/2024", "count": " -12 ", "minutes": "60", "version": "4", "note": "Zoë 👍"}
    )

    assert form.is_valid(), form.errors
    assert form.cleaned_data == {
        "day": datetime.date(2024, 3, 3),
        "count": -12,
        "minutes": 60,
        "version": 4,
        "note": "Zoë 👍",
    }


# --- Every form uses them ---------------------------------------------------------------------

PROJECT_PACKAGES = ["dmt", "accounts", "families", "referrals", "supervision", "outcomes"]
FORM_MODULES = [
    "accounts.forms",
    "families.forms",
    "referrals.forms",
    "referrals.dmt_forms",
    "supervision.forms",
    "outcomes.forms",
]
# Django's own number, date and record fields, which read "٣" as 3 or accept 9999-12-31;
# the ones in dmt.parsing are written `parsing.X(` and so do not match.
UNSAFE_FIELDS = re.compile(
    r"\bforms\.(DateField|DateTimeField|SplitDateTimeField|IntegerField|FloatField"
    r"|DecimalField|ModelChoiceField|ModelMultipleChoiceField)\("
)


def _project_forms() -> list[type[forms.BaseForm]]:
    for module in FORM_MODULES:
        importlib.import_module(module)
    found, todo = [], [forms.BaseForm]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.split(".")[0] in PROJECT_PACKAGES and cls.__module__ != "dmt.parsing":
            found.append(cls)
    return found


def test_every_forms_numbers_and_dates_are_read_by_dmt_parsing():
    wrong = []
    project_forms = _project_forms()
    for form in project_forms:
        for name, field in form.base_fields.items():
            where = f"{form.__module__}.{form.__name__}.{name}"
            if isinstance(field, forms.DateTimeField | forms.SplitDateTimeField):
                wrong.append(f"{where}: no date-time field reads dates safely yet")
            elif isinstance(field, forms.DateField) and not isinstance(field, parsing.DateField):
                wrong.append(f"{where}: use dmt.parsing.DateField")
            elif isinstance(field, forms.IntegerField) and not isinstance(
                field, parsing.IntegerField
            ):
                wrong.append(f"{where}: use dmt.parsing.IntegerField")
            elif isinstance(field, forms.ModelMultipleChoiceField) and not isinstance(
                field, parsing.ModelMultipleChoiceField
            ):
                wrong.append(f"{where}: use dmt.parsing.ModelMultipleChoiceField")
            elif isinstance(field, forms.ModelChoiceField) and not isinstance(
                field, parsing.ModelChoiceField | parsing.ModelMultipleChoiceField
            ):
                wrong.append(f"{where}: use dmt.parsing.ModelChoiceField")
            elif name == "version" and not isinstance(field, parsing.VersionField):
                wrong.append(f"{where}: use dmt.parsing.VersionField")
            elif isinstance(field, forms.CharField) and not any(
                isinstance(validator, ProhibitNullCharactersValidator)
                for validator in field.validators
            ):
                wrong.append(f"{where}: a text field must refuse NUL")

    assert len(project_forms) > 30  # the walk did find the forms
    assert wrong == []


def test_no_form_field_is_made_from_djangos_unsafe_number_and_date_fields():
    """Catches fields that forms add in __init__ too, which the walk above cannot see."""
    root = Path(settings.BASE_DIR)
    found = [
        f"{path.relative_to(root)}:{number}: {line.strip()}"
        for package in PROJECT_PACKAGES
        for path in sorted((root / package).rglob("*.py"))
        if "migrations" not in path.parts
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if UNSAFE_FIELDS.search(line)
    ]

    assert found == [], "Use dmt.parsing's fields:\n" + "\n".join(found)
