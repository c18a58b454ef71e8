"""Every write of the remote e-clinic and the remote ward round.

E-clinic: ``save_schedule`` (an expert's weekly clinic, its slots generated at once),
``generate_slots`` / ``generate_all_slots`` (the bookable slots for the coming weeks),
``add_exception`` (a date without clinic: its free slots removed; refused while a slot of
that date is booked), ``save_visit`` (a booking: the request and its ``ClinicVisit``, the
slot row locked so a slot never holds two live bookings).

Ward round: ``save_ward_round`` (the request, its ``WardRound`` and 2–20 patient rows),
``comment_on_row`` (an assigned expert, while the round is in progress) and
``record_action`` (the applicant's hospital, once the round is completed).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest
from django.utils import formats, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from yilian.accounts.models import User
from yilian.accounts.roles import Role
from yilian.audit.models import AuditAction
from yilian.audit.services import record
from yilian.patients.models import Patient
from yilian.patients.selectors import patient_choice_error, patients_to_choose
from yilian.workflow.models import BusinessRequest, Status, Urgency
from yilian.workflow.rules import Who
from yilian.workflow.services import save_application

from .kinds import E_CLINIC, WARD_ROUND
from .models import (
    ClinicException,
    ClinicSchedule,
    ClinicSlot,
    ClinicVisit,
    WardRound,
    WardRoundPatient,
)

MAX_TEXT = 10_000
WEEKS_AHEAD = 4
MIN_SLOT_MINUTES = 5
MAX_SLOT_MINUTES = 240
MIN_ROWS = 2
MAX_ROWS = 20
# A booking whose request is in one of these no longer holds its slot.
RELEASED_STATUSES = frozenset({Status.CANCELLED, Status.REJECTED})
AFTER_COMPLETION = frozenset({Status.COMPLETED, Status.FEEDBACK_GIVEN, Status.CLOSED})


def _short(moment: datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")


def _text_error(value: str, message: Any) -> Any:
    text = (value or "").strip()
    if not text:
        return message
    if len(text) > MAX_TEXT:
        return gettext("Keep it to %(max)d characters.") % {"max": MAX_TEXT}
    return None


# --- e-clinic: schedules, slots, exceptions ---------------------------------------------


def _require_expert(user: User) -> None:
    if not user.can_use_business or not user.has_role(Role.EXPERT):
        raise PermissionDenied(gettext("Only experts hold e-clinics."))


@dataclass(frozen=True)
class ScheduleData:
    weekday: int
    start_time: time
    end_time: time
    slot_minutes: int
    valid_from: date
    valid_to: date | None = None


def schedule_errors(data: ScheduleData) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    if data.weekday not in range(7):
        errors["weekday"] = _("Choose a weekday.")
    if data.end_time <= data.start_time:
        errors["end_time"] = _("The end must be after the start.")
    if not MIN_SLOT_MINUTES <= data.slot_minutes <= MAX_SLOT_MINUTES:
        errors["slot_minutes"] = gettext("A slot lasts %(low)d to %(high)d minutes.") % {
            "low": MIN_SLOT_MINUTES,
            "high": MAX_SLOT_MINUTES,
        }
    elif "end_time" not in errors:
        span = datetime.combine(date.min, data.end_time) - datetime.combine(
            date.min, data.start_time
        )
        if span < timedelta(minutes=data.slot_minutes):
            errors["slot_minutes"] = _("The clinic is shorter than one slot.")
    if data.valid_to is not None and data.valid_to < data.valid_from:
        errors["valid_to"] = _("The last day must not be before the first.")
    return errors


def _slot_times(schedule: ClinicSchedule, day: date) -> list[tuple[datetime, datetime]]:
    start = timezone.make_aware(datetime.combine(day, schedule.start_time))
    end_of_clinic = timezone.make_aware(datetime.combine(day, schedule.end_time))
    length = timedelta(minutes=schedule.slot_minutes)
    times = []
    while start + length <= end_of_clinic:
        times.append((start, start + length))
        start += length
    return times


def generate_slots(
    schedule: ClinicSchedule, *, weeks: int = WEEKS_AHEAD, today: date | None = None
) -> int:
    """Create the schedule's bookable slots from today (or its first day) for ``weeks``
    weeks, skipping the expert's exception dates and slots already there; the number
    created."""
    today = today or timezone.localdate()
    first = max(today, schedule.valid_from)
    last = today + timedelta(weeks=weeks)
    if schedule.valid_to is not None:
        last = min(last, schedule.valid_to)
    closed = set(
        ClinicException.objects.filter(
            expert_id=schedule.expert_id, date__range=(first, last)
        ).values_list("date", flat=True)
    )
    day = first + timedelta(days=(schedule.weekday - first.weekday()) % 7)
    now = timezone.now()
    wanted: list[ClinicSlot] = []
    while day <= last:
        if day not in closed:
            for start, end in _slot_times(schedule, day):
                if start > now:
                    wanted.append(
                        ClinicSlot(
                            schedule=schedule, expert_id=schedule.expert_id, start=start, end=end
                        )
                    )
        day += timedelta(days=7)
    existing = set(
        ClinicSlot.objects.filter(
            expert_id=schedule.expert_id, start__in=[s.start for s in wanted]
        ).values_list("start", flat=True)
    )
    new = [s for s in wanted if s.start not in existing]
    ClinicSlot.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def generate_all_slots(*, weeks: int = WEEKS_AHEAD, today: date | None = None) -> int:
    """Extend every current schedule's slots to ``weeks`` ahead (run daily, e.g. by the
    ``generate_clinic_slots`` command); the number created."""
    today = today or timezone.localdate()
    current = ClinicSchedule.objects.exclude(valid_to__lt=today).filter(expert__is_active=True)
    return sum(generate_slots(s, weeks=weeks, today=today) for s in current)


def _overlapping(expert: User, data: ScheduleData) -> ClinicSchedule | None:
    """An existing schedule of the expert on the same weekday whose hours and days overlap."""
    qs = ClinicSchedule.objects.filter(
        expert=expert,
        weekday=data.weekday,
        start_time__lt=data.end_time,
        end_time__gt=data.start_time,
    ).exclude(valid_to__lt=data.valid_from)
    if data.valid_to is not None:
        qs = qs.filter(valid_from__lte=data.valid_to)
    return qs.first()


def save_schedule(*, expert: User, data: ScheduleData) -> ClinicSchedule:
    """An expert's weekly clinic, with its slots for the coming weeks."""
    _require_expert(expert)
    errors = schedule_errors(data)
    if not errors:
        clash = _overlapping(expert, data)
        if clash is not None:
            errors["start_time"] = gettext("This overlaps your clinic %(clinic)s.") % {
                "clinic": clash
            }
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        schedule = ClinicSchedule.objects.create(
            expert=expert,
            weekday=data.weekday,
            start_time=data.start_time,
            end_time=data.end_time,
            slot_minutes=data.slot_minutes,
            valid_from=data.valid_from,
            valid_to=data.valid_to,
        )
        generate_slots(schedule)
    return schedule


