"""pathways: for each pathway with interventions in scope, as of as_of, its referrals, how
many wait, are open or closed, those previously known, and the median days to allocation."""

import pytest

pytestmark = pytest.mark.django_db


def test_no_intervention_in_scope_is_no_pathway(report):
    assert report("pathways") == {}


def test_a_pathway_is_listed_only_when_it_has_interventions_in_scope(make, report):
    family = make.family()
    make.referral(family, pathway="dmt")
    make.referral(family, pathway="mental_health", referred_on="2023-07-01")

    assert set(report("pathways", as_of="2023-06-30")) == {"dmt"}


def test_each_pathway_is_keyed_by_its_code(make, report):
    family = make.family()
    codes = [
        "dmt",
        "substance_use",
        "domestic_abuse_victim",
        "domestic_abuse_perpetrator",
        "mental_health",
    ]
    for code in codes:
        make.referral(family, pathway=code)

    data = report("pathways")

    assert set(data) == set(codes)
    for code in codes:
        assert data[code]["referrals"] == 1


def test_a_worked_example_gives_every_figure(make, report):
    """Referred in 2023; as_of 30 June. Allocated after 10, 20 and 30 days (one of them now
    closed), one waiting, one closed without allocation; two previously known, one of them open."""
    family = make.family()
    make.referral(
        family, pathway="mental_health", referred_on="2023-03-01", allocated_on="2023-03-11"
    )
    make.referral(
        family,
        pathway="mental_health",
        referred_on="2023-03-01",
        allocated_on="2023-03-21",
        previously_known=True,
    )
    make.referral(
        family,
        pathway="mental_health",
        referred_on="2023-03-01",
        allocated_on="2023-03-31",
        closed_on="2023-05-31",
        previously_known=True,
    )
    make.referral(family, pathway="mental_health", referred_on="2023-06-01", previously_known=False)
    make.referral(family, pathway="mental_health", referred_on="2023-04-01", closed_on="2023-04-15")

    assert report("pathways", as_of="2023-06-30") == {
        "mental_health": {
            "referrals": 5,
            "waiting": 1,
            "open": 2,
            "closed": 2,
            "previously_known": {"referrals": 2, "open": 1},
            "median_days_to_allocation": 20,
        }
    }


# --- Waiting, open and closed as of as_of ----------------------------------------------------


def test_an_unallocated_open_referral_is_waiting(make, report):
    make.referral(make.family(), referred_on="2023-01-01")

    data = report("pathways")["dmt"]

    assert (data["waiting"], data["open"], data["closed"]) == (1, 0, 0)


def test_an_allocated_open_referral_is_open(make, report):
    make.referral(make.family(), referred_on="2023-01-01", allocated_on="2023-01-05")

    data = report("pathways")["dmt"]

    assert (data["waiting"], data["open"], data["closed"]) == (0, 1, 0)


def test_a_closed_referral_is_closed_whether_or_not_it_was_allocated(make, report):
    family = make.family()
    make.referral(
        family, referred_on="2023-01-01", allocated_on="2023-01-05", closed_on="2023-03-01"
    )
    make.referral(family, referred_on="2023-01-01", closed_on="2023-02-01")

    data = report("pathways")["dmt"]

    assert (data["referrals"], data["waiting"], data["open"], data["closed"]) == (2, 0, 0, 2)


def test_a_referral_allocated_after_the_report_day_is_still_waiting(make, report):
    make.referral(make.family(), referred_on="2023-06-01", allocated_on="2023-07-01")

    data = report("pathways", as_of="2023-06-30")["dmt"]

    assert (data["waiting"], data["open"], data["closed"]) == (1, 0, 0)
    assert data["median_days_to_allocation"] is None


def test_a_referral_allocated_on_the_report_day_is_open(make, report):
    make.referral(make.family(), referred_on="2023-06-01", allocated_on="2023-06-30")

    data = report("pathways", as_of="2023-06-30")["dmt"]

    assert (data["waiting"], data["open"], data["closed"]) == (0, 1, 0)
    assert data["median_days_to_allocation"] == 29


