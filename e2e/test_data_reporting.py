"""Data reporting in the browser: the platform admin defines a monthly dataset with a
computed indicator and a cross-field rule and adds the year's periods; a county
hospital's doctor fills in this month's report on the phone, gets the rule's message,
corrects it and submits; the manager returns one field with a comment; the doctor
corrects it and submits again; the manager accepts."""

from __future__ import annotations

from playwright.sync_api import expect

from conftest import PASSWORD
from e2e.conftest import DESKTOP, PHONE, log_in
from yilian.reporting.models import Dataset, Status, Submission

RULE_MESSAGE = "院内感染例数不能超过出院人数"


def test_a_monthly_report_is_defined_filled_in_returned_corrected_and_accepted(
    new_context, live_url, platform_admin, manager, staff_a, hospital_a
):
    # 1. The platform admin designs the dataset and adds the year's periods.
    admin = new_context(DESKTOP).new_page()
    log_in(admin, platform_admin.phone, PASSWORD)
    admin.goto("/reporting/design/")
    admin.locator("#new-dataset").click()
    form = admin.locator("#dataset-form")
    form.locator("input[name='name']").fill("医疗质量月报")
    form.locator("input[name='code']").fill("quality_monthly")
    form.locator("select[name='frequency']").select_option("monthly")
    form.locator("input[name='tiers'][value='county']").check()
    rows = [
        ("discharges", "出院人数", "number", "人", ""),
        ("infections", "院内感染例数", "number", "例", ""),
        ("infection_rate", "院内感染率", "computed", "%", "infections * 100 / discharges"),
    ]
    for n, (code, label, kind, unit, expression) in enumerate(rows):
        form.locator(f"input[name='ind-{n}-code']").fill(code)
        form.locator(f"input[name='ind-{n}-label']").fill(label)
        form.locator(f"select[name='ind-{n}-type']").select_option(kind)
        form.locator(f"input[name='ind-{n}-unit']").fill(unit)
        if expression:
            form.locator(f"input[name='ind-{n}-expression']").fill(expression)
    form.locator("input[name='rule-0-condition']").fill("infections <= discharges")
    form.locator("input[name='rule-0-message']").fill(RULE_MESSAGE)
    admin.locator("#save-dataset").click()
    expect(admin.locator("#periods-form")).to_be_visible()
    admin.locator("#periods-form button").click()
    expect(admin.locator("#periods tr[data-period]")).to_have_count(12)
    dataset = Dataset.objects.get(code="quality_monthly")
    assert dataset.indicators.get(code="infection_rate").is_computed
    assert dataset.rules.get().field == "infections"

    # 2. The doctor fills in this month's report on the phone and meets the rule.
    doctor = new_context(PHONE).new_page()
    log_in(doctor, staff_a.phone, PASSWORD)
    doctor.goto("/reporting/")
    doctor.locator("[data-report^='quality_monthly:']").first.click()
    doctor.locator("input[name='discharges']").fill("50")
    doctor.locator("input[name='infections']").fill("60")
    doctor.locator("#submit-report").click()
    expect(doctor.locator("[data-error='infections']")).to_contain_text(RULE_MESSAGE)
    expect(doctor.locator("input[name='infections']")).to_have_value("60")
    assert not Submission.objects.exists()
    doctor.locator("input[name='infections']").fill("3")
    doctor.locator("#submit-report").click()
    expect(doctor.locator("#report-status")).to_have_attribute("data-status", "submitted")
    expect(doctor.locator("[data-computed='infection_rate']")).to_have_text("6.00")
    report = Submission.objects.get()
    assert report.hospital_id == hospital_a.pk and report.status == Status.SUBMITTED

    # 3. The manager returns one field with a comment.
    reviewer = new_context(DESKTOP).new_page()
    log_in(reviewer, manager.phone, PASSWORD)
    reviewer.goto("/reporting/review/")
    reviewer.locator(f"tr[data-report='{report.public_id}'] a").click()
    reviewer.locator("[data-comment-for='discharges']").fill("出院人数与病案首页不符，请核对")
    reviewer.locator("#return-report").click()
    expect(reviewer.locator("#queue-empty")).to_be_visible()
    report.refresh_from_db()
    assert report.status == Status.RETURNED

    # 4. The doctor sees the comment at the field, corrects it and submits again.
    doctor.reload()
    expect(doctor.locator("[data-comment='discharges']")).to_contain_text("请核对")
    doctor.locator("input[name='discharges']").fill("52")
    doctor.locator("#submit-report").click()
    expect(doctor.locator("#report-status")).to_have_attribute("data-status", "resubmitted")
    expect(doctor.locator("[data-computed='infection_rate']")).to_have_text("5.77")

    # 5. The manager accepts.
    reviewer.goto(f"/reporting/reports/{report.public_id}/")
    expect(reviewer.locator("[data-value='discharges']")).to_contain_text("52")
    reviewer.locator("#accept-report").click()
    expect(reviewer.locator(".alert-success")).to_be_visible()
    report.refresh_from_db()
    assert report.status == Status.ACCEPTED
    assert list(report.events.values_list("action", flat=True)) == [
        "submit",
        "return",
        "resubmit",
        "accept",
    ]
