"""child_status: over the children of the families in scope, what happened while their family
was open (its period: opened_on to closed_on if by as_of, else to as_of)."""

import pytest

from families.models import Membership, Person

pytestmark = pytest.mark.django_db

EMPTY = {
    "families": 0,
    "children": 0,
    "closed": {"families": 0, "children": 0},
    "re_referred_within_12_months": 0,
    "cp_while_open": {
        "children": 0,
        "already_cp_at_start": 0,
        "stepped_up_from_cin": 0,
        "became_cp_after_start": 0,
        "still_cp": 0,
        "ended": {
            "children": 0,
            "to_cin": 0,
            "to_early_help_or_none": 0,
            "to_cp": 0,
            "stepped_up": 0,
        },
    },
    "entered_care": 0,
    "repeat_cp_within_2_years": 0,
}


def cp(data: dict) -> dict:
    return data["cp_while_open"]


def test_no_family_in_scope_is_all_zero(report):
    assert report("child_status") == EMPTY


def test_a_worked_example_gives_every_figure(make, report):
    """Family A, open since 1 Jan 2022:
    a1 on a plan from before it opened, then cin: already at start, ended to cin;
    a2 cin then a plan from the next day, still running: stepped up from cin, still cp;
    a3 a plan in 2020 and another from 1 June 2022 to 31 Dec 2022, then nothing: became cp
    after start, ended to none, and a repeat plan 517 days after the first ended.
    Family B, 1 March to 31 Dec 2022 (closed):
    b1 early help, a plan from 15 May, looked after from 1 Nov: became cp after start, ended
    stepped up, entered care;
    b2 nothing until cin on 1 March 2023: re-referred within 12 months.
    Family C opened after as_of and is out of scope."""
    a = make.family(opened_on="2022-01-01")
    make.adult(a)
    a1, a2, a3 = make.child(a), make.child(a), make.child(a)
    make.episode(a1, "cp", "2021-10-01", "2022-05-31")
    make.episode(a1, "cin", "2022-06-01")
    make.episode(a2, "cin", "2022-02-01", "2022-08-31")
    make.episode(a2, "cp", "2022-09-01")
    make.episode(a3, "cp", "2020-01-01", "2020-12-31")
    make.episode(a3, "cp", "2022-06-01", "2022-12-31")

    b = make.family(opened_on="2022-03-01", closed_on="2022-12-31")
    b1, b2 = make.child(b), make.child(b)
    make.episode(b1, "early_help", "2022-03-01", "2022-04-30")
    make.episode(b1, "cp", "2022-05-15", "2022-10-31")
    make.episode(b1, "looked_after", "2022-11-01")
    make.episode(b2, "cin", "2023-03-01")

    c = make.family(opened_on="2023-07-01")
    make.episode(make.child(c), "looked_after", "2023-07-01")

    assert report("child_status", as_of="2023-06-30") == {
        "families": 2,
        "children": 5,
        "closed": {"families": 1, "children": 2},
        "re_referred_within_12_months": 1,
        "cp_while_open": {
            "children": 4,
            "already_cp_at_start": 1,
            "stepped_up_from_cin": 1,
            "became_cp_after_start": 2,
            "still_cp": 1,
            "ended": {
                "children": 3,
                "to_cin": 1,
                "to_early_help_or_none": 1,
                "to_cp": 0,
                "stepped_up": 1,
            },
        },
        "entered_care": 1,
        "repeat_cp_within_2_years": 1,
    }


# --- Families and children -------------------------------------------------------------------


def test_families_and_their_children_are_counted_adults_left_out(make, report):
    first = make.family(children=2)
    make.adult(first, Membership.Role.MOTHER)
    make.adult(first, Membership.Role.FATHER)
    second = make.family(children=1)
    make.adult(second, Membership.Role.CARER)
    make.family(children=0)

    data = report("child_status")

    assert data["families"] == 3
    assert data["children"] == 3


def test_children_with_no_episode_are_children(make, report):
    make.family(children=4)

    assert report("child_status")["children"] == 4


