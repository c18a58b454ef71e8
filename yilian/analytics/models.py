"""Analytics (ARCHITECTURE §8): the activity log and its daily rollups.

``ActivityEvent`` — one row per login and per business action, appended, never edited.
``DailyRollup`` — the count of events per day × hospital × business kind × metric, and the
sum of their amounts (seconds watched, tenths of a credit), kept current in the same
transaction as the event, so the dashboard reads rollup rows instead of millions of events.
``MonthlyRollup`` — the same figures per calendar month, kept current alongside: a period's
whole months are read from it, only the days at its edges from the daily rollups.
``rebuild_rollups`` recomputes both from the events.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Metric(models.TextChoices):
    """What an event counts as. Business actions are the workflow's action codes (submit,
    complete …); the metrics below are the ones that are not business actions."""

    LOGIN = "login", _("login")
    TRAINING = "training", _("training participation")
    # Events whose amount is what counts: seconds of a lesson, class or live stream watched,
    # and CME credits issued (in tenths of a credit, so 0.5 credits is 5).
    WATCH_SECONDS = "watch_seconds", _("seconds watched")
    CREDITS = "credits", _("credits issued (tenths)")


# Tenths of a credit per credit: a credits event's amount is credits × CREDIT_UNITS.
CREDIT_UNITS = 10


class ActivityEvent(models.Model):
    id = models.BigAutoField(primary_key=True)
    occurred_at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    # The hospital the figure belongs to: the user's for a login, the applicant hospital
    # for a business action. Events without one (a platform account with no hospital)
    # are kept but not rolled up per hospital.
    hospital = models.ForeignKey(
        "orgs.Hospital",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("hospital"),
    )
    kind = models.CharField(_("business kind"), max_length=40, blank=True)
    action = models.CharField(_("action"), max_length=20)
    # How much the event counts for (seconds watched, tenths of a credit); 1 for the events
    # that are simply counted.
    amount = models.PositiveBigIntegerField(_("amount"), default=1, db_default=1)

    class Meta:
        verbose_name = _("activity event")
        verbose_name_plural = _("activity events")

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d} {self.kind or '-'} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError("Activity events are append-only.")
        super().save(*args, **kwargs)


class Rollup(models.Model):
    """The events of one hospital, business kind and metric in a period: how many, and the
    sum of their amounts."""

    id = models.BigAutoField(primary_key=True)
    hospital = models.ForeignKey(
        "orgs.Hospital", on_delete=models.CASCADE, related_name="+", verbose_name=_("hospital")
    )
    kind = models.CharField(_("business kind"), max_length=40, blank=True)
    metric = models.CharField(_("metric"), max_length=20)
    count = models.PositiveBigIntegerField(_("count"), default=0)
    total = models.PositiveBigIntegerField(_("sum of amounts"), default=0, db_default=0)

    class Meta:
        abstract = True

    def _figures(self) -> str:
        return f"{self.hospital_id} {self.kind or '-'} {self.metric}={self.count}/{self.total}"


class DailyRollup(Rollup):
    date = models.DateField(_("date"))

    class Meta:
        verbose_name = _("daily rollup")
        verbose_name_plural = _("daily rollups")
        constraints = [
            models.UniqueConstraint(
                fields=["date", "hospital", "kind", "metric"], name="analytics_rollup_key"
            )
        ]
        indexes = [models.Index(fields=["metric", "date"], name="analytics_rollup_metric_idx")]

    def __str__(self) -> str:
        return f"{self.date} {self._figures()}"


class MonthlyRollup(Rollup):
    """The daily rollups of one calendar month added up (``month`` is its first day)."""

    month = models.DateField(_("month"))

    class Meta:
        verbose_name = _("monthly rollup")
        verbose_name_plural = _("monthly rollups")
        constraints = [
            models.UniqueConstraint(
                fields=["month", "hospital", "kind", "metric"], name="analytics_monthly_key"
            )
        ]
        # The teaching figures read a few metrics over many months.
        indexes = [models.Index(fields=["metric", "month"], name="analytics_monthly_metric_idx")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self._figures()}"
