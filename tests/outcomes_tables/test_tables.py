"""Outcome reports as labelled tables: labels, key paths, layouts and disclosure control."""

import pytest

from outcomes.tables import LABELS, label, suppress_threshold, tables_for

ENGAGEMENT = {
    "approached": 60,
    "engaged": 30,
    "inconsistent": 6,
    "not_engaged": 7,
    "new": 17,
    "engagement_rate": 30 / 43,
    "engagement_rate_ci95": [0.669, 0.888],
    "children": 41,
}
STEP_DOWN = {
    "cases": 40,
    "children": 65,
    "stepped_down": {"cases": 18, "children": 35, "closed": {"cases": 0, "children": 0}},
    "same": {"cases": 17, "children": 22},
    "increased": {"cases": 5, "children": 8},
}
CHILD_STATUS = {
    "families": 12,
    "children": 25,
    "closed": {"families": 4, "children": 9},
    "re_referred_within_12_months": 1,
    "cp_while_open": {
        "children": 11,
        "already_cp_at_start": 6,
        "stepped_up_from_cin": 3,
        "became_cp_after_start": 2,
        "still_cp": 5,
        "ended": {
            "children": 6,
            "to_cin": 3,
            "to_early_help_or_none": 1,
            "to_cp": 0,
            "stepped_up": 2,
        },
    },
    "entered_care": 2,
    "repeat_cp_within_2_years": 1,
}
PATHWAYS = {
    "mental_health": {
        "referrals": 30,
        "waiting": 8,
        "open": 15,
        "closed": 7,
        "previously_known": {"referrals": 12, "open": 5},
        "median_days_to_allocation": 21,
    },
    "dmt": {
        "referrals": 9,
        "waiting": 6,
        "open": 2,
        "closed": 1,
        "previously_known": {"referrals": 0, "open": 0},
        "median_days_to_allocation": 4.5,
    },
}


def result(report, data, **extra):
    return {
        "report": report,
        "as_of": "2023-06-30",
        "parameters": {"pathway": "dmt", "cohort": "DMT pilot 2022-23", "from": None, "to": None},
        "data": data,
        **extra,
    }


def rows_by_label(table):
    return {row[0].display: row for row in table.rows}


def cell(table, row_label, column):
    return rows_by_label(table)[row_label][table.columns.index(column)]


def all_keys(data):
    for key, value in data.items():
        yield key
        if isinstance(value, dict):
            yield from all_keys(value)


# --- Labels -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "words"),
    [
        ("not_engaged", "Not engaged"),
        ("re_referred_within_12_months", "Re-referred within 12 months"),
        ("cp_while_open", "On a CP plan while open"),
        ("to_early_help_or_none", "To early help or none"),
        ("median_days_to_allocation", "Median days to allocation"),
        ("dmt", "Dads Matter Too"),
        ("mental_health", "Mental health"),
        ("domestic_abuse_victim", "Domestic abuse (victims)"),
    ],
)
def test_spec_keys_are_labelled_in_words(key, words):
    assert label(key) == words


def test_every_key_of_the_spec_examples_has_an_explicit_label():
    for data in (ENGAGEMENT, STEP_DOWN, CHILD_STATUS, *PATHWAYS.values()):
        missing = [key for key in all_keys(data) if key not in LABELS]
        assert missing == []


def test_an_unknown_key_falls_back_to_its_words_and_other_text_stays_as_it_is():
    assert label("named_fathers") == "Named fathers"
    assert label("SASS West 1") == "SASS West 1"


# --- Figure tables ----------------------------------------------------------------------------


