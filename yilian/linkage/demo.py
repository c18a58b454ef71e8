"""Demo data of the hospital-linkage businesses (a step of ``seed_demo``).

The demo expert leads the lead hospital's teams that serve the linkage kinds; a few
departments get advanced-study quotas for the coming months; the platform administrator
defines one special business; and the demo staff member's linkage applications are driven
through the real services to different statuses, so the workbench has something to show.
Every part looks its rows up by a natural key first: a second run creates nothing.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from yilian.accounts.models import User
from yilian.accounts.roles import Role
from yilian.orgs.demo import DEMO_LOGINS, SeedContext, register_step
from yilian.orgs.models import Department, Hospital, Specialty, Team, TeamService
from yilian.workflow.models import BusinessRequest
from yilian.workflow.services import transition

from . import services
from .kinds import (
    CLINICAL_OBSERVATION,
    LINKAGE_KINDS,
    STUDY_VISIT,
)
from .models import AdvancedStudy, FieldType, SpecialBusinessType, StudyQuota, add_months

FALLBACK_TEAM = "医联协作服务团队"
QUOTA_DEPARTMENTS: tuple[tuple[str, int], ...] = (
    ("肿瘤内科", 3),
    ("放射治疗科", 2),
    ("病理科", 2),
    ("医学影像科", 4),
)
QUOTA_MONTHS = 3  # the next three start months
SPECIAL_TYPE = "基层医师能力提升项目"
SPECIAL_DESCRIPTION = "牵头医院为成员单位的基层医师定制的专项培训，按科室需求安排带教与进修。"
HOST_CONTACT = "肿瘤内科 教学秘书 王老师 0571-8812 8000"
# A minimal PDF (what a scanned certificate is to the file checks).
_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def _login(role: str) -> User:
    phone = next(d.phone for d in DEMO_LOGINS if d.role == role)
    return User.objects.get(phone=phone)


def seed_linkage_teams(lead: Hospital, expert: User) -> int:
    """The demo expert in charge of every lead team that serves a linkage kind (and a team
    for any linkage kind nobody serves)."""
    created = 0
    served = set(
        TeamService.objects.filter(team__hospital=lead, kind__in=LINKAGE_KINDS).values_list(
            "kind", flat=True
        )
    )
    missing = sorted(LINKAGE_KINDS - served)
    if missing:
        team, made = Team.objects.get_or_create(
            hospital=lead,
            name=FALLBACK_TEAM,
            defaults={"specialty": Specialty.ADMINISTRATION, "lead": expert},
        )
        created += int(made)
        TeamService.objects.bulk_create([TeamService(team=team, kind=k) for k in missing])
        created += len(missing)
    # The expert leads them (the plan's leads stay members; team sizes stay as planned).
    teams = Team.objects.filter(hospital=lead, services__kind__in=LINKAGE_KINDS).distinct()
    for team in teams:
        if team.lead_id != expert.pk and not team.members.filter(pk=expert.pk).exists():
            team.lead = expert
            team.save(update_fields=["lead", "updated_at"])
            created += 1
    return created


def seed_quotas(lead: Hospital) -> int:
    first = add_months(timezone.localdate().replace(day=1), 1)
    created = 0
    for name, seats in QUOTA_DEPARTMENTS:
        department = Department.objects.filter(hospital=lead, name=name).first()
        if department is None:
            continue
        for i in range(QUOTA_MONTHS):
            _quota, made = StudyQuota.objects.get_or_create(
                department=department, month=add_months(first, i), defaults={"seats": seats}
            )
            created += int(made)
    return created


def seed_special_type(admin: User, lead: Hospital) -> SpecialBusinessType:
    existing = SpecialBusinessType.objects.filter(name=SPECIAL_TYPE).first()
    if existing is not None:
        return existing
    departments = "\n".join(
        Department.objects.filter(hospital=lead).order_by("name").values_list("name", flat=True)
    )
    return services.save_special_type(
        actor=admin,
        name=SPECIAL_TYPE,
        description=SPECIAL_DESCRIPTION,
        fields=[
            services.FieldData("申请科室", FieldType.CHOICE, choices=departments or "肿瘤内科"),
            services.FieldData("培训人数", FieldType.NUMBER, help_text="本院参加培训的人数"),
            services.FieldData("期望开始日期", FieldType.DATE),
            services.FieldData("需求说明", FieldType.LONG_TEXT, required=False),
        ],
    )


def _aware(day, hour: int):  # type: ignore[no-untyped-def]
    return timezone.make_aware(datetime.combine(day, time(hour)))


def seed_requests(lead: Hospital, special: SpecialBusinessType) -> int:
    staff = _login(Role.STAFF)
    if BusinessRequest.objects.filter(applicant=staff, kind__in=LINKAGE_KINDS).exists():
        return 0
    manager, expert = _login(Role.MANAGER), _login(Role.EXPERT)
    departments = {d.name: d for d in Department.objects.filter(hospital=lead)}
    today = timezone.localdate()
    own_department = staff.department.name if staff.department else "内科"

    def visit(kind: str, names: list[str], start_in: int, days: int) -> BusinessRequest:
        chosen = [departments[n] for n in names if n in departments] or list(departments.values())[
            :1
        ]
        return services.save_visit(
            kind=kind,
            applicant=staff,
            data=services.VisitData(
                host=lead,
                departments=chosen,
                date_from=today + timedelta(days=start_in),
                date_to=today + timedelta(days=start_in + days - 1),
                visitor_count=2,
                visitors=[
                    services.VisitorData(
                        staff.name, staff.title or "attending_physician", own_department
                    ),
                    services.VisitorData("周晓梅", User.Title.SUPERVISOR_NURSE, "护理部"),
                ],
                purpose="学习肿瘤规范化诊疗流程与多学科协作模式，回院后推广。",
            ),
        )

    def confirm(request: BusinessRequest, start, end) -> BusinessRequest:  # type: ignore[no-untyped-def]
        request = transition(request, "submit", actor=staff)
        request = transition(request, "approve", actor=manager)
        if request.status == "approved":  # no team to route to
            return request
        return transition(
            request,
            "confirm",
            actor=expert,
            scheduled_start=start,
            scheduled_end=end,
            form="on_site",
            contact=HOST_CONTACT,
            arrangement="请于首日 8:30 到门诊楼三楼科室办公室报到。",
        )

    made = 0
    submitted = visit(STUDY_VISIT, ["肿瘤内科", "病理科"], 21, 2)
    transition(submitted, "submit", actor=staff)
    made += 1

    observed = visit(CLINICAL_OBSERVATION, ["放射治疗科"], 10, 3)
    confirm(observed, _aware(today + timedelta(days=10), 8), _aware(today + timedelta(days=12), 17))
    made += 1

    study_department = departments.get("肿瘤内科")
    if study_department is not None:
        start = add_months(today.replace(day=1), 1)

        def study(department: Department) -> BusinessRequest:
            return services.save_advanced_study(
                applicant=staff,
                data=services.StudyData(
                    education=AdvancedStudy.Education.BACHELOR,
                    school="浙江中医药大学",
                    major="临床医学",
                    graduation_year=today.year - 9,
                    years_in_practice=8,
                    current_position="内科主治医师",
                    professional_title=staff.title or User.Title.ATTENDING_PHYSICIAN,
                    clinical_experience="从事内科临床工作八年，熟悉常见肿瘤的初步诊断与随访管理。",
                    department=department,
                    period_months=6,
                    start_date=start,
                ),
                licence=SimpleUploadedFile("执业证书.pdf", _PDF, "application/pdf"),
                qualification=SimpleUploadedFile("资格证书.pdf", _PDF, "application/pdf"),
            )

        confirm(study(study_department), _aware(start, 8), _aware(add_months(start, 6), 17))
        made += 1
        draft_department = departments.get("放射治疗科", study_department)
        study(draft_department)  # a draft the staff member has not submitted yet
        made += 1

    choices = special.fields.get(key="f1").choice_list if special.fields.exists() else []
    application = services.save_special_application(
        applicant=staff,
        business_type=special,
        answers={
            "f1": choices[0] if choices else "",
            "f2": 3,
            "f3": (today + timedelta(days=30)).isoformat(),
            "f4": "希望安排肿瘤内科带教，重点提升化疗不良反应的处理能力。",
        },
    )
    transition(application, "submit", actor=staff)
    made += 1
    return made


def seed_linkage(ctx: SeedContext) -> int:
    lead = ctx.lead_hospital()
    expert = _login(Role.EXPERT)
    created = seed_linkage_teams(lead, expert)
    created += seed_quotas(lead)
    before = SpecialBusinessType.objects.filter(name=SPECIAL_TYPE).exists()
    special = seed_special_type(_login(Role.PLATFORM_ADMIN), lead)
    created += 0 if before else 1 + special.fields.count()
    created += seed_requests(lead, special)
    return created


register_step("linkage", seed_linkage, after="rooms")