def _booked(slots: Any) -> Any:
    return (
        ClinicVisit.objects.filter(slot__in=slots)
        .exclude(request__status__in=RELEASED_STATUSES)
        .select_related("slot")
    )


def add_exception(*, expert: User, day: date, reason: str = "") -> ClinicException:
    """No clinic on ``day``: its free slots are removed (a slot that a cancelled booking
    names stays, for that booking's record, and is no longer offered). Refused while one
    of them is booked (the booking must be cancelled first)."""
    _require_expert(expert)
    reason = (reason or "").strip()
    if len(reason) > ClinicException._meta.get_field("reason").max_length:  # type: ignore[operator]
        raise ValidationError({"reason": _("Keep the reason to 200 characters.")})
    if day < timezone.localdate():
        raise ValidationError({"date": _("Choose today or a later date.")}, code="past")
    if ClinicException.objects.filter(expert=expert, date=day).exists():
        raise ValidationError({"date": _("This date is already without clinic.")}, code="twice")
    with transaction.atomic():
        slots = ClinicSlot.objects.select_for_update().filter(expert=expert, start__date=day)
        slot_ids = [s.pk for s in slots]
        booked = list(_booked(slot_ids).order_by("slot__start"))
        if booked:
            raise ValidationError(
                {
                    "date": gettext(
                        "Patients are booked on that day (%(times)s): cancel those visits "
                        "before closing the clinic."
                    )
                    % {"times": "、".join(_short(v.slot.start) for v in booked)}
                },
                code="booked",
            )
        ClinicSlot.objects.filter(pk__in=slot_ids).exclude(visits__isnull=False).delete()
        return ClinicException.objects.create(expert=expert, date=day, reason=reason)