def test_a_family_opened_after_the_report_day_is_out_of_scope(make, report):
    make.family(opened_on="2023-06-30", children=1)
    make.family(opened_on="2023-07-01", children=2)

    data = report("child_status", as_of="2023-06-30")

    assert data["families"] == 1
    assert data["children"] == 1


def test_families_closed_on_or_before_the_report_day_are_closed(make, report):
    make.family(opened_on="2022-01-01", closed_on="2022-12-31", children=2)
    make.family(opened_on="2022-01-01", closed_on="2023-06-30", children=1)
    make.family(opened_on="2022-01-01", closed_on="2023-07-01", children=3)
    make.family(opened_on="2022-01-01", children=4)

    data = report("child_status", as_of="2023-06-30")

    assert data["families"] == 4
    assert data["children"] == 10
    assert data["closed"] == {"families": 2, "children": 3}


def test_a_family_closed_before_the_report_day_is_still_in_scope(make, report):
    make.family(opened_on="2020-01-01", closed_on="2020-06-30", children=1)

    data = report("child_status", as_of="2023-06-30")

    assert data["families"] == 1
    assert data["closed"] == {"families": 1, "children": 1}


# --- Re-referral within 12 months -------------------------------------------------------------


def _closed_family_child(make, closed_on="2022-06-30"):
    family = make.family(opened_on="2022-01-01", closed_on=closed_on)
    return make.child(family)


def test_an_episode_the_day_after_closure_is_a_re_referral(make, report):
    make.episode(_closed_family_child(make), "early_help", "2022-07-01")

    assert report("child_status", as_of="2023-12-31")["re_referred_within_12_months"] == 1


def test_an_episode_365_days_after_closure_is_a_re_referral(make, report):
    make.episode(_closed_family_child(make, "2022-06-30"), "cin", "2023-06-30")

    assert report("child_status", as_of="2023-12-31")["re_referred_within_12_months"] == 1


def test_an_episode_366_days_after_closure_is_not_a_re_referral(make, report):
    make.episode(_closed_family_child(make, "2022-06-30"), "cin", "2023-07-01")

    assert report("child_status", as_of="2023-12-31")["re_referred_within_12_months"] == 0


def test_twelve_months_are_365_days_even_across_a_leap_day(make, report):
    """Closed 1 March 2023: 29 Feb 2024 is day 365, 1 March 2024 day 366."""
    make.episode(_closed_family_child(make, "2023-03-01"), "cin", "2024-02-29")
    make.episode(_closed_family_child(make, "2023-03-01"), "cin", "2024-03-01")

    assert report("child_status", as_of="2024-06-30")["re_referred_within_12_months"] == 1


def test_an_episode_starting_on_the_closure_day_is_not_a_re_referral(make, report):
    child = _closed_family_child(make, "2022-06-30")
    make.episode(child, "cin", "2022-01-01", "2022-06-29")
    make.episode(child, "early_help", "2022-06-30")

    assert report("child_status", as_of="2023-12-31")["re_referred_within_12_months"] == 0


def test_an_episode_running_over_the_closure_is_not_a_re_referral(make, report):
    make.episode(_closed_family_child(make, "2022-06-30"), "cin", "2022-03-01")

    assert report("child_status", as_of="2023-12-31")["re_referred_within_12_months"] == 0


def test_a_re_referral_after_the_report_day_is_not_seen(make, report):
    make.episode(_closed_family_child(make, "2023-06-01"), "cin", "2023-07-01")

    assert report("child_status", as_of="2023-06-30")["re_referred_within_12_months"] == 0
    assert report("child_status", as_of="2023-07-01")["re_referred_within_12_months"] == 1


def test_a_child_re_referred_twice_is_one_child(make, report):
    child = _closed_family_child(make, "2022-06-30")
    make.episode(child, "early_help", "2022-08-01", "2022-09-30")
    make.episode(child, "cin", "2022-10-01")

    assert report("child_status", as_of="2023-06-30")["re_referred_within_12_months"] == 1


def test_children_of_open_families_are_never_re_referred(make, report):
    family = make.family(opened_on="2022-01-01")
    child = make.child(family)
    make.episode(child, "cin", "2022-01-01", "2022-03-31")
    make.episode(child, "cp", "2022-06-01")

    assert report("child_status", as_of="2023-06-30")["re_referred_within_12_months"] == 0