def test_a_referral_closed_after_the_report_day_is_open(make, report):
    make.referral(
        make.family(), referred_on="2023-01-01", allocated_on="2023-01-05", closed_on="2023-07-01"
    )

    data = report("pathways", as_of="2023-06-30")["dmt"]

    assert (data["waiting"], data["open"], data["closed"]) == (0, 1, 0)


def test_an_unallocated_referral_closed_after_the_report_day_is_waiting(make, report):
    make.referral(make.family(), referred_on="2023-01-01", closed_on="2023-07-01")

    data = report("pathways", as_of="2023-06-30")["dmt"]

    assert (data["waiting"], data["open"], data["closed"]) == (1, 0, 0)


def test_a_referral_closed_on_the_report_day_is_closed(make, report):
    make.referral(
        make.family(), referred_on="2023-01-01", allocated_on="2023-01-05", closed_on="2023-06-30"
    )

    data = report("pathways", as_of="2023-06-30")["dmt"]

    assert (data["waiting"], data["open"], data["closed"]) == (0, 0, 1)


def test_a_referral_made_after_the_report_day_is_not_counted(make, report):
    family = make.family()
    make.referral(family, referred_on="2023-06-30")
    make.referral(family, referred_on="2023-07-01")

    assert report("pathways", as_of="2023-06-30")["dmt"]["referrals"] == 1


def test_waiting_open_and_closed_add_up_to_referrals(make, report):
    family = make.family()
    make.referral(family, referred_on="2023-01-01")
    make.referral(family, referred_on="2023-01-01", allocated_on="2023-02-01")
    make.referral(
        family, referred_on="2023-01-01", allocated_on="2023-02-01", closed_on="2023-05-01"
    )
    make.referral(family, referred_on="2023-01-01", allocated_on="2023-08-01")
    make.referral(
        family, referred_on="2023-01-01", allocated_on="2023-02-01", closed_on="2023-08-01"
    )

    data = report("pathways", as_of="2023-06-30")["dmt"]

    assert data["referrals"] == 5
    assert (data["waiting"], data["open"], data["closed"]) == (2, 2, 1)


def test_engagement_does_not_decide_what_is_counted(make, report):
    family = make.family()
    for engagement in ["new", "engaged", "inconsistent", "not_engaged"]:
        make.referral(family, engagement=engagement)

    assert report("pathways")["dmt"]["referrals"] == 4


# --- Previously known -----------------------------------------------------------------------


def test_previously_known_counts_referrals_known_before_and_those_of_them_open(make, report):
    family = make.family()
    make.referral(family, allocated_on="2023-01-10", previously_known=True)  # open
    make.referral(family, previously_known=True)  # waiting
    make.referral(family, allocated_on="2023-01-10", closed_on="2023-03-01", previously_known=True)
    make.referral(family, allocated_on="2023-01-10", previously_known=False)
    make.referral(family, allocated_on="2023-01-10", previously_known=None)

    data = report("pathways")["dmt"]

    assert data["previously_known"] == {"referrals": 3, "open": 1}


def test_previously_known_and_closed_after_the_report_day_is_open(make, report):
    make.referral(
        make.family(),
        referred_on="2023-01-01",
        allocated_on="2023-01-10",
        closed_on="2023-07-01",
        previously_known=True,
    )

    data = report("pathways", as_of="2023-06-30")["dmt"]

    assert data["previously_known"] == {"referrals": 1, "open": 1}


def test_not_known_and_unknown_are_not_previously_known(make, report):
    family = make.family()
    make.referral(family, allocated_on="2023-01-10", previously_known=False)
    make.referral(family, allocated_on="2023-01-10", previously_known=None)

    assert report("pathways")["dmt"]["previously_known"] == {"referrals": 0, "open": 0}


# --- Median days to allocation --------------------------------------------------------------


def _allocated_after(make, pathway: str, *days: int, **fields) -> None:
    """Referrals on 1 Jan 2023 allocated after each number of days."""
    import datetime

    family = make.family()
    for count in days:
        make.referral(
            family,
            pathway=pathway,
            referred_on="2023-01-01",
            allocated_on=datetime.date(2023, 1, 1) + datetime.timedelta(days=count),
            **fields,
        )