def remove_exception(*, expert: User, exception: ClinicException) -> None:
    """Hold the clinic on that date again: the slots of the expert's schedules return."""
    _require_expert(expert)
    if exception.expert_id != expert.pk:
        raise Http404
    with transaction.atomic():
        exception.delete()
        for schedule in ClinicSchedule.objects.filter(expert=expert):
            generate_slots(schedule)


# --- e-clinic: booking ------------------------------------------------------------------


@dataclass(frozen=True)
class VisitData:
    slot: ClinicSlot | None
    patient: Patient | None
    complaint: str
    urgency: str = Urgency.ROUTINE


def visit_errors(applicant: User, data: VisitData) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    if data.slot is None:
        errors["slot"] = _("Choose a clinic slot.")
    if (problem := patient_choice_error(applicant, data.patient)) is not None:
        errors["patient"] = problem
    problem = _text_error(data.complaint, _("Describe the patient's complaint."))
    if problem:
        errors["complaint"] = problem
    if data.urgency not in Urgency.values:
        errors["urgency"] = _("Choose an urgency.")
    return errors


def visit_title(slot: ClinicSlot) -> str:
    """Never the patient: titles travel in notifications and lists."""
    return gettext("E-clinic · %(expert)s · %(time)s") % {
        "expert": slot.expert,
        "time": _short(slot.start),
    }


def save_visit(
    *, applicant: User, data: VisitData, instance: BusinessRequest | None = None
) -> BusinessRequest:
    """Book a free slot for a patient of the applicant's hospital (a draft request), or
    change the applicant's draft. The slot row is locked: a slot holds at most one
    booking that is not cancelled; the second booker is told it was just taken."""
    errors = visit_errors(applicant, data)
    if errors:
        raise ValidationError(errors)
    if instance is not None and instance.kind != E_CLINIC:
        raise PermissionDenied(gettext("Only the applicant may change this application."))
    assert data.slot is not None and data.patient is not None
    with transaction.atomic():
        try:
            slot = (
                ClinicSlot.objects.select_for_update().select_related("expert").get(pk=data.slot.pk)
            )
        except ClinicSlot.DoesNotExist:
            raise ValidationError(
                {"slot": _("This slot is no longer offered: choose another one.")},
                code="slot_gone",
            ) from None
        if slot.start <= timezone.now():
            raise ValidationError(
                {"slot": _("This slot has passed: choose another one.")}, code="slot_passed"
            )
        taken = _booked([slot.pk])
        if instance is not None:
            taken = taken.exclude(request=instance)
        if taken.exists():
            raise ValidationError(
                {
                    "slot": gettext(
                        "The slot at %(time)s was just taken by another booking: choose "
                        "another one."
                    )
                    % {"time": _short(slot.start)}
                },
                code="slot_taken",
            )
        title = visit_title(slot)
        request = save_application(
            kind=E_CLINIC,
            applicant=applicant,
            title=title,
            instance=instance,
            urgency=data.urgency,
            desired_start=slot.start,
            desired_end=slot.end,
            patient=data.patient,
        )
        if instance is None:
            visit = ClinicVisit(request=request, slot=slot)
        else:
            visit = ClinicVisit.objects.get(request=request)
            visit.slot = slot
        visit.complaint = data.complaint.strip()
        visit.save()
    return request


