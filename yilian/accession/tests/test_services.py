from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from yilian.accounts.models import PasswordLink, RoleChange, User
from yilian.accounts.roles import Role
from yilian.files.models import FileAsset
from yilian.orgs.models import CooperationPlan, Hospital

from .. import services
from ..models import Application, Assessment, Question, QuestionType, Section
from .conftest import CONTACT, full_answers, hospital_data, licence


def test_applying_creates_a_hospital_a_waiting_contact_and_keeps_the_licence(applied):
    application, token = applied

    hospital = application.hospital
    assert hospital.status == Hospital.Status.APPLYING
    assert application.status == Application.Status.SUBMITTED
    assert application.contact.status == User.Status.PENDING
    assert not application.contact.has_usable_password()
    assert application.contact.roles == frozenset()
    assert application.token_hash != token  # only the hash is kept
    assert FileAsset.objects.filter(purpose="licence", target_id=application.pk).count() == 1


def test_the_same_licence_code_cannot_apply_twice(applied):
    other = services.ContactData(name="孙", phone="13911113333", email="", title="")
    with pytest.raises(ValidationError) as error:
        services.apply_to_join(hospital_data(), other, licence())
    assert "licence_code" in error.value.error_dict
    assert Application.objects.count() == 1


def test_returning_or_rejecting_needs_a_note_and_accepting_opens_the_assessment(applied, manager):
    application, _token = applied
    with pytest.raises(ValidationError):
        services.review_application(application, actor=manager, decision="return")

    services.review_application(application, actor=manager, decision="accept")

    application.refresh_from_db()
    assert application.status == Application.Status.ACCEPTED
    assert application.hospital.status == Hospital.Status.ASSESSING
    assessment = Assessment.objects.get(hospital=application.hospital)
    assert assessment.status == Assessment.Status.OPEN
    assert Question.objects.filter(section=Section.HUMAN).exists()  # defaults installed


def test_only_a_manager_reviews(applied, staff_a):
    application, _token = applied
    with pytest.raises(PermissionDenied):
        services.review_application(application, actor=staff_a, decision="accept")
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED


def test_a_returned_application_is_completed_and_submitted_again(applied, manager):
    application, _token = applied
    services.review_application(application, actor=manager, decision="return", note="缺床位数")

    services.resubmit_application(application, hospital_data(beds=500), None)

    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED
    assert application.beds == 500


def test_the_assessment_is_scored_by_weights_and_rules(accepted):
    Question.objects.all().delete()
    beds = Question.objects.create(
        section=Section.HUMAN,
        text="Beds",
        type=QuestionType.NUMBER,
        bands=[{"min": 0, "points": 0}, {"min": 100, "points": 2}, {"min": 500, "points": 5}],
        weight=Decimal("2"),
    )
    ct = Question.objects.create(
        section=Section.TECHNICAL,
        text="Imaging",
        type=QuestionType.CHOICE,
        options=[{"label": "CT", "points": 3}, {"label": "none", "points": 0}],
    )
    icu = Question.objects.create(
        section=Section.SERVICE, text="ICU?", type=QuestionType.YES_NO, yes_points=4
    )
    assessment = Assessment.objects.get(hospital=accepted.hospital)

    done = services.submit_assessment(
        assessment,
        {str(beds.public_id): "120", str(ct.public_id): "CT", str(icu.public_id): "no"},
    )

    # earned: 2×2 + 1×3 + 1×0 = 7; possible: 2×5 + 1×3 + 1×4 = 17; 7 / 17 = 41.2 %
    assert done.auto_score == Decimal("41.2")
    assert done.score == Decimal("41.2")
    assert done.status == Assessment.Status.SUBMITTED
    assert done.proposal["tier"] == CooperationPlan.Tier.BASIC
    accepted.refresh_from_db()
    assert accepted.status == Application.Status.ASSESSED


def test_a_required_question_left_empty_is_refused(accepted):
    assessment = Assessment.objects.get(hospital=accepted.hospital)
    with pytest.raises(ValidationError):
        services.submit_assessment(assessment, {})
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.OPEN


def test_a_demand_answered_no_leaves_the_business_out_of_the_proposal(accepted):
    assessment = Assessment.objects.get(hospital=accepted.hospital)
    values = full_answers(**{"Do you need remote consultations?": "no"})

    done = services.submit_assessment(assessment, values)

    assert done.auto_score == Decimal("100.0")
    assert done.proposal["tier"] == CooperationPlan.Tier.CORE
    assert "consultation" not in done.proposal["enabled_kinds"]
    assert "referral" in done.proposal["enabled_kinds"]


