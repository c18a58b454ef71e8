"""Every write of hospital accession: applying, reviewing, the capability assessment, the
questionnaire, and approving the cooperation plan that activates a hospital."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from yilian.accounts import services as accounts
from yilian.accounts.models import User
from yilian.accounts.roles import Role
from yilian.audit.models import AuditAction
from yilian.audit.services import record
from yilian.core.links import new_token, token_hash
from yilian.core.masking import mask_phone
from yilian.files.services import store_upload
from yilian.files.validators import DOCUMENTS
from yilian.notify.services import notify
from yilian.orgs.models import Alliance, CooperationPlan, Division, Hospital
from yilian.workflow.registry import all_kinds

from .models import Application, Assessment, Question, QuestionType, Section

logger = logging.getLogger(__name__)

LICENCE = "licence"
LICENCE_MAX_BYTES = 10 * 1024 * 1024


def _reviewers() -> Any:
    return User.objects.active().with_role(Role.MANAGER)


def may_review(user: User) -> bool:
    return bool(user.is_authenticated and user.can_use_business and user.has_role(Role.MANAGER))


def may_edit_questions(user: User) -> bool:
    return bool(
        user.is_authenticated and user.can_use_business and user.has_role(Role.PLATFORM_ADMIN)
    )


# --- applying ------------------------------------------------------------------------


@dataclass(frozen=True)
class HospitalData:
    name: str
    short_name: str
    licence_code: str
    category: str
    grade: str
    tier: str
    division: Division
    address: str
    phone: str
    beds: int
    introduction: str


@dataclass(frozen=True)
class ContactData:
    name: str
    phone: str
    email: str
    title: str


def join_status_url(token: str) -> str:
    return settings.YILIAN_BASE_URL + reverse("accession:join_status", args=[token])


def apply_to_join(
    hospital: HospitalData, contact: ContactData, licence: UploadedFile
) -> tuple[Application, str] | None:
    """A hospital applies: the hospital (status *applying*), its contact person's account
    (pending, no password: it cannot log in) and the application, with the practising
    licence stored privately. The applicant's private link goes by SMS to the contact's
    mobile number. Returns the application and the token of that link (only its hash is
    kept).

    The page must not tell anyone whether a mobile number has an account (patients are
    users): when it has, nothing is made, the number's owner and the platform management
    team are told, and ``None`` is returned — the applicant sees the same outcome."""
    if Hospital.objects.filter(licence_code=hospital.licence_code).exists():
        raise ValidationError(
            {"licence_code": _("A hospital with this licence code has applied or is a member.")}
        )
    if User.objects.filter(phone=contact.phone).exists():
        _report_phone_in_use(hospital, contact)
        return None
    alliance = Alliance.objects.order_by("pk").first()
    if alliance is None:
        raise ValidationError(_("The alliance is not set up yet."))
    token = new_token()
    with transaction.atomic():
        row = Hospital.objects.create(
            alliance=alliance,
            name=hospital.name,
            short_name=hospital.short_name,
            licence_code=hospital.licence_code,
            category=hospital.category,
            grade=hospital.grade,
            tier=hospital.tier,
            division=hospital.division,
            address=hospital.address,
            phone=hospital.phone,
            status=Hospital.Status.APPLYING,
        )
        person = User.objects.create_user(
            phone=contact.phone,
            password=None,
            name=contact.name,
            email=contact.email,
            title=contact.title,
            hospital=row,
            status=User.Status.PENDING,
        )
        application = Application.objects.create(
            hospital=row,
            contact=person,
            beds=hospital.beds,
            introduction=hospital.introduction,
            submitted_at=timezone.now(),
            token_hash=token_hash(token),
        )
        store_upload(
            licence,
            owner=person,
            target=application,
            purpose=LICENCE,
            allowed_types=DOCUMENTS,
            max_bytes=LICENCE_MAX_BYTES,
            check_access=False,
        )
        record(None, action=AuditAction.CREATE, target=application)
        notify(
            _reviewers(),
            verb="accession.submitted",
            title=_("%(hospital)s applied to join the alliance") % {"hospital": row.name},
            summary=_("A hospital applied to join the alliance."),
            url=reverse("accession:application", args=[application.public_id]),
        )
        transaction.on_commit(
            partial(
                _send_sms,
                contact.phone,
                _(
                    "Yilian: the application of %(hospital)s to join the alliance was "
                    "received. Follow it with your private link (do not share it): %(url)s"
                )
                % {"hospital": row.name, "url": join_status_url(token)},
            ),
            robust=True,
        )
    return application, token


def _report_phone_in_use(hospital: HospitalData, contact: ContactData) -> None:
    """Someone applied giving the mobile number of an existing account: tell the platform
    management team in the application and the number's owner by SMS, so the real applicant
    is reached out of band. The applicant's page says nothing of it."""
    logger.info("join application with the mobile number of an existing account: nothing made")
    with transaction.atomic():
        notify(
            _reviewers(),
            verb="accession.phone_in_use",
            title=_("An application for %(hospital)s gave a mobile number already in use")
            % {"hospital": hospital.name},
            body=_(
                "The contact %(name)s gave the mobile number %(phone)s, which already has an "
                "account. Nothing was saved; the number's owner was told by SMS. Contact the "
                "hospital through a known channel before it applies again."
            )
            % {"name": contact.name, "phone": mask_phone(contact.phone)},
            url=reverse("accession:applications"),
            summary=_("An application to join the alliance gave a mobile number already in use."),
        )
        transaction.on_commit(
            partial(
                _send_sms,
                contact.phone,
                _(
                    "Yilian: someone applied for a hospital to join the alliance giving your "
                    "mobile number as its contact. If it was you, the platform management team "
                    "will contact you; if not, you may ignore this message."
                ),
            ),
            robust=True,
        )


