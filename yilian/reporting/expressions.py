"""The small arithmetic language of datasets: computed indicators and cross-field rules.

An *expression* is numbers, indicator codes, ``+ - * /`` and parentheses
(``discharges * 100 / beds``). A *condition* compares expressions
(``infections <= discharges``, ``0 <= a - b <= 10``). Both are parsed with Python's
``ast`` and only the node types listed here are accepted — no names that are not
indicator codes, no attribute access, no calls, no subscripts, no powers — and they are
evaluated by walking that tree with ``Decimal``; nothing is ever passed to ``eval``.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Collection, Mapping
from decimal import Decimal, DivisionByZero, InvalidOperation

from django.utils.translation import gettext

MAX_LENGTH = 300
MAX_NODES = 100

_BINARY: dict[type[ast.operator], Callable[[Decimal, Decimal], Decimal]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}
_COMPARE: dict[type[ast.cmpop], Callable[[Decimal, Decimal], bool]] = {
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
}


class ExpressionError(ValueError):
    """What is wrong with an expression, in words an administrator understands."""


def _tree(text: str) -> ast.expr:
    text = (text or "").strip()
    if not text:
        raise ExpressionError(gettext("Write the expression."))
    if len(text) > MAX_LENGTH:
        raise ExpressionError(
            gettext("Keep the expression to %(max)d characters.") % {"max": MAX_LENGTH}
        )
    try:
        parsed = ast.parse(text, mode="eval")
    except SyntaxError:
        raise ExpressionError(gettext("The expression cannot be read.")) from None
    if sum(1 for _node in ast.walk(parsed)) > MAX_NODES:
        raise ExpressionError(gettext("The expression is too long."))
    return parsed.body


def _check_arithmetic(node: ast.expr, known: Collection[str]) -> set[str]:
    """The codes ``node`` uses; ``ExpressionError`` for anything but the allowed nodes."""
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, int | float):
            raise ExpressionError(gettext("Only numbers may be written as values."))
        return set()
    if isinstance(node, ast.Name):
        if node.id not in known:
            raise ExpressionError(
                gettext("“%(name)s” is not the code of a number indicator of this dataset.")
                % {"name": node.id}
            )
        return {node.id}
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        return _check_arithmetic(node.operand, known)
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        return _check_arithmetic(node.left, known) | _check_arithmetic(node.right, known)
    if isinstance(node, ast.Compare):
        raise ExpressionError(gettext("A comparison is not allowed here."))
    raise ExpressionError(
        gettext("Only numbers, indicator codes, + - * / and parentheses are allowed.")
    )


def expression_names(text: str, known: Collection[str]) -> set[str]:
    """Check an arithmetic expression; the indicator codes it uses."""
    return _check_arithmetic(_tree(text), known)


def condition_names(text: str, known: Collection[str]) -> set[str]:
    """Check a condition (expressions joined by comparisons); the codes it uses."""
    node = _tree(text)
    if not isinstance(node, ast.Compare) or any(type(op) not in _COMPARE for op in node.ops):
        raise ExpressionError(
            gettext("A rule compares expressions with <, <=, >, >=, == or !=, e.g. a <= b.")
        )
    names: set[str] = set()
    for part in [node.left, *node.comparators]:
        names |= _check_arithmetic(part, known)
    return names


def _value(node: ast.expr, values: Mapping[str, Decimal | None]) -> Decimal | None:
    """The value of a checked arithmetic node; None when a code has no value or the
    arithmetic is undefined (a division by zero)."""
    if isinstance(node, ast.Constant):
        return Decimal(str(node.value))
    if isinstance(node, ast.Name):
        return values.get(node.id)
    if isinstance(node, ast.UnaryOp):
        operand = _value(node.operand, values)
        if operand is None:
            return None
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.BinOp):
        left, right = _value(node.left, values), _value(node.right, values)
        if left is None or right is None:
            return None
        try:
            return _BINARY[type(node.op)](left, right)
        except (DivisionByZero, InvalidOperation, ZeroDivisionError):
            return None
    raise ExpressionError(gettext("The expression cannot be evaluated."))


def evaluate(text: str, values: Mapping[str, Decimal | None]) -> Decimal | None:
    """The value of an expression over ``values`` (codes not given count as missing)."""
    node = _tree(text)
    _check_arithmetic(node, values.keys())
    return _value(node, values)


def holds(text: str, values: Mapping[str, Decimal | None]) -> bool | None:
    """Whether a condition holds over ``values``; None when a value it needs is missing
    (then the rule is not checked: a required indicator says so itself)."""
    node = _tree(text)
    condition_names(text, values.keys())
    assert isinstance(node, ast.Compare)
    left = _value(node.left, values)
    for op, right_node in zip(node.ops, node.comparators, strict=True):
        right = _value(right_node, values)
        if left is None or right is None:
            return None
        if not _COMPARE[type(op)](left, right):
            return False
        left = right
    return True
