"""Writes of standards promotion: standards and their targeting, quiz questions and new
versions (platform managers), and each member's acknowledgement of the current version."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from yilian.accounts.models import User
from yilian.analytics.services import record_activity
from yilian.files import services as files
from yilian.files.validators import PDF
from yilian.notify.services import notify
from yilian.orgs.models import Hospital
from yilian.workflow.models import Action

from .models import Acknowledgement, Category, Question, QuizAttempt, Standard, StandardVersion
from .policies import TARGETABLE_ROLES, is_targeted, may_manage
from .selectors import targeted_staff

ACTIVITY_KIND = "standards"
NOTIFY_VERB = "standard_published"


def _check_manager(actor: User) -> None:
    if not may_manage(actor):
        raise PermissionDenied(_("Only platform managers may manage standards."))


def category_named(name: str, *, actor: User) -> Category:
    """The category called ``name``, made if it is new."""
    _check_manager(actor)
    category, _created = Category.objects.get_or_create(name=name.strip())
    return category


def save_standard(
    *,
    actor: User,
    title: str,
    code: str = "",
    category: Category | None = None,
    summary: str = "",
    pass_mark: int = 80,
    tiers: Iterable[str] = (),
    categories: Iterable[str] = (),
    hospitals: Iterable[Hospital] = (),
    roles: Iterable[str] = TARGETABLE_ROLES,
    standard: Standard | None = None,
) -> Standard:
    """Create or edit a standard and whom it is published to."""
    _check_manager(actor)
    roles = [str(r) for r in roles if r in TARGETABLE_ROLES]
    if not roles:
        raise ValidationError({"roles": _("Choose at least one role to publish to.")})
    if not 0 <= pass_mark <= 100:
        raise ValidationError({"pass_mark": _("The pass mark is a percentage from 0 to 100.")})
    fields = {
        "title": title,
        "code": code,
        "category": category,
        "summary": summary,
        "pass_mark": pass_mark,
        "target_tiers": sorted(set(tiers)),
        "target_categories": sorted(set(categories)),
        "target_roles": roles,
    }
    with transaction.atomic():
        if standard is None:
            standard = Standard.objects.create(created_by=actor, **fields)
        else:
            for name, value in fields.items():
                setattr(standard, name, value)
            standard.save(update_fields=[*fields, "updated_at"])
        standard.target_hospitals.set(list(hospitals))
    return standard


def publish_version(
    standard: Standard, *, actor: User, upload: UploadedFile, label: str, notes: str = ""
) -> StandardVersion:
    """Publish a new version (its PDF) as the current one. Adoption is counted on the
    current version only, so everyone targeted is asked again; they are told so."""
    _check_manager(actor)
    with transaction.atomic():
        locked = Standard.objects.select_for_update().get(pk=standard.pk)
        last = locked.versions.aggregate(m=Max("number"))["m"] or 0
        version = StandardVersion.objects.create(
            standard=locked,
            number=last + 1,
            label=label,
            notes=notes,
            published_at=timezone.now(),
            published_by=actor,
        )
        version.file = files.store_upload(
            upload, owner=actor, target=version, purpose="standard", allowed_types={PDF}
        )
        version.save(update_fields=["file", "updated_at"])
        locked.current_version = version
        locked.save(update_fields=["current_version", "updated_at"])
        standard.current_version = version
        notify(
            targeted_staff(locked),
            verb=NOTIFY_VERB,
            title=_("To read: %(title)s (%(version)s)")
            % {"title": locked.title, "version": version.label},
            body=notes,
            url=reverse("standards:detail", kwargs={"public_id": locked.public_id}),
            summary=_("Standards promotion: a new version to read"),
        )
    return version


def add_question(
    standard: Standard, *, actor: User, text: str, choices: list[str], answer: int
) -> Question:
    _check_manager(actor)
    choices = [c.strip() for c in choices if c.strip()]
    if len(choices) < 2:
        raise ValidationError({"choices": _("Give at least two choices.")})
    if not 0 <= answer < len(choices):
        raise ValidationError({"answer": _("The correct choice must be one of the choices.")})
    position = (standard.questions.aggregate(m=Max("position"))["m"] or 0) + 1
    return Question.objects.create(
        standard=standard, text=text.strip(), choices=choices, answer=answer, position=position
    )


def remove_question(question: Question, *, actor: User) -> None:
    _check_manager(actor)
    question.delete()


def grade(questions: list[Question], answers: Mapping[int, int | None]) -> int:
    """The score in percent: correctly answered questions over all questions."""
    if not questions:
        return 100
    right = sum(1 for q in questions if answers.get(q.pk) == q.answer)
    return round(100 * right / len(questions))


def acknowledge(
    standard: Standard,
    *,
    user: User,
    confirmed: bool,
    answers: Mapping[int, int | None] | None = None,
) -> Acknowledgement:
    """Record that ``user`` read the current version and will apply it. With a quiz, the
    answers are graded first (every attempt is kept) and only a pass counts. Confirming
    again changes nothing."""
    if not is_targeted(user, standard):
        raise PermissionDenied(_("This standard is not published to you."))
    version = standard.current_version
    assert version is not None  # is_targeted requires a published version
    existing = Acknowledgement.objects.filter(version=version, user=user).first()
    if existing is not None:
        return existing
    if not confirmed:
        raise ValidationError({"confirmed": _("Tick the box to confirm you have read it.")})
    questions = list(standard.questions.all())
    score: int | None = None
    if questions:
        answers = answers or {}
        unanswered = [q for q in questions if answers.get(q.pk) is None]
        if unanswered:
            raise ValidationError({f"q{q.pk}": _("Choose an answer.") for q in unanswered})
        score = grade(questions, answers)
        passed = score >= standard.pass_mark
        QuizAttempt.objects.create(version=version, user=user, score=score, passed=passed)
        if not passed:
            raise ValidationError(
                _(
                    "You scored %(score)s%%; %(mark)s%% is needed. "
                    "Read the document again and retry."
                )
                % {"score": score, "mark": standard.pass_mark}
            )
    try:
        with transaction.atomic():
            ack = Acknowledgement.objects.create(
                version=version, user=user, hospital_id=user.hospital_id, score=score
            )
    except IntegrityError:  # a double click: the first one counted
        return Acknowledgement.objects.get(version=version, user=user)
    transaction.on_commit(
        lambda: record_activity(
            action=Action.CONFIRM, user=user, hospital=user.hospital_id, kind=ACTIVITY_KIND
        )
    )
    return ack