def _send_sms(phone: str, text: str) -> None:
    from yilian.notify.sms import SMSRateLimited, send_sms

    try:
        send_sms(phone, text)
    except SMSRateLimited:
        pass  # logged by send_sms; the applicant's page says the same either way
    except Exception:
        logger.exception("accession SMS failed")


@transaction.atomic
def resubmit_application(
    application: Application, hospital: HospitalData, licence: UploadedFile | None
) -> Application:
    """The applicant completes an application returned for more information."""
    locked = Application.objects.select_for_update().get(pk=application.pk)
    if locked.status != Application.Status.RETURNED:
        raise ValidationError(_("This application cannot be changed now."))
    clash = Hospital.objects.filter(licence_code=hospital.licence_code).exclude(
        pk=locked.hospital_id
    )
    if clash.exists():
        raise ValidationError(
            {"licence_code": _("A hospital with this licence code has applied or is a member.")}
        )
    row = locked.hospital
    for name in (
        "name",
        "short_name",
        "licence_code",
        "category",
        "grade",
        "tier",
        "division",
        "address",
        "phone",
    ):
        setattr(row, name, getattr(hospital, name))
    row.save()
    if licence is not None:
        store_upload(
            licence,
            owner=locked.contact,
            target=locked,
            purpose=LICENCE,
            max_bytes=LICENCE_MAX_BYTES,
            check_access=False,
        )
    locked.beds = hospital.beds
    locked.introduction = hospital.introduction
    locked.status = Application.Status.SUBMITTED
    locked.submitted_at = timezone.now()
    locked.save(update_fields=["beds", "introduction", "status", "submitted_at", "updated_at"])
    notify(
        _reviewers(),
        verb="accession.resubmitted",
        title=_("%(hospital)s completed its application") % {"hospital": row.name},
        summary=_("A hospital completed its application to join the alliance."),
        url=reverse("accession:application", args=[locked.public_id]),
    )
    return locked


class Decision:
    ACCEPT = "accept"
    RETURN = "return"
    REJECT = "reject"
    ALL = (ACCEPT, RETURN, REJECT)