def test_the_median_of_an_odd_number_is_the_middle_value_as_an_integer(make, report):
    _allocated_after(make, "dmt", 30, 10, 21)

    median = report("pathways")["dmt"]["median_days_to_allocation"]

    assert median == 21
    assert type(median) is int


def test_the_median_of_an_even_number_is_the_mean_of_the_two_middle_values(make, report):
    _allocated_after(make, "dmt", 5, 20, 22, 90)

    median = report("pathways")["dmt"]["median_days_to_allocation"]

    assert median == 21.0
    assert type(median) is float


def test_the_median_of_two_values_can_be_a_half_day(make, report):
    _allocated_after(make, "dmt", 20, 21)

    assert report("pathways")["dmt"]["median_days_to_allocation"] == 20.5


def test_a_referral_allocated_on_the_day_it_was_made_took_zero_days(make, report):
    _allocated_after(make, "dmt", 0)

    median = report("pathways")["dmt"]["median_days_to_allocation"]

    assert median == 0
    assert type(median) is int


def test_the_median_is_null_when_no_referral_is_allocated(make, report):
    family = make.family()
    make.referral(family)
    make.referral(family, closed_on="2023-02-01")

    assert report("pathways")["dmt"]["median_days_to_allocation"] is None


def test_the_median_counts_allocated_referrals_since_closed(make, report):
    _allocated_after(make, "dmt", 10, closed_on="2023-03-01")
    _allocated_after(make, "dmt", 40)
    _allocated_after(make, "dmt", 50)

    assert report("pathways")["dmt"]["median_days_to_allocation"] == 40


def test_the_median_leaves_out_waiting_referrals_and_allocations_after_the_report_day(make, report):
    _allocated_after(make, "dmt", 10, 20, 30)
    make.referral(make.family(), referred_on="2023-01-01")  # waiting
    make.referral(make.family(), referred_on="2023-06-01", allocated_on="2023-07-01")

    assert report("pathways", as_of="2023-06-30")["dmt"]["median_days_to_allocation"] == 20


def test_each_pathway_has_its_own_median(make, report):
    _allocated_after(make, "dmt", 10)
    _allocated_after(make, "mental_health", 30, 40)

    data = report("pathways")

    assert data["dmt"]["median_days_to_allocation"] == 10
    assert data["mental_health"]["median_days_to_allocation"] == 35.0


# --- Scope ---------------------------------------------------------------------------------


def test_the_pathway_keeps_only_that_pathway(make, report):
    family = make.family()
    make.referral(family, pathway="dmt")
    make.referral(family, pathway="substance_use")

    data = report("pathways", pathway="substance_use")

    assert set(data) == {"substance_use"}


def test_the_pathway_with_no_interventions_in_scope_gives_no_data(make, report):
    make.referral(make.family(), pathway="dmt")

    assert report("pathways", pathway="mental_health") == {}


def test_the_cohort_keeps_referrals_of_families_with_that_label(make, report):
    make.referral(make.family(cohort="Pilot"), pathway="dmt")
    make.referral(make.family(cohort="Pilot"), pathway="dmt")
    make.referral(make.family(cohort="Other"), pathway="dmt")
    make.referral(make.family(cohort="Other"), pathway="mental_health")

    data = report("pathways", cohort="Pilot")

    assert set(data) == {"dmt"}
    assert data["dmt"]["referrals"] == 2


def test_from_and_to_keep_referrals_made_in_the_range_both_ends_included(make, report):
    family = make.family()
    for referred_on in ["2023-01-31", "2023-02-01", "2023-02-28", "2023-03-01"]:
        make.referral(family, referred_on=referred_on)

    data = report("pathways", date_from="2023-02-01", date_to="2023-02-28")

    assert data["dmt"]["referrals"] == 2


def test_counts_are_integers(make, report):
    _allocated_after(make, "dmt", 10, previously_known=True)
    data = report("pathways")["dmt"]

    for key in ["referrals", "waiting", "open", "closed"]:
        assert type(data[key]) is int, key
    for key in ["referrals", "open"]:
        assert type(data["previously_known"][key]) is int, key
