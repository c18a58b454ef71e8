"""Sentinel monitoring (哨点监测): programmes with weekly indicators defined as data, the
hospitals designated as their sentinel sites, the sites' weekly reports, alert rules over
an indicator's weekly series, and the alerts they raise."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from yilian.core.models import PublicModel


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def parse_week(text: str) -> date | None:
    """ "2026-W07" (what an <input type=week> posts) → its Monday; ``None`` if it is not one."""
    try:
        year, week = text.strip().upper().split("-W")
        return date.fromisocalendar(int(year), int(week), 1)
    except (ValueError, AttributeError):
        return None


def week_label(monday: date) -> str:
    """The ISO week of ``monday`` as "2026-W07" (what an <input type=week> posts)."""
    year, week, _day = monday.isocalendar()
    return f"{year}-W{week:02d}"


class Programme(PublicModel):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=80)
    description = models.TextField(_("description"), blank=True)
    # A week's report is due this many days after the week ends (Monday of the next week + n).
    due_days = models.PositiveSmallIntegerField(
        _("days allowed after the week"),
        default=1,
        help_text=_(
            "A week's report is late when it arrives more than this many days after the week ends."
        ),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("sentinel programme")
        verbose_name_plural = _("sentinel programmes")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Indicator(models.Model):
    """One weekly count a programme asks for. ``not_above`` names another indicator of the
    same programme this one may not exceed (cases meeting the definition ≤ cases seen)."""

    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="indicators", verbose_name=_("programme")
    )
    code = models.SlugField(_("code"), max_length=40)
    label = models.CharField(_("label"), max_length=80)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    not_above = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("may not exceed"),
    )

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["programme", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "code"], name="sentinel_indicator_code")
        ]

    def __str__(self) -> str:
        return self.label


class Site(PublicModel):
    """A hospital designated as a sentinel site of a programme, reporting from ``since``."""

    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="sites", verbose_name=_("programme")
    )
    hospital = models.ForeignKey(
        "orgs.Hospital",
        on_delete=models.PROTECT,
        related_name="sentinel_sites",
        verbose_name=_("hospital"),
    )
    since = models.DateField(_("reporting since (Monday)"))
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("sentinel site")
        verbose_name_plural = _("sentinel sites")
        ordering = ["programme", "hospital__name"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "hospital"], name="sentinel_site_once")
        ]

    def __str__(self) -> str:
        return f"{self.programme} · {self.hospital}"


class WeeklyReport(PublicModel):
    site = models.ForeignKey(
        Site, on_delete=models.CASCADE, related_name="reports", verbose_name=_("site")
    )
    week = models.DateField(_("week (Monday)"), db_index=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    submitted_at = models.DateTimeField(_("submitted at"))
    revision = models.PositiveIntegerField(_("revision"), default=1)

    class Meta:
        verbose_name = _("weekly report")
        verbose_name_plural = _("weekly reports")
        ordering = ["-week", "site"]
        constraints = [
            models.UniqueConstraint(fields=["site", "week"], name="sentinel_report_once"),
        ]

    def __str__(self) -> str:
        return f"{self.site} · {self.week_label}"

    @property
    def week_label(self) -> str:
        return week_label(self.week)

    def due_at_date(self) -> date:
        return self.week + timedelta(days=7 + self.site.programme.due_days)


class ReportValue(models.Model):
    report = models.ForeignKey(
        WeeklyReport, on_delete=models.CASCADE, related_name="values", verbose_name=_("report")
    )
    indicator = models.ForeignKey(
        Indicator, on_delete=models.PROTECT, related_name="values", verbose_name=_("indicator")
    )
    value = models.PositiveIntegerField(_("value"))

    class Meta:
        verbose_name = _("reported value")
        verbose_name_plural = _("reported values")
        constraints = [
            models.UniqueConstraint(fields=["report", "indicator"], name="sentinel_value_once")
        ]

    def __str__(self) -> str:
        return f"{self.indicator}: {self.value}"


class RuleKind(models.TextChoices):
    THRESHOLD = "threshold", _("absolute threshold")
    BASELINE = "baseline", _("rise above the baseline")


class AlertRule(PublicModel):
    """When a site's weekly value of ``indicator`` is unusual.

    *threshold*: the value reaches ``threshold``.
    *baseline*: the value exceeds mean + k·SD of the same site's previous ``baseline_weeks``
    reported weeks (sample standard deviation; at least ``MIN_BASELINE_POINTS`` of them).
    Either way the value must also reach ``min_count``, so a rise from 1 to 3 is no alert."""

    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="rules", verbose_name=_("programme")
    )
    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="rules", verbose_name=_("indicator")
    )
    name = models.CharField(_("name"), max_length=80)
    kind = models.CharField(_("kind"), max_length=10, choices=RuleKind.choices)
    threshold = models.PositiveIntegerField(_("threshold"), null=True, blank=True)
    baseline_weeks = models.PositiveSmallIntegerField(_("baseline weeks (N)"), default=8)
    sd_multiplier = models.DecimalField(
        _("standard deviations (k)"), max_digits=4, decimal_places=2, default=2
    )
    min_count = models.PositiveIntegerField(_("minimum count"), default=5)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("alert rule")
        verbose_name_plural = _("alert rules")
        ordering = ["programme", "name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="threshold") | Q(threshold__isnull=False),
                name="sentinel_threshold_rule_has_threshold",
            ),
            models.CheckConstraint(
                condition=Q(baseline_weeks__gte=2), name="sentinel_baseline_two_weeks"
            ),
        ]

    def __str__(self) -> str:
        return self.name


MIN_BASELINE_POINTS = 3


class AlertStatus(models.TextChoices):
    OPEN = "open", _("open")
    ACKNOWLEDGED = "acknowledged", _("acknowledged")
    CLOSED = "closed", _("closed")


class Alert(PublicModel):
    rule = models.ForeignKey(
        AlertRule, on_delete=models.PROTECT, related_name="alerts", verbose_name=_("rule")
    )
    site = models.ForeignKey(
        Site, on_delete=models.CASCADE, related_name="alerts", verbose_name=_("site")
    )
    week = models.DateField(_("week (Monday)"))
    value = models.PositiveIntegerField(_("value"))
    baseline = models.FloatField(_("baseline"), null=True, blank=True)
    threshold = models.FloatField(_("threshold"))
    # The weeks that decided it: [{"week": "2026-W07", "value": 12}, …], the alert week last.
    series = models.JSONField(_("series"), default=list)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=AlertStatus.choices,
        default=AlertStatus.OPEN,
        db_index=True,
    )
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("acknowledged by"),
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closed by"),
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["-week", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "site", "week"], name="sentinel_alert_once"),
        ]

    def __str__(self) -> str:
        return f"{self.rule} · {self.site.hospital} · {week_label(self.week)}"

    @property
    def week_label(self) -> str:
        return week_label(self.week)


class AlertNote(models.Model):
    """The alert's timeline: who acknowledged or closed it, with their comment."""

    class Action(models.TextChoices):
        ACKNOWLEDGE = "acknowledge", _("acknowledged")
        CLOSE = "close", _("closed")

    alert = models.ForeignKey(
        Alert, on_delete=models.CASCADE, related_name="notes", verbose_name=_("alert")
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    action = models.CharField(_("action"), max_length=12, choices=Action.choices)
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("alert note")
        verbose_name_plural = _("alert notes")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.alert} · {self.action}"
