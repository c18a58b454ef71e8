"""Advanced study: the manager sets two seats for a department and month; three doctors
apply (one on the phone with scans of her certificates); the host confirms two and the
third is refused with a message that says why."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from conftest import PASSWORD
from e2e.conftest import DESKTOP, PHONE, log_in, open_action
from yilian.files.tests.samples import pdf_bytes, png_bytes
from yilian.linkage import services as linkage
from yilian.linkage.models import StudyQuota, add_months
from yilian.orgs.models import Specialty, TeamService
from yilian.orgs.tests.factories import DepartmentFactory, TeamFactory
from yilian.workflow.models import BusinessRequest, Status
from yilian.workflow.services import transition


@pytest.fixture
def cardiology(lead_hospital, expert):
    department = DepartmentFactory(
        hospital=lead_hospital, name="心内科", specialty=Specialty.CARDIOLOGY
    )
    team = TeamFactory(
        hospital=lead_hospital, name="心内科进修接待组", specialty=Specialty.CARDIOLOGY, lead=expert
    )
    team.members.add(expert)
    TeamService.objects.create(team=team, kind="advanced_study")
    return department


def _study(department, month, **changes) -> linkage.StudyData:
    fields = {
        "education": "bachelor",
        "school": "温州医科大学",
        "major": "临床医学",
        "graduation_year": 2014,
        "years_in_practice": 10,
        "current_position": "内科主治医师",
        "professional_title": "attending_physician",
        "clinical_experience": "独立完成心电图判读与常见心律失常处理",
        "department": department,
        "period_months": 6,
        "start_date": month,
    }
    fields.update(changes)
    return linkage.StudyData(**fields)


def test_two_seats_three_applications_the_third_cannot_be_confirmed(
    new_context, tmp_path, staff_a, staff_b, make_user, hospital_a, manager, expert, cardiology
):
    month = add_months(timezone.localdate().replace(day=1), 2)

    # The management team sets two seats for 心内科 in that month.
    desk = new_context(DESKTOP).new_page()
    log_in(desk, manager.phone, PASSWORD)
    desk.goto("/linkage/quotas/new/")
    _choose(desk.locator("#id_department"), "心内科")
    desk.locator("#id_month").fill(month.strftime("%Y-%m"))
    desk.locator("#id_seats").fill("2")
    desk.get_by_role("button", name="保存").click()
    expect(desk.locator(".alert-success")).to_be_visible()
    quota = StudyQuota.objects.get(department=cardiology, month=month)
    assert quota.seats == 2

    # Two doctors have applied already …
    first = linkage.save_advanced_study(
        applicant=staff_b,
        data=_study(cardiology, month),
        licence=_scan("licence.pdf", pdf_bytes()),
        qualification=_scan("qualification.pdf", pdf_bytes()),
    )
    second_doctor = make_user("staff", hospital=hospital_a, name="钱医生")
    second = linkage.save_advanced_study(
        applicant=second_doctor,
        data=_study(cardiology, month, school="浙江中医药大学"),
        licence=_scan("licence.pdf", pdf_bytes()),
        qualification=_scan("qualification.pdf", pdf_bytes()),
    )

    # … and a third applies on her phone, with photos of her certificates.
    (tmp_path / "执业证书.png").write_bytes(png_bytes())
    (tmp_path / "资格证书.pdf").write_bytes(pdf_bytes())
    phone = new_context(PHONE).new_page()
    log_in(phone, staff_a.phone, PASSWORD)
    phone.goto("/apply/advanced_study/")
    phone.locator("#id_education").select_option("master")
    phone.locator("#id_school").fill("浙江大学医学院")
    phone.locator("#id_major").fill("内科学")
    phone.locator("#id_graduation_year").fill("2016")
    phone.locator("#id_years_in_practice").fill("8")
    phone.locator("#id_current_position").fill("心内科主治医师")
    phone.locator("#id_professional_title").select_option("attending_physician")
    phone.locator("#id_clinical_experience").fill("冠脉造影 150 例")
    _choose(phone.locator("#id_department"), "心内科")
    phone.locator("#id_period_months").select_option("6")
    phone.locator("#id_start_date").fill(month.strftime("%Y-%m"))
    phone.locator("#id_licence").set_input_files(str(tmp_path / "执业证书.png"))
    phone.locator("#id_qualification").set_input_files(str(tmp_path / "资格证书.pdf"))
    phone.get_by_role("button", name="提交", exact=True).click()
    expect(phone).to_have_url(re.compile(r"/requests/[0-9a-f-]{36}/$"))
    expect(phone.locator("#kind-detail")).to_contain_text("执业证书.png")
    third = BusinessRequest.objects.get(applicant=staff_a)

    for request in (first, second):
        transition(request, "submit", actor=request.applicant)
    for request in (first, second, third):
        transition(request, "approve", actor=manager)  # routed to the host team

    # The host confirms the first two; the third is refused, and says why.
    host = new_context(DESKTOP).new_page()
    log_in(host, expert.phone, PASSWORD)
    for request in (first, second, third):
        host.goto(f"/requests/{request.public_id}/")
        form = open_action(host, "confirm")
        form.locator("#id_confirm-form").select_option("on_site")
        form.locator("#id_confirm-scheduled_start").fill(f"{month.isoformat()}T08:30")
        form.locator("#id_confirm-scheduled_end").fill(f"{add_months(month, 6).isoformat()}T17:00")
        form.locator("#id_confirm-contact").fill("心内科 教学秘书 0571-87000000")
        form.locator('button[name="go"]').click()
        if request is not third:
            expect(host.locator(".alert-success")).to_be_visible()

    refusal = host.locator('form[data-action-form="confirm"]')
    expect(refusal).to_contain_text("心内科")
    expect(refusal).to_contain_text("进修名额已满（2/2）")
    for request in (first, second, third):
        request.refresh_from_db()
    assert (first.status, second.status, third.status) == (
        Status.CONFIRMED,
        Status.CONFIRMED,
        Status.DISPATCHED,
    )

    # A confirmed student downloads the admission letter.
    letter = host.request.get(f"/linkage/requests/{first.public_id}/admission-letter.pdf")
    assert letter.ok
    assert letter.headers["content-type"] == "application/pdf"
    assert letter.body().startswith(b"%PDF")


def _choose(select, text: str) -> None:
    """Pick the option whose label contains ``text`` (labels also name the hospital)."""
    value = select.locator("option", has_text=text).first.get_attribute("value")
    select.select_option(value)


def _scan(name: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, "application/octet-stream")
