"""The arithmetic of alert rules, kept free of the database so it can be checked by hand."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from decimal import Decimal

from .models import MIN_BASELINE_POINTS, RuleKind


@dataclass(frozen=True)
class Verdict:
    """Why a value raised an alert: the limit it crossed and, for baseline rules, the
    moving average it was compared with."""

    threshold: float
    baseline: float | None


def moving_baseline(history: list[int], k: Decimal | float) -> tuple[float, float] | None:
    """(mean, mean + k·SD) of ``history`` — the sample standard deviation (n − 1), so a
    short history gives a wider band. ``None`` below ``MIN_BASELINE_POINTS`` weeks."""
    if len(history) < MIN_BASELINE_POINTS:
        return None
    mean = statistics.fmean(history)
    sd = statistics.stdev(history)
    return mean, mean + float(k) * sd


def _band_verdict(mean: float, limit: float) -> Verdict:
    return Verdict(threshold=round(limit, 2), baseline=round(mean, 2))


def limit_of(
    *, kind: str, history: list[int], threshold: int | None, k: Decimal | float
) -> Verdict | None:
    """The limit (and baseline) a rule applies to a week with this ``history``, whether or
    not the week's value crosses it — what an alert shows once a corrected report no longer
    breaks the rule. ``None`` when the rule has no limit here (too short a history)."""
    if kind == RuleKind.THRESHOLD:
        return Verdict(threshold=float(threshold), baseline=None) if threshold is not None else None
    band = moving_baseline(history, k)
    return _band_verdict(*band) if band is not None else None


def judge(
    *,
    kind: str,
    value: int,
    history: list[int],
    threshold: int | None,
    k: Decimal | float,
    min_count: int,
) -> Verdict | None:
    """The verdict when ``value`` breaks the rule, else ``None``.

    A threshold rule fires when the value reaches the threshold; a baseline rule when it
    exceeds mean + k·SD of ``history``. Neither fires below ``min_count``."""
    if value < min_count:
        return None
    if kind == RuleKind.THRESHOLD:
        if threshold is not None and value >= threshold:
            return Verdict(threshold=float(threshold), baseline=None)
        return None
    band = moving_baseline(history, k)
    if band is None:
        return None
    mean, limit = band
    if value > limit:
        return _band_verdict(mean, limit)
    return None
