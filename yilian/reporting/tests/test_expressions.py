"""The safe evaluator of computed indicators and rules: arithmetic only, by walking the
parsed tree; everything else is refused with a message."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ..expressions import (
    ExpressionError,
    condition_names,
    evaluate,
    expression_names,
    holds,
)

KNOWN = {"a", "b", "c"}


def test_arithmetic_with_precedence_and_parentheses_in_decimals():
    values = {"a": Decimal("7"), "b": Decimal("2"), "c": Decimal("0.1")}

    assert evaluate("a + b * 3", values) == Decimal("13")
    assert evaluate("(a + b) * 3", values) == Decimal("27")
    assert evaluate("-a / b", values) == Decimal("-3.5")
    assert evaluate("c + c + c", values) == Decimal("0.3")  # decimals, not floats


def test_a_missing_value_or_a_division_by_zero_gives_no_value():
    assert evaluate("a / b", {"a": Decimal(1), "b": Decimal(0)}) is None
    assert evaluate("a + b", {"a": Decimal(1), "b": None}) is None


def test_expression_names_are_the_codes_used():
    assert expression_names("a * 100 / (b + c)", KNOWN) == {"a", "b", "c"}


@pytest.mark.parametrize(
    "text",
    [
        "d + 1",  # not a code of the dataset
        "a.__class__",  # attribute access
        "__import__('os').system('true')",  # a call
        "abs(a)",  # a call of a builtin
        "a[0]",  # a subscript
        "a ** 999999",  # a power
        "'x' + a",  # a string
        "lambda: a",
        "a if b else c",
        "True + a",
        "[a, b]",
        "a; b",
        "",
    ],
)
def test_anything_but_numbers_codes_and_arithmetic_is_refused(text):
    with pytest.raises(ExpressionError):
        expression_names(text, KNOWN)
    with pytest.raises(ExpressionError):
        evaluate(text, dict.fromkeys(KNOWN, Decimal(1)))


def test_an_unknown_name_is_named_in_the_message():
    with pytest.raises(ExpressionError, match="“secret”"):
        expression_names("a + secret", KNOWN)


def test_a_comparison_is_not_an_expression_and_an_expression_not_a_condition():
    with pytest.raises(ExpressionError):
        expression_names("a <= b", KNOWN)
    with pytest.raises(ExpressionError):
        condition_names("a + b", KNOWN)


def test_conditions_hold_or_fail_and_chain():
    values = {"a": Decimal(3), "b": Decimal(5), "c": Decimal(10)}

    assert holds("a <= b", values) is True
    assert holds("a > b", values) is False
    assert holds("a * 2 == c - 4", values) is True
    assert holds("a < b < c", values) is True
    assert holds("a < c < b", values) is False
    assert holds("a != a", values) is False


def test_a_condition_over_a_missing_value_is_not_checked():
    assert holds("a <= b", {"a": Decimal(1), "b": None}) is None


def test_overlong_expressions_are_refused():
    with pytest.raises(ExpressionError):
        expression_names("+".join(["a"] * 200), KNOWN)
