"""What the API answers, and how a row becomes it. Identifiers are public ids only; a
label is the value's name in the caller's language (``Accept-Language``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from ninja import Schema

from .pagination import Page


class Ref(Schema):
    """Another object, by public id and name."""

    id: UUID
    name: str


def ref(obj: Any, name: str = "name") -> dict[str, Any] | None:
    if obj is None:
        return None
    return {"id": obj.public_id, "name": str(getattr(obj, name))}


# --- businesses -----------------------------------------------------------------------


class BusinessOut(Schema):
    id: UUID
    kind: str
    kind_label: str
    title: str
    status: str
    status_label: str
    urgency: str
    applicant: Ref
    applicant_hospital: Ref
    patient_id: UUID | None
    team: Ref | None
    room: Ref | None
    form: str
    desired_start: datetime | None
    desired_end: datetime | None
    scheduled_start: datetime | None
    scheduled_end: datetime | None
    version: int
    due_at: datetime | None
    overdue: bool
    created_at: datetime
    updated_at: datetime


class BusinessDetailOut(BusinessOut):
    allowed_actions: list[str]
    experts: list[Ref]
    contact: str
    arrangement: str


class BusinessPage(Page):
    items: list[BusinessOut]


class EventOut(Schema):
    action: str
    action_label: str
    from_status: str
    to_status: str
    actor: Ref | None
    note: str
    at: datetime


class ActionOut(Schema):
    action: str
    label: str


class ActionsOut(Schema):
    version: int
    actions: list[ActionOut]


class TransitionIn(Schema):
    """The data of one step. ``expected_version`` (the business's ``version`` as you last
    read it) is required: a step taken meanwhile by someone else makes the call a 409
    instead of overwriting it. Each step reads only its own fields — submit, approve,
    publish, start: ``note``; return: ``note`` (required); reject, decline, cancel:
    ``reason`` (required), withdraw: ``reason``; dispatch: ``team``, ``note``; confirm:
    ``scheduled_start``, ``scheduled_end``, ``form``, ``room``, ``experts``, ``contact``,
    ``arrangement``; complete: ``body``; feedback: ``satisfaction``, ``timeliness``,
    ``quality`` (1–5), ``comment``; close: ``score`` (0–100), ``checklist``, ``comment``."""

    model_config = {"extra": "forbid"}

    expected_version: int
    note: str | None = None
    reason: str | None = None
    team: UUID | None = None
    scheduled_start: datetime | None = None
    scheduled_end: datetime | None = None
    form: str | None = None
    room: UUID | None = None
    experts: list[UUID] | None = None
    contact: str | None = None
    arrangement: str | None = None
    body: str | None = None
    satisfaction: int | None = None
    timeliness: int | None = None
    quality: int | None = None
    comment: str | None = None
    score: int | None = None
    checklist: dict[str, bool] | None = None


# --- patients -------------------------------------------------------------------------


class PatientOut(Schema):
    id: UUID
    hospital: Ref
    name: str
    sex: str
    birth_date: date | None
    medical_record_number: str
    national_id: str
    phone: str
    address: str | None
    identifiers_masked: bool


class PatientPage(Page):
    items: list[PatientOut]


class PatientSearchIn(Schema):
    model_config = {"extra": "forbid"}

    query: str = ""
    cursor: str | None = None
    limit: int = 20


class AccessEntryOut(Schema):
    at: datetime
    actor: Ref | None
    action: str
    outcome: str


class AccessPage(Page):
    items: list[AccessEntryOut]


# --- files ----------------------------------------------------------------------------


class FileOut(Schema):
    id: UUID
    name: str
    purpose: str
    size: int
    mime_type: str
    sha256: str
    uploaded_by: Ref
    created_at: datetime
    download_url: str


class FilePage(Page):
    items: list[FileOut]


# --- notifications --------------------------------------------------------------------


class NotificationOut(Schema):
    id: UUID
    verb: str
    title: str
    body: str
    url: str
    urgent: bool
    read_at: datetime | None
    created_at: datetime


class NotificationPage(Page):
    items: list[NotificationOut]


class MarkedOut(Schema):
    marked: int


# --- rooms and sessions ---------------------------------------------------------------


class ScheduledSessionOut(Schema):
    """A scheduled video session of a business (its room session exists once someone
    entered: ``session_id``)."""

    business_id: UUID
    title: str
    kind: str
    status: str
    scheduled_start: datetime | None
    scheduled_end: datetime | None
    hospital: Ref
    room: Ref | None
    session_id: UUID | None


class ScheduledSessionPage(Page):
    items: list[ScheduledSessionOut]


class RoomSessionOut(Schema):
    id: UUID
    title: str
    business_id: UUID | None
    room: Ref | None
    host: Ref | None
    locked: bool
    created_at: datetime
    ended_at: datetime | None


class RoomSessionPage(Page):
    items: list[RoomSessionOut]


class RoomSessionDetailOut(RoomSessionOut):
    participants: list[Ref]
    may_enter: bool


class RoomOut(Schema):
    id: UUID
    name: str
    hospital: Ref


class RoomPage(Page):
    items: list[RoomOut]


# --- teaching -------------------------------------------------------------------------


class CourseOut(Schema):
    id: UUID
    title: str
    description: str
    category: str | None
    published: bool
    created_at: datetime


class CoursePage(Page):
    items: list[CourseOut]


class ProgressOut(Schema):
    position_seconds: int
    completed: bool
    completed_at: datetime | None
    updated_at: datetime | None


class LessonOut(Schema):
    id: UUID
    course_id: UUID
    position: int
    title: str
    kind: str
    duration_seconds: int
    file_id: UUID | None
    progress: ProgressOut | None


class CourseDetailOut(CourseOut):
    lessons: list[LessonOut]
    lessons_completed: int
    completed: bool


class ProgressIn(Schema):
    model_config = {"extra": "forbid"}

    position: int
    finished: bool = False


# --- me -------------------------------------------------------------------------------


class MeOut(Schema):
    id: UUID
    name: str
    hospital: Ref | None
    roles: list[str]
    token_scope: str | None


# --- CME classes ------------------------------------------------------------------------


class CmeClassOut(Schema):
    id: UUID
    title: str
    description: str
    credit_class: str
    credit_amount: float
    quota: int
    places_left: int
    needs_approval: bool
    enrol_opens: datetime
    enrol_closes: datetime
    enrolment_open: bool
    published: bool
    created_at: datetime


class CmeClassPage(Page):
    items: list[CmeClassOut]


class CmeSessionOut(Schema):
    id: UUID
    title: str
    starts_at: datetime
    ends_at: datetime
    online: bool
    place: str


class EnrolmentOut(Schema):
    id: UUID
    class_id: UUID
    status: str
    status_label: str
    created_at: datetime
    updated_at: datetime


class CmeClassDetailOut(CmeClassOut):
    sessions: list[CmeSessionOut]
    enrolment: EnrolmentOut | None


class CreditOut(Schema):
    id: UUID
    class_id: UUID
    class_title: str
    credit_class: str
    amount: float
    issued_at: datetime
    code: str


class CreditPage(Page):
    items: list[CreditOut]


# --- live events ------------------------------------------------------------------------


class LiveEventOut(Schema):
    """A live event as its audience sees it (never its stream key)."""

    id: UUID
    title: str
    kind: str
    kind_label: str
    description: str
    starts_at: datetime
    ends_at: datetime
    host_hospital: Ref
    audience: str
    status: str
    status_label: str
    live_at: datetime | None
    ended_at: datetime | None
    replay_lesson_id: UUID | None


class LiveEventPage(Page):
    items: list[LiveEventOut]


# --- data reporting -----------------------------------------------------------------------


class DatasetOut(Schema):
    id: UUID
    code: str
    name: str
    description: str
    frequency: str
    is_active: bool
    created_at: datetime


class DatasetPage(Page):
    items: list[DatasetOut]


class PeriodOut(Schema):
    id: UUID
    label: str
    start: date
    end: date
    deadline: date


class ReportOut(Schema):
    id: UUID
    dataset: Ref
    period: PeriodOut
    hospital: Ref
    status: str
    status_label: str
    version: int
    first_submitted_at: datetime | None
    submitted_at: datetime | None
    accepted_at: datetime | None
    created_at: datetime
    updated_at: datetime


class ReportPage(Page):
    items: list[ReportOut]


class ReportValueOut(Schema):
    code: str
    label: str
    type: str
    unit: str
    value: str | None


class ReportDetailOut(ReportOut):
    values: list[ReportValueOut]
    comments: dict[str, str]


class ReportSubmitIn(Schema):
    """Every indicator's value as typed (by indicator code; computed ones are left out) and
    the ``version`` of the report you read."""

    model_config = {"extra": "forbid"}

    values: dict[str, str]
    expected_version: int