@transaction.atomic
def review_application(
    application: Application, *, actor: User, decision: str, note: str = ""
) -> Application:
    """The platform accepts an application (the hospital answers the capability assessment
    next), returns it for more information, or rejects it (a note is required for both)."""
    if not may_review(actor):
        raise PermissionDenied(_("Only the platform management team reviews applications."))
    if decision not in Decision.ALL:
        raise ValidationError({"decision": _("Choose a decision.")})
    note = note.strip()
    if decision != Decision.ACCEPT and not note:
        raise ValidationError({"note": _("Say what is missing or why, for the applicant.")})
    locked = (
        Application.objects.select_for_update().select_related("hospital").get(pk=application.pk)
    )
    if locked.status != Application.Status.SUBMITTED:
        raise ValidationError(
            _("This application was already reviewed (%(status)s).")
            % {"status": locked.get_status_display()}
        )
    hospital = locked.hospital
    if decision == Decision.ACCEPT:
        locked.status = Application.Status.ACCEPTED
        hospital.status = Hospital.Status.ASSESSING
        install_default_questionnaire()
        Assessment.objects.get_or_create(hospital=hospital, year=timezone.localdate().year)
    elif decision == Decision.RETURN:
        locked.status = Application.Status.RETURNED
    else:
        locked.status = Application.Status.REJECTED
        hospital.status = Hospital.Status.WITHDRAWN
    hospital.save(update_fields=["status", "updated_at"])
    locked.review_note = note
    locked.reviewed_by = actor
    locked.reviewed_at = timezone.now()
    locked.save(update_fields=["status", "review_note", "reviewed_by", "reviewed_at", "updated_at"])
    record(None, action=AuditAction.UPDATE, target=locked, actor=actor)
    notify(
        [locked.contact],
        verb=f"accession.{decision}",
        title=_("Your application to join: %(status)s") % {"status": locked.get_status_display()},
        body=note,
        summary=_(
            "The platform reviewed your application to join: %(status)s. Open your "
            "application link to continue."
        )
        % {"status": locked.get_status_display()},
    )
    return locked


# --- the questionnaire -----------------------------------------------------------------


def _q(section: str, text: str, type_: str, **rule: Any) -> dict[str, Any]:
    return {"section": section, "text": text, "type": type_, **rule}


def default_questions() -> list[dict[str, Any]]:
    """The questionnaire a new deployment starts from (platform administrators edit it)."""
    B, SV, T, H, D = (
        Section.BASIC,
        Section.SERVICE,
        Section.TECHNICAL,
        Section.HUMAN,
        Section.DEMAND,
    )
    N, C, Y, X = QuestionType.NUMBER, QuestionType.CHOICE, QuestionType.YES_NO, QuestionType.TEXT
    return [
        _q(
            B,
            _("Years the hospital has been operating"),
            N,
            bands=[{"min": 0, "points": 0}, {"min": 10, "points": 2}, {"min": 30, "points": 4}],
        ),
        _q(B, _("Main clinical strengths"), X, required=False),
        _q(
            SV,
            _("Outpatient visits last year (thousands)"),
            N,
            bands=[{"min": 0, "points": 0}, {"min": 50, "points": 3}, {"min": 200, "points": 6}],
            weight="2",
        ),
        _q(
            SV,
            _("Inpatient discharges last year (thousands)"),
            N,
            bands=[{"min": 0, "points": 0}, {"min": 5, "points": 3}, {"min": 20, "points": 6}],
            weight="2",
        ),
        _q(SV, _("Does the hospital have an intensive care unit?"), Y, yes_points=3),
        _q(
            T,
            _("Imaging equipment"),
            C,
            options=[
                {"label": _("CT and MRI"), "points": 6},
                {"label": _("CT only"), "points": 3},
                {"label": _("Neither"), "points": 0},
            ],
            weight="1.5",
        ),
        _q(
            T, _("Does the hospital have a PACS and an electronic medical record?"), Y, yes_points=4
        ),
        _q(
            T,
            _("Network bandwidth for video (Mbit/s)"),
            N,
            bands=[{"min": 0, "points": 0}, {"min": 20, "points": 2}, {"min": 100, "points": 4}],
        ),
        _q(
            H,
            _("Beds"),
            N,
            bands=[{"min": 0, "points": 0}, {"min": 100, "points": 2}, {"min": 500, "points": 5}],
            weight="1.5",
        ),
        _q(
            H,
            _("Chief and associate chief physicians"),
            N,
            bands=[{"min": 0, "points": 0}, {"min": 5, "points": 2}, {"min": 30, "points": 5}],
            weight="1.5",
        ),
        _q(
            H,
            _("Attending physicians"),
            N,
            bands=[{"min": 0, "points": 0}, {"min": 20, "points": 2}, {"min": 80, "points": 4}],
        ),
        _q(
            H,
            _("Registered nurses"),
            N,
            bands=[{"min": 0, "points": 0}, {"min": 50, "points": 2}, {"min": 200, "points": 4}],
        ),
        _q(H, _("Specialties with at least one attending physician"), X, required=False),
        _q(D, _("Do you need remote consultations?"), Y, kind="consultation"),
        _q(D, _("Do you need two-way referral?"), Y, kind="referral"),
        _q(D, _("Do you plan to send doctors for advanced study?"), Y, kind="advanced_study"),
        _q(D, _("Other remote businesses you need"), X, required=False),
    ]


