"""The remote consultation as a kind of the closed-loop engine: its routing rule, the
consent guard on "submit", the MDT guards on "confirm" and "complete", and its deadlines
(per urgency)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from yilian.patients.guards import require_consent
from yilian.web.navigation import MODULES
from yilian.workflow.registry import Kind

if TYPE_CHECKING:
    from yilian.accounts.models import User
    from yilian.orgs.models import Team
    from yilian.workflow.models import BusinessRequest

CONSULTATION = "consultation"


def route_consultation(request: BusinessRequest) -> Team | None:
    """An active team serving consultations whose specialty is the one wanted; else the
    first team serving consultations."""
    from yilian.orgs.models import Team

    from .models import Consultation

    teams = Team.objects.filter(is_active=True, services__kind=request.kind).order_by("name", "pk")
    consultation = Consultation.objects.filter(request=request).first()
    if consultation is not None:
        match = teams.filter(specialty=consultation.specialty).first()
        if match is not None:
            return match
    return teams.first()


def _names(users: list[User]) -> str:
    return "、".join(str(u) for u in users)


def mdt_experts_from_two_departments(
    request: BusinessRequest, actor: User, data: Mapping[str, Any]
) -> dict[str, Any] | None:
    """The guard on confirming an MDT consultation: the experts come from at least two
    departments (or, for experts without a department, specialties)."""
    from .selectors import is_mdt

    if not is_mdt(request):
        return None
    experts = list(data.get("experts") or [actor])
    disciplines: set[str] = set()
    for expert in experts:
        department = expert.department
        if department is not None:
            disciplines.add(f"department:{department.pk}")
    if len(disciplines) < 2:
        raise ValidationError(
            {
                "experts": gettext(
                    "An MDT consultation needs experts from at least two departments "
                    "(chosen: %(names)s)."
                )
                % {"names": _names(experts)}
            },
            code="mdt_one_department",
        )
    return {"departments": len(disciplines)}


def mdt_parts_before_conclusion(
    request: BusinessRequest, actor: User, data: Mapping[str, Any]
) -> dict[str, Any] | None:
    """The guard on completing an MDT consultation: the lead expert writes the combined
    conclusion, once every assigned expert has written their part."""
    from .selectors import is_mdt, lead_expert, missing_parts

    if not is_mdt(request):
        return None
    lead = lead_expert(request)
    if lead is not None and lead.pk != actor.pk:
        raise PermissionDenied(
            gettext("Only the lead expert, %(name)s, writes the conclusion of this MDT.")
            % {"name": lead}
        )
    missing = missing_parts(request)
    if missing:
        raise ValidationError(
            gettext(
                "The MDT conclusion can only be written once every expert has written their "
                "part. Still missing: %(names)s."
            )
            % {"names": _names(missing)},
            code="mdt_parts_missing",
        )
    return {"parts": request.opinions.filter(is_conclusion=False).count()}


def _business() -> Any:
    module = next(m for m in MODULES if m.key == "medical")
    return next(b for b in module.businesses if b.code == CONSULTATION)


KINDS: tuple[Kind, ...] = (
    Kind(
        code=CONSULTATION,
        label=_business().label,
        description=_business().description,
        module="medical",
        detail_model="medical.Consultation",
        route=route_consultation,
        form="yilian.medical.forms.ConsultationForm",
        detail_template="medical/detail/consultation.html",
        before_submit=_(
            "Next, on the request page, record the patient's informed consent (a signed form "
            "or the patient's signature on a phone); then submit."
        ),
        guards={
            "submit": require_consent,
            "confirm": mdt_experts_from_two_departments,
            "complete": mdt_parts_before_conclusion,
        },
        sla_hours={
            "approve": {"emergency": 0.5, "urgent": 4, "routine": 24},
            "confirm": {"emergency": 1, "urgent": 8, "routine": 48},
            "complete": {"emergency": 4, "urgent": 24, "routine": 72},
        },
    ),
)
