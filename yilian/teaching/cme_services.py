"""Writes of CME classes: classes and their sessions (platform managers and organisers),
enrolment under a quota that holds when many enrol at once, approval, attendance (entering
the teaching room, on-site QR check-in), evaluating the attendance rule, and credits with
their verification codes."""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from yilian.accounts.models import User
from yilian.analytics.models import Metric
from yilian.analytics.services import record_activity, record_credits
from yilian.notify.services import notify
from yilian.orgs.models import Room
from yilian.realtime import services as rooms
from yilian.realtime.models import RoomSession

from . import cme_selectors as selectors
from .models import (
    HOLDS_PLACE,
    AttendanceRule,
    CheckIn,
    CmeClass,
    CmeSession,
    Credit,
    Enrolment,
    EnrolmentStatus,
)
from .policies import is_learner, may_manage, may_manage_class

# The business kind CME activity is counted under on the dashboard.
ACTIVITY_KIND = "cme_class"
# A check-in QR code is good for this many seconds; the class admin's page shows a new one
# well before (see CHECK_IN_REFRESH).
CHECK_IN_MAX_AGE = 120
CHECK_IN_REFRESH = 45
_CHECK_IN_SALT = "yilian.teaching.check-in"


class CheckInRefused(Exception):
    """A check-in link that is forged, expired, or for a session not on now."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class ClassData:
    title: str
    credit_class: str
    credit_amount: Decimal
    quota: int
    enrol_opens: datetime
    enrol_closes: datetime
    rule: str
    rule_value: int
    description: str = ""
    needs_approval: bool = False


def class_errors(data: ClassData) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not data.title.strip():
        errors["title"] = _("Give the class a title.")
    if data.credit_amount is None or data.credit_amount <= 0 or data.credit_amount > 99:
        errors["credit_amount"] = _("Credits are more than 0 and at most 99.")
    if data.quota < 1:
        errors["quota"] = _("A class has at least one place.")
    if data.enrol_closes <= data.enrol_opens:
        errors["enrol_closes"] = _("Enrolment must close after it opens.")
    if data.rule == AttendanceRule.MINUTES and not 1 <= data.rule_value <= 100:
        errors["rule_value"] = _("Give a share of the minutes from 1 to 100 %.")
    if data.rule == AttendanceRule.SESSIONS and data.rule_value < 1:
        errors["rule_value"] = _("Give the number of sessions to attend (at least 1).")
    return errors


def save_class(
    *,
    actor: User,
    data: ClassData,
    cme_class: CmeClass | None = None,
    training_request: Any = None,
) -> CmeClass:
    """Create a class (platform managers; unpublished until it has a session) or edit one
    the actor runs. Lowering the places below those already taken is refused."""
    if cme_class is None and not may_manage(actor):
        raise PermissionDenied(_("Only platform managers may publish CME classes."))
    if cme_class is not None and not may_manage_class(actor, cme_class):
        raise PermissionDenied(_("Only the class's organisers may manage it."))
    errors = class_errors(data)
    values = {f.name: getattr(data, f.name) for f in fields(data)}
    values["title"] = values["title"].strip()
    with transaction.atomic():
        if cme_class is not None:
            cme_class = CmeClass.objects.select_for_update().get(pk=cme_class.pk)
            taken = selectors.places_taken(cme_class)
            if data.quota < taken:
                errors["quota"] = _("%(n)d places are taken: keep at least that many.") % {
                    "n": taken
                }
        if errors:
            raise ValidationError(errors)
        if cme_class is None:
            return CmeClass.objects.create(
                created_by=actor, training_request=training_request, **values
            )
        for name, value in values.items():
            setattr(cme_class, name, value)
        cme_class.save(update_fields=[*values, "updated_at"])
    return cme_class


def set_class_published(cme_class: CmeClass, *, actor: User, published: bool) -> CmeClass:
    if not may_manage_class(actor, cme_class):
        raise PermissionDenied(_("Only the class's organisers may manage it."))
    if published and not cme_class.sessions.exists():
        raise ValidationError(_("Add at least one session before publishing the class."))
    cme_class.published = published
    cme_class.save(update_fields=["published", "updated_at"])
    return cme_class


@dataclass(frozen=True)
class SessionData:
    title: str
    starts_at: datetime
    ends_at: datetime
    room: Room | None = None
    place: str = ""


def save_session(
    cme_class: CmeClass, *, actor: User, data: SessionData, session: CmeSession | None = None
) -> CmeSession:
    """Add (or change) a session: in an active teaching room, or on site at a place."""
    if not may_manage_class(actor, cme_class):
        raise PermissionDenied(_("Only the class's organisers may manage it."))
    errors: dict[str, str] = {}
    if not data.title.strip():
        errors["title"] = _("Give the session a title.")
    if data.ends_at <= data.starts_at:
        errors["ends_at"] = _("The end must be after the start.")
    if data.room is not None and (data.room.kind != Room.Kind.TEACHING or not data.room.is_active):
        errors["room"] = _("Choose a teaching room that is in use.")
    if data.room is None and not data.place.strip():
        errors["place"] = _("Choose a teaching room, or give the place of an on-site session.")
    if session is not None and session.room_session_id and data.room != session.room:
        errors["room"] = _("The room cannot change once the session has been held in it.")
    if errors:
        raise ValidationError(errors)
    values = {
        "title": data.title.strip(),
        "starts_at": data.starts_at,
        "ends_at": data.ends_at,
        "room": data.room,
        "place": data.place.strip() if data.room is None else "",
    }
    if session is None:
        return CmeSession.objects.create(cme_class=cme_class, **values)
    for name, value in values.items():
        setattr(session, name, value)
    session.save(update_fields=[*values, "updated_at"])
    return session


def remove_session(session: CmeSession, *, actor: User) -> None:
    """Remove a session nobody has attended yet."""
    if not may_manage_class(actor, session.cme_class):
        raise PermissionDenied(_("Only the class's organisers may manage it."))
    if session.check_ins.exists() or session.room_session_id:
        raise ValidationError(_("This session has been attended: it stays on record."))
    session.delete()


# --- enrolment ----------------------------------------------------------------------------


def enrol(cme_class: CmeClass, *, learner: User) -> Enrolment:
    """Enrol ``learner`` (waiting for approval when the class asks for it). The class row
    is locked while its places are counted, so two learners taking the last place at the
    same moment cannot both have it. Enrolling again while enrolled changes nothing."""
    if not is_learner(learner):
        raise PermissionDenied(_("CME classes are for members of the alliance."))
    with transaction.atomic():
        locked = CmeClass.objects.select_for_update().get(pk=cme_class.pk)
        existing = Enrolment.objects.filter(cme_class=locked, learner=learner).first()
        if existing is not None and existing.holds_place:
            return existing
        if existing is not None and existing.status == EnrolmentStatus.REFUSED:
            raise ValidationError(_("Your enrolment in this class was refused."), code="refused")
        if not selectors.enrolment_open(locked):
            raise ValidationError(_("Enrolment in this class is not open."), code="closed")
        if locked.enrolments.filter(status__in=HOLDS_PLACE).count() >= locked.quota:
            raise ValidationError(_("The class is full: every place is taken."), code="full")
        status = EnrolmentStatus.PENDING if locked.needs_approval else EnrolmentStatus.APPROVED
        if existing is not None:  # cancelled earlier: enrol again
            existing.status, existing.decided_by, existing.decided_at = status, None, None
            existing.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
            enrolment = existing
        else:
            try:
                with transaction.atomic():
                    enrolment = Enrolment.objects.create(
                        cme_class=locked, learner=learner, status=status
                    )
            except IntegrityError:  # the same learner's second request, at the same moment
                return Enrolment.objects.get(cme_class=locked, learner=learner)
        if status == EnrolmentStatus.PENDING:
            _tell_organiser(locked, learner)
    return enrolment


def _class_url(cme_class: CmeClass) -> str:
    return reverse("teaching:cme_class", args=[cme_class.public_id])


def _tell_organiser(cme_class: CmeClass, learner: User) -> None:
    organiser = cme_class.created_by
    transaction.on_commit(
        lambda: notify(
            [organiser],
            verb="cme_enrolment",
            title=_("An enrolment awaits approval: %(cls)s") % {"cls": cme_class.title},
            body=str(learner),
            url=reverse("teaching:cme_enrolments", args=[cme_class.public_id]),
            summary=_("A CME class enrolment awaits your approval."),
        )
    )


def decide(enrolment: Enrolment, *, actor: User, approve: bool) -> Enrolment:
    """Approve or refuse a pending enrolment (a refused one frees its place)."""
    if not may_manage_class(actor, enrolment.cme_class):
        raise PermissionDenied(_("Only the class's organisers may manage it."))
    with transaction.atomic():
        locked = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
        target = EnrolmentStatus.APPROVED if approve else EnrolmentStatus.REFUSED
        if locked.status == target:
            return locked
        if locked.status != EnrolmentStatus.PENDING:
            raise ValidationError(
                _("This enrolment is no longer awaiting approval (it is “%(status)s”).")
                % {"status": locked.get_status_display()}
            )
        locked.status, locked.decided_by, locked.decided_at = target, actor, timezone.now()
        locked.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
        cme_class = locked.cme_class
        title = (
            _("You are enrolled in %(cls)s.")
            if approve
            else _("Your enrolment in %(cls)s was refused.")
        ) % {"cls": cme_class.title}
        learner = locked.learner
        transaction.on_commit(
            lambda: notify(
                [learner],
                verb="cme_enrolment",
                title=title,
                url=_class_url(cme_class),
                summary=_("Your CME class enrolment was decided."),
            )
        )
    return locked


def cancel_enrolment(enrolment: Enrolment, *, actor: User) -> Enrolment:
    """The learner gives up their place (before credits were issued for it)."""
    if enrolment.learner_id != actor.pk:
        raise PermissionDenied(_("Only the learner may cancel their enrolment."))
    with transaction.atomic():
        locked = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
        if locked.status == EnrolmentStatus.CANCELLED:
            return locked
        if Credit.objects.filter(enrolment=locked).exists():
            raise ValidationError(_("Credits were issued for this class: it cannot be cancelled."))
        if locked.status not in HOLDS_PLACE:
            raise ValidationError(_("This enrolment cannot be cancelled."))
        locked.status = EnrolmentStatus.CANCELLED
        locked.save(update_fields=["status", "updated_at"])
    return locked


# --- attendance -----------------------------------------------------------------------------


def _approved_enrolment(session: CmeSession, learner: User) -> Enrolment:
    enrolment = Enrolment.objects.filter(
        cme_class=session.cme_class, learner=learner, status=EnrolmentStatus.APPROVED
    ).first()
    if enrolment is None:
        raise PermissionDenied(_("Only learners enrolled in the class may attend it."))
    return enrolment


def _mark_attended(enrolment: Enrolment) -> None:
    """The first attendance of a class counts once as a training participation."""
    now = timezone.now()
    if Enrolment.objects.filter(pk=enrolment.pk, attended_at__isnull=True).update(attended_at=now):
        learner = enrolment.learner
        transaction.on_commit(
            lambda: record_activity(
                action=Metric.TRAINING,
                user=learner,
                hospital=learner.hospital_id,
                kind=ACTIVITY_KIND,
                at=now,
            )
        )


def enter_room(session: CmeSession, *, user: User) -> RoomSession:
    """Open (once) the session's room session and let ``user`` in: an enrolled learner, or
    one of the class's organisers, while the session is on."""
    if session.room_id is None:
        raise ValidationError(_("This session is held on site, not in a teaching room."))
    organiser = may_manage_class(user, session.cme_class)
    enrolment = None if organiser else _approved_enrolment(session, user)
    if not selectors.session_is_on(session):
        raise ValidationError(_("The room opens 30 minutes before the session starts."))
    with transaction.atomic():
        locked = CmeSession.objects.select_for_update().get(pk=session.pk)
        if locked.room_session_id is None:
            locked.room_session = rooms.open_hosted_session(
                session.room, host=session.cme_class.created_by, title=session.title
            )
            locked.save(update_fields=["room_session", "updated_at"])
        room_session = locked.room_session
        assert room_session is not None
        rooms.admit(room_session, user)
        if enrolment is not None:
            _mark_attended(enrolment)
    session.room_session = room_session
    return room_session