def install_default_questionnaire() -> int:
    """Create the default questions when the questionnaire is empty (first use)."""
    if Question.objects.exists():
        return 0
    rows = [
        Question(
            order=10 * (i + 1),
            **{
                **q,
                "text": str(q["text"]),
                "options": [{**o, "label": str(o["label"])} for o in q.get("options", [])],
            },
        )
        for i, q in enumerate(default_questions())
    ]
    Question.objects.bulk_create(rows)
    return len(rows)


def _check_rule(type_: str, options: list[dict[str, Any]], bands: list[dict[str, Any]]) -> None:
    if type_ == QuestionType.CHOICE and len(options) < 2:
        raise ValidationError({"options": _("A single-choice question needs two options.")})
    if type_ == QuestionType.CHOICE and len({o["label"] for o in options}) != len(options):
        raise ValidationError({"options": _("Two options have the same text.")})
    if type_ == QuestionType.NUMBER and not bands:
        raise ValidationError({"bands": _("A number question needs at least one band.")})


@transaction.atomic
def save_question(
    *,
    actor: User,
    instance: Question | None = None,
    section: str,
    text: str,
    type: str,
    help_text: str = "",
    options: list[dict[str, Any]] | None = None,
    bands: list[dict[str, Any]] | None = None,
    yes_points: int = 0,
    weight: Decimal = Decimal("1"),
    kind: str = "",
    required: bool = True,
    order: int | None = None,
    is_active: bool = True,
) -> Question:
    """Add or change a question; the next assessment shows it and scores it."""
    if not may_edit_questions(actor):
        raise PermissionDenied(_("Only a platform administrator edits the questionnaire."))
    options, bands = options or [], bands or []
    _check_rule(type, options, bands)
    question = instance or Question()
    if order is None:
        last = Question.objects.order_by("-order").values_list("order", flat=True).first()
        order = question.order if instance else (last or 0) + 10
    for name, value in {
        "section": section,
        "text": text.strip(),
        "help_text": help_text.strip(),
        "type": type,
        "options": options if type == QuestionType.CHOICE else [],
        "bands": sorted(bands, key=lambda b: Decimal(str(b["min"])))
        if type == QuestionType.NUMBER
        else [],
        "yes_points": yes_points if type == QuestionType.YES_NO else 0,
        "weight": weight,
        "kind": kind,
        "required": required,
        "order": order,
        "is_active": is_active,
    }.items():
        setattr(question, name, value)
    question.full_clean()
    question.save()
    record(
        None,
        action=AuditAction.UPDATE if instance else AuditAction.CREATE,
        target=question,
        actor=actor,
    )
    return question


# --- the assessment --------------------------------------------------------------------


def score(questions: list[Question], values: dict[str, Any]) -> tuple[list[dict], Decimal]:
    """The answers with their points, and the score in percent: Σ weight × points over
    Σ weight × maximum, for the scored questions."""
    answers = []
    earned = possible = Decimal(0)
    for q in questions:
        value = values.get(str(q.public_id))
        value = "" if value is None else value
        points, top = q.points_for(value), q.max_points
        answers.append(
            {
                "question": str(q.public_id),
                "section": q.section,
                "text": q.text,
                "value": str(value),
                "points": points,
                "max": top,
                "weight": str(q.weight),
                "kind": q.kind,
            }
        )
        earned += q.weight * points
        possible += q.weight * top
    percent = (100 * earned / possible) if possible else Decimal(0)
    return answers, percent.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


# Score thresholds for the proposed tier, and the proposed quotas per tier.
TIER_THRESHOLDS = (
    (Decimal(75), CooperationPlan.Tier.CORE),
    (Decimal(50), CooperationPlan.Tier.STANDARD),
)
TIER_QUOTAS: dict[str, dict[str, dict[str, Any]]] = {
    CooperationPlan.Tier.CORE: {
        "consultation": {"limit": 30, "per": "month"},
        "advanced_study": {"limit": 6, "per": "year"},
    },
    CooperationPlan.Tier.STANDARD: {
        "consultation": {"limit": 15, "per": "month"},
        "advanced_study": {"limit": 3, "per": "year"},
    },
    CooperationPlan.Tier.BASIC: {
        "consultation": {"limit": 5, "per": "month"},
        "advanced_study": {"limit": 1, "per": "year"},
    },
}