# --- ward round ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RowData:
    patient: Patient | None
    bed: str
    summary: str
    question: str
    consent_on_file: bool


@dataclass(frozen=True)
class WardRoundData:
    ward: str
    rows: Sequence[RowData]
    urgency: str = Urgency.ROUTINE
    desired_start: datetime | None = None
    desired_end: datetime | None = None


def ward_round_errors(applicant: User, data: WardRoundData) -> dict[str, Any]:
    """What is wrong with a round (empty when nothing); row problems under ``rows``,
    each naming its row number."""
    errors: dict[str, Any] = {}
    if not data.ward.strip():
        errors["ward"] = _("Name the ward.")
    elif len(data.ward.strip()) > 100:
        errors["ward"] = _("Keep the ward's name to 100 characters.")
    if data.urgency not in Urgency.values:
        errors["urgency"] = _("Choose an urgency.")
    if not MIN_ROWS <= len(data.rows) <= MAX_ROWS:
        errors["rows"] = [
            gettext("A ward round covers %(low)d to %(high)d patients.")
            % {"low": MIN_ROWS, "high": MAX_ROWS}
        ]
    allowed = set(patients_to_choose(applicant).values_list("pk", flat=True))
    seen: set[int] = set()
    problems: list[str] = []
    for number, row in enumerate(data.rows, start=1):
        missing = []
        if row.patient is None:
            missing.append(gettext("the patient"))
        elif row.patient.pk not in allowed:
            problems.append(
                gettext("Row %(n)d: choose a patient of your hospital.") % {"n": number}
            )
        elif row.patient.pk in seen:
            problems.append(gettext("Row %(n)d: this patient is listed twice.") % {"n": number})
        else:
            seen.add(row.patient.pk)
        if not row.bed.strip():
            missing.append(gettext("the bed"))
        elif len(row.bed.strip()) > 20:
            problems.append(gettext("Row %(n)d: keep the bed to 20 characters.") % {"n": number})
        for value, label in (
            (row.summary, gettext("the summary")),
            (row.question, gettext("the question")),
        ):
            if not value.strip():
                missing.append(label)
            elif len(value.strip()) > MAX_TEXT:
                problems.append(gettext("Row %(n)d: a text is too long.") % {"n": number})
        if missing:
            problems.append(
                gettext("Row %(n)d: give %(what)s.") % {"n": number, "what": "、".join(missing)}
            )
        if not row.consent_on_file:
            problems.append(
                gettext("Row %(n)d: confirm that the patient's consent is on file.") % {"n": number}
            )
    if problems:
        errors.setdefault("rows", []).extend(problems)
    return errors


def ward_round_title(data: WardRoundData, day: date | None = None) -> str:
    return gettext("Ward round · %(ward)s · %(count)d patients · %(date)s") % {
        "ward": data.ward.strip(),
        "count": len(data.rows),
        "date": (day or timezone.localdate()).isoformat(),
    }


