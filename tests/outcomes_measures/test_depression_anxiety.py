import pytest

from families.models import Membership, Person
from outcomes.reports import members, wilson

from .helpers import adult, family, mood, params, refer, run

pytestmark = pytest.mark.django_db


def rate(n, d):
    return {"numerator": n, "denominator": d, "rate": n / d if d else None, "ci95": wilson(n, d)}


@pytest.fixture
def parents(east, west):
    """PHQ-9: Mia 15 -> 8 (better, below 10), Dean 9 -> 12 (worse), Nell 20 -> 20.
    GAD-7: Mia 10 -> 7 (better, below 8); Dean has one reading only."""
    home = family(east, "2024-01-01")
    mia = adult(home, role=Membership.Role.MOTHER, given_name="Mia")
    dean = adult(home, given_name="Dean")
    nell = adult(family(west, "2024-01-01", cohort="pilot"), role=Membership.Role.MOTHER)
    refer(mia, "mental_health", "2024-01-05")
    refer(dean, "dmt", "2024-01-05")
    refer(nell, "mental_health", "2024-01-05")
    mood(mia, "phq-9", "2024-01-10", 15)
    mood(mia, "phq-9", "2024-04-10", 8)
    mood(dean, "phq-9", "2024-01-10", 9)
    mood(dean, "phq-9", "2024-03-10", 12)
    mood(dean, "phq-9", "2024-08-10", 2)  # after the report date
    mood(nell, "phq-9", "2024-01-10", 20)
    mood(nell, "phq-9", "2024-05-10", 20)
    mood(mia, "gad-7", "2024-01-10", 10)
    mood(mia, "gad-7", "2024-04-10", 7)
    mood(dean, "gad-7", "2024-01-10", 12)
    return mia, dean, nell


def test_totals_compare_first_with_latest_and_lower_is_better(parents):
    assert run("depression_anxiety") == {
        "phq9": {
            "n": 3,
            "mean_first": 14.67,
            "mean_latest": 13.33,
            "mean_change": -1.33,
            "improved": rate(1, 3),
            "below_clinical_cutoff_at_latest": rate(1, 3),
        },
        "gad7": {
            "n": 1,
            "mean_first": 10.0,
            "mean_latest": 7.0,
            "mean_change": -3.0,
            "improved": rate(1, 1),
            "below_clinical_cutoff_at_latest": rate(1, 1),
        },
    }


def test_the_cut_off_is_strictly_below_ten_and_eight(east):
    dad = adult(family(east, "2024-01-01"))
    refer(dad, "dmt", "2024-01-05")
    mood(dad, "phq-9", "2024-01-10", 12)
    mood(dad, "phq-9", "2024-02-10", 10)
    mood(dad, "gad-7", "2024-01-10", 9)
    mood(dad, "gad-7", "2024-02-10", 8)

    data = run("depression_anxiety")

    assert data["phq9"]["below_clinical_cutoff_at_latest"]["numerator"] == 0
    assert data["gad7"]["below_clinical_cutoff_at_latest"]["numerator"] == 0
    assert data["phq9"]["improved"]["numerator"] == 1


def test_readings_after_the_report_date_are_not_seen(parents):
    data = run("depression_anxiety", as_of=parents[0].measure_readings.first().taken_on)

    # Only first readings by then: nobody has two.
    assert data["phq9"] == {
        "n": 0,
        "mean_first": None,
        "mean_latest": None,
        "mean_change": None,
        "improved": rate(0, 0),
        "below_clinical_cutoff_at_latest": rate(0, 0),
    }


def test_pathway_and_cohort_keep_their_adults_only(parents):
    mental_health = run("depression_anxiety", pathway="mental_health")
    pilot = run("depression_anxiety", cohort="pilot")

    assert (mental_health["phq9"]["n"], mental_health["phq9"]["mean_first"]) == (2, 17.5)
    assert (pilot["phq9"]["n"], pilot["phq9"]["mean_change"], pilot["gad7"]["n"]) == (1, 0.0, 0)


def test_a_breakdown_narrows_by_the_adults_sex(parents):
    mia, dean, nell = parents
    Person.objects.filter(pk=dean.pk).update(sex=Person.Sex.MALE)

    men = run("depression_anxiety", where=(("sex", Person.Sex.MALE),))

    assert (men["phq9"]["n"], men["phq9"]["mean_change"], men["gad7"]["n"]) == (1, 3.0, 0)


def test_the_adults_behind_each_measure_are_their_interventions(parents):
    kind, referrals = members("depression_anxiety", params(), "gad7.n")

    assert kind == "referrals"
    assert [r.person.given_name for r in referrals] == ["Mia"]