def propose_plan(assessment: Assessment) -> dict[str, Any]:
    """The plan the score suggests: the tier from the score, every business except those
    the hospital said it does not need, the tier's quotas; contact from the application."""
    value = assessment.score or Decimal(0)
    tier = next((t for floor, t in TIER_THRESHOLDS if value >= floor), CooperationPlan.Tier.BASIC)
    not_needed = {a["kind"] for a in assessment.answers if a.get("kind") and a["value"] == "no"}
    kinds = [k.code for k in all_kinds() if k.code not in not_needed]
    contact = getattr(getattr(assessment.hospital, "application", None), "contact", None)
    existing = CooperationPlan.objects.filter(hospital=assessment.hospital).first()
    return {
        "tier": tier,
        "enabled_kinds": kinds,
        "quotas": {k: v for k, v in TIER_QUOTAS[tier].items() if k in kinds},
        "scope": existing.scope if existing else "",
        "contact_name": existing.contact_name if existing else (contact.name if contact else ""),
        "contact_phone": existing.contact_phone if existing else (contact.phone if contact else ""),
    }


@transaction.atomic
def submit_assessment(
    assessment: Assessment, values: dict[str, Any], *, by: User | None = None
) -> Assessment:
    """The hospital submits its answers: they are scored at once and a plan is proposed."""
    locked = Assessment.objects.select_for_update().select_related("hospital").get(pk=assessment.pk)
    if locked.status != Assessment.Status.OPEN:
        raise ValidationError(_("This assessment was submitted already."))
    questions = list(Question.objects.filter(is_active=True))
    missing = [
        str(q.public_id)
        for q in questions
        if q.required and str(values.get(str(q.public_id), "")).strip() == ""
    ]
    if missing:
        raise ValidationError({m: _("Answer this question.") for m in missing})
    locked.answers, locked.auto_score = score(questions, values)
    locked.status = Assessment.Status.SUBMITTED
    locked.submitted_at = timezone.now()
    locked.submitted_by = by
    locked.proposal = propose_plan(locked)
    locked.save()
    Application.objects.filter(hospital=locked.hospital, status=Application.Status.ACCEPTED).update(
        status=Application.Status.ASSESSED, updated_at=timezone.now()
    )
    notify(
        _reviewers(),
        verb="accession.assessed",
        title=_("%(hospital)s submitted its capability assessment")
        % {"hospital": locked.hospital.name},
        summary=_("A hospital submitted its capability assessment."),
        url=reverse("accession:assessment", args=[locked.public_id]),
    )
    return locked


@transaction.atomic
def adjust_score(assessment: Assessment, *, actor: User, value: Decimal, reason: str) -> Assessment:
    """The reviewer corrects the computed score, saying why; the proposal follows the new
    score."""
    if not may_review(actor):
        raise PermissionDenied(_("Only the platform management team adjusts scores."))
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the score is adjusted.")})
    if not Decimal(0) <= value <= Decimal(100):
        raise ValidationError({"score": _("A score is between 0 and 100.")})
    locked = Assessment.objects.select_for_update().select_related("hospital").get(pk=assessment.pk)
    if locked.status != Assessment.Status.SUBMITTED:
        raise ValidationError(_("Only a submitted assessment awaiting its plan can be adjusted."))
    locked.adjusted_score = value
    locked.adjustment_reason = reason
    locked.adjusted_by = actor
    locked.proposal = propose_plan(locked)
    locked.save(
        update_fields=[
            "adjusted_score",
            "adjustment_reason",
            "adjusted_by",
            "proposal",
            "updated_at",
        ]
    )
    record(None, action=AuditAction.UPDATE, target=locked, actor=actor)
    return locked


@dataclass(frozen=True)
class PlanTerms:
    tier: str
    enabled_kinds: list[str]
    quotas: dict[str, dict[str, Any]]
    scope: str
    contact_name: str
    contact_phone: str
    year: int


