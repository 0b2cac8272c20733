import datetime

import pytest

from accounts.models import Locality
from families.models import LegalStatus, Membership
from outcomes.reports import members

from ..factories import TeamFactory
from .helpers import adult, child, episode, family, params, run

pytestmark = pytest.mark.django_db

CP, CIN = LegalStatus.CP, LegalStatus.CIN


@pytest.fixture
def localities():
    """Chesil (20,000 children): Ann on a plan, Ben's plan ended the day before the report
    date, Cas's starts on it, Dot's the day after; a closed family's child still has an open
    plan. Dorchester (5,000): Eve on a plan, Fay in need. West (population unknown): Gus on
    a plan. Purbeck (10,000): nobody."""
    chesil = TeamFactory(name="SASS Chesil", locality__name="Chesil").locality
    dorchester = TeamFactory(name="SASS Dorchester", locality__name="Dorchester").locality
    west = TeamFactory(name="SASS West", locality__name="West").locality
    purbeck = Locality.objects.create(name="Purbeck", child_population=10000)
    Locality.objects.filter(pk=chesil.pk).update(child_population=20000)
    Locality.objects.filter(pk=dorchester.pk).update(child_population=5000)

    open_family = family(chesil.teams.get(), "2023-01-01", cohort="pilot")
    episode(child(open_family, given_name="Ann"), CP, "2024-01-01")
    episode(child(open_family, given_name="Ben"), CP, "2024-01-01", "2024-06-29")
    episode(child(open_family, given_name="Cas"), CP, "2024-06-30", "2024-07-31")
    episode(child(open_family, given_name="Dot"), CP, "2024-07-01")
    mother = adult(open_family, role=Membership.Role.MOTHER)
    episode(mother, CP, "2024-01-01")  # not a child: never counted
    closed = family(chesil.teams.get(), "2023-01-01", closed_on=datetime.date(2024, 6, 1))
    episode(child(closed, given_name="Hal"), CP, "2024-01-01")

    dorchester_family = family(dorchester.teams.get(), "2023-01-01")
    eve = child(dorchester_family, given_name="Eve")
    episode(eve, CIN, "2023-06-01", "2023-12-31")
    episode(eve, CP, "2024-01-01")
    episode(child(dorchester_family, given_name="Fay"), CIN, "2024-01-01")

    episode(child(family(west.teams.get(), "2023-01-01"), given_name="Gus"), CP, "2024-02-01")
    return chesil, dorchester, purbeck, west


def test_children_on_plans_per_10000_children_by_locality(localities):
    chesil, dorchester, purbeck, west = localities

    assert run("cp_rate") == {
        "children_on_cp": 4,
        "child_population": 35000,
        # Gus's West has no population: the rate is over the three localities that do.
        "per_10000": round(3 / 35000 * 10000, 1),
        "by_locality": [
            {
                "locality": "Chesil",
                "locality_id": chesil.pk,
                "children_on_cp": 2,
                "child_population": 20000,
                "per_10000": 1.0,
            },
            {
                "locality": "Dorchester",
                "locality_id": dorchester.pk,
                "children_on_cp": 1,
                "child_population": 5000,
                "per_10000": 2.0,
            },
            {
                "locality": "Purbeck",
                "locality_id": purbeck.pk,
                "children_on_cp": 0,
                "child_population": 10000,
                "per_10000": 0.0,
            },
            {
                "locality": "West",
                "locality_id": west.pk,
                "children_on_cp": 1,
                "child_population": None,
                "per_10000": None,
            },
        ],
    }


def on_plans(as_of: datetime.date) -> list[str]:
    kind, children = members("cp_rate", params(as_of=as_of), "children_on_cp")
    assert kind == "children"
    return sorted(child.given_name for child in children)


def test_a_plan_counts_on_its_first_and_last_days_and_a_family_on_its_closing_day(localities):
    assert on_plans(datetime.date(2024, 6, 29)) == ["Ann", "Ben", "Eve", "Gus"]
    assert on_plans(datetime.date(2024, 6, 30)) == ["Ann", "Cas", "Eve", "Gus"]
    assert on_plans(datetime.date(2024, 6, 1)) == ["Ann", "Ben", "Eve", "Gus", "Hal"]


def test_plans_after_the_report_date_are_not_seen(localities):
    # Gus's plan starts on 1 February.
    assert on_plans(datetime.date(2024, 1, 31)) == ["Ann", "Ben", "Eve", "Hal"]
    assert run("cp_rate", as_of=datetime.date(2023, 12, 31))["children_on_cp"] == 0


def test_cohort_keeps_its_families_only(localities):
    data = run("cp_rate", cohort="pilot")

    assert (data["children_on_cp"], data["per_10000"]) == (2, round(2 / 35000 * 10000, 1))
    assert [row["children_on_cp"] for row in data["by_locality"]] == [2, 0, 0]
