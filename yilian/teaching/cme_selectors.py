"""Reads of CME classes, scoped to who may see them: the classes a learner may enrol in,
their own enrolments and credits, a class's enrolments and attendance for the people who
run it, attendance measured against the class's rule, and certificates by code."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import ExtractYear
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from yilian.accounts.models import User
from yilian.realtime.selectors import attendance_totals

from .models import (
    HOLDS_PLACE,
    AttendanceRule,
    CheckIn,
    CmeClass,
    CmeSession,
    Credit,
    CreditClass,
    Enrolment,
    EnrolmentStatus,
)
from .policies import is_learner, may_manage, may_manage_class

# A session counts as attended (for the "number of sessions" rule) with an on-site check-in
# or at least this share of its minutes in the teaching room.
SESSION_PRESENT_SHARE = 0.5
# Learners may enter the room or check in this long before a session starts.
EARLY = timedelta(minutes=30)
# Verification codes: 16 characters of the base32 alphabet (80 random bits).
CODE_LENGTH = 16
_CODE = re.compile(r"^[A-Z2-7]{16}$")

# Filters of the class list.
WHEN_OPEN = "open"
WHEN_UPCOMING = "upcoming"
WHEN_PAST = "past"


def classes_for(
    user: User, *, query: str = "", when: str = "", credit_class: str = ""
) -> QuerySet[CmeClass]:
    """Published classes (and, for managers, every class; for an organiser, their own),
    searched by title or description, with ``places_taken`` and ``first_start``."""
    if not is_learner(user):
        return CmeClass.objects.none()
    classes = CmeClass.objects.all()
    if not may_manage(user):
        classes = classes.filter(Q(published=True) | Q(created_by=user))
    if query:
        classes = classes.filter(Q(title__icontains=query) | Q(description__icontains=query))
    if credit_class in CreditClass.values:
        classes = classes.filter(credit_class=credit_class)
    now = timezone.now()
    if when == WHEN_OPEN:
        classes = classes.filter(enrol_opens__lte=now, enrol_closes__gt=now)
    elif when == WHEN_UPCOMING:
        classes = classes.filter(enrol_opens__gt=now)
    elif when == WHEN_PAST:
        classes = classes.filter(enrol_closes__lte=now)
    return classes.annotate(
        places_taken=Count("enrolments", filter=Q(enrolments__status__in=HOLDS_PLACE)),
    )


def get_class(user: User, public_id: UUID | str) -> CmeClass:
    try:
        return classes_for(user).select_related("created_by").get(public_id=public_id)
    except (CmeClass.DoesNotExist, ValidationError, ValueError):
        raise Http404 from None


def get_class_to_manage(user: User, public_id: UUID | str) -> CmeClass:
    """The class if ``user`` runs it; 404 if they cannot see it, 403 if they only learn."""
    cme_class = get_class(user, public_id)
    if not may_manage_class(user, cme_class):
        raise PermissionDenied(_("Only the class's organisers may manage it."))
    return cme_class


def places_taken(cme_class: CmeClass) -> int:
    return cme_class.enrolments.filter(status__in=HOLDS_PLACE).count()


def places_left(cme_class: CmeClass) -> int:
    taken = getattr(cme_class, "places_taken", None)
    if taken is None:
        taken = places_taken(cme_class)
    return max(cme_class.quota - taken, 0)


def enrolment_open(cme_class: CmeClass, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return cme_class.published and cme_class.enrol_opens <= now < cme_class.enrol_closes


def enrolment_of(user: User, cme_class: CmeClass) -> Enrolment | None:
    if not user.is_authenticated:
        return None
    return Enrolment.objects.filter(cme_class=cme_class, learner=user).first()


def sessions_of(cme_class: CmeClass) -> list[CmeSession]:
    return list(cme_class.sessions.select_related("room", "room_session"))


def get_session(user: User, public_id: UUID | str) -> CmeSession:
    """A session of a class ``user`` may see."""
    try:
        return CmeSession.objects.select_related(
            "cme_class", "room", "room_session", "cme_class__created_by"
        ).get(public_id=public_id, cme_class__in=classes_for(user))
    except (CmeSession.DoesNotExist, ValidationError, ValueError):
        raise Http404 from None


def session_is_on(session: CmeSession, now: datetime | None = None) -> bool:
    """Whether learners may enter the room or check in now (from a little before the
    start to the end)."""
    now = now or timezone.now()
    return session.starts_at - EARLY <= now < session.ends_at


def enrolments_of_class(cme_class: CmeClass, *, status: str = "") -> QuerySet[Enrolment]:
    rows = cme_class.enrolments.select_related("learner__hospital", "credit")
    if status in EnrolmentStatus.values:
        rows = rows.filter(status=status)
    return rows.order_by("status", "created_at", "id")


def get_enrolment_to_manage(user: User, public_id: UUID | str) -> Enrolment:
    try:
        enrolment = Enrolment.objects.select_related("cme_class", "learner").get(
            public_id=public_id
        )
    except (Enrolment.DoesNotExist, ValidationError, ValueError):
        raise Http404 from None
    if not may_manage_class(user, enrolment.cme_class):
        raise Http404
    return enrolment


def my_enrolments(user: User) -> QuerySet[Enrolment]:
    """The learner's own enrolments, latest first (nobody else's)."""
    if not is_learner(user):
        return Enrolment.objects.none()
    return (
        Enrolment.objects.filter(learner=user)
        .select_related("cme_class", "credit")
        .order_by("-created_at", "-id")
    )


# --- attendance measured against the rule ------------------------------------------------


@dataclass(frozen=True)
class SessionAttendance:
    session: CmeSession
    checked_in: bool
    room_seconds: int

    @property
    def seconds(self) -> int:
        """Seconds that count: the whole session with a check-in, else the time in the
        room between the session's start and end."""
        if self.checked_in:
            return self.session.seconds
        return min(self.room_seconds, self.session.seconds)

    @property
    def present(self) -> bool:
        return self.checked_in or self.seconds >= SESSION_PRESENT_SHARE * self.session.seconds

    @property
    def minutes(self) -> int:
        return self.seconds // 60


