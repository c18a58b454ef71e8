"""Every write of data reporting.

Design (platform admins): ``save_dataset`` writes a dataset with its indicators, rules
and assignment after checking all of it (codes, ranges, choices, expressions, rules);
``generate_periods`` adds a year's periods with their deadlines.

Reports (hospital staff): ``save_report`` saves a draft or submits it; every value is
checked against its indicator (type, range, choices; on submit also *required* and the
cross-field rules) and all messages come back at once, keyed by indicator code, with
nothing saved. ``import_workbook`` does the same for every row of an uploaded Excel
template in one transaction: all rows are saved or none.

Review (the management team): ``return_report`` with comments per indicator,
``accept_report``. Every write locks the report row and checks the version the user
saw, so two people never overwrite each other unknowingly, and appends a
``SubmissionEvent``. Reminders: ``send_reminders`` (a daily command) reminds hospitals
before the deadline, tells them when it passed and escalates to the managers.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import partial
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from yilian.accounts.models import User
from yilian.accounts.roles import Role
from yilian.analytics.services import record_activity
from yilian.notify.services import notify
from yilian.orgs.models import Hospital

from . import expressions
from .models import (
    CODE_PATTERN,
    EDITABLE,
    NUMERIC_TYPES,
    TO_REVIEW,
    Dataset,
    Frequency,
    Indicator,
    IndicatorType,
    Period,
    ReminderKind,
    ReportReminder,
    Rule,
    Status,
    Submission,
    SubmissionEvent,
    Value,
)
from .selectors import assigned_hospitals, is_assigned, may_design, may_fill, may_review

ANALYTICS_KIND = "data_reporting"
MAX_INDICATORS = 60
MAX_RULES = 30
MAX_CHOICES = 30
MAX_TEXT = 2000
MAX_DECIMALS = 4
MAX_ABS = Decimal("1e14")
MAX_UPLOAD_BYTES = 2 * 1024 * 1024
MAX_UPLOAD_ROWS = 400
# Reminders look back this far: older overdue periods are on the rates page, not in inboxes.
REMINDER_HORIZON = timedelta(days=60)
Errors = dict[str, list[str]]


# --- design -------------------------------------------------------------------------------


@dataclass
class DatasetData:
    code: str
    name: str
    description: str = ""
    frequency: str = Frequency.MONTHLY
    deadline_days: int = 10
    remind_days: int = 3
    escalate_days: int = 3
    tiers: Sequence[str] = ()
    categories: Sequence[str] = ()
    hospitals: Sequence[Hospital] = ()
    is_active: bool = True


class DatasetInvalid(ValidationError):
    """A dataset's errors: its own fields' (``error_dict``), and one dict per indicator
    and per rule (in the order given)."""

    def __init__(
        self, errors: dict[str, Any], indicators: list[dict[str, Any]], rules: list[dict[str, Any]]
    ) -> None:
        super().__init__(errors or {"__all__": _("Correct the rows marked below.")})
        self.indicator_errors = indicators
        self.rule_errors = rules


def _decimal_or_none(raw: Any) -> tuple[Decimal | None, bool]:
    if raw in (None, ""):
        return None, True
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        return None, False
    return (value, True) if value.is_finite() else (None, False)


def clean_indicator(raw: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """One indicator, normalised, and what is wrong with its own fields."""
    errors: dict[str, Any] = {}
    code = str(raw.get("code") or "").strip()
    label = str(raw.get("label") or "").strip()
    kind = str(raw.get("type") or "")
    choices = raw.get("choices") or []
    if isinstance(choices, str):
        choices = re.split(r"[\r\n]+", choices)
    choices = [str(c).strip() for c in choices if str(c).strip()]
    if not re.fullmatch(CODE_PATTERN, code):
        errors["code"] = _(
            "A code starts with a letter and holds lower-case letters, digits and underscores."
        )
    if not label:
        errors["label"] = _("Give the indicator a label.")
    if kind not in IndicatorType.values:
        errors["type"] = _("Choose the type.")
    low, ok_low = _decimal_or_none(raw.get("min_value"))
    high, ok_high = _decimal_or_none(raw.get("max_value"))
    if not ok_low:
        errors["min_value"] = _("Give a number.")
    if not ok_high:
        errors["max_value"] = _("Give a number.")
    if kind == IndicatorType.PERCENTAGE:
        low = Decimal(0) if low is None else low
        high = Decimal(100) if high is None else high
    if kind not in NUMERIC_TYPES:
        if low is not None or high is not None:
            errors["min_value"] = _("Only numbers have a range.")
        low = high = None
    if low is not None and high is not None and low > high:
        errors["max_value"] = _("The maximum is below the minimum.")
    if kind == IndicatorType.CHOICE:
        if len(choices) < 2 or len(choices) > MAX_CHOICES:
            errors["choices"] = gettext("Give between 2 and %(max)d choices, one per line.") % {
                "max": MAX_CHOICES
            }
        elif len(set(choices)) != len(choices):
            errors["choices"] = _("Each choice once.")
    elif choices:
        errors["choices"] = _("Only a choice indicator has choices.")
        choices = []
    expression = str(raw.get("expression") or "").strip()
    if kind == IndicatorType.COMPUTED:
        if not expression:
            errors["expression"] = _("Write how the value is computed, e.g. a * 100 / b.")
    elif expression:
        errors["expression"] = _("Only a computed indicator has an expression.")
    try:
        decimals = int(str(raw.get("decimals") if raw.get("decimals") not in (None, "") else 2))
    except (TypeError, ValueError):
        decimals = -1
    if not 0 <= decimals <= MAX_DECIMALS:
        errors["decimals"] = gettext("Between 0 and %(max)d.") % {"max": MAX_DECIMALS}
    cleaned = {
        "code": code,
        "label": label[:100],
        "type": kind,
        "unit": str(raw.get("unit") or "").strip()[:20],
        "help": str(raw.get("help") or "").strip()[:200],
        "required": bool(raw.get("required")) and kind != IndicatorType.COMPUTED,
        "min_value": low,
        "max_value": high,
        "choices": choices,
        "expression": expression,
        "decimals": max(decimals, 0),
    }
    return cleaned, errors


def _computed_order_errors(indicators: list[dict[str, Any]], deps: dict[str, set[str]]) -> set[str]:
    """The computed codes that depend on themselves (directly or through others)."""
    cyclic = set()
    for start in deps:
        seen, stack = set(), list(deps[start])
        while stack:
            code = stack.pop()
            if code == start:
                cyclic.add(start)
                break
            if code in seen:
                continue
            seen.add(code)
            stack.extend(deps.get(code, ()))
    return cyclic


def first_code(condition: str, codes: Sequence[str]) -> str:
    """The first indicator code written in ``condition`` (where its message is shown)."""
    for token in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", condition):
        if token in codes:
            return token
    return ""


def dataset_errors(
    data: DatasetData,
    indicators: Sequence[Mapping[str, Any]],
    rules: Sequence[Mapping[str, Any]],
) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]], list, list]:
    """(the dataset's errors, per indicator, per rule, cleaned indicators, cleaned rules)."""
    errors: dict[str, Any] = {}
    if not re.fullmatch(CODE_PATTERN, data.code or ""):
        errors["code"] = _(
            "A code starts with a letter and holds lower-case letters, digits and underscores."
        )
    if not (data.name or "").strip():
        errors["name"] = _("Give the dataset a name.")
    if data.frequency not in Frequency.values:
        errors["frequency"] = _("Choose how often it is reported.")
    if not 0 <= data.deadline_days <= 366:
        errors["deadline_days"] = _("Between 0 and 366 days.")
    if not (data.tiers or data.categories or data.hospitals):
        errors["tiers"] = _("Assign the dataset: choose tiers, categories or hospitals.")
    bad_tiers = set(data.tiers) - set(Hospital.Tier.values)
    bad_categories = set(data.categories) - set(Hospital.Category.values)
    if bad_tiers:
        errors["tiers"] = _("Choose tiers from the list.")
    if bad_categories:
        errors["categories"] = _("Choose categories from the list.")

    cleaned_indicators, per_indicator = [], []
    for raw in indicators:
        cleaned, own = clean_indicator(raw)
        cleaned_indicators.append(cleaned)
        per_indicator.append(own)
    if not cleaned_indicators:
        errors["indicators"] = _("Add at least one indicator.")
    elif len(cleaned_indicators) > MAX_INDICATORS:
        errors["indicators"] = gettext("At most %(max)d indicators.") % {"max": MAX_INDICATORS}
    codes = [i["code"] for i in cleaned_indicators]
    for n, code in enumerate(codes):
        if code and codes.index(code) != n:
            per_indicator[n].setdefault("code", _("This code is used by another indicator."))
    numeric = [i["code"] for i in cleaned_indicators if i["type"] in NUMERIC_TYPES]
    deps: dict[str, set[str]] = {}
    for n, ind in enumerate(cleaned_indicators):
        if ind["type"] == IndicatorType.COMPUTED and ind["expression"]:
            try:
                used = expressions.expression_names(ind["expression"], numeric)
            except expressions.ExpressionError as exc:
                per_indicator[n].setdefault("expression", str(exc))
            else:
                deps[ind["code"]] = used
    for n, ind in enumerate(cleaned_indicators):
        if ind["code"] in _computed_order_errors(cleaned_indicators, deps):
            per_indicator[n].setdefault(
                "expression", _("The expression depends on this indicator itself.")
            )

    cleaned_rules, per_rule = [], []
    for raw in rules:
        condition = str(raw.get("condition") or "").strip()
        message = str(raw.get("message") or "").strip()
        shown_at = str(raw.get("field") or "").strip()
        rule_errors: dict[str, Any] = {}
        try:
            expressions.condition_names(condition, numeric)
        except expressions.ExpressionError as exc:
            rule_errors["condition"] = str(exc)
        if not message:
            rule_errors["message"] = _("Write the message the hospital sees when the rule fails.")
        elif len(message) > 200:
            rule_errors["message"] = _("Keep the message to 200 characters.")
        if shown_at and shown_at not in codes:
            rule_errors["field"] = _("Give the code of an indicator of this dataset.")
        cleaned_rules.append(
            {
                "condition": condition,
                "message": message,
                "field": shown_at or first_code(condition, numeric),
            }
        )
        per_rule.append(rule_errors)
    if len(cleaned_rules) > MAX_RULES:
        errors["rules"] = gettext("At most %(max)d rules.") % {"max": MAX_RULES}
    return errors, per_indicator, per_rule, cleaned_indicators, cleaned_rules


def save_dataset(
    *,
    actor: User,
    data: DatasetData,
    indicators: Sequence[Mapping[str, Any]],
    rules: Sequence[Mapping[str, Any]],
    instance: Dataset | None = None,
) -> Dataset:
    """Create or change a dataset with its indicators and rules, all checked first.

    An indicator that already holds reported values keeps its code and type (its values
    would otherwise change meaning) and cannot be removed."""
    if not may_design(actor) or actor.hospital is None:
        raise PermissionDenied(gettext("Only platform administrators design datasets."))
    errors, per_indicator, per_rule, cleaned, cleaned_rules = dataset_errors(
        data, indicators, rules
    )
    with transaction.atomic():
        if instance is not None:
            instance = Dataset.objects.select_for_update().get(pk=instance.pk)
            in_use = {
                i.code: i for i in instance.indicators.filter(values__isnull=False).distinct()
            }
            kept = {i["code"]: (n, i) for n, i in enumerate(cleaned)}
            for code, old in in_use.items():
                if code not in kept:
                    errors.setdefault(
                        "indicators",
                        gettext("“%(code)s” holds reported values and cannot be removed.")
                        % {"code": code},
                    )
                elif kept[code][1]["type"] != old.type:
                    per_indicator[kept[code][0]].setdefault(
                        "type", _("This indicator holds reported values: its type stays.")
                    )
        clash = Dataset.objects.filter(alliance_id=actor.hospital.alliance_id, code=data.code)
        if instance is not None:
            clash = clash.exclude(pk=instance.pk)
        if clash.exists():
            errors.setdefault("code", _("Another dataset has this code."))
        if errors or any(per_indicator) or any(per_rule):
            raise DatasetInvalid(errors, per_indicator, per_rule)
        dataset = instance or Dataset(alliance_id=actor.hospital.alliance_id, created_by=actor)
        for name in (
            "code",
            "name",
            "description",
            "frequency",
            "deadline_days",
            "remind_days",
            "escalate_days",
            "is_active",
        ):
            setattr(dataset, name, getattr(data, name))
        dataset.name = dataset.name.strip()
        dataset.tiers = sorted(set(data.tiers))
        dataset.categories = sorted(set(data.categories))
        dataset.save()
        dataset.hospitals.set(data.hospitals)
        existing = {i.code: i for i in dataset.indicators.all()}
        for position, ind in enumerate(cleaned):
            row = existing.pop(ind["code"], None) or Indicator(dataset=dataset)
            for key, value in ind.items():
                setattr(row, key, value)
            row.position = position
            row.save()
        Indicator.objects.filter(pk__in=[i.pk for i in existing.values()]).delete()
        dataset.rules.all().delete()
        Rule.objects.bulk_create(
            Rule(dataset=dataset, position=n, **rule) for n, rule in enumerate(cleaned_rules)
        )
    return dataset


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    return date(day.year + month // 12, month % 12 + 1, 1)


def period_bounds(frequency: str, year: int) -> list[tuple[date, date, str]]:
    """(start, end, label) of each period of ``year``."""
    step, label = {
        Frequency.MONTHLY: (1, lambda s: f"{s:%Y-%m}"),
        Frequency.QUARTERLY: (3, lambda s: f"{s.year}Q{(s.month - 1) // 3 + 1}"),
        Frequency.YEARLY: (12, lambda s: f"{s.year}"),
    }[Frequency(frequency)]
    out = []
    start = date(year, 1, 1)
    while start.year == year:
        following = _add_months(start, step)
        out.append((start, following - timedelta(days=1), label(start)))
        start = following
    return out


def generate_periods(dataset: Dataset, year: int, *, actor: User) -> int:
    """Add the periods of ``year`` the dataset does not have yet; how many were added.
    Each deadline is the period's end plus the dataset's deadline days."""
    if not may_design(actor):
        raise PermissionDenied(gettext("Only platform administrators design datasets."))
    if not 2000 <= year <= 2100:
        raise ValidationError({"year": _("Give a year between 2000 and 2100.")})
    with transaction.atomic():
        Dataset.objects.select_for_update().filter(pk=dataset.pk).first()
        have = set(dataset.periods.values_list("start", flat=True))
        new = [
            Period(
                dataset=dataset,
                start=start,
                end=end,
                label=label,
                deadline=end + timedelta(days=dataset.deadline_days),
            )
            for start, end, label in period_bounds(dataset.frequency, year)
            if start not in have
        ]
        Period.objects.bulk_create(new)
    return len(new)


# --- values -------------------------------------------------------------------------------


def _number(indicator: Indicator, raw: Any) -> tuple[Decimal | None, str | None]:
    if isinstance(raw, bool):
        return None, gettext("Give a number.")
    if isinstance(raw, int | float | Decimal):
        text = str(raw)
    else:
        text = str(raw).strip().replace(",", "").replace("，", "")
        if indicator.type == IndicatorType.PERCENTAGE:
            text = text.rstrip("%％").strip()
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None, gettext("Give a number.")
    if not value.is_finite() or abs(value) >= MAX_ABS:
        return None, gettext("Give a number.")
    if value != value.quantize(Decimal(1).scaleb(-MAX_DECIMALS)):
        return None, gettext("At most %(n)d decimal places.") % {"n": MAX_DECIMALS}
    return value, _range_error(indicator, value)


def _range_error(indicator: Indicator, value: Decimal) -> str | None:
    low, high = indicator.min_value, indicator.max_value
    if low is not None and high is not None and not low <= value <= high:
        return gettext("Give a value from %(min)s to %(max)s.") % {
            "min": _plain(low),
            "max": _plain(high),
        }
    if low is not None and value < low:
        return gettext("Give a value of at least %(min)s.") % {"min": _plain(low)}
    if high is not None and value > high:
        return gettext("Give a value of at most %(max)s.") % {"max": _plain(high)}
    return None


def _plain(value: Decimal) -> str:
    """A decimal without trailing zeros: 100, 0.5."""
    text = f"{value.normalize():f}"
    return text


def parse_value(indicator: Indicator, raw: Any) -> tuple[Any, str | None]:
    """(the typed value or None when empty, the message when it is not acceptable)."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None, None
    kind = indicator.type
    if kind in (IndicatorType.NUMBER, IndicatorType.PERCENTAGE):
        return _number(indicator, raw)
    if kind == IndicatorType.DATE:
        if isinstance(raw, datetime):
            return raw.date(), None
        if isinstance(raw, date):
            return raw, None
        try:
            return date.fromisoformat(str(raw).strip()), None
        except ValueError:
            return None, gettext("Give a date as YYYY-MM-DD.")
    text = str(raw).strip()
    if kind == IndicatorType.CHOICE:
        if text not in indicator.choices:
            return None, gettext("Choose one of: %(choices)s.") % {
                "choices": "、".join(indicator.choices)
            }
        return text, None
    if len(text) > MAX_TEXT:
        return None, gettext("Keep it to %(max)d characters.") % {"max": MAX_TEXT}
    return text, None


def compute(indicators: Sequence[Indicator], values: dict[str, Any]) -> dict[str, Any]:
    """``values`` with every computed indicator filled in (rounded to its decimals; None
    when a value it needs is missing or it divides by zero)."""
    out = dict(values)
    computed = [i for i in indicators if i.is_computed]
    for _pass in range(len(computed)):  # enough passes for any acyclic chain
        numeric = {i.code: out.get(i.code) for i in indicators if i.is_numeric}
        for ind in computed:
            result = expressions.evaluate(ind.expression, numeric)
            if result is not None and abs(result) >= MAX_ABS * 100:
                result = None  # beyond what a report can hold: no value rather than a wrong one
            if result is not None:
                result = result.quantize(Decimal(1).scaleb(-ind.decimals), ROUND_HALF_UP)
            out[ind.code] = numeric[ind.code] = result
    return out


def check_values(
    indicators: Sequence[Indicator],
    rules: Sequence[Rule],
    raw: Mapping[str, Any],
    *,
    full: bool,
) -> tuple[dict[str, Any], Errors]:
    """(typed values with the computed ones, messages per indicator code). ``full`` — on
    submit — also asks for required values and checks the ranges of computed values and
    the rules."""
    values: dict[str, Any] = {}
    errors: Errors = {}
    for ind in indicators:
        if ind.is_computed:
            continue
        value, problem = parse_value(ind, raw.get(ind.code))
        if problem:
            errors.setdefault(ind.code, []).append(problem)
        elif value is None and full and ind.required:
            errors.setdefault(ind.code, []).append(gettext("This value is required."))
        values[ind.code] = value
    values = compute(indicators, values)
    if not full:
        return values, errors
    for ind in indicators:
        if ind.is_computed and values.get(ind.code) is not None:
            problem = _range_error(ind, values[ind.code])
            if problem:
                errors.setdefault(ind.code, []).append(problem)
    numeric = {
        i.code: (None if i.code in errors else values.get(i.code))
        for i in indicators
        if i.is_numeric
    }
    for rule in rules:
        if expressions.holds(rule.condition, numeric) is False:
            errors.setdefault(rule.field, []).append(rule.message)
    return values, errors


class ReportInvalid(ValidationError):
    """The messages of a report, per indicator code (several per field may come)."""

    def __init__(self, errors: Errors) -> None:
        super().__init__({code: list(messages) for code, messages in errors.items()})
        self.field_errors = errors


class StaleReport(ValidationError):
    def __init__(self) -> None:
        super().__init__(
            _(
                "Someone saved this report after you opened it. Your entries are kept below: "
                "open the report again to see the saved values before you save."
            ),
            code="stale",
        )


def stored_values(submission: Submission | None) -> dict[str, Any]:
    if submission is None or submission.pk is None:
        return {}
    return {v.indicator.code: v.typed for v in submission.values.select_related("indicator")}


def _lock(period: Period, hospital: Hospital) -> tuple[Submission, int]:
    """The report of (period, hospital), locked, created as a draft when missing, with the
    version it had (0: it did not exist)."""
    found = Submission.objects.select_for_update().filter(period=period, hospital=hospital).first()
    if found is not None:
        return found, found.version
    try:
        with transaction.atomic():
            created = Submission.objects.create(
                dataset_id=period.dataset_id, period=period, hospital=hospital
            )
    except IntegrityError:  # a colleague created it at the same moment: theirs counts
        return Submission.objects.select_for_update().get(period=period, hospital=hospital), -1
    return created, 0


def _write(
    submission: Submission,
    indicators: Sequence[Indicator],
    values: Mapping[str, Any],
    *,
    actor: User,
    submit: bool,
) -> Submission:
    """Store the values and move the report on (the caller holds its lock)."""
    before = stored_values(submission)
    by_code = {i.code: i for i in indicators}
    rows = []
    for code, value in values.items():
        if value is None or code not in by_code:
            continue
        ind = by_code[code]
        row = Value(submission=submission, indicator=ind)
        if ind.is_numeric:
            row.number = value
        elif ind.type == IndicatorType.DATE:
            row.date = value
        else:
            row.text = value
        rows.append(row)
    submission.values.all().delete()
    Value.objects.bulk_create(rows)
    changed = sorted(code for code in by_code if _same(before.get(code)) != _same(values.get(code)))
    old = submission.status
    now = timezone.now()
    fields = ["version", "updated_at"]
    if submit:
        submission.status = Status.RESUBMITTED if old == Status.RETURNED else Status.SUBMITTED
        submission.submitted_at = now
        submission.submitted_by = actor
        fields += ["status", "submitted_at", "submitted_by"]
        if submission.first_submitted_at is None:
            submission.first_submitted_at = now
            fields.append("first_submitted_at")
    submission.version += 1
    submission.save(update_fields=fields)
    SubmissionEvent.objects.create(
        submission=submission,
        actor=actor,
        action=("resubmit" if old == Status.RETURNED else "submit") if submit else "save",
        from_status=old,
        to_status=submission.status,
        payload={"changed": changed},
    )
    if submit:
        transaction.on_commit(
            partial(
                record_activity,
                action="submit",
                user=actor,
                hospital=submission.hospital_id,
                kind=ANALYTICS_KIND,
            ),
            robust=True,
        )
    return submission


def _same(value: Any) -> str:
    if isinstance(value, Decimal):
        return _plain(value)
    return "" if value is None else str(value)


def save_report(
    *,
    actor: User,
    period: Period,
    raw: Mapping[str, Any],
    expected_version: int,
    submit: bool,
) -> Submission:
    """Save the actor's hospital's report of ``period`` as a draft, or submit it.

    All messages come back together (``ReportInvalid``, keyed by indicator code) and
    nothing is saved; a report saved by someone else since the user opened it
    (``expected_version``) is refused with ``StaleReport``; a report under review or
    accepted cannot be changed."""
    hospital = actor.hospital
    if not may_fill(actor) or hospital is None or not is_assigned(period.dataset, hospital):
        raise PermissionDenied(gettext("Only staff of a hospital that reports this dataset."))
    if not period.is_open_on(timezone.localdate()):
        raise ValidationError(gettext("This period cannot be reported yet."), code="not_open")
    indicators = list(period.dataset.indicators.all())
    rules = list(period.dataset.rules.all())
    values, errors = check_values(indicators, rules, raw, full=submit)
    with transaction.atomic():
        submission, version = _lock(period, hospital)
        if submission.status not in EDITABLE:
            raise ValidationError(
                gettext("This report is %(status)s and cannot be changed.")
                % {"status": submission.get_status_display()},
                code="locked",
            )
        if version != expected_version:
            raise StaleReport
        if errors:
            raise ReportInvalid(errors)
        return _write(submission, indicators, values, actor=actor, submit=submit)


# --- review -------------------------------------------------------------------------------


def report_url(submission: Submission) -> str:
    return reverse("reporting:report", args=[submission.public_id])


def _reviewed(submission: Submission, *, actor: User, expected_version: int) -> Submission:
    if not may_review(actor):
        raise PermissionDenied(gettext("Only the management team reviews reports."))
    locked = Submission.objects.select_for_update().get(pk=submission.pk)
    if locked.version != expected_version:
        raise StaleReport
    if locked.status not in TO_REVIEW:
        raise ValidationError(
            gettext("This report is %(status)s: there is nothing to review.")
            % {"status": locked.get_status_display()},
            code="not_under_review",
        )
    return locked


def _tell_hospital(submission: Submission, verb: str, title: str, summary: str) -> None:
    people = (
        User.objects.active()
        .filter(
            Q(pk=submission.submitted_by_id)
            | Q(hospital_id=submission.hospital_id, role_assignments__role=Role.HOSPITAL_ADMIN)
        )
        .distinct()
    )
    notify(people, verb=verb, title=title, summary=summary, url=report_url(submission))


def return_report(
    submission: Submission,
    *,
    actor: User,
    comments: Mapping[str, str],
    expected_version: int,
) -> Submission:
    """Send the report back for correction with comments per indicator code ("" for a
    comment on the whole report); at least one comment is needed."""
    codes = set(submission.dataset.indicators.values_list("code", flat=True)) | {""}
    cleaned = {k: str(v).strip()[:500] for k, v in comments.items() if str(v or "").strip()}
    if not cleaned:
        raise ValidationError(
            {"__all__": _("Write a comment on at least one field to say what to correct.")}
        )
    unknown = set(cleaned) - codes
    if unknown:
        raise ValidationError({"__all__": _("Comment on the indicators of this dataset.")})
    with transaction.atomic():
        locked = _reviewed(submission, actor=actor, expected_version=expected_version)
        old = locked.status
        locked.status = Status.RETURNED
        locked.comments = cleaned
        locked.returned_at = timezone.now()
        locked.reviewed_by = actor
        locked.version += 1
        locked.save(
            update_fields=[
                "status",
                "comments",
                "returned_at",
                "reviewed_by",
                "version",
                "updated_at",
            ]
        )
        SubmissionEvent.objects.create(
            submission=locked,
            actor=actor,
            action="return",
            from_status=old,
            to_status=locked.status,
            payload={"comments": cleaned},
        )
        values = {"dataset": locked.dataset.name, "period": locked.period.label}
        transaction.on_commit(
            partial(
                _tell_hospital,
                locked,
                "reporting.returned",
                gettext("Report %(dataset)s %(period)s was returned for correction") % values,
                gettext("A data report was returned for correction."),
            ),
            robust=True,
        )
    return locked


def accept_report(submission: Submission, *, actor: User, expected_version: int) -> Submission:
    """Accept the report (a second click on an accepted report changes nothing)."""
    with transaction.atomic():
        current = Submission.objects.select_for_update().get(pk=submission.pk)
        if current.status == Status.ACCEPTED and may_review(actor):
            return current
        locked = _reviewed(submission, actor=actor, expected_version=expected_version)
        old = locked.status
        locked.status = Status.ACCEPTED
        locked.accepted_at = timezone.now()
        locked.reviewed_by = actor
        locked.version += 1
        locked.save(update_fields=["status", "accepted_at", "reviewed_by", "version", "updated_at"])
        SubmissionEvent.objects.create(
            submission=locked,
            actor=actor,
            action="accept",
            from_status=old,
            to_status=locked.status,
        )
        values = {"dataset": locked.dataset.name, "period": locked.period.label}
        transaction.on_commit(
            partial(
                _tell_hospital,
                locked,
                "reporting.accepted",
                gettext("Report %(dataset)s %(period)s was accepted") % values,
                gettext("A data report was accepted."),
            ),
            robust=True,
        )
        transaction.on_commit(
            partial(
                record_activity,
                action="accept",
                user=actor,
                hospital=locked.hospital_id,
                kind=ANALYTICS_KIND,
            ),
            robust=True,
        )
    return locked


# --- Excel --------------------------------------------------------------------------------

CODE_ROW = 2
FIRST_DATA_ROW = 3
PERIOD_CODE = "period"
# The column (hidden, last) with the version each report had when the template was made;
# the leading underscore keeps it apart from indicator codes (CODE_PATTERN).
VERSION_CODE = "_version"


def template_periods(dataset: Dataset, hospital: Hospital, today: date) -> list[Period]:
    """The open periods whose report the hospital may still change (none, draft,
    returned), oldest first."""
    locked = Submission.objects.filter(hospital=hospital, dataset=dataset).exclude(
        status__in=EDITABLE
    )
    return list(
        dataset.periods.filter(start__lte=today)
        .exclude(pk__in=locked.values("period_id"))
        .order_by("start")
    )


def template_workbook(dataset: Dataset, hospital: Hospital, *, today: date | None = None) -> bytes:
    """The dataset's template for ``hospital``: one row per period it may still report,
    one column per indicator to fill in (computed ones are left out), the saved drafts
    filled in; row 2 holds the codes the upload reads. A last, hidden column holds each
    report's version (0: no report yet), so that an upload cannot overwrite changes made
    after the download. A second sheet explains each indicator."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    from yilian.core.export import safe_cell

    today = today or timezone.localdate()
    indicators = [i for i in dataset.indicators.all() if not i.is_computed]
    book = Workbook()
    sheet = book.active
    sheet.title = gettext("Report")[:31]
    sheet.append(
        [
            gettext("Period"),
            *[safe_cell(i.heading) for i in indicators],
            gettext("Version (do not edit)"),
        ]
    )
    sheet.append([PERIOD_CODE, *[i.code for i in indicators], VERSION_CODE])
    sheet.column_dimensions[get_column_letter(len(indicators) + 2)].hidden = True
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for cell in sheet[CODE_ROW]:
        cell.font = Font(color="808080", size=8)
    periods = template_periods(dataset, hospital, today)
    saved = {
        s.period_id: s for s in Submission.objects.filter(hospital=hospital, period__in=periods)
    }
    for period in periods:
        report = saved.get(period.pk)
        current = stored_values(report)
        sheet.append(
            [
                period.label,
                *[safe_cell(_cell(current.get(i.code))) for i in indicators],
                report.version if report is not None else 0,
            ]
        )
    sheet.freeze_panes = "B3"
    about = book.create_sheet(gettext("Indicators")[:31])
    about.append(
        [gettext("Code"), gettext("Label"), gettext("Type"), gettext("Unit"),
         gettext("Required"), gettext("Range"), gettext("Choices"), gettext("Help")]
    )  # fmt: skip
    for ind in dataset.indicators.all():
        low = _plain(ind.min_value) if ind.min_value is not None else ""
        high = _plain(ind.max_value) if ind.max_value is not None else ""
        about.append(
            [ind.code, safe_cell(ind.label), str(ind.get_type_display()), safe_cell(ind.unit),
             gettext("yes") if ind.required else "", f"{low}–{high}" if low or high else "",
             safe_cell("、".join(ind.choices)), safe_cell(ind.help or ind.expression)]
        )  # fmt: skip
    for rule in dataset.rules.all():
        about.append(
            [
                "",
                safe_cell(rule.message),
                gettext("rule"),
                "",
                "",
                "",
                "",
                safe_cell(rule.condition),
            ]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


@dataclass
class RowProblem:
    row: int
    period: str
    messages: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        where = gettext("Row %(row)d") % {"row": self.row}
        if self.period:
            where += f" ({self.period})"
        return f"{where}: " + "; ".join(self.messages)


class WorkbookInvalid(ValidationError):
    """What is wrong with an upload: the file itself, or each bad row with its reasons."""

    def __init__(self, problems: list[RowProblem] | None = None, message: str = "") -> None:
        self.problems = problems or []
        super().__init__(message or [str(p) for p in self.problems] or gettext("Bad file."))


@dataclass(frozen=True)
class ImportResult:
    saved: list[Submission]
    submitted: bool


def _read_rows(upload: Any) -> list[tuple[int, list[Any]]]:
    from openpyxl import load_workbook

    size = getattr(upload, "size", None)
    if size is not None and size > MAX_UPLOAD_BYTES:
        raise WorkbookInvalid(message=gettext("The file is larger than 2 MB."))
    try:
        book = load_workbook(upload, read_only=True, data_only=True)
    except Exception:
        raise WorkbookInvalid(
            message=gettext("The file is not an Excel workbook (.xlsx): upload the template.")
        ) from None
    sheet = book.worksheets[0]
    rows = [
        (n, list(r))
        for n, r in enumerate(sheet.iter_rows(values_only=True, max_row=MAX_UPLOAD_ROWS + 3), 1)
    ]
    book.close()
    return rows


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _period_of(cell: Any, periods: Mapping[str, Period]) -> Period | None:
    if isinstance(cell, datetime | date):
        start = cell.date() if isinstance(cell, datetime) else cell
        return next((p for p in periods.values() if p.start == start), None)
    return periods.get(str(cell or "").strip())


def _template_version(cell: Any) -> int | None:
    """The report version a template row was made from (empty: no report then), or None
    when the cell was changed into something that is not one."""
    if _blank(cell):
        return 0
    if isinstance(cell, bool):
        return None
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    if isinstance(cell, int):
        return cell if cell >= 0 else None
    text = str(cell).strip()
    return int(text) if text.isascii() and text.isdigit() else None


def import_workbook(*, actor: User, dataset: Dataset, upload: Any, submit: bool) -> ImportResult:
    """Save (or submit) every row of a filled-in template for the actor's hospital, in
    one transaction: when any row is wrong, nothing is saved and each bad row is named
    with its reasons. A row whose report changed since the template was downloaded (its
    version differs from the template's) is wrong: saving it would lose that change."""
    hospital = actor.hospital
    if not may_fill(actor) or hospital is None or not is_assigned(dataset, hospital):
        raise PermissionDenied(gettext("Only staff of a hospital that reports this dataset."))
    rows = _read_rows(upload)
    if (
        len(rows) < CODE_ROW
        or not rows[CODE_ROW - 1][1]
        or (str(rows[CODE_ROW - 1][1][0] or "").strip() != PERIOD_CODE)
    ):
        raise WorkbookInvalid(
            message=gettext("Row 2 of the first sheet must hold the codes of the template.")
        )
    if len(rows) > MAX_UPLOAD_ROWS + CODE_ROW:
        raise WorkbookInvalid(
            message=gettext("At most %(max)d rows at a time.") % {"max": MAX_UPLOAD_ROWS}
        )
    indicators = list(dataset.indicators.all())
    rules = list(dataset.rules.all())
    by_code = {i.code: i for i in indicators}
    codes = [str(c or "").strip() for c in rows[CODE_ROW - 1][1]]
    if VERSION_CODE not in codes:
        raise WorkbookInvalid(
            message=gettext(
                "The file lacks the template's version column. Download the template again."
            )
        )
    unknown = [
        c
        for c in codes[1:]
        if c and c != VERSION_CODE and (c not in by_code or by_code[c].is_computed)
    ]
    if unknown:
        raise WorkbookInvalid(
            message=gettext("Unknown columns in row 2: %(codes)s. Download the template again.")
            % {"codes": ", ".join(unknown)}
        )
    today = timezone.localdate()
    periods = {p.label: p for p in dataset.periods.filter(start__lte=today)}
    problems: list[RowProblem] = []
    planned: list[tuple[Period, int, dict[str, Any]]] = []
    seen: dict[int, int] = {}
    for number, cells in rows[CODE_ROW:]:
        raw = {code: cells[i] if i < len(cells) else None for i, code in enumerate(codes) if code}
        if all(_blank(v) for k, v in raw.items() if k not in (PERIOD_CODE, VERSION_CODE)):
            continue  # a period left empty is not reported by this file
        label = str(raw.get(PERIOD_CODE) or "").strip()
        problem = RowProblem(number, label)
        period = _period_of(raw.get(PERIOD_CODE), periods)
        if period is None:
            problem.messages.append(gettext("no open period of this dataset is called so"))
        elif period.pk in seen:
            problem.messages.append(
                gettext("the same period as row %(row)d") % {"row": seen[period.pk]}
            )
        else:
            seen[period.pk] = number
            problem.period = period.label
        version = _template_version(raw.get(VERSION_CODE))
        if version is None:
            problem.messages.append(
                gettext("the version column was changed; download the template again")
            )
        _values, errors = check_values(indicators, rules, raw, full=submit)
        for code, messages in errors.items():
            label_of = by_code[code].label if code in by_code else code
            problem.messages.extend(f"{label_of}: {m}" for m in messages)
        if problem.messages:
            problems.append(problem)
        elif period is not None and version is not None:
            planned.append((period, version, _values))
    if problems:
        raise WorkbookInvalid(problems)
    if not planned:
        raise WorkbookInvalid(message=gettext("The file holds no filled-in rows."))
    saved = []
    with transaction.atomic():
        locked_problems = []
        locked = []
        for period, expected_version, values in planned:
            submission, version = _lock(period, hospital)
            if submission.status not in EDITABLE:
                locked_problems.append(
                    RowProblem(
                        seen[period.pk],
                        period.label,
                        [gettext("the report is %(status)s and cannot be changed")
                         % {"status": submission.get_status_display()}],
                    )
                )  # fmt: skip
            elif version != expected_version:
                locked_problems.append(
                    RowProblem(
                        seen[period.pk],
                        period.label,
                        [gettext("this period was changed by someone else after you downloaded "
                                 "the template; download it again")],
                    )
                )  # fmt: skip
            locked.append((submission, values))
        if locked_problems:
            raise WorkbookInvalid(locked_problems)
        for submission, values in locked:
            saved.append(_write(submission, indicators, values, actor=actor, submit=submit))
    return ImportResult(saved, submit)


# --- reminders ----------------------------------------------------------------------------


def _hospital_people(hospital_id: int) -> list[User]:
    return list(
        User.objects.active()
        .filter(
            hospital_id=hospital_id,
            role_assignments__role__in=[Role.STAFF, Role.HOSPITAL_ADMIN],
        )
        .distinct()
        .order_by("pk")
    )


def _first_time(period: Period, hospital_id: int, kind: str, recipients: int) -> bool:
    """Record the reminder; False when it was sent before."""
    try:
        with transaction.atomic():
            ReportReminder.objects.create(
                period=period, hospital_id=hospital_id, kind=kind, recipients=recipients
            )
    except IntegrityError:
        return False
    return True


def send_reminders(*, now: datetime | None = None) -> dict[str, int]:
    """Remind the hospitals that have not reported: from ``remind_days`` before the
    deadline up to it (*due soon*), once it passed (*overdue*), and from
    ``escalate_days`` after it tell the managers which hospitals are overdue (one
    message per period). Each reminder goes once; run it daily (or more often)."""
    today = timezone.localdate(now or timezone.now())
    counts = {k: 0 for k in ReminderKind.values}
    managers = list(User.objects.active().with_role(Role.MANAGER).distinct().order_by("pk"))
    for dataset in Dataset.objects.filter(is_active=True).order_by("pk"):
        periods = dataset.periods.filter(
            deadline__gte=today - REMINDER_HORIZON,
            deadline__lte=today + timedelta(days=dataset.remind_days),
            start__lte=today,
        ).order_by("start")
        hospitals = list(assigned_hospitals(dataset).values_list("pk", flat=True))
        for period in periods:
            reported = set(
                period.submissions.filter(first_submitted_at__isnull=False).values_list(
                    "hospital_id", flat=True
                )
            )
            pending = [h for h in hospitals if h not in reported]
            about = {"dataset": dataset.name, "period": period.label, "deadline": period.deadline}
            url = reverse("reporting:mine")
            escalated = []
            for hospital_id in pending:
                kinds = []
                if today <= period.deadline:
                    kinds.append(ReminderKind.DUE_SOON)
                else:
                    kinds.append(ReminderKind.OVERDUE)
                    if today >= period.deadline + timedelta(days=dataset.escalate_days):
                        kinds.append(ReminderKind.ESCALATED)
                for kind in kinds:
                    if kind == ReminderKind.ESCALATED:
                        if _first_time(period, hospital_id, kind, len(managers)):
                            escalated.append(hospital_id)
                            counts[kind] += 1
                        continue
                    people = _hospital_people(hospital_id)
                    if not _first_time(period, hospital_id, kind, len(people)):
                        continue
                    counts[kind] += 1
                    if kind == ReminderKind.DUE_SOON:
                        title = (
                            gettext("Report %(dataset)s %(period)s is due by %(deadline)s") % about
                        )
                        summary = gettext("A data report is due soon.")
                    else:
                        title = (
                            gettext(
                                "Report %(dataset)s %(period)s is overdue (deadline %(deadline)s)"
                            )
                            % about
                        )
                        summary = gettext("A data report is overdue.")
                    notify(
                        people,
                        verb=f"reporting.{kind}",
                        title=title,
                        summary=summary,
                        url=url,
                        urgent=kind == ReminderKind.OVERDUE,
                    )
            if escalated:
                names = list(
                    Hospital.objects.filter(pk__in=escalated)
                    .order_by("name")
                    .values_list("name", flat=True)
                )
                notify(
                    managers,
                    verb="reporting.escalated",
                    title=gettext("%(count)d hospitals have not reported %(dataset)s %(period)s")
                    % {**about, "count": len(names)},
                    body="、".join(names),
                    summary=gettext("Data reports are overdue."),
                    url=f"{reverse('reporting:rates')}?dataset={dataset.public_id}&period={period.public_id}",
                    urgent=True,
                )
    return counts
