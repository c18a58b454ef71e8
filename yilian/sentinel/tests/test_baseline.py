"""The rule arithmetic against figures worked out by hand."""

from __future__ import annotations

import math

from ..baseline import judge, limit_of, moving_baseline
from ..models import RuleKind

HISTORY = [10, 12, 11, 13, 9, 10, 12, 11]
# By hand: mean 88 / 8 = 11; squared deviations 1+1+0+4+4+1+1+0 = 12; sample variance
# 12 / 7; SD √(12/7) = 1.30931; limit 11 + 2 × 1.30931 = 13.61861.
LIMIT = 11 + 2 * math.sqrt(12 / 7)


def test_moving_baseline_is_mean_plus_k_sample_sd():
    mean, limit = moving_baseline(HISTORY, 2)
    assert mean == 11
    assert math.isclose(limit, 13.618614, abs_tol=1e-6)
    assert math.isclose(limit, LIMIT)


def test_no_baseline_from_fewer_than_three_weeks():
    assert moving_baseline([10, 30], 2) is None


def test_baseline_rule_fires_above_the_limit_only():
    fired = judge(
        kind=RuleKind.BASELINE, value=14, history=HISTORY, threshold=None, k=2, min_count=5
    )
    assert fired is not None
    assert fired.baseline == 11.0 and fired.threshold == round(LIMIT, 2) == 13.62
    assert (
        judge(kind=RuleKind.BASELINE, value=13, history=HISTORY, threshold=None, k=2, min_count=5)
        is None
    )


def test_minimum_count_silences_small_numbers():
    # 4 is far above a baseline of ones, but below the minimum count.
    history = [1, 1, 2, 1, 1, 1, 2, 1]
    assert (
        judge(kind=RuleKind.BASELINE, value=4, history=history, threshold=None, k=2, min_count=5)
        is None
    )
    assert (
        judge(kind=RuleKind.BASELINE, value=5, history=history, threshold=None, k=2, min_count=5)
        is not None
    )


def test_threshold_rule_fires_when_the_value_reaches_it():
    assert (
        judge(kind=RuleKind.THRESHOLD, value=29, history=[], threshold=30, k=2, min_count=1) is None
    )
    fired = judge(kind=RuleKind.THRESHOLD, value=30, history=[], threshold=30, k=2, min_count=1)
    assert fired is not None and fired.threshold == 30 and fired.baseline is None


def test_limit_of_is_the_limit_whether_or_not_it_is_crossed():
    band = limit_of(kind=RuleKind.BASELINE, history=HISTORY, threshold=None, k=2)
    assert (band.threshold, band.baseline) == (round(LIMIT, 2), 11.0)
    assert band == judge(
        kind=RuleKind.BASELINE, value=14, history=HISTORY, threshold=None, k=2, min_count=5
    )
    fixed = limit_of(kind=RuleKind.THRESHOLD, history=[], threshold=30, k=2)
    assert (fixed.threshold, fixed.baseline) == (30.0, None)
    assert limit_of(kind=RuleKind.BASELINE, history=[10, 30], threshold=None, k=2) is None
