"""step_down: one case per family over the engaged interventions in scope, from the earliest
referral to as_of (while any is open) or the latest closure; the family's level (its highest
child's) at the start against at the end."""

import datetime

import pytest

from families.models import Membership
from referrals.models import EngagementChange

pytestmark = pytest.mark.django_db

EMPTY = {
    "cases": 0,
    "children": 0,
    "stepped_down": {"cases": 0, "children": 0, "closed": {"cases": 0, "children": 0}},
    "same": {"cases": 0, "children": 0},
    "increased": {"cases": 0, "children": 0},
}


def shape(
    *,
    down: tuple[int, int] = (0, 0),
    closed: tuple[int, int] = (0, 0),
    same: tuple[int, int] = (0, 0),
    increased: tuple[int, int] = (0, 0),
) -> dict:
    """The expected data from (cases, children) of each group."""
    return {
        "cases": down[0] + same[0] + increased[0],
        "children": down[1] + same[1] + increased[1],
        "stepped_down": {
            "cases": down[0],
            "children": down[1],
            "closed": {"cases": closed[0], "children": closed[1]},
        },
        "same": {"cases": same[0], "children": same[1]},
        "increased": {"cases": increased[0], "children": increased[1]},
    }


def test_no_engaged_intervention_is_no_case(report):
    assert report("step_down") == EMPTY


def test_a_family_stepping_down_from_cp_to_cin_is_one_stepped_down_case(make, report):
    family = make.family()
    children = [make.child(family), make.child(family)]
    for child in children:
        make.episode(child, "cp", "2022-12-01", "2023-03-31")
        make.episode(child, "cin", "2023-04-01")
    make.referral(family, referred_on="2023-01-10")

    assert report("step_down") == shape(down=(1, 2))


def test_only_engaged_interventions_make_cases(make, report):
    for engagement in ["inconsistent", "not_engaged", "new"]:
        family = make.family()
        child = make.child(family)
        make.episode(child, "cp", "2022-12-01", "2023-03-31")
        make.referral(family, referred_on="2023-01-10", engagement=engagement)

    assert report("step_down") == EMPTY


def test_engaged_is_read_as_of_the_report_day(make, report):
    family = make.family(children=1)
    referral = make.referral(family, referred_on="2023-01-10", engagement="not_engaged")
    make.engagement_change(referral, "new", "2023-01-10")
    make.engagement_change(referral, "engaged", "2023-02-01")
    make.engagement_change(referral, "not_engaged", "2023-07-01")

    assert report("step_down", as_of="2023-06-30")["cases"] == 1
    assert report("step_down", as_of="2023-01-31")["cases"] == 0


def test_an_intervention_engaged_only_after_the_report_day_makes_no_case(make, report):
    family = make.family(children=1)
    referral = make.referral(family, referred_on="2023-01-10", engagement="engaged")
    make.engagement_change(referral, "new", "2023-01-10")
    make.engagement_change(referral, "engaged", "2023-07-01")

    assert report("step_down", as_of="2023-06-30")["cases"] == 0


def test_a_family_with_two_engaged_interventions_is_one_case(make, report):
    family = make.family(children=3)
    make.referral(make.adult(family, Membership.Role.FATHER), referred_on="2023-01-10")
    make.referral(make.adult(family, Membership.Role.MOTHER), referred_on="2023-02-10")

    data = report("step_down")

    assert data["cases"] == 1
    assert data["children"] == 3


def test_a_family_with_no_episodes_stays_the_same_at_level_zero_and_is_not_closed(make, report):
    family = make.family(children=2)
    make.referral(family, referred_on="2023-01-10")

    assert report("step_down") == shape(same=(1, 2))


def test_a_step_down_to_level_zero_also_counts_as_closed(make, report):
    family = make.family()
    child = make.child(family)
    make.episode(child, "cin", "2022-12-01", "2023-03-31")
    make.referral(family, referred_on="2023-01-10")

    assert report("step_down") == shape(down=(1, 1), closed=(1, 1))


def test_a_step_down_to_early_help_is_not_closed(make, report):
    family = make.family()
    child = make.child(family)
    make.episode(child, "cin", "2022-12-01", "2023-03-31")
    make.episode(child, "early_help", "2023-04-01")
    make.referral(family, referred_on="2023-01-10")

    assert report("step_down") == shape(down=(1, 1))


def test_a_step_up_is_increased(make, report):
    family = make.family()
    child = make.child(family)
    make.episode(child, "cin", "2022-12-01", "2023-03-31")
    make.episode(child, "looked_after", "2023-04-01")
    make.referral(family, referred_on="2023-01-10")

    assert report("step_down") == shape(increased=(1, 1))


