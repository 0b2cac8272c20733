"""engagement: over the interventions in scope, counts by engagement, the engagement rate with
its Wilson interval, and the distinct children of the families of the engaged interventions."""

import pytest

from families.models import Membership
from outcomes.reports import wilson

pytestmark = pytest.mark.django_db


def test_an_empty_scope_approaches_no_one_and_has_no_rate(report):
    assert report("engagement") == {
        "approached": 0,
        "engaged": 0,
        "inconsistent": 0,
        "not_engaged": 0,
        "new": 0,
        "engagement_rate": None,
        "engagement_rate_ci95": None,
        "children": 0,
    }


def test_every_intervention_in_scope_is_approached_and_counted_by_its_engagement(make, report):
    family = make.family(children=1)
    for engagement, how_many in [("engaged", 2), ("inconsistent", 1), ("not_engaged", 1)]:
        for _ in range(how_many):
            make.referral(family, engagement=engagement)
    for _ in range(3):
        make.referral(family, engagement="new")

    data = report("engagement")

    assert data["approached"] == 7
    assert data["engaged"] == 2
    assert data["inconsistent"] == 1
    assert data["not_engaged"] == 1
    assert data["new"] == 3


def test_the_rate_is_engaged_over_engaged_inconsistent_and_not_engaged_leaving_new_out(
    make, report
):
    family = make.family()
    make.referral(family, engagement="engaged")
    make.referral(family, engagement="engaged")
    make.referral(family, engagement="inconsistent")
    make.referral(family, engagement="not_engaged")
    make.referral(family, engagement="new")
    make.referral(family, engagement="new")

    data = report("engagement")

    assert data["engagement_rate"] == 0.5
    assert data["engagement_rate_ci95"] == wilson(2, 4)
    assert data["engagement_rate_ci95"] == pytest.approx([0.15003898915214953, 0.8499610108478505])


def test_inconsistent_engagement_is_in_the_denominator_but_not_the_numerator(make, report):
    family = make.family()
    make.referral(family, engagement="engaged")
    make.referral(family, engagement="inconsistent")
    make.referral(family, engagement="inconsistent")

    data = report("engagement")

    assert data["engagement_rate"] == pytest.approx(1 / 3)
    assert data["engagement_rate_ci95"] == wilson(1, 3)


def test_when_every_intervention_is_new_the_rate_and_its_interval_are_null(make, report):
    family = make.family(children=2)
    make.referral(family, engagement="new")
    make.referral(family, engagement="new")

    data = report("engagement")

    assert data["approached"] == 2
    assert data["new"] == 2
    assert data["engagement_rate"] is None
    assert data["engagement_rate_ci95"] is None
    assert data["children"] == 0


def test_no_engaged_intervention_is_a_rate_of_zero_with_an_interval_from_zero(make, report):
    family = make.family()
    make.referral(family, engagement="not_engaged")
    make.referral(family, engagement="not_engaged")

    data = report("engagement")

    assert data["engagement_rate"] == 0
    assert data["engagement_rate_ci95"] == wilson(0, 2)
    assert data["engagement_rate_ci95"][0] == 0.0


def test_all_engaged_is_a_rate_of_one(make, report):
    family = make.family()
    make.referral(family, engagement="engaged")

    data = report("engagement")

    assert data["engagement_rate"] == 1
    assert data["engagement_rate_ci95"] == wilson(1, 1)
    assert data["engagement_rate_ci95"][1] == 1.0


def test_the_published_rate_of_40_engaged_in_50_has_the_published_interval(make, report):
    family = make.family()
    for _ in range(40):
        make.referral(family, engagement="engaged")
    for _ in range(10):
        make.referral(family, engagement="not_engaged")

    data = report("engagement")

    assert data["engagement_rate"] == 0.8
    assert data["engagement_rate_ci95"] == [0.6696289406777459, 0.887562499842239]


def test_children_are_the_children_of_the_families_of_engaged_interventions(make, report):
    engaged_family = make.family(children=2)
    make.referral(engaged_family, engagement="engaged")
    for engagement in ["inconsistent", "not_engaged", "new"]:
        other = make.family(children=3)
        make.referral(other, engagement=engagement)

    assert report("engagement")["children"] == 2


def test_children_are_counted_once_when_two_adults_of_their_family_are_engaged(make, report):
    family = make.family(children=3)
    make.referral(make.adult(family, Membership.Role.FATHER), engagement="engaged")
    make.referral(make.adult(family, Membership.Role.MOTHER), engagement="engaged")

    data = report("engagement")

    assert data["engaged"] == 2
    assert data["children"] == 3


def test_children_are_counted_once_when_one_adult_is_engaged_on_two_pathways(make, report):
    family = make.family(children=2)
    father = make.adult(family)
    make.referral(father, pathway="dmt", engagement="engaged")
    make.referral(father, pathway="substance_use", engagement="engaged")

    assert report("engagement")["children"] == 2


def test_adults_of_an_engaged_family_are_not_children(make, report):
    family = make.family(children=1)
    make.adult(family, Membership.Role.MOTHER)
    make.adult(family, Membership.Role.CARER)
    make.adult(family, Membership.Role.OTHER_ADULT)
    make.referral(family, engagement="engaged")  # for a new father

    assert report("engagement")["children"] == 1


def test_children_of_two_engaged_families_add_up(make, report):
    make.referral(make.family(children=2), engagement="engaged")
    make.referral(make.family(children=1), engagement="engaged")
    make.referral(make.family(children=0), engagement="engaged")

    assert report("engagement")["children"] == 3


