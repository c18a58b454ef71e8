"""The modules of the platform and the pages each role may open — one place for the menus.

Business modules list their businesses (the paper's 4 modules, 18 businesses); each
business module opens its section of the service catalogue. Management modules list pages.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from yilian.accounts.models import User
from yilian.accounts.roles import Role

R = Role
ALL_MEMBERS = frozenset(r for r in Role if r != Role.PATIENT)


@dataclass(frozen=True)
class Business:
    code: str
    label: Promise
    description: Promise


@dataclass(frozen=True)
class Page:
    label: Promise
    url_name: str
    roles: frozenset[str]


@dataclass(frozen=True)
class Module:
    key: str
    label: Promise
    icon: str
    roles: frozenset[str]
    businesses: tuple[Business, ...] = ()
    pages: tuple[Page, ...] = field(default=())

    @property
    def url(self) -> str:
        if self.businesses:
            return f"{reverse('web:services')}#{self.key}"
        return reverse(self.pages[0].url_name)

    def pages_for(self, user: User) -> list[Page]:
        return [p for p in self.pages if user.has_role(*p.roles)]


MODULES: tuple[Module, ...] = (
    Module(
        "medical",
        _("Remote medical"),
        "heart-pulse",
        frozenset({R.STAFF, R.EXPERT, R.MANAGER, R.HOSPITAL_ADMIN, R.PLATFORM_ADMIN}),
        businesses=(
            Business(
                "consultation",
                _("Remote consultation"),
                _("MDT, difficult-case, imaging and pathology consultations with experts."),
            ),
            Business(
                "e_clinic",
                _("Remote e-clinic"),
                _("Book an expert's clinic slot for a patient who is with you."),
            ),
            Business(
                "ward_round",
                _("Remote ward round"),
                _("An expert rounds on your inpatients by video and comments per patient."),
            ),
            Business(
                "referral",
                _("Two-way referral"),
                _("Refer a patient up to the lead hospital or down to a member hospital."),
            ),
            Business(
                "follow_up",
                _("Patient follow-up"),
                _("Follow-up plans with questionnaires the patient answers on the phone."),
            ),
        ),
        pages=(
            Page(_("Patients"), "patients:list", frozenset({R.STAFF, R.HOSPITAL_ADMIN})),
            Page(
                _("Cloud rooms"),
                "realtime:rooms",
                frozenset({R.STAFF, R.EXPERT, R.HOSPITAL_ADMIN}),
            ),
            Page(_("Today's e-clinic"), "clinics:queue", frozenset({R.EXPERT})),
            Page(_("Difficult cases"), "casebank:list", frozenset({R.STAFF, R.EXPERT, R.MANAGER})),
            Page(_("Follow-up visits"), "followups:due", frozenset({R.STAFF, R.HOSPITAL_ADMIN})),
            Page(
                _("Follow-up templates"),
                "followups:templates",
                frozenset({R.HOSPITAL_ADMIN, R.MANAGER}),
            ),
        ),
    ),
    Module(
        "teaching",
        _("Teaching and training"),
        "mortarboard",
        ALL_MEMBERS,
        businesses=(
            Business(
                "cloud_class",
                _("Cloud classroom"),
                _("Courses and lessons to learn in spare minutes, resuming where you stopped."),
            ),
            Business(
                "cme_class",
                _("CME classes"),
                _("Continuing-education classes with attendance, credits and certificates."),
            ),
            Business(
                "conference_live",
                _("Conference live stream"),
                _("Watch alliance conferences live or as replays."),
            ),
            Business(
                "surgery_demo",
                _("Surgery demonstration"),
                _("Live surgery from the demonstration theatre, for medical staff only."),
            ),
            Business(
                "health_education",
                _("Health-education library"),
                _("Articles and videos for patients and the public."),
            ),
        ),
        pages=(
            Page(_("Cloud classroom"), "teaching:courses", ALL_MEMBERS),
            Page(_("New course"), "teaching:course_new", frozenset({R.MANAGER, R.PLATFORM_ADMIN})),
            Page(_("CME classes"), "teaching:cme_classes", ALL_MEMBERS),
            Page(_("My classes"), "teaching:cme_mine", ALL_MEMBERS),
            Page(_("My credits"), "teaching:cme_credits", ALL_MEMBERS),
            Page(_("New CME class"), "teaching:cme_new", frozenset({R.MANAGER, R.PLATFORM_ADMIN})),
            Page(_("Live events"), "live:events", ALL_MEMBERS),
            Page(_("New live event"), "live:event_new", frozenset({R.MANAGER, R.PLATFORM_ADMIN})),
            Page(_("Health-education library"), "healthedu:library", ALL_MEMBERS),
        ),
    ),
    Module(
        "linkage",
        _("Hospital linkage"),
        "building",
        frozenset({R.STAFF, R.EXPERT, R.MANAGER, R.HOSPITAL_ADMIN, R.PLATFORM_ADMIN}),
        businesses=(
            Business(
                "study_visit",
                _("Study visit"),
                _("Apply to visit departments of the lead hospital."),
            ),
            Business(
                "clinical_observation",
                _("Clinical observation"),
                _("Apply to observe clinical work in a department."),
            ),
            Business(
                "advanced_study",
                _("Advanced study"),
                _("Register for a fellowship of several months."),
            ),
            Business(
                "special_business",
                _("Special business"),
                _("Other applications defined by the platform."),
            ),
        ),
        pages=(
            Page(
                _("Advanced-study quotas"),
                "linkage:quotas",
                frozenset({R.MANAGER, R.PLATFORM_ADMIN}),
            ),
            Page(
                _("Special business types"),
                "linkage:special_types",
                frozenset({R.PLATFORM_ADMIN}),
            ),
        ),
    ),
    Module(
        "quality",
        _("Quality supervision"),
        "clipboard-check",
        frozenset({R.STAFF, R.MANAGER, R.HOSPITAL_ADMIN, R.PLATFORM_ADMIN}),
        businesses=(
            Business(
                "data_reporting",
                _("Data reporting"),
                _("Report the alliance's datasets online instead of by spreadsheet."),
            ),
            Business(
                "sentinel",
                _("Sentinel monitoring"),
                _("Weekly sentinel reports with alerts on unusual rises."),
            ),
            Business(
                "single_disease",
                _("Single-disease management"),
                _("Disease registries with quality indicators."),
            ),
            Business(
                "standards",
                _("Standards promotion"),
                _("Specifications and guidelines to read and adopt."),
            ),
        ),
        pages=(
            Page(_("My reports"), "reporting:mine", frozenset({R.STAFF, R.HOSPITAL_ADMIN})),
            Page(_("Report review"), "reporting:queue", frozenset({R.MANAGER})),
            Page(
                _("Reporting rates"),
                "reporting:rates",
                frozenset({R.MANAGER, R.PLATFORM_ADMIN}),
            ),
            Page(_("Datasets"), "reporting:datasets", frozenset({R.PLATFORM_ADMIN})),
            Page(
                _("Sentinel monitoring"),
                "sentinel:home",
                frozenset({R.STAFF, R.HOSPITAL_ADMIN, R.MANAGER, R.PLATFORM_ADMIN}),
            ),
            Page(_("Sentinel alerts"), "sentinel:alerts", frozenset({R.MANAGER, R.PLATFORM_ADMIN})),
            Page(_("Registry cases"), "registries:cases", frozenset({R.STAFF, R.HOSPITAL_ADMIN})),
            Page(
                _("Quality indicators"),
                "registries:indicators",
                frozenset({R.MANAGER, R.PLATFORM_ADMIN, R.HOSPITAL_ADMIN}),
            ),
            Page(
                _("Reporting coverage"),
                "registries:coverage",
                frozenset({R.STAFF, R.MANAGER, R.PLATFORM_ADMIN, R.HOSPITAL_ADMIN}),
            ),
            Page(_("Disease registries"), "registries:designer", frozenset({R.PLATFORM_ADMIN})),
            Page(
                _("Standards and guidelines"),
                "standards:list",
                frozenset({R.STAFF, R.HOSPITAL_ADMIN, R.MANAGER, R.PLATFORM_ADMIN}),
            ),
            Page(_("New standard"), "standards:new", frozenset({R.MANAGER, R.PLATFORM_ADMIN})),
        ),
    ),
    Module(
        "platform",
        _("Platform management"),
        "sliders",
        frozenset({R.PLATFORM_ADMIN, R.MANAGER, R.HOSPITAL_ADMIN, R.SECURITY_ADMIN, R.ROOM_ADMIN}),
        pages=(
            Page(
                _("Registrations"),
                "accounts:registrations",
                frozenset({R.HOSPITAL_ADMIN, R.PLATFORM_ADMIN}),
            ),
            Page(_("Member hospitals"), "web:hospitals", ALL_MEMBERS),
            Page(
                _("People and roles"),
                "accounts:people",
                frozenset({R.HOSPITAL_ADMIN, R.PLATFORM_ADMIN}),
            ),
            Page(
                _("Accession applications"),
                "accession:applications",
                frozenset({R.MANAGER, R.PLATFORM_ADMIN}),
            ),
            Page(
                _("Capability assessments"),
                "accession:assessments",
                frozenset({R.MANAGER, R.PLATFORM_ADMIN, R.HOSPITAL_ADMIN}),
            ),
            Page(
                _("Assessment questionnaire"),
                "accession:questions",
                frozenset({R.PLATFORM_ADMIN}),
            ),
            Page(_("Cooperation plan"), "accession:my_plan", frozenset({R.HOSPITAL_ADMIN})),
            Page(
                _("Supervision board"),
                "supervision:board",
                frozenset({R.MANAGER, R.PLATFORM_ADMIN}),
            ),
            Page(_("Feedback"), "supervision:tickets", ALL_MEMBERS),
            Page(
                _("Room administrators"),
                "supervision:room_admins",
                frozenset({R.PLATFORM_ADMIN}),
            ),
            Page(_("Role change log"), "accounts:role_changes", frozenset({R.PLATFORM_ADMIN})),
            Page(_("Service status"), "web:dependencies", frozenset({R.PLATFORM_ADMIN})),
            Page(_("Locked sign-ins"), "security:lockouts", frozenset({R.SECURITY_ADMIN})),
            Page(_("Cloud rooms"), "realtime:rooms", frozenset({R.ROOM_ADMIN})),
        ),
    ),
    Module(
        "analytics",
        _("Statistics"),
        "bar-chart",
        frozenset({R.MANAGER, R.PLATFORM_ADMIN, R.HOSPITAL_ADMIN}),
        pages=(
            Page(
                _("Application effect"),
                "analytics:dashboard",
                frozenset({R.MANAGER, R.PLATFORM_ADMIN, R.HOSPITAL_ADMIN}),
            ),
            Page(
                _("Health resources"),
                "analytics:resources",
                frozenset({R.MANAGER, R.PLATFORM_ADMIN, R.HOSPITAL_ADMIN}),
            ),
        ),
    ),
    Module(
        "security",
        _("Security and audit"),
        "shield-check",
        frozenset({R.AUDITOR, R.SECURITY_ADMIN}),
        pages=(
            Page(_("Audit trail"), "audit:entries", frozenset({R.AUDITOR, R.SECURITY_ADMIN})),
            Page(_("Audit archives"), "audit:archives", frozenset({R.AUDITOR, R.SECURITY_ADMIN})),
            Page(
                _("Role change log"),
                "accounts:role_changes",
                frozenset({R.AUDITOR, R.SECURITY_ADMIN}),
            ),
        ),
    ),
)


@dataclass(frozen=True)
class NavEntry:
    module: Module
    pages: list[Page]


def modules_for(user: User) -> list[NavEntry]:
    """The modules this user may use, in menu order (a module shows only if it has content)."""
    if not user.is_authenticated or not user.can_use_business:
        return []
    entries = [NavEntry(m, m.pages_for(user)) for m in MODULES if user.has_role(*m.roles)]
    return [e for e in entries if e.module.businesses or e.pages]


# The roles that take part in the closed loop: they get the workbench (their queues).
WORKBENCH_ROLES = frozenset({R.STAFF, R.EXPERT, R.MANAGER, R.HOSPITAL_ADMIN})


def has_workbench(user: User) -> bool:
    return bool(user.is_authenticated and user.can_use_business and user.has_role(*WORKBENCH_ROLES))


def business_modules() -> list[Module]:
    return [m for m in MODULES if m.businesses]