def save_ward_round(
    *, applicant: User, data: WardRoundData, instance: BusinessRequest | None = None
) -> BusinessRequest:
    """A ward round (a draft) with its patient rows, or the applicant's draft or returned
    round changed (its rows replaced). All or nothing."""
    errors = ward_round_errors(applicant, data)
    if errors:
        raise ValidationError(errors)
    if instance is not None and instance.kind != WARD_ROUND:
        raise PermissionDenied(gettext("Only the applicant may change this application."))
    day = timezone.localdate(instance.created_at) if instance is not None else None
    title = ward_round_title(data, day)
    with transaction.atomic():
        request = save_application(
            kind=WARD_ROUND,
            applicant=applicant,
            title=title,
            instance=instance,
            urgency=data.urgency,
            desired_start=data.desired_start,
            desired_end=data.desired_end,
        )
        round_ = (
            WardRound(request=request)
            if instance is None
            else WardRound.objects.get(request=request)
        )
        round_.ward = data.ward.strip()
        round_.save()
        round_.rows.all().delete()
        WardRoundPatient.objects.bulk_create(
            [
                WardRoundPatient(
                    round=round_,
                    position=number,
                    patient=row.patient,
                    bed=row.bed.strip(),
                    summary=row.summary.strip(),
                    question=row.question.strip(),
                    consent_on_file=row.consent_on_file,
                )
                for number, row in enumerate(data.rows, start=1)
            ]
        )
    return request


def _locked_round_request(row: WardRoundPatient, actor: User) -> BusinessRequest:
    try:
        locked = BusinessRequest.objects.select_for_update().get(pk=row.round.request_id)
    except BusinessRequest.DoesNotExist:
        raise Http404 from None
    if not BusinessRequest.objects.visible_to(actor).filter(pk=locked.pk).exists():
        raise Http404
    return locked


def _checked_body(body: str, message: Any) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": message}, code="required")
    if len(body) > MAX_TEXT:
        raise ValidationError(
            {"body": gettext("Keep it to %(max)d characters.") % {"max": MAX_TEXT}},
            code="too_long",
        )
    return body


def comment_on_row(
    row: WardRoundPatient, *, actor: User, body: str, http_request: HttpRequest | None = None
) -> WardRoundPatient:
    """An assigned expert's comment on one patient of the round, while it is in progress
    (writing again replaces it). Audited."""
    with transaction.atomic():
        locked = _locked_round_request(row, actor)
        if not actor.can_use_business or not locked.experts.filter(pk=actor.pk).exists():
            raise PermissionDenied(gettext("Only the experts assigned to this round comment."))
        if locked.status != Status.IN_PROGRESS:
            raise ValidationError(
                gettext("Comments are written while the round is in progress; it is “%(status)s”.")
                % {"status": locked.get_status_display()},
                code="not_in_progress",
            )
        text = _checked_body(body, _("Write your comment on this patient."))
        row = WardRoundPatient.objects.select_for_update().get(pk=row.pk)
        action = AuditAction.UPDATE if row.comment else AuditAction.CREATE
        row.comment = text
        row.commented_by = actor
        row.commented_at = timezone.now()
        row.save(update_fields=["comment", "commented_by", "commented_at", "updated_at"])
        record(http_request, action=action, target=row, patient=row.patient, actor=actor)
    return row


def record_action(
    row: WardRoundPatient, *, actor: User, body: str, http_request: HttpRequest | None = None
) -> WardRoundPatient:
    """What the applicant's hospital did with the advice on one patient, once the round is
    completed (recording again replaces it). Audited."""
    with transaction.atomic():
        locked = _locked_round_request(row, actor)
        if not Who(actor, locked).in_applicant_hospital:
            raise PermissionDenied(
                gettext("Only the requesting hospital records what it did with the advice.")
            )
        if locked.status not in AFTER_COMPLETION:
            raise ValidationError(
                gettext("Actions are recorded once the round is completed; it is “%(status)s”.")
                % {"status": locked.get_status_display()},
                code="not_completed",
            )
        text = _checked_body(body, _("Write what was done with the advice."))
        row = WardRoundPatient.objects.select_for_update().get(pk=row.pk)
        action = AuditAction.UPDATE if row.action_taken else AuditAction.CREATE
        row.action_taken = text
        row.action_by = actor
        row.action_at = timezone.now()
        row.save(update_fields=["action_taken", "action_by", "action_at", "updated_at"])
        record(http_request, action=action, target=row, patient=row.patient, actor=actor)
    return row
