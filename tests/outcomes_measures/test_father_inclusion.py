import datetime

import pytest

from families.models import FatherInclusion, LegalStatus
from outcomes.reports import compute, members, wilson

from .helpers import adult, child, episode, family, params, run

pytestmark = pytest.mark.django_db

CP = LegalStatus.CP


def rate(n, d):
    return {"numerator": n, "denominator": d, "rate": n / d if d else None, "ci95": wilson(n, d)}


def conference(child, **facts):
    return FatherInclusion.objects.create(child=child, **facts)


@pytest.fixture
def audit(east, west):
    """East was trained on 1 March 2024. Its family opened in January has Cal (father named
    with a phone number; on a CP plan, his father invited to and at the initial conference,
    invited to the review but absent), Cat (father named without contact details; CP from
    10 March, invited to the initial conference only) and Cy (no father). Its family opened
    in April has Col (father named with an email; CP, not invited). West, never trained, has
    Wes (father named with an address, no plan) and Wyn (no father; a plan starting after
    the report date, with conference facts recorded)."""
    east.fathers_training_on = datetime.date(2024, 3, 1)
    east.save(update_fields=["fathers_training_on"])

    before = family(east, "2024-01-10", cohort="pilot")
    phoned = adult(before, given_name="Phil", phone="07700 900123")
    silent = adult(before, given_name="Sid", address="  ", phone="", email="")
    cal = child(before, given_name="Cal", father=phoned)
    cat = child(before, given_name="Cat", father=silent)
    child(before, given_name="Cy")
    episode(cal, CP, "2024-02-01")
    conference(
        cal,
        invited_to_initial_conference=True,
        attended_initial_conference=True,
        invited_to_review_conference=True,
        attended_review_conference=False,
    )
    episode(cat, CP, "2024-03-10")
    conference(cat, invited_to_initial_conference=True, attended_initial_conference=False)

    after = family(east, "2024-04-01")
    emailed = adult(after, given_name="Ed", email="ed@example.org")
    col = child(after, given_name="Col", father=emailed)
    episode(col, CP, "2024-05-01")
    conference(col, invited_to_initial_conference=False)

    western = family(west, "2023-11-01")
    housed = adult(western, given_name="Hal", address="1 High Street")
    child(western, given_name="Wes", father=housed)
    wyn = child(western, given_name="Wyn")
    episode(wyn, CP, "2024-08-01")
    conference(wyn, invited_to_initial_conference=True, attended_initial_conference=True)

    # Opened after the report date: not seen.
    later = family(west, "2024-07-01")
    child(later, father=adult(later, phone="01234"))


def test_each_child_is_audited_and_conferences_only_for_children_on_a_plan(audit):
    data = run("father_inclusion")

    assert {
        key: value for key, value in data.items() if "by" not in key and "before" not in key
    } == {
        "children": 6,
        "named": rate(4, 6),
        "contact_details": rate(3, 6),
        "invited_initial": rate(2, 3),
        "attended_initial": rate(1, 3),
        "invited_review": rate(1, 3),
        "attended_review": rate(0, 3),
    }


def test_teams_are_compared_side_by_side(audit, east, west):
    assert run("father_inclusion")["by_team"] == [
        {
            "team": "SASS East",
            "team_id": east.pk,
            "children": 4,
            "named": rate(3, 4),
            "contact_details": rate(2, 4),
            "invited_initial": rate(2, 3),
            "attended_initial": rate(1, 3),
            "invited_review": rate(1, 3),
            "attended_review": rate(0, 3),
        },
        {
            "team": "SASS West",
            "team_id": west.pk,
            "children": 2,
            "named": rate(1, 2),
            "contact_details": rate(1, 2),
            "invited_initial": rate(0, 0),
            "attended_initial": rate(0, 0),
            "invited_review": rate(0, 0),
            "attended_review": rate(0, 0),
        },
    ]


def test_families_opened_before_and_after_a_teams_training_are_compared(audit, east, west):
    assert run("father_inclusion")["before_after_training"] == [
        {
            "team": "SASS East",
            "team_id": east.pk,
            "trained_on": "2024-03-01",
            "before": {
                "children": 3,
                "named": rate(2, 3),
                "contact_details": rate(1, 3),
                "invited_initial": rate(2, 2),
                "attended_initial": rate(1, 2),
            },
            "after": {
                "children": 1,
                "named": rate(1, 1),
                "contact_details": rate(1, 1),
                "invited_initial": rate(0, 1),
                "attended_initial": rate(0, 1),
            },
        },
        {
            "team": "SASS West",
            "team_id": west.pk,
            "trained_on": None,
            "before": {
                "children": 2,
                "named": rate(1, 2),
                "contact_details": rate(1, 2),
                "invited_initial": rate(0, 0),
                "attended_initial": rate(0, 0),
            },
            "after": None,
        },
    ]


def test_plans_families_and_training_after_the_report_date_are_not_seen(audit):
    data = run("father_inclusion", as_of=datetime.date(2024, 2, 15))

    # Cat's plan, the April family and East's training all come later.
    assert (data["children"], data["invited_initial"], data["attended_initial"]) == (
        5,
        rate(1, 1),
        rate(1, 1),
    )
    east = data["before_after_training"][0]
    assert (east["trained_on"], east["before"]["children"], east["after"]) == (None, 3, None)


def test_cohort_and_dates_keep_their_families_only(audit):
    pilot = run("father_inclusion", cohort="pilot")
    opened_in_2024 = run("father_inclusion", date_from=datetime.date(2024, 1, 1))

    assert (pilot["children"], pilot["named"], [t["team"] for t in pilot["by_team"]]) == (
        3,
        rate(2, 3),
        ["SASS East"],
    )
    assert opened_in_2024["children"] == 4


def test_a_breakdown_by_team_narrows_every_figure(audit):
    groups = compute("father_inclusion", params(), by="team")["breakdown"]["groups"]

    assert [(g["label"], g["data"]["children"], g["data"]["named"]) for g in groups] == [
        ("SASS East", 4, rate(3, 4)),
        ("SASS West", 2, rate(1, 2)),
    ]


def test_the_children_behind_a_figure_can_be_opened(audit):
    kind, named = members("father_inclusion", params(), "named.numerator")
    _, on_a_plan = members("father_inclusion", params(), "invited_initial.denominator")

    assert kind == "children"
    assert sorted(c.given_name for c in named) == ["Cal", "Cat", "Col", "Wes"]
    assert sorted(c.given_name for c in on_a_plan) == ["Cal", "Cat", "Col"]
    assert members("father_inclusion", params(), "by_team") is None
