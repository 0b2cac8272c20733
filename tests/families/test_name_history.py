"""A name history: a person renamed keeps the name they had (PersonName), search finds them by
it and their row says "Previously known as"."""

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from families.models import Membership, PersonName
from families.services import person_update

from ..factories import FamilyFactory, PersonFactory

pytestmark = pytest.mark.django_db

SEARCH = reverse("families:search")


@pytest.fixture
def family(alice):
    return FamilyFactory(reference="WEST-0042", team=alice.team, social_worker=alice)


@pytest.fixture
def mother(family):
    return PersonFactory(
        family=family, role=Membership.Role.MOTHER, given_name="Jo", family_name="Wellstead"
    )


def test_a_changed_family_name_is_kept_as_a_former_name(mother, family, alice):
    person_update(
        person=mother,
        expected_version=mother.version,
        changes={"family_name": "Okafor"},
        acting_user=alice,
        family=family,
    )

    assert list(mother.former_names.values_list("given_name", "family_name")) == [
        ("Jo", "Wellstead")
    ]
    assert AuditEvent.objects.filter(
        object_type="families.personname", action=AuditEvent.Action.CREATE
    ).exists()


def test_a_changed_given_name_is_kept_too_and_each_rename_adds_one(mother, family, alice):
    mother = person_update(
        person=mother,
        expected_version=mother.version,
        changes={"given_name": "Joanne"},
        acting_user=alice,
        family=family,
    )
    person_update(
        person=mother,
        expected_version=mother.version,
        changes={"given_name": "Joanna", "family_name": "Okafor"},
        acting_user=alice,
        family=family,
    )

    assert sorted(str(name) for name in mother.former_names.all()) == [
        "Jo Wellstead",
        "Joanne Wellstead",
    ]


def test_other_changes_keep_no_former_name(mother, family, alice):
    person_update(
        person=mother,
        expected_version=mother.version,
        changes={"phone": "07700 900999", "given_name": "Jo"},
        acting_user=alice,
        family=family,
    )

    assert not PersonName.objects.exists()


def test_search_finds_someone_by_the_name_they_had_and_says_so(client_as, mother, family, alice):
    PersonFactory(family=family, given_name="Darius", family_name="Okafor")
    person_update(
        person=mother,
        expected_version=mother.version,
        changes={"family_name": "Okafor"},
        acting_user=alice,
        family=family,
    )

    page = client_as("alice").get(SEARCH, {"q": "wellstead"}).content.decode()

    assert "Jo Okafor" in page
    assert "Previously known as Jo Wellstead" in page
    assert "Okafor — Darius (WEST-0042)</a>: mother" in page


def test_the_family_page_says_who_was_previously_known_by_another_name(
    client_as, mother, family, alice
):
    person_update(
        person=mother,
        expected_version=mother.version,
        changes={"family_name": "Okafor"},
        acting_user=alice,
        family=family,
    )

    page = client_as("alice").get(reverse("families:detail", args=[family.pk])).content.decode()

    assert "Jo Okafor" in page
    assert "Previously known as Jo Wellstead" in page
