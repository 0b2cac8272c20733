import pytest

from ..factories import TeamFactory


@pytest.fixture
def east(db):
    return TeamFactory(name="SASS East", locality__name="Chesil")


@pytest.fixture
def west(db):
    return TeamFactory(name="SASS West", locality__name="West")
