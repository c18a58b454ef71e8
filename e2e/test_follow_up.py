"""Follow-up after a down-referral in the browser: hospital B referred a patient down to
hospital A, whose team completed it; the receiving doctor starts a follow-up plan from the
referral's page and makes the first visit's link; the patient answers on the phone with
no account; the sending doctor reads the answers on the plan page, and the link cannot
be used again."""

from __future__ import annotations

from playwright.sync_api import expect

from conftest import PASSWORD
from e2e.conftest import DESKTOP, PHONE, log_in
from yilian.accounts.roles import Role
from yilian.followups.models import FollowUpPlan, VisitStatus
from yilian.followups.services import save_template
from yilian.followups.tests.conftest import completed_down_referral
from yilian.orgs.models import Specialty, TeamService
from yilian.orgs.tests.factories import DepartmentFactory, TeamFactory


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
    request = completed_down_referral(
        sender=staff_b, manager=manager, receiver=receiver, department=department
    )

    # 1. The receiving doctor starts the plan from the referral's page and makes a link.
    doctor = new_context(DESKTOP).new_page()
    log_in(doctor, receiver.phone, PASSWORD)
    doctor.goto(f"/requests/{request.public_id}/")
    doctor.locator("[data-start-follow-up]").click()
    doctor.locator("select[name='template']").select_option(str(template.public_id))
    doctor.locator("#start-from-form button").click()
    expect(doctor.locator("#plan-reference")).to_be_visible()
    plan = FollowUpPlan.objects.get()
    assert plan.source_request_id == request.pk and plan.patient_id == request.patient_id
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
