"""The cast of the case-recording page tests, around alice's team "SASS West 1".

alice owns the work, bob is her colleague, charlie is an outsider in another locality's team
(all three from tests/conftest.py). The rest are the other roles that meet a family's record.
"""

from collections.abc import Callable

import pytest
from django.test import Client

from accounts.models import Role, SpecialistPathway, User
from families.models import Family

from ..factories import FamilyFactory, PartnerAgencyFactory


@pytest.fixture
def alices_family(alice) -> Family:
    return FamilyFactory(reference="ALICE-1", team=alice.team, social_worker=alice)


@pytest.fixture
def team_manager(make_user, team) -> User:
    """The manager of alice's team: approves closures, records on the team's families."""
    return make_user(Role.TEAM_MANAGER, username="tina", first_name="Tina", team=team)


@pytest.fixture
def other_team_manager(make_user, other_team) -> User:
    return make_user(Role.TEAM_MANAGER, username="oscar", first_name="Oscar", team=other_team)


@pytest.fixture
def business_support(make_user, team) -> User:
    """Reads the team's families to arrange meetings, but does not record casework."""
    return make_user(Role.BUSINESS_SUPPORT, username="bea", first_name="Bea", team=team)


@pytest.fixture
def auditor(make_user) -> User:
    """Reads every family to grade files, and records nothing."""
    return make_user(Role.AUDITOR, username="audrey", first_name="Audrey")


@pytest.fixture
def partner_specialist(make_user) -> User:
    """A partner agency's practitioner: sees no family until adults are allocated to them."""
    return make_user(
        Role.SPECIALIST,
        username="mo",
        first_name="Mo",
        pathway=SpecialistPathway.MENTAL_HEALTH,
        agency=PartnerAgencyFactory(),
    )


@pytest.fixture
def client_as(
    client_for,
    alice,
    bob,
    charlie,
    team_manager,
    business_support,
    auditor,
    partner_specialist,
) -> Callable[[str], Client]:
    """A signed-in client for one of the cast by name; "anonymous" is nobody signed in."""
    cast = {
        "alice": alice,
        "bob": bob,
        "charlie": charlie,
        "team_manager": team_manager,
        "business_support": business_support,
        "auditor": auditor,
        "partner_specialist": partner_specialist,
    }

    def make(name: str) -> Client:
        return Client() if name == "anonymous" else client_for(cast[name])

    return make
