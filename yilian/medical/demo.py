"""Demo data of remote consultations (a step of ``seed_demo``).

The lead hospital's execution teams serve consultations in several specialties (the
alliance plan already names most; a team is added for any of ``SPECIALTY_TEAMS`` nobody
serves). The demo expert leads the MDT team, and the leads of the imaging and pathology
teams join it, so an MDT consultation can be confirmed with experts of several
departments. Patients and consultation requests come with the patient demo data.
Every part looks its rows up by a natural key first: a second run creates nothing.
"""

from __future__ import annotations

from yilian.accounts.models import User
from yilian.accounts.roles import Role
from yilian.orgs.demo import DEMO_LOGINS, SeedContext, register_step
from yilian.orgs.models import Department, Hospital, Specialty, Team, TeamService
from yilian.patients.demo import (  # also registers the "patients" step first
    DEMO_PATIENTS,
    upload_demo_consent,
)
from yilian.patients.models import Patient
from yilian.workflow.models import BusinessRequest, Urgency
from yilian.workflow.services import transition

from .kinds import CONSULTATION
from .models import Mode, Subtype
from .services import ConsultationData, save_consultation

MDT_TEAM = "肿瘤多学科会诊（MDT）团队"
# Specialty → the team created when no lead team serving consultations has it.
SPECIALTY_TEAMS: tuple[tuple[str, str], ...] = (
    (Specialty.ONCOLOGY, MDT_TEAM),
    (Specialty.RADIOLOGY, "远程影像诊断团队"),
    (Specialty.PATHOLOGY, "远程病理诊断团队"),
)
# The teams whose leads join the MDT team (other departments than oncology).
MDT_GUESTS: tuple[str, ...] = (Specialty.RADIOLOGY, Specialty.PATHOLOGY)


def _demo_expert() -> User:
    phone = next(d.phone for d in DEMO_LOGINS if d.role == Role.EXPERT)
    return User.objects.get(phone=phone)


def seed_consultation_teams(lead: Hospital, expert: User) -> int:
    created = 0
    serving = Team.objects.filter(hospital=lead, is_active=True, services__kind=CONSULTATION)
    by_specialty: dict[str, Team] = {}
    for specialty, name in SPECIALTY_TEAMS:
        team = serving.filter(specialty=specialty).order_by("name", "pk").first()
        if team is None:
            team, made = Team.objects.get_or_create(
                hospital=lead, name=name, defaults={"specialty": specialty}
            )
            created += int(made)
            _service, made = TeamService.objects.get_or_create(team=team, kind=CONSULTATION)
            created += int(made)
        by_specialty[specialty] = team

    mdt = (
        Team.objects.filter(hospital=lead, name=MDT_TEAM).first()
        or by_specialty[Specialty.ONCOLOGY]
    )
    if mdt.lead_id != expert.pk and not mdt.members.filter(pk=expert.pk).exists():
        if mdt.lead_id is not None:
            mdt.members.add(mdt.lead_id)  # the plan's lead stays on the team
        mdt.lead = expert
        mdt.save(update_fields=["lead", "updated_at"])
        created += 1
    for specialty in MDT_GUESTS:
        guest = by_specialty[specialty].lead
        if guest is not None and not mdt.members.filter(pk=guest.pk).exists():
            mdt.members.add(guest)
            created += 1
    return created


def seed_medical(ctx: SeedContext) -> int:
    return seed_consultation_teams(ctx.lead_hospital(), _demo_expert())


register_step("medical", seed_medical, after="rooms")


# --- requests of the demo staff member ------------------------------------------------------

# Medical record numbers of 张三（演示） and 李四（演示）.
CONSULTATION_PATIENT, REFERRAL_PATIENT = DEMO_PATIENTS[0][5], DEMO_PATIENTS[1][5]
REFERRAL_DEPARTMENT = "肿瘤内科"
CASE_SUMMARY = (
    "男，68 岁。进行性吞咽困难 2 月，体重下降 5 kg。胃镜示食管中段溃疡型肿物，病理为鳞状细胞癌；"
    "胸部增强 CT 示食管中段管壁增厚，纵隔见肿大淋巴结。既往高血压 10 年，药物控制可。"
)
CLINICAL_QUESTION = "请评估是否适合新辅助放化疗后手术，以及推荐的治疗方案与随访安排。"
REFERRAL_REASON = (
    "乳腺肿物穿刺病理提示浸润性导管癌，本院无法开展前哨淋巴结活检及规范化综合治疗，"
    "转上级医院进一步诊治。"
)


def _demo_staff() -> User | None:
    phone = next(d.phone for d in DEMO_LOGINS if d.role == Role.STAFF)
    return User.objects.select_related("hospital").filter(phone=phone).first()


def _patient(staff: User, record_number: str) -> Patient | None:
    return Patient.objects.filter(
        hospital=staff.hospital, medical_record_number=record_number
    ).first()


def seed_consultation_request(staff: User) -> int:
    """A general consultation about the first demo patient, consent uploaded, submitted."""
    patient = _patient(staff, CONSULTATION_PATIENT)
    if patient is None:
        return 0
    mine = BusinessRequest.objects.filter(kind=CONSULTATION, applicant=staff, patient=patient)
    if mine.exists():
        return 0
    request = save_consultation(
        applicant=staff,
        data=ConsultationData(
            patient=patient,
            urgency=Urgency.ROUTINE,
            subtype=Subtype.GENERAL,
            case_summary=CASE_SUMMARY,
            clinical_question=CLINICAL_QUESTION,
            specialty=Specialty.ONCOLOGY,
            expert_title=User.Title.CHIEF_PHYSICIAN,
            mode=Mode.VIDEO,
        ),
    )
    upload_demo_consent(request, staff=staff)
    transition(request, "submit", actor=staff)
    return 1


def seed_referral_draft(staff: User, lead: Hospital) -> int:
    """An upward referral of the second demo patient to the lead hospital, not submitted."""
    from yilian.referrals.kinds import REFERRAL
    from yilian.referrals.models import Direction
    from yilian.referrals.services import ReferralData, save_referral

    patient = _patient(staff, REFERRAL_PATIENT)
    department = Department.objects.filter(
        hospital=lead, name=REFERRAL_DEPARTMENT, is_active=True
    ).first()
    if patient is None or department is None:
        return 0
    if BusinessRequest.objects.filter(kind=REFERRAL, patient=patient).exists():
        return 0
    save_referral(
        applicant=staff,
        data=ReferralData(
            patient=patient,
            direction=Direction.UP,
            target_hospital=lead,
            target_department=department,
            diagnosis_code="C50.9",
            diagnosis_text="乳腺恶性肿瘤",
            reason=REFERRAL_REASON,
        ),
    )
    return 1


def seed_medical_requests(ctx: SeedContext) -> int:
    staff = _demo_staff()
    if staff is None or staff.hospital_id is None:
        return 0
    return seed_consultation_request(staff) + seed_referral_draft(staff, ctx.lead_hospital())


register_step("medical_requests", seed_medical_requests, after="patients")
