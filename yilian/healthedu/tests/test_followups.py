"""Doctors attach published items to follow-up plans; the plan's patient receives them (on
the questionnaire page and, with a patient account, under "My health education") — and no
other patient does."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from yilian.accounts.roles import Role
from yilian.audit.models import AuditEntry
from yilian.core.tests.html import parse
from yilian.followups.services import create_answer_link
from yilian.notify.models import Notification
from yilian.patients.models import Patient

from ..models import PlanItem
from ..services import attach_to_plan, detach_from_plan, unpublish
from .conftest import make_plan

pytestmark = pytest.mark.django_db


def _shared_slugs(response) -> set[str]:
    return {a.get("data-share") for a in parse(response).find_all("a", data_share=True)}


def test_the_plans_doctor_attaches_through_the_plan_page_and_the_patient_is_told(
    login, staff_a, plan, article, patient_login, django_capture_on_commit_callbacks
):
    client = login(staff_a)
    page = parse(client.get(reverse("followups:plan", args=[plan.public_id])))
    options = page.one("select", id="attach-item").find_all("option")
    assert str(article.pk) in {o.get("value") for o in options}

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("healthedu:plan_items", args=[plan.public_id]), {"item": article.pk}
        )
    assert response.status_code == 302
    assert PlanItem.objects.filter(plan=plan, item=article, attached_by=staff_a).exists()
    page = parse(client.get(reverse("followups:plan", args=[plan.public_id])))
    assert page.one("li", data_plan_item=str(article.public_id))
    told = Notification.objects.get(recipient=patient_login, verb="healthedu.attached")
    assert told.url == reverse("healthedu:share", args=[article.slug])
    assert AuditEntry.objects.filter(
        actor=staff_a, action="update", patient=plan.patient, object_id=str(plan.public_id)
    ).exists()

    # Attaching twice is a no-op.
    client.post(reverse("healthedu:plan_items", args=[plan.public_id]), {"item": article.pk})
    assert PlanItem.objects.filter(plan=plan).count() == 1


def test_the_patient_sees_the_item_and_another_patient_does_not(
    login, make_user, staff_a, manager, plan, article, patient_login, hospital_a
):
    attach_to_plan(plan, article, actor=staff_a)
    response = login(patient_login).get(reverse("healthedu:mine"))
    assert _shared_slugs(response) == {article.slug}
    home = parse(login(patient_login).get(reverse("web:home")))
    assert home.one("div", id="card-my-education")

    # Another patient, with a plan of their own that has nothing attached.
    other = make_user(Role.PATIENT, name="另一位患者")
    record = Patient.objects.create(
        hospital=hospital_a, name="另一位患者", phone=other.phone, created_by=staff_a
    )
    make_plan(staff_a, record, manager)
    response = login(other).get(reverse("healthedu:mine"))
    assert _shared_slugs(response) == set()
    assert parse(response).one("p", id="no-items")


def test_the_questionnaire_page_lists_the_items_with_their_share_links(
    client, staff_a, plan, article
):
    attach_to_plan(plan, article, actor=staff_a)
    link = create_answer_link(plan.visits.first(), actor=staff_a)
    response = client.get(link.path)
    assert response.status_code == 200
    assert _shared_slugs(response) == {article.slug}
    assert client.get(reverse("healthedu:share", args=[article.slug])).status_code == 200


def test_an_unpublished_item_is_withdrawn_from_the_patient(
    login, staff_a, hospital_admin_a, plan, article, patient_login
):
    attach_to_plan(plan, article, actor=staff_a)
    unpublish(article, actor=hospital_admin_a)
    assert _shared_slugs(login(patient_login).get(reverse("healthedu:mine"))) == set()
    # The doctor still sees it on the plan, marked as not shown.
    page = parse(login(staff_a).get(reverse("followups:plan", args=[plan.public_id])))
    assert page.one("li", data_plan_item=str(article.public_id))


def test_drafts_cannot_be_given_to_patients(staff_a, plan, draft):
    with pytest.raises(ValidationError):
        attach_to_plan(plan, draft, actor=staff_a)
    assert not PlanItem.objects.exists()


def test_another_hospitals_doctor_cannot_touch_the_plan(login, staff_b, plan, article):
    with pytest.raises(PermissionDenied):
        attach_to_plan(plan, article, actor=staff_b)
    response = login(staff_b).post(
        reverse("healthedu:plan_items", args=[plan.public_id]), {"item": article.pk}
    )
    assert response.status_code == 404
    assert not PlanItem.objects.exists()


def test_detaching(login, staff_a, plan, article, patient_login):
    attach_to_plan(plan, article, actor=staff_a)
    login(staff_a).post(
        reverse("healthedu:plan_items", args=[plan.public_id]), {"detach": str(article.public_id)}
    )
    assert not PlanItem.objects.exists()
    detach_from_plan(plan, article, actor=staff_a)  # already gone: nothing happens
