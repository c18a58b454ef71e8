from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from yilian.audit.models import AuditEntry
from yilian.workflow.models import BusinessRequest

from .. import services
from ..models import FollowUpPlan, FollowUpTemplate, FollowUpVisit, VisitStatus

pytestmark = pytest.mark.django_db


def _plan_url(plan):
    return reverse("followups:plan", args=[plan.public_id])


# --- the plan page ---


def test_doctor_sees_the_plan_and_makes_a_link_shown_once(plan, staff_a, login):
    client = login(staff_a)
    page = client.get(_plan_url(plan))
    assert page.status_code == 200
    assert plan.reference in page.content.decode()
    assert "data-request-link" in page.content.decode()
    visit = plan.visits.get(number=1)
    made = client.post(reverse("followups:visit_link", args=[visit.public_id]))
    assert made.status_code == 200
    shown = made.content.decode()
    assert 'id="answer-link"' in shown
    visit.refresh_from_db()
    assert visit.link_token_hash
    # Shown once, and kept nowhere: not in the session, not on the next page.
    token = shown.split("/follow-up/answer/", 1)[1].split("/", 1)[0]
    assert token not in str(dict(client.session))
    assert 'id="answer-link"' not in client.get(_plan_url(plan)).content.decode()


def test_other_hospital_gets_404_and_no_link(plan, staff_b, login):
    client = login(staff_b)
    assert client.get(_plan_url(plan)).status_code == 404
    visit = plan.visits.get(number=1)
    assert client.post(reverse("followups:visit_link", args=[visit.public_id])).status_code == 404
    visit.refresh_from_db()
    assert visit.link_token_hash == ""


def test_patients_and_anonymous_visitors_see_no_plan(plan, patient, login, client):
    assert client.get(_plan_url(plan)).status_code == 302  # to the login page
    assert login(patient).get(_plan_url(plan)).status_code in (302, 404)


def test_both_sides_of_a_referral_see_the_results(
    down_referral, receiver, staff_b, template, login
):
    plan = services.start_plan_from_request(
        doctor=receiver, source=down_referral, template=template, start_date=timezone.localdate()
    )
    visit = plan.visits.get(number=1)
    link = services.create_answer_link(visit, actor=receiver)
    services.answer_visit(link.token, {"q1": "yes", "q2": "2", "q3": "停药", "q4": "头晕"})
    page = login(staff_b).get(_plan_url(plan))
    assert page.status_code == 200
    body = page.content.decode()
    assert "头晕" in body and "停药" in body
    # The other side reads, it does not hand out links nor open the plan's request.
    assert "data-make-link" not in body and "data-request-link" not in body


def test_referral_page_offers_a_plan_to_the_receiving_doctor(down_referral, receiver, login):
    page = login(receiver).get(reverse("workflow:detail", args=[down_referral.public_id]))
    assert page.status_code == 200
    assert reverse("followups:start_from", args=[down_referral.public_id]) in page.content.decode()


def test_start_from_a_referral_page(down_referral, receiver, template, login):
    client = login(receiver)
    url = reverse("followups:start_from", args=[down_referral.public_id])
    assert client.get(url).status_code == 200
    bad = client.post(url, {"template": str(template.public_id), "start_date": ""})
    assert bad.status_code == 422
    assert not FollowUpPlan.objects.exists()
    done = client.post(
        url, {"template": str(template.public_id), "start_date": timezone.localdate().isoformat()}
    )
    plan = FollowUpPlan.objects.get()
    assert done.status_code == 302 and done["Location"] == _plan_url(plan)
    from yilian.audit.models import AuditEntry

    assert (
        AuditEntry.objects.filter(actor=receiver, action="create", patient=plan.patient).count()
        == 1
    )


def test_start_from_is_404_for_outsiders(down_referral, staff_a, template, login):
    # staff_a of the receiving hospital is not on the referral's team: the request is hidden.
    url = reverse("followups:start_from", args=[down_referral.public_id])
    response = login(staff_a).post(
        url, {"template": str(template.public_id), "start_date": timezone.localdate().isoformat()}
    )
    assert response.status_code == 404
    assert not FollowUpPlan.objects.exists()


