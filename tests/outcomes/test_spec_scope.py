"""The shared rules: the parameters every report takes, how they are read and echoed, and what
as_of, the cohort, the range and the pathway keep in scope across the four reports."""

import datetime

import pytest
from django.utils import timezone

from outcomes.reports import REPORTS, SPEC_REPORTS, ReportError, ReportParameters, compute

from .conftest import AS_OF

SPEC_NAMES = ("engagement", "step_down", "child_status", "pathways")


def test_the_four_spec_reports_are_registered():
    assert set(SPEC_REPORTS) == set(SPEC_NAMES)
    for name in SPEC_NAMES:
        assert name in REPORTS


# --- Reading parameters ------------------------------------------------------------------------


def test_parameters_are_parsed_from_text():
    params = ReportParameters.parse(
        as_of="2023-06-30",
        pathway="dmt",
        cohort="DMT pilot 2022-23",
        date_from="2022-01-01",
        date_to="2022-12-31",
    )

    assert params.as_of == datetime.date(2023, 6, 30)
    assert params.pathway == "dmt"
    assert params.cohort == "DMT pilot 2022-23"
    assert params.date_from == datetime.date(2022, 1, 1)
    assert params.date_to == datetime.date(2022, 12, 31)


def test_absent_parameters_are_none():
    params = ReportParameters.parse(as_of="2023-06-30", pathway=None, cohort=None)

    assert params.pathway is None
    assert params.cohort is None
    assert params.date_from is None
    assert params.date_to is None


def test_as_of_defaults_to_today():
    params = ReportParameters.parse(as_of=None)

    assert params.as_of == timezone.localdate()


@pytest.mark.parametrize("option", ["as_of", "date_from", "date_to"])
@pytest.mark.parametrize("value", ["2023-02-30", "30/06/2023", "yesterday", "2023-6"])
def test_a_bad_date_is_a_report_error(option, value):
    with pytest.raises(ReportError) as raised:
        ReportParameters.parse(**{option: value})

    assert "\n" not in str(raised.value)
    assert str(raised.value)


def test_from_after_to_is_a_report_error():
    with pytest.raises(ReportError):
        ReportParameters.parse(as_of="2023-06-30", date_from="2023-02-01", date_to="2023-01-31")


def test_from_equal_to_to_is_one_day():
    params = ReportParameters.parse(
        as_of="2023-06-30", date_from="2023-02-01", date_to="2023-02-01"
    )

    assert params.date_from == params.date_to == datetime.date(2023, 2, 1)


def test_an_unknown_pathway_is_a_report_error():
    with pytest.raises(ReportError) as raised:
        ReportParameters.parse(as_of="2023-06-30", pathway="yoga")

    assert "\n" not in str(raised.value)


@pytest.mark.parametrize(
    "code",
    [
        "dmt",
        "substance_use",
        "domestic_abuse_victim",
        "domestic_abuse_perpetrator",
        "mental_health",
    ],
)
def test_every_specialist_pathway_is_accepted(code):
    assert ReportParameters.parse(as_of="2023-06-30", pathway=code).pathway == code


@pytest.mark.django_db
def test_an_unknown_report_is_a_report_error():
    with pytest.raises(ReportError) as raised:
        compute("nosuch", ReportParameters(as_of=AS_OF))

    assert "\n" not in str(raised.value)


# --- Echoing parameters --------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("name", SPEC_NAMES)
def test_the_result_names_the_report_its_day_and_null_for_absent_parameters(name):
    result = compute(name, ReportParameters(as_of=AS_OF))

    assert set(result) == {"report", "as_of", "parameters", "data"}
    assert result["report"] == name
    assert result["as_of"] == "2023-06-30"
    assert result["parameters"] == {"pathway": None, "cohort": None, "from": None, "to": None}


@pytest.mark.django_db
def test_the_result_echoes_the_parameters_given():
    params = ReportParameters.parse(
        as_of="2023-06-30",
        pathway="dmt",
        cohort="X",
        date_from="2022-01-01",
        date_to="2022-12-31",
    )

    result = compute("engagement", params)

    assert result["parameters"] == {
        "pathway": "dmt",
        "cohort": "X",
        "from": "2022-01-01",
        "to": "2022-12-31",
    }


# --- Scope across the reports ---------------------------------------------------------------