def check_in_token(session: CmeSession) -> str:
    """A signed token naming the session (nothing about anyone), good for
    ``CHECK_IN_MAX_AGE`` seconds: what the on-site QR code carries."""
    return signing.TimestampSigner(salt=_CHECK_IN_SALT).sign(session.public_id.hex)


def session_of_token(token: str) -> CmeSession:
    """The session a check-in token names; ``CheckInRefused`` for a forged or expired one."""
    signer = signing.TimestampSigner(salt=_CHECK_IN_SALT)
    try:
        value = signer.unsign(token, max_age=CHECK_IN_MAX_AGE)
    except signing.SignatureExpired:
        raise CheckInRefused(
            _("This check-in code has expired: scan the code on the screen again.")
        ) from None
    except signing.BadSignature:
        raise CheckInRefused(_("This is not a valid check-in code.")) from None
    session = (
        CmeSession.objects.select_related("cme_class", "cme_class__created_by")
        .filter(public_id=value)
        .first()
    )
    if session is None:
        raise CheckInRefused(_("This is not a valid check-in code."))
    return session


def check_in(session: CmeSession, *, learner: User) -> CheckIn:
    """Record that ``learner`` is at the on-site session (once), then evaluate their
    attendance: a learner who now meets the rule receives the credits."""
    enrolment = _approved_enrolment(session, learner)
    if not selectors.session_is_on(session):
        raise CheckInRefused(_("Check-in is open from 30 minutes before the session to its end."))
    with transaction.atomic():
        row, _created = CheckIn.objects.get_or_create(session=session, learner=learner)
        _mark_attended(enrolment)
        evaluate(enrolment)
    return row