def test_a_move_between_episodes_of_one_level_is_the_same(make, report):
    family = make.family()
    child = make.child(family)
    make.episode(child, "cp", "2022-12-01", "2023-03-31")
    make.episode(child, "cp", "2023-04-01")
    make.referral(family, referred_on="2023-01-10")

    assert report("step_down") == shape(same=(1, 1))


def test_a_case_opened_at_level_zero_that_rises_is_increased(make, report):
    family = make.family()
    child = make.child(family)
    make.episode(child, "early_help", "2023-02-01")
    make.referral(family, referred_on="2023-01-10")

    assert report("step_down") == shape(increased=(1, 1))


def test_every_level_of_the_ladder_is_ordered(make, report):
    """A step from each rung to the one below it is a step down, never the same."""
    ladder = ["early_help", "cin", "cp", "pre_proceedings", "care_proceedings", "looked_after"]
    for lower, higher in zip(ladder, ladder[1:], strict=False):
        family = make.family()
        child = make.child(family)
        make.episode(child, higher, "2022-12-01", "2023-03-31")
        make.episode(child, lower, "2023-04-01")
        make.referral(family, referred_on="2023-01-10")

    assert report("step_down") == shape(down=(5, 5))


# --- The family's level --------------------------------------------------------------------


def test_the_family_level_is_its_highest_childs_level(make, report):
    """cp + cin -> cin + cin: the family goes from 3 to 2, a step down although one child
    stays where it was."""
    family = make.family()
    steady, stepping = make.child(family), make.child(family)
    make.episode(steady, "cin", "2022-12-01")
    make.episode(stepping, "cp", "2022-12-01", "2023-03-31")
    make.episode(stepping, "cin", "2023-04-01")
    make.referral(family, referred_on="2023-01-10")

    assert report("step_down") == shape(down=(1, 2))


def test_a_family_with_one_child_still_open_is_not_closed(make, report):
    """cp + cin -> none + cin: the family steps down from 3 to 2, not to 0."""
    family = make.family()
    steady, leaving = make.child(family), make.child(family)
    make.episode(steady, "cin", "2022-12-01")
    make.episode(leaving, "cp", "2022-12-01", "2023-03-31")
    make.referral(family, referred_on="2023-01-10")

    assert report("step_down") == shape(down=(1, 2))


def test_a_family_whose_children_all_left_the_ladder_is_closed(make, report):
    family = make.family()
    first, second = make.child(family), make.child(family)
    make.episode(first, "cin", "2022-12-01", "2023-03-31")
    make.episode(second, "cp", "2022-12-01", "2023-05-31")
    make.referral(family, referred_on="2023-01-10")

    assert report("step_down") == shape(down=(1, 2), closed=(1, 2))


def test_a_sibling_rising_while_another_falls_follows_the_highest(make, report):
    """cin + cp -> looked_after + none: 3 -> 6 is increased."""
    family = make.family()
    rising, falling = make.child(family), make.child(family)
    make.episode(rising, "cin", "2022-12-01", "2023-03-31")
    make.episode(rising, "looked_after", "2023-04-01")
    make.episode(falling, "cp", "2022-12-01", "2023-03-31")
    make.referral(family, referred_on="2023-01-10")

    assert report("step_down") == shape(increased=(1, 2))


# --- When a case starts and ends ------------------------------------------------------------


def test_a_case_starts_on_the_earliest_referral_of_its_interventions(make, report):
    """Referred at cin (2) and again at cp (3), cp on as_of: increased from the first."""
    family = make.family()
    child = make.child(family)
    make.episode(child, "cin", "2022-12-01", "2023-02-28")
    make.episode(child, "cp", "2023-03-01")
    make.referral(family, referred_on="2023-03-10")
    make.referral(family, referred_on="2023-01-10")

    assert report("step_down") == shape(increased=(1, 1))


def test_a_case_with_an_intervention_still_open_ends_on_the_report_day(make, report):
    """One intervention closed while at cp, the other open: the end is as_of, at cin."""
    family = make.family()
    child = make.child(family)
    make.episode(child, "cp", "2022-12-01", "2023-03-31")
    make.episode(child, "cin", "2023-04-01")
    make.referral(family, referred_on="2023-01-10", closed_on="2023-02-28")
    make.referral(family, referred_on="2023-01-20")

    assert report("step_down") == shape(down=(1, 1))


def test_a_case_whose_interventions_all_closed_ends_on_the_latest_closure(make, report):
    """Closed on 28 Feb (cp) and 30 April (cin): the end is 30 April, a step down; as_of
    itself, at looked_after, does not count."""
    family = make.family()
    child = make.child(family)
    make.episode(child, "cp", "2022-12-01", "2023-03-31")
    make.episode(child, "cin", "2023-04-01", "2023-05-31")
    make.episode(child, "looked_after", "2023-06-01")
    make.referral(family, referred_on="2023-01-10", closed_on="2023-04-30")
    make.referral(family, referred_on="2023-01-20", closed_on="2023-02-28")

    assert report("step_down") == shape(down=(1, 1))


