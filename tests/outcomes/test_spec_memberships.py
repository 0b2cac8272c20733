"""Every report reads people through their memberships (issue 12, spec "Shared rules"): an
intervention belongs to the family named on it, a person counts once per intervention, and a
family's children are its child members on the day the report looks at (an empty joined date
is from the start; the left date is the last day, inclusive)."""

import pytest

from families.models import Membership
from outcomes.reports import ReportParameters, compute, members

from .conftest import AS_OF

pytestmark = pytest.mark.django_db


def two_households(make, *, named: str = "A"):
    """Dad, a father in household A (two children on a CIN plan) and household B (three
    children whose CP plans end in March); his Dads Matter Too intervention names `named`."""
    a = make.family(cohort="A")
    b = make.family(cohort="B")
    for _ in range(2):
        make.episode(make.child(a, given_name="Ada"), "cin", "2022-12-01")
    for _ in range(3):
        make.episode(make.child(b, given_name="Bea"), "cp", "2022-12-01", "2023-03-31")
    dad = make.adult(a)
    make.member(dad, b, Membership.Role.FATHER)
    make.referral(dad, family=a if named == "A" else b, referred_on="2023-01-10")
    return a, b


# --- A father in two households -------------------------------------------------------------


def test_a_father_in_two_households_counts_once_with_the_named_households_children(make, report):
    two_households(make)

    data = report("engagement")

    assert (data["approached"], data["engaged"]) == (1, 1)
    assert data["children"] == 2  # household A's, not B's three


def test_the_household_named_on_the_intervention_decides_not_the_first_one_he_joined(make, report):
    two_households(make, named="B")

    assert report("engagement")["children"] == 3


def test_cohort_reads_the_named_households_label(make, report):
    two_households(make)

    assert report("engagement", cohort="A")["approached"] == 1
    assert report("engagement", cohort="B")["approached"] == 0
    assert report("pathways", cohort="B") == {}


def test_a_breakdown_by_cohort_puts_the_intervention_in_the_named_households_group(make):
    two_households(make)

    groups = compute("engagement", ReportParameters(as_of=AS_OF), by="cohort")["breakdown"][
        "groups"
    ]

    assert [(g["value"], g["data"]["approached"], g["data"]["children"]) for g in groups] == [
        ("A", 1, 2),
        ("B", 0, 0),
    ]


def test_step_down_reads_the_named_households_levels_only(make, report):
    two_households(make)

    data = report("step_down")

    # Household A stayed on CIN; B's plans ending would have been a step down.
    assert data["cases"] == 1
    assert data["same"] == {"cases": 1, "children": 2}
    assert data["stepped_down"]["cases"] == 0


def test_pathways_count_his_intervention_once(make, report):
    two_households(make)

    assert report("pathways")["dmt"]["referrals"] == 1


def test_the_children_behind_the_figure_are_the_named_households_each_with_it(make):
    a, _ = two_households(make)

    kind, children = members("engagement", ReportParameters(as_of=AS_OF), "children")

    assert kind == "children"
    listed = [
        (child.given_name, Membership.objects.get(pk=child.membership_id).family)
        for child in children
    ]
    assert listed == [("Ada", a), ("Ada", a)]


# --- Children on the report's day -----------------------------------------------------------


def family_joining_and_leaving(make):
    """A family with an engaged father and five children: one from the start, one joining on
    as_of and one the day after, one leaving on as_of and one the day before."""
    family = make.family()
    make.child(family)
    make.child(family, joined_on="2023-06-30")
    make.child(family, joined_on="2023-07-01")
    make.leave(make.child(family), "2023-06-30")
    make.leave(make.child(family), "2023-06-29")
    make.referral(family)
    return family


def test_engagement_counts_the_children_of_as_of(make, report):
    family_joining_and_leaving(make)

    # From the start, joined on as_of, left on as_of (the left date is their last day).
    assert report("engagement")["children"] == 3
    # A day later: from the start, joined on 30 June, joined on 1 July.
    assert report("engagement", as_of="2023-07-01")["children"] == 3


def test_child_status_counts_an_open_familys_children_of_as_of(make, report):
    family_joining_and_leaving(make)

    assert report("child_status")["children"] == 3


def test_a_closed_familys_children_are_those_of_its_closing_day(make, report):
    family = make.family(opened_on="2022-01-01", closed_on="2023-03-31")
    make.leave(make.child(family), "2023-04-15")  # a member when the case closed
    make.leave(make.child(family), "2023-03-30")  # gone before
    make.child(family, joined_on="2023-04-01")  # came after

    data = report("child_status")

    assert (data["children"], data["closed"]) == (1, {"families": 1, "children": 1})


def test_a_child_in_two_families_in_scope_counts_once(make, report):
    mothers, fathers = make.family(), make.family()
    child = make.child(mothers)
    make.member(child, fathers)
    make.episode(child, "cp", "2021-12-01")

    data = report("child_status")

    assert (data["families"], data["children"]) == (2, 1)
    assert data["cp_while_open"]["children"] == 1
    assert data["cp_while_open"]["already_cp_at_start"] == 1


def test_a_familys_level_reads_only_the_children_who_are_members_that_day(make, report):
    family = make.family()
    make.episode(make.child(family), "cin", "2022-12-01")
    # On a plan before joining: not the family's level on the case's first day.
    make.episode(make.child(family, joined_on="2023-03-01"), "cp", "2022-12-01")
    make.child(family, joined_on="2023-07-01")  # after the case's last day: not of the case
    make.referral(family, referred_on="2023-01-10")

    data = report("step_down")

    assert data["increased"] == {"cases": 1, "children": 2}
    assert data["cases"] == 1


def test_a_child_who_left_before_the_end_is_not_in_the_end_level(make, report):
    family = make.family()
    make.episode(make.child(family), "cin", "2022-12-01")
    leaver = make.child(family)
    make.episode(leaver, "cp", "2022-12-01")
    make.leave(leaver, "2023-04-30")
    make.referral(family, referred_on="2023-01-10")

    data = report("step_down")

    # CP (both children) at the start, CIN (the one still there) at the end; both are
    # children of the case.
    assert data["stepped_down"] == {
        "cases": 1,
        "children": 2,
        "closed": {"cases": 0, "children": 0},
    }


def test_children_on_a_plan_are_the_familys_children_of_as_of(make, report):
    family = make.family()
    for joined_on in (None, "2023-07-01"):
        make.episode(make.child(family, joined_on=joined_on), "cp", "2023-01-01")
    leaver = make.child(family)
    make.episode(leaver, "cp", "2023-01-01")
    make.leave(leaver, "2023-06-29")

    assert report("cp_rate")["children_on_cp"] == 1
