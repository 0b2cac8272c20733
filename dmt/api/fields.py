"""Serializer fields that read input through dmt.parsing, the one input parser: the API
accepts exactly the dates and numbers the pages do, and refuses the rest the same way."""

import datetime
from typing import Any

from rest_framework import serializers

from dmt import parsing

DATE_HELP = f"A date as YYYY-MM-DD, from {parsing.DATE_MIN} to {parsing.DATE_MAX}."


class DateField(serializers.DateField):
    default_error_messages = {
        "invalid": "Enter a date as YYYY-MM-DD, for example 2026-03-31, "
        f"from {parsing.DATE_MIN.year} to {parsing.DATE_MAX.year}."
    }

    def to_internal_value(self, value: Any) -> datetime.date:
        day = parsing.parse_date(value)
        if day is None:
            self.fail("invalid")
        return day


class DateTimeField(serializers.DateTimeField):
    default_error_messages = {
        "invalid": "Enter a date and time in ISO 8601, for example 2026-03-31T14:30:00Z."
    }

    def to_internal_value(self, value: Any) -> datetime.datetime:
        moment = parsing.parse_datetime(value)
        if moment is None:
            self.fail("invalid")
        return moment


class WholeNumberField(serializers.IntegerField):
    """A whole number written in ASCII digits (JSON numbers, or digit strings), in range."""

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool):
            self.fail("invalid")
        if isinstance(data, int):
            data = str(data)
        number = parsing.parse_whole_number(
            data,
            minimum=self.min_value if self.min_value is not None else -(2**31),
            maximum=self.max_value if self.max_value is not None else 2**31 - 1,
        )
        if number is None:
            self.fail("invalid")
        return number

    default_error_messages = {
        "invalid": "Enter a whole number in range.",
    }


class TextField(serializers.CharField):
    """Free text: tab and new lines, but no NUL or other control characters."""

    def to_internal_value(self, data: Any) -> str:
        text = super().to_internal_value(data)
        if parsing.has_control_characters(text):
            self.fail("invalid")
        return text

    default_error_messages = {"invalid": "Remove the control characters from this text."}
