"""Indicator rates of a seeded registry (the demo's STEMI definition) against fractions
worked out by hand from ten cases: exclusions, missing data, drafts and cases outside the
period included."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest

from yilian.orgs.models import Hospital

from ..selectors import FigureFilters, indicator_rates
from .conftest import PERIOD_END, PERIOD_START

pytestmark = pytest.mark.django_db

PERIOD = FigureFilters(start=PERIOD_START, end=PERIOD_END)


@pytest.fixture
def ten_cases(stemi, staff_a, staff_b, report):
    """Hospital A: five submitted cases and a draft; hospital B: three submitted cases and
    one discharged after the period. Arrival 08:00; times below are minutes after it."""
    # 1: everything on time.
    report(staff_a, stemi, aspirin_after=30, balloon_after=60)
    # 2: aspirin after 25 hours, balloon at 95 minutes, no β-blocker.
    report(staff_a, stemi, aspirin_after=1500, balloon_after=95, beta_blocker=False)
    # 3: no aspirin, thrombolysed, β-blocker contraindicated (excluded), no statin.
    report(
        staff_a,
        stemi,
        aspirin=False,
        reperfusion="溶栓",
        balloon_after=None,
        beta_blocker=False,
        contraindicated=True,
        statin=False,
    )
    # 4: aspirin given but its time missing; primary PCI without the balloon time; transferred.
    report(staff_a, stemi, aspirin_after=None, balloon_after=None, status="转院")
    # 5: balloon at exactly 90 minutes; died (outside the discharge-medication indicators).
    report(staff_a, stemi, aspirin_after=60, balloon_after=90, status="死亡")
    # 6: a draft: never counted.
    report(staff_a, stemi, submit=False, aspirin=False, beta_blocker=False, statin=False)
    # 7: on time, no statin.
    report(staff_b, stemi, aspirin_after=20, balloon_after=80, statin=False)
    # 8: no aspirin, no reperfusion.
    report(staff_b, stemi, aspirin=False, reperfusion="未行再灌注", balloon_after=None)
    # 9: aspirin at 100 minutes, thrombolysed, no β-blocker.
    report(
        staff_b,
        stemi,
        aspirin_after=100,
        reperfusion="溶栓",
        balloon_after=None,
        beta_blocker=False,
    )
    # 10: discharged after the period: not counted.
    report(staff_b, stemi, discharged=date(2025, 4, 2), balloon_after=120, statin=False)


# indicator → (hospital A, hospital B) as (numerator, denominator, excluded, incomplete)
EXPECTED = {
    # A: 1 met, 2 not (25 h), 3 not (no aspirin), 4 unknown time, 5 met. B: 7, 9 met; 8 not.
    "aspirin_24h": ((2, 4, 0, 1), (2, 3, 0, 0)),
    # Primary PCI only. A: 1 met, 2 not (95), 4 unknown, 5 met (90 ≤ 90). B: 7 met.
    "d2b_90": ((2, 3, 0, 1), (1, 1, 0, 0)),
    # Alive. A: 1 met, 2 not, 3 excluded, 4 met (5 died). B: 7, 8 met, 9 not.
    "beta_blocker": ((2, 3, 1, 0), (2, 3, 0, 0)),
    # Alive. A: 1, 2, 4 met, 3 not. B: 8, 9 met, 7 not.
    "statin": ((3, 4, 0, 0), (2, 3, 0, 0)),
}


def _figures(tally):
    return (tally.numerator, tally.denominator, tally.excluded, tally.incomplete)


def _percent(numerator: int, denominator: int) -> float:
    return round(float(Fraction(100 * numerator, denominator)), 1)


def test_rates_per_hospital_and_for_the_alliance_match_the_hand_computed_fractions(
    ten_cases, stemi, hospital_a, hospital_b
):
    board = indicator_rates(stemi, PERIOD)

    assert [i.code for i in board.indicators] == list(EXPECTED)
    assert board.cases == 8  # five of A and three of B: the draft and case 10 left out
    by_hospital = {r.hospital: r for r in board.hospitals}
    assert set(by_hospital) == {hospital_a, hospital_b}
    assert (by_hospital[hospital_a].cases, by_hospital[hospital_b].cases) == (5, 3)
    for code, (a, b) in EXPECTED.items():
        tally_a = by_hospital[hospital_a].tallies[code]
        tally_b = by_hospital[hospital_b].tallies[code]
        assert _figures(tally_a) == a, code
        assert _figures(tally_b) == b, code
        assert tally_a.rate == _percent(a[0], a[1]), code
        assert tally_b.rate == _percent(b[0], b[1]), code
        pooled = board.alliance[code]
        assert _figures(pooled) == tuple(x + y for x, y in zip(a, b, strict=True)), code
        assert pooled.rate == _percent(a[0] + b[0], a[1] + b[1]), code
    # Written out once, to be sure of the arithmetic above.
    assert board.alliance["aspirin_24h"].rate == 57.1  # 4 / 7
    assert board.alliance["d2b_90"].rate == 75.0  # 3 / 4
    assert board.alliance["beta_blocker"].rate == 66.7  # 4 / 6
    assert board.alliance["statin"].rate == 71.4  # 5 / 7


def test_the_period_decides_which_discharges_count(ten_cases, stemi, hospital_b):
    april = indicator_rates(stemi, FigureFilters(start=date(2025, 4, 1), end=date(2025, 4, 30)))

    assert [r.hospital for r in april.hospitals] == [hospital_b]
    # Case 10 alone: aspirin on time, balloon at 120 minutes, no statin.
    assert _figures(april.alliance["aspirin_24h"]) == (1, 1, 0, 0)
    assert _figures(april.alliance["d2b_90"]) == (0, 1, 0, 0)
    assert _figures(april.alliance["statin"]) == (0, 1, 0, 0)


def test_a_tier_filter_narrows_the_alliance_but_a_hospital_still_sees_itself(
    ten_cases, stemi, hospital_a, hospital_b
):
    hospital_b.tier = Hospital.Tier.CITY
    hospital_b.save(update_fields=["tier"])
    county = FigureFilters(start=PERIOD_START, end=PERIOD_END, tier=Hospital.Tier.COUNTY)

    board = indicator_rates(stemi, county, own_hospital=hospital_b)

    assert [r.hospital for r in board.hospitals] == [hospital_a]
    assert board.cases == 5
    assert _figures(board.alliance["statin"]) == EXPECTED["statin"][0]
    assert board.own is not None and board.own.hospital == hospital_b
    assert _figures(board.own.tallies["statin"]) == EXPECTED["statin"][1]


def test_a_province_filter_keeps_only_that_provinces_hospitals(ten_cases, stemi):
    elsewhere = FigureFilters(start=PERIOD_START, end=PERIOD_END, province="110000")

    board = indicator_rates(stemi, elsewhere)

    assert board.hospitals == [] and board.cases == 0
    assert all(t.rate is None for t in board.alliance.values())
