"""One MDT consultation in the browser: the county doctor applies on the phone for a
patient, the management team approves (routing dispatches it to the MDT team), the team
lead confirms two experts of different departments, each writes their part, the lead
concludes, and the applicant downloads the opinion with every part and the consent."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD
from e2e.conftest import DESKTOP, PHONE, log_in, one_tap, open_action, take_action
from yilian.accounts.models import User
from yilian.accounts.roles import Role
from yilian.core.tests.pdf import pdf_text
from yilian.orgs.models import Specialty, TeamService
from yilian.orgs.tests.factories import DepartmentFactory, TeamFactory
from yilian.patients.models import Consent, Patient
from yilian.workflow.models import BusinessRequest, Opinion, Status

RADIOLOGY_PART = "影像：右肺上叶周围型占位 3.1 cm，纵隔 4R 区淋巴结肿大。"
PATHOLOGY_PART = "病理：穿刺示浸润性腺癌，建议补充 EGFR/ALK 检测。"
CONCLUSION = "MDT 结论：cT1cN2M0 IIIA 期，建议新辅助治疗后评估手术。"


@pytest.fixture
def mdt_team(lead_hospital, expert, make_user):
    oncology = DepartmentFactory(
        hospital=lead_hospital, name="肿瘤内科", specialty=Specialty.ONCOLOGY
    )
    radiology = DepartmentFactory(
        hospital=lead_hospital, name="医学影像科", specialty=Specialty.RADIOLOGY
    )
    pathology = DepartmentFactory(
        hospital=lead_hospital, name="病理科", specialty=Specialty.PATHOLOGY
    )
    expert.department = oncology
    expert.save(update_fields=["department"])
    radiologist = make_user(
        Role.EXPERT, hospital=lead_hospital, name="影像专家", department=radiology
    )
    pathologist = make_user(
        Role.EXPERT, hospital=lead_hospital, name="病理专家", department=pathology
    )
    team = TeamFactory(
        hospital=lead_hospital, name="肿瘤多学科会诊组", specialty=Specialty.ONCOLOGY, lead=expert
    )
    team.members.add(expert, radiologist, pathologist)
    TeamService.objects.create(team=team, kind="consultation")
    return team, radiologist, pathologist


def _write_part(new_context, live_url, expert: User, request: BusinessRequest, body: str) -> None:
    page = new_context(DESKTOP).new_page()
    log_in(page, expert.phone, PASSWORD)
    page.goto(f"/requests/{request.public_id}/")
    form = page.locator("form[data-part-form]")
    form.locator("textarea[name='body']").fill(body)
    form.locator("button[name='go']").click()
    expect(page.locator(".alert-success")).to_be_visible()
    expect(page.locator(f'[data-part="{expert.public_id}"]')).to_contain_text(body)


def test_an_mdt_consultation_from_application_to_the_signed_opinion(
    new_context, live_url, staff_a, manager, expert, mdt_team
):
    team, radiologist, pathologist = mdt_team
    patient = Patient.objects.create(
        hospital=staff_a.hospital,
        name="王某某",
        national_id="33010219800101123X",
        created_by=staff_a,
    )

    # 1. The county doctor applies on the phone and saves a draft.
    staff = new_context(PHONE).new_page()
    log_in(staff, staff_a.phone, PASSWORD)
    staff.goto("/apply/")
    staff.locator('[data-kind="consultation"] a').first.click()
    staff.locator("#id_patient").select_option(str(patient.public_id))
    staff.locator("#id_urgency").select_option("urgent")
    staff.locator("#id_subtype").select_option("mdt")
    for code in ("oncology", "radiology", "pathology"):
        staff.locator(f'input[name="mdt_specialties"][value="{code}"]').check()
    staff.locator("#id_specialty").select_option("oncology")
    staff.locator('input[name="mode"][value="async"]').check()
    staff.locator("#id_case_summary").fill("男，62 岁，体检发现右肺上叶占位。")
    staff.locator("#id_clinical_question").fill("下一步手术还是新辅助治疗？")
    expect(staff.locator("#before-submit")).to_contain_text("知情同意")
    staff.get_by_role("button", name="保存并继续").click()
    expect(staff).to_have_url(re.compile(r"/requests/[0-9a-f-]{36}/$"))
    request = BusinessRequest.objects.get(applicant=staff_a)
    assert request.kind == "consultation" and request.status == Status.DRAFT
    assert patient.name not in request.title
    expect(staff.locator("[data-medical-detail]")).to_contain_text("下一步手术还是新辅助治疗？")

    # The patient signs the consent with a finger on a phone, through a one-time link.
    staff.locator("#consent-link-form button").click()
    link = staff.locator("#consent input[readonly]")
    expect(link).to_be_visible()
    signing = new_context(PHONE).new_page()
    signing.goto(link.input_value())
    signing.locator("#id_signer_name").fill("王某某")
    pad = signing.locator("canvas[data-signature-pad]")
    box = pad.bounding_box()
    assert box is not None
    signing.mouse.move(box["x"] + 20, box["y"] + 30)
    signing.mouse.down()
    for step in range(1, 12):
        signing.mouse.move(box["x"] + 20 + step * 18, box["y"] + 30 + (step % 3) * 15)
    signing.mouse.up()
    signing.get_by_role("button", name="签名并提交").click()
    expect(signing.locator("#signed")).to_be_visible()
    consent = Consent.objects.get(request=request)
    assert consent.signed_at is not None and consent.method == Consent.Method.SIGNATURE
    assert consent.document is not None and consent.document.mime_type == "image/png"

    staff.reload()
    take_action(staff, "submit")
    expect(staff.locator(".alert-success")).to_be_visible()
    request.refresh_from_db()
    assert request.status == Status.SUBMITTED

    # 2. The management team approves; routing dispatches it to the oncology MDT team.
    desk = new_context(DESKTOP).new_page()
    log_in(desk, manager.phone, PASSWORD)
    desk.goto("/workbench/?queue=to_review")
    one_tap(desk, request, "approve")
    request.refresh_from_db()
    assert request.status == Status.DISPATCHED
    assert request.team == team

    # 3. The team lead confirms an asynchronous MDT with a radiologist and a pathologist.
    lead = new_context(DESKTOP).new_page()
    log_in(lead, expert.phone, PASSWORD)
    lead.goto(f"/requests/{request.public_id}/")
    form = open_action(lead, "confirm")
    form.locator("#id_confirm-form").select_option("async")
    for person in (radiologist, pathologist):
        form.locator(f'input[name="confirm-experts"][value="{person.public_id}"]').check()
    form.locator('button[name="go"]').click()
    expect(lead.locator(".alert-success")).to_be_visible()
    request.refresh_from_db()
    assert request.status == Status.CONFIRMED
    assert set(request.experts.all()) == {radiologist, pathologist}

    # 4. Published by the management team, started by the lead.
    desk.goto(f"/requests/{request.public_id}/")
    take_action(desk, "publish")
    expect(desk.locator(".alert-success")).to_be_visible()
    lead.goto(f"/requests/{request.public_id}/")
    take_action(lead, "start")
    expect(lead.locator(".alert-success")).to_be_visible()
    request.refresh_from_db()
    assert request.status == Status.IN_PROGRESS

    # 5. Each expert writes their part in the browser.
    _write_part(new_context, live_url, radiologist, request, RADIOLOGY_PART)
    _write_part(new_context, live_url, pathologist, request, PATHOLOGY_PART)
    assert Opinion.objects.filter(request=request, is_conclusion=False).count() == 2

    # 6. The lead writes the combined conclusion.
    lead.reload()
    expect(lead.locator("[data-mdt-parts]")).to_contain_text(PATHOLOGY_PART)
    open_action(lead, "complete")
    lead.locator("#id_complete-body").fill(CONCLUSION)
    lead.locator('form[data-action-form="complete"] button[name="go"]').click()
    expect(lead.locator(".alert-success")).to_be_visible()
    request.refresh_from_db()
    assert request.status == Status.COMPLETED

    # 7. The applicant sees the opinion on the phone and downloads the PDF.
    staff.goto(f"/requests/{request.public_id}/")
    expect(staff.locator("#opinions")).to_contain_text(CONCLUSION)
    link = staff.locator("#opinion-pdf-link")
    expect(link).to_be_visible()
    response = staff.request.get(link.get_attribute("href"))
    assert response.ok
    assert response.headers["content-type"] == "application/pdf"
    text = pdf_text(response.body())
    compact = re.sub(r"\s+", "", text)
    for expected in (RADIOLOGY_PART, PATHOLOGY_PART, CONCLUSION, "影像专家", "病理专家"):
        assert re.sub(r"\s+", "", expected) in compact, expected
    assert expert.name in text
    assert "王某某" in text  # the consent's signer
