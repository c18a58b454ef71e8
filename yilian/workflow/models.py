"""The closed loop shared by every business that is applied for (ARCHITECTURE §4).

A ``BusinessRequest`` moves through one status machine; every move is a ``RequestEvent``
(the timeline, never edited). The execution team's ``Opinion``, the applicant's
``Feedback`` and the manager's ``QCReview`` are the documents three of the steps require.
Kind-specific data lives in a one-to-one detail model in the business app.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yilian.accounts.roles import Role
from yilian.core.models import PublicModel

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from yilian.accounts.models import User


class Status(models.TextChoices):
    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("submitted")
    RETURNED = "returned", _("returned for changes")
    REJECTED = "rejected", _("rejected")
    APPROVED = "approved", _("approved")
    DISPATCHED = "dispatched", _("dispatched")
    DECLINED = "declined", _("declined by the team")
    CONFIRMED = "confirmed", _("confirmed")
    PUBLISHED = "published", _("published")
    IN_PROGRESS = "in_progress", _("in progress")
    COMPLETED = "completed", _("completed")
    FEEDBACK_GIVEN = "feedback_given", _("feedback given")
    CLOSED = "closed", _("closed")
    CANCELLED = "cancelled", _("cancelled")


# No transition leaves these.
TERMINAL_STATUSES = frozenset({Status.REJECTED, Status.CLOSED, Status.CANCELLED})
# "Any non-terminal state before in_progress" — the applicant may withdraw, a manager cancel.
CANCELLABLE_STATUSES = frozenset(
    {
        Status.DRAFT,
        Status.SUBMITTED,
        Status.RETURNED,
        Status.APPROVED,
        Status.DISPATCHED,
        Status.DECLINED,
        Status.CONFIRMED,
        Status.PUBLISHED,
    }
)
# A session is booked (its room and experts are taken) in these.
SCHEDULED_STATUSES = frozenset({Status.CONFIRMED, Status.PUBLISHED, Status.IN_PROGRESS})


class Action(models.TextChoices):
    """What an event records. ``create`` and ``resubmit`` are recorded, never called:
    ``create_request`` writes the first, ``submit`` from *returned* writes the second."""

    CREATE = "create", _("create")
    SUBMIT = "submit", _("submit")
    RESUBMIT = "resubmit", _("resubmit")
    RETURN = "return", _("return for changes")
    REJECT = "reject", _("reject")
    APPROVE = "approve", _("approve")
    DISPATCH = "dispatch", _("dispatch")
    DECLINE = "decline", _("decline")
    CONFIRM = "confirm", _("confirm")
    PUBLISH = "publish", _("publish")
    START = "start", _("start")
    COMPLETE = "complete", _("complete")
    FEEDBACK = "feedback", _("give feedback")
    CLOSE = "close", _("close")
    WITHDRAW = "withdraw", _("withdraw")
    CANCEL = "cancel", _("cancel")


class Urgency(models.TextChoices):
    ROUTINE = "routine", _("routine")
    URGENT = "urgent", _("urgent")
    EMERGENCY = "emergency", _("emergency")


class Form(models.TextChoices):
    VIDEO = "video", _("video session")
    ASYNC = "async", _("asynchronous")
    ON_SITE = "on_site", _("on site")


class BusinessRequestQuerySet(models.QuerySet["BusinessRequest"]):
    def visible_to(self, user: User) -> BusinessRequestQuerySet:
        """The one place that decides who sees which request (everything else is a 404).

        Platform roles see the whole alliance; an expert sees the requests of the teams
        they belong to (or lead) and those they are assigned to; hospital staff and
        admins see their own hospital's requests; a room administrator the sessions held
        in their rooms; patients and everyone else see none.
        """
        if not user.is_authenticated or not user.can_use_business:
            return self.none()
        if user.is_platform_member:
            return self.all()
        scope = Q()
        if user.has_role(Role.EXPERT):
            from yilian.orgs.models import Team

            teams = Team.objects.filter(Q(members=user) | Q(lead=user)).values("pk")
            assigned = BusinessRequest.experts.through.objects.filter(user=user).values(
                "businessrequest_id"
            )
            scope |= Q(team_id__in=teams) | Q(pk__in=assigned)
        if user.has_role(Role.STAFF, Role.HOSPITAL_ADMIN) and user.hospital_id:
            scope |= Q(applicant_hospital_id=user.hospital_id)
        if user.has_role(Role.ROOM_ADMIN):
            from yilian.orgs.models import Room

            scope |= Q(room_id__in=Room.objects.administered_by(user).values("pk"))
        if not scope:
            return self.none()
        return self.filter(scope)


class BusinessRequest(PublicModel):
    Status = Status
    Action = Action
    Urgency = Urgency
    Form = Form

    kind = models.CharField(_("business kind"), max_length=40)
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="business_requests",
        verbose_name=_("applicant"),
    )
    applicant_hospital = models.ForeignKey(
        "orgs.Hospital",
        on_delete=models.PROTECT,
        related_name="business_requests",
        verbose_name=_("applicant hospital"),
    )
    title = models.CharField(_("title"), max_length=200)
    patient = models.ForeignKey(
        "patients.Patient",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="business_requests",
        verbose_name=_("patient"),
    )
    urgency = models.CharField(
        _("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.ROUTINE
    )
    desired_start = models.DateTimeField(_("desired start"), null=True, blank=True)
    desired_end = models.DateTimeField(_("desired end"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )

    # Execution
    team = models.ForeignKey(
        "orgs.Team",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="business_requests",
        verbose_name=_("execution team"),
    )
    experts = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="assigned_requests",
        blank=True,
        verbose_name=_("experts"),
    )

    # Schedule
    scheduled_start = models.DateTimeField(_("scheduled start"), null=True, blank=True)
    scheduled_end = models.DateTimeField(_("scheduled end"), null=True, blank=True)
    room = models.ForeignKey(
        "orgs.Room",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="business_requests",
        verbose_name=_("cloud room"),
    )
    form = models.CharField(_("form"), max_length=10, choices=Form.choices, blank=True)
    arrangement = models.TextField(_("arrangement"), blank=True)
    contact = models.CharField(
        _("contact"),
        max_length=120,
        blank=True,
        help_text=_("Who receives the applicant, and how to reach them."),
    )

    # Optimistic concurrency: every transition increments it.
    version = models.PositiveIntegerField(_("version"), default=1)

    # One timestamp per step.
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    feedback_at = models.DateTimeField(_("feedback at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    # When the step the request waits for is due by its kind's SLA (None: no deadline).
    # Written with every change of status or urgency (``services``), so queues order and
    # count overdue requests by one indexed column; ``refresh_deadlines`` rewrites it after
    # the SLA settings change.
    due_at = models.DateTimeField(_("step due at"), null=True, blank=True, editable=False)

    objects = BusinessRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("business request")
        verbose_name_plural = _("business requests")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The inboxes: review/dispatch/QC queues by status (and kind for statistics),
            # a hospital's requests, a team's requests, today's sessions, "mine".
            models.Index(fields=["status", "kind"], name="workflow_status_kind_idx"),
            models.Index(
                fields=["applicant_hospital", "status"], name="workflow_hospital_status_idx"
            ),
            models.Index(fields=["team", "status"], name="workflow_team_status_idx"),
            models.Index(fields=["status", "scheduled_start"], name="workflow_status_sched_idx"),
            models.Index(fields=["due_at"], name="workflow_due_idx"),
            models.Index(fields=["applicant", "-created_at"], name="workflow_applicant_idx"),
            # The request list, newest first (a search walks it until a page is full).
            models.Index(fields=["-created_at", "-id"], name="workflow_newest_idx"),
            # Title search (``icontains`` compares upper-cased titles): the index gives the
            # planner statistics of the expression, so it knows a common word matches many
            # titles and walks the newest-first index instead of reading them all.
            models.Index(Upper("title"), name="workflow_title_upper_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(desired_end__isnull=True)
                | Q(desired_start__isnull=True)
                | Q(desired_end__gt=models.F("desired_start")),
                name="workflow_desired_window_ordered",
            ),
            models.CheckConstraint(
                condition=Q(scheduled_end__isnull=True)
                | Q(scheduled_start__isnull=True)
                | Q(scheduled_end__gt=models.F("scheduled_start")),
                name="workflow_schedule_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL_STATUSES


class RequestEvent(models.Model):
    """One transition of one request: the timeline. Rows are appended, never edited."""

    request = models.ForeignKey(
        BusinessRequest, on_delete=models.CASCADE, related_name="events", verbose_name=_("request")
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
        help_text=_("Empty when the system did it (automatic dispatch, skipped steps)."),
    )
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    from_status = models.CharField(_("from status"), max_length=20, blank=True)
    to_status = models.CharField(_("to status"), max_length=20)
    note = models.TextField(_("note"), blank=True)
    payload = models.JSONField(_("data"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(_("at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("request event")
        verbose_name_plural = _("request events")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["request", "created_at"], name="workflow_event_request_idx")
        ]

    def __str__(self) -> str:
        return f"{self.action}: {self.from_status} → {self.to_status}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError("Request events are append-only.")
        super().save(*args, **kwargs)

    @property
    def from_status_label(self) -> str:
        return str(Status(self.from_status).label) if self.from_status else ""

    @property
    def to_status_label(self) -> str:
        return str(Status(self.to_status).label)


class Opinion(PublicModel):
    """The execution team's opinion (signed; the conclusion is what completes a request)."""

    request = models.ForeignKey(
        BusinessRequest,
        on_delete=models.CASCADE,
        related_name="opinions",
        verbose_name=_("request"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="workflow_opinions",
        verbose_name=_("author"),
    )
    body = models.TextField(_("opinion"))
    is_conclusion = models.BooleanField(_("conclusion"), default=False)
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("opinion")
        verbose_name_plural = _("opinions")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["request"],
                condition=Q(is_conclusion=True),
                name="workflow_one_conclusion_per_request",
            )
        ]

    def __str__(self) -> str:
        return f"{self.request} · {self.author}"


