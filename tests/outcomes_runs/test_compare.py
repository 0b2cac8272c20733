"""Cohorts compared with their 95% intervals and a plain sentence about the difference."""

import pytest

from outcomes.compare import GroupRate, comparisons, difference_ci95, sentence


def group(label, numerator, denominator, suppressed=False):
    return GroupRate(label, label, numerator, denominator, suppressed)


def test_the_difference_interval_is_newcombes_hybrid_score_interval():
    # Newcombe (1998), table II, example (a): 56/70 against 48/80 → 0.2 (0.0524 to 0.3339).
    difference, low, high = difference_ci95(group("B", 48, 80), group("A", 56, 70))

    assert difference == pytest.approx(0.2)
    assert low == pytest.approx(0.0524, abs=5e-5)
    assert high == pytest.approx(0.3339, abs=5e-5)


def test_a_difference_whose_interval_includes_zero_is_called_within_noise():
    said = sentence("Engagement rate", group("Pilot", 40, 50), group("Later", 7, 10))

    assert said.startswith("Engagement rate: the difference (Later 70.0%, Pilot 80.0%)")
    assert "is within noise" in said


def test_a_clear_difference_is_said_with_its_direction_and_size():
    said = sentence("Engagement rate", group("Pilot", 40, 50), group("Later", 20, 50))

    assert said.startswith("Engagement rate: Later is 40.0 points lower than Pilot")
    assert "more than chance alone would explain" in said


def test_groups_too_small_to_publish_are_not_compared():
    said = sentence("Engagement rate", group("Pilot", 40, 50), group("Later", 2, 3, True))

    assert "not compared" in said
    assert "%" not in said


def test_a_group_without_cases_cannot_be_compared():
    said = sentence("Engagement rate", group("Pilot", 40, 50), group("Later", 0, 0))

    assert "cannot be compared" in said


def breakdown_result(report, groups):
    return {
        "report": report,
        "breakdown": {
            "by": "cohort",
            "label": "Cohort",
            "groups": [{"value": v, "label": v, "data": d} for v, d in groups],
        },
    }


def test_an_engagement_breakdown_compares_each_cohort_with_the_first():
    data = {"engaged": 40, "inconsistent": 0, "not_engaged": 10, "new": 3}
    later = {"engaged": 10, "inconsistent": 5, "not_engaged": 5, "new": 0}
    result = breakdown_result("engagement", [("Pilot", data), ("Later", later)])

    [comparison] = comparisons(result, suppress_below=5)

    assert comparison.title == "Engagement rate"
    assert [(g.label, g.numerator, g.denominator) for g in comparison.groups] == [
        ("Pilot", 40, 50),
        ("Later", 10, 20),
    ]
    assert comparison.groups[0].ci95 == [0.6696289406777459, 0.887562499842239]
    assert len(comparison.sentences) == 1


def test_small_groups_are_flagged_for_suppression():
    data = {"engaged": 4, "inconsistent": 0, "not_engaged": 1, "new": 0}
    result = breakdown_result("engagement", [("Pilot", data), ("Later", data)])

    [comparison] = comparisons(result, suppress_below=5)

    assert all(g.suppressed for g in comparison.groups)


def test_a_measure_written_as_rate_objects_is_compared_too():
    def rated(n, d):
        return {"numerator": n, "denominator": d, "rate": n / d, "ci95": None}

    result = breakdown_result(
        "father_inclusion",
        [
            ("A", {"children": 20, "named": rated(15, 20)}),
            ("B", {"children": 9, "named": rated(3, 9)}),
        ],
    )

    [comparison] = comparisons(result)

    assert comparison.title == "Named"
    assert [g.numerator for g in comparison.groups] == [15, 3]


def test_no_breakdown_means_nothing_to_compare():
    assert comparisons({"report": "engagement", "data": {}}) == []