# --- Child protection while open: which plan, and whether it overlaps --------------------------


def test_a_plan_ending_the_day_before_the_family_opened_does_not_overlap(make, report):
    family = make.family(opened_on="2022-01-01")
    make.episode(make.child(family), "cp", "2021-06-01", "2021-12-31")

    assert cp(report("child_status"))["children"] == 0


def test_a_plan_ending_on_the_day_the_family_opened_overlaps(make, report):
    family = make.family(opened_on="2022-01-01")
    make.episode(make.child(family), "cp", "2021-06-01", "2022-01-01")

    data = cp(report("child_status"))

    assert data["children"] == 1
    assert data["already_cp_at_start"] == 1
    assert data["ended"]["children"] == 1


def test_a_plan_starting_on_the_closure_day_overlaps(make, report):
    family = make.family(opened_on="2022-01-01", closed_on="2022-12-31")
    make.episode(make.child(family), "cp", "2022-12-31")

    data = cp(report("child_status"))

    assert data["children"] == 1
    assert data["became_cp_after_start"] == 1
    assert data["still_cp"] == 1


def test_a_plan_starting_the_day_after_closure_does_not_overlap(make, report):
    family = make.family(opened_on="2022-01-01", closed_on="2022-12-31")
    make.episode(make.child(family), "cp", "2023-01-01")

    assert cp(report("child_status"))["children"] == 0


def test_a_plan_starting_on_the_report_day_overlaps_an_open_family(make, report):
    family = make.family(opened_on="2022-01-01")
    make.episode(make.child(family), "cp", "2023-06-30")

    assert cp(report("child_status", as_of="2023-06-30"))["children"] == 1


def test_a_plan_starting_after_the_report_day_is_not_seen(make, report):
    family = make.family(opened_on="2022-01-01")
    make.episode(make.child(family), "cp", "2023-07-01")

    assert cp(report("child_status", as_of="2023-06-30"))["children"] == 0


def test_a_family_closed_after_the_report_day_has_its_period_end_on_the_report_day(make, report):
    family = make.family(opened_on="2022-01-01", closed_on="2023-12-31")
    make.episode(make.child(family), "cp", "2023-06-30")

    assert cp(report("child_status", as_of="2023-06-30"))["children"] == 1


def test_the_plan_is_the_earliest_overlapping_cp_episode_and_counts_once(make, report):
    """Two plans while open: the first (from before opening, ended to cin) is the plan; the
    second, still running, is not counted again."""
    family = make.family(opened_on="2022-01-01")
    child = make.child(family)
    make.episode(child, "cp", "2021-06-01", "2022-03-31")
    make.episode(child, "cin", "2022-04-01", "2022-12-31")
    make.episode(child, "cp", "2023-01-01")

    data = cp(report("child_status"))

    assert data == {
        "children": 1,
        "already_cp_at_start": 1,
        "stepped_up_from_cin": 0,
        "became_cp_after_start": 0,
        "still_cp": 0,
        "ended": {
            "children": 1,
            "to_cin": 1,
            "to_early_help_or_none": 0,
            "to_cp": 0,
            "stepped_up": 0,
        },
    }


def test_a_plan_before_the_period_is_not_the_plan(make, report):
    """The 2020 plan ended before the family opened: the plan is the one of 2022."""
    family = make.family(opened_on="2022-01-01")
    child = make.child(family)
    make.episode(child, "cp", "2020-01-01", "2020-12-31")
    make.episode(child, "cin", "2022-01-01", "2022-05-31")
    make.episode(child, "cp", "2022-06-01")

    data = cp(report("child_status"))

    assert data["children"] == 1
    assert data["stepped_up_from_cin"] == 1
    assert data["still_cp"] == 1


def test_children_on_plans_are_counted_each(make, report):
    family = make.family(opened_on="2022-01-01")
    for _ in range(3):
        make.episode(make.child(family), "cp", "2022-03-01")
    make.child(family)

    assert cp(report("child_status"))["children"] == 3


