"""Remote e-clinic and remote ward round (ARCHITECTURE §4, module "medical").

E-clinic: an expert publishes a weekly ``ClinicSchedule`` (a weekday, start and end time,
slot length, valid from/to) that generates bookable ``ClinicSlot`` rows for the coming
weeks; a ``ClinicException`` cancels one date (its free slots are removed). A member
hospital's doctor books a free slot for a patient who is with them: the request's detail
``ClinicVisit`` names the slot and the complaint. A slot holds at most one booking whose
request is not cancelled (checked with the slot row locked).

Ward round: ``WardRound`` is the detail of a round request; ``WardRoundPatient`` one
inpatient on it (bed, summary, question, consent on file), the expert's comment and what
the hospital did with the advice.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from yilian.accounts.models import User
from yilian.core.models import PublicModel


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class ClinicSchedule(PublicModel):
    expert = models.ForeignKey(
        User,
        on_delete=models.CASCADE,
        related_name="clinic_schedules",
        verbose_name=_("expert"),
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start_time = models.TimeField(_("start time"))
    end_time = models.TimeField(_("end time"))
    slot_minutes = models.PositiveSmallIntegerField(_("slot length (minutes)"), default=20)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    class Meta:
        verbose_name = _("clinic schedule")
        verbose_name_plural = _("clinic schedules")
        ordering = ("weekday", "start_time", "pk")

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start_time:%H:%M}–{self.end_time:%H:%M}"


class ClinicException(PublicModel):
    """A date on which the expert holds no clinic."""

    expert = models.ForeignKey(
        User,
        on_delete=models.CASCADE,
        related_name="clinic_exceptions",
        verbose_name=_("expert"),
    )
    date = models.DateField(_("date"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("clinic exception")
        verbose_name_plural = _("clinic exceptions")
        ordering = ("date", "pk")
        constraints = [
            models.UniqueConstraint(fields=["expert", "date"], name="clinic_exception_once_a_day")
        ]

    def __str__(self) -> str:
        return self.date.isoformat()


class ClinicSlot(PublicModel):
    schedule = models.ForeignKey(
        ClinicSchedule,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="slots",
        verbose_name=_("schedule"),
    )
    expert = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="clinic_slots", verbose_name=_("expert")
    )
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))

    class Meta:
        verbose_name = _("clinic slot")
        verbose_name_plural = _("clinic slots")
        ordering = ("start", "pk")
        constraints = [models.UniqueConstraint(fields=["expert", "start"], name="clinic_slot_once")]

    def __str__(self) -> str:
        return f"{self.expert} {self.start:%Y-%m-%d %H:%M}"


class ClinicVisit(models.Model):
    """The e-clinic request's detail: the booked slot and the patient's complaint."""

    request = models.OneToOneField(
        "workflow.BusinessRequest",
        on_delete=models.CASCADE,
        related_name="clinic_visit",
        verbose_name=_("request"),
    )
    slot = models.ForeignKey(
        ClinicSlot, on_delete=models.PROTECT, related_name="visits", verbose_name=_("slot")
    )
    complaint = models.TextField(_("complaint"))

    class Meta:
        verbose_name = _("e-clinic visit")
        verbose_name_plural = _("e-clinic visits")

    def __str__(self) -> str:
        return str(self.request)


class WardRound(models.Model):
    request = models.OneToOneField(
        "workflow.BusinessRequest",
        on_delete=models.CASCADE,
        related_name="ward_round",
        verbose_name=_("request"),
    )
    ward = models.CharField(_("ward"), max_length=100)

    class Meta:
        verbose_name = _("remote ward round")
        verbose_name_plural = _("remote ward rounds")

    def __str__(self) -> str:
        return str(self.request)


class WardRoundPatient(PublicModel):
    round = models.ForeignKey(
        WardRound, on_delete=models.CASCADE, related_name="rows", verbose_name=_("ward round")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    patient = models.ForeignKey(
        "patients.Patient",
        on_delete=models.PROTECT,
        related_name="ward_round_rows",
        verbose_name=_("patient"),
    )
    bed = models.CharField(_("bed"), max_length=20)
    summary = models.TextField(_("summary"))
    question = models.TextField(_("question"))
    consent_on_file = models.BooleanField(_("consent on file"), default=False)
    comment = models.TextField(_("expert's comment"), blank=True)
    commented_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("commented by"),
    )
    commented_at = models.DateTimeField(_("commented at"), null=True, blank=True)
    action_taken = models.TextField(_("action taken"), blank=True)
    action_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("action recorded by"),
    )
    action_at = models.DateTimeField(_("action recorded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("ward-round patient")
        verbose_name_plural = _("ward-round patients")
        ordering = ("position", "pk")
        constraints = [
            models.UniqueConstraint(fields=["round", "patient"], name="ward_round_patient_once")
        ]

    def __str__(self) -> str:
        return self.bed
