"""Marking a closed consultation, the de-identified record, search in Chinese, similar
cases, who reads, and research exports behind a manager's approval."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from yilian.accounts.roles import Role
from yilian.audit.models import AuditEntry
from yilian.casebank import selectors
from yilian.casebank.models import DifficultCase, ResearchExport
from yilian.casebank.services import decide_export, mark_difficult_case, request_export
from yilian.core.tests.html import parse
from yilian.followups.models import FollowUpVisit
from yilian.followups.services import answer_visit, create_answer_link, save_template, start_plan
from yilian.orgs.models import TeamService
from yilian.orgs.tests.factories import TeamFactory

from .conftest import NATIONAL_ID, PHONE, closed_consultation

pytestmark = pytest.mark.django_db


def _mark(closed, expert, **extra):
    data = {
        "icd10": "c34.1",
        "diagnosis": "右肺上叶磨玻璃结节（张建国）",
        "tags": "肺结节, 早期肺癌",
    }
    return mark_difficult_case(closed, actor=expert, **{**data, **extra})


def test_the_record_keeps_no_identifier_of_the_patient(closed, expert, staff_a):
    case = _mark(closed, expert)

    stored = DifficultCase.objects.filter(pk=case.pk).values().get()
    text = " ".join(str(v) for v in stored.values())
    for identifier in (
        "张建国",
        "张先生",
        NATIONAL_ID,
        PHONE,
        "ZY20240311",
        "2024",
        "3月20日",
        "0571-87654321",
        expert.name,
        staff_a.name,
        "1962",
    ):
        assert identifier not in text, identifier
    assert (case.age_band, case.sex, case.icd10) == ("60–69", "male", "C34.1")
    assert case.tags == ["肺结节", "早期肺癌"]
    assert "磨玻璃结节" in case.summary and "肺段切除" in case.opinion


def test_identifiers_written_as_in_the_patients_record_are_removed(
    staff_a, manager, expert, consultation_team
):
    request = closed_consultation(
        applicant=staff_a,
        manager=manager,
        expert=expert,
        summary="患者住址杭州市桐庐县迎春南路88号，复查右肺磨玻璃结节。管理团队审核。",
    )
    patient = request.patient
    patient.address = "杭州市桐庐县迎春南路88号"
    patient.save()

    case = _mark(request, expert)

    assert "迎春南路" not in case.summary and "[地址]" in case.summary
    assert manager.name not in case.summary  # on the timeline (approved, closed)


def test_only_the_answering_team_or_a_manager_marks_a_closed_consultation_once(
    closed, expert, manager, staff_a, make_user, lead_hospital
):
    outsider = make_user(Role.EXPERT, hospital=lead_hospital, name="外组专家")
    for user in (staff_a, outsider):
        with pytest.raises(PermissionDenied):
            _mark(closed, user)
    assert not DifficultCase.objects.exists()

    _mark(closed, manager)
    with pytest.raises(PermissionDenied):
        _mark(closed, expert)
    assert DifficultCase.objects.count() == 1


def test_an_open_consultation_cannot_be_marked(closed, expert):
    closed.status = "completed"
    assert not selectors.may_mark(expert, closed)


def test_bad_codes_and_an_empty_diagnosis_are_explained_and_nothing_is_made(closed, expert):
    with pytest.raises(ValidationError) as caught:
        _mark(closed, expert, icd10="lung", diagnosis=" ")

    assert set(caught.value.message_dict) == {"icd10", "diagnosis"}
    assert not DifficultCase.objects.exists()


def test_cases_are_found_by_a_chinese_word_of_their_summary(
    closed, expert, staff_a, manager, consultation_team
):
    lung = _mark(closed, expert)
    other = closed_consultation(
        applicant=staff_a,
        manager=manager,
        expert=expert,
        summary="患者反复上腹痛半年，胃镜见胃窦溃疡，病理提示低级别上皮内瘤变。",
        opinion="建议内镜黏膜下剥离术，术后随访胃镜。",
        name="赵某",
        national_id="",
    )
    stomach = mark_difficult_case(
        other, actor=expert, icd10="K25.9", diagnosis="胃窦溃疡伴上皮内瘤变"
    )

    assert list(selectors.search_cases(query="磨玻璃结节")) == [lung]
    assert list(selectors.search_cases(query="胃镜")) == [stomach]
    assert list(selectors.search_cases(query="结节 胃镜")) == []  # every word must match
    assert list(selectors.search_cases(query="肝硬化")) == []
    assert list(selectors.search_cases(icd10="k25")) == [stomach]
    assert selectors.similar_cases(lung) == []


def test_similar_cases_share_the_characteristic_words(
    closed, expert, staff_a, manager, consultation_team
):
    first = _mark(closed, expert)
    second_request = closed_consultation(
        applicant=staff_a,
        manager=manager,
        expert=expert,
        summary="体检发现左肺下叶磨玻璃结节，直径8mm，随访一年增大。",
        opinion="考虑肺腺癌可能，建议手术。",
        name="钱某",
        national_id="",
    )
    second = mark_difficult_case(
        second_request, actor=expert, icd10="C34.3", diagnosis="左肺磨玻璃结节"
    )

    assert selectors.similar_cases(first) == [second]


def test_an_answered_follow_up_fills_in_the_outcome(
    closed, expert, staff_a, manager, hospital_a, django_capture_on_commit_callbacks
):
    case = _mark(closed, expert)
    assert case.outcome == ""
    team = TeamFactory(hospital=hospital_a, name="随访组", lead=staff_a)
    TeamService.objects.create(team=team, kind="follow_up")
    template = save_template(
        actor=manager,
        name="术后随访",
        offsets=[30],
        questions=[{"label": "目前状况", "type": "text", "required": True}],
    )
    plan = start_plan(
        doctor=staff_a,
        patient=closed.patient,
        template=template,
        start_date=timezone.localdate() - timedelta(days=30),
    )
    link = create_answer_link(FollowUpVisit.objects.get(plan=plan), actor=staff_a)

    with django_capture_on_commit_callbacks(execute=True):
        answer_visit(link.token, {"q1": "张建国术后恢复良好，2024年5月1日复查无复发"})

    case.refresh_from_db()
    assert "术后恢复良好" in case.outcome
    assert "张建国" not in case.outcome and "2024" not in case.outcome
    assert list(selectors.search_cases(query="恢复良好")) == [case]


@pytest.mark.parametrize("reader", ["staff_a", "expert", "manager"])
def test_medical_staff_read_and_search_and_each_read_is_audited(
    request, login, closed, expert, reader
):
    case = _mark(closed, expert)
    client = login(request.getfixturevalue(reader))

    listing = client.get(reverse("casebank:list"), {"q": "磨玻璃"})
    detail = client.get(reverse("casebank:detail", args=[case.public_id]))

    assert parse(listing).one(data_case=str(case.public_id))
    assert detail.status_code == 200
    assert AuditEntry.objects.filter(action="view", object_id=str(case.public_id)).count() == 1
    assert AuditEntry.objects.filter(action="search").count() == 1


@pytest.mark.parametrize(
    "role", [Role.HOSPITAL_ADMIN, Role.AUDITOR, Role.PATIENT, Role.PLATFORM_ADMIN]
)
def test_others_may_not_read_cases(login, make_user, closed, expert, role):
    case = _mark(closed, expert)
    client = login(make_user(role))

    assert client.get(reverse("casebank:list")).status_code == 403
    assert client.get(reverse("casebank:detail", args=[case.public_id])).status_code == 404


def test_the_consultation_page_offers_marking_to_its_expert_and_shows_the_record(
    login, closed, expert
):
    page = login(expert).get(reverse("workflow:detail", args=[closed.public_id]))
    assert parse(page).one(id="mark-difficult-case")

    response = login(expert).post(
        reverse("casebank:mark", args=[closed.public_id]),
        {"icd10": "C34.1", "diagnosis": "右肺磨玻璃结节", "tags": "肺结节"},
    )

    case = DifficultCase.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("casebank:detail", args=[case.public_id])
    page = login(expert).get(reverse("workflow:detail", args=[closed.public_id]))
    assert parse(page).one(data_difficult_case=True)


def test_a_bad_mark_form_keeps_what_was_typed(login, closed, expert):
    response = login(expert).post(
        reverse("casebank:mark", args=[closed.public_id]),
        {"icd10": "肺癌", "diagnosis": "右肺结节"},
    )

    assert response.status_code == 422
    page = parse(response)
    assert page.one("input", name="diagnosis").get("value") == "右肺结节"
    assert "ICD-10" in page.text
    assert not DifficultCase.objects.exists()


def test_a_research_export_needs_another_managers_approval(
    login, closed, expert, manager, staff_a, make_user, lead_hospital
):
    _mark(closed, expert)
    export = request_export(requester=expert, purpose="早期肺癌影像特征回顾性研究", query="磨玻璃")
    download = reverse("casebank:download", args=[export.public_id])

    assert login(expert).get(download).status_code == 403
    with pytest.raises(PermissionDenied):
        decide_export(export, actor=expert, approve=True)
    with pytest.raises(ValidationError):
        decide_export(export, actor=manager, approve=False)  # a rejection needs a reason

    response = login(manager).post(
        reverse("casebank:decide", args=[export.public_id]), {"decision": "approve"}
    )
    assert response.status_code == 302
    export.refresh_from_db()
    assert (export.status, export.decided_by) == (ResearchExport.Status.APPROVED, manager)

    # a case added after the approval is not part of what was approved
    later = closed_consultation(
        applicant=staff_a,
        manager=manager,
        expert=expert,
        summary="左肺下叶磨玻璃结节8mm。",
        name="孙某",
        national_id="",
    )
    _mark(later, expert)

    csv = login(expert).get(download)
    assert csv.status_code == 200
    body = csv.content.decode("utf-8-sig")
    assert "磨玻璃结节" in body and "张建国" not in body and NATIONAL_ID not in body
    assert len(body.strip().splitlines()) == 2  # the header and the one approved case
    assert AuditEntry.objects.filter(action="export", object_id=str(export.public_id)).exists()
    export.refresh_from_db()
    assert export.downloads == 1
    # someone else's export is not theirs to see
    other = make_user(Role.STAFF, hospital=lead_hospital, name="别人")
    assert login(other).get(download).status_code == 404


def test_a_manager_may_not_approve_their_own_export(manager):
    export = request_export(requester=manager, purpose="质控部门年度疑难病例分析")

    with pytest.raises(PermissionDenied):
        decide_export(export, actor=manager, approve=True)


def test_an_export_without_a_purpose_is_explained(login, expert):
    response = login(expert).post(reverse("casebank:exports"), {"purpose": "研究", "query": "结节"})

    assert response.status_code == 422
    assert parse(response).one("input", name="query").get("value") == "结节"
    assert not ResearchExport.objects.exists()


def test_an_approved_export_expires(login, closed, expert, manager):
    _mark(closed, expert)
    export = request_export(requester=expert, purpose="早期肺癌影像特征回顾性研究")
    decide_export(export, actor=manager, approve=True)
    download = reverse("casebank:download", args=[export.public_id])

    with freeze_time(timezone.now() + timedelta(days=31)):
        assert login(expert).get(download).status_code == 403
