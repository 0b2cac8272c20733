"""What every measures report shares: it runs on an empty database, and its number of
queries does not grow with the data."""

import datetime

import pytest

from accounts.models import Locality, Role, SpecialistPathway
from families.models import FatherInclusion, LegalStatus
from outcomes.reports import REPORTS, measures
from supervision.models import AgendaItem, Discussion, Meeting, NotDiscussed, SupervisionGroup

from ..factories import TeamFactory, UserFactory
from .helpers import adult, child, episode, family, mood, queries_to_run, refer, run, star

pytestmark = pytest.mark.django_db

NAMES = [report.name for report in measures.REPORTS]
NO_RATE = {"numerator": 0, "denominator": 0, "rate": None, "ci95": None}
NO_CHANGE = {"n": 0, "mean_first": None, "mean_latest": None, "mean_change": None}


def test_the_measures_reports_are_registered_with_their_breakdowns():
    assert NAMES == [
        "recovery_star",
        "depression_anxiety",
        "father_inclusion",
        "mi_training",
        "group_supervision",
        "cp_rate",
    ]
    assert [REPORTS[name] for name in NAMES] == list(measures.REPORTS)
    assert REPORTS["father_inclusion"].dimensions == (
        "locality",
        "team",
        "cohort",
        "quarter",
        "month",
    )
    assert "sex" in REPORTS["recovery_star"].dimensions
    assert REPORTS["cp_rate"].dimensions == REPORTS["mi_training"].dimensions == ()


def test_with_no_data_every_count_is_zero_and_every_rate_empty():
    star_areas = run("recovery_star")["areas"]
    assert len(star_areas) == 10
    assert all(row == {"area": row["area"], **NO_CHANGE, "improved": NO_RATE} for row in star_areas)
    mood_change = {
        **NO_CHANGE,
        "improved": NO_RATE,
        "below_clinical_cutoff_at_latest": NO_RATE,
    }
    assert run("depression_anxiety") == {"phq9": mood_change, "gad7": mood_change}
    assert run("father_inclusion") == {
        "children": 0,
        "named": NO_RATE,
        "contact_details": NO_RATE,
        "invited_initial": NO_RATE,
        "attended_initial": NO_RATE,
        "invited_review": NO_RATE,
        "attended_review": NO_RATE,
        "by_team": [],
        "before_after_training": [],
    }
    assert run("mi_training") == {
        "social_care": NO_RATE,
        "specialists": NO_RATE,
        "by_role": [],
        "by_locality": [],
    }
    assert run("group_supervision") == {
        "held": 0,
        "cancelled": 0,
        "families_discussed": 0,
        "specialist_hours_lost": 0.0,
        "by_month": [],
        "by_team": [],
    }
    assert run("cp_rate") == {
        "children_on_cp": 0,
        "child_population": 0,
        "per_10000": None,
        "by_locality": [],
    }


def populate(copies: int) -> None:
    """`copies` teams, each with everything a measures report counts."""
    for n in range(copies):
        team = TeamFactory(fathers_training_on=datetime.date(2024, 1, 1))
        Locality.objects.filter(pk=team.locality_id).update(child_population=1000 + n)
        worker = UserFactory(role=Role.SOCIAL_WORKER, team=team, mi_trained_on="2023-05-01")
        helper = UserFactory(
            role=Role.SPECIALIST,
            pathway=SpecialistPathway.DMT,
            locality=team.locality,
            mi_trained_on="2023-05-01",
        )
        homes = []
        for opened_on in ("2023-06-01", "2024-02-01"):
            home = family(team, opened_on, cohort=f"cohort {n}")
            homes.append(home)
            dad = adult(home, phone="0123")
            mum = adult(home, role="mother")
            kid = child(home, father=dad)
            episode(kid, LegalStatus.CP, "2024-02-01")
            FatherInclusion.objects.create(child=kid, invited_to_initial_conference=True)
            refer(dad, "dmt", "2024-01-01", practitioner=helper)
            refer(mum, "mental_health", "2024-01-01")
            for taken_on, score in (("2024-01-10", 3), ("2024-03-10", 6)):
                star(dad, taken_on, score)
                mood(mum, "phq-9", taken_on, 12 - score)
                mood(mum, "gad-7", taken_on, 10 - score)
        group = SupervisionGroup.objects.create(
            team=team, chair=worker, weekday=1, starts_at=datetime.time(10)
        )
        group.members.set([worker, helper])
        for month, status in ((3, Meeting.Status.HELD), (4, Meeting.Status.CANCELLED)):
            meeting = Meeting.objects.create(
                group=group,
                starts_at=datetime.datetime(2024, month, 5, 10, tzinfo=datetime.UTC),
                length_minutes=120,
                status=status,
            )
            if status == Meeting.Status.HELD:
                Discussion.objects.create(
                    meeting=meeting,
                    family=homes[0],
                    discussed_on=meeting.starts_at.date(),
                    child_safety_rag="red",
                    recorded_by=worker,
                )
                AgendaItem.objects.create(
                    meeting=meeting, family=homes[1], position=2, not_discussed=NotDiscussed.NO_SHOW
                )


HEADLINES = {
    "recovery_star": lambda data: data["people"],
    "depression_anxiety": lambda data: data["phq9"]["n"],
    "father_inclusion": lambda data: data["invited_initial"]["numerator"],
    "mi_training": lambda data: data["specialists"]["numerator"],
    "group_supervision": lambda data: data["families_discussed"],
    "cp_rate": lambda data: data["children_on_cp"],
}


@pytest.mark.parametrize("name", NAMES)
def test_the_number_of_queries_does_not_grow_with_the_data(name):
    populate(1)
    few = queries_to_run(name)
    one_team = HEADLINES[name](run(name))
    populate(3)

    assert queries_to_run(name) == few
    assert few <= 9
    assert HEADLINES[name](run(name)) == 4 * one_team > 0