@dataclass(frozen=True)
class Attendance:
    """One learner's attendance of a class and whether it meets the class's rule."""

    cme_class: CmeClass
    sessions: list[SessionAttendance]

    @property
    def attended_seconds(self) -> int:
        return sum(s.seconds for s in self.sessions)

    @property
    def attended_minutes(self) -> int:
        return self.attended_seconds // 60

    @property
    def scheduled_seconds(self) -> int:
        return sum(s.session.seconds for s in self.sessions)

    @property
    def percent(self) -> int:
        if not self.scheduled_seconds:
            return 0
        return int(100 * self.attended_seconds / self.scheduled_seconds)

    @property
    def sessions_present(self) -> int:
        return sum(1 for s in self.sessions if s.present)

    @property
    def any(self) -> bool:
        return any(s.seconds > 0 or s.checked_in for s in self.sessions)

    @property
    def passed(self) -> bool:
        if not self.sessions:
            return False
        if self.cme_class.rule == AttendanceRule.SESSIONS:
            return self.sessions_present >= self.cme_class.rule_value
        return self.attended_seconds * 100 >= self.cme_class.rule_value * self.scheduled_seconds


def class_attendance(
    cme_class: CmeClass, learner_ids: list[int], now: datetime | None = None
) -> dict[int, Attendance]:
    """Attendance of ``learner_ids`` in every session of the class: one query for the
    sessions, one for the check-ins, one per session held in a room."""
    sessions = sessions_of(cme_class)
    checked: dict[int, set[int]] = defaultdict(set)
    for session_id, learner_id in CheckIn.objects.filter(
        session__in=sessions, learner_id__in=learner_ids
    ).values_list("session_id", "learner_id"):
        checked[session_id].add(learner_id)
    room = {
        s.pk: attendance_totals(held, now, window=(s.starts_at, s.ends_at))
        for s in sessions
        if (held := s.room_session) is not None
    }
    return {
        learner_id: Attendance(
            cme_class,
            [
                SessionAttendance(
                    s,
                    checked_in=learner_id in checked[s.pk],
                    room_seconds=(
                        room[s.pk][learner_id].seconds
                        if s.pk in room and learner_id in room[s.pk]
                        else 0
                    ),
                )
                for s in sessions
            ],
        )
        for learner_id in learner_ids
    }


def attendance_of(enrolment: Enrolment, now: datetime | None = None) -> Attendance:
    return class_attendance(enrolment.cme_class, [enrolment.learner_id], now)[enrolment.learner_id]


# --- credits and certificates ------------------------------------------------------------


def my_credits(user: User) -> QuerySet[Credit]:
    if not is_learner(user):
        return Credit.objects.none()
    return Credit.objects.filter(learner=user).select_related("cme_class")


@dataclass(frozen=True)
class YearTotal:
    year: int
    class_i: Decimal
    class_ii: Decimal

    @property
    def total(self) -> Decimal:
        return self.class_i + self.class_ii


def credit_totals_by_year(user: User) -> list[YearTotal]:
    """The learner's credits per calendar year (in the alliance's time zone), latest
    first, split by credit class."""
    rows = (
        my_credits(user)
        .annotate(year=ExtractYear("issued_at", tzinfo=timezone.get_current_timezone()))
        .values("year", "credit_class")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    years: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for row in rows:
        years[row["year"]][row["credit_class"]] = row["total"]
    zero = Decimal("0.0")
    return [
        YearTotal(year, v.get(CreditClass.I, zero), v.get(CreditClass.II, zero))
        for year, v in sorted(years.items(), reverse=True)
    ]


def get_credit(user: User, public_id: UUID | str) -> Credit:
    """A credit its learner (or the class's organisers) may read; 404 for anyone else."""
    try:
        credit = Credit.objects.select_related("cme_class", "learner__hospital").get(
            public_id=public_id
        )
    except (Credit.DoesNotExist, ValidationError, ValueError):
        raise Http404 from None
    if credit.learner_id != user.pk and not may_manage_class(user, credit.cme_class):
        raise Http404
    if not is_learner(user):
        raise Http404
    return credit


def normalise_code(code: str) -> str:
    """A code as typed (lower case, spaces, dashes) in its stored form."""
    return re.sub(r"[\s-]", "", code or "").upper()


def credit_by_code(code: str) -> Credit | None:
    """The credit with this verification code; None for a malformed or unknown code."""
    code = normalise_code(code)
    if not _CODE.match(code):
        return None
    return Credit.objects.select_related("cme_class").filter(code=code).first()
