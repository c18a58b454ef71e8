"""Typed values and computed indicators, without the database."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from ..models import Indicator
from ..services import compute, parse_value


def _ind(code: str, kind: str, **fields) -> Indicator:
    return Indicator(code=code, label=code, type=kind, **fields)


def test_numbers_accept_thousands_separators_and_percent_signs():
    number = _ind("n", "number")
    percentage = _ind("p", "percentage", min_value=Decimal(0), max_value=Decimal(100))

    assert parse_value(number, "1,234.5") == (Decimal("1234.5"), None)
    assert parse_value(percentage, "96.5%") == (Decimal("96.5"), None)
    assert parse_value(number, 12) == (Decimal(12), None)
    assert parse_value(number, "1.23456")[1] is not None  # more than 4 decimal places
    assert parse_value(number, "NaN")[1] is not None
    assert "0 to 100" in parse_value(percentage, "101")[1]


def test_dates_and_choices():
    day = _ind("d", "date")
    choice = _ind("c", "choice", choices=["甲", "乙"])

    assert parse_value(day, "2026-03-01") == (date(2026, 3, 1), None)
    assert parse_value(day, "03/01/2026")[1] is not None
    assert parse_value(choice, "乙") == ("乙", None)
    assert "甲、乙" in parse_value(choice, "丙")[1]


def test_computed_values_chain_round_and_give_up_beyond_what_a_report_holds():
    indicators = [
        _ind("a", "number"),
        _ind("b", "number"),
        _ind("total", "computed", expression="ratio * b", decimals=0),  # uses a later one
        _ind("ratio", "computed", expression="a / b", decimals=2),
    ]
    values = compute(indicators, {"a": Decimal(2), "b": Decimal(3)})
    assert values["ratio"] == Decimal("0.67")
    assert values["total"] == Decimal("2")  # 0.67 × 3 = 2.01 → 2

    huge = compute(indicators, {"a": Decimal("9e13"), "b": Decimal("1e-4")})
    assert huge["ratio"] is None and huge["total"] is None
