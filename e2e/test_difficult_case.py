"""The difficult-case database in the browser: the expert who answered a consultation marks
it as a difficult case from the request page; a doctor of another hospital finds it on the
phone by a Chinese word of its summary; the stored record holds no identifier of the
patient; the dashboard is drawn for the manager."""

from __future__ import annotations

from playwright.sync_api import expect

from conftest import PASSWORD
from e2e.conftest import DESKTOP, PHONE, log_in
from yilian.casebank.models import DifficultCase
from yilian.casebank.tests.conftest import NATIONAL_ID, closed_consultation
from yilian.casebank.tests.conftest import PHONE as PATIENT_PHONE
from yilian.orgs.models import TeamService
from yilian.orgs.tests.factories import TeamFactory


def test_an_expert_marks_a_consultation_and_a_doctor_finds_it_by_a_chinese_word(
    new_context, live_url, staff_a, staff_b, manager, expert, lead_hospital
):
    team = TeamFactory(hospital=lead_hospital, name="胸部肿瘤会诊组", lead=expert)
    TeamService.objects.create(team=team, kind="consultation")
    request = closed_consultation(applicant=staff_a, manager=manager, expert=expert)

    # 1. The expert marks it from the consultation's page.
    page = new_context(DESKTOP).new_page()
    log_in(page, expert.phone, PASSWORD)
    page.goto(f"/requests/{request.public_id}/")
    page.locator("#mark-difficult-case").click()
    page.get_by_label("ICD-10 编码").fill("C34.1")
    page.get_by_label("诊断").fill("右肺上叶磨玻璃结节")
    page.get_by_label("标签").fill("肺结节, 早期肺癌")
    page.get_by_role("button", name="加入疑难病例库").click()
    expect(page.locator("[data-summary]")).to_contain_text("磨玻璃结节")

    case = DifficultCase.objects.get()
    stored = " ".join(
        str(v) for v in DifficultCase.objects.filter(pk=case.pk).values().get().values()
    )
    for identifier in ("张建国", NATIONAL_ID, PATIENT_PHONE, "ZY20240311"):
        assert identifier not in stored

    # 2. A doctor of another hospital searches on the phone.
    doctor = new_context(PHONE).new_page()
    log_in(doctor, staff_b.phone, PASSWORD)
    doctor.goto("/cases/")
    doctor.locator("#case-search input[name='q']").fill("磨玻璃")
    doctor.locator("#case-search button").click()
    found = doctor.locator(f'[data-case="{case.public_id}"]')
    expect(found).to_be_visible()
    found.click()
    expect(doctor.locator("[data-opinion]")).to_contain_text("肺段切除")
    expect(doctor.locator("body")).not_to_contain_text("张建国")

    # 3. The manager's dashboard draws its trend chart.
    board = new_context(DESKTOP).new_page()
    log_in(board, manager.phone, PASSWORD)
    board.goto("/analytics/")
    expect(board.locator("#chart-trend[data-drawn='true'] svg")).to_be_visible()
    expect(board.locator('[data-figure="consultations"] [data-current]')).to_have_text("1")
