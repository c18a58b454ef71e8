"""Remote e-clinic and ward round in the browser: an expert publishes a clinic, a county
doctor books a slot on the phone and the expert runs it from the day queue; a ward round of
three inpatients gets a comment on each and the hospital's action on each."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from conftest import PASSWORD
from e2e.conftest import DESKTOP, PHONE, log_in, one_tap, open_action, take_action
from yilian.clinics.models import WardRoundPatient
from yilian.files.tests.samples import pdf_bytes
from yilian.orgs.models import Specialty, TeamService
from yilian.orgs.tests.factories import TeamFactory
from yilian.patients.models import Patient
from yilian.workflow.models import BusinessRequest, Status


@pytest.fixture
def clinic_team(lead_hospital, expert):
    team = TeamFactory(
        hospital=lead_hospital, name="心内科远程门诊", specialty=Specialty.CARDIOLOGY, lead=expert
    )
    team.members.add(expert)
    for kind in ("e_clinic", "ward_round"):
        TeamService.objects.create(team=team, kind=kind)
    return team


@pytest.fixture
def patients(hospital_a, staff_a) -> list[Patient]:
    return [
        Patient.objects.create(hospital=hospital_a, name=name, created_by=staff_a)
        for name in ("赵某某", "钱某某", "孙某某")
    ]


def _upload_consent(page: Page, tmp_path, signer: str) -> None:
    path = tmp_path / "同意书.pdf"
    path.write_bytes(pdf_bytes())
    page.locator("#consent details > summary").click()
    upload = page.locator("#consent-upload-form")
    upload.locator('input[name="signer_name"]').fill(signer)
    upload.locator('input[type="file"]').set_input_files(str(path))
    upload.locator("button").click()
    expect(page.locator("#consent")).to_have_attribute("data-consent", "signed")


def test_an_expert_publishes_a_clinic_and_runs_a_booked_slot(
    new_context, tmp_path, staff_a, expert, clinic_team, patients
):
    day = timezone.localdate() + timedelta(days=1)

    # The expert publishes a weekly clinic.
    desk = new_context(DESKTOP).new_page()
    log_in(desk, expert.phone, PASSWORD)
    desk.goto("/clinics/e-clinic/schedules/")
    desk.locator("#id_weekday").select_option(str(day.weekday()))
    desk.locator("#id_start_time").fill("09:00")
    desk.locator("#id_end_time").fill("10:00")
    desk.locator("#id_slot_minutes").fill("20")
    desk.locator("#id_valid_from").fill(day.isoformat())
    desk.get_by_role("button", name="发布").click()
    expect(desk.locator(".alert-success")).to_be_visible()

    # A county doctor books the first slot for a patient who is with them.
    phone = new_context(PHONE).new_page()
    log_in(phone, staff_a.phone, PASSWORD)
    phone.goto("/apply/e_clinic/")
    slot = phone.locator("#id_slot option:not([value=''])").first.get_attribute("value")
    phone.locator("#id_slot").select_option(slot)
    phone.locator("#id_patient").select_option(str(patients[0].public_id))
    phone.locator("#id_complaint").fill("反复胸闷 2 周，活动后加重。")
    phone.get_by_role("button", name="保存并继续").click()
    expect(phone).to_have_url(re.compile(r"/requests/[0-9a-f-]{36}/$"))
    request = BusinessRequest.objects.get(applicant=staff_a, kind="e_clinic")
    _upload_consent(phone, tmp_path, "赵某某")
    phone.reload()
    take_action(phone, "submit")
    expect(phone.locator(".alert-success")).to_be_visible()
    request.refresh_from_db()
    assert request.status == Status.PUBLISHED
    assert list(request.experts.all()) == [expert]

    # The expert finds the patient in tomorrow's queue and holds the visit.
    desk.goto("/clinics/e-clinic/today/")
    desk.locator("#day-nav a").last.click()
    queue = desk.locator("#day-queue")
    expect(queue).to_contain_text("赵某某")
    queue.locator(f'[data-visit="{request.public_id}"] a').click()
    take_action(desk, "start")
    expect(desk.locator(".alert-success")).to_be_visible()
    advice = "考虑稳定型心绞痛：完善运动平板试验，阿司匹林 100 mg 每日一次，1 个月后复诊。"
    open_action(desk, "complete").locator("#id_complete-body").fill(advice)
    desk.locator('form[data-action-form="complete"] button[name="go"]').click()
    expect(desk.locator(".alert-success")).to_be_visible()

    phone.reload()
    expect(phone.locator("#opinions")).to_contain_text(advice)


def test_a_ward_round_of_three_patients_gets_a_comment_and_an_action_for_each(
    new_context, staff_a, manager, expert, clinic_team, patients
):
    staff = new_context(DESKTOP).new_page()
    log_in(staff, staff_a.phone, PASSWORD)
    staff.goto("/apply/ward_round/")
    staff.locator("#id_ward").fill("内科一病区")
    for index, patient in enumerate(patients):
        staff.locator(f"#id_rows-{index}-patient").select_option(str(patient.public_id))
        staff.locator(f"#id_rows-{index}-bed").fill(f"{index + 1}床")
        staff.locator(f"#id_rows-{index}-summary").fill("慢性心力衰竭急性加重")
        staff.locator(f"#id_rows-{index}-question").fill("利尿剂剂量如何调整？")
        staff.locator(f"#id_rows-{index}-consent_on_file").check()
    staff.get_by_role("button", name="提交", exact=True).click()
    expect(staff).to_have_url(re.compile(r"/requests/[0-9a-f-]{36}/$"))
    request = BusinessRequest.objects.get(applicant=staff_a, kind="ward_round")
    assert request.status == Status.SUBMITTED

    desk = new_context(DESKTOP).new_page()
    log_in(desk, manager.phone, PASSWORD)
    desk.goto("/workbench/?queue=to_review")
    one_tap(desk, request, "approve")

    start = timezone.localtime() + timedelta(hours=2)
    host = new_context(DESKTOP).new_page()
    log_in(host, expert.phone, PASSWORD)
    host.goto(f"/requests/{request.public_id}/")
    form = open_action(host, "confirm")
    form.locator("#id_confirm-scheduled_start").fill(start.strftime("%Y-%m-%dT%H:%M"))
    form.locator("#id_confirm-scheduled_end").fill(
        (start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    )
    form.locator('button[name="go"]').click()
    expect(host.locator(".alert-success")).to_be_visible()
    desk.goto("/workbench/?queue=to_publish")
    one_tap(desk, request, "publish")
    host.reload()
    take_action(host, "start")
    expect(host.locator(".alert-success")).to_be_visible()

    # The expert comments on each patient during the round.
    comments = host.locator("form[action*='/comment/'] textarea")
    expect(comments).to_have_count(3)
    for index in range(3):
        box = host.locator("form[action*='/comment/'] textarea").nth(index)
        box.fill(f"第{index + 1}床：呋塞米减量，监测电解质。")
        host.locator("form[action*='/comment/']").nth(index).locator("button").click()
        expect(host.locator(".alert-success")).to_be_visible()
    open_action(host, "complete").locator("#id_complete-body").fill("三位患者均已给出调整意见。")
    host.locator('form[data-action-form="complete"] button[name="go"]').click()
    expect(host.locator(".alert-success")).to_be_visible()

    # The hospital records what it did with each piece of advice.
    staff.reload()
    for index in range(3):
        staff.locator("form[action*='/action/'] textarea").nth(index).fill("已按意见调整用药。")
        staff.locator("form[action*='/action/']").nth(index).locator("button").click()
        expect(staff.locator(".alert-success")).to_be_visible()
    detail = staff.locator("#kind-detail")
    for index in range(3):
        expect(detail).to_contain_text(f"第{index + 1}床：呋塞米减量")
    rows = WardRoundPatient.objects.filter(round__request=request).order_by("position")
    assert [r.action_taken for r in rows] == ["已按意见调整用药。"] * 3
    assert all(r.comment and r.commented_by == expert for r in rows)
