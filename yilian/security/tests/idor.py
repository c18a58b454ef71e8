"""The cross-hospital probe's parts: every URL (and websocket route) that names an object,
a world of hospital A's objects made through the real services, and the registry saying,
for each such URL, which of A's objects to ask for and which of hospital B's people asks.

A URL that names an object must be in ``PROBES`` or in ``EXEMPT`` (with the reason it is
not one hospital's object); ``test_idor`` fails on any other."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cached_property
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from conftest import create_member, register_doctor
from yilian.accounts import services as account_services
from yilian.accounts.models import User
from yilian.accounts.roles import Role
from yilian.orgs.models import Department, Hospital, Specialty, TeamService
from yilian.orgs.tests.factories import DepartmentFactory, HospitalFactory, TeamFactory, division

# Path parameters that say what to do or which format, not which object.
NOT_OBJECTS = frozenset(
    {"action", "kind", "variant", "fmt", "level", "col", "row", "label", "name", "step",
     "resource_type", "rest", "url", "app_label"}
)  # fmt: skip

_GROUP = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>\w+)>|\(\?P<(?P<re_name>\w+)>")


@dataclass(frozen=True)
class Route:
    name: str  # namespaced URL name, or "ws:<route>" for a websocket route
    route: str
    params: tuple[str, ...]

    @property
    def objects(self) -> tuple[str, ...]:
        return tuple(p for p in self.params if p not in NOT_OBJECTS)


def _params(route: str) -> tuple[str, ...]:
    return tuple(m["name"] or m["re_name"] for m in _GROUP.finditer(route))


def _walk(resolver: URLResolver, prefix: str, namespaces: tuple[str, ...]) -> Iterator[Route]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            spaces = namespaces + ((entry.namespace,) if entry.namespace else ())
            yield from _walk(entry, prefix + str(entry.pattern), spaces)
        elif isinstance(entry, URLPattern):
            route = prefix + str(entry.pattern)
            name = ":".join((*namespaces, entry.name or route))
            yield Route(name, route, _params(route))


def object_routes() -> list[Route]:
    """Every HTTP URL pattern (pages, the REST API, FHIR, the admin site) and every
    websocket route with a path parameter naming an object."""
    from yilian.routing import websocket_urlpatterns

    routes = list(_walk(get_resolver(), "/", ()))
    routes += [
        Route(f"ws:{p.pattern}", str(p.pattern), _params(str(p.pattern)))
        for p in websocket_urlpatterns
    ]
    return [r for r in routes if r.objects]


# --- hospital A's world ---------------------------------------------------------------

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def pdf(name: str = "case.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, "application/pdf")


class World:
    """Hospital A's objects (made on first use, through the services) and the people of
    hospital B who try to reach them."""

    # people -----------------------------------------------------------------------------

    @cached_property
    def lead(self) -> Hospital:
        return HospitalFactory(
            name="浙江省人民医院",
            tier=Hospital.Tier.PROVINCE,
            grade=Hospital.Grade.GRADE_3A,
            is_lead=True,
            division=division("330000", "浙江省"),
        )

    @cached_property
    def hospital_a(self) -> Hospital:
        return HospitalFactory(
            name="桐庐县人民医院",
            alliance=self.lead.alliance,
            division=division("330100", "杭州市"),
        )

    @cached_property
    def hospital_b(self) -> Hospital:
        return HospitalFactory(
            name="平阳县人民医院",
            alliance=self.lead.alliance,
            division=division("330300", "温州市"),
        )

    @cached_property
    def department_a(self) -> Department:
        return DepartmentFactory(
            hospital=self.hospital_a, name="心血管内科", specialty=Specialty.CARDIOLOGY
        )

    @cached_property
    def manager(self) -> User:
        return create_member(Role.MANAGER, hospital=self.lead, name="管理团队")

    @cached_property
    def platform_admin(self) -> User:
        return create_member(Role.PLATFORM_ADMIN, hospital=self.lead, name="平台管理员")

    @cached_property
    def expert(self) -> User:
        """The lead hospital's expert, who answers hospital A's requests."""
        department = DepartmentFactory(
            hospital=self.lead, name="心内科", specialty=Specialty.CARDIOLOGY
        )
        return create_member(
            Role.EXPERT,
            hospital=self.lead,
            name="王专家",
            department=department,
            title=User.Title.CHIEF_PHYSICIAN,
        )

    @cached_property
    def admin_a(self) -> User:
        return create_member(Role.HOSPITAL_ADMIN, hospital=self.hospital_a, name="甲院管理员")

    @cached_property
    def staff_a(self) -> User:
        user = register_doctor(self.hospital_a, self.department_a, "赵医生")
        return account_services.approve_registration(user, actor=self.admin_a)

    # hospital B: who probes
    @cached_property
    def admin_b(self) -> User:
        return create_member(Role.HOSPITAL_ADMIN, hospital=self.hospital_b, name="乙院管理员")

    @cached_property
    def staff_b(self) -> User:
        return create_member(
            Role.STAFF,
            hospital=self.hospital_b,
            name="钱医生",
            title=User.Title.ATTENDING_PHYSICIAN,
        )

    @cached_property
    def expert_b(self) -> User:
        return create_member(
            Role.STAFF,
            Role.EXPERT,
            hospital=self.hospital_b,
            name="孙专家",
            title=User.Title.CHIEF_PHYSICIAN,
        )

    @cached_property
    def patient_b(self) -> User:
        """A patient's own account (not a record of hospital A)."""
        return create_member(Role.PATIENT, hospital=None, name="孙患者")

    # patients and the closed loop ------------------------------------------------------

    @cached_property
    def patient(self):
        from yilian.patients.services import register_patient

        return register_patient(
            actor=self.staff_a,
            name="王某某",
            phone="13912345678",
            medical_record_number="MR-0001",
        )

    @cached_property
    def second_patient(self):
        from yilian.patients.models import Patient

        return Patient.objects.create(
            hospital=self.hospital_a, name="张某某", created_by=self.staff_a
        )

    @cached_property
    def consultation_team(self):
        team = TeamFactory(
            hospital=self.lead,
            name="心内科会诊组",
            specialty=Specialty.CARDIOLOGY,
            lead=self.expert,
        )
        team.members.add(self.expert)
        TeamService.objects.create(team=team, kind="consultation")
        return team

    def _consultation(
        self, *, mode: str, subtype: str = "general", mdt_specialties: tuple[str, ...] = ()
    ):
        from yilian.medical.models import Subtype
        from yilian.medical.services import ConsultationData, save_consultation

        self.consultation_team  # noqa: B018 — routes the request to the expert
        request = save_consultation(
            applicant=self.staff_a,
            data=ConsultationData(
                patient=self.patient,
                urgency="urgent",
                subtype=Subtype(subtype),
                case_summary="男，46 岁，反复胸痛 2 周。",
                clinical_question="是否需要冠脉造影？",
                specialty=Specialty.CARDIOLOGY,
                mode=mode,
                mdt_specialties=mdt_specialties,
            ),
        )
        return self._consented(request)

    def _consented(self, request):
        """``request`` with the patient's signed consent form uploaded (submitting needs it)."""
        from yilian.patients.services import record_uploaded_consent

        record_uploaded_consent(
            request, actor=self.staff_a, upload=pdf("consent.pdf"), signer="patient",
            signer_name="王某某",
        )  # fmt: skip
        return request

    @cached_property
    def draft(self):
        """Hospital A's draft consultation (its applicant may still edit it)."""
        from yilian.medical.models import Mode

        return self._consultation(mode=Mode.VIDEO)

    @cached_property
    def case_file(self):
        from yilian.files.services import store_upload

        return store_upload(pdf(), owner=self.staff_a, target=self.draft, purpose="case")

    @cached_property
    def live_consultation(self):
        """A video consultation in progress, its room open."""
        from yilian.medical.models import Mode
        from yilian.realtime.services import open_request_session
        from yilian.workflow.services import transition

        request = self._consultation(mode=Mode.VIDEO)
        request = transition(request, "submit", actor=self.staff_a)
        request = transition(request, "approve", actor=self.manager)
        start = timezone.now() + timedelta(minutes=5)
        request = transition(
            request,
            "confirm",
            actor=self.expert,
            form="video",
            scheduled_start=start,
            scheduled_end=start + timedelta(hours=1),
        )
        request = transition(request, "publish", actor=self.manager)
        self.__dict__["session"] = open_request_session(request, actor=self.expert)
        return transition(request, "start", actor=self.expert)

    @cached_property
    def session(self):
        self.live_consultation  # noqa: B018
        return self.__dict__["session"]

    @cached_property
    def completed(self):
        from yilian.workflow.services import transition

        return transition(
            self.live_consultation, "complete", actor=self.expert, body="建议行冠脉造影。"
        )

    @cached_property
    def opinion(self):
        return self.completed.opinions.get(is_conclusion=True)

    @cached_property
    def answered_visit(self):
        from yilian.followups.services import answer_visit, create_answer_link

        visit = self.follow_up_plan.visits.order_by("number").first()
        link = create_answer_link(visit, actor=self.staff_a)
        return answer_visit(link.token, {"q1": "yes"})

    @cached_property
    def closed(self):
        from yilian.workflow.services import transition

        request = transition(
            self.completed, "feedback", actor=self.staff_a, satisfaction=5, timeliness=5,
            quality=5,
        )  # fmt: skip
        return transition(
            request, "close", actor=self.manager, checklist={"opinion_signed": True}, score=95
        )

    @cached_property
    def imaging_request(self):
        """An asynchronous imaging read in progress (the expert assigned)."""
        from yilian.medical.models import Mode

        request = self._consultation(mode=Mode.ASYNC, subtype="imaging")
        return self._answering(request, experts=[self.expert])

    @cached_property
    def mdt_consultation(self):
        """An asynchronous MDT consultation in progress: the expert and a radiologist of
        another department each write their part."""
        from yilian.medical.models import Mode

        radiology = DepartmentFactory(
            hospital=self.lead, name="医学影像科", specialty=Specialty.RADIOLOGY
        )
        radiologist = create_member(
            Role.EXPERT, hospital=self.lead, name="影像专家", department=radiology,
            title=User.Title.CHIEF_PHYSICIAN,
        )  # fmt: skip
        self.consultation_team.members.add(radiologist)
        request = self._consultation(
            mode=Mode.ASYNC,
            subtype="mdt",
            mdt_specialties=(Specialty.CARDIOLOGY, Specialty.RADIOLOGY),
        )
        return self._answering(request, experts=[self.expert, radiologist])

    def _answering(self, request, *, experts: list[User]):
        """Hospital A's submitted asynchronous consultation, taken up by ``experts``."""
        from yilian.workflow.services import transition

        request = transition(request, "submit", actor=self.staff_a)
        request = transition(request, "approve", actor=self.manager)
        request = transition(request, "confirm", actor=self.expert, form="async", experts=experts)
        request = transition(request, "publish", actor=self.manager)
        return transition(request, "start", actor=self.expert)

    # one business kind each -------------------------------------------------------------

    @cached_property
    def booked_referral(self):
        """Hospital A's referral of its patient up to the lead hospital, the bed booked by
        the receiving team (its referral letter is issued)."""
        from yilian.referrals.services import save_referral
        from yilian.referrals.tests.conftest import tomorrow_at, up_data
        from yilian.workflow.services import transition

        department = DepartmentFactory(
            hospital=self.lead, name="心血管内科", specialty=Specialty.CARDIOLOGY
        )
        team = TeamFactory(
            hospital=self.lead, name="心内科转诊组", specialty=Specialty.CARDIOLOGY,
            lead=self.expert,
        )  # fmt: skip
        TeamService.objects.create(team=team, kind="referral")
        request = save_referral(applicant=self.staff_a, data=up_data(self.patient, department))
        request = transition(self._consented(request), "submit", actor=self.staff_a)
        request = transition(request, "approve", actor=self.manager)
        return transition(
            request, "confirm", actor=self.expert, form="on_site",
            scheduled_start=tomorrow_at(9), scheduled_end=tomorrow_at(10),
            contact="心内科 住院总 李医生 0571-8888 6666", arrangement="直接入住心内科 12 病区。",
        )  # fmt: skip

    @cached_property
    def confirmed_study(self):
        """Hospital A's doctor's advanced study at the lead hospital, a seat of the
        department's quota confirmed (its admission letter is issued)."""
        from yilian.linkage.kinds import ADVANCED_STUDY
        from yilian.linkage.services import save_quota
        from yilian.linkage.tests.conftest import apply_study, next_month
        from yilian.workflow.services import transition

        department = DepartmentFactory(
            hospital=self.lead, name="心内科进修", specialty=Specialty.CARDIOLOGY
        )
        team = TeamFactory(
            hospital=self.lead, name="进修接待组", specialty=Specialty.CARDIOLOGY,
            lead=self.expert,
        )  # fmt: skip
        TeamService.objects.create(team=team, kind=ADVANCED_STUDY)
        save_quota(actor=self.manager, department=department, month=next_month(), seats=2)
        request = transition(apply_study(self.staff_a, department), "submit", actor=self.staff_a)
        request = transition(request, "approve", actor=self.manager)
        first_day = timezone.make_aware(datetime.combine(next_month(), time(8, 30)))
        return transition(
            request, "confirm", actor=self.expert, form="on_site", scheduled_start=first_day,
            scheduled_end=first_day + timedelta(hours=1), contact="心内科 教学秘书 王老师",
        )  # fmt: skip

    @cached_property
    def ward_round_row(self):
        from yilian.clinics.services import RowData, WardRoundData, save_ward_round
        from yilian.workflow.services import transition

        team = TeamFactory(hospital=self.lead, name="查房专家组", lead=self.expert)
        team.members.add(self.expert)
        TeamService.objects.create(team=team, kind="ward_round")
        request = save_ward_round(
            applicant=self.staff_a,
            data=WardRoundData(
                ward="外科二病区",
                rows=[
                    RowData(patient, f"{n}床", "术后第三天，发热。", "抗生素是否需要调整？", True)
                    for n, patient in enumerate((self.patient, self.second_patient), start=1)
                ],
            ),
        )
        request = transition(request, "submit", actor=self.staff_a)
        request = transition(request, "approve", actor=self.manager)
        start = timezone.now() + timedelta(days=1)
        request = transition(
            request, "confirm", actor=self.expert, scheduled_start=start,
            scheduled_end=start + timedelta(hours=1), experts=[self.expert],
        )  # fmt: skip
        request = transition(request, "publish", actor=self.manager)
        request = transition(request, "start", actor=self.expert)
        return request.ward_round.rows.order_by("pk").first()

    @cached_property
    def clinic_exception(self):
        """An e-clinic day off of hospital A's own expert."""
        from yilian.clinics.services import add_exception

        return add_exception(expert=self.expert_a, day=timezone.localdate() + timedelta(days=3))

    @cached_property
    def expert_a(self) -> User:
        return create_member(Role.STAFF, Role.EXPERT, hospital=self.hospital_a, name="甲院专家")

    # imaging -----------------------------------------------------------------------------

    @cached_property
    def study(self):
        from yilian.imaging.services import add_study
        from yilian.imaging.synthetic import ct_series

        upload = SimpleUploadedFile("IM0.dcm", ct_series(1)[0], "application/dicom")
        return add_study(self.imaging_request, upload, actor=self.staff_a, deidentify=True)

    @cached_property
    def slide(self):
        import tempfile
        from pathlib import Path

        from yilian.imaging.services import add_slide
        from yilian.imaging.synthetic import pyramidal_tiff

        with tempfile.TemporaryDirectory() as folder:
            data = pyramidal_tiff(Path(folder) / "s.tiff", size=512).read_bytes()
        upload = SimpleUploadedFile("s.tiff", data, "image/tiff")
        return add_slide(self.imaging_request, upload, actor=self.staff_a)

    @cached_property
    def upload(self):
        from yilian.imaging.services import start_upload

        return start_upload(
            self.imaging_request, actor=self.staff_a, kind="dicom", name="half.dcm", size=1000
        )

    # follow-up -------------------------------------------------------------------------

    @cached_property
    def follow_up_plan(self):
        from yilian.followups.services import start_plan

        team = TeamFactory(
            hospital=self.hospital_a, name="随访组", specialty=Specialty.CARDIOLOGY,
            lead=self.staff_a,
        )  # fmt: skip
        TeamService.objects.create(team=team, kind="follow_up")
        return start_plan(
            doctor=self.staff_a,
            patient=self.patient,
            template=self.follow_up_template,
            start_date=timezone.localdate(),
        )

    @cached_property
    def follow_up_template(self):
        """Hospital A's own template (its administrator's)."""
        from yilian.followups.services import save_template

        return save_template(
            actor=self.admin_a,
            name="出院随访",
            offsets=[7, 30],
            questions=[{"label": "伤口是否愈合良好？", "type": "yes_no", "required": True}],
        )

    # files, notifications, tokens ------------------------------------------------------

    @cached_property
    def notification(self):
        from yilian.notify.services import notify

        return notify([self.staff_a], verb="test", title="会诊已安排")[0]

    @cached_property
    def api_token(self):
        from yilian.api.services import create_token

        token, _raw = create_token(self.staff_a, name="HIS", scope="write", days=30)
        return token

    @cached_property
    def registration(self) -> User:
        return register_doctor(self.hospital_a, self.department_a, "李待审")

    # quality, teaching, feedback -------------------------------------------------------

    @cached_property
    def registry_case(self):
        from yilian.registries.demo import STEMI
        from yilian.registries.services import CaseData, create_case, save_registry
        from yilian.registries.tests.conftest import stemi_answers

        registry = save_registry(actor=self.platform_admin, data=STEMI)
        admitted = date(2025, 3, 9)
        return create_case(
            actor=self.staff_a,
            registry=registry,
            data=CaseData(
                patient=self.patient,
                diagnosis_code="I21.0",
                admission_date=admitted,
                discharge_date=admitted + timedelta(days=1),
                answers=stemi_answers(admitted),
            ),
            submit=False,
        )

    @cached_property
    def sentinel_site(self):
        from yilian.sentinel.models import AlertRule, Indicator, Programme, RuleKind
        from yilian.sentinel.services import add_site
        from yilian.sentinel.tests.conftest import LAST_WEEK

        programme = Programme.objects.create(code="ili", name="流感样病例监测")
        for position, code in enumerate(("seen", "ili", "tested", "positive")):
            Indicator.objects.create(programme=programme, code=code, label=code, position=position)
        AlertRule.objects.create(
            programme=programme,
            indicator=programme.indicators.get(code="positive"),
            name="Positives at threshold",
            kind=RuleKind.THRESHOLD,
            threshold=30,
            min_count=1,
        )
        for hospital in (self.hospital_a, self.hospital_b):
            add_site(
                programme, actor=self.manager, hospital=hospital,
                since=LAST_WEEK - timedelta(weeks=40),
            )  # fmt: skip
        return programme.sites.get(hospital=self.hospital_a)

    @cached_property
    def sentinel_report(self):
        from yilian.sentinel.services import submit_report
        from yilian.sentinel.tests.conftest import LAST_WEEK

        return submit_report(
            self.sentinel_site,
            week=LAST_WEEK,
            values={"seen": 200, "ili": 10, "tested": 50, "positive": 40},
            actor=self.staff_a,
        )

    @cached_property
    def sentinel_alert(self):
        return self.sentinel_report.site.alerts.get()

    @cached_property
    def submission(self):
        from yilian.reporting.services import generate_periods, save_report
        from yilian.reporting.tests.conftest import GOOD, make_dataset

        dataset = make_dataset(self.platform_admin)
        generate_periods(dataset, timezone.localdate().year, actor=self.platform_admin)
        self.hospital_b  # noqa: B018 — a county hospital owing the same report
        period = dataset.periods.get(start=timezone.localdate().replace(day=1))
        return save_report(
            actor=self.staff_a, period=period, raw=GOOD, expected_version=0, submit=True
        )

    @cached_property
    def assessment(self):
        from yilian.accession.services import start_reassessment

        return start_reassessment(self.hospital_a, actor=self.manager, year=timezone.now().year + 1)

    @cached_property
    def ticket(self):
        from yilian.supervision.services import raise_ticket

        return raise_ticket(
            author=self.staff_a,
            category="complaint",
            about="business",
            title="专家迟到",
            body="会诊推迟了半小时。",
            request=self.draft,
        )

    @cached_property
    def health_item(self):
        """A draft article of hospital A's doctor (its author and A's admins see it)."""
        from yilian.healthedu.tests.conftest import write

        return write(self.staff_a, title="糖尿病饮食（草稿）")

    @cached_property
    def health_item_in_review(self):
        """An article of hospital A's doctor sent for review (A's admins review it)."""
        from yilian.healthedu.services import submit
        from yilian.healthedu.tests.conftest import write

        return submit(write(self.staff_a, title="高血压患者的家庭血压监测"), actor=self.staff_a)

    @cached_property
    def research_export(self):
        from yilian.casebank.services import request_export

        return request_export(requester=self.staff_a, purpose="早期肺癌手术时机的回顾性研究")

    @cached_property
    def credit(self):
        from yilian.teaching.cme_services import check_in, enrol, evaluate
        from yilian.teaching.tests.conftest import make_cme_class

        cme_class = make_cme_class(self.manager)
        enrolment = enrol(cme_class, learner=self.staff_a)
        check_in(cme_class.sessions.get(), learner=self.staff_a)
        evaluate(enrolment)
        from yilian.teaching.models import Credit

        return Credit.objects.get(learner=self.staff_a, cme_class=cme_class)


