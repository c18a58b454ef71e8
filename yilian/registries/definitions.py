"""What a disease registry is made of, as data, and the one engine that reads it.

A registry defines, in JSON checked here when the platform administrator saves it:

* **ICD-10 patterns** — ``"I21.*"`` (the category and every subcategory), ``"I21"`` (the
  category alone, with or without a subcategory), ``"I21.4"`` (exactly that code).
* **The case-report form** — a list of fields ``{"key", "label", "type", "required",
  "min", "max", "options", "help"}``; ``type`` is one of :class:`FieldType`.
* **Derived values** — ``{"key", "label", "from", "to", "unit"}``: the time from one
  date/datetime field to another in minutes, hours or days (door-to-balloon minutes from
  arrival and balloon inflation). Computed, never typed; missing if either end is.
* **Quality indicators** — ``{"code", "name", "denominator", "exclusions", "numerator",
  "target"}`` where the three rules are conditions of the small language below.

The condition language (no ``eval``: a fixed tree of dicts walked by :func:`evaluate`)::

    {"all": [cond, …]}   {"any": [cond, …]}   {"not": cond}
    {"field": key, "op": "eq"|"ne"|"lt"|"le"|"gt"|"ge", "value": v}
    {"field": key, "op": "in"|"not_in", "value": [v, …]}
    {"field": key, "op": "is_set"|"is_missing"}

``field`` names a form field, a derived value or a built-in case value (admission and
discharge dates, length of stay, age at admission). Conditions are three-valued: a
comparison with a missing value is *unknown*, ``all``/``any``/``not`` follow Kleene's
logic. A case whose denominator or numerator is unknown is counted as **incomplete** —
kept out of the rate and reported beside it — so missing data neither passes nor fails
an indicator silently; an exclusion applies only when it is known to be true.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class FieldType(models.TextChoices):
    NUMBER = "number", gettext_lazy("number")
    YES_NO = "yes_no", gettext_lazy("yes / no")
    CHOICE = "choice", gettext_lazy("choice")
    DATE = "date", gettext_lazy("date")
    DATETIME = "datetime", gettext_lazy("date and time")
    TEXT = "text", gettext_lazy("text")


class Unit(models.TextChoices):
    MINUTES = "minutes", gettext_lazy("minutes")
    HOURS = "hours", gettext_lazy("hours")
    DAYS = "days", gettext_lazy("days")


_UNIT_SECONDS: dict[str, int] = {"minutes": 60, "hours": 3600, "days": 86400}

# Built-in values every case has (the case's own columns), usable in conditions and as the
# ends of derived durations.
BUILTINS: dict[str, tuple[str, Any]] = {
    "admission_date": (FieldType.DATE, gettext_lazy("admission date")),
    "discharge_date": (FieldType.DATE, gettext_lazy("discharge date")),
    "length_of_stay_days": (FieldType.NUMBER, gettext_lazy("length of stay (days)")),
    "age": (FieldType.NUMBER, gettext_lazy("age at admission")),
}

COMPARISONS = ("eq", "ne", "lt", "le", "gt", "ge")
MEMBERSHIP = ("in", "not_in")
PRESENCE = ("is_set", "is_missing")
OPS = COMPARISONS + MEMBERSHIP + PRESENCE
# Which comparisons make sense for a type (eq/ne and membership work for every type).
_ORDERED = {FieldType.NUMBER, FieldType.DATE, FieldType.DATETIME}

_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_ICD = re.compile(r"^[A-Z][0-9]{2}(\.[0-9A-Z]{1,4})?$")
_PATTERN = re.compile(r"^[A-Z][0-9]{2}(\.\*|\.[0-9A-Z]{1,4})?$")
_MAX_DEPTH = 8


# --- ICD-10 -------------------------------------------------------------------------------


def normalise_icd(code: str) -> str:
    """``"i21.4 "`` → ``"I21.4"``; ``"I214"`` → ``"I21.4"`` (the dot is often left out)."""
    value = (code or "").strip().upper().replace(" ", "")
    if "." not in value and len(value) > 3:
        value = f"{value[:3]}.{value[3:]}"
    return value.rstrip(".")


def clean_icd_patterns(patterns: Iterable[str]) -> list[str]:
    """The patterns normalised and checked; ``ValidationError`` naming each bad one."""
    if isinstance(patterns, str | bytes) or not isinstance(patterns, Iterable):
        raise ValidationError(_("The ICD-10 codes must be a list."), code="icd_patterns")
    cleaned: list[str] = []
    for raw in patterns:
        value = (raw if isinstance(raw, str) else str(raw or "")).strip().upper()
        if not value:
            continue
        if not _PATTERN.match(value):
            raise ValidationError(
                _("“%(p)s” is not an ICD-10 pattern: write I21, I21.* or I21.4.") % {"p": raw},
                code="icd_pattern",
            )
        if value not in cleaned:
            cleaned.append(value)
    if not cleaned:
        raise ValidationError(_("Give at least one ICD-10 code or pattern."), code="icd_none")
    return cleaned


def icd_matches(code: str, patterns: Sequence[str]) -> bool:
    """Whether the diagnosis ``code`` falls under one of the registry's ``patterns``."""
    value = normalise_icd(code)
    if not _ICD.match(value):
        return False
    category = value[:3]
    for pattern in patterns:
        if pattern.endswith(".*"):
            if category == pattern[:3]:
                return True
        elif "." in pattern:
            if value == pattern:
                return True
        elif category == pattern:
            return True
    return False