def test_apply_page_starts_a_plan(staff_a, patient_a, template, follow_up_team, login):
    response = login(staff_a).post(
        reverse("workflow:apply_kind", args=["follow_up"]),
        {
            "patient": str(patient_a.public_id),
            "template": str(template.public_id),
            "start_date": timezone.localdate().isoformat(),
            "intent": "submit",
        },
    )
    plan = FollowUpPlan.objects.get()
    assert response.status_code == 302
    assert plan.request.events.filter(action="submit").count() == 1
    assert plan.visits.count() == 3


# --- the patient's page ---


def _link(plan, staff):
    return services.create_answer_link(plan.visits.get(number=1), actor=staff)


def test_patient_answers_without_login_and_the_trail_has_no_token(plan, staff_a, client):
    link = _link(plan, staff_a)
    page = client.get(link.path)
    assert page.status_code == 200
    assert "伤口是否愈合良好" in page.content.decode()
    sent = client.post(link.path, {"q1": "yes", "q2": "4", "q3": "按时", "q4": ""})
    assert sent.status_code == 200 and 'id="answered"' in sent.content.decode()
    visit = plan.visits.get(number=1)
    assert visit.status == VisitStatus.ANSWERED
    entries = AuditEntry.objects.filter(object_type="followups.followupvisit")
    assert entries.count() == 2
    assert all(e.actor_id is None and link.token not in e.path for e in entries)
    again = client.get(link.path)
    assert again.status_code == 410


def test_wrong_answers_keep_what_was_typed(plan, staff_a, client):
    link = _link(plan, staff_a)
    sent = client.post(link.path, {"q1": "", "q2": "4", "q3": "按时", "q4": "胸闷"})
    assert sent.status_code == 422
    body = sent.content.decode()
    assert "胸闷" in body and "This field is required" in body
    assert plan.visits.get(number=1).answers == {}


def test_expired_and_unknown_links(plan, staff_a, client):
    link = _link(plan, staff_a)
    FollowUpVisit.objects.filter(plan=plan, number=1).update(
        link_expires_at=timezone.now() - timedelta(seconds=1)
    )
    response = client.get(link.path)
    assert response.status_code == 410 and 'data-reason="expired"' in response.content.decode()
    assert client.get(reverse("followups:answer", args=["nope"])).status_code == 404


def test_an_inactive_account_may_still_open_the_link(plan, staff_a, pending_staff_a, client):
    link = _link(plan, staff_a)
    client.force_login(pending_staff_a)
    assert client.get(link.path).status_code == 200


# --- templates page ---


def _template_post(**changes):
    data = {
        "name": "心衰随访",
        "offsets": "7, 30",
        "is_active": "on",
        "q-TOTAL_FORMS": "2",
        "q-INITIAL_FORMS": "0",
        "q-0-label": "是否气促？",
        "q-0-type": "yes_no",
        "q-0-required": "on",
        "q-0-alert": "yes",
        "q-1-label": "",
        "q-1-type": "text",
    }
    data.update(changes)
    return data


def test_hospital_admin_creates_a_template(hospital_admin_a, login):
    client = login(hospital_admin_a)
    assert client.get(reverse("followups:template_new")).status_code == 200
    response = client.post(reverse("followups:template_new"), _template_post())
    assert response.status_code == 302
    made = FollowUpTemplate.objects.get()
    assert made.hospital_id == hospital_admin_a.hospital_id
    assert made.offsets == [7, 30] and len(made.questions) == 1
    listing = client.get(reverse("followups:templates")).content.decode()
    assert "心衰随访" in listing