# --- the registry ---------------------------------------------------------------------


@dataclass(frozen=True)
class Probe:
    """``name``'s URL built from ``kwargs(world)`` (hospital A's objects), asked for by
    hospital B's ``who``; ``touches`` is the object a refused write must leave unchanged."""

    name: str
    kwargs: Callable[[World], dict[str, Any]]
    who: str = "staff_b"
    touches: Callable[[World], models.Model] | None = None
    methods: tuple[str, ...] = ("get", "post")
    body: str = "form"  # what a write sends: "form", "json" (the API) or "file"
    payload: Callable[[World], dict[str, Any]] | None = None  # a valid JSON or form body
    # Who reaches the object (the control: the URL names a real object); default by ``who``.
    insider: str = ""
    # The insider's answers by method, where the page's success is known: the world brings
    # the object to the state the page serves. Without it, any answer but 404 and 405.
    reached: dict[str, int] | None = None
    # For a write answering alike whether it did its work or refused it (a redirect with a
    # message): whether the insider's request did it.
    done: Callable[[World], bool] | None = None

    @property
    def reached_by(self) -> str:
        return self.insider or {"admin_b": "admin_a", "expert_b": "expert"}.get(self.who, "staff_a")

    audited: bool = False  # the refusal is in the audit trail
    label: str = ""

    @property
    def id(self) -> str:
        return f"{self.name}[{self.label}]" if self.label else self.name