def test_engagement_is_one_figure_table_with_a_rate_row():
    (table,) = tables_for(result("engagement", ENGAGEMENT), suppress_below=None)
    assert table.title == "Engagement"
    assert table.columns == ["Figure", "Number", "Out of", "Rate", "95% interval"]
    assert [row[0].display for row in table.rows] == [
        "Approached",
        "Engaged",
        "Inconsistent",
        "Not engaged",
        "New",
        "Engagement rate",
        "Children",
    ]
    assert cell(table, "Not engaged", "Number").value == 7
    assert cell(table, "Engagement rate", "Rate").display == "69.8%"
    assert cell(table, "Engagement rate", "95% interval").display == "66.9% to 88.8%"
    assert cell(table, "Engagement rate", "Number").value == 30
    assert cell(table, "Engagement rate", "Out of").value == 43
    assert cell(table, "Approached", "Rate").display == ""


def test_a_table_without_rates_has_just_figure_and_number():
    (table,) = tables_for(result("step_down", STEP_DOWN), suppress_below=None)
    assert table.columns == ["Figure", "Number"]


def test_nested_figures_are_labelled_by_their_path_and_keyed_by_their_dotted_key():
    (table,) = tables_for(result("step_down", STEP_DOWN), suppress_below=None)
    assert "stepped_down.closed.cases" in table.keys
    index = table.keys.index("stepped_down.closed.cases")
    assert table.rows[index][0].display == "Stepped down – Closed – Cases"
    assert table.rows[index][1].key == "stepped_down.closed.cases"
    assert table.keys[0] == "cases"


def test_child_status_flattens_every_level():
    (table,) = tables_for(result("child_status", CHILD_STATUS), suppress_below=None)
    assert cell(table, "On a CP plan while open – Plan ended – To CIN", "Number").value == 3
    assert cell(table, "Re-referred within 12 months", "Number").key == (
        "re_referred_within_12_months"
    )
    assert len(table.rows) == 17


def test_a_null_rate_shows_a_dash():
    data = {**ENGAGEMENT, "engagement_rate": None, "engagement_rate_ci95": None}
    (table,) = tables_for(result("engagement", data), suppress_below=None)
    rate = cell(table, "Engagement rate", "Rate")
    assert (rate.value, rate.display, rate.suppressed) == (None, "–", False)


def test_a_rate_object_shows_its_number_out_of_rate_and_interval():
    data = {"named": {"numerator": 40, "denominator": 50, "rate": 0.8, "ci95": [0.669, 0.888]}}
    (table,) = tables_for(result("father_inclusion", data), suppress_below=5)
    row = rows_by_label(table)["Named"]
    assert [c.display for c in row] == ["Named", "40", "50", "80.0%", "66.9% to 88.8%"]
    assert [c.key for c in row[1:]] == [
        "named.numerator",
        "named.denominator",
        "named.rate",
        "named.ci95",
    ]


def test_a_list_of_rows_becomes_a_table_of_its_own():
    data = {
        "fathers": 12,
        "by_team": [
            {"team": "SASS West 1", "named": 10, "mean_contacts": 2.25, "n": 10},
            {"team": "SASS Chesil", "named": 7, "mean_contacts": 3.0, "n": 7},
        ],
    }
    figures, by_team = tables_for(result("father_inclusion", data), suppress_below=None)
    assert figures.keys == ["fathers"]
    assert by_team.title == "By team"
    assert by_team.columns == ["Team", "Named", "Mean contacts", "Base (n)"]
    assert by_team.keys == ["by_team.0", "by_team.1"]
    assert [c.display for c in by_team.rows[0]] == ["SASS West 1", "10", "2.2", "10"]
    assert by_team.rows[1][2].value == 3.0
    assert by_team.rows[1][1].key == "by_team.1.named"


# --- Pathways and breakdowns ------------------------------------------------------------------


def test_pathways_render_as_one_table_with_a_row_per_pathway():
    (table,) = tables_for(result("pathways", PATHWAYS), suppress_below=None)
    assert table.title == "Pathways"
    assert table.columns == [
        "Pathway",
        "Referrals",
        "Waiting",
        "Open",
        "Closed",
        "Previously known – Referrals",
        "Previously known – Open",
        "Median days to allocation",
    ]
    assert table.keys == ["mental_health", "dmt"]
    assert cell(table, "Dads Matter Too", "Waiting").key == "dmt.waiting"
    assert cell(table, "Mental health", "Previously known – Open").key == (
        "mental_health.previously_known.open"
    )
    assert cell(table, "Mental health", "Median days to allocation").display == "21"
    assert cell(table, "Dads Matter Too", "Median days to allocation").display == "4.5"


