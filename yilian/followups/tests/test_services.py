from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from yilian.notify.models import Notification
from yilian.orgs.tests.factories import TeamFactory
from yilian.workflow.models import BusinessRequest, RequestEvent, Status
from yilian.workflow.services import create_request, transition

from .. import services
from ..models import FollowUpPlan, FollowUpTemplate, FollowUpVisit, VisitStatus
from .conftest import QUESTIONS

pytestmark = pytest.mark.django_db


# --- templates ---


def test_manager_writes_an_alliance_wide_template(template, manager):
    assert template.hospital_id is None
    assert template.alliance_id == manager.hospital.alliance_id
    assert template.offsets == [7, 30, 90]
    assert template.questions[2]["options"] == ["按时", "偶尔漏服", "停药"]


def test_hospital_admin_writes_a_template_of_their_hospital(hospital_admin_a):
    made = services.save_template(
        actor=hospital_admin_a, name="术后随访", offsets=[14], questions=QUESTIONS[:1]
    )
    assert made.hospital_id == hospital_admin_a.hospital_id


@pytest.mark.parametrize(
    ("offsets", "message"),
    [
        (None, "whole numbers"),
        ([], "at least one"),
        ([30, 7], "ascending"),
        ([7, 7], "ascending"),
        ([0], "between 1"),
        (list(range(1, 14)), "At most"),
    ],
)
def test_template_schedule_is_validated(manager, offsets, message):
    with pytest.raises(services.TemplateInvalid) as caught:
        services.save_template(actor=manager, name="x", offsets=offsets, questions=QUESTIONS)
    assert message in " ".join(caught.value.message_dict["offsets"])
    assert not FollowUpTemplate.objects.exists()


@pytest.mark.parametrize(
    ("question", "field"),
    [
        ({"label": "", "type": "text"}, "label"),
        ({"label": "q", "type": "scale"}, "type"),
        ({"label": "q", "type": "choice", "options": ["only one"]}, "options"),
        ({"label": "q", "type": "choice", "options": ["a", "a"]}, "options"),
        ({"label": "q", "type": "text", "options": ["a", "b"]}, "options"),
        ({"label": "q", "type": "yes_no", "alert": "maybe"}, "alert"),
        ({"label": "q", "type": "number", "alert": "11"}, "alert"),
        ({"label": "q", "type": "choice", "options": ["a", "b"], "alert": "c"}, "alert"),
    ],
)
def test_questions_are_validated_one_by_one(manager, question, field):
    with pytest.raises(services.TemplateInvalid) as caught:
        services.save_template(
            actor=manager, name="x", offsets=[7], questions=[QUESTIONS[0], question]
        )
    assert caught.value.question_errors[0] == {}
    assert field in caught.value.question_errors[1]


def test_a_template_needs_a_question(manager):
    with pytest.raises(services.TemplateInvalid) as caught:
        services.save_template(actor=manager, name="x", offsets=[7], questions=[])
    assert "questions" in caught.value.message_dict


def test_staff_may_not_write_templates(staff_a):
    with pytest.raises(PermissionDenied):
        services.save_template(actor=staff_a, name="x", offsets=[7], questions=QUESTIONS)


def test_hospital_admin_may_not_edit_the_alliance_template(template, hospital_admin_a):
    with pytest.raises(Http404):
        services.save_template(
            actor=hospital_admin_a, name="改", offsets=[7], questions=QUESTIONS, instance=template
        )
    template.refresh_from_db()
    assert template.name == "出院随访"


# --- plans ---


def test_a_plan_is_a_follow_up_request_routed_to_the_doctors_team(plan, follow_up_team, staff_a):
    request = plan.request
    request.refresh_from_db()
    assert request.kind == "follow_up"
    assert request.status == Status.IN_PROGRESS
    assert request.team == follow_up_team
    assert request.patient == plan.patient
    assert "王某某" not in request.title
    events = list(request.events.order_by("created_at", "id").values_list("action", "actor"))
    assert events[:2] == [("create", staff_a.pk), ("submit", staff_a.pk)]
    # Review and the steps the kind leaves out pass through as system events.
    assert all(actor is None for _, actor in events[2:])
    assert [v.due_date - plan.start_date for v in plan.visits.all()] == [
        timedelta(days=7),
        timedelta(days=30),
        timedelta(days=90),
    ]


def test_without_a_follow_up_team_the_plan_waits_for_dispatch(staff_a, patient_a, template):
    plan = services.start_plan(
        doctor=staff_a, patient=patient_a, template=template, start_date=timezone.localdate()
    )
    plan.request.refresh_from_db()
    assert plan.request.status == Status.APPROVED
    assert plan.visits.count() == 3


def test_the_plan_keeps_a_snapshot_of_the_template(plan, template, manager):
    services.save_template(
        actor=manager, name="改名", offsets=[1], questions=QUESTIONS[:1], instance=template
    )
    plan.refresh_from_db()
    assert plan.offsets == [7, 30, 90]
    assert len(plan.questions) == 4