@transaction.atomic
def approve_plan(assessment: Assessment, *, actor: User, terms: PlanTerms) -> CooperationPlan:
    """The manager approves the (edited) plan. It becomes the hospital's cooperation plan
    for the year; a hospital joining is activated, and its contact person becomes its
    administrator and receives a one-time link to set a password."""
    if not may_review(actor):
        raise PermissionDenied(_("Only the platform management team approves plans."))
    known = {k.code for k in all_kinds()}
    if not terms.enabled_kinds:
        raise ValidationError({"enabled_kinds": _("Enable at least one business.")})
    if set(terms.enabled_kinds) - known or set(terms.quotas) - set(terms.enabled_kinds):
        raise ValidationError({"enabled_kinds": _("Choose businesses from the list.")})
    locked = Assessment.objects.select_for_update().select_related("hospital").get(pk=assessment.pk)
    if locked.status != Assessment.Status.SUBMITTED:
        raise ValidationError(
            _("This plan cannot be approved now (%(status)s).")
            % {"status": locked.get_status_display()}
        )
    hospital = Hospital.objects.select_for_update().get(pk=locked.hospital_id)
    plan, _created = CooperationPlan.objects.select_for_update().get_or_create(hospital=hospital)
    plan.disabled_kinds = sorted(known - set(terms.enabled_kinds))
    plan.tier = terms.tier
    plan.quotas = terms.quotas
    plan.scope = terms.scope
    plan.contact_name = terms.contact_name
    plan.contact_phone = terms.contact_phone
    plan.year = terms.year
    plan.approved_by = actor
    plan.approved_at = timezone.now()
    plan.save()
    locked.status = Assessment.Status.APPROVED
    locked.approved_by = actor
    locked.approved_at = plan.approved_at
    locked.proposal = {
        "tier": terms.tier,
        "enabled_kinds": terms.enabled_kinds,
        "quotas": terms.quotas,
        "scope": terms.scope,
        "contact_name": terms.contact_name,
        "contact_phone": terms.contact_phone,
    }
    locked.save(update_fields=["status", "approved_by", "approved_at", "proposal", "updated_at"])
    record(None, action=AuditAction.UPDATE, target=plan, actor=actor)
    if hospital.status != Hospital.Status.ACTIVE:
        _activate(hospital, actor=actor)
    else:
        notify(
            User.objects.active().with_role(Role.HOSPITAL_ADMIN).filter(hospital=hospital),
            verb="accession.plan_renewed",
            title=_("Your cooperation plan for %(year)s was approved") % {"year": terms.year},
            summary=_("Your hospital's cooperation plan was approved."),
            url=reverse("accession:my_plan"),
        )
    return plan


def _activate(hospital: Hospital, *, actor: User) -> None:
    hospital.status = Hospital.Status.ACTIVE
    hospital.save(update_fields=["status", "updated_at"])
    application = Application.objects.select_for_update().filter(hospital=hospital).first()
    if application is None:
        return
    application.status = Application.Status.APPROVED
    application.save(update_fields=["status", "updated_at"])
    admin = User.objects.select_for_update().get(pk=application.contact_id)
    admin.status = User.Status.ACTIVE
    admin.is_active = True
    admin.reviewed_by = actor
    admin.reviewed_at = timezone.now()
    admin.save(update_fields=["status", "is_active", "reviewed_by", "reviewed_at"])
    accounts.log_role_granted(admin, Role.HOSPITAL_ADMIN, actor=actor)
    accounts.issue_password_link(admin, actor=actor)


@transaction.atomic
def start_reassessment(hospital: Hospital, *, actor: User, year: int) -> Assessment:
    """The annual re-assessment of a member hospital: its administrators answer the
    questionnaire again; the approved plan then replaces the current one."""
    if not may_review(actor):
        raise PermissionDenied(_("Only the platform management team starts re-assessments."))
    if hospital.status != Hospital.Status.ACTIVE:
        raise ValidationError(_("Only an active member hospital is re-assessed."))
    if Assessment.objects.filter(hospital=hospital, year=year).exists():
        raise ValidationError(
            _("This hospital already has an assessment for %(year)s.") % {"year": year}
        )
    install_default_questionnaire()
    assessment = Assessment.objects.create(hospital=hospital, year=year)
    notify(
        User.objects.active().with_role(Role.HOSPITAL_ADMIN).filter(hospital=hospital),
        verb="accession.reassessment",
        title=_("Please answer the %(year)s capability assessment") % {"year": year},
        summary=_("The platform asks your hospital to answer the annual capability assessment."),
        url=reverse("accession:fill", args=[assessment.public_id]),
    )
    return assessment
