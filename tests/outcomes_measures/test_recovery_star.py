import pytest

from families.models import Membership, Person
from outcomes.reports import compute, members, wilson

from .helpers import adult, family, params, refer, run, star

pytestmark = pytest.mark.django_db


def rate(n, d):
    return {"numerator": n, "denominator": d, "rate": n / d if d else None, "ci95": wilson(n, d)}


@pytest.fixture
def fathers(east, west):
    """Dean (DMT, East) goes from 3 to 5 everywhere but Work (3 to 2); Finn (mental health,
    West, cohort "pilot") from 4 to 4 everywhere but Managing mental health (4 to 7), with a
    reading of 9s between and one of 10s after the report date."""
    east_family = family(east, "2024-01-01")
    dean = adult(east_family, given_name="Dean", sex=Person.Sex.MALE)
    refer(dean, "dmt", "2024-01-10")
    star(dean, "2024-01-15", 3)
    star(dean, "2024-05-01", 5, star_5=2)

    west_family = family(west, "2024-01-01", cohort="pilot")
    finn = adult(west_family, given_name="Finn", sex=Person.Sex.MALE)
    refer(finn, "mental_health", "2024-02-01")
    star(finn, "2024-02-05", 4)
    star(finn, "2024-03-01", 9)
    star(finn, "2024-06-01", 4, star_1=7)
    star(finn, "2024-07-15", 10)

    # Left out: one reading only; never referred; referred after the report date.
    mia = adult(east_family, role=Membership.Role.MOTHER, given_name="Mia", sex=Person.Sex.FEMALE)
    refer(mia, "substance_use", "2024-02-01")
    star(mia, "2024-03-01", 1)
    nell = adult(west_family, role=Membership.Role.MOTHER, given_name="Nell")
    star(nell, "2024-03-01", 1)
    star(nell, "2024-04-01", 10)
    late = adult(east_family, given_name="Lee")
    refer(late, "dmt", "2024-07-01")
    star(late, "2024-03-01", 1)
    star(late, "2024-04-01", 10)
    return dean, finn


def area(data, label):
    return next(row for row in data["areas"] if row["area"] == label)


def test_each_area_compares_every_adults_first_reading_with_their_latest(fathers):
    data = run("recovery_star")

    assert data["people"] == 2
    assert [row["area"] for row in data["areas"]] == sorted(
        [
            "Managing mental health",
            "Physical health and self-care",
            "Living skills",
            "Social networks",
            "Work",
            "Relationships",
            "Addictive behaviour",
            "Responsibilities",
            "Identity and self-esteem",
            "Trust and hope",
        ]
    )
    assert area(data, "Managing mental health") == {
        "area": "Managing mental health",
        "n": 2,
        "mean_first": 3.5,
        "mean_latest": 6.0,
        "mean_change": 2.5,
        "improved": rate(2, 2),
    }
    assert area(data, "Work") == {
        "area": "Work",
        "n": 2,
        "mean_first": 3.5,
        "mean_latest": 3.0,
        "mean_change": -0.5,
        "improved": rate(0, 2),
    }
    assert area(data, "Trust and hope") == {
        "area": "Trust and hope",
        "n": 2,
        "mean_first": 3.5,
        "mean_latest": 4.5,
        "mean_change": 1.0,
        "improved": rate(1, 2),
    }


def test_readings_after_the_report_date_are_not_seen(fathers):
    data = run("recovery_star", as_of=fathers[1].measure_readings.get(scores__star_1=9).taken_on)

    # Dean has one reading by then; Finn's latest is the reading of 9s.
    assert data["people"] == 1
    assert area(data, "Work") == {
        "area": "Work",
        "n": 1,
        "mean_first": 4.0,
        "mean_latest": 9.0,
        "mean_change": 5.0,
        "improved": rate(1, 1),
    }


def test_pathway_and_cohort_keep_their_adults_only(fathers):
    dmt = run("recovery_star", pathway="dmt")
    pilot = run("recovery_star", cohort="pilot")

    assert (dmt["people"], area(dmt, "Work")["mean_change"]) == (1, -1.0)
    assert (pilot["people"], area(pilot, "Work")["mean_change"]) == (1, 0.0)
    assert area(pilot, "Managing mental health")["mean_latest"] == 7.0


def test_a_breakdown_by_team_splits_the_adults(fathers):
    result = compute("recovery_star", params(), by="team")

    assert [(g["label"], g["data"]["people"]) for g in result["breakdown"]["groups"]] == [
        ("SASS East", 1),
        ("SASS West", 1),
    ]
    west = result["breakdown"]["groups"][1]["data"]
    assert area(west, "Managing mental health")["mean_change"] == 3.0


def test_two_readings_on_one_day_count_in_the_order_recorded(east):
    dad = adult(family(east, "2024-01-01"))
    refer(dad, "dmt", "2024-01-02")
    star(dad, "2024-02-01", 2)
    star(dad, "2024-02-01", 6)

    assert area(run("recovery_star"), "Work")["mean_change"] == 4.0


def test_the_people_behind_the_figure_are_their_interventions(fathers):
    kind, referrals = members("recovery_star", params(), "people")

    assert kind == "referrals"
    assert {r.person.given_name for r in referrals} == {"Dean", "Finn"}