def _by(attr: str, key: str = "public_id", id_attr: str = "public_id"):
    def kwargs(world: World) -> dict[str, Any]:
        obj = world
        for part in attr.split("."):
            obj = getattr(obj, part)
        return {key: getattr(obj, id_attr)}

    return kwargs


def _obj(attr: str) -> Callable[[World], models.Model]:
    def get(world: World) -> models.Model:
        obj: Any = world
        for part in attr.split("."):
            obj = getattr(obj, part)
        return obj

    return get


def _fresh(obj: Any) -> Any:
    return type(obj)._default_manager.get(pk=obj.pk)


def probes(names: list[str], attr: str, key: str = "public_id", **extra: Any) -> list[Probe]:
    """One probe per URL name, all about ``world.<attr>``."""
    return [Probe(n, _by(attr, key), touches=_obj(attr), **extra) for n in names]


def _fhir(kind: str, attr: str) -> Probe:
    def kwargs(world: World) -> dict[str, Any]:
        return {"resource_type": kind, "resource_id": str(_obj(attr)(world).public_id)}

    return Probe("fhir:read", kwargs, touches=_obj(attr), label=kind, methods=("get",),
                 audited=kind == "Patient")  # fmt: skip


PROBES: list[Probe] = [
    # the closed loop
    *probes(["workflow:detail", "workflow:edit", "workflow:opinion_pdf",
             "realtime:enter_request"], "completed"),
    *probes(["medical:part"], "mdt_consultation", who="expert_b",
            reached={"get": 200, "post": 302}),
    Probe("workflow:act", lambda w: {"public_id": w.draft.public_id, "action": "submit"},
          touches=_obj("draft")),
    *probes(["linkage:admission_letter"], "confirmed_study", reached={"get": 200, "post": 200}),
    *probes(["referrals:letter"], "booked_referral", reached={"get": 200, "post": 405}),
    *probes(["imaging:upload_start"], "imaging_request"),
    *probes(["casebank:mark"], "closed", key="request_id", who="expert_b"),
    *probes(["followups:start_from"], "closed"),
    # the API's businesses, patients, files, sessions
    *probes(["api-1:get_business", "api-1:get_timeline", "api-1:get_actions"], "draft",
            key="business_id", body="json"),
    *probes(["api-1:list_attachments", "api-1:add_attachment"], "draft", key="business_id",
            body="file"),
    Probe("api-1:take_action", lambda w: {"business_id": w.draft.public_id, "action": "submit"},
          touches=_obj("draft"), body="json",
          payload=lambda w: {"expected_version": w.draft.version, "note": "x"}),
    *probes(["api-1:get_patient", "api-1:patient_access"], "patient", key="patient_id",
            audited=True, body="json"),
    *probes(["api-1:download_file"], "case_file", key="file_id", audited=True, body="json"),
    *probes(["api-1:get_session"], "session", key="session_id", body="json"),
    *probes(["api-1:read_one"], "notification", key="notification_id", body="json"),
    *probes(["api-1:get_report"], "submission", key="report_id", body="json"),
    *probes(["api-1:submit_report"], "submission", key="report_id", body="json",
            payload=lambda w: {"values": {}, "expected_version": w.submission.version}),
    # patients and files
    *probes(["patients:detail", "patients:edit"], "patient", audited=True),
    *probes(["files:download"], "case_file", audited=True),
    *probes(["files:remove"], "case_file"),
    Probe("files:upload",
          lambda w: {"label": "workflow.businessrequest", "public_id": w.draft.public_id},
          touches=_obj("draft")),
    # rooms
    *probes(["realtime:room", "realtime:messages", "realtime:upload"], "session"),
    Probe("ws:ws/rooms/<uuid:session_id>/", _by("session", "session_id"),
          touches=_obj("session")),
    # imaging
    *probes(["imaging:upload_status", "imaging:upload_chunk", "imaging:upload_complete"],
            "upload", methods=("get", "post", "put")),
    *probes(["imaging:study"], "study"),
    Probe("imaging:slice",
          lambda w: {"public_id": w.study.public_id,
                     "file_id": w.study.series.get().instances.get().file.public_id},
          touches=_obj("study")),
    *probes(["imaging:slide", "imaging:dzi", "imaging:annotations", "imaging:snapshot"], "slide"),
    Probe("imaging:tile", lambda w: {"public_id": w.slide.public_id, "level": 9, "col": 0,
                                     "row": 0}, touches=_obj("slide")),
    # clinics
    *probes(["clinics:ward_comment", "clinics:ward_action"], "ward_round_row", who="expert_b"),
    *probes(["clinics:exception_delete"], "clinic_exception", who="expert_b", insider="expert_a"),
    # follow-up
    *probes(["followups:plan"], "follow_up_plan"),
    *probes(["followups:template_edit"], "follow_up_template", who="admin_b"),
    Probe("followups:visit_link",
          lambda w: {"public_id": w.follow_up_plan.visits.first().public_id},
          touches=_obj("follow_up_plan")),
    # people, notifications, tokens
    *probes(["accounts:registration_detail", "accounts:approve_registration",
             "accounts:reject_registration"], "registration", who="admin_b"),
    *probes(["accounts:person", "accounts:person_role", "accounts:person_enabled",
             "accounts:person_reset"], "staff_a", who="admin_b"),
    *probes(["notify:open"], "notification"),
    *probes(["api_tokens:revoke"], "api_token"),
    # consent
    *probes(["patients:consent", "patients:consent_upload", "patients:consent_link"], "draft"),
    # FHIR: every resource about a patient
    *[
        _fhir(kind, attr)
        for kind, attr in {
            "Patient": "patient",
            "ServiceRequest": "completed",
            "Task": "completed",
            "Appointment": "completed",
            "Encounter": "session",
            "Composition": "opinion",
            "QuestionnaireResponse": "answered_visit",
            "DocumentReference": "case_file",
        }.items()
    ],
    # quality
    *probes(["registries:case_detail", "registries:case_edit", "registries:case_delete"],
            "registry_case", audited=True),
    *probes(["sentinel:site", "sentinel:report_new"], "sentinel_site"),
    *probes(["sentinel:report"], "sentinel_report"),
    *probes(["sentinel:alert", "sentinel:alert_handle"], "sentinel_alert"),
    *probes(["reporting:report"], "submission", who="admin_b"),
    *probes(["reporting:return", "reporting:accept"], "submission", who="admin_b",
            insider="manager"),
    *probes(["accession:assessment", "accession:fill"], "assessment", who="admin_b"),
    Probe("analytics:resource_detail", _by("hospital_a"), who="admin_b"),
    # feedback, health education, case bank, CME
    *probes(["supervision:ticket"], "ticket"),
    Probe("supervision:ticket_act", lambda w: {"public_id": w.ticket.public_id, "step": "rate"},
          touches=_obj("ticket")),
    *probes(["healthedu:item", "healthedu:edit"], "health_item", who="admin_b"),
    *probes(["healthedu:action"], "health_item_in_review", who="admin_b",
            payload=lambda w: {"action": "publish"}, reached={"get": 405, "post": 302},
            done=lambda w: _fresh(w.health_item_in_review).is_published),
    *probes(["healthedu:plan_items"], "follow_up_plan"),
    *probes(["casebank:download"], "research_export", who="expert_b", insider="staff_a"),
    *probes(["teaching:cme_certificate"], "credit"),
]  # fmt: skip


