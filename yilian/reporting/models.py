"""Data reporting (数据上报): datasets the platform defines as data, the periods they are
reported for, and each hospital's submission of a period.

``Dataset`` — what must be reported, how often (monthly, quarterly, yearly), by which
hospitals (tiers × categories, plus an explicit list), and when (days after the period's
end; reminders before, escalation after). ``Indicator`` — one field: a number,
percentage, text, choice or date with its range and choices, or a value computed from
other indicators by an expression. ``Rule`` — a cross-field condition with the message
the hospital sees when it does not hold.

``Period`` — one reporting period of a dataset with its deadline. ``Submission`` — one
hospital's report of a period: draft → submitted → returned (comments per field) →
resubmitted → accepted, with a version against lost updates and an append-only
``SubmissionEvent`` timeline; its ``Value`` rows hold one typed value per indicator.
``ReportReminder`` records each reminder sent, so none is sent twice.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from yilian.core.models import PublicModel

CODE_PATTERN = r"^[a-z][a-z0-9_]{0,39}$"
code_validator = RegexValidator(
    CODE_PATTERN,
    _("A code starts with a letter and holds lower-case letters, digits and underscores."),
)


class Frequency(models.TextChoices):
    MONTHLY = "monthly", _("monthly")
    QUARTERLY = "quarterly", _("quarterly")
    YEARLY = "yearly", _("yearly")


class Dataset(PublicModel):
    Frequency = Frequency

    alliance = models.ForeignKey(
        "orgs.Alliance",
        on_delete=models.PROTECT,
        related_name="datasets",
        verbose_name=_("alliance"),
    )
    code = models.CharField(_("code"), max_length=40, validators=[code_validator])
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    frequency = models.CharField(
        _("frequency"), max_length=10, choices=Frequency.choices, default=Frequency.MONTHLY
    )
    deadline_days = models.PositiveSmallIntegerField(
        _("deadline (days after the period ends)"), default=10
    )
    remind_days = models.PositiveSmallIntegerField(
        _("remind (days before the deadline)"), default=3
    )
    escalate_days = models.PositiveSmallIntegerField(
        _("escalate to managers (days after the deadline)"), default=3
    )
    # Assignment: hospitals of these tiers and categories (an empty list: any), plus the
    # hospitals listed; with neither tiers nor categories, only the list.
    tiers = models.JSONField(_("tiers"), default=list, blank=True)
    categories = models.JSONField(_("categories"), default=list, blank=True)
    hospitals = models.ManyToManyField(
        "orgs.Hospital", blank=True, related_name="datasets", verbose_name=_("listed hospitals")
    )
    is_active = models.BooleanField(_("in use"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("dataset")
        verbose_name_plural = _("datasets")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["alliance", "code"], name="one_dataset_code_per_alliance"
            )
        ]

    def __str__(self) -> str:
        return self.name


class IndicatorType(models.TextChoices):
    NUMBER = "number", _("number")
    PERCENTAGE = "percentage", _("percentage")
    TEXT = "text", _("text")
    CHOICE = "choice", _("choice")
    DATE = "date", _("date")
    COMPUTED = "computed", _("computed")


NUMERIC_TYPES = frozenset({IndicatorType.NUMBER, IndicatorType.PERCENTAGE, IndicatorType.COMPUTED})


class Indicator(models.Model):
    Type = IndicatorType

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="indicators")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    code = models.CharField(_("code"), max_length=40, validators=[code_validator])
    label = models.CharField(_("label"), max_length=100)
    type = models.CharField(_("type"), max_length=12, choices=IndicatorType.choices)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    help = models.CharField(_("help"), max_length=200, blank=True)
    required = models.BooleanField(_("required"), default=True)
    min_value = models.DecimalField(
        _("minimum"), max_digits=18, decimal_places=4, null=True, blank=True
    )
    max_value = models.DecimalField(
        _("maximum"), max_digits=18, decimal_places=4, null=True, blank=True
    )
    choices = models.JSONField(_("choices"), default=list, blank=True)
    expression = models.CharField(_("expression"), max_length=300, blank=True)
    decimals = models.PositiveSmallIntegerField(_("decimal places"), default=2)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["dataset", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["dataset", "code"], name="one_indicator_code_per_dataset"
            )
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def is_numeric(self) -> bool:
        return self.type in NUMERIC_TYPES

    @property
    def is_computed(self) -> bool:
        return self.type == IndicatorType.COMPUTED

    @property
    def heading(self) -> str:
        return f"{self.label}（{self.unit}）" if self.unit else self.label


class Rule(models.Model):
    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="rules")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    condition = models.CharField(_("condition"), max_length=300)
    message = models.CharField(_("message"), max_length=200)
    # The indicator the message is shown at (the first code of the condition if empty).
    field = models.CharField(_("shown at"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("validation rule")
        verbose_name_plural = _("validation rules")
        ordering = ["dataset", "position", "pk"]

    def __str__(self) -> str:
        return self.condition


class Period(PublicModel):
    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="periods")
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    label = models.CharField(_("period"), max_length=20)
    deadline = models.DateField(_("deadline"))

    class Meta:
        verbose_name = _("reporting period")
        verbose_name_plural = _("reporting periods")
        ordering = ["dataset", "start"]
        constraints = [
            models.UniqueConstraint(fields=["dataset", "start"], name="one_period_per_start"),
            models.UniqueConstraint(fields=["dataset", "label"], name="one_period_per_label"),
        ]

    def __str__(self) -> str:
        return f"{self.dataset} · {self.label}"

    def is_open_on(self, day: dt.date) -> bool:
        """A period may be reported from its first day on."""
        return self.start <= day


class Status(models.TextChoices):
    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("submitted")
    RETURNED = "returned", _("returned for correction")
    RESUBMITTED = "resubmitted", _("resubmitted")
    ACCEPTED = "accepted", _("accepted")


EDITABLE = frozenset({Status.DRAFT, Status.RETURNED})
TO_REVIEW = frozenset({Status.SUBMITTED, Status.RESUBMITTED})


class Submission(PublicModel):
    Status = Status

    dataset = models.ForeignKey(Dataset, on_delete=models.PROTECT, related_name="submissions")
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="submissions")
    hospital = models.ForeignKey(
        "orgs.Hospital", on_delete=models.PROTECT, related_name="report_submissions"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    version = models.PositiveIntegerField(_("version"), default=0)
    # The manager's comments of the last return, per indicator code ("" for the report).
    comments = models.JSONField(_("review comments"), default=dict, blank=True)
    first_submitted_at = models.DateTimeField(_("first submitted at"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-period__start", "hospital__name"]
        constraints = [
            models.UniqueConstraint(fields=["period", "hospital"], name="one_report_per_period")
        ]

    def __str__(self) -> str:
        return f"{self.period} · {self.hospital}"

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE


class Value(models.Model):
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="values")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="values")
    number = models.DecimalField(max_digits=22, decimal_places=6, null=True, blank=True)
    text = models.TextField(blank=True)
    date = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "indicator"], name="one_value_per_indicator"
            )
        ]

    def __str__(self) -> str:
        return f"{self.submission_id}:{self.indicator_id}"

    @property
    def typed(self) -> Decimal | str | dt.date | None:
        if self.indicator.is_numeric:
            if self.number is None:
                return None
            if self.indicator.is_computed:  # shown with the indicator's decimal places
                return self.number.quantize(Decimal(1).scaleb(-self.indicator.decimals))
            if self.number == self.number.to_integral_value():
                return self.number.quantize(Decimal(1))
            return self.number.normalize()
        if self.indicator.type == IndicatorType.DATE:
            return self.date
        return self.text or None


class SubmissionEvent(models.Model):
    """One step of a report's timeline; appended, never edited."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    action = models.CharField(_("action"), max_length=12)
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12)
    note = models.TextField(_("note"), blank=True)
    payload = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["submission", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.action}: {self.from_status} → {self.to_status}"


class ReminderKind(models.TextChoices):
    DUE_SOON = "due_soon", _("deadline approaching")
    OVERDUE = "overdue", _("overdue")
    ESCALATED = "escalated", _("escalated to managers")


class ReportReminder(models.Model):
    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="reminders")
    hospital = models.ForeignKey("orgs.Hospital", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=ReminderKind.choices)
    recipients = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["period", "hospital", "kind"], name="one_report_reminder_per_kind"
            )
        ]

    def __str__(self) -> str:
        return f"{self.period_id}:{self.hospital_id}:{self.kind}"
