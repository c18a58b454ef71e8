"""Patient follow-up (ARCHITECTURE §4): templates, plans and their visits.

``FollowUpTemplate`` — a hospital's (or, with no hospital, the whole alliance's) schedule
of visits as day offsets from the plan's start (7, 30, 90) and the questionnaire the
patient answers at every visit (questions of type text, yes/no, choice or a number 0–10).

``FollowUpPlan`` — the detail of a ``BusinessRequest`` of kind ``follow_up``: the patient,
the responsible doctor and their hospital, the start date and a snapshot of the template
(a later change of the template never changes a running plan). A plan may come from a
closed consultation or a completed down-referral (``source_request``): the hospital on the
other side of that request sees the results too.

``FollowUpVisit`` — one questionnaire to answer by its due date through a one-time link
(only the token's hash is kept); missed when still unanswered after the grace days,
escalated when an answer hits an alert the template set.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from yilian.core.dates import start_of
from yilian.core.models import PublicModel

# Days after the due date a visit may still be answered; then it is missed.
GRACE_DAYS = 3


class QuestionType(models.TextChoices):
    TEXT = "text", _("text")
    YES_NO = "yes_no", _("yes / no")
    CHOICE = "choice", _("choice")
    NUMBER = "number", _("number 0–10")


class FollowUpTemplate(PublicModel):
    QuestionType = QuestionType

    alliance = models.ForeignKey(
        "orgs.Alliance",
        on_delete=models.PROTECT,
        related_name="follow_up_templates",
        verbose_name=_("alliance"),
    )
    hospital = models.ForeignKey(
        "orgs.Hospital",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="follow_up_templates",
        verbose_name=_("hospital"),
        help_text=_("Empty: the template is offered to the whole alliance."),
    )
    name = models.CharField(_("name"), max_length=100)
    # Day offsets from the plan's start, ascending: [7, 30, 90].
    offsets = models.JSONField(_("schedule (days)"), default=list)
    # [{"label": str, "type": QuestionType, "options": [str], "required": bool,
    #   "alert": "" | "yes" | "no" | "<number 0–10>"}]
    questions = models.JSONField(_("questions"), default=list)
    is_active = models.BooleanField(_("in use"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        verbose_name = _("follow-up template")
        verbose_name_plural = _("follow-up templates")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_alliance_wide(self) -> bool:
        return self.hospital_id is None


class FollowUpPlan(PublicModel):
    request = models.OneToOneField(
        "workflow.BusinessRequest",
        on_delete=models.CASCADE,
        related_name="follow_up_plan",
        verbose_name=_("request"),
    )
    patient = models.ForeignKey(
        "patients.Patient",
        on_delete=models.PROTECT,
        related_name="follow_up_plans",
        verbose_name=_("patient"),
    )
    doctor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="follow_up_plans",
        verbose_name=_("responsible doctor"),
    )
    hospital = models.ForeignKey(
        "orgs.Hospital",
        on_delete=models.PROTECT,
        related_name="follow_up_plans",
        verbose_name=_("hospital"),
    )
    start_date = models.DateField(_("start date"))
    template = models.ForeignKey(
        FollowUpTemplate,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="plans",
        verbose_name=_("template"),
    )
    template_name = models.CharField(_("template"), max_length=100)
    offsets = models.JSONField(_("schedule (days)"), default=list)
    questions = models.JSONField(_("questions"), default=list)
    source_request = models.ForeignKey(
        "workflow.BusinessRequest",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="follow_up_plans_from",
        verbose_name=_("from the request"),
    )
    other_hospital = models.ForeignKey(
        "orgs.Hospital",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="follow_up_plans_shared",
        verbose_name=_("the other side's hospital"),
    )

    class Meta:
        verbose_name = _("follow-up plan")
        verbose_name_plural = _("follow-up plans")

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        """The public reference (notifications and lists say this, never the patient)."""
        return f"SF-{self.start_date:%Y%m}-{str(self.public_id)[:8].upper()}"


class VisitStatus(models.TextChoices):
    DUE = "due", _("due")
    ANSWERED = "answered", _("answered")
    MISSED = "missed", _("missed")
    ESCALATED = "escalated", _("escalated")


class FollowUpVisit(PublicModel):
    Status = VisitStatus

    plan = models.ForeignKey(
        FollowUpPlan, on_delete=models.CASCADE, related_name="visits", verbose_name=_("plan")
    )
    number = models.PositiveSmallIntegerField(_("visit"))
    offset_days = models.PositiveSmallIntegerField(_("day"))
    due_date = models.DateField(_("due date"))
    status = models.CharField(
        _("status"), max_length=10, choices=VisitStatus.choices, default=VisitStatus.DUE
    )
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    missed_at = models.DateTimeField(_("missed at"), null=True, blank=True)
    link_token_hash = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    link_expires_at = models.DateTimeField(_("link expires at"), null=True, blank=True)

    class Meta:
        verbose_name = _("follow-up visit")
        verbose_name_plural = _("follow-up visits")
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="one_visit_number_per_plan")
        ]

    def __str__(self) -> str:
        return f"{self.plan.reference} #{self.number}"

    @property
    def window_ends_at(self) -> datetime:
        """The end of the last day the visit may be answered (due date + grace days)."""
        return window_end(self.due_date)

    @property
    def is_open(self) -> bool:
        return self.status == VisitStatus.DUE


def window_end(due: date) -> datetime:
    last = due + timedelta(days=GRACE_DAYS + 1)
    return start_of(last)