def test_other_rungs_are_not_child_protection(make, report):
    family = make.family(opened_on="2022-01-01")
    for status in ["early_help", "cin", "pre_proceedings", "care_proceedings", "looked_after"]:
        make.episode(make.child(family), status, "2022-03-01")

    assert cp(report("child_status"))["children"] == 0


# --- How the plan started -----------------------------------------------------------------------


def test_a_plan_starting_on_the_opening_day_was_already_there_at_start(make, report):
    family = make.family(opened_on="2022-01-01")
    make.episode(make.child(family), "cp", "2022-01-01")

    data = cp(report("child_status"))

    assert data["already_cp_at_start"] == 1
    assert data["became_cp_after_start"] == 0


def test_a_plan_starting_the_day_after_opening_became_cp_after_start(make, report):
    family = make.family(opened_on="2022-01-01")
    make.episode(make.child(family), "cp", "2022-01-02")

    data = cp(report("child_status"))

    assert data["already_cp_at_start"] == 0
    assert data["became_cp_after_start"] == 1


def test_a_plan_from_before_opening_after_cin_is_already_cp_not_stepped_up(make, report):
    family = make.family(opened_on="2022-01-01")
    child = make.child(family)
    make.episode(child, "cin", "2021-06-01", "2021-11-30")
    make.episode(child, "cp", "2021-12-01")

    data = cp(report("child_status"))

    assert data["already_cp_at_start"] == 1
    assert data["stepped_up_from_cin"] == 0


def test_cin_ending_the_day_before_the_plan_is_a_step_up_from_cin(make, report):
    family = make.family(opened_on="2022-01-01")
    child = make.child(family)
    make.episode(child, "cin", "2022-01-01", "2022-05-31")
    make.episode(child, "cp", "2022-06-01")

    data = cp(report("child_status"))

    assert data["stepped_up_from_cin"] == 1
    assert data["became_cp_after_start"] == 0


def test_cin_from_before_opening_ending_the_day_before_the_plan_is_a_step_up(make, report):
    family = make.family(opened_on="2022-01-01")
    child = make.child(family)
    make.episode(child, "cin", "2021-01-01", "2022-05-31")
    make.episode(child, "cp", "2022-06-01")

    assert cp(report("child_status"))["stepped_up_from_cin"] == 1


def test_cin_ending_two_days_before_the_plan_is_not_a_step_up_from_cin(make, report):
    family = make.family(opened_on="2022-01-01")
    child = make.child(family)
    make.episode(child, "cin", "2022-01-01", "2022-05-30")
    make.episode(child, "cp", "2022-06-01")

    data = cp(report("child_status"))

    assert data["stepped_up_from_cin"] == 0
    assert data["became_cp_after_start"] == 1


def test_early_help_ending_the_day_before_the_plan_is_not_a_step_up_from_cin(make, report):
    family = make.family(opened_on="2022-01-01")
    child = make.child(family)
    make.episode(child, "early_help", "2022-01-01", "2022-05-31")
    make.episode(child, "cp", "2022-06-01")

    data = cp(report("child_status"))

    assert data["stepped_up_from_cin"] == 0
    assert data["became_cp_after_start"] == 1


def test_only_the_childs_previous_episode_decides_a_step_up_from_cin(make, report):
    """cin, then early help ending the day before the plan: the previous episode is early
    help, so the plan became cp after start."""
    family = make.family(opened_on="2022-01-01")
    child = make.child(family)
    make.episode(child, "cin", "2022-01-01", "2022-03-31")
    make.episode(child, "early_help", "2022-04-01", "2022-05-31")
    make.episode(child, "cp", "2022-06-01")

    data = cp(report("child_status"))

    assert data["stepped_up_from_cin"] == 0
    assert data["became_cp_after_start"] == 1


def test_a_siblings_cin_does_not_make_a_step_up_from_cin(make, report):
    family = make.family(opened_on="2022-01-01")
    sibling, child = make.child(family), make.child(family)
    make.episode(sibling, "cin", "2022-01-01", "2022-05-31")
    make.episode(child, "cp", "2022-06-01")

    data = cp(report("child_status"))

    assert data["stepped_up_from_cin"] == 0
    assert data["became_cp_after_start"] == 1


