"""The remote ward round: 2–20 patient rows with a consent on file each, a comment per
patient by the assigned experts while in progress, then the hospital's action per
patient; other hospitals see nothing."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from yilian.audit.models import AuditEntry
from yilian.workflow.models import Status
from yilian.workflow.services import transition

from ..models import WardRound, WardRoundPatient
from ..services import WardRoundData, comment_on_row, record_action, save_ward_round
from .conftest import round_rows

pytestmark = pytest.mark.django_db


def rows(request):
    return list(WardRoundPatient.objects.filter(round__request=request).order_by("position"))


def test_a_round_lists_its_patients(ward_round, patients_a):
    request = ward_round.draft()
    assert request.kind == "ward_round"
    assert WardRound.objects.get(request=request).ward == "外科二病区"
    assert [r.patient for r in rows(request)] == patients_a
    assert patients_a[0].name not in request.title


def test_a_round_needs_two_to_twenty_patients(staff_a, patients_a, clinic_team):
    with pytest.raises(ValidationError) as caught:
        save_ward_round(
            applicant=staff_a, data=WardRoundData(ward="外科", rows=round_rows(patients_a[:1]))
        )
    assert "2 to 20 patients" in caught.value.message_dict["rows"][0]


def test_every_row_needs_the_consent_on_file(staff_a, patients_a, clinic_team):
    data = round_rows(patients_a)
    data[1] = data[1].__class__(**{**data[1].__dict__, "consent_on_file": False})
    with pytest.raises(ValidationError) as caught:
        save_ward_round(applicant=staff_a, data=WardRoundData(ward="外科", rows=data))
    assert caught.value.message_dict["rows"] == [
        "Row 2: confirm that the patient's consent is on file."
    ]


def test_patients_of_another_hospital_and_twice_listed_are_refused(
    staff_a, patients_a, patient_b, clinic_team
):
    data = round_rows([patients_a[0], patients_a[0], patient_b])
    with pytest.raises(ValidationError) as caught:
        save_ward_round(applicant=staff_a, data=WardRoundData(ward="外科", rows=data))
    assert caught.value.message_dict["rows"] == [
        "Row 2: this patient is listed twice.",
        "Row 3: choose a patient of your hospital.",
    ]


def test_three_patients_get_comments_and_actions(ward_round, staff_a, expert):
    request = ward_round.in_progress()
    first, second, third = rows(request)
    for row, text in ((first, "继续头孢曲松"), (second, "加用万古霉素"), (third, "复查血培养")):
        comment_on_row(row, actor=expert, body=text)
    # Writing again replaces the comment.
    comment_on_row(third, actor=expert, body="复查血培养及降钙素原")
    assert [r.comment for r in rows(request)] == [
        "继续头孢曲松",
        "加用万古霉素",
        "复查血培养及降钙素原",
    ]
    assert all(r.commented_by == expert for r in rows(request))
    with pytest.raises(ValidationError, match="once the round is completed"):
        record_action(first, actor=staff_a, body="已执行")
    request = transition(request, "complete", actor=expert, body="三例均已查房，意见见各患者。")
    for row in rows(request):
        record_action(row, actor=staff_a, body=f"已按意见执行（{row.bed}）")
    assert [r.action_taken for r in rows(request)] == [
        "已按意见执行（1床）",
        "已按意见执行（2床）",
        "已按意见执行（3床）",
    ]
    with pytest.raises(ValidationError, match="in progress"):
        comment_on_row(first, actor=expert, body="补充")
    assert AuditEntry.objects.filter(actor=expert).count() == 4
    assert AuditEntry.objects.filter(actor=staff_a, patient=first.patient).exists()


def test_only_assigned_experts_comment(ward_round, second_expert):
    # second_expert is in the team but not assigned to this round.
    request = ward_round.in_progress()
    with pytest.raises(PermissionDenied):
        comment_on_row(rows(request)[0], actor=second_expert, body="意见")
    assert rows(request)[0].comment == ""


def test_the_applicant_cannot_comment_and_the_expert_cannot_record_actions(
    ward_round, staff_a, expert
):
    request = ward_round.in_progress()
    with pytest.raises(PermissionDenied):
        comment_on_row(rows(request)[0], actor=staff_a, body="意见")
    request = transition(request, "complete", actor=expert, body="已查房")
    with pytest.raises(PermissionDenied):
        record_action(rows(request)[0], actor=expert, body="已执行")


def test_another_hospital_gets_404(ward_round, staff_b, login):
    request = ward_round.in_progress()
    row = rows(request)[0]
    with pytest.raises(Http404):
        comment_on_row(row, actor=staff_b, body="意见")
    with pytest.raises(Http404):
        record_action(row, actor=staff_b, body="意见")
    client = login(staff_b)
    assert client.get(f"/requests/{request.public_id}/").status_code == 404
    response = client.post(f"/clinics/ward-rounds/rows/{row.public_id}/comment/", {"body": "x"})
    assert response.status_code == 404


def test_the_request_page_shows_rows_comments_and_actions(ward_round, expert, staff_a, login):
    request = ward_round.in_progress()
    first = rows(request)[0]
    client = login(expert)
    page = client.get(f"/requests/{request.public_id}/").content.decode()
    assert f"/clinics/ward-rounds/rows/{first.public_id}/comment/" in page
    response = client.post(
        f"/clinics/ward-rounds/rows/{first.public_id}/comment/", {"body": "继续头孢曲松"}
    )
    assert response.status_code == 302
    transition(request, "complete", actor=expert, body="已查房")
    client = login(staff_a)
    page = client.get(f"/requests/{request.public_id}/").content.decode()
    assert "继续头孢曲松" in page
    assert "王某某" in page and "陈某某" in page
    assert f"/clinics/ward-rounds/rows/{first.public_id}/comment/" not in page
    client.post(f"/clinics/ward-rounds/rows/{first.public_id}/action/", {"body": "已停用"})
    assert "已停用" in client.get(f"/requests/{request.public_id}/").content.decode()


def test_applying_on_the_engines_page_with_rows(staff_a, patients_a, clinic_team, login):
    client = login(staff_a)
    page = client.get("/apply/ward_round/")
    assert page.status_code == 200
    assert 'name="rows-TOTAL_FORMS"' in page.content.decode()
    data = {
        "ward": "外科二病区",
        "urgency": "routine",
        "rows-TOTAL_FORMS": "4",
        "rows-INITIAL_FORMS": "0",
        "rows-MIN_NUM_FORMS": "2",
        "rows-MAX_NUM_FORMS": "20",
        "intent": "draft",
    }
    for n, patient in enumerate(patients_a[:2]):
        data |= {
            f"rows-{n}-patient": str(patient.public_id),
            f"rows-{n}-bed": f"{n + 1}床",
            f"rows-{n}-summary": "术后发热",
            f"rows-{n}-question": "抗生素？",
            f"rows-{n}-consent_on_file": "on",
        }
    missing_consent = client.post("/apply/ward_round/", {**data, "rows-1-consent_on_file": ""})
    assert missing_consent.status_code in {200, 422}
    assert 'value="2床"' in missing_consent.content.decode()
    assert not WardRound.objects.exists()
    response = client.post("/apply/ward_round/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    request = WardRound.objects.get().request
    assert [r.bed for r in rows(request)] == ["1床", "2床"]
    assert transition(request, "submit", actor=staff_a).status == Status.SUBMITTED


def test_opening_a_round_is_audited_once_for_each_inpatient(ward_round, expert, login):
    from yilian.audit.models import AuditEntry

    request = ward_round.in_progress()
    listed = [row.patient for row in rows(request)]

    login(expert).get(f"/requests/{request.public_id}/")

    views = AuditEntry.objects.filter(actor=expert, action="view", object_id=request.public_id)
    assert sorted(e.patient_id for e in views) == sorted(p.pk for p in listed)