def _rating_field(label: StrOrPromise) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        label, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )


class Feedback(PublicModel):
    """The applicant's evaluation of the service (ratings 1–5 and a comment)."""

    request = models.OneToOneField(
        BusinessRequest,
        on_delete=models.CASCADE,
        related_name="feedback",
        verbose_name=_("request"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="workflow_feedback",
        verbose_name=_("author"),
    )
    satisfaction = _rating_field(_("satisfaction"))
    timeliness = _rating_field(_("timeliness"))
    quality = _rating_field(_("quality"))
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
        constraints = [
            models.CheckConstraint(
                condition=Q(satisfaction__gte=1, satisfaction__lte=5)
                & Q(timeliness__gte=1, timeliness__lte=5)
                & Q(quality__gte=1, quality__lte=5),
                name="workflow_feedback_ratings_1_5",
            )
        ]

    def __str__(self) -> str:
        return f"{self.request} · {self.satisfaction}/{self.timeliness}/{self.quality}"


class QCReview(PublicModel):
    """The management team's quality-control review that closes a request."""

    request = models.OneToOneField(
        BusinessRequest,
        on_delete=models.CASCADE,
        related_name="qc_review",
        verbose_name=_("request"),
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="workflow_qc_reviews",
        verbose_name=_("reviewer"),
    )
    checklist = models.JSONField(_("checklist"), default=dict)
    score = models.PositiveSmallIntegerField(
        _("score"), validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("quality-control review")
        verbose_name_plural = _("quality-control reviews")
        constraints = [
            models.CheckConstraint(
                condition=Q(score__gte=0, score__lte=100), name="workflow_qc_score_0_100"
            )
        ]

    def __str__(self) -> str:
        return f"{self.request} · {self.score}"


class Reminder(models.Model):
    """A reminder that was sent: one per request, kind and moment, so a task that runs
    twice (or was enqueued twice) reminds nobody twice."""

    class Kind(models.TextChoices):
        SESSION_TOMORROW = "session_tomorrow", _("session tomorrow")
        SESSION_SOON = "session_soon", _("session in 30 minutes")
        OVERDUE = "overdue", _("step overdue")

    request = models.ForeignKey(
        BusinessRequest,
        on_delete=models.CASCADE,
        related_name="reminders",
        verbose_name=_("request"),
    )
    kind = models.CharField(_("reminder"), max_length=20, choices=Kind.choices)
    # The session's start (session reminders) or the moment the step fell due (overdue).
    moment = models.DateTimeField(_("for"))
    version = models.PositiveIntegerField(_("request version"))
    recipients = models.PositiveIntegerField(_("recipients"), default=0)
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["sent_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "kind", "moment"], name="workflow_one_reminder_per_moment"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} · {self.moment:%Y-%m-%d %H:%M}"
