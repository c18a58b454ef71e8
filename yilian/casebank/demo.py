"""Demo data of the difficult-case database (a step of ``seed_demo``): three consultations
of demo patients, answered by the lead hospital's teams, closed by the management team and
marked as difficult cases — so search and "similar cases" have something to find.
A second run creates nothing (one case per demo patient)."""

from __future__ import annotations

from yilian.accounts.models import User
from yilian.accounts.roles import Role
from yilian.medical.models import Mode, Subtype
from yilian.medical.services import ConsultationData, save_consultation
from yilian.orgs.demo import DEMO_LOGINS, SeedContext, register_step
from yilian.orgs.models import Specialty
from yilian.patients.demo import upload_demo_consent
from yilian.patients.models import Patient
from yilian.workflow.models import Urgency
from yilian.workflow.services import transition

from .models import DifficultCase
from .services import mark_difficult_case

# (patient's record number, specialty, summary, question, opinion, ICD-10, diagnosis, tags)
CASES: tuple[tuple[str, str, str, str, str, str, str, str], ...] = (
    (
        "DEMO-0003",
        Specialty.ONCOLOGY,
        "体检CT发现右肺上叶混合磨玻璃结节，直径约14mm，实性成分6mm，三个月复查无缩小，"
        "无咳嗽咯血，CEA正常。",
        "是否需要手术？手术方式如何选择？",
        "考虑早期浸润性肺腺癌可能大，建议胸腔镜下肺段切除并系统性淋巴结采样，术后根据病理分期决定辅助治疗。",
        "C34.1",
        "右肺上叶混合磨玻璃结节",
        "肺结节, 早期肺癌",
    ),
    (
        "DEMO-0004",
        Specialty.ONCOLOGY,
        "左肺下叶纯磨玻璃结节8mm，随访两年缓慢增大至10mm，既往乳腺癌术后五年。",
        "原发肺癌还是转移？是否继续随访？",
        "纯磨玻璃结节缓慢增大，首先考虑原位腺癌或微浸润腺癌，转移可能小；建议胸腔镜楔形切除明确诊断。",
        "D02.2",
        "左肺下叶纯磨玻璃结节",
        "肺结节, 乳腺癌术后",
    ),
    (
        "DEMO-0001",
        Specialty.ONCOLOGY,
        "反复上腹痛半年，胃镜见胃窦溃疡，活检病理提示低级别上皮内瘤变，幽门螺杆菌阳性。",
        "内镜下治疗还是外科手术？",
        "建议根除幽门螺杆菌后复查胃镜并放大内镜评估，病变局限可行内镜黏膜下剥离术（ESD）。",
        "K25.9",
        "胃窦溃疡伴低级别上皮内瘤变",
        "胃溃疡, 癌前病变",
    ),
)


def _login(role: str) -> User | None:
    phone = next(d.phone for d in DEMO_LOGINS if d.role == role)
    return User.objects.select_related("hospital").filter(phone=phone).first()


def seed_difficult_cases(ctx: SeedContext) -> int:
    staff, manager = _login(Role.STAFF), _login(Role.MANAGER)
    if staff is None or manager is None:
        return 0
    made = 0
    for mrn, specialty, summary, question, opinion, icd10, diagnosis, tags in CASES:
        patient = Patient.objects.filter(hospital=staff.hospital, medical_record_number=mrn).first()
        if patient is None or DifficultCase.objects.filter(source__patient=patient).exists():
            continue
        request = save_consultation(
            applicant=staff,
            data=ConsultationData(
                patient=patient,
                urgency=Urgency.ROUTINE,
                subtype=Subtype.DIFFICULT_CASE,
                case_summary=summary,
                clinical_question=question,
                specialty=specialty,
                mode=Mode.ASYNC,
            ),
        )
        upload_demo_consent(request, staff=staff)
        request = transition(request, "submit", actor=staff)
        request = transition(request, "approve", actor=manager)
        if request.team is None or request.team.lead is None:
            continue  # no team serves consultations in this alliance
        lead = request.team.lead
        request = transition(request, "confirm", actor=lead, form="async", experts=[lead])
        request = transition(request, "publish", actor=manager)
        request = transition(request, "start", actor=lead)
        request = transition(request, "complete", actor=lead, body=opinion)
        request = transition(
            request, "feedback", actor=staff, satisfaction=5, timeliness=4, quality=5
        )
        request = transition(
            request, "close", actor=manager, checklist={"opinion_signed": True}, score=93
        )
        mark_difficult_case(request, actor=manager, icd10=icd10, diagnosis=diagnosis, tags=tags)
        made += 1
    return made


register_step("difficult_cases", seed_difficult_cases, after="medical_requests")