def test_a_plan_with_no_episode_before_it_became_cp_after_start(make, report):
    family = make.family(opened_on="2022-01-01")
    make.episode(make.child(family), "cp", "2022-06-01")

    assert cp(report("child_status"))["became_cp_after_start"] == 1


def test_each_plan_is_in_exactly_one_start_group_and_one_end_group(make, report):
    family = make.family(opened_on="2022-01-01")
    at_start, from_cin, later = make.child(family), make.child(family), make.child(family)
    make.episode(at_start, "cp", "2021-12-01", "2022-12-31")
    make.episode(from_cin, "cin", "2022-01-01", "2022-02-28")
    make.episode(from_cin, "cp", "2022-03-01")
    make.episode(later, "cp", "2022-04-01", "2023-08-31")

    data = cp(report("child_status", as_of="2023-06-30"))

    assert data["children"] == 3
    assert (
        data["already_cp_at_start"] + data["stepped_up_from_cin"] + data["became_cp_after_start"]
    ) == 3
    assert data["still_cp"] + data["ended"]["children"] == 3
    assert data["still_cp"] == 2
    assert data["ended"]["children"] == 1


# --- How the plan ended -------------------------------------------------------------------------


def test_a_plan_with_no_end_date_is_still_cp(make, report):
    family = make.family(opened_on="2022-01-01")
    make.episode(make.child(family), "cp", "2022-06-01")

    data = cp(report("child_status"))

    assert data["still_cp"] == 1
    assert data["ended"]["children"] == 0


def test_a_plan_ending_after_the_report_day_is_still_cp(make, report):
    family = make.family(opened_on="2022-01-01")
    make.episode(make.child(family), "cp", "2022-06-01", "2023-07-01")

    data = cp(report("child_status", as_of="2023-06-30"))

    assert data["still_cp"] == 1
    assert data["ended"]["children"] == 0


def test_a_plan_ending_on_the_report_day_has_ended(make, report):
    family = make.family(opened_on="2022-01-01")
    make.episode(make.child(family), "cp", "2022-06-01", "2023-06-30")

    data = cp(report("child_status", as_of="2023-06-30"))

    assert data["still_cp"] == 0
    assert data["ended"]["children"] == 1


def test_a_plan_ending_on_the_report_day_goes_to_none_as_the_next_day_is_not_seen(make, report):
    """The looked-after episode starts on 1 July, after as_of: on 30 June nobody knows it."""
    family = make.family(opened_on="2022-01-01")
    child = make.child(family)
    make.episode(child, "cp", "2022-06-01", "2023-06-30")
    make.episode(child, "looked_after", "2023-07-01")

    data = cp(report("child_status", as_of="2023-06-30"))

    assert data["ended"]["to_early_help_or_none"] == 1
    assert data["ended"]["stepped_up"] == 0


def _ended_to(make, *statuses: str | None) -> None:
    """One child per status in a family open since 2022: a plan from 1 March to 30 Nov 2022,
    then that status from 1 Dec 2022 (None: no episode at all)."""
    family = make.family(opened_on="2022-01-01")
    for status in statuses:
        child = make.child(family)
        make.episode(child, "cp", "2022-03-01", "2022-11-30")
        if status is not None:
            make.episode(child, status, "2022-12-01")


@pytest.mark.parametrize(
    ("status", "group"),
    [
        ("cin", "to_cin"),
        ("early_help", "to_early_help_or_none"),
        (None, "to_early_help_or_none"),
        ("cp", "to_cp"),
        ("pre_proceedings", "stepped_up"),
        ("care_proceedings", "stepped_up"),
        ("looked_after", "stepped_up"),
    ],
)
def test_an_ended_plan_is_grouped_by_the_level_on_the_day_after_it_ended(
    make, report, status, group
):
    _ended_to(make, status)

    ended = cp(report("child_status"))["ended"]

    assert ended["children"] == 1
    assert ended[group] == 1
    assert sum(ended[key] for key in ended if key != "children") == 1


def test_ended_plans_add_up_across_the_groups(make, report):
    _ended_to(make, "cin", "cin", "early_help", None, "cp", "pre_proceedings", "looked_after")

    assert cp(report("child_status"))["ended"] == {
        "children": 7,
        "to_cin": 2,
        "to_early_help_or_none": 2,
        "to_cp": 1,
        "stepped_up": 2,
    }