def test_a_plan_is_for_a_patient_of_the_doctors_hospital(staff_b, patient_a, template):
    with pytest.raises(ValidationError) as caught:
        services.start_plan(
            doctor=staff_b, patient=patient_a, template=template, start_date=timezone.localdate()
        )
    assert "patient" in caught.value.message_dict
    assert not BusinessRequest.objects.filter(kind="follow_up").exists()


def test_a_plan_needs_a_template_and_a_start_near_today(staff_a, patient_a, hospital_admin_b):
    other = services.save_template(
        actor=hospital_admin_b, name="乙院", offsets=[7], questions=QUESTIONS
    )
    with pytest.raises(ValidationError) as caught:
        services.start_plan(
            doctor=staff_a,
            patient=patient_a,
            template=other,
            start_date=timezone.localdate() + timedelta(days=200),
        )
    assert set(caught.value.message_dict) == {"template", "start_date"}
    assert not FollowUpPlan.objects.exists()


def test_plan_from_a_completed_down_referral(down_referral, receiver, template, hospital_b):
    assert services.may_start_from(receiver, down_referral)
    plan = services.start_plan_from_request(
        doctor=receiver, source=down_referral, template=template, start_date=timezone.localdate()
    )
    assert plan.patient_id == down_referral.patient_id
    assert plan.hospital_id == receiver.hospital_id
    assert plan.other_hospital == hospital_b
    assert plan.source_request == down_referral


def test_the_sending_doctor_may_start_one_too(down_referral, staff_b, template, hospital_a):
    plan = services.start_plan_from_request(
        doctor=staff_b, source=down_referral, template=template, start_date=timezone.localdate()
    )
    assert plan.other_hospital == hospital_a


def test_no_plan_from_an_unfinished_referral(down_referral, receiver, template, staff_a):
    BusinessRequest.objects.filter(pk=down_referral.pk).update(status=Status.IN_PROGRESS)
    down_referral.refresh_from_db()
    assert not services.may_start_from(receiver, down_referral)
    with pytest.raises(PermissionDenied):
        services.start_plan_from_request(
            doctor=receiver, source=down_referral, template=template, start_date=None
        )
    assert not FollowUpPlan.objects.exists()


def test_outsiders_may_not_start_from_a_referral(down_referral, staff_a, template):
    # staff_a works at the receiving hospital but is not on the referral's team.
    assert not services.may_start_from(staff_a, down_referral)


# --- the link and the answers ---


def _answers(**changes):
    return {"q1": "yes", "q2": "3", "q3": "按时", "q4": "", **changes}


def test_patient_answers_once_through_the_link(plan, staff_a):
    visit = plan.visits.get(number=1)
    link = services.create_answer_link(visit, actor=staff_a)
    visit.refresh_from_db()
    assert visit.link_token_hash == services.token_hash(link.token)
    assert link.token not in visit.link_token_hash
    assert link.expires_at == visit.window_ends_at
    answered = services.answer_visit(link.token, _answers())
    assert answered.status == VisitStatus.ANSWERED
    assert answered.answers == {"q1": "yes", "q2": 3, "q3": "按时"}
    assert answered.answered_at is not None
    with pytest.raises(services.LinkGone) as gone:
        services.answer_visit(link.token, _answers(q1="no"))
    assert gone.value.reason == "used"
    answered.refresh_from_db()
    assert answered.answers["q1"] == "yes"


def test_a_used_link_cannot_answer_again(plan, staff_a):
    visit = plan.visits.get(number=1)
    link = services.create_answer_link(visit, actor=staff_a)
    FollowUpVisit.objects.filter(pk=visit.pk).update(answered_at=timezone.now())
    with pytest.raises(services.LinkGone) as gone:
        services.answer_visit(link.token, _answers())
    assert gone.value.reason == "used"


def test_an_expired_link_is_gone(plan, staff_a):
    visit = plan.visits.get(number=1)
    link = services.create_answer_link(visit, actor=staff_a)
    FollowUpVisit.objects.filter(pk=visit.pk).update(
        link_expires_at=timezone.now() - timedelta(seconds=1)
    )
    with pytest.raises(services.LinkGone) as gone:
        services.answer_visit(link.token, _answers())
    assert gone.value.reason == "expired"
    visit.refresh_from_db()
    assert visit.status == VisitStatus.DUE and visit.answers == {}


def test_a_new_link_replaces_the_old_one(plan, staff_a):
    visit = plan.visits.get(number=1)
    first = services.create_answer_link(visit, actor=staff_a)
    services.create_answer_link(visit, actor=staff_a)
    with pytest.raises(Http404):
        services.visit_for_token(first.token)


def test_no_link_for_a_missed_visit(plan, staff_a):
    visit = plan.visits.get(number=1)
    FollowUpVisit.objects.filter(pk=visit.pk).update(status=VisitStatus.MISSED)
    with pytest.raises(ValidationError):
        services.create_answer_link(visit, actor=staff_a)


def test_only_the_plans_doctors_hand_out_links(plan, staff_b):
    with pytest.raises(PermissionDenied):
        services.create_answer_link(plan.visits.first(), actor=staff_b)