# --- the form -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    type: str
    required: bool = False
    min: Decimal | None = None
    max: Decimal | None = None
    options: tuple[str, ...] = ()
    help: str = ""


@dataclass(frozen=True)
class Derived:
    key: str
    label: str
    start: str
    end: str
    unit: str


def _number(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError("a yes/no is not a number")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ValueError("not a number") from None
    if not number.is_finite():
        raise ValueError("not a finite number")
    return number


def clean_fields(raw: Any) -> list[Field]:
    """The form definition, checked; every problem is named by its field's position."""
    if not isinstance(raw, list) or not raw:
        raise ValidationError(_("The form needs a list of at least one field."), code="fields")
    errors: list[str] = []
    fields: list[Field] = []
    seen: set[str] = set(BUILTINS)
    for n, item in enumerate(raw, start=1):
        where = _("Field %(n)d") % {"n": n}
        if not isinstance(item, dict):
            errors.append(
                _("%(where)s: give an object with key, label and type.") % {"where": where}
            )
            continue
        key = str(item.get("key", ""))
        if not _KEY.match(key):
            errors.append(
                _(
                    "%(where)s: the key “%(key)s” must start with a letter and hold only "
                    "lower-case letters, digits and _."
                )
                % {"where": where, "key": key}
            )
            continue
        where = f"{where} ({key})"
        if key in seen:
            errors.append(_("%(where)s: this key is used twice.") % {"where": where})
            continue
        seen.add(key)
        label = str(item.get("label", "")).strip()
        kind = item.get("type")
        if not label:
            errors.append(_("%(where)s: give the label shown on the form.") % {"where": where})
        if kind not in FieldType.values:
            errors.append(
                _("%(where)s: the type must be one of %(types)s.")
                % {"where": where, "types": ", ".join(FieldType.values)}
            )
            continue
        options: tuple[str, ...] = ()
        if kind == FieldType.CHOICE:
            raw_options = item.get("options")
            if not isinstance(raw_options, list) or len(raw_options) < 2:
                errors.append(
                    _("%(where)s: a choice needs at least two options.") % {"where": where}
                )
                continue
            options = tuple(str(o).strip() for o in raw_options)
            if len(set(options)) != len(options) or "" in options:
                errors.append(
                    _("%(where)s: options must be different and not empty.") % {"where": where}
                )
                continue
        try:
            low, high = _number(item.get("min")), _number(item.get("max"))
        except ValueError:
            errors.append(_("%(where)s: min and max must be numbers.") % {"where": where})
            continue
        if (low is not None or high is not None) and kind != FieldType.NUMBER:
            errors.append(_("%(where)s: only a number field has min and max.") % {"where": where})
            continue
        if low is not None and high is not None and low > high:
            errors.append(_("%(where)s: min is above max.") % {"where": where})
            continue
        fields.append(
            Field(
                key=key,
                label=label,
                type=kind,
                required=bool(item.get("required", False)),
                min=low,
                max=high,
                options=options,
                help=str(item.get("help", "")).strip(),
            )
        )
    if errors:
        raise ValidationError(errors, code="fields")
    return fields


def clean_derived(raw: Any, fields: Sequence[Field]) -> list[Derived]:
    """Derived durations: both ends must be date or datetime fields (or built-in dates)."""
    if raw in (None, ""):
        return []
    if not isinstance(raw, list):
        raise ValidationError(_("Derived values must be a list."), code="derived")
    timed = {f.key for f in fields if f.type in (FieldType.DATE, FieldType.DATETIME)}
    timed |= {k for k, (t, _label) in BUILTINS.items() if t == FieldType.DATE}
    taken = {f.key for f in fields} | set(BUILTINS)
    errors: list[str] = []
    derived: list[Derived] = []
    for n, item in enumerate(raw, start=1):
        where = _("Derived value %(n)d") % {"n": n}
        if not isinstance(item, dict):
            errors.append(_("%(where)s: give an object.") % {"where": where})
            continue
        key = str(item.get("key", ""))
        if not _KEY.match(key) or key in taken:
            errors.append(
                _("%(where)s: the key “%(key)s” is not a new key of letters, digits and _.")
                % {"where": where, "key": key}
            )
            continue
        taken.add(key)
        start, end = item.get("from"), item.get("to")
        if not isinstance(start, str) or not isinstance(end, str) or {start, end} - timed:
            errors.append(
                _("%(where)s: “from” and “to” must name date or date-and-time fields.")
                % {"where": where}
            )
            continue
        unit = item.get("unit", Unit.MINUTES)
        if unit not in Unit.values:
            errors.append(
                _("%(where)s: the unit must be one of %(units)s.")
                % {"where": where, "units": ", ".join(Unit.values)}
            )
            continue
        derived.append(
            Derived(
                key=key,
                label=str(item.get("label", "")).strip() or key,
                start=str(start),
                end=str(end),
                unit=unit,
            )
        )
    if errors:
        raise ValidationError(errors, code="derived")
    return derived


def value_types(fields: Sequence[Field], derived: Sequence[Derived]) -> dict[str, Field]:
    """Every name a condition may use, with its type (derived values and built-ins are
    numbers or dates; choices keep their options for checking)."""
    names: dict[str, Field] = {
        key: Field(key=key, label=str(label), type=kind) for key, (kind, label) in BUILTINS.items()
    }
    names.update({f.key: f for f in fields})
    names.update({d.key: Field(key=d.key, label=d.label, type=FieldType.NUMBER) for d in derived})
    return names


# --- answers ------------------------------------------------------------------------------


def clean_answers(
    fields: Sequence[Field], raw: Mapping[str, Any], *, complete: bool
) -> tuple[dict[str, Any], dict[str, str]]:
    """The answers as stored values (JSON: numbers, booleans, ISO dates) and the message
    for each field that is wrong. ``complete`` (submitting) also requires the required
    fields; a draft may leave them empty."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for field in fields:
        given = raw.get(field.key)
        if isinstance(given, str):
            given = given.strip()
        if given in (None, ""):
            if complete and field.required:
                errors[field.key] = _("This field is required.")
            continue
        try:
            values[field.key] = _clean_value(field, given)
        except ValueError as exc:
            errors[field.key] = str(exc)
    return values, errors


def _clean_value(field: Field, given: Any) -> Any:
    if field.type == FieldType.NUMBER:
        try:
            number = _number(given)
        except ValueError:
            raise ValueError(_("Enter a number.")) from None
        assert number is not None
        if field.min is not None and number < field.min:
            raise ValueError(_("Enter a number of at least %(min)s.") % {"min": field.min})
        if field.max is not None and number > field.max:
            raise ValueError(_("Enter a number of at most %(max)s.") % {"max": field.max})
        return int(number) if number == number.to_integral_value() else float(number)
    if field.type == FieldType.YES_NO:
        if given in (True, "yes", "true", "1", 1):
            return True
        if given in (False, "no", "false", "0", 0):
            return False
        raise ValueError(_("Choose yes or no."))
    if field.type == FieldType.CHOICE:
        if given not in field.options:
            raise ValueError(_("Choose one of the options."))
        return given
    if field.type == FieldType.DATE:
        parsed_date = given if isinstance(given, date) else _parse_date(str(given))
        if parsed_date is None:
            raise ValueError(_("Enter a date (YYYY-MM-DD)."))
        return parsed_date.isoformat()
    if field.type == FieldType.DATETIME:
        parsed = given if isinstance(given, datetime) else _parse_datetime(str(given))
        if parsed is None:
            raise ValueError(_("Enter a date and time (YYYY-MM-DD HH:MM)."))
        if timezone.is_naive(parsed):
            parsed = timezone.make_aware(parsed)
        return parsed.isoformat()
    text = str(given)
    if len(text) > 2000:
        raise ValueError(_("Keep this to 2000 characters."))
    return text


def _parse_date(text: str) -> date | None:
    try:
        return parse_date(text)
    except ValueError:
        return None


def _parse_datetime(text: str) -> datetime | None:
    try:
        return parse_datetime(text.replace(" ", "T", 1) if "T" not in text else text)
    except ValueError:
        return None


# --- conditions ---------------------------------------------------------------------------


def clean_condition(raw: Any, names: Mapping[str, Field], *, where: str) -> dict[str, Any]:
    """``raw`` checked against the registry's names: unknown fields, unknown operators,
    comparisons that make no sense for a type and values of the wrong type are refused
    here, when the indicator is defined, not when rates are computed."""
    _check(raw, names, where, depth=0)
    return dict(raw)


def _check(node: Any, names: Mapping[str, Field], where: str, *, depth: int) -> None:
    def fail(message: str) -> None:
        raise ValidationError(f"{where}: {message}", code="condition")

    if depth > _MAX_DEPTH:
        fail(_("the condition is nested too deeply."))
    if not isinstance(node, dict) or len(node) == 0:
        fail(_('a condition is an object such as {"field": …, "op": …, "value": …}.'))
    if "all" in node or "any" in node:
        group = "all" if "all" in node else "any"
        if len(node) != 1 or not isinstance(node[group], list):
            fail(_("“%(g)s” takes a list of conditions and nothing else.") % {"g": group})
        for child in node[group]:
            _check(child, names, where, depth=depth + 1)
        return
    if "not" in node:
        if len(node) != 1:
            fail(_("“not” takes one condition and nothing else."))
        _check(node["not"], names, where, depth=depth + 1)
        return
    extra = set(node) - {"field", "op", "value"}
    if extra:
        fail(_("unknown keys %(keys)s.") % {"keys": ", ".join(sorted(extra))})
    key, op = node.get("field"), node.get("op")
    if not isinstance(key, str) or key not in names:
        fail(_("unknown field “%(f)s”.") % {"f": key})
    if not isinstance(op, str) or op not in OPS:
        fail(
            _("unknown operator “%(op)s”; use one of %(ops)s.") % {"op": op, "ops": ", ".join(OPS)}
        )
    field = names[key]
    if op in PRESENCE:
        if "value" in node:
            fail(_("“%(op)s” takes no value.") % {"op": op})
        return
    if "value" not in node:
        fail(_("“%(op)s” needs a value.") % {"op": op})
    if op in ("lt", "le", "gt", "ge") and field.type not in _ORDERED:
        fail(
            _("“%(op)s” compares numbers or dates; “%(f)s” is a %(type)s field.")
            % {"op": op, "f": key, "type": FieldType(field.type).label}
        )
    values = node["value"] if op in MEMBERSHIP else [node["value"]]
    if op in MEMBERSHIP and (not isinstance(node["value"], list) or not node["value"]):
        fail(_("“%(op)s” takes a list of values.") % {"op": op})
    for value in values:
        try:
            _constant(field, value)
        except ValueError:
            fail(
                _("%(value)s is not a value of the %(type)s field “%(f)s”.")
                % {"value": repr(value), "type": FieldType(field.type).label, "f": key}
            )


def _constant(field: Field, value: Any) -> Any:
    """A condition's constant as a comparable value of ``field``'s type."""
    if field.type == FieldType.NUMBER:
        number = _number(value)
        if number is None:
            raise ValueError
        return number
    if field.type == FieldType.YES_NO:
        if not isinstance(value, bool):
            raise ValueError
        return value
    if field.type == FieldType.CHOICE:
        if field.options and value not in field.options:
            raise ValueError
        return value
    if field.type == FieldType.DATE:
        parsed = _parse_date(str(value)) if isinstance(value, str) else None
        if parsed is None:
            raise ValueError
        return parsed
    if field.type == FieldType.DATETIME:
        moment = _parse_datetime(str(value)) if isinstance(value, str) else None
        if moment is None:
            raise ValueError
        return timezone.make_aware(moment) if timezone.is_naive(moment) else moment
    if not isinstance(value, str):
        raise ValueError
    return value


# Three-valued results: True, False, or None (unknown: a value the rule needs is missing).
Truth = bool | None


def evaluate(
    node: Mapping[str, Any], values: Mapping[str, Any], names: Mapping[str, Field]
) -> Truth:
    """Kleene's three-valued logic over a checked condition."""
    if "all" in node:
        results = [evaluate(c, values, names) for c in node["all"]]
        if any(r is False for r in results):
            return False
        return None if any(r is None for r in results) else True
    if "any" in node:
        results = [evaluate(c, values, names) for c in node["any"]]
        if any(r is True for r in results):
            return True
        return None if any(r is None for r in results) else False
    if "not" in node:
        inner = evaluate(node["not"], values, names)
        return None if inner is None else not inner
    key, op = node["field"], node["op"]
    present = values.get(key) is not None
    if op == "is_set":
        return present
    if op == "is_missing":
        return not present
    if not present:
        return None
    field = names[key]
    try:
        actual = typed_value(field, values[key])
        if op in MEMBERSHIP:
            inside = actual in [_constant(field, v) for v in node["value"]]
            return inside if op == "in" else not inside
        expected = _constant(field, node["value"])
        return bool(_COMPARE[op](actual, expected))
    except (ValueError, TypeError, ArithmeticError):
        # An answer stored before the field's type was changed: it cannot be judged.
        return None


_COMPARE: dict[str, Any] = {
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b,
    "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b,
}


def typed_value(field: Field, stored: Any) -> Any:
    if field.type == FieldType.NUMBER:
        return Decimal(str(stored))
    if field.type == FieldType.DATE:
        return stored if isinstance(stored, date) else date.fromisoformat(str(stored))
    if field.type == FieldType.DATETIME:
        return stored if isinstance(stored, datetime) else datetime.fromisoformat(str(stored))
    return stored


def case_values(
    answers: Mapping[str, Any],
    derived: Sequence[Derived],
    *,
    admission_date: date | None,
    discharge_date: date | None,
    birth_date: date | None = None,
) -> dict[str, Any]:
    """The names a condition reads for one case: its answers, the built-ins and the derived
    durations (None where an end is missing)."""
    values: dict[str, Any] = dict(answers)
    values["admission_date"] = admission_date
    values["discharge_date"] = discharge_date
    values["length_of_stay_days"] = (
        (discharge_date - admission_date).days if admission_date and discharge_date else None
    )
    values["age"] = (
        _years_between(birth_date, admission_date) if birth_date and admission_date else None
    )
    for item in derived:
        values[item.key] = _duration(values.get(item.start), values.get(item.end), item.unit)
    return values


def _years_between(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _moment(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return timezone.make_aware(datetime.combine(value, datetime.min.time()))
    text = str(value)
    if "T" in text:
        return datetime.fromisoformat(text)
    return timezone.make_aware(datetime.combine(date.fromisoformat(text), datetime.min.time()))


def _duration(start: Any, end: Any, unit: str) -> float | None:
    try:
        begin, finish = _moment(start), _moment(end)
    except (ValueError, TypeError):
        return None  # an end stored before the field became a date: unknown
    if begin is None or finish is None:
        return None
    seconds = (finish - begin).total_seconds()
    return round(seconds / _UNIT_SECONDS[unit], 2)


# --- indicators ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str
    denominator: dict[str, Any]
    numerator: dict[str, Any]
    exclusions: dict[str, Any] | None = None
    target: float | None = None


def clean_indicators(raw: Any, names: Mapping[str, Field]) -> list[Indicator]:
    if raw in (None, ""):
        return []
    if not isinstance(raw, list):
        raise ValidationError(_("Indicators must be a list."), code="indicators")
    errors: list[str] = []
    indicators: list[Indicator] = []
    codes: set[str] = set()
    for n, item in enumerate(raw, start=1):
        where = _("Indicator %(n)d") % {"n": n}
        if not isinstance(item, dict):
            errors.append(_("%(where)s: give an object.") % {"where": where})
            continue
        code = str(item.get("code", ""))
        if not _KEY.match(code) or code in codes:
            errors.append(
                _("%(where)s: the code “%(code)s” must be new and hold only a-z, 0-9 and _.")
                % {"where": where, "code": code}
            )
            continue
        codes.add(code)
        where = f"{where} ({code})"
        name = str(item.get("name", "")).strip()
        if not name:
            errors.append(_("%(where)s: give the indicator's name.") % {"where": where})
            continue
        target = item.get("target")
        try:
            target_number = _number(target)
        except ValueError:
            target_number = Decimal(-1)
        if target_number is not None and not (0 <= target_number <= 100):
            errors.append(_("%(where)s: the target is a percentage 0–100.") % {"where": where})
            continue
        try:
            denominator = clean_condition(
                item.get("denominator", {"all": []}), names, where=f"{where} · {_('denominator')}"
            )
            numerator = clean_condition(
                item.get("numerator"), names, where=f"{where} · {_('numerator')}"
            )
            exclusions = (
                clean_condition(item["exclusions"], names, where=f"{where} · {_('exclusions')}")
                if item.get("exclusions")
                else None
            )
        except ValidationError as exc:
            errors.extend(exc.messages)
            continue
        indicators.append(
            Indicator(
                code=code,
                name=name,
                denominator=denominator,
                numerator=numerator,
                exclusions=exclusions,
                target=float(target_number) if target_number is not None else None,
            )
        )
    if errors:
        raise ValidationError(errors, code="indicators")
    return indicators


@dataclass
class Tally:
    """One indicator over a set of cases."""

    numerator: int = 0
    denominator: int = 0
    excluded: int = 0
    incomplete: int = 0

    @property
    def rate(self) -> float | None:
        """The percentage, one decimal; None without a denominator."""
        return round(100 * self.numerator / self.denominator, 1) if self.denominator else None

    def add(self, other: Tally) -> None:
        self.numerator += other.numerator
        self.denominator += other.denominator
        self.excluded += other.excluded
        self.incomplete += other.incomplete


def classify(indicator: Indicator, values: Mapping[str, Any], names: Mapping[str, Field]) -> str:
    """Where one case falls for ``indicator``: ``"outside"`` (not in the denominator),
    ``"excluded"``, ``"incomplete"``, ``"met"`` or ``"not_met"``."""
    eligible = evaluate(indicator.denominator, values, names)
    if eligible is False:
        return "outside"
    if eligible is None:
        return "incomplete"
    if indicator.exclusions and evaluate(indicator.exclusions, values, names) is True:
        return "excluded"
    met = evaluate(indicator.numerator, values, names)
    if met is None:
        return "incomplete"
    return "met" if met else "not_met"


def count(tally: Tally, outcome: str) -> None:
    if outcome == "excluded":
        tally.excluded += 1
    elif outcome == "incomplete":
        tally.incomplete += 1
    elif outcome in ("met", "not_met"):
        tally.denominator += 1
        tally.numerator += outcome == "met"


# --- the whole definition -----------------------------------------------------------------


@dataclass(frozen=True)
class Definition:
    """A registry's definition, every part checked and read."""

    icd_patterns: list[str]
    fields: list[Field]
    derived: list[Derived]
    names: dict[str, Field]
    indicators: list[Indicator]


class DefinitionInvalid(ValidationError):
    """The definition's problems, keyed by the part they belong to: ``icd_patterns``,
    ``fields``, ``derived`` or ``indicators``."""


def check_definition(
    *, icd_patterns: Any, fields: Any, derived: Any, indicators: Any
) -> Definition:
    """The one check of a registry's definition, used when it is saved and whenever a stored
    one is read: ``DefinitionInvalid`` names every problem found. Derived values and
    indicators are checked against the form, so a broken form stops the check there."""
    errors: dict[str, list[str]] = {}
    patterns: list[str] = []
    try:
        patterns = clean_icd_patterns(icd_patterns)
    except ValidationError as exc:
        errors["icd_patterns"] = exc.messages
    try:
        form = clean_fields(fields)
    except ValidationError as exc:
        errors["fields"] = exc.messages
        raise DefinitionInvalid(errors) from None
    try:
        durations = clean_derived(derived, form)
    except ValidationError as exc:
        errors["derived"] = exc.messages
        raise DefinitionInvalid(errors) from None
    names = value_types(form, durations)
    checked: list[Indicator] = []
    try:
        checked = clean_indicators(indicators, names)
    except ValidationError as exc:
        errors["indicators"] = exc.messages
    if errors:
        raise DefinitionInvalid(errors)
    return Definition(
        icd_patterns=patterns, fields=form, derived=durations, names=names, indicators=checked
    )