def test_pathways_without_any_intervention_is_an_empty_table():
    (table,) = tables_for(result("pathways", {}), suppress_below=5)
    assert table.rows == [] and table.keys == []


def breakdown(*groups, by="locality", label="Locality"):
    return {
        "by": by,
        "label": label,
        "groups": [{"value": v, "label": lab, "data": data} for v, lab, data in groups],
    }


def test_a_breakdown_adds_a_table_with_a_row_per_group():
    west = {**ENGAGEMENT, "approached": 40}
    chesil = {**ENGAGEMENT, "engaged": 12, "engagement_rate": 12 / 25}
    computed = result(
        "engagement", ENGAGEMENT, breakdown=breakdown(("3", "West", west), ("4", "Chesil", chesil))
    )
    figures, by_locality = tables_for(computed, suppress_below=None)
    assert figures.title == "Engagement"
    assert by_locality.title == "Engagement by locality"
    assert by_locality.columns == [
        "Locality",
        "Approached",
        "Engaged",
        "Inconsistent",
        "Not engaged",
        "New",
        "Engagement rate",
        "Engagement rate – 95% interval",
        "Children",
    ]
    assert [row[0].display for row in by_locality.rows] == ["West", "Chesil"]
    assert by_locality.group_by == "locality"
    assert by_locality.group_values == ["3", "4"]
    assert cell(by_locality, "West", "Approached").value == 40
    assert cell(by_locality, "Chesil", "Engagement rate").display == "48.0%"
    assert cell(by_locality, "Chesil", "Engaged").key == "engaged"


def test_a_breakdown_of_nested_figures_joins_their_labels():
    computed = result(
        "child_status", CHILD_STATUS, breakdown=breakdown(("F", "Female", CHILD_STATUS), by="sex")
    )
    _, by_sex = tables_for(computed, suppress_below=None)
    assert "On a CP plan while open – Plan ended – To early help or none" in by_sex.columns
    assert cell(by_sex, "Female", "Closed – Families").key == "closed.families"


def test_a_breakdown_of_pathways_has_a_column_per_pathway_figure():
    computed = result("pathways", PATHWAYS, breakdown=breakdown(("3", "West", PATHWAYS)))
    pathways, by_locality = tables_for(computed, suppress_below=None)
    assert cell(by_locality, "West", "Dads Matter Too – Waiting").value == 6


def test_lists_in_a_breakdown_gather_into_one_table_led_by_the_group():
    west = {"by_team": [{"team": "SASS West 1", "named": 10}]}
    chesil = {"by_team": [{"team": "SASS Chesil", "named": 7}, {"team": "SASS Chesil 2"}]}
    computed = result(
        "father_inclusion",
        {"by_team": []},
        breakdown=breakdown(("3", "West", west), ("4", "Chesil", chesil)),
    )
    by_team = tables_for(computed, suppress_below=None)[-1]
    assert by_team.title == "By team by locality"
    assert by_team.columns == ["Locality", "Team", "Named"]
    assert [[c.display for c in row] for row in by_team.rows] == [
        ["West", "SASS West 1", "10"],
        ["Chesil", "SASS Chesil", "7"],
        ["Chesil", "SASS Chesil 2", ""],
    ]
    assert by_team.group_values == ["3", "4", "4"]


# --- Suppression ------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [0, 1, 2, 3, 4])
def test_a_count_below_the_threshold_shows_as_less_than_it(count):
    data = {**STEP_DOWN, "increased": {"cases": count, "children": 8}}
    (table,) = tables_for(result("step_down", data), suppress_below=5)
    shown = cell(table, "Increased – Cases", "Number")
    assert shown.display == "<5"
    assert shown.suppressed and shown.value is None
    assert shown.key == "increased.cases"