def test_a_closed_case_whose_end_level_is_zero_counts_in_stepped_down_closed(make, report):
    family = make.family()
    child = make.child(family)
    make.episode(child, "cp", "2022-12-01", "2023-03-31")
    make.episode(child, "cin", "2023-05-01")
    make.referral(family, referred_on="2023-01-10", closed_on="2023-04-15")

    assert report("step_down") == shape(down=(1, 1), closed=(1, 1))


def test_an_intervention_closed_after_the_report_day_is_open_and_the_case_ends_on_it(make, report):
    """Closed on 10 July, after as_of: the case ends on 30 June, still at cp (the episode
    ending on 5 July is still running), not on 10 July (no episode)."""
    family = make.family()
    child = make.child(family)
    make.episode(child, "cp", "2023-01-01", "2023-07-05")
    make.referral(family, referred_on="2023-01-10", closed_on="2023-07-10")

    assert report("step_down", as_of="2023-06-30") == shape(same=(1, 1))


def test_an_intervention_closed_on_the_report_day_is_closed(make, report):
    """Closed on as_of itself: the end is that day either way; the level there counts."""
    family = make.family()
    child = make.child(family)
    make.episode(child, "cp", "2023-01-01", "2023-06-29")
    make.referral(family, referred_on="2023-01-10", closed_on="2023-06-30")

    assert report("step_down", as_of="2023-06-30") == shape(down=(1, 1), closed=(1, 1))


def test_the_baseline_day_includes_an_episode_ending_on_it(make, report):
    """cp ends on the referral day: the baseline is cp (3), the end cin (2)."""
    family = make.family()
    child = make.child(family)
    make.episode(child, "cp", "2022-06-01", "2023-01-10")
    make.episode(child, "cin", "2023-01-11")
    make.referral(family, referred_on="2023-01-10")

    assert report("step_down") == shape(down=(1, 1))


def test_the_baseline_day_includes_an_episode_starting_on_it(make, report):
    family = make.family()
    child = make.child(family)
    make.episode(child, "cin", "2022-06-01", "2023-01-09")
    make.episode(child, "cp", "2023-01-10", "2023-03-31")
    make.episode(child, "cin", "2023-04-01")
    make.referral(family, referred_on="2023-01-10")

    assert report("step_down") == shape(down=(1, 1))


def test_the_end_day_includes_an_episode_starting_on_it(make, report):
    """looked_after starts on the closure day: the end is 6, increased from cp."""
    family = make.family()
    child = make.child(family)
    make.episode(child, "cp", "2022-06-01", "2023-03-30")
    make.episode(child, "looked_after", "2023-03-31")
    make.referral(family, referred_on="2023-01-10", closed_on="2023-03-31")

    assert report("step_down") == shape(increased=(1, 1))


def test_the_end_day_includes_an_episode_ending_on_it(make, report):
    """cp ends on the closure day: the end is cp, the same as the baseline."""
    family = make.family()
    child = make.child(family)
    make.episode(child, "cp", "2022-06-01", "2023-03-31")
    make.referral(family, referred_on="2023-01-10", closed_on="2023-03-31")

    assert report("step_down") == shape(same=(1, 1))


def test_the_report_day_as_end_includes_an_episode_ending_on_it(make, report):
    family = make.family()
    child = make.child(family)
    make.episode(child, "cp", "2022-06-01", "2023-06-30")
    make.referral(family, referred_on="2023-01-10")

    assert report("step_down", as_of="2023-06-30") == shape(same=(1, 1))


# --- A case is made of its engaged interventions in scope -----------------------------------


def test_a_not_engaged_intervention_does_not_move_the_start_of_the_case(make, report):
    """The not-engaged referral of 10 Jan (at cin) is not the case's: it starts at cp."""
    family = make.family()
    child = make.child(family)
    make.episode(child, "cin", "2022-12-01", "2023-02-28")
    make.episode(child, "cp", "2023-03-01")
    make.referral(family, referred_on="2023-01-10", engagement="not_engaged")
    make.referral(family, referred_on="2023-03-10", engagement="engaged")

    assert report("step_down") == shape(same=(1, 1))


def test_a_not_engaged_intervention_still_open_does_not_keep_the_case_open(make, report):
    """The engaged intervention closed on 31 Jan at cp; the open not-engaged one does not
    carry the case to as_of, when the child is no longer on the ladder."""
    family = make.family()
    child = make.child(family)
    make.episode(child, "cp", "2022-12-01", "2023-03-31")
    make.referral(family, referred_on="2023-01-10", closed_on="2023-01-31")
    make.referral(family, referred_on="2023-01-05", engagement="not_engaged")

    assert report("step_down") == shape(same=(1, 1))


