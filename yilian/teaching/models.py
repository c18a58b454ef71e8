"""The cloud classroom (courses of ordered lessons and each learner's progress) and CME
classes (sessions, enrolment, attendance, credits) with the hospitals' training requests."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yilian.core.models import PublicModel

# A lesson counts as complete once its video was watched to this share of its duration.
COMPLETE_SHARE = 0.9


class Category(models.Model):
    name = models.CharField(_("name"), max_length=60, unique=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("course category")
        verbose_name_plural = _("course categories")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class Course(PublicModel):
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="courses",
        verbose_name=_("category"),
    )
    published = models.BooleanField(_("published"), default=False)
    # A surgery demonstration's replay: clinical roles only, like the live demonstration.
    medical_staff_only = models.BooleanField(_("medical staff only"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class LessonKind(models.TextChoices):
    VIDEO = "video", _("video")
    PDF = "pdf", _("PDF document")
    SLIDES = "slides", _("slides (PDF)")


class Lesson(PublicModel):
    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, related_name="lessons", verbose_name=_("course")
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    title = models.CharField(_("title"), max_length=120)
    kind = models.CharField(_("kind"), max_length=10, choices=LessonKind.choices)
    duration_seconds = models.PositiveIntegerField(
        _("duration (seconds)"), default=0, help_text=_("For videos: how long the video runs.")
    )
    file = models.ForeignKey(
        "files.FileAsset",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("file"),
    )

    class Meta:
        verbose_name = _("lesson")
        verbose_name_plural = _("lessons")
        ordering = ["course", "position", "id"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_video(self) -> bool:
        return self.kind == LessonKind.VIDEO


class LessonProgress(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="lesson_progress",
        verbose_name=_("learner"),
    )
    lesson = models.ForeignKey(
        Lesson, on_delete=models.CASCADE, related_name="progress", verbose_name=_("lesson")
    )
    position_seconds = models.PositiveIntegerField(_("position (seconds)"), default=0)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("lesson progress")
        verbose_name_plural = _("lesson progress")
        constraints = [
            models.UniqueConstraint(fields=["user", "lesson"], name="teaching_progress_once")
        ]
        indexes = [models.Index(fields=["user", "-updated_at"], name="teaching_recent_idx")]

    def __str__(self) -> str:
        return f"{self.lesson} · {self.position_seconds} s"


# --- CME classes (继续教育培训班) ---------------------------------------------------------


class CreditClass(models.TextChoices):
    """The two classes of continuing-medical-education credit (Ⅰ类/Ⅱ类学分)."""

    I = "I", _("Class I")  # noqa: E741 (the name of the credit class)
    II = "II", _("Class II")


class AttendanceRule(models.TextChoices):
    """What a learner must attend to pass a class (``rule_value`` says how much)."""

    MINUTES = "minutes", _("share of the session minutes (%)")
    SESSIONS = "sessions", _("number of sessions attended")


class CmeClass(PublicModel):
    """A continuing-education class: sessions in a teaching room or on site, enrolment with
    a quota, an attendance rule, and the credits a learner who passes it receives."""

    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    credit_class = models.CharField(
        _("credit class"), max_length=2, choices=CreditClass.choices, default=CreditClass.II
    )
    credit_amount = models.DecimalField(_("credits"), max_digits=4, decimal_places=1)
    quota = models.PositiveIntegerField(_("places"))
    needs_approval = models.BooleanField(_("enrolment needs approval"), default=False)
    enrol_opens = models.DateTimeField(_("enrolment opens"))
    enrol_closes = models.DateTimeField(_("enrolment closes"))
    rule = models.CharField(
        _("attendance rule"),
        max_length=10,
        choices=AttendanceRule.choices,
        default=AttendanceRule.MINUTES,
    )
    rule_value = models.PositiveSmallIntegerField(_("attendance needed"), default=80)
    published = models.BooleanField(_("published"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("organiser"),
    )
    training_request = models.ForeignKey(
        "workflow.BusinessRequest",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cme_classes",
        verbose_name=_("training request"),
    )

    class Meta:
        verbose_name = _("CME class")
        verbose_name_plural = _("CME classes")
        ordering = ["-enrol_opens", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(quota__gte=1), name="teaching_cme_quota"),
            models.CheckConstraint(
                condition=models.Q(credit_amount__gt=0), name="teaching_cme_credits"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class CmeSession(PublicModel):
    """One session of a class, held in a teaching room (attendance from joining and
    leaving the room) or on site (attendance by QR check-in)."""

    cme_class = models.ForeignKey(
        CmeClass, on_delete=models.CASCADE, related_name="sessions", verbose_name=_("class")
    )
    title = models.CharField(_("title"), max_length=120)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    room = models.ForeignKey(
        "orgs.Room",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("teaching room"),
    )
    place = models.CharField(_("place (on site)"), max_length=120, blank=True)
    room_session = models.OneToOneField(
        "realtime.RoomSession",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cme_session",
        verbose_name=_("room session"),
    )

    class Meta:
        verbose_name = _("CME session")
        verbose_name_plural = _("CME sessions")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="teaching_cme_session_order",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def seconds(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds())


class EnrolmentStatus(models.TextChoices):
    PENDING = "pending", _("awaiting approval")
    APPROVED = "approved", _("enrolled")
    REFUSED = "refused", _("refused")
    CANCELLED = "cancelled", _("cancelled")


# The enrolments that hold one of the class's places.
HOLDS_PLACE = (EnrolmentStatus.PENDING, EnrolmentStatus.APPROVED)


class Enrolment(PublicModel):
    cme_class = models.ForeignKey(
        CmeClass, on_delete=models.CASCADE, related_name="enrolments", verbose_name=_("class")
    )
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="cme_enrolments",
        verbose_name=_("learner"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=EnrolmentStatus.choices, default=EnrolmentStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    # The first time the learner attended a session (counted once as a training
    # participation), and the outcome of the last evaluation of the attendance rule.
    attended_at = models.DateTimeField(_("first attended"), null=True, blank=True)
    passed = models.BooleanField(_("passed"), null=True, blank=True)
    evaluated_at = models.DateTimeField(_("evaluated at"), null=True, blank=True)

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["cme_class", "learner"], name="teaching_enrol_once")
        ]

    def __str__(self) -> str:
        return f"{self.learner_id} @ {self.cme_class_id}: {self.status}"

    @property
    def holds_place(self) -> bool:
        return self.status in HOLDS_PLACE


class CheckIn(models.Model):
    """An on-site check-in: the learner scanned the session's QR code."""

    session = models.ForeignKey(
        CmeSession, on_delete=models.CASCADE, related_name="check_ins", verbose_name=_("session")
    )
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("learner"),
    )
    checked_at = models.DateTimeField(_("checked in at"), default=timezone.now)

    class Meta:
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        constraints = [
            models.UniqueConstraint(fields=["session", "learner"], name="teaching_check_in_once")
        ]

    def __str__(self) -> str:
        return f"{self.learner_id} @ {self.session_id}"


