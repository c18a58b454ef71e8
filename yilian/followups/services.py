"""Every write of patient follow-up.

Templates: ``save_template`` (a hospital admin writes their hospital's templates, the
management team the alliance-wide ones). Plans: ``start_plan`` creates the engine's
request of kind ``follow_up``, submits it through the engine (review is passed through and
the request routed by the kind's rule), and writes the plan with its visits — all in one
transaction; ``start_plan_from_request`` does the same for the patient of a closed
consultation or a completed down-referral. Visits: ``create_answer_link`` gives the
patient a one-time link, ``answer_visit`` stores the answers (escalated when one hits an
alert), ``check_visit`` — the deferred task at the end of the visit's window — marks an
unanswered visit missed and tells the responsible doctor, once.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from yilian.accounts.models import User
from yilian.accounts.roles import Role
from yilian.casebank.services import refresh_outcomes
from yilian.core.links import LinkGone, new_token, token_hash
from yilian.notify.services import notify
from yilian.patients.models import Patient
from yilian.patients.selectors import patient_choice_error
from yilian.workflow.models import BusinessRequest, Status
from yilian.workflow.services import create_request, transition

from .kinds import FOLLOW_UP
from .models import FollowUpPlan, FollowUpTemplate, FollowUpVisit, QuestionType, VisitStatus

logger = logging.getLogger(__name__)

MAX_VISITS = 12
MAX_OFFSET = 3650
MAX_QUESTIONS = 30
MAX_LABEL = 200
MAX_OPTIONS = 10
MAX_OPTION = 60
MAX_ANSWER = 2000
# A plan may start up to this long ago (a plan made after the patient left) or ahead.
START_WINDOW = timedelta(days=90)
# A consultation once closed, a referral once the receiving team completed it.
SOURCE_STATUSES = {
    "consultation": frozenset({Status.CLOSED}),
    "referral": frozenset({Status.COMPLETED, Status.FEEDBACK_GIVEN, Status.CLOSED}),
}
YES, NO = "yes", "no"
# A plan whose request is in one of these is over: its open visits are no longer checked.
PLAN_OVER = frozenset({Status.CANCELLED, Status.COMPLETED, Status.FEEDBACK_GIVEN, Status.CLOSED})


# --- templates ------------------------------------------------------------------------


def parse_offsets(text: str) -> list[int] | None:
    """ "7, 30, 90" → [7, 30, 90]; None when it is not a list of whole numbers."""
    parts = [p for p in re.split(r"[\s,，;；、]+", (text or "").strip()) if p]
    if not all(re.fullmatch(r"[0-9]{1,5}", p) for p in parts):
        return None
    return [int(p) for p in parts]


def offsets_errors(offsets: Sequence[int] | None) -> Any:
    if offsets is None:
        return _("Give the days as whole numbers separated by commas, e.g. 7, 30, 90.")
    if not offsets:
        return _("Give at least one visit day.")
    if len(offsets) > MAX_VISITS:
        return gettext("At most %(max)d visits.") % {"max": MAX_VISITS}
    if any(d < 1 or d > MAX_OFFSET for d in offsets):
        return gettext("Each visit day is between 1 and %(max)d.") % {"max": MAX_OFFSET}
    if list(offsets) != sorted(set(offsets)):
        return _("Give the days in ascending order, each once.")
    return None


def clean_question(raw: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """One question, normalised, and what is wrong with it (keyed by its fields)."""
    errors: dict[str, Any] = {}
    label = str(raw.get("label") or "").strip()
    kind = str(raw.get("type") or "")
    options = raw.get("options") or []
    if isinstance(options, str):
        options = options.splitlines()
    options = [str(o).strip() for o in options if str(o).strip()]
    alert = str(raw.get("alert") or "").strip().lower()
    if not label:
        errors["label"] = _("Write the question.")
    elif len(label) > MAX_LABEL:
        errors["label"] = gettext("Keep it to %(max)d characters.") % {"max": MAX_LABEL}
    if kind not in QuestionType.values:
        errors["type"] = _("Choose the type of answer.")
    if kind == QuestionType.CHOICE:
        if len(options) < 2 or len(options) > MAX_OPTIONS:
            errors["options"] = gettext("Give between 2 and %(max)d options, one per line.") % {
                "max": MAX_OPTIONS
            }
        elif len(set(options)) != len(options):
            errors["options"] = _("Each option once.")
        elif any(len(o) > MAX_OPTION for o in options):
            errors["options"] = gettext("Keep each option to %(max)d characters.") % {
                "max": MAX_OPTION
            }
    elif options:
        errors["options"] = _("Only a choice question has options.")
        options = []
    if alert:
        if kind == QuestionType.YES_NO and alert not in (YES, NO):
            errors["alert"] = _("Alert on “yes” or “no”.")
        elif kind == QuestionType.NUMBER and not (
            re.fullmatch(r"[0-9]{1,2}", alert) and 0 <= int(alert) <= 10
        ):
            errors["alert"] = _("Alert from a number between 0 and 10.")
        elif kind == QuestionType.CHOICE and alert not in [o.lower() for o in options]:
            errors["alert"] = _("Alert on one of the options.")
        elif kind == QuestionType.TEXT:
            errors["alert"] = _("A text answer raises no alert.")
    question = {
        "label": label,
        "type": kind,
        "options": options,
        "required": bool(raw.get("required")),
        "alert": alert,
    }
    return question, errors


def template_errors(
    name: str, offsets: Sequence[int] | None, questions: Sequence[Mapping[str, Any]]
) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    """(errors of the template's own fields, errors per question, the cleaned questions)."""
    errors: dict[str, Any] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = _("Give the template a name.")
    elif len(name) > 100:
        errors["name"] = _("The name is too long.")
    offset_error = offsets_errors(offsets)
    if offset_error:
        errors["offsets"] = offset_error
    cleaned, per_question = [], []
    for raw in questions:
        question, question_errors = clean_question(raw)
        cleaned.append(question)
        per_question.append(question_errors)
    if not cleaned:
        errors["questions"] = _("Add at least one question.")
    elif len(cleaned) > MAX_QUESTIONS:
        errors["questions"] = gettext("At most %(max)d questions.") % {"max": MAX_QUESTIONS}
    return errors, per_question, cleaned


def may_write_templates(user: User) -> bool:
    return bool(
        user.is_authenticated
        and user.can_use_business
        and user.hospital_id
        and user.has_role(Role.HOSPITAL_ADMIN, Role.MANAGER)
    )


def may_edit_template(user: User, template: FollowUpTemplate) -> bool:
    """A hospital admin edits their hospital's templates, the management team the
    alliance-wide ones."""
    if not may_write_templates(user) or user.hospital is None:
        return False
    if template.alliance_id != user.hospital.alliance_id:
        return False
    if template.hospital_id is None:
        return user.has_role(Role.MANAGER)
    return user.has_role(Role.HOSPITAL_ADMIN) and template.hospital_id == user.hospital_id


class TemplateInvalid(ValidationError):
    """A template's errors: the fields' (``error_dict``) and the questions' (a list, one
    dict per question)."""

    def __init__(self, errors: dict[str, Any], questions: list[dict[str, Any]]) -> None:
        super().__init__(errors or {"questions": _("Correct the questions marked below.")})
        self.question_errors = questions


def save_template(
    *,
    actor: User,
    name: str,
    offsets: Sequence[int] | None,
    questions: Sequence[Mapping[str, Any]],
    is_active: bool = True,
    instance: FollowUpTemplate | None = None,
) -> FollowUpTemplate:
    """Create a template — the hospital's when a hospital admin writes it, the alliance's
    when the management team does — or change one the actor may edit."""
    if not may_write_templates(actor) or actor.hospital is None:
        raise PermissionDenied(gettext("Only hospital admins and the management team may."))
    if instance is not None and not may_edit_template(actor, instance):
        raise Http404
    errors, per_question, cleaned = template_errors(name, offsets, questions)
    if errors or any(per_question):
        raise TemplateInvalid(errors, per_question)
    assert offsets is not None
    with transaction.atomic():
        if instance is None:
            alliance_wide = actor.has_role(Role.MANAGER)
            instance = FollowUpTemplate(
                alliance_id=actor.hospital.alliance_id,
                hospital=None if alliance_wide else actor.hospital,
                created_by=actor,
            )
        instance.name = name.strip()
        instance.offsets = list(offsets)
        instance.questions = cleaned
        instance.is_active = is_active
        instance.save()
    return instance


def templates_for(user: User) -> Any:
    """The templates in use a user may start a plan with: their hospital's and the
    alliance's."""
    if not user.is_authenticated or user.hospital is None:
        return FollowUpTemplate.objects.none()
    from django.db.models import Q

    return FollowUpTemplate.objects.filter(
        Q(hospital__isnull=True, alliance_id=user.hospital.alliance_id)
        | Q(hospital_id=user.hospital_id),
        is_active=True,
    ).order_by("name", "pk")


# --- plans ----------------------------------------------------------------------------


def plan_title(template_name: str, start: date) -> str:
    """The request's title — never the patient."""
    return gettext("Follow-up · %(template)s · %(date)s") % {
        "template": template_name,
        "date": start.isoformat(),
    }


def _other_side(source: BusinessRequest, doctor: User) -> Any:
    """The hospital on the other side of the source request from the doctor's."""
    if source.kind == "referral":
        referral = getattr(source, "referral", None)
        sides = [source.applicant_hospital, referral.target_hospital if referral else None]
    else:
        sides = [source.applicant_hospital, source.team.hospital if source.team else None]
    others = [h for h in sides if h is not None and h.pk != doctor.hospital_id]
    return others[0] if others else None


def may_start_from(user: User, source: BusinessRequest) -> bool:
    """Whether ``user`` may start a follow-up plan for the patient of ``source``: a closed
    consultation or a completed down-referral, by staff of the sending hospital or of the
    receiving one (a member or the lead of the team the request was dispatched to)."""
    from yilian.workflow import rules

    if source.patient_id is None or source.status not in SOURCE_STATUSES.get(source.kind, ()):
        return False
    if source.kind == "referral":
        referral = getattr(source, "referral", None)
        if referral is None or referral.direction != "down":
            return False
    if not user.is_authenticated or not user.can_use_business or user.hospital_id is None:
        return False
    if not user.has_role(Role.STAFF, Role.HOSPITAL_ADMIN):
        return False
    who = rules.Who(user, source)
    return who.in_applicant_hospital or who.in_team


def start_plan(
    *,
    doctor: User,
    patient: Patient | None,
    template: FollowUpTemplate | None,
    start_date: date | None,
    source_request: BusinessRequest | None = None,
) -> FollowUpPlan:
    """Start a follow-up plan: the engine's request (created, then submitted by the doctor;
    approval passes through and it is routed to a follow-up team of the doctor's hospital),
    the plan with the template's snapshot, and its visits — together or not at all."""
    errors: dict[str, Any] = {}
    if source_request is not None:
        if not may_start_from(doctor, source_request):
            raise PermissionDenied(
                gettext(
                    "A follow-up plan starts from a closed consultation or a completed "
                    "down-referral, by a doctor of either side."
                )
            )
        patient = source_request.patient
    elif (problem := patient_choice_error(doctor, patient)) is not None:
        errors["patient"] = problem
    if template is None:
        errors["template"] = _("Choose a follow-up template.")
    elif not templates_for(doctor).filter(pk=template.pk).exists():
        errors["template"] = _("Choose a template of your hospital or the alliance.")
    today = timezone.localdate()
    if start_date is None:
        errors["start_date"] = _("Give the start date.")
    elif not (today - START_WINDOW <= start_date <= today + START_WINDOW):
        errors["start_date"] = _("The start date is within 90 days of today.")
    if errors:
        raise ValidationError(errors)
    assert patient is not None and template is not None and start_date is not None
    with transaction.atomic():
        request = create_request(
            kind=FOLLOW_UP,
            applicant=doctor,
            title=plan_title(template.name, start_date),
            patient=patient,
        )
        plan = FollowUpPlan.objects.create(
            request=request,
            patient=patient,
            doctor=doctor,
            hospital=request.applicant_hospital,
            start_date=start_date,
            template=template,
            template_name=template.name,
            offsets=list(template.offsets),
            questions=list(template.questions),
            source_request=source_request,
            other_hospital=_other_side(source_request, doctor) if source_request else None,
        )
        FollowUpVisit.objects.bulk_create(
            FollowUpVisit(
                plan=plan,
                number=number,
                offset_days=offset,
                due_date=start_date + timedelta(days=offset),
            )
            for number, offset in enumerate(template.offsets, start=1)
        )
        transition(request, "submit", actor=doctor)
        transaction.on_commit(partial(schedule_checks, plan.pk), robust=True)
    return plan


def start_plan_from_request(
    *,
    doctor: User,
    source: BusinessRequest,
    template: FollowUpTemplate | None,
    start_date: date | None,
) -> FollowUpPlan:
    """A plan for the patient of ``source``; one live plan per source request, so a second
    click (or a colleague at the same moment) gets a message, not a second plan."""
    with transaction.atomic():
        BusinessRequest.objects.select_for_update().filter(pk=source.pk).first()
        live = (
            FollowUpPlan.objects.filter(source_request=source)
            .exclude(request__status__in=[Status.CANCELLED])
            .first()
        )
        if live is not None:
            raise ValidationError(
                gettext("Follow-up %(ref)s was already started from this request.")
                % {"ref": live.reference},
                code="already_started",
            )
        return start_plan(
            doctor=doctor,
            patient=None,
            template=template,
            start_date=start_date,
            source_request=source,
        )


# --- the patient's one-time link ------------------------------------------------------


def may_manage(user: User, plan: FollowUpPlan) -> bool:
    """The responsible doctor, or staff of the plan's hospital, may hand out links."""
    return bool(
        user.is_authenticated
        and user.can_use_business
        and (
            user.pk == plan.doctor_id
            or (
                user.hospital_id == plan.hospital_id
                and user.has_role(Role.STAFF, Role.HOSPITAL_ADMIN)
            )
        )
    )


@dataclass(frozen=True)
class AnswerLink:
    visit: FollowUpVisit
    token: str  # shown once; only its hash is kept

    @property
    def path(self) -> str:
        return reverse("followups:answer", args=[self.token])

    @property
    def expires_at(self) -> datetime:
        assert self.visit.link_expires_at is not None
        return self.visit.link_expires_at


def create_answer_link(visit: FollowUpVisit, *, actor: User) -> AnswerLink:
    """A one-time link for the patient to answer ``visit`` on a phone, valid until the
    visit's window ends; a new link replaces an unused earlier one."""
    if not may_manage(actor, visit.plan):
        raise PermissionDenied(gettext("Only the plan's doctors may send the patient a link."))
    token = new_token()
    with transaction.atomic():
        locked = FollowUpVisit.objects.select_for_update().get(pk=visit.pk)
        if locked.status != VisitStatus.DUE or locked.window_ends_at <= timezone.now():
            raise ValidationError(
                gettext("This visit can no longer be answered (it is %(status)s).")
                % {"status": locked.get_status_display()},
                code="closed",
            )
        locked.link_token_hash = token_hash(token)
        locked.link_expires_at = locked.window_ends_at
        locked.save(update_fields=["link_token_hash", "link_expires_at", "updated_at"])
    locked.plan = visit.plan
    return AnswerLink(locked, token)


def visit_for_token(token: str, *, lock: bool = False) -> FollowUpVisit:
    """The visit a link is for: ``Http404`` for an unknown token, ``LinkGone`` for a used
    or expired one."""
    if not token or len(token) > 100:
        raise Http404
    qs = FollowUpVisit.objects.select_related("plan", "plan__hospital", "plan__patient")
    if lock:
        qs = qs.select_for_update(of=("self",))
    visit = qs.filter(link_token_hash=token_hash(token)).first()
    if visit is None:
        raise Http404
    if visit.answered_at is not None:
        raise LinkGone("used")
    now = timezone.now()
    if (
        visit.status != VisitStatus.DUE
        or visit.link_expires_at is None
        or visit.link_expires_at <= now
    ):
        raise LinkGone("expired")
    return visit


def clean_answers(
    questions: Sequence[Mapping[str, Any]], raw: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(answers keyed "q1", "q2" …, errors keyed the same)."""
    answers: dict[str, Any] = {}
    errors: dict[str, Any] = {}
    for number, question in enumerate(questions, start=1):
        key = f"q{number}"
        value = str(raw.get(key) or "").strip()
        kind = question.get("type")
        if not value:
            if question.get("required"):
                errors[key] = _("Answer this question.")
            continue
        if kind == QuestionType.TEXT:
            if len(value) > MAX_ANSWER:
                errors[key] = gettext("Keep it to %(max)d characters.") % {"max": MAX_ANSWER}
                continue
            answers[key] = value
        elif kind == QuestionType.YES_NO:
            if value not in (YES, NO):
                errors[key] = _("Answer yes or no.")
                continue
            answers[key] = value
        elif kind == QuestionType.CHOICE:
            if value not in question.get("options", []):
                errors[key] = _("Choose one of the options.")
                continue
            answers[key] = value
        elif kind == QuestionType.NUMBER:
            if not value.isdigit() or int(value) > 10:
                errors[key] = _("Give a number from 0 to 10.")
                continue
            answers[key] = int(value)
    return answers, errors


def alerts(questions: Sequence[Mapping[str, Any]], answers: Mapping[str, Any]) -> list[int]:
    """The numbers of the questions whose answer hits the template's alert."""
    hit = []
    for number, question in enumerate(questions, start=1):
        alert = question.get("alert") or ""
        answer = answers.get(f"q{number}")
        if not alert or answer is None:
            continue
        if question.get("type") == QuestionType.NUMBER:
            if int(answer) >= int(alert):
                hit.append(number)
        elif str(answer).lower() == alert:
            hit.append(number)
    return hit


def answer_visit(token: str, raw: Mapping[str, Any]) -> FollowUpVisit:
    """The patient answers through the link: the answers are stored and the link used up.
    An answer that hits an alert escalates the visit to the responsible doctor."""
    visit = visit_for_token(token)  # a clear 404/410 before validating
    answers, errors = clean_answers(visit.plan.questions, raw)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        visit = visit_for_token(token, lock=True)  # two phones, one answer
        hit = alerts(visit.plan.questions, answers)
        visit.answers = answers
        visit.answered_at = timezone.now()
        visit.status = VisitStatus.ESCALATED if hit else VisitStatus.ANSWERED
        # The hash stays: the used link then says "already used" (``answered_at``).
        visit.save(update_fields=["answers", "answered_at", "status", "updated_at"])
        if hit:
            transaction.on_commit(partial(_tell_doctor, visit.pk, "alert"), robust=True)
        transaction.on_commit(partial(refresh_outcomes, visit.plan.patient_id), robust=True)
    return visit


# --- escalation (the deferred task) ---------------------------------------------------


def plan_url(plan: FollowUpPlan) -> str:
    return reverse("followups:plan", args=[plan.public_id])


def _tell_doctor(visit_pk: int, why: str) -> None:
    visit = FollowUpVisit.objects.select_related("plan", "plan__doctor").get(pk=visit_pk)
    plan = visit.plan
    about = {"ref": plan.reference, "number": visit.number}
    if why == "alert":
        title = gettext("Follow-up %(ref)s: the answers of visit %(number)d need attention") % about
        summary = gettext("Answers of a follow-up visit need your attention.")
    else:
        title = gettext("Follow-up %(ref)s: visit %(number)d was not answered") % about
        summary = gettext("A follow-up visit was not answered.")
    notify(
        [plan.doctor],
        verb=f"followups.{why}",
        title=title,
        url=plan_url(plan),
        summary=summary,
        urgent=why == "alert",
    )


def check_visit(visit_pk: int, *, now: datetime | None = None) -> str:
    """At the end of the visit's window: an unanswered visit becomes missed and the
    responsible doctor hears of it. Does nothing for a visit answered (or already
    missed), whose window has not ended, or whose plan is over (completed or cancelled)
    — so running twice tells nobody twice."""
    now = now or timezone.now()
    with transaction.atomic():
        visit = FollowUpVisit.objects.select_for_update().filter(pk=visit_pk).first()
        if visit is None:
            return "gone"
        if visit.status != VisitStatus.DUE:
            return f"skipped: {visit.status}"
        if now < visit.window_ends_at:
            return "skipped: not yet"
        if visit.plan.request.status in PLAN_OVER:
            return "skipped: plan over"
        visit.status = VisitStatus.MISSED
        visit.missed_at = now
        visit.save(update_fields=["status", "missed_at", "updated_at"])
        transaction.on_commit(partial(_tell_doctor, visit.pk, "missed"), robust=True)
    return "missed"


def schedule_checks(plan_pk: int) -> list[Any]:
    """Enqueue each visit's check at the end of its window. A task backend that cannot
    defer (the immediate one) would check at once, too early: then nothing is enqueued."""
    from . import tasks

    if not tasks.check_visit.get_backend().supports_defer:
        logger.info("The task backend cannot defer tasks: follow-up checks not scheduled")
        return []
    results = []
    for visit in FollowUpVisit.objects.filter(plan_id=plan_pk, status=VisitStatus.DUE):
        try:
            task = tasks.check_visit.using(run_after=visit.window_ends_at)
            results.append(task.enqueue(visit.pk))
        except Exception:
            logger.exception("Could not schedule the check of a follow-up visit %s", visit.pk)
    return results
