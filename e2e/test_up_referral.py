"""An up-referral in the browser: the county doctor refers a patient on the phone with the
signed consent form, the receiving department books a date, records the patient's
arrival and sends the discharge summary back, which the doctor reads on the phone."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from conftest import PASSWORD
from e2e.conftest import DESKTOP, PHONE, log_in, one_tap, open_action, take_action
from yilian.core.tests.pdf import pdf_text
from yilian.files.tests.samples import pdf_bytes
from yilian.orgs.models import Specialty, TeamService
from yilian.orgs.tests.factories import DepartmentFactory, TeamFactory
from yilian.patients.models import Consent, Patient
from yilian.workflow.models import BusinessRequest, Status


@pytest.fixture
def cardiology(lead_hospital, expert):
    department = DepartmentFactory(
        hospital=lead_hospital, name="心内科", specialty=Specialty.CARDIOLOGY
    )
    team = TeamFactory(
        hospital=lead_hospital, name="心内科转诊接收组", specialty=Specialty.CARDIOLOGY, lead=expert
    )
    team.members.add(expert)
    TeamService.objects.create(team=team, kind="referral")
    return department


def test_an_up_referral_is_booked_the_arrival_recorded_and_the_summary_returned(
    new_context, tmp_path, staff_a, manager, expert, lead_hospital, cardiology
):
    patient = Patient.objects.create(
        hospital=staff_a.hospital,
        name="孙某某",
        national_id="11010519491231002X",
        created_by=staff_a,
    )
    (tmp_path / "转诊同意书.pdf").write_bytes(pdf_bytes())

    # 1. The county doctor refers the patient on the phone.
    phone = new_context(PHONE).new_page()
    log_in(phone, staff_a.phone, PASSWORD)
    phone.goto("/apply/referral/")
    phone.locator("#id_patient").select_option(str(patient.public_id))
    phone.locator('input[name="direction"][value="up"]').check()
    phone.locator("#id_urgency").select_option("urgent")
    with phone.expect_response("**/referrals/departments/**"):
        phone.locator("#id_target_hospital").select_option(str(lead_hospital.public_id))
    phone.locator("#id_target_department").select_option(str(cardiology.public_id))
    phone.locator("#id_diagnosis_code").fill("i21.9")
    phone.locator("#id_diagnosis_text").fill("急性心肌梗死")
    phone.locator("#id_reason").fill("需行急诊冠脉介入治疗，本院无条件。")
    phone.get_by_role("button", name="保存并继续").click()
    expect(phone).to_have_url(re.compile(r"/requests/[0-9a-f-]{36}/$"))
    request = BusinessRequest.objects.get(applicant=staff_a, kind="referral")
    assert patient.name not in request.title

    # The signed consent form is uploaded on the request page, then the doctor submits.
    phone.locator("#consent details > summary").click()
    upload = phone.locator("#consent-upload-form")
    upload.locator('input[name="signer_name"]').fill("孙某某")
    upload.locator('input[type="file"]').set_input_files(str(tmp_path / "转诊同意书.pdf"))
    upload.locator("button").click()
    expect(phone.locator("#consent")).to_have_attribute("data-consent", "signed")
    assert Consent.objects.get(request=request).is_signed
    phone.reload()
    take_action(phone, "submit")
    expect(phone.locator(".alert-success")).to_be_visible()

    # 2. The management team approves; the receiving department's team gets it.
    desk = new_context(DESKTOP).new_page()
    log_in(desk, manager.phone, PASSWORD)
    desk.goto("/workbench/?queue=to_review")
    one_tap(desk, request, "approve")
    request.refresh_from_db()
    assert request.status == Status.DISPATCHED

    # 3. The receiving department books a bed for tomorrow and names a contact.
    tomorrow = timezone.localdate() + timedelta(days=1)
    host = new_context(DESKTOP).new_page()
    log_in(host, expert.phone, PASSWORD)
    host.goto(f"/requests/{request.public_id}/")
    form = open_action(host, "confirm")
    form.locator("#id_confirm-form").select_option("on_site")
    form.locator("#id_confirm-scheduled_start").fill(f"{tomorrow.isoformat()}T08:00")
    form.locator("#id_confirm-scheduled_end").fill(f"{tomorrow.isoformat()}T12:00")
    form.locator("#id_confirm-contact").fill("心内科病区 护士站 0571-87001234")
    form.locator('button[name="go"]').click()
    expect(host.locator(".alert-success")).to_be_visible()

    # 4. The patient arrives; the department later sends the discharge summary back.
    take_action(host, "start")
    expect(host.locator(".alert-success")).to_be_visible()
    summary = "行 PCI 术，植入支架 1 枚。出院后双抗 12 个月，2 周后回当地医院复诊。"
    open_action(host, "complete").locator("#id_complete-body").fill(summary)
    host.locator('form[data-action-form="complete"] button[name="go"]').click()
    expect(host.locator(".alert-success")).to_be_visible()
    request.refresh_from_db()
    assert request.status == Status.COMPLETED
    assert request.started_at is not None  # the arrival

    # 5. The referring doctor reads the summary on the phone and prints the letter.
    phone.reload()
    expect(phone.locator("#kind-detail")).to_contain_text(summary)
    letter = phone.request.get(f"/referrals/requests/{request.public_id}/letter.pdf")
    assert letter.ok
    text = pdf_text(letter.body())
    assert "孙某某" in text and "I21.9" in text and "心内科" in text
    assert "11010519491231002X" not in text  # masked