def test_a_count_at_the_threshold_is_shown():
    (table,) = tables_for(result("step_down", STEP_DOWN), suppress_below=5)
    shown = cell(table, "Increased – Cases", "Number")
    assert (shown.display, shown.value, shown.suppressed) == ("5", 5, False)


def test_the_sign_uses_the_threshold_given():
    (table,) = tables_for(result("step_down", STEP_DOWN), suppress_below=10)
    assert cell(table, "Increased – Children", "Number").display == "<10"
    assert cell(table, "Stepped down – Cases", "Number").display == "18"


def test_nothing_is_suppressed_without_a_threshold():
    (table,) = tables_for(result("step_down", STEP_DOWN), suppress_below=None)
    assert not any(c.suppressed for row in table.rows for c in row)
    assert cell(table, "Stepped down – Closed – Cases", "Number").display == "0"


def test_the_engagement_rate_is_suppressed_when_its_numerator_is():
    data = {**ENGAGEMENT, "engaged": 4, "engagement_rate": 4 / 17}
    (table,) = tables_for(result("engagement", data), suppress_below=5)
    assert cell(table, "Engagement rate", "Rate").display == "Suppressed"
    assert cell(table, "Engagement rate", "95% interval").display == "Suppressed"
    assert cell(table, "Engagement rate", "Rate").value is None
    assert cell(table, "Engagement rate", "Number").display == "<5"


def test_the_engagement_rate_is_shown_when_both_parts_reach_the_threshold():
    (table,) = tables_for(result("engagement", ENGAGEMENT), suppress_below=5)
    assert cell(table, "Engagement rate", "Rate").display == "69.8%"


def test_a_rate_object_is_suppressed_when_its_numerator_or_denominator_is():
    data = {
        "small_numerator": {"numerator": 3, "denominator": 50, "rate": 0.06, "ci95": [0, 0.2]},
        "small_denominator": {"numerator": 4, "denominator": 4, "rate": 1.0, "ci95": [0.5, 1]},
        "fine": {"numerator": 5, "denominator": 50, "rate": 0.1, "ci95": [0.04, 0.2]},
    }
    (table,) = tables_for(result("father_inclusion", data), suppress_below=5)
    assert cell(table, "Small numerator", "Rate").display == "Suppressed"
    assert cell(table, "Small numerator", "Out of").display == "50"
    assert cell(table, "Small denominator", "Rate").display == "Suppressed"
    assert cell(table, "Fine", "Rate").display == "10.0%"


def test_a_rate_whose_parts_are_unknown_is_suppressed_only_when_suppressing():
    data = {"return_rate": 0.4, "return_rate_ci95": [0.2, 0.6]}
    (table,) = tables_for(result("returns", data), suppress_below=5)
    assert cell(table, "Return rate", "Rate").display == "Suppressed"
    (table,) = tables_for(result("returns", data), suppress_below=None)
    assert cell(table, "Return rate", "Rate").display == "40.0%"


def test_a_mean_is_hidden_when_its_n_is_below_the_threshold():
    data = {
        "by_team": [
            {"team": "A", "mean_contacts": 2.5, "n": 4},
            {"team": "B", "mean_contacts": 3.5, "n": 5},
        ]
    }
    (table,) = tables_for(result("contacts", data), suppress_below=5)
    assert table.columns == ["Team", "Mean contacts", "Base (n)"]
    assert [row[1].display for row in table.rows] == ["Suppressed", "3.5"]
    assert [row[2].display for row in table.rows] == ["<5", "5"]
    (table,) = tables_for(result("contacts", data), suppress_below=None)
    assert [row[1].display for row in table.rows] == ["2.5", "3.5"]


def test_a_small_median_is_a_measure_not_a_count():
    (table,) = tables_for(result("pathways", PATHWAYS), suppress_below=None)
    median = cell(table, "Dads Matter Too", "Median days to allocation")
    assert median.kind == "measure"
    data = {"mental_health": {**PATHWAYS["mental_health"], "median_days_to_allocation": 3}}
    (table,) = tables_for(result("pathways", data), suppress_below=5)
    assert cell(table, "Mental health", "Median days to allocation").display == "3"


