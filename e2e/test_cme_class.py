"""A CME class on a doctor's phone: she enrols, checks in to the on-site session by
opening the QR code the organiser's screen shows, passes the attendance rule (evaluated
from that check-in), downloads her certificate; the public verification page confirms
its code and rejects a forged one."""

from __future__ import annotations

from playwright.sync_api import expect

from conftest import PASSWORD
from e2e.conftest import PHONE, log_in
from yilian.core.masking import mask_name
from yilian.core.tests.pdf import needs_poppler, pdf_text
from yilian.teaching.models import CheckIn, Credit, Enrolment
from yilian.teaching.tests.conftest import make_cme_class


@needs_poppler
def test_a_doctor_enrols_checks_in_passes_and_gets_a_verifiable_certificate(
    new_context, staff_a, manager
):
    cme_class = make_cme_class(manager, title="急诊胸痛规范化诊治培训班", quota=20)
    session = cme_class.sessions.get()

    doctor = new_context(PHONE).new_page()
    log_in(doctor, staff_a.phone, PASSWORD)
    doctor.goto("/classroom/cme/")
    doctor.locator(f'[data-cme-class="{cme_class.public_id}"]').click()
    expect(doctor.locator("#places-left")).to_contain_text("20")
    doctor.locator("#enrol-button").click()
    expect(doctor.locator("#status-enrolment")).to_have_attribute("data-status", "approved")
    assert Enrolment.objects.get(learner=staff_a).status == "approved"

    # The organiser's screen at the venue shows the rotating QR code …
    organiser = new_context().new_page()
    log_in(organiser, manager.phone, PASSWORD)
    organiser.goto(f"/classroom/cme/sessions/{session.public_id}/check-in-code/")
    expect(organiser.locator("#check-in-code svg")).to_be_visible()
    check_in_url = organiser.locator("#check-in-code").get_attribute("data-check-in-url")
    assert check_in_url and "/classroom/cme/check-in/" in check_in_url

    # … the doctor's phone opens what it encodes, and one tap checks her in.
    doctor.goto(check_in_url)
    doctor.locator("#check-in-button").click()
    expect(doctor.locator("#status-passed")).to_be_visible()
    assert CheckIn.objects.filter(learner=staff_a, session=session).exists()
    credit = Credit.objects.get(learner=staff_a, cme_class=cme_class)

    # The certificate link is a download (rendering the PDF may take a while on a busy
    # machine, so it is fetched in the doctor's session rather than by a timed click).
    link = doctor.locator("#certificate-link")
    expect(link).to_be_visible()
    response = doctor.request.get(link.get_attribute("href"), timeout=120_000)
    assert response.ok
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("attachment")
    text = pdf_text(response.body())
    assert staff_a.name in text and cme_class.title in text
    assert credit.display_code in text

    # Anyone can check the code; a forged one is rejected.
    visitor = new_context(PHONE).new_page()
    visitor.goto("/classroom/cme/verify/")
    visitor.locator("#code").fill(credit.display_code)
    visitor.locator("#verify-form button").click()
    expect(visitor.locator("#verified")).to_be_visible()
    expect(visitor.locator("#verified-name")).to_have_text(mask_name(staff_a.name))
    expect(visitor.locator("#verified-class")).to_have_text(cme_class.title)
    expect(visitor.locator("#verified-credits")).to_contain_text(str(credit.amount))

    visitor.locator("#code").fill("AAAA-BBBB-CCCC-DDDD")
    visitor.locator("#verify-form button").click()
    expect(visitor.locator("#not-verified")).to_be_visible()
    expect(visitor.locator("#verified")).to_have_count(0)
