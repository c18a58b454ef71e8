"""A closed consultation about a patient with every kind of identifier in its texts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from django.utils import timezone, translation

from yilian.accounts.models import User
from yilian.medical.models import Mode, Subtype
from yilian.medical.services import ConsultationData, save_consultation
from yilian.orgs.models import Specialty, Team, TeamService
from yilian.orgs.tests.factories import TeamFactory
from yilian.patients.models import Consent, Patient, Sex
from yilian.workflow.models import BusinessRequest
from yilian.workflow.services import transition

NATIONAL_ID = "330122196205154312"
PHONE = "13957112345"
SUMMARY = (
    "患者张建国，男，62岁，身份证号330122196205154312，联系电话13957112345，住院号ZY20240311。"
    "2024年3月5日体检发现右肺上叶磨玻璃结节，直径约12mm，3月20日复查无缩小，张先生无咳嗽咯血。"
)
OPINION = "结合影像，考虑早期肺腺癌可能大，建议胸腔镜下肺段切除，术后病理确定分期。"


@pytest.fixture(autouse=True)
def _english(client) -> Iterator[None]:
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def consultation_team(lead_hospital, expert) -> Team:
    team = TeamFactory(hospital=lead_hospital, name="胸部肿瘤会诊组", lead=expert)
    team.members.add(expert)
    TeamService.objects.create(team=team, kind="consultation")
    return team


def closed_consultation(
    *,
    applicant: User,
    manager: User,
    expert: User,
    summary: str = SUMMARY,
    opinion: str = OPINION,
    name: str = "张建国",
    national_id: str = NATIONAL_ID,
) -> BusinessRequest:
    """An asynchronous consultation of ``applicant``'s hospital about a new patient,
    answered by ``expert``'s team (it must serve consultations), rated and closed."""
    patient = Patient.objects.create(
        hospital=applicant.hospital,
        name=name,
        sex=Sex.MALE,
        birth_date=date(1962, 5, 15),
        national_id=national_id,
        phone=PHONE,
        created_by=applicant,
    )
    request = save_consultation(
        applicant=applicant,
        data=ConsultationData(
            patient=patient,
            urgency="routine",
            subtype=Subtype.DIFFICULT_CASE,
            case_summary=summary,
            clinical_question=f"{name}下一步手术还是随访？请于2024年4月1日前回复。",
            specialty=Specialty.CARDIOTHORACIC,
            mode=Mode.ASYNC,
        ),
    )
    Consent.objects.create(
        patient=patient,
        request=request,
        method=Consent.Method.UPLOAD,
        signer=Consent.Signer.PATIENT,
        signer_name=patient.name,
        signed_at=timezone.now(),
        created_by=applicant,
    )
    request = transition(request, "submit", actor=applicant)
    request = transition(request, "approve", actor=manager)
    request = transition(request, "confirm", actor=expert, form="async", experts=[expert])
    request = transition(request, "publish", actor=manager)
    request = transition(request, "start", actor=expert)
    body = f"{opinion}（{expert.name}，电话 0571-87654321）"
    request = transition(request, "complete", actor=expert, body=body)
    request = transition(
        request, "feedback", actor=applicant, satisfaction=5, timeliness=5, quality=5
    )
    return transition(request, "close", actor=manager, checklist={"opinion_signed": True}, score=95)


@pytest.fixture
def closed(staff_a, manager, expert, consultation_team) -> BusinessRequest:
    return closed_consultation(applicant=staff_a, manager=manager, expert=expert)