def test_nothing_dated_after_as_of_is_seen_by_any_report(make, report):
    """One family opened, referred, allocated and put on a plan on 1 July 2023: on 30 June
    no report sees any of it; on 1 July every report does."""
    family = make.family(opened_on="2023-07-01")
    child = make.child(family)
    make.episode(child, "cp", "2023-07-01")
    make.referral(family, referred_on="2023-07-01", allocated_on="2023-07-01")

    assert report("engagement", as_of="2023-06-30")["approached"] == 0
    assert report("step_down", as_of="2023-06-30")["cases"] == 0
    assert report("child_status", as_of="2023-06-30")["families"] == 0
    assert report("pathways", as_of="2023-06-30") == {}

    assert report("engagement", as_of="2023-07-01")["approached"] == 1
    assert report("step_down", as_of="2023-07-01")["cases"] == 1
    assert report("child_status", as_of="2023-07-01")["cp_while_open"]["children"] == 1
    assert report("pathways", as_of="2023-07-01")["dmt"]["open"] == 1


def test_the_cohort_label_must_match_exactly(make, report):
    make.referral(make.family(cohort="DMT pilot 2022-23", children=1))
    make.referral(make.family(cohort="DMT pilot 2022-23 extra", children=1))
    make.referral(make.family(cohort="dmt pilot 2022-23", children=1))
    make.referral(make.family(cohort="", children=1))

    assert report("engagement", cohort="DMT pilot 2022-23")["approached"] == 1
    assert report("step_down", cohort="DMT pilot 2022-23")["cases"] == 1
    assert report("child_status", cohort="DMT pilot 2022-23")["families"] == 1
    assert report("pathways", cohort="DMT pilot 2022-23")["dmt"]["referrals"] == 1


def test_with_no_cohort_every_family_is_in_scope(make, report):
    make.referral(make.family(cohort="A"))
    make.referral(make.family(cohort="B"))
    make.referral(make.family(cohort=""))

    assert report("engagement")["approached"] == 3
    assert report("child_status")["families"] == 3


@pytest.mark.parametrize("name", ["engagement", "step_down", "pathways"])
def test_the_range_keeps_interventions_by_referral_not_families_by_opening(make, report, name):
    """The family opened before the range; its intervention was made inside it."""
    family = make.family(opened_on="2020-01-01", children=1)
    make.referral(family, referred_on="2023-02-15")

    data = report(name, date_from="2023-02-01", date_to="2023-02-28")

    count = {
        "engagement": lambda d: d["approached"],
        "step_down": lambda d: d["cases"],
        "pathways": lambda d: d["dmt"]["referrals"],
    }[name](data)
    assert count == 1


def test_child_status_keeps_families_by_opening_not_interventions_by_referral(make, report):
    """The family opened before the range though its intervention was made inside it."""
    family = make.family(opened_on="2020-01-01", children=1)
    make.referral(family, referred_on="2023-02-15")

    assert report("child_status", date_from="2023-02-01", date_to="2023-02-28")["families"] == 0


@pytest.mark.parametrize("name", ["engagement", "step_down", "pathways"])
def test_the_range_boundaries_are_both_included(make, report, name):
    family = make.family(children=1)
    for referred_on in ["2023-01-31", "2023-02-01", "2023-02-28", "2023-03-01"]:
        make.referral(make.adult(family), referred_on=referred_on)
    other = make.family(children=1)
    make.referral(other, referred_on="2023-02-28")

    data = report(name, date_from="2023-02-01", date_to="2023-02-28")

    count = {
        "engagement": lambda d: d["approached"],
        "step_down": lambda d: d["cases"],
        "pathways": lambda d: d["dmt"]["referrals"],
    }[name](data)
    assert count == {"engagement": 3, "step_down": 2, "pathways": 3}[name]


def test_a_range_without_an_end_is_open_on_that_side(make, report):
    family = make.family()
    for referred_on in ["2022-01-01", "2023-02-01", "2023-06-30"]:
        make.referral(family, referred_on=referred_on)

    assert report("engagement", date_from="2023-02-01")["approached"] == 2
    assert report("engagement", date_to="2023-02-01")["approached"] == 2


def test_a_range_ending_after_as_of_still_sees_nothing_after_as_of(make, report):
    family = make.family()
    make.referral(family, referred_on="2023-06-30")
    make.referral(family, referred_on="2023-07-15")

    data = report("engagement", as_of="2023-06-30", date_from="2023-01-01", date_to="2023-12-31")

    assert data["approached"] == 1


def test_the_pathway_keeps_interventions_of_that_pathway_in_every_intervention_report(make, report):
    family = make.family(children=1)
    make.referral(family, pathway="dmt")
    make.referral(family, pathway="domestic_abuse_perpetrator")
    make.referral(make.family(children=1), pathway="domestic_abuse_victim")

    assert report("engagement", pathway="domestic_abuse_victim")["approached"] == 1
    assert report("step_down", pathway="domestic_abuse_victim")["cases"] == 1
    assert set(report("pathways", pathway="domestic_abuse_victim")) == {"domestic_abuse_victim"}
    assert report("engagement", pathway="dmt")["approached"] == 1