def test_a_family_with_an_engaged_and_a_not_engaged_intervention_counts_its_children(make, report):
    family = make.family(children=2)
    make.referral(family, engagement="not_engaged")
    make.referral(family, engagement="engaged")

    assert report("engagement")["children"] == 2


def test_children_of_an_engaged_intervention_outside_the_pathway_are_not_counted(make, report):
    family = make.family(children=2)
    make.referral(family, pathway="mental_health", engagement="engaged")
    make.referral(family, pathway="dmt", engagement="not_engaged")

    data = report("engagement", pathway="dmt")

    assert data["approached"] == 1
    assert data["children"] == 0


# --- Engagement as of as_of ------------------------------------------------------------------


def test_engagement_is_read_from_the_history_as_of_the_report_day(make, report):
    referral = make.referral(make.family(children=1), engagement="not_engaged")
    make.engagement_change(referral, "new", "2023-01-01")
    make.engagement_change(referral, "engaged", "2023-02-01")
    make.engagement_change(referral, "not_engaged", "2023-07-01")  # the day after as_of

    data = report("engagement", as_of="2023-06-30")

    assert data["engaged"] == 1
    assert data["not_engaged"] == 0
    assert data["children"] == 1


def test_a_change_made_on_the_report_day_is_seen(make, report):
    referral = make.referral(make.family(), engagement="engaged")
    make.engagement_change(referral, "new", "2023-01-01")
    make.engagement_change(referral, "engaged", "2023-06-30")

    data = report("engagement", as_of="2023-06-30")

    assert data["engaged"] == 1
    assert data["new"] == 0


def test_an_earlier_report_day_sees_the_engagement_of_that_day(make, report):
    referral = make.referral(make.family(), engagement="engaged")
    make.engagement_change(referral, "new", "2023-01-01")
    make.engagement_change(referral, "inconsistent", "2023-02-01")
    make.engagement_change(referral, "engaged", "2023-05-01")

    assert report("engagement", as_of="2023-01-31")["new"] == 1
    assert report("engagement", as_of="2023-02-01")["inconsistent"] == 1
    assert report("engagement", as_of="2023-04-30")["inconsistent"] == 1
    assert report("engagement", as_of="2023-05-01")["engaged"] == 1


def test_an_intervention_with_no_history_keeps_its_current_engagement(make, report):
    make.referral(make.family(), engagement="inconsistent")

    assert report("engagement")["inconsistent"] == 1


def test_the_latest_change_wins_whatever_order_the_history_was_recorded_in(make, report):
    referral = make.referral(make.family(), engagement="new")
    make.engagement_change(referral, "engaged", "2023-03-01")
    make.engagement_change(referral, "not_engaged", "2023-02-01")

    assert report("engagement")["engaged"] == 1


# --- Scope -------------------------------------------------------------------------------------


def test_an_intervention_referred_after_the_report_day_is_not_approached(make, report):
    family = make.family(children=1)
    make.referral(family, referred_on="2023-06-30", engagement="not_engaged")
    make.referral(family, referred_on="2023-07-01", engagement="engaged")

    data = report("engagement", as_of="2023-06-30")

    assert data["approached"] == 1
    assert data["engaged"] == 0
    assert data["children"] == 0


def test_closed_interventions_are_still_approached(make, report):
    family = make.family(children=1)
    make.referral(family, referred_on="2022-01-01", closed_on="2022-06-01", engagement="engaged")

    data = report("engagement")

    assert data["approached"] == 1
    assert data["engaged"] == 1
    assert data["children"] == 1


def test_the_pathway_keeps_only_its_interventions(make, report):
    family = make.family()
    make.referral(family, pathway="dmt", engagement="engaged")
    make.referral(family, pathway="substance_use", engagement="not_engaged")
    make.referral(family, pathway="mental_health", engagement="not_engaged")

    data = report("engagement", pathway="dmt")

    assert data["approached"] == 1
    assert data["engagement_rate"] == 1


def test_the_cohort_keeps_only_interventions_of_families_with_that_label(make, report):
    pilot = make.family(cohort="Pilot", children=2)
    other = make.family(cohort="Other", children=1)
    unlabelled = make.family(children=1)
    make.referral(pilot, engagement="engaged")
    make.referral(other, engagement="engaged")
    make.referral(unlabelled, engagement="engaged")

    data = report("engagement", cohort="Pilot")

    assert data["approached"] == 1
    assert data["children"] == 2


def test_from_and_to_keep_interventions_referred_in_the_range_both_ends_included(make, report):
    family = make.family()
    for referred_on in ["2023-01-31", "2023-02-01", "2023-02-15", "2023-02-28", "2023-03-01"]:
        make.referral(family, referred_on=referred_on, engagement="engaged")

    data = report("engagement", date_from="2023-02-01", date_to="2023-02-28")

    assert data["approached"] == 3


def test_the_data_has_exactly_the_spec_keys(make, report):
    make.referral(make.family(), engagement="engaged")

    assert set(report("engagement")) == {
        "approached",
        "engaged",
        "inconsistent",
        "not_engaged",
        "new",
        "engagement_rate",
        "engagement_rate_ci95",
        "children",
    }


def test_counts_are_integers(make, report):
    make.referral(make.family(children=1), engagement="engaged")
    data = report("engagement")

    for key in ["approached", "engaged", "inconsistent", "not_engaged", "new", "children"]:
        assert type(data[key]) is int, key
