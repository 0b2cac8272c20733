"""Secondary suppression: a count hidden as "<5" must not be recoverable by subtracting the
shown counts from a shown total, along a row (parts of a figure) or down a column (the groups
of a breakdown, the rows of a list). The next smallest count is hidden too, as "Suppressed",
and every table, comparison and export follows the same decision."""

import csv
import io

import pytest
from openpyxl import load_workbook

from outcomes.compare import comparisons
from outcomes.exports import to_csv, to_xlsx
from outcomes.tables import disclosure, tables_for

from .test_tables import breakdown, cell, result


def step_down(stepped_down: int, same: int, increased: int, *, total: bool = True) -> dict:
    """step_down data whose cases add up (children are twice the cases, all shown)."""
    data = {
        "stepped_down": {"cases": stepped_down, "children": 20},
        "same": {"cases": same, "children": 20},
        "increased": {"cases": increased, "children": 20},
    }
    if total:
        data = {"cases": stepped_down + same + increased, "children": 60, **data}
    return data


def displays(table, column="Number"):
    return {row[0].display: row[table.columns.index(column)].display for row in table.rows}


# --- Along a row ------------------------------------------------------------------------------


def test_one_small_part_of_a_shown_total_hides_the_next_smallest_part_too():
    (table,) = tables_for(result("step_down", step_down(20, 16, 3)), suppress_below=5)

    shown = displays(table)
    assert shown["Increased – Cases"] == "<5"
    # 39 - 20 - 16 would be 3: the smallest other part is hidden as well.
    assert shown["Same level – Cases"] == "Suppressed"
    assert shown["Stepped down – Cases"] == "20"
    assert shown["Cases"] == "39"
    assert cell(table, "Same level – Cases", "Number").value is None
    assert cell(table, "Same level – Cases", "Number").suppressed


def test_without_suppression_every_part_is_shown():
    (table,) = tables_for(result("step_down", step_down(20, 16, 3)), suppress_below=None)

    assert displays(table)["Same level – Cases"] == "16"
    assert displays(table)["Increased – Cases"] == "3"


def test_two_small_parts_that_cannot_be_told_apart_need_nothing_more():
    (table,) = tables_for(result("step_down", step_down(33, 3, 4)), suppress_below=5)

    shown = displays(table)
    # 40 - 33 = 7 could be 3 and 4, or 4 and 3: neither is known.
    assert (shown["Same level – Cases"], shown["Increased – Cases"]) == ("<5", "<5")
    assert shown["Stepped down – Cases"] == "33"


@pytest.mark.parametrize(("same", "increased"), [(0, 0), (4, 4)])
def test_two_small_parts_known_to_be_both_0_or_both_the_most_are_protected(same, increased):
    # Two "<5" adding up to 0 are both 0; adding up to 8, both 4.
    (table,) = tables_for(result("step_down", step_down(30, same, increased)), suppress_below=5)

    assert displays(table)["Stepped down – Cases"] == "Suppressed"


def test_a_small_part_without_its_total_shown_hides_nothing_more():
    (table,) = tables_for(result("step_down", step_down(20, 16, 3, total=False)), suppress_below=5)

    shown = displays(table)
    assert shown["Increased – Cases"] == "<5"
    assert shown["Same level – Cases"] == "16"
    assert shown["Stepped down – Cases"] == "20"


def engagement(engaged: int, inconsistent: int, not_engaged: int, new: int) -> dict:
    decided = engaged + inconsistent + not_engaged
    return {
        "approached": decided + new,
        "engaged": engaged,
        "inconsistent": inconsistent,
        "not_engaged": not_engaged,
        "new": new,
        "engagement_rate": engaged / decided,
        "engagement_rate_ci95": [0.38, 0.69],
        "children": 30,
    }


def test_the_engagement_figures_add_up_to_those_approached_and_the_rate_is_kept_if_it_can_be():
    (table,) = tables_for(result("engagement", engagement(20, 9, 8, 3)), suppress_below=5)

    shown = displays(table)
    assert shown["New"] == "<5"
    # 40 - 20 - 9 - 8 would give the 3 new: the 8 not engaged is hidden; 37 decided (the
    # rate's "Out of") - 20 - 9 would then give the 8, so the 9 is hidden; 40 approached - 37
    # would still give the 3: the 40 is hidden rather than the 37 the rate rests on.
    assert shown["Not engaged"] == "Suppressed"
    assert shown["Inconsistent"] == "Suppressed"
    assert shown["Approached"] == "Suppressed"
    assert shown["Engaged"] == "20"
    assert cell(table, "Engagement rate", "Out of").display == "37"
    assert cell(table, "Engagement rate", "Rate").display == "54.1%"


def test_when_everyone_engaged_the_count_and_its_rate_are_hidden_not_those_approached():
    (table,) = tables_for(result("engagement", engagement(12, 0, 0, 0)), suppress_below=5)

    shown = displays(table)
    # 12 approached, 12 engaged: the others would be known to be 0.
    assert shown["Approached"] == "12"
    assert shown["Engaged"] == "Suppressed"
    assert cell(table, "Engagement rate", "Out of").display == "Suppressed"
    assert cell(table, "Engagement rate", "Rate").display == "Suppressed"
    assert cell(table, "Engagement rate", "95% interval").display == "Suppressed"