def test_a_pathways_median_is_hidden_when_few_referrals_were_allocated():
    (table,) = tables_for(result("pathways", PATHWAYS), suppress_below=5)
    # dmt: 9 referrals, 6 waiting, so at most 3 allocated.
    assert cell(table, "Dads Matter Too", "Median days to allocation").display == "Suppressed"
    assert cell(table, "Mental health", "Median days to allocation").display == "21"


def test_a_breakdown_group_is_suppressed_like_the_whole():
    small = {**ENGAGEMENT, "engaged": 3, "engagement_rate": 3 / 16, "children": 0}
    computed = result("engagement", ENGAGEMENT, breakdown=breakdown(("3", "West", small)))
    _, by_locality = tables_for(computed, suppress_below=5)
    assert cell(by_locality, "West", "Engaged").display == "<5"
    assert cell(by_locality, "West", "Children").display == "<5"
    assert cell(by_locality, "West", "Engagement rate").display == "Suppressed"
    assert cell(by_locality, "West", "Engagement rate – 95% interval").display == "Suppressed"


def test_the_threshold_setting_is_read_when_asked(settings):
    settings.OUTCOMES_SUPPRESS_BELOW = 10
    assert suppress_threshold() == 10
    (table,) = tables_for(result("step_down", STEP_DOWN), suppress_below=suppress_threshold())
    assert cell(table, "Increased – Children", "Number").display == "<10"
    settings.OUTCOMES_SUPPRESS_BELOW = 3
    assert suppress_threshold() == 3


def test_the_threshold_defaults_to_five():
    assert suppress_threshold() == 5


# --- Shapes of the further measures -----------------------------------------------------------


def test_a_row_that_is_itself_a_rate_shows_as_one():
    data = {
        "by_role": [
            {"role": "Social worker", "numerator": 6, "denominator": 8, "rate": 0.75, "ci95": None},
            {"role": "Team manager", "numerator": 1, "denominator": 2, "rate": 0.5, "ci95": None},
        ]
    }
    (table,) = tables_for(result("mi_training", data), suppress_below=5)
    assert table.columns == ["Role", "Number", "Out of", "Rate", "95% interval"]
    assert [c.display for c in table.rows[0]] == ["Social worker", "6", "8", "75.0%", "–"]
    assert [c.display for c in table.rows[1]][3] == "Suppressed"
    assert table.rows[0][3].key == "by_role.0.rate"


def test_record_ids_are_left_out_of_tables():
    data = {"by_team": [{"team": "SASS West 1", "team_id": 3, "named": 10}]}
    (table,) = tables_for(result("father_inclusion", data), suppress_below=5)
    assert table.columns == ["Team", "Named"]


def test_a_figure_null_in_one_row_and_broken_down_in_another_keeps_only_its_parts():
    rate = {"numerator": 6, "denominator": 8, "rate": 0.75, "ci95": [0.4, 0.9]}
    data = {
        "before_after_training": [
            {"team": "A", "before": {"named": rate}, "after": None},
            {"team": "B", "before": {"named": rate}, "after": {"named": rate}},
        ]
    }
    (table,) = tables_for(result("father_inclusion", data), suppress_below=None)
    assert "After" not in table.columns
    assert "After – Named – Rate" in table.columns
    after = table.columns.index("After – Named – Rate")
    assert [row[after].display for row in table.rows] == ["", "75.0%"]


def test_a_rate_per_10000_is_hidden_with_the_count_it_is_built_on():
    data = {
        "children_on_cp": 3,
        "child_population": 20000,
        "per_10000": 1.5,
        "by_locality": [],
    }
    (table,) = tables_for(result("cp_rate", data), suppress_below=5)
    assert cell(table, "Per 10,000 children", "Number").display == "Suppressed"
    assert cell(table, "Child population", "Number").display == "20,000"