class Credit(PublicModel):
    """Credits issued to a learner who passed a class; the certificate shows its
    verification code. The learner's name is kept as it was when the credit was issued."""

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="cme_credits",
        verbose_name=_("learner"),
    )
    cme_class = models.ForeignKey(
        CmeClass, on_delete=models.PROTECT, related_name="credits", verbose_name=_("class")
    )
    enrolment = models.OneToOneField(
        Enrolment, on_delete=models.PROTECT, related_name="credit", verbose_name=_("enrolment")
    )
    learner_name = models.CharField(_("name"), max_length=60)
    credit_class = models.CharField(_("credit class"), max_length=2, choices=CreditClass.choices)
    amount = models.DecimalField(_("credits"), max_digits=4, decimal_places=1)
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    code = models.CharField(_("verification code"), max_length=16, unique=True)

    class Meta:
        verbose_name = _("credit")
        verbose_name_plural = _("credits")
        ordering = ["-issued_at", "-id"]

    def __str__(self) -> str:
        return f"{self.learner_name} {self.amount} ({self.credit_class})"

    @property
    def display_code(self) -> str:
        """The code in groups of four, as printed (XXXX-XXXX-XXXX-XXXX)."""
        return "-".join(self.code[i : i + 4] for i in range(0, len(self.code), 4))


class TrainingRequest(models.Model):
    """A member hospital's request for a CME class (the closed-loop kind
    ``training_request``): what it is about, for whom, and when it would suit."""

    request = models.OneToOneField(
        "workflow.BusinessRequest",
        on_delete=models.CASCADE,
        related_name="training_request",
        verbose_name=_("business request"),
    )
    topic = models.CharField(_("topic"), max_length=120)
    audience = models.TextField(_("audience"))
    participants = models.PositiveIntegerField(_("expected participants"), default=20)
    preferred_from = models.DateField(_("preferred from"))
    preferred_to = models.DateField(_("preferred to"))

    class Meta:
        verbose_name = _("training request")
        verbose_name_plural = _("training requests")

    def __str__(self) -> str:
        return self.topic