def test_each_pathways_referrals_are_its_waiting_open_and_closed():
    data = {
        "dmt": {"referrals": 30, "waiting": 2, "open": 18, "closed": 10},
        "mental_health": {"referrals": 30, "waiting": 8, "open": 12, "closed": 10},
    }
    (table,) = tables_for(result("pathways", data), suppress_below=5)

    assert cell(table, "Dads Matter Too", "Waiting").display == "<5"
    assert cell(table, "Dads Matter Too", "Closed").display == "Suppressed"
    assert cell(table, "Dads Matter Too", "Open").display == "18"
    assert cell(table, "Mental health", "Waiting").display == "8"


# --- Down a column ----------------------------------------------------------------------------


def test_a_small_group_of_a_breakdown_with_the_whole_shown_hides_the_next_smallest_group():
    whole = {"families": 30, "entered_care": 15}
    computed = result(
        "child_status",
        whole,
        breakdown=breakdown(
            ("3", "West", {"families": 10, "entered_care": 3}),
            ("4", "Chesil", {"families": 10, "entered_care": 7}),
            ("5", "Wyke", {"families": 10, "entered_care": 5}),
        ),
    )

    figures, by_locality = tables_for(computed, suppress_below=5)

    assert displays(figures)["Entered care"] == "15"
    column = {row[0].display: row[2].display for row in by_locality.rows}
    assert column == {"West": "<5", "Chesil": "7", "Wyke": "Suppressed"}
    assert [row[1].display for row in by_locality.rows] == ["10", "10", "10"]


def test_a_lists_rows_add_up_to_the_figure_beside_the_list():
    data = {
        "children": 24,
        "by_team": [
            {"team": "SASS West 1", "team_id": 1, "children": 4},
            {"team": "SASS Chesil", "team_id": 2, "children": 12},
            {"team": "SASS Wyke", "team_id": 3, "children": 8},
        ],
    }
    _, by_team = tables_for(result("father_inclusion", data), suppress_below=5)

    assert [row[1].display for row in by_team.rows] == ["<5", "12", "Suppressed"]


def test_a_teams_children_before_and_after_its_training_add_up_to_its_row():
    def rates(children):
        return {"children": children}

    data = {
        "by_team": [{"team": "West", "team_id": 1, "children": 20}],
        "before_after_training": [
            {"team": "West", "team_id": 1, "before": rates(3), "after": rates(17)},
        ],
    }
    _, before_after = tables_for(result("father_inclusion", data), suppress_below=5)

    assert [c.display for c in before_after.rows[0][1:]] == ["<5", "Suppressed"]


def test_a_breakdowns_comparison_hides_what_its_table_hides():
    def engagement(engaged, not_engaged):
        return {
            "approached": engaged + not_engaged + 10,
            "engaged": engaged,
            "inconsistent": 5,
            "not_engaged": not_engaged,
            "new": 5,
        }

    computed = {
        "report": "engagement",
        "data": engagement(40, 17),
        "breakdown": breakdown(
            ("Pilot", "Pilot", engagement(37, 7)),
            ("Later", "Later", engagement(3, 10)),
            by="cohort",
            label="Cohort",
        ),
    }

    [comparison] = comparisons(computed, suppress_below=5)

    pilot, later = comparison.groups
    # 40 engaged in all less Later's "<5" would give Pilot's 37: both rates are hidden.
    assert (later.numerator_text, later.suppressed) == ("<5", True)
    assert (pilot.numerator_text, pilot.suppressed) == ("Suppressed", True)
    assert "not compared" in comparison.sentences[0]


# --- One decision for every output ------------------------------------------------------------


def test_the_csv_and_the_workbook_hide_exactly_the_cells_the_tables_hide():
    computed = result("step_down", step_down(20, 16, 3))
    (table,) = tables_for(computed, suppress_below=5)
    page = {(row[0].display, row[1].display) for row in table.rows}

    rows = list(csv.reader(io.StringIO(to_csv(computed, suppress_below=5))))
    book = load_workbook(io.BytesIO(to_xlsx(computed, suppress_below=5)))
    sheet = {(str(a), str(b)) for a, b in book["Step down"].iter_rows(min_row=2, values_only=True)}

    assert {tuple(row) for row in rows if len(row) == 2 and row[0] in dict(page)} >= page
    assert sheet == page
    assert ("Same level – Cases", "Suppressed") in page
    assert "16" not in {value for _, value in sheet}


def test_the_decision_names_every_hidden_count_the_drill_down_must_refuse():
    computed = result("step_down", step_down(20, 16, 3))

    found = disclosure(computed, suppress_below=5)

    assert found.hides("increased.cases") and found.hides("same.cases")
    assert found.shows("stepped_down.cases") and found.shows("cases")
    assert not found.shows("nonsense") and not found.shows("cases", group="3")
    assert disclosure(computed, suppress_below=None).shows("increased.cases")