def test_template_errors_show_next_to_the_fields(hospital_admin_a, login):
    response = login(hospital_admin_a).post(
        reverse("followups:template_new"),
        _template_post(**{"offsets": "30, 7", "q-0-type": "choice", "q-0-options": "仅一项"}),
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert "ascending" in body and "Give between 2" in body
    assert "是否气促？" in body and "30, 7" in body
    assert not FollowUpTemplate.objects.exists()


def test_staff_and_other_admins_cannot_edit_templates(
    template, hospital_admin_a, staff_a, login, client
):
    edit = reverse("followups:template_edit", args=[template.public_id])
    assert login(staff_a).get(reverse("followups:templates")).status_code == 404
    client.logout()
    assert login(hospital_admin_a).post(edit, _template_post()).status_code == 404
    template.refresh_from_db()
    assert template.name == "出院随访"


def test_manager_edits_the_alliance_template(template, manager, login):
    edit = reverse("followups:template_edit", args=[template.public_id])
    client = login(manager)
    form = client.get(edit).content.decode()
    assert "伤口是否愈合良好" in form
    assert client.post(edit, _template_post(name="改名")).status_code == 302
    template.refresh_from_db()
    assert template.name == "改名"


# --- the doctor's lists ---


def test_due_and_overdue_lists(plan, staff_a, staff_b, login):
    FollowUpVisit.objects.filter(plan=plan, number=1).update(
        due_date=timezone.localdate() - timedelta(days=1)
    )
    FollowUpVisit.objects.filter(plan=plan, number=2).update(
        due_date=timezone.localdate() + timedelta(days=2)
    )
    client = login(staff_a)
    due = client.get(reverse("followups:due")).content.decode()
    overdue = client.get(reverse("followups:due") + "?list=overdue").content.decode()
    second = str(plan.visits.get(number=2).public_id)
    first = str(plan.visits.get(number=1).public_id)
    assert second in due and first not in due
    assert first in overdue and second not in overdue
    client.logout()
    other = login(staff_b).get(reverse("followups:due")).content.decode()
    assert first not in other and second not in other and 'id="no-visits"' in other
    from yilian.audit.models import AuditEntry

    assert AuditEntry.objects.filter(actor=staff_a, action="list").count() == 2


def test_request_page_links_to_the_plan(plan, staff_a, login):
    page = login(staff_a).get(reverse("workflow:detail", args=[plan.request.public_id]))
    assert page.status_code == 200
    assert _plan_url(plan) in page.content.decode()
    assert BusinessRequest.objects.filter(kind="follow_up").count() == 1


def test_the_start_date_is_prefilled_in_the_date_inputs_format(
    down_referral, receiver, template, login
):
    client = login(receiver)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    page = client.get(reverse("followups:start_from", args=[down_referral.public_id]))
    assert f'value="{timezone.localdate().isoformat()}"' in page.content.decode()


def test_the_due_list_has_a_query_budget(
    staff_a, patient_a, template, follow_up_team, login, django_assert_max_num_queries
):
    for _ in range(5):
        services.start_plan(
            doctor=staff_a,
            patient=patient_a,
            template=template,
            start_date=timezone.localdate() - timedelta(days=5),
        )
    client = login(staff_a)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("followups:due"))
    assert page.content.decode().count("data-visit=") == 5


def test_an_expert_of_the_hospital_who_is_on_no_request_gets_404(
    plan, make_user, hospital_a, login
):
    bystander = make_user("expert", hospital=hospital_a)
    assert login(bystander).get(_plan_url(plan)).status_code == 404


def test_odd_digits_in_a_template_are_refused_not_a_crash():
    from yilian.followups.services import parse_offsets

    assert parse_offsets("7, 30，90") == [7, 30, 90]
    assert parse_offsets("7, ²") is None
    assert parse_offsets("7, ٣") is None


def test_a_second_click_starts_no_second_plan(down_referral, receiver, template, login):
    client = login(receiver)
    url = reverse("followups:start_from", args=[down_referral.public_id])
    data = {"template": str(template.public_id), "start_date": timezone.localdate().isoformat()}

    first = client.post(url, data)
    second = client.post(url, data)

    assert first.status_code == 302
    assert second.status_code == 422
    assert "already started" in second.content.decode()
    assert FollowUpPlan.objects.count() == 1