def test_the_level_after_the_plan_is_the_next_day_not_a_later_one(make, report):
    """cin from the day after the plan, then looked after: to cin."""
    family = make.family(opened_on="2022-01-01")
    child = make.child(family)
    make.episode(child, "cp", "2022-03-01", "2022-11-30")
    make.episode(child, "cin", "2022-12-01", "2022-12-31")
    make.episode(child, "looked_after", "2023-01-01")

    ended = cp(report("child_status"))["ended"]

    assert ended["to_cin"] == 1
    assert ended["stepped_up"] == 0


def test_an_episode_starting_two_days_after_the_plan_does_not_count(make, report):
    family = make.family(opened_on="2022-01-01")
    child = make.child(family)
    make.episode(child, "cp", "2022-03-01", "2022-11-30")
    make.episode(child, "cin", "2022-12-02")

    ended = cp(report("child_status"))["ended"]

    assert ended["to_cin"] == 0
    assert ended["to_early_help_or_none"] == 1


def test_the_level_after_the_plan_is_the_childs_not_a_siblings(make, report):
    family = make.family(opened_on="2022-01-01")
    child, sibling = make.child(family), make.child(family)
    make.episode(child, "cp", "2022-03-01", "2022-11-30")
    make.episode(sibling, "looked_after", "2022-06-01")

    ended = cp(report("child_status"))["ended"]

    assert ended["to_early_help_or_none"] == 1
    assert ended["stepped_up"] == 0


def test_a_plan_ending_after_the_family_closed_still_ends_by_the_childs_next_level(make, report):
    family = make.family(opened_on="2022-01-01", closed_on="2022-12-31")
    child = make.child(family)
    make.episode(child, "cp", "2022-06-01", "2023-02-28")
    make.episode(child, "cin", "2023-03-01")

    data = cp(report("child_status", as_of="2023-06-30"))

    assert data["children"] == 1
    assert data["ended"]["to_cin"] == 1


# --- Entering care ------------------------------------------------------------------------------


def _care(make, *, start, opened_on="2022-01-01", closed_on=None):
    family = make.family(opened_on=opened_on, closed_on=closed_on)
    make.episode(make.child(family), "looked_after", start)


def test_looked_after_starting_on_the_opening_day_is_entering_care(make, report):
    _care(make, start="2022-01-01")

    assert report("child_status")["entered_care"] == 1


def test_looked_after_from_before_the_family_opened_is_not_entering_care(make, report):
    _care(make, start="2021-12-31")

    assert report("child_status")["entered_care"] == 0


def test_looked_after_starting_on_the_closure_day_is_entering_care(make, report):
    _care(make, start="2022-12-31", closed_on="2022-12-31")

    assert report("child_status")["entered_care"] == 1


def test_looked_after_starting_the_day_after_closure_is_not_entering_care(make, report):
    _care(make, start="2023-01-01", closed_on="2022-12-31")

    assert report("child_status")["entered_care"] == 0


def test_looked_after_starting_on_the_report_day_is_entering_care(make, report):
    _care(make, start="2023-06-30")

    assert report("child_status", as_of="2023-06-30")["entered_care"] == 1


def test_looked_after_starting_after_the_report_day_is_not_seen(make, report):
    _care(make, start="2023-07-01", closed_on="2023-12-31")

    assert report("child_status", as_of="2023-06-30")["entered_care"] == 0


def test_a_child_entering_care_twice_is_one_child(make, report):
    family = make.family(opened_on="2022-01-01")
    child = make.child(family)
    make.episode(child, "looked_after", "2022-03-01", "2022-05-31")
    make.episode(child, "cin", "2022-06-01", "2022-08-31")
    make.episode(child, "looked_after", "2022-09-01")

    assert report("child_status")["entered_care"] == 1


def test_other_rungs_are_not_care(make, report):
    family = make.family(opened_on="2022-01-01")
    for status in ["pre_proceedings", "care_proceedings", "cp"]:
        make.episode(make.child(family), status, "2022-03-01")

    assert report("child_status")["entered_care"] == 0


