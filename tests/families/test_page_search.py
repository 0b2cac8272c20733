import datetime

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from families.models import Membership, Person

from ..factories import FamilyFactory, PersonFactory

pytestmark = pytest.mark.django_db

SEARCH = reverse("families:search")


@pytest.fixture
def people(alice, bob, charlie) -> None:
    """Amy Ashdown in alice's family, her brother in bob's (same team), and a namesake born
    the same day in charlie's team."""
    alices = FamilyFactory(reference="WEST-0007", team=alice.team, social_worker=alice)
    bobs = FamilyFactory(reference="WEST-0100", team=bob.team, social_worker=bob)
    charlies = FamilyFactory(reference="CHESIL-0001", team=charlie.team, social_worker=charlie)
    born = datetime.date(2019, 3, 3)
    PersonFactory(family=alices, given_name="Amy", family_name="Ashdown", date_of_birth=born)
    PersonFactory(
        family=alices, role=Membership.Role.MOTHER, given_name="Mia", family_name="Ashdown"
    )
    PersonFactory(family=bobs, given_name="Ben", family_name="Ashdown")
    PersonFactory(family=charlies, given_name="Amy", family_name="Ashdown", date_of_birth=born)


def found(response) -> list[tuple[str, str]]:
    """Each person found, once for each of their families the user may see."""
    return [
        (person.full_name, membership.family.reference)
        for person in response.context["people"]
        for membership in person.memberships_shown
    ]


def test_search_by_name_finds_people_in_the_users_team_only(client_as, people):
    response = client_as("alice").get(SEARCH, {"q": "ashdown"})

    assert response.status_code == 200
    assert sorted(found(response)) == [
        ("Amy Ashdown", "WEST-0007"),
        ("Ben Ashdown", "WEST-0100"),
        ("Mia Ashdown", "WEST-0007"),
    ]
    assert "CHESIL-0001" not in response.content.decode()


def test_search_by_given_and_family_name_together(client_as, people):
    response = client_as("alice").get(SEARCH, {"q": "Amy Ash"})

    assert found(response) == [("Amy Ashdown", "WEST-0007")]


def test_search_by_case_reference_lists_the_familys_people(client_as, people):
    response = client_as("alice").get(SEARCH, {"q": "west-0007"})

    assert sorted(found(response)) == [("Amy Ashdown", "WEST-0007"), ("Mia Ashdown", "WEST-0007")]


def test_search_by_date_of_birth_written_the_british_way(client_as, people):
    response = client_as("alice").get(SEARCH, {"q": "3/3/2019"})

    assert found(response) == [("Amy Ashdown", "WEST-0007")]


def test_an_outsiders_search_never_shows_another_teams_people(client_as, people):
    by_name = client_as("charlie").get(SEARCH, {"q": "Ashdown"})
    by_reference = client_as("charlie").get(SEARCH, {"q": "WEST-0007"})

    assert found(by_name) == [("Amy Ashdown", "CHESIL-0001")]
    assert found(by_reference) == []
    assert "Nobody found in the families you can see." in by_reference.content.decode()


def test_a_partner_specialist_cannot_search_the_councils_case_files(client_as, people):
    response = client_as("partner_specialist").get(SEARCH, {"q": "Ashdown"})

    assert response.status_code == 403
    assert "Ashdown" not in response.content.decode()


def test_an_auditor_searches_the_whole_council(client_as, people):
    response = client_as("auditor").get(SEARCH, {"q": "3/3/2019"})

    assert sorted(found(response)) == [("Amy Ashdown", "CHESIL-0001"), ("Amy Ashdown", "WEST-0007")]


def test_a_search_is_audited_with_who_was_shown_not_what_was_asked(client_as, alice, people):
    client_as("alice").get(SEARCH, {"q": "  Amy Ash  "})

    event = AuditEvent.objects.get(action=AuditEvent.Action.VIEW)
    amy = Person.objects.get(memberships__family__reference="WEST-0007", given_name="Amy")
    assert (event.actor, event.object_type, event.object_id, event.detail) == (
        alice,
        "families.person",
        str(amy.pk),
        {"page": "families:search"},
    )
    assert "Ash" not in str(list(AuditEvent.objects.values()))


def test_opening_the_search_page_without_a_query_audits_nothing(client_as, people):
    response = client_as("alice").get(SEARCH)

    assert response.status_code == 200
    assert response.context["people"] == []
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.VIEW).exists()


def test_an_anonymous_visitor_is_sent_to_sign_in(client_as, people):
    response = client_as("anonymous").get(SEARCH, {"q": "Ashdown"})

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.VIEW).exists()
