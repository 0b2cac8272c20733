"""A family's display name: the names people know it by, decided in one place
(families.selectors.display_names) for every list and page title."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from families.models import Family, Membership
from families.selectors import display_names, name_families
from tests.factories import FamilyFactory, PersonFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def years_ago(years: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=365 * years)


def child(family: Family, given: str, family_name: str = "Wellstead", **fields) -> None:
    PersonFactory(family=family, given_name=given, family_name=family_name, **fields)


def test_children_eldest_first_under_their_family_name():
    family = FamilyFactory(reference="DEMO-0042")
    child(family, "Riley", date_of_birth=years_ago(3))
    child(family, "Darius", date_of_birth=years_ago(8))
    PersonFactory(
        family=family, role=Membership.Role.MOTHER, given_name="Jo", family_name="Wellstead"
    )

    assert display_names([family]) == {family.pk: "Wellstead — Darius, Riley"}
    assert family.display_name == "Wellstead — Darius, Riley"
    assert family.name_and_reference == "Wellstead — Darius, Riley (DEMO-0042)"


def test_children_with_different_family_names_are_grouped_by_name():
    family = FamilyFactory()
    child(family, "Darius", date_of_birth=years_ago(8))
    child(family, "Tom", family_name="Okafor", date_of_birth=years_ago(5))
    child(family, "Riley", date_of_birth=years_ago(3))

    assert display_names([family])[family.pk] == "Wellstead — Darius, Riley; Okafor — Tom"


def test_an_unborn_child_without_a_name_is_an_unborn_baby():
    family = FamilyFactory()
    child(family, "Darius", date_of_birth=years_ago(2))
    child(family, "Unborn baby", expected_on=TODAY + datetime.timedelta(weeks=10))

    assert display_names([family])[family.pk] == "Wellstead — Darius, unborn baby"


def test_an_unborn_child_already_named_keeps_the_name():
    family = FamilyFactory()
    child(family, "Maya", expected_on=TODAY + datetime.timedelta(weeks=10))

    assert display_names([family])[family.pk] == "Wellstead — Maya (unborn)"


def test_without_children_the_adults_family_names():
    family = FamilyFactory()
    PersonFactory(family=family, role=Membership.Role.FATHER, family_name="Okafor")
    PersonFactory(family=family, role=Membership.Role.MOTHER, family_name="Wellstead")

    assert display_names([family])[family.pk] == "Wellstead and Okafor"


def test_nobody_recorded_is_the_reference_alone():
    family = FamilyFactory(reference="DEMO-0001")

    assert display_names([family])[family.pk] == "DEMO-0001"
    assert family.name_and_reference == "DEMO-0001"


def test_children_who_left_or_have_not_joined_yet_are_not_named():
    family = FamilyFactory()
    child(family, "Darius", date_of_birth=years_ago(8))
    child(family, "Amy", date_of_birth=years_ago(6))
    Membership.objects.filter(person__given_name="Amy").update(
        left_on=TODAY - datetime.timedelta(days=1)
    )
    child(family, "Zac", date_of_birth=years_ago(4), joined_on=TODAY + datetime.timedelta(days=5))

    assert display_names([family])[family.pk] == "Wellstead — Darius"
    # On a day Amy still lived there, she is named.
    assert (
        display_names([family], on=TODAY - datetime.timedelta(days=2))[family.pk]
        == "Wellstead — Darius, Amy"
    )


def test_one_query_for_any_number_of_families():
    families = [FamilyFactory() for _ in range(12)]
    for number, family in enumerate(families):
        child(family, f"Kid{number}", date_of_birth=years_ago(4))
        child(family, f"Sib{number}", date_of_birth=years_ago(2))
    fresh = list(Family.objects.filter(pk__in=[family.pk for family in families]))

    with CaptureQueriesContext(connection) as queries:
        name_families(fresh + fresh[:3])
        shown = [family.name_and_reference for family in fresh]

    assert len(queries) == 1
    assert shown[0] == f"Wellstead — Kid0, Sib0 ({fresh[0].reference})"


def test_families_the_viewer_may_not_read_keep_their_reference():
    readable, other = FamilyFactory(), FamilyFactory(reference="OTHER-1")
    child(readable, "Darius")
    child(other, "Riley")

    names = display_names([readable, other], within=Family.objects.filter(pk=readable.pk))

    assert names == {readable.pk: "Wellstead — Darius", other.pk: "OTHER-1"}