# --- A repeat plan within two years -----------------------------------------------------------


def _repeat(make, *, earlier_end: str, plan_start: str, opened_on: str = "2022-01-01"):
    family = make.family(opened_on=opened_on)
    child = make.child(family)
    make.episode(child, "cp", "2019-01-01", earlier_end)
    make.episode(child, "cp", plan_start)
    return child


def test_a_plan_730_days_after_an_earlier_plan_ended_is_a_repeat(make, report):
    """2021-01-01 + 730 days = 2023-01-01."""
    _repeat(make, earlier_end="2021-01-01", plan_start="2023-01-01")

    assert report("child_status")["repeat_cp_within_2_years"] == 1


def test_a_plan_731_days_after_an_earlier_plan_ended_is_not_a_repeat(make, report):
    _repeat(make, earlier_end="2021-01-01", plan_start="2023-01-02")

    assert report("child_status")["repeat_cp_within_2_years"] == 0


def test_two_years_are_730_days_even_across_a_leap_day(make, report):
    """2022-03-01 + 730 days = 2024-02-29; 1 March 2024 is two calendar years on, day 731."""
    _repeat(make, earlier_end="2022-03-01", plan_start="2024-02-29", opened_on="2023-01-01")
    _repeat(make, earlier_end="2022-03-01", plan_start="2024-03-01", opened_on="2023-01-01")

    assert report("child_status", as_of="2024-06-30")["repeat_cp_within_2_years"] == 1


def test_a_plan_the_day_after_an_earlier_plan_ended_is_a_repeat(make, report):
    """The family opened with the second plan: the first, ended the day before, is earlier."""
    _repeat(make, earlier_end="2022-05-31", plan_start="2022-06-01", opened_on="2022-06-01")

    data = report("child_status")

    assert data["repeat_cp_within_2_years"] == 1


def test_a_plan_starting_on_the_opening_day_after_an_earlier_plan_is_a_repeat(make, report):
    _repeat(make, earlier_end="2021-06-30", plan_start="2022-01-01")

    assert report("child_status")["repeat_cp_within_2_years"] == 1


def test_a_plan_already_running_when_the_family_opened_is_not_a_repeat(make, report):
    _repeat(make, earlier_end="2021-06-30", plan_start="2021-12-31")

    data = report("child_status")

    assert cp(data)["already_cp_at_start"] == 1
    assert data["repeat_cp_within_2_years"] == 0


def test_a_repeat_needs_an_earlier_plan_of_the_same_child(make, report):
    family = make.family(opened_on="2022-01-01")
    sibling, child = make.child(family), make.child(family)
    make.episode(sibling, "cp", "2021-01-01", "2021-06-30")
    make.episode(child, "cp", "2022-06-01")

    assert report("child_status")["repeat_cp_within_2_years"] == 0


def test_a_repeat_needs_an_earlier_cp_episode_not_any_episode(make, report):
    family = make.family(opened_on="2022-01-01")
    child = make.child(family)
    make.episode(child, "pre_proceedings", "2021-01-01", "2021-06-30")
    make.episode(child, "cp", "2022-06-01")

    assert report("child_status")["repeat_cp_within_2_years"] == 0


def test_any_earlier_plan_within_730_days_makes_a_repeat(make, report):
    family = make.family(opened_on="2022-01-01")
    child = make.child(family)
    make.episode(child, "cp", "2015-01-01", "2015-12-31")
    make.episode(child, "cp", "2021-01-01", "2021-06-30")
    make.episode(child, "cp", "2022-06-01")

    assert report("child_status")["repeat_cp_within_2_years"] == 1


def test_a_second_plan_while_open_is_not_the_plan_so_not_a_repeat(make, report):
    """The plan is the earliest overlapping one, already running at opening; the second plan
    within the period, 92 days after it ended, is not the plan."""
    family = make.family(opened_on="2022-01-01")
    child = make.child(family)
    make.episode(child, "cp", "2021-06-01", "2022-03-31")
    make.episode(child, "cin", "2022-04-01", "2022-06-30")
    make.episode(child, "cp", "2022-07-01")

    assert report("child_status")["repeat_cp_within_2_years"] == 0


