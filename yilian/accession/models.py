"""Hospital accession (准入): a hospital applies online, the platform reviews the
application, the hospital answers the capability assessment (a questionnaire defined as
data), and the platform approves a cooperation plan that activates the hospital.

``Question`` rows are the questionnaire: platform administrators add and edit questions,
weights and scoring rules in the application. An ``Assessment`` keeps each answer with the
points, maximum and weight it was scored with, so later edits of the questionnaire never
change a past score.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from yilian.core.models import PublicModel


class Application(PublicModel):
    """A hospital's application to join the alliance (the hospital row exists from the
    start, in status *applying*; its contact person's account waits, without a password)."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("submitted")
        RETURNED = "returned", _("returned for more information")
        REJECTED = "rejected", _("rejected")
        ACCEPTED = "accepted", _("accepted: capability assessment")
        ASSESSED = "assessed", _("assessment submitted")
        APPROVED = "approved", _("approved: member hospital")

    hospital = models.OneToOneField(
        "orgs.Hospital",
        on_delete=models.CASCADE,
        related_name="application",
        verbose_name=_("hospital"),
    )
    contact = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("contact person"),
    )
    beds = models.PositiveIntegerField(_("beds"), default=0)
    introduction = models.TextField(_("introduction"), blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.SUBMITTED
    )
    review_note = models.TextField(_("note from the platform"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"))
    # The applicant's own link to follow the application (only its hash is kept).
    token_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = _("accession application")
        verbose_name_plural = _("accession applications")
        ordering = ["-submitted_at", "-id"]

    def __str__(self) -> str:
        return str(self.hospital)


class Section(models.TextChoices):
    BASIC = "basic", _("basic information")
    SERVICE = "service", _("service capability")
    TECHNICAL = "technical", _("technical level")
    HUMAN = "human", _("human resources")
    DEMAND = "demand", _("remote-business demand")


class QuestionType(models.TextChoices):
    NUMBER = "number", _("number")
    CHOICE = "choice", _("single choice")
    YES_NO = "yes_no", _("yes / no")
    TEXT = "text", _("text (not scored)")


class Question(PublicModel):
    """One question of the capability assessment with its scoring rule.

    - ``choice``: ``options`` = ``[{"label": "…", "points": 3}, …]``
    - ``number``: ``bands`` = ``[{"min": 0, "points": 0}, {"min": 50, "points": 2}, …]`` —
      the points of the highest band whose minimum the answer reaches
    - ``yes_no``: ``yes_points`` for "yes", 0 for "no"
    - ``text``: not scored
    A demand question may name a business ``kind``: answering "no" leaves that kind out of
    the proposed cooperation plan.
    """

    section = models.CharField(_("section"), max_length=10, choices=Section.choices)
    text = models.CharField(_("question"), max_length=200)
    help_text = models.CharField(_("explanation"), max_length=300, blank=True)
    type = models.CharField(_("answer type"), max_length=10, choices=QuestionType.choices)
    options = models.JSONField(_("options"), default=list, blank=True)
    bands = models.JSONField(_("number bands"), default=list, blank=True)
    yes_points = models.PositiveSmallIntegerField(_("points for yes"), default=0)
    weight = models.DecimalField(
        _("weight"),
        max_digits=4,
        decimal_places=1,
        default=Decimal("1.0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("10"))],
    )
    kind = models.CharField(_("business kind"), max_length=40, blank=True)
    required = models.BooleanField(_("required"), default=True)
    order = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("assessment question")
        verbose_name_plural = _("assessment questions")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.text

    @property
    def max_points(self) -> int:
        if self.type == QuestionType.CHOICE:
            return max((int(o["points"]) for o in self.options), default=0)
        if self.type == QuestionType.NUMBER:
            return max((int(b["points"]) for b in self.bands), default=0)
        if self.type == QuestionType.YES_NO:
            return self.yes_points
        return 0

    def points_for(self, value: Any) -> int:
        """The points an answer earns under this question's rule."""
        if value in (None, ""):
            return 0
        if self.type == QuestionType.CHOICE:
            return next((int(o["points"]) for o in self.options if o["label"] == value), 0)
        if self.type == QuestionType.NUMBER:
            reached = [b for b in self.bands if Decimal(str(value)) >= Decimal(str(b["min"]))]
            return max((int(b["points"]) for b in reached), default=0)
        if self.type == QuestionType.YES_NO:
            return self.yes_points if value == "yes" else 0
        return 0


class Assessment(PublicModel):
    """One capability assessment of one hospital for one year (the first one comes with
    the application; active members are re-assessed every year)."""

    class Status(models.TextChoices):
        OPEN = "open", _("to be answered")
        SUBMITTED = "submitted", _("submitted: plan to approve")
        APPROVED = "approved", _("plan approved")

    hospital = models.ForeignKey(
        "orgs.Hospital",
        on_delete=models.CASCADE,
        related_name="assessments",
        verbose_name=_("hospital"),
    )
    year = models.PositiveIntegerField(_("year"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    # [{"question": public id, "section", "text", "value", "points", "max", "weight"}]
    answers = models.JSONField(_("answers"), default=list, blank=True)
    auto_score = models.DecimalField(
        _("computed score"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    adjusted_score = models.DecimalField(
        _("adjusted score"),
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    adjustment_reason = models.TextField(_("reason for the adjustment"), blank=True)
    adjusted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("adjusted by"),
    )
    # The cooperation plan proposed from the score, edited by the manager before approval:
    # {"tier", "enabled_kinds", "quotas", "scope", "contact_name", "contact_phone"}.
    proposal = models.JSONField(_("proposed plan"), default=dict, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )

    class Meta:
        verbose_name = _("capability assessment")
        verbose_name_plural = _("capability assessments")
        ordering = ["-year", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["hospital", "year"], name="accession_one_assessment_per_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.hospital} · {self.year}"

    @property
    def score(self) -> Decimal | None:
        return self.adjusted_score if self.adjusted_score is not None else self.auto_score
