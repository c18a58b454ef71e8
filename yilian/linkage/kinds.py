"""The four linkage businesses as kinds of the closed-loop engine: their routing rule, the
advanced-study seat guard on "confirm" and the special-business variants."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.utils import formats
from django.utils.translation import gettext

from yilian.web.navigation import MODULES, Business
from yilian.workflow.registry import Kind, Variant

if TYPE_CHECKING:
    from yilian.accounts.models import User
    from yilian.orgs.models import Department, Hospital, Team
    from yilian.workflow.models import BusinessRequest

STUDY_VISIT = "study_visit"
CLINICAL_OBSERVATION = "clinical_observation"
ADVANCED_STUDY = "advanced_study"
SPECIAL_BUSINESS = "special_business"
VISIT_KINDS = frozenset({STUDY_VISIT, CLINICAL_OBSERVATION})
LINKAGE_KINDS = frozenset({STUDY_VISIT, CLINICAL_OBSERVATION, ADVANCED_STUDY, SPECIAL_BUSINESS})


def _business(code: str) -> Business:
    """The business as the navigation lists it (one label and description for both)."""
    module = next(m for m in MODULES if m.key == "linkage")
    return next(b for b in module.businesses if b.code == code)


def host_team(kind: str, host: Hospital, department: Department | None) -> Team | None:
    """An active team of ``host`` serving ``kind``, one whose specialty matches
    ``department`` first."""
    from yilian.orgs.models import Team

    teams = list(
        Team.objects.filter(hospital=host, is_active=True, services__kind=kind).order_by(
            "name", "pk"
        )
    )
    if department is not None:
        for team in teams:
            if team.specialty == department.specialty:
                return team
    return teams[0] if teams else None


def route_visit(request: BusinessRequest) -> Team | None:
    """Study visits and clinical observations go to a team of the host hospital."""
    from .models import Visit

    visit = Visit.objects.filter(request=request).select_related("host").first()
    if visit is None:
        return None
    departments = visit.ordered_departments()
    return host_team(request.kind, visit.host, departments[0] if departments else None)


def route_advanced_study(request: BusinessRequest) -> Team | None:
    """An advanced study goes to a team of the department's hospital (the lead hospital)."""
    from .models import AdvancedStudy

    study = (
        AdvancedStudy.objects.filter(request=request).select_related("department__hospital").first()
    )
    if study is None:
        return None
    return host_team(request.kind, study.department.hospital, study.department)


def month_label(month: Any) -> str:
    return formats.date_format(month, "YEAR_MONTH_FORMAT")


def take_study_seat(
    request: BusinessRequest, actor: User, data: Mapping[str, Any]
) -> dict[str, Any]:
    """The guard on confirming an advanced study: a seat of the department's quota for the
    start month must be free. The quota row is locked, so two teams confirming the last
    seat at the same moment cannot both take it."""
    from .models import AdvancedStudy, StudyQuota
    from .selectors import seat_holders

    study = AdvancedStudy.objects.select_related("department").get(request=request)
    month = study.start_date.replace(day=1)
    names = {"department": study.department.name, "month": month_label(month)}
    quota = (
        StudyQuota.objects.select_for_update()
        .filter(department=study.department, month=month)
        .first()
    )
    if quota is None:
        raise ValidationError(
            gettext(
                "%(department)s has no advanced-study quota for %(month)s: a platform manager "
                "must set the number of seats before this registration can be confirmed."
            )
            % names,
            code="no_quota",
        )
    taken = seat_holders(study.department, month).exclude(request=request).count()
    if taken >= quota.seats:
        raise ValidationError(
            gettext(
                "%(department)s %(month)s: the advanced-study seats are full (%(taken)d/%(seats)d)."
            )
            % {**names, "taken": taken, "seats": quota.seats},
            code="quota_full",
        )
    return {"quota": str(quota.public_id), "seat": taken + 1, "seats": quota.seats}


def special_variants() -> list[Variant]:
    from .models import SpecialBusinessType

    return [
        Variant(key=str(t.public_id), label=t.name, description=t.description)
        for t in SpecialBusinessType.objects.filter(is_active=True).order_by("ordering", "name")
    ]


def _kind(code: str, **fields: Any) -> Kind:
    business = _business(code)
    return Kind(
        code=code,
        label=business.label,
        description=business.description,
        module="linkage",
        **fields,
    )


KINDS: tuple[Kind, ...] = (
    _kind(
        STUDY_VISIT,
        detail_model="linkage.Visit",
        route=route_visit,
        form="yilian.linkage.forms.StudyVisitForm",
        detail_template="linkage/detail/visit.html",
        sla_hours={"approve": 72, "confirm": 72},
    ),
    _kind(
        CLINICAL_OBSERVATION,
        detail_model="linkage.Visit",
        route=route_visit,
        form="yilian.linkage.forms.ClinicalObservationForm",
        detail_template="linkage/detail/visit.html",
        sla_hours={"approve": 72, "confirm": 72},
    ),
    _kind(
        ADVANCED_STUDY,
        detail_model="linkage.AdvancedStudy",
        route=route_advanced_study,
        form="yilian.linkage.forms.AdvancedStudyForm",
        detail_template="linkage/detail/advanced_study.html",
        guards={"confirm": take_study_seat},
        sla_hours={"approve": 120, "confirm": 120},
    ),
    _kind(
        SPECIAL_BUSINESS,
        detail_model="linkage.SpecialApplication",
        form="yilian.linkage.forms.SpecialApplicationForm",
        detail_template="linkage/detail/special.html",
        variants=special_variants,
        sla_hours={"approve": 72},
    ),
)