# --- the rule, credits ----------------------------------------------------------------------


def evaluate(enrolment: Enrolment, now: datetime | None = None) -> bool:
    """Measure the learner's attendance against the class's rule and record the outcome;
    a pass issues the credits (once). A pass is never taken back."""
    with transaction.atomic():
        locked = (
            Enrolment.objects.select_for_update()
            .select_related("cme_class", "learner")
            .get(pk=enrolment.pk)
        )
        if locked.status != EnrolmentStatus.APPROVED:
            return False
        attendance = selectors.attendance_of(locked, now)
        passed = bool(locked.passed) or attendance.passed
        if attendance.any and locked.attended_at is None:
            _mark_attended(locked)
        locked.passed, locked.evaluated_at = passed, timezone.now()
        locked.save(update_fields=["passed", "evaluated_at", "updated_at"])
        if passed:
            _issue_credit(locked)
    enrolment.passed = passed
    return passed


def evaluate_class(cme_class: CmeClass, *, actor: User) -> tuple[int, int]:
    """Evaluate every enrolled learner (after the sessions, for attendance in the room);
    returns (learners evaluated, learners who passed)."""
    if not may_manage_class(actor, cme_class):
        raise PermissionDenied(_("Only the class's organisers may manage it."))
    enrolments = list(cme_class.enrolments.filter(status=EnrolmentStatus.APPROVED))
    passed = sum(1 for e in enrolments if evaluate(e))
    return len(enrolments), passed