def test_an_intervention_of_another_pathway_does_not_move_the_start_of_the_case(make, report):
    family = make.family()
    child = make.child(family)
    make.episode(child, "cin", "2022-12-01", "2023-02-28")
    make.episode(child, "cp", "2023-03-01")
    make.referral(family, referred_on="2023-01-10", pathway="mental_health")
    make.referral(family, referred_on="2023-03-10", pathway="dmt")

    assert report("step_down", pathway="dmt") == shape(same=(1, 1))
    assert report("step_down") == shape(increased=(1, 1))


def test_an_intervention_before_the_range_does_not_move_the_start_of_the_case(make, report):
    family = make.family()
    child = make.child(family)
    make.episode(child, "cin", "2022-12-01", "2023-02-28")
    make.episode(child, "cp", "2023-03-01")
    make.referral(family, referred_on="2023-01-10")
    make.referral(family, referred_on="2023-03-10")

    assert report("step_down", date_from="2023-02-01") == shape(same=(1, 1))


# --- Children ---------------------------------------------------------------------------------


def test_children_are_the_children_of_the_cases_families_in_each_group(make, report):
    down = make.family()
    for _ in range(3):
        child = make.child(down)
        make.episode(child, "cin", "2022-12-01", "2023-03-31")
    make.referral(down, referred_on="2023-01-10")

    same = make.family(children=2)
    make.referral(same, referred_on="2023-01-10")

    up = make.family()
    riser = make.child(up)
    make.child(up)  # never on the ladder, still a child of the case
    make.episode(riser, "early_help", "2023-02-01")
    make.referral(up, referred_on="2023-01-10")

    assert report("step_down") == shape(down=(1, 3), closed=(1, 3), same=(1, 2), increased=(1, 2))


def test_the_adults_of_a_case_are_not_its_children(make, report):
    family = make.family(children=1)
    make.adult(family, Membership.Role.MOTHER)
    make.referral(make.adult(family, Membership.Role.FATHER_FIGURE), referred_on="2023-01-10")

    assert report("step_down")["children"] == 1


def test_a_case_with_no_children_is_a_case_with_no_children(make, report):
    make.referral(make.family(), referred_on="2023-01-10")

    assert report("step_down") == shape(same=(1, 0))


# --- Scope -------------------------------------------------------------------------------------


def test_an_engaged_intervention_referred_after_the_report_day_makes_no_case(make, report):
    family = make.family(children=1)
    make.referral(family, referred_on="2023-07-01")

    assert report("step_down", as_of="2023-06-30") == EMPTY


def test_the_pathway_cohort_and_range_keep_their_cases(make, report):
    kept = make.family(cohort="Pilot", children=1)
    make.referral(kept, referred_on="2023-02-01", pathway="dmt")
    other_cohort = make.family(cohort="Other", children=1)
    make.referral(other_cohort, referred_on="2023-02-01", pathway="dmt")
    other_pathway = make.family(cohort="Pilot", children=1)
    make.referral(other_pathway, referred_on="2023-02-01", pathway="substance_use")
    before = make.family(cohort="Pilot", children=1)
    make.referral(before, referred_on="2023-01-31", pathway="dmt")
    after = make.family(cohort="Pilot", children=1)
    make.referral(after, referred_on="2023-03-01", pathway="dmt")
    last_day = make.family(cohort="Pilot", children=2)
    make.referral(last_day, referred_on="2023-02-28", pathway="dmt")

    data = report(
        "step_down", pathway="dmt", cohort="Pilot", date_from="2023-02-01", date_to="2023-02-28"
    )

    assert data == shape(same=(2, 3))


def test_counts_are_integers(make, report):
    family = make.family(children=1)
    make.referral(family, referred_on="2023-01-10")
    data = report("step_down")

    def walk(value):
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        else:
            assert type(value) is int

    walk(data)


def test_an_open_case_ends_on_the_report_day_whatever_the_ids_of_its_engagement_history(
    make, report
):
    """At scale, an engagement change whose id equalled its referral's id once made every
    open case look closed (end level 0): the case's "still open" test read the wrong row."""
    family = make.family()
    child = make.child(family)
    make.episode(child, "cp", "2022-12-01", "2023-03-31")
    make.episode(child, "cin", "2023-04-01")
    referral = make.referral(family, referred_on="2023-01-10", engagement="engaged")
    EngagementChange.objects.create(
        id=referral.pk, referral=referral, engagement="new", changed_on=datetime.date(2023, 1, 10)
    )
    EngagementChange.objects.create(
        id=referral.pk + 1_000_000,
        referral=referral,
        engagement="engaged",
        changed_on=datetime.date(2023, 1, 20),
    )

    data = report("step_down")

    assert data["stepped_down"] == {
        "cases": 1,
        "children": 1,
        "closed": {"cases": 0, "children": 0},
    }