@pytest.mark.parametrize(
    ("changes", "key"),
    [({"q1": ""}, "q1"), ({"q1": "maybe"}, "q1"), ({"q2": "11"}, "q2"), ({"q3": "x"}, "q3")],
)
def test_answers_are_validated(plan, staff_a, changes, key):
    link = services.create_answer_link(plan.visits.get(number=1), actor=staff_a)
    with pytest.raises(ValidationError) as caught:
        services.answer_visit(link.token, _answers(**changes))
    assert key in caught.value.message_dict
    assert services.visit_for_token(link.token).answers == {}


def test_an_alarming_answer_escalates_to_the_doctor(
    plan, staff_a, django_capture_on_commit_callbacks
):
    link = services.create_answer_link(plan.visits.get(number=1), actor=staff_a)
    with django_capture_on_commit_callbacks(execute=True):
        visit = services.answer_visit(link.token, _answers(q2="8"))
    assert visit.status == VisitStatus.ESCALATED
    note = Notification.objects.get(recipient=staff_a, verb="followups.alert")
    assert plan.reference in note.title
    assert "王某某" not in note.title


# --- escalation ---


def test_unanswered_visit_is_missed_once_and_the_doctor_told(
    plan, staff_a, django_capture_on_commit_callbacks
):
    visit = plan.visits.get(number=1)
    late = visit.window_ends_at + timedelta(minutes=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.check_visit(visit.pk, now=late) == "missed"
    with django_capture_on_commit_callbacks(execute=True):
        assert services.check_visit(visit.pk, now=late) == "skipped: missed"
    visit.refresh_from_db()
    assert visit.status == VisitStatus.MISSED
    notes = Notification.objects.filter(recipient=staff_a, verb="followups.missed")
    assert notes.count() == 1
    assert plan.reference in notes[0].title and "王某某" not in notes[0].title


def test_check_skips_an_answered_visit(plan, staff_a, django_capture_on_commit_callbacks):
    visit = plan.visits.get(number=1)
    link = services.create_answer_link(visit, actor=staff_a)
    services.answer_visit(link.token, _answers())
    with django_capture_on_commit_callbacks(execute=True):
        result = services.check_visit(visit.pk, now=visit.window_ends_at + timedelta(days=1))
    assert result == "skipped: answered"
    assert not Notification.objects.filter(verb="followups.missed").exists()


def test_check_before_the_window_ends_does_nothing(plan):
    visit = plan.visits.get(number=1)
    assert services.check_visit(visit.pk, now=visit.window_ends_at - timedelta(minutes=1)) == (
        "skipped: not yet"
    )
    visit.refresh_from_db()
    assert visit.status == VisitStatus.DUE


def test_checks_are_deferred_to_each_visits_window(
    settings, staff_a, patient_a, template, follow_up_team, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        plan = services.start_plan(
            doctor=staff_a, patient=patient_a, template=template, start_date=timezone.localdate()
        )
    queued = DBTaskResult.objects.filter(task_path="yilian.followups.tasks.check_visit")
    assert sorted(r.run_after for r in queued) == [v.window_ends_at for v in plan.visits.all()]
    assert RequestEvent.objects.filter(request=plan.request, action="submit").count() == 1


def test_check_skips_a_plan_that_is_over(plan, staff_a, django_capture_on_commit_callbacks):
    request = transition(plan.request, "complete", actor=staff_a, body="随访结束，恢复良好。")
    # Feedback and QC are steps the kind leaves out: completing closes the loop.
    assert request.status == Status.CLOSED
    visit = plan.visits.get(number=1)
    with django_capture_on_commit_callbacks(execute=True):
        result = services.check_visit(visit.pk, now=visit.window_ends_at + timedelta(days=1))
    assert result == "skipped: plan over"
    visit.refresh_from_db()
    assert visit.status == VisitStatus.DUE
    assert not Notification.objects.filter(verb="followups.missed").exists()


def test_plan_from_a_closed_consultation(staff_a, patient_a, template, expert, lead_hospital):
    team = TeamFactory(hospital=lead_hospital, name="会诊组", lead=expert)
    consultation = create_request(kind="consultation", applicant=staff_a, title="会诊")
    BusinessRequest.objects.filter(pk=consultation.pk).update(
        patient=patient_a, team=team, status=Status.COMPLETED
    )
    consultation.refresh_from_db()
    assert not services.may_start_from(staff_a, consultation)  # not closed yet
    BusinessRequest.objects.filter(pk=consultation.pk).update(status=Status.CLOSED)
    consultation.refresh_from_db()
    assert services.may_start_from(staff_a, consultation)
    plan = services.start_plan_from_request(
        doctor=staff_a, source=consultation, template=template, start_date=timezone.localdate()
    )
    assert plan.other_hospital == lead_hospital
    assert plan.patient == patient_a


def test_no_plan_from_an_up_referral(down_referral, receiver):
    from yilian.referrals.models import Referral

    Referral.objects.filter(request=down_referral).update(direction="up")
    down_referral.refresh_from_db()
    assert not services.may_start_from(receiver, down_referral)