# URL names whose object is not one hospital's, each with the reason (read in its view and
# selector). A namespace ending in ":" exempts the whole namespace.
EXEMPT: dict[str, str] = {
    "admin:": (
        "Django's admin site: superusers only, and it registers no hospital's data "
        "(test_admin_site_holds_no_hospital_data keeps it so)"
    ),
    "accounts:set_password": "a signed one-time token for the account's own holder",
    "audit:archive_download": (
        "the trail's archive files are the auditors' and security admins' (alliance-wide "
        "roles); every other role is refused the page (test_separation_of_duties)"
    ),
    "accounts:password_reset_confirm": "Django's signed password-reset token",
    # tokens and codes that are the access right themselves
    "accession:join_status": "the applying hospital's own secret status link (a token)",
    "accession:join_assessment": "the applying hospital's own secret link (a token)",
    "agenda:feed": "a user's secret calendar-feed token",
    "followups:answer": "a patient's one-time answer link (a token)",
    "patients:consent_sign": "a patient's one-time signing link (a token)",
    "teaching:cme_check_in": "a signed, two-minute check-in code shown in the room",
    "teaching:cme_verify_code": (
        "certificate verification: anyone holding a certificate's code may check it"
    ),
    "healthedu:share": "the public share page of a published article (/h/<slug>/)",
    "healthedu:qr": (
        "the QR code of a published article's public share page: drafts and articles in "
        "review have none, and published ones every member reads "
        "(healthedu.selectors.items_visible_to)"
    ),
    "live:hls": "a live stream's playback id, checked against the event's audience",
    "live:rtmp_callback": "nginx-rtmp's callback, authorised by a shared secret",
    # the alliance's catalogues: one for every member, none of them a hospital's
    **dict.fromkeys(
        [
            "teaching:course",
            "teaching:course_edit",
            "teaching:manage",
            "teaching:publish",
            "teaching:lesson",
            "teaching:progress",
            "teaching:lesson_edit",
            "api-1:get_course",
            "api-1:get_lesson",
            "api-1:record_progress",
        ],
        "the alliance's courses: published for every learner, made by the platform team "
        "(teaching.selectors.courses_for)",
    ),
    **dict.fromkeys(
        [
            "teaching:cme_class",
            "teaching:cme_edit",
            "teaching:cme_enrol",
            "teaching:cme_cancel",
            "teaching:cme_sessions",
            "teaching:cme_publish",
            "teaching:cme_enrolments",
            "teaching:cme_attendance",
            "teaching:cme_session",
            "teaching:cme_enter",
            "teaching:cme_code",
            "api-1:get_class",
            "api-1:enrol",
            "api-1:cancel",
        ],
        "the alliance's CME classes: published for every learner, managed by their "
        "organisers (teaching.cme_selectors.classes_for)",
    ),
    **dict.fromkeys(
        [
            "live:event",
            "live:event_edit",
            "live:manage",
            "live:regenerate",
            "live:consent",
            "live:heartbeat",
            "api-1:get_event",
        ],
        "the alliance's live events: conferences for every member, surgery demonstrations "
        "for all medical staff; organised by the platform team (live.selectors.events_for)",
    ),
    **dict.fromkeys(
        [
            "standards:detail",
            "standards:edit",
            "standards:publish",
            "standards:quiz",
            "standards:acknowledge",
        ],
        "the alliance's standards, targeted by tier and category, not owned by a hospital "
        "(standards.selectors.get_standard)",
    ),
    **dict.fromkeys(
        ["sentinel:programme", "sentinel:setup"],
        "a monitoring programme of the alliance; each hospital sees its own sites in it",
    ),
    **dict.fromkeys(
        ["reporting:fill", "reporting:template", "reporting:upload"],
        "a dataset or period of the alliance; the report read or written is always the "
        "user's own hospital's (reporting.views.fill)",
    ),
    "casebank:detail": (
        "the difficult-case database: de-identified cases every clinician of the alliance "
        "reads (casebank.selectors.may_read)"
    ),
    # alliance-wide roles: the platform team sees every hospital's object by design
    **dict.fromkeys(
        [
            "accession:application",
            "accession:review",
            "accession:adjust",
            "accession:approve",
            "accession:reassess",
            "accession:question_edit",
        ],
        "accession review: the platform management team and administrators only",
    ),
    **dict.fromkeys(
        [
            "linkage:quota_edit",
            "linkage:quota_delete",
            "linkage:special_type_edit",
            "linkage:special_type_deactivate",
        ],
        "the lead hospital's study quotas and the special business types: platform roles only",
    ),
    "accounts:person_team": "execution-team membership: platform administrators only",
    "registries:registry_edit": "registry design: platform roles only",
    "reporting:dataset_edit": "dataset design: platform roles only",
    "reporting:dataset_periods": "dataset design: platform roles only",
    "supervision:room_admin_edit": "room administrators: platform administrators only",
    "casebank:decide": "research-export decisions: the management team only",
    "web:hospital_detail": (
        "the alliance's directory of member hospitals: open to every member by design "
        "(Hospital.objects.visible_to)"
    ),
}
