"""A hospital joins the alliance in the browser: it applies on the public page, the
platform accepts it, a platform administrator adds a question to the questionnaire, the
hospital answers the assessment (the new question included), the manager approves the
proposed plan, and the new hospital administrator sets a password through the one-time
link and logs in."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from conftest import PASSWORD
from e2e import outbox
from e2e.conftest import DESKTOP, PHONE, log_in
from yilian.accession.models import Assessment, Question
from yilian.accounts.models import User
from yilian.accounts.roles import Role
from yilian.orgs.models import Hospital

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def _answer(page, question: Question, value: str) -> None:
    name = str(question.public_id)
    if question.type == "yes_no":
        page.locator(f'input[name="{name}"][value="{value}"]').check()
    elif question.type == "choice":
        page.locator(f'select[name="{name}"]').select_option(value)
    else:
        page.locator(f'[name="{name}"]').fill(value)


def test_a_hospital_applies_is_assessed_gets_a_plan_and_its_admin_logs_in(
    new_context, live_url, lead_hospital, manager, platform_admin
):
    applicant = new_context(PHONE).new_page()
    applicant.goto("/join/")
    applicant.locator("#id_name").fill("淳安县中医院")
    applicant.locator("#id_licence_code").fill("PDY33012788")
    applicant.locator("#id_category").select_option(Hospital.Category.GENERAL)
    applicant.locator("#id_grade").select_option(Hospital.Grade.GRADE_2A)
    applicant.locator("#id_tier").select_option(Hospital.Tier.COUNTY)
    applicant.locator("#id_province").select_option("330000")
    applicant.locator("#id_beds").fill("260")
    applicant.locator("#id_contact_name").fill("方院长")
    applicant.locator("#id_contact_phone").fill("13955556666")
    applicant.locator("#id_contact_email").fill("fang@example.cn")
    applicant.locator("#id_licence").set_input_files(
        {"name": "licence.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    applicant.locator("#submit-application").click()
    expect(applicant.locator("#application-received")).to_be_visible()
    # The applicant's private link arrives by SMS.
    status_url = re.search(r"/join/[^/\s]+/", "\n".join(outbox.texts())).group(0)
    applicant.goto(status_url)
    expect(applicant.locator("#application-status")).to_have_attribute("data-status", "submitted")

    # The platform accepts the application.
    reviewer = new_context(DESKTOP).new_page()
    log_in(reviewer, manager.phone, PASSWORD)
    reviewer.goto("/accession/")
    reviewer.get_by_text("淳安县中医院").click()
    expect(reviewer.locator("#licence")).to_have_text("licence.pdf")
    reviewer.locator('input[name="decision"][value="accept"]').check()
    reviewer.locator("#send-review").click()
    expect(reviewer.locator(".alert-success")).to_be_visible()

    # A platform administrator adds a question to the questionnaire.
    admin = new_context(DESKTOP).new_page()
    log_in(admin, platform_admin.phone, PASSWORD)
    admin.goto("/accession/questions/")
    admin.locator("#new-question").click()
    admin.locator("#id_section").select_option("technical")
    admin.locator("#id_text").fill("远程会诊室数量")
    admin.locator("#id_type").select_option("number")
    admin.locator("#id_bands").fill("0 = 0\n1 = 3\n3 = 6")
    admin.locator("#id_weight").fill("2")
    admin.locator("#save-question").click()
    expect(admin.locator(".alert-success")).to_be_visible()
    added = Question.objects.get(text="远程会诊室数量")

    # The hospital answers the assessment; the new question is there.
    applicant.goto(status_url)
    expect(applicant.locator("#application-status")).to_have_attribute("data-status", "accepted")
    applicant.locator("#start-assessment").click()
    expect(applicant.locator(f'input[name="{added.public_id}"]')).to_be_visible()
    for question in Question.objects.filter(is_active=True):
        if question.pk == added.pk:
            _answer(applicant, question, "2")
        elif question.type == "number":
            _answer(applicant, question, "100")
        elif question.type == "choice":
            _answer(applicant, question, question.options[0]["label"])
        elif question.type == "yes_no":
            _answer(applicant, question, "yes")
        else:
            _answer(applicant, question, "心血管内科")
    applicant.locator("#submit-assessment").click()
    expect(applicant.locator("#application-status")).to_have_attribute("data-status", "assessed")
    assessment = Assessment.objects.get(hospital__name="淳安县中医院")
    scored = next(a for a in assessment.answers if a["question"] == str(added.public_id))
    assert (scored["points"], scored["max"]) == (3, 6)

    # The manager reviews the score and approves the proposed plan.
    reviewer.goto(f"/accession/assessments/{assessment.public_id}/")
    expect(reviewer.locator("#score")).to_have_text(str(assessment.auto_score))
    expect(reviewer.locator(f'[data-answer="{added.public_id}"]')).to_contain_text("3/6")
    reviewer.locator("#id_scope").fill("远程会诊、双向转诊")
    reviewer.locator("#approve-plan").click()
    expect(reviewer.locator("#assessment-status")).to_contain_text(
        str(Assessment.Status.APPROVED.label)
    )
    assert Hospital.objects.get(name="淳安县中医院").status == Hospital.Status.ACTIVE

    # The new administrator sets a password through the one-time link, then logs in.
    body = next(b for b in outbox.mail_bodies() if "/accounts/set-password/" in b)
    link = re.search(r"/accounts/set-password/[^/\s]+/", body).group(0)
    newcomer = new_context(PHONE).new_page()
    newcomer.goto(link)
    newcomer.locator("#id_new_password1").fill("Qiandao-Lake-88")
    newcomer.locator("#id_new_password2").fill("Qiandao-Lake-88")
    newcomer.locator("#set-password button").click()
    expect(newcomer).to_have_url(re.compile(r"/accounts/login/"))
    log_in(newcomer, "13955556666", "Qiandao-Lake-88")
    expect(newcomer).to_have_url(f"{live_url}/")
    assert User.objects.get(phone="13955556666").has_role(Role.HOSPITAL_ADMIN)
    newcomer.goto("/accession/plan/")
    expect(newcomer.locator("#plan")).to_contain_text("远程会诊、双向转诊")
    assert newcomer.goto(link).status == 410  # the link worked once