def new_code() -> str:
    """An unguessable verification code: 16 base32 characters (80 random bits)."""
    return base64.b32encode(secrets.token_bytes(10)).decode()


def _issue_credit(enrolment: Enrolment) -> Credit:
    existing = Credit.objects.filter(enrolment=enrolment).first()
    if existing is not None:
        return existing
    cme_class, learner = enrolment.cme_class, enrolment.learner
    credit = Credit.objects.create(
        learner=learner,
        cme_class=cme_class,
        enrolment=enrolment,
        learner_name=learner.name,
        credit_class=cme_class.credit_class,
        amount=cme_class.credit_amount,
        code=new_code(),
    )
    transaction.on_commit(
        lambda: record_credits(
            user=learner, credits=credit.amount, kind=ACTIVITY_KIND, at=credit.issued_at
        )
    )
    transaction.on_commit(
        lambda: notify(
            [learner],
            verb="cme_credit",
            title=_("You passed %(cls)s: %(n)s credits were issued.")
            % {"cls": cme_class.title, "n": credit.amount},
            url=reverse("teaching:cme_credits"),
            summary=_("CME credits were issued to you."),
        )
    )
    return credit


# --- training requests (the closed-loop kind ``training_request``) -------------------------


@dataclass(frozen=True)
class TrainingRequestData:
    topic: str
    audience: str
    participants: int
    preferred_from: Any  # date
    preferred_to: Any  # date


