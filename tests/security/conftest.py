"""The world every walk of the site uses, built once per test module.

The world is made inside a transaction that is rolled back when the module ends; each test
runs inside it, in a savepoint of its own (pytest-django's `db`), so a test's writes vanish
with the test and the world stays as built.
"""

from collections.abc import Iterator

import pytest
from django.db import transaction

from ..services import reseed_reference_data
from .world import World, build_world


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> Iterator[World]:
    with django_db_blocker.unblock(), transaction.atomic():
        # A transactional test elsewhere may have flushed the migrations' reference data.
        reseed_reference_data()
        built = build_world()
        yield built
        transaction.set_rollback(True)


@pytest.fixture
def world_db(world, db) -> World:
    """The world, inside this test's own savepoint."""
    return world
