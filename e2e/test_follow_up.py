"""Follow-up after a down-referral in the browser: hospital B referred a patient down to
hospital A, whose team completed it; the receiving doctor starts a follow-up plan from the
referral's page and makes the first visit's link; the patient answers on the phone with
no account; the sending doctor reads the answers on the plan page, and the link cannot
be used again."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from conftest import PASSWORD
from e2e.conftest import DESKTOP, PHONE, log_in
from yilian.accounts.roles import Role
from yilian.followups.models import FollowUpPlan, VisitStatus
from yilian.followups.services import save_template
from yilian.orgs.models import Specialty, TeamService
from yilian.orgs.tests.factories import DepartmentFactory, TeamFactory
from yilian.patients.models import Consent, Patient
from yilian.referrals.models import Direction
from yilian.referrals.services import ReferralData, save_referral
from yilian.workflow.services import transition


def test_a_completed_down_referral_is_followed_up_on_the_patients_phone(
    new_context, live_url, staff_b, manager, hospital_a, make_user
):
    receiver = make_user(Role.STAFF, Role.EXPERT, hospital=hospital_a, name="孙医生")
    department = DepartmentFactory(
        hospital=hospital_a, name="康复科", specialty=Specialty.CARDIOLOGY
    )
    referral_team = TeamFactory(hospital=hospital_a, name="康复转诊组", lead=receiver)
    TeamService.objects.create(team=referral_team, kind="referral")
    follow_up_team = TeamFactory(hospital=hospital_a, name="随访组", lead=receiver)
    TeamService.objects.create(team=follow_up_team, kind="follow_up")
    template = save_template(
        actor=manager,
        name="心梗术后随访",
        offsets=[7, 30],
        questions=[
            {"label": "是否胸痛？", "type": "yes_no", "required": True, "alert": "yes"},
            {"label": "疼痛评分", "type": "number", "required": True},
            {"label": "服药情况", "type": "choice", "options": ["按时", "偶尔漏服"]},
            {"label": "其他不适", "type": "text"},
        ],
    )
    patient = Patient.objects.create(hospital=staff_b.hospital, name="李某某", created_by=staff_b)
    request = save_referral(
        applicant=staff_b,
        data=ReferralData(
            patient=patient,
            direction=Direction.DOWN,
            target_hospital=hospital_a,
            target_department=department,
            diagnosis_code="I21.4",
            diagnosis_text="急性心肌梗死 PCI 术后",
            reason="病情稳定，转回基层康复。",
        ),
    )
    Consent.objects.create(
        patient=patient,
        request=request,
        method=Consent.Method.UPLOAD,
        signer=Consent.Signer.PATIENT,
        signer_name="李某某",
        signed_at=timezone.now(),
        created_by=staff_b,
    )
    request = transition(request, "submit", actor=staff_b)
    request = transition(request, "approve", actor=manager)
    start = timezone.now() + timedelta(days=1)
    request = transition(
        request,
        "confirm",
        actor=receiver,
        form="on_site",
        scheduled_start=start,
        scheduled_end=start + timedelta(hours=1),
        contact="康复科 0571-1234",
        arrangement="康复科门诊",
    )
    request = transition(request, "start", actor=receiver)
    request = transition(request, "complete", actor=receiver, body="康复良好，继续随访。")

    # 1. The receiving doctor starts the plan from the referral's page and makes a link.
    doctor = new_context(DESKTOP).new_page()
    log_in(doctor, receiver.phone, PASSWORD)
    doctor.goto(f"/requests/{request.public_id}/")
    doctor.locator("[data-start-follow-up]").click()
    doctor.locator("select[name='template']").select_option(str(template.public_id))
    doctor.locator("#start-from-form button").click()
    expect(doctor.locator("#plan-reference")).to_be_visible()
    plan = FollowUpPlan.objects.get()
    assert plan.source_request_id == request.pk and plan.patient_id == patient.pk
    doctor.locator('[data-visit="1"] [data-make-link]').click()
    link = doctor.locator("[data-link-url]").input_value()
    assert "/follow-up/answer/" in link

    # 2. The patient answers on the phone, with no account.
    phone = new_context(PHONE).new_page()
    phone.goto(link)
    expect(phone.locator("#answer-form")).to_be_visible()
    phone.locator("input[name='q1'][value='no']").check()
    phone.locator("input[name='q2']").fill("2")
    phone.locator("input[name='q3'][value='按时']").check()
    phone.locator("textarea[name='q4']").fill("偶有乏力")
    phone.locator("#answer-form button").click()
    expect(phone.locator("#answered")).to_be_visible()
    visit = plan.visits.get(number=1)
    assert visit.status == VisitStatus.ANSWERED

    # 3. The link works once.
    phone.goto(link)
    expect(phone.locator('#link-gone[data-reason="used"]')).to_be_visible()

    # 4. The sending hospital reads the answers on the plan page.
    sender = new_context(DESKTOP).new_page()
    log_in(sender, staff_b.phone, PASSWORD)
    sender.goto(f"/follow-up/plans/{plan.public_id}/")
    expect(sender.locator('[data-visit="1"] [data-answers]')).to_contain_text("偶有乏力")
    expect(sender.locator('[data-visit="1"]')).to_have_attribute("data-status", "answered")