def test_a_plan_after_the_family_closed_is_not_a_repeat(make, report):
    family = make.family(opened_on="2022-01-01", closed_on="2022-12-31")
    child = make.child(family)
    make.episode(child, "cp", "2022-01-01", "2022-06-30")
    make.episode(child, "cp", "2023-01-01")

    data = report("child_status")

    assert cp(data)["already_cp_at_start"] == 1
    assert data["repeat_cp_within_2_years"] == 0


# --- Scope ----------------------------------------------------------------------------------


def test_the_cohort_keeps_families_with_that_label(make, report):
    make.family(cohort="Pilot", children=2)
    make.family(cohort="Pilot 2", children=1)
    make.family(children=1)

    data = report("child_status", cohort="Pilot")

    assert data["families"] == 1
    assert data["children"] == 2


def test_from_and_to_keep_families_opened_in_the_range_both_ends_included(make, report):
    for opened_on in ["2022-12-31", "2023-01-01", "2023-02-15", "2023-03-31", "2023-04-01"]:
        make.family(opened_on=opened_on, children=1)

    data = report("child_status", date_from="2023-01-01", date_to="2023-03-31")

    assert data["families"] == 3
    assert data["children"] == 3


def test_from_alone_and_to_alone_bound_one_end(make, report):
    for opened_on in ["2022-12-31", "2023-01-01", "2023-03-31"]:
        make.family(opened_on=opened_on)

    assert report("child_status", date_from="2023-01-01")["families"] == 2
    assert report("child_status", date_to="2023-01-01")["families"] == 2


def test_a_family_in_the_range_counts_a_plan_from_before_it_opened(make, report):
    """The range picks families; each family's own period decides what counts."""
    family = make.family(opened_on="2023-02-01")
    make.episode(make.child(family), "cp", "2023-01-01")

    data = report("child_status", date_from="2023-02-01", date_to="2023-02-28")

    assert data["families"] == 1
    assert cp(data)["already_cp_at_start"] == 1


def test_the_pathway_keeps_families_with_an_intervention_of_it_by_the_report_day(make, report):
    with_dmt = make.family(children=2)
    make.referral(with_dmt, pathway="dmt", referred_on="2023-01-01")
    closed_dmt = make.family(children=1)
    make.referral(closed_dmt, pathway="dmt", referred_on="2022-02-01", closed_on="2022-05-01")
    on_the_day = make.family(children=1)
    make.referral(on_the_day, pathway="dmt", referred_on="2023-06-30")
    later_dmt = make.family(children=4)
    make.referral(later_dmt, pathway="dmt", referred_on="2023-07-01")
    other_pathway = make.family(children=8)
    make.referral(other_pathway, pathway="mental_health", referred_on="2023-01-01")
    make.family(children=16)

    data = report("child_status", pathway="dmt", as_of="2023-06-30")

    assert data["families"] == 3
    assert data["children"] == 4


def test_the_pathway_does_not_count_one_family_twice(make, report):
    family = make.family(children=2)
    make.referral(family, pathway="dmt", referred_on="2023-01-01")
    make.referral(family, pathway="dmt", referred_on="2023-02-01")

    data = report("child_status", pathway="dmt")

    assert data["families"] == 1
    assert data["children"] == 2


def test_the_pathway_keeps_families_whatever_the_intervention_engagement(make, report):
    family = make.family(children=1)
    make.referral(family, pathway="dmt", engagement="not_engaged")

    assert report("child_status", pathway="dmt")["families"] == 1


def test_the_range_picks_families_by_opening_not_by_referral(make, report):
    family = make.family(opened_on="2023-02-01", children=1)
    make.referral(family, pathway="dmt", referred_on="2023-05-01")

    data = report("child_status", pathway="dmt", date_from="2023-02-01", date_to="2023-02-28")

    assert data["families"] == 1


def test_counts_are_integers(make, report):
    family = make.family(children=1)
    make.episode(Person.objects.get(memberships__family=family), "cp", "2022-03-01", "2022-06-30")
    data = report("child_status")

    def walk(value):
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        else:
            assert type(value) is int

    walk(data)