def training_request_errors(data: TrainingRequestData) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not data.topic.strip():
        errors["topic"] = _("Give the topic of the training.")
    if not data.audience.strip():
        errors["audience"] = _("Say who the training is for.")
    if not 1 <= data.participants <= 10000:
        errors["participants"] = _("Give the expected number of participants (1 to 10,000).")
    if data.preferred_to < data.preferred_from:
        errors["preferred_to"] = _("The last preferred date is before the first.")
    elif data.preferred_from < timezone.localdate():
        errors["preferred_from"] = _("The preferred dates are in the past.")
    return errors


def save_training_request(
    *, applicant: User, data: TrainingRequestData, instance: Any = None
) -> Any:
    """Create a hospital's training request (submitted to the closed loop by the apply
    page), or update a draft or returned one."""
    from yilian.core.dates import start_of
    from yilian.workflow.services import save_application

    from .kinds import TRAINING_REQUEST
    from .models import TrainingRequest

    errors = training_request_errors(data)
    if errors:
        raise ValidationError(errors)
    values = {
        "topic": data.topic.strip(),
        "audience": data.audience.strip(),
        "participants": data.participants,
        "preferred_from": data.preferred_from,
        "preferred_to": data.preferred_to,
    }
    with transaction.atomic():
        request = save_application(
            kind=TRAINING_REQUEST,
            applicant=applicant,
            title=_("Training: %(topic)s") % {"topic": values["topic"]},
            instance=instance,
            desired_start=start_of(data.preferred_from),
            desired_end=start_of(data.preferred_to),
        )
        TrainingRequest.objects.update_or_create(request=request, defaults=values)
    return request


def class_from_request(request: Any, *, actor: User) -> CmeClass:
    """The CME class a completed training request becomes (once): unpublished, with the
    request's topic, places for the expected participants, enrolment open until the
    scheduled start, and its one session in the booked teaching room (or on site). The
    organiser (the team member who completed the request) reviews it and publishes it."""
    from .models import TrainingRequest

    existing = CmeClass.objects.filter(training_request=request).first()
    if existing is not None:
        return existing
    detail = TrainingRequest.objects.get(request=request)
    now = timezone.now()
    starts = request.scheduled_start or request.desired_start or now
    ends = request.scheduled_end
    if ends is None or ends <= starts:
        ends = starts + timedelta(hours=2)
    cme_class = CmeClass.objects.create(
        title=detail.topic,
        description=detail.audience,
        credit_amount=Decimal("1.0"),
        quota=detail.participants,
        enrol_opens=now,
        enrol_closes=max(starts, now + timedelta(days=1)),
        created_by=actor,
        training_request=request,
    )
    room = request.room if request.room and request.room.kind == Room.Kind.TEACHING else None
    CmeSession.objects.create(
        cme_class=cme_class,
        title=detail.topic,
        starts_at=starts,
        ends_at=ends,
        room=room,
        place="" if room else (request.arrangement[:120] or str(request.applicant_hospital)),
    )
    return cme_class