def test_the_reviewer_adjusts_the_score_with_a_reason_and_the_proposal_follows(accepted, manager):
    assessment = services.submit_assessment(
        Assessment.objects.get(hospital=accepted.hospital), full_answers()
    )
    with pytest.raises(ValidationError):
        services.adjust_score(assessment, actor=manager, value=Decimal(60), reason=" ")

    done = services.adjust_score(assessment, actor=manager, value=Decimal(60), reason="设备老旧")

    assert done.auto_score == Decimal("100.0")
    assert done.score == Decimal(60)
    assert done.proposal["tier"] == CooperationPlan.Tier.STANDARD


def _terms(**changes) -> services.PlanTerms:
    fields = {
        "tier": CooperationPlan.Tier.STANDARD,
        "enabled_kinds": ["referral", "study_visit"],
        "quotas": {"referral": {"limit": 10, "per": "month"}},
        "scope": "双向转诊、进修",
        "contact_name": "钱院办",
        "contact_phone": "13911112222",
        "year": timezone.localdate().year,
    }
    fields.update(changes)
    return services.PlanTerms(**fields)


def test_approving_the_plan_activates_the_hospital_and_sends_a_one_time_link(
    lead_hospital, manager, django_capture_on_commit_callbacks
):
    application, _token = services.apply_to_join(hospital_data(), CONTACT, licence())
    services.review_application(application, actor=manager, decision="accept")
    assessment = services.submit_assessment(
        Assessment.objects.get(hospital=application.hospital), full_answers()
    )

    with django_capture_on_commit_callbacks(execute=True):
        plan = services.approve_plan(assessment, actor=manager, terms=_terms())

    hospital = Hospital.objects.get(pk=application.hospital_id)
    assert hospital.status == Hospital.Status.ACTIVE
    assert plan.enables("referral") and not plan.enables("consultation")
    assert plan.quota_for("referral") == (10, "month")
    admin = User.objects.get(pk=application.contact_id)
    assert admin.status == User.Status.ACTIVE and admin.has_role(Role.HOSPITAL_ADMIN)
    assert not admin.has_usable_password()  # nobody ever saw a password
    assert RoleChange.objects.filter(user=admin, role=Role.HOSPITAL_ADMIN).exists()
    link = PasswordLink.objects.get(user=admin)
    assert link.used_at is None
    sent = [m for m in mail.outbox if "/accounts/set-password/" in m.body]
    assert len(sent) == 1
    assert sent[0].to == ["qian@example.cn"]
    assert link.token_hash not in sent[0].body


def test_a_plan_without_businesses_is_refused(accepted, manager):
    assessment = services.submit_assessment(
        Assessment.objects.get(hospital=accepted.hospital), full_answers()
    )
    with pytest.raises(ValidationError):
        services.approve_plan(assessment, actor=manager, terms=_terms(enabled_kinds=[], quotas={}))
    assert not CooperationPlan.objects.filter(hospital=accepted.hospital).exists()


def test_annual_reassessment_replaces_the_plan_of_an_active_member(manager, hospital_a):
    assessment = services.start_reassessment(hospital_a, actor=manager, year=2031)
    with pytest.raises(ValidationError):
        services.start_reassessment(hospital_a, actor=manager, year=2031)
    assessment = services.submit_assessment(assessment, full_answers())

    services.approve_plan(assessment, actor=manager, terms=_terms(year=2031))

    hospital_a.refresh_from_db()
    assert hospital_a.status == Hospital.Status.ACTIVE
    assert hospital_a.cooperation_plan.year == 2031


def test_a_platform_admin_adds_a_question_and_the_next_assessment_scores_it(
    accepted, platform_admin, manager
):
    added = services.save_question(
        actor=platform_admin,
        section=Section.TECHNICAL,
        text="5G network in the hospital?",
        type=QuestionType.YES_NO,
        yes_points=10,
        weight=Decimal("3"),
    )
    with pytest.raises(PermissionDenied):
        services.save_question(
            actor=manager, section=Section.BASIC, text="x", type=QuestionType.TEXT
        )

    assessment = Assessment.objects.get(hospital=accepted.hospital)
    done = services.submit_assessment(assessment, full_answers(**{added.text: "yes"}))

    answer = next(a for a in done.answers if a["question"] == str(added.public_id))
    assert (answer["points"], answer["max"], answer["weight"]) == (10, 10, "3.0")
