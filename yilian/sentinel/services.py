"""Writes of sentinel monitoring: weekly reports (with their checks), the evaluation of
alert rules when a report arrives (or by the backfill command), and the handling of alerts
by the platform's managers."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from yilian.accounts.models import User
from yilian.accounts.roles import Role
from yilian.analytics.services import record_activity
from yilian.notify.services import notify
from yilian.orgs.models import Hospital
from yilian.workflow.models import Action

from .baseline import Verdict, judge, limit_of
from .models import (
    MIN_BASELINE_POINTS,
    Alert,
    AlertNote,
    AlertRule,
    AlertStatus,
    Indicator,
    Programme,
    ReportValue,
    RuleKind,
    Site,
    WeeklyReport,
    monday_of,
    week_label,
)
from .policies import is_monitor, may_report

ACTIVITY_KIND = "sentinel"
NOTIFY_VERB = "sentinel_alert"


def check_values(indicators: list[Indicator], raw: Mapping[str, object]) -> dict[int, int]:
    """Indicator id → value, or ``ValidationError`` keyed by indicator code naming every
    problem: missing or not a whole number, negative, above the indicator it may not exceed."""
    errors: dict[str, str] = {}
    values: dict[int, int] = {}
    for indicator in indicators:
        given = raw.get(indicator.code)
        try:
            number = int(str(given).strip()) if given not in (None, "") else None
        except ValueError:
            number = None
            errors[indicator.code] = _("Enter a whole number.")
            continue
        if number is None:
            errors[indicator.code] = _("Enter the number (0 if there were none).")
        elif number < 0:
            errors[indicator.code] = _("The number cannot be negative.")
        else:
            values[indicator.pk] = number
    by_id = {i.pk: i for i in indicators}
    for indicator in indicators:
        cap = by_id.get(indicator.not_above_id) if indicator.not_above_id else None
        if cap is None or indicator.pk not in values or cap.pk not in values:
            continue
        if values[indicator.pk] > values[cap.pk]:
            errors[indicator.code] = _("%(this)s (%(n)s) cannot be more than %(cap)s (%(m)s).") % {
                "this": indicator.label,
                "n": values[indicator.pk],
                "cap": cap.label,
                "m": values[cap.pk],
            }
    if errors:
        raise ValidationError(errors)
    return values


def check_week(site: Site, week: date, *, today: date | None = None) -> None:
    today = today or timezone.localdate()
    if week.weekday() != 0:
        raise ValidationError({"week": _("Choose a week.")})
    if week > monday_of(today):
        raise ValidationError({"week": _("This week has not started yet.")})
    if week < site.since:
        raise ValidationError(
            {"week": _("The site reports from week %(week)s.") % {"week": week_label(site.since)}}
        )


def submit_report(
    site: Site, *, week: date, values: Mapping[str, object], actor: User
) -> WeeklyReport:
    """Record (or correct) ``site``'s report for ``week`` and evaluate the programme's alert
    rules on it. Nothing is written when a value or the week is wrong."""
    if not may_report(actor, site):
        raise PermissionDenied(_("Only staff of this sentinel site may report for it."))
    check_week(site, week)
    indicators = list(site.programme.indicators.all())
    checked = check_values(indicators, values)
    now = timezone.now()
    with transaction.atomic():
        Site.objects.select_for_update().get(pk=site.pk)  # one writer per site at a time
        report = WeeklyReport.objects.filter(site=site, week=week).first()
        corrected = report is not None
        if report is None:
            report = WeeklyReport.objects.create(
                site=site, week=week, submitted_by=actor, submitted_at=now
            )
        else:
            WeeklyReport.objects.filter(pk=report.pk).update(
                revision=F("revision") + 1, submitted_by=actor, updated_at=now
            )
            report.refresh_from_db()
        for indicator_id, number in checked.items():
            ReportValue.objects.update_or_create(
                report=report, indicator_id=indicator_id, defaults={"value": number}
            )
        evaluate(site, week, corrected_by=actor if corrected else None)
        transaction.on_commit(
            lambda: record_activity(
                action=Action.SUBMIT, user=actor, hospital=site.hospital_id, kind=ACTIVITY_KIND
            )
        )
    return report


def weekly_values(site: Site, indicator_id: int, start: date, end: date) -> dict[date, int]:
    """Week → reported value of one indicator at one site, weeks ``start``..``end``."""
    return dict(
        ReportValue.objects.filter(
            report__site=site,
            indicator_id=indicator_id,
            report__week__gte=start,
            report__week__lte=end,
        ).values_list("report__week", "value")
    )


def evaluate(site: Site, week: date, *, corrected_by: User | None = None) -> list[Alert]:
    """Run every active rule of the site's programme on its ``week``; returns the alerts
    this call raised (an alert already raised for a rule, site and week is not raised
    again). Managers are told of each new alert.

    ``corrected_by`` is the reporter when the week's report was just corrected: an alert
    already raised for the week is then brought in line with the corrected figures (see
    ``_revise_alert``) instead of keeping what the first report said. The backfill passes
    nobody — the reported values have not changed, so existing alerts stand as raised."""
    raised: list[Alert] = []
    for rule in AlertRule.objects.filter(programme_id=site.programme_id, active=True):
        span = rule.baseline_weeks if rule.kind == "baseline" else 0
        start = week - timedelta(weeks=span)
        values = weekly_values(site, rule.indicator_id, start, week)
        if week not in values:
            continue
        history = [values[w] for w in sorted(values) if w < week]
        verdict = judge(
            kind=rule.kind,
            value=values[week],
            history=history,
            threshold=rule.threshold,
            k=rule.sd_multiplier,
            min_count=rule.min_count,
        )
        series = [{"week": week_label(w), "value": values[w]} for w in sorted(values)]
        if corrected_by is not None and _revise_alert(
            rule,
            site,
            week,
            value=values[week],
            series=series,
            figures=verdict
            or limit_of(
                kind=rule.kind, history=history, threshold=rule.threshold, k=rule.sd_multiplier
            ),
            still_fires=verdict is not None,
            actor=corrected_by,
        ):
            continue
        if verdict is None:
            continue
        try:
            with transaction.atomic():
                alert, created = Alert.objects.get_or_create(
                    rule=rule,
                    site=site,
                    week=week,
                    defaults={
                        "value": values[week],
                        "baseline": verdict.baseline,
                        "threshold": verdict.threshold,
                        "series": series,
                    },
                )
        except IntegrityError:  # raised at the same moment by a concurrent evaluation
            continue
        if created:
            raised.append(alert)
            _tell_managers(alert)
    return raised


def _revise_alert(
    rule: AlertRule,
    site: Site,
    week: date,
    *,
    value: int,
    series: list[dict],
    figures: Verdict | None,
    still_fires: bool,
    actor: User,
) -> bool:
    """Bring the alert already raised for ``rule``, ``site`` and ``week`` in line with the
    corrected report; ``False`` when there is none (the caller may raise one).

    * Open: the value, series, limit and baseline become the corrected ones; when the rule
      no longer fires the alert is closed as withdrawn — closed by the reporter who corrected
      it, with a note saying why, like any other close — so managers do not chase a typo.
    * Acknowledged: a manager is already looking into it, so the figures follow the
      correction but the state stays theirs to change; they close it with their own finding
      (a withdrawal would pull the alert from under them without their word).
    * Closed: left as it was handled — the close was decided on the figures it shows.

    Nobody is notified: managers were told when the alert was raised, and an update is not
    a new alert."""
    with transaction.atomic():
        alert = Alert.objects.select_for_update().filter(rule=rule, site=site, week=week).first()
        if alert is None:
            return False
        if alert.status == AlertStatus.CLOSED:
            return True
        alert.value, alert.series = value, series
        if figures is not None:  # else (too short a history to say) the old limit stays
            alert.threshold, alert.baseline = figures.threshold, figures.baseline
        alert.save(update_fields=["value", "series", "threshold", "baseline", "updated_at"])
        if not still_fires and alert.status == AlertStatus.OPEN:
            _close(
                alert,
                actor=actor,
                comment=_("Withdrawn: the report was corrected to %(value)s (limit %(limit)s).")
                % {"value": value, "limit": alert.threshold},
                now=timezone.now(),
            )
    return True


def _tell_managers(alert: Alert) -> None:
    managers = User.objects.active().with_role(Role.MANAGER).distinct()
    site = alert.site
    notify(
        managers,
        verb=NOTIFY_VERB,
        title=_("Sentinel alert: %(rule)s at %(hospital)s")
        % {
            "rule": alert.rule.name,
            "hospital": site.hospital.name,
        },
        body=_("Week %(week)s: %(value)s (limit %(limit)s).")
        % {
            "week": alert.week_label,
            "value": alert.value,
            "limit": alert.threshold,
        },
        url=reverse("sentinel:alert", kwargs={"public_id": alert.public_id}),
        summary=_("Sentinel monitoring: a new alert"),
        urgent=True,
    )


def evaluate_all(programme_id: int | None = None) -> int:
    """Evaluate every reported week of every site (the backfill after rules change);
    returns how many alerts were raised."""
    reports = WeeklyReport.objects.select_related("site").order_by("site_id", "week")
    if programme_id is not None:
        reports = reports.filter(site__programme_id=programme_id)
    raised = 0
    for report in reports.iterator():
        with transaction.atomic():
            raised += len(evaluate(report.site, report.week))
    return raised


def _handle(alert: Alert, *, actor: User, action: str, comment: str) -> Alert:
    if not is_monitor(actor):
        raise PermissionDenied(_("Only platform managers handle alerts."))
    now = timezone.now()
    with transaction.atomic():
        locked = Alert.objects.select_for_update().get(pk=alert.pk)
        if locked.status == AlertStatus.CLOSED:
            raise ValidationError(_("The alert is already closed."))
        if action == AlertNote.Action.ACKNOWLEDGE:
            if locked.status != AlertStatus.OPEN:
                return locked  # a second click: nothing more to do
            locked.status = AlertStatus.ACKNOWLEDGED
            locked.acknowledged_by, locked.acknowledged_at = actor, now
            locked.save(
                update_fields=["status", "acknowledged_by", "acknowledged_at", "updated_at"]
            )
            AlertNote.objects.create(
                alert=locked, actor=actor, action=action, comment=comment.strip()
            )
        else:
            if not comment.strip():
                raise ValidationError({"comment": _("Say how the alert was resolved.")})
            _close(locked, actor=actor, comment=comment.strip(), now=now)
    return locked


def _close(locked: Alert, *, actor: User, comment: str, now: datetime) -> None:
    """Close ``locked`` (locked by the caller) and add the close to its timeline — one way
    for a manager's close and a withdrawal after a correction. A closed alert counts as
    acknowledged too, by whoever closed it if nobody had."""
    locked.status = AlertStatus.CLOSED
    locked.closed_by, locked.closed_at = actor, now
    fields = ["status", "closed_by", "closed_at", "updated_at"]
    if locked.acknowledged_at is None:
        locked.acknowledged_by, locked.acknowledged_at = actor, now
        fields += ["acknowledged_by", "acknowledged_at"]
    locked.save(update_fields=fields)
    AlertNote.objects.create(
        alert=locked, actor=actor, action=AlertNote.Action.CLOSE, comment=comment
    )


def acknowledge_alert(alert: Alert, *, actor: User, comment: str = "") -> Alert:
    return _handle(alert, actor=actor, action=AlertNote.Action.ACKNOWLEDGE, comment=comment)


def close_alert(alert: Alert, *, actor: User, comment: str) -> Alert:
    return _handle(alert, actor=actor, action=AlertNote.Action.CLOSE, comment=comment)


# --- programme set-up (platform managers) -----------------------------------------------


def _check_monitor(actor: User) -> None:
    if not is_monitor(actor):
        raise PermissionDenied(_("Only platform managers set up sentinel programmes."))


def save_programme(
    *,
    actor: User,
    code: str,
    name: str,
    description: str = "",
    due_days: int = 1,
    active: bool = True,
    programme: Programme | None = None,
) -> Programme:
    _check_monitor(actor)
    clash = Programme.objects.filter(code=code)
    if programme is not None:
        clash = clash.exclude(pk=programme.pk)
    if clash.exists():
        raise ValidationError({"code": _("Another programme has this code.")})
    fields = {
        "code": code,
        "name": name,
        "description": description,
        "due_days": due_days,
        "active": active,
    }
    if programme is None:
        return Programme.objects.create(**fields)
    for field, value in fields.items():
        setattr(programme, field, value)
    programme.save(update_fields=[*fields, "updated_at"])
    return programme


def add_indicator(
    programme: Programme,
    *,
    actor: User,
    code: str,
    label: str,
    not_above: Indicator | None = None,
) -> Indicator:
    """Append an indicator; sites report it from their next report on."""
    _check_monitor(actor)
    if programme.indicators.filter(code=code).exists():
        raise ValidationError({"code": _("The programme already has an indicator with this code.")})
    if not_above is not None and not_above.programme_id != programme.pk:
        raise ValidationError({"not_above": _("Choose an indicator of this programme.")})
    with transaction.atomic():
        Programme.objects.select_for_update().get(pk=programme.pk)
        position = (programme.indicators.aggregate(m=Max("position"))["m"] or 0) + 1
        return Indicator.objects.create(
            programme=programme, code=code, label=label, not_above=not_above, position=position
        )


def add_site(programme: Programme, *, actor: User, hospital: Hospital, since: date) -> Site:
    """Designate ``hospital`` as a sentinel site (again, if it was withdrawn)."""
    _check_monitor(actor)
    monday = monday_of(since)
    site, created = Site.objects.get_or_create(
        programme=programme, hospital=hospital, defaults={"since": monday}
    )
    if not created and not site.active:
        site.active = True
        site.save(update_fields=["active", "updated_at"])
    return site


def set_site_active(site: Site, *, actor: User, active: bool) -> Site:
    """Withdraw a site (its reports and alerts stay) or designate it again."""
    _check_monitor(actor)
    site.active = active
    site.save(update_fields=["active", "updated_at"])
    return site


def save_rule(
    programme: Programme,
    *,
    actor: User,
    indicator: Indicator,
    name: str,
    kind: str,
    threshold: int | None = None,
    baseline_weeks: int = 8,
    sd_multiplier: Decimal = Decimal(2),
    min_count: int = 5,
    rule: AlertRule | None = None,
) -> AlertRule:
    _check_monitor(actor)
    if indicator.programme_id != programme.pk:
        raise ValidationError({"indicator": _("Choose an indicator of this programme.")})
    if kind == RuleKind.THRESHOLD and threshold is None:
        raise ValidationError({"threshold": _("A threshold rule needs its threshold.")})
    if kind == RuleKind.BASELINE and baseline_weeks < MIN_BASELINE_POINTS:
        raise ValidationError(
            {"baseline_weeks": _("Use at least %(n)s weeks.") % {"n": MIN_BASELINE_POINTS}}
        )
    fields = {
        "indicator": indicator,
        "name": name,
        "kind": kind,
        "threshold": threshold if kind == RuleKind.THRESHOLD else None,
        "baseline_weeks": baseline_weeks,
        "sd_multiplier": sd_multiplier,
        "min_count": min_count,
    }
    if rule is None:
        return AlertRule.objects.create(programme=programme, **fields)
    for field, value in fields.items():
        setattr(rule, field, value)
    rule.save(update_fields=[*fields, "updated_at"])
    return rule


def set_rule_active(rule: AlertRule, *, actor: User, active: bool) -> AlertRule:
    _check_monitor(actor)
    rule.active = active
    rule.save(update_fields=["active", "updated_at"])
    return rule
