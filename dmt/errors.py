"""Errors that every layer raises and the API and pages translate (kept below the apps, so
dmt.api can answer them without importing a case app)."""

from typing import Generic, TypeVar

from django.db import models

ModelT = TypeVar("ModelT", bound=models.Model)


class EditConflict(Exception, Generic[ModelT]):
    """Someone saved `current` after the user opened it at `expected_version`."""

    def __init__(self, current: ModelT, expected_version: int) -> None:
        super().__init__(f"{current} changed since version {expected_version}")
        self.current = current
        self.expected_version = expected_version
