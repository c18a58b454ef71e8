"""Single-disease management in the browser: a hospital's doctor reports a STEMI case on
the phone, is told which answer is out of range, fixes it and submits; the hospital's
administrator sees the hospital beside the alliance and the management team sees every
hospital's benchmarking chart on the PC."""

from __future__ import annotations

from datetime import date

from playwright.sync_api import expect

from conftest import PASSWORD
from e2e.conftest import DESKTOP, PHONE, log_in
from yilian.patients.models import Patient
from yilian.registries.demo import STEMI
from yilian.registries.models import Case, CaseStatus
from yilian.registries.services import save_registry


def test_a_case_reported_on_the_phone_shows_up_in_the_indicators(
    new_context, live_url, platform_admin, manager, staff_a, hospital_admin_a
):
    stemi = save_registry(actor=platform_admin, data=STEMI)
    patient = Patient.objects.create(
        hospital=staff_a.hospital, name="王某某", created_by=staff_a, birth_date=date(1960, 5, 1)
    )
    today = date.today()

    # 1. The doctor reports the case on the phone; LVEF 150 is refused with its reason.
    phone = new_context(PHONE).new_page()
    log_in(phone, staff_a.phone, PASSWORD)
    phone.goto("/quality/registries/")
    phone.locator("#report-link").click()
    phone.locator(f'[data-registry="{stemi.code}"]').click()
    form = phone.locator("#case-form")
    form.locator("select[name='patient']").select_option(str(patient.public_id))
    form.locator("input[name='diagnosis_code']").fill("I21.0")
    form.locator("input[name='admission_date']").fill(today.isoformat())
    form.locator("input[name='discharge_date']").fill(today.isoformat())
    form.locator("input[name='a_arrival_at']").fill(f"{today.isoformat()}T00:10")
    form.locator("label[for='id_a_aspirin_given_0']").click()
    form.locator("input[name='a_aspirin_at']").fill(f"{today.isoformat()}T00:20")
    form.locator("select[name='a_reperfusion']").select_option("直接 PCI")
    form.locator("input[name='a_balloon_at']").fill(f"{today.isoformat()}T01:20")
    form.locator("input[name='a_lvef']").fill("150")
    form.locator("label[for='id_a_beta_blocker_0']").click()
    form.locator("label[for='id_a_statin_1']").click()
    form.locator("select[name='a_discharge_status']").select_option("医嘱离院")
    form.locator("button[name='submit']").click()
    expect(phone.locator("#field-a_lvef .invalid-feedback")).to_be_visible()
    assert phone.locator("input[name='a_lvef']").input_value() == "150"
    assert not Case.objects.exists()
    # Nothing is wider than the phone's screen.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.locator("input[name='a_lvef']").fill("45")
    phone.locator("#case-form button[name='submit']").click()
    expect(phone.locator("#case-status")).to_have_attribute("data-status", "submitted")
    case = Case.objects.get()
    assert case.status == CaseStatus.SUBMITTED and case.answers["lvef"] == 45
    expect(phone.locator('[data-indicator="d2b_90"]')).to_have_attribute("data-outcome", "met")

    # 2. The hospital administrator sees the hospital beside the alliance.
    admin = new_context(DESKTOP).new_page()
    log_in(admin, hospital_admin_a.phone, PASSWORD)
    admin.goto("/quality/registries/indicators/")
    statin = admin.locator('#own-table tr[data-indicator="statin"]')
    expect(statin.locator("[data-own-rate]")).to_have_attribute("data-own-rate", "0.0")
    expect(admin.locator("#chart-own")).to_have_attribute("data-drawn", "true")

    # 3. The management team sees each indicator's benchmarking chart.
    board = new_context(DESKTOP).new_page()
    log_in(board, manager.phone, PASSWORD)
    board.goto("/quality/registries/indicators/")
    expect(
        board.locator(f'#rate-table tr[data-hospital="{staff_a.hospital.public_id}"]')
    ).to_be_visible()
    charts = board.locator("[data-chart='benchmark']")
    expect(charts).to_have_count(len(STEMI.indicators))
    expect(charts.first).to_have_attribute("data-drawn", "true")
