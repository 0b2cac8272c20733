"""The Wilson score 95% interval every rate carries, and rates that have no denominator."""

import math

import pytest

from outcomes.reports import wilson

# The z of a two-sided 95% interval, to the digits the published figures use.
Z = 1.959963984540054


def textbook_wilson(successes: int, total: int) -> list[float]:
    p = successes / total
    centre = (p + Z * Z / (2 * total)) / (1 + Z * Z / total)
    half = Z * math.sqrt(p * (1 - p) / total + Z * Z / (4 * total * total)) / (1 + Z * Z / total)
    return [centre - half, centre + half]


def test_the_published_interval_of_40_engaged_out_of_50_is_reproduced_to_the_last_digit():
    assert wilson(40, 50) == [0.6696289406777459, 0.887562499842239]


def test_a_rate_with_no_denominator_has_no_interval():
    assert wilson(0, 0) is None


@pytest.mark.parametrize(
    ("successes", "total"), [(2, 4), (1, 2), (3, 7), (18, 40), (1, 1000), (999, 1000)]
)
def test_the_interval_is_the_wilson_score_interval_at_95_percent(successes, total):
    low, high = wilson(successes, total)
    expected_low, expected_high = textbook_wilson(successes, total)
    assert low == pytest.approx(expected_low, rel=1e-12, abs=1e-15)
    assert high == pytest.approx(expected_high, rel=1e-12, abs=1e-15)


def test_none_out_of_ten_has_a_lower_bound_of_exactly_zero():
    low, high = wilson(0, 10)
    assert low == 0.0
    assert high == pytest.approx(0.2775327998628892, rel=1e-12)


def test_ten_out_of_ten_has_an_upper_bound_of_exactly_one():
    low, high = wilson(10, 10)
    assert low == pytest.approx(0.7224672001371107, rel=1e-12)
    assert high == 1.0


@pytest.mark.parametrize("total", [1, 2, 5, 13, 17, 40, 99])
def test_none_or_all_successes_reach_exactly_zero_or_one(total):
    """The Wilson bound of 0/n is 0 and of n/n is 1 exactly, not a rounding residue."""
    assert wilson(0, total)[0] == 0.0
    assert wilson(total, total)[1] == 1.0


def test_the_interval_is_a_list_of_two_floats_low_first_within_zero_and_one():
    for successes, total in [(0, 1), (1, 1), (1, 3), (7, 9), (50, 50)]:
        interval = wilson(successes, total)
        assert isinstance(interval, list)
        assert len(interval) == 2
        low, high = interval
        assert isinstance(low, float) and isinstance(high, float)
        assert 0.0 <= low <= successes / total <= high <= 1.0


def test_the_interval_is_symmetric_between_successes_and_failures():
    low, high = wilson(3, 7)
    mirror_low, mirror_high = wilson(4, 7)
    assert low == pytest.approx(1 - mirror_high, abs=1e-15)
    assert high == pytest.approx(1 - mirror_low, abs=1e-15)
