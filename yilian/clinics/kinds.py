"""The remote e-clinic and the remote ward round as kinds of the closed-loop engine.

An e-clinic visit goes straight to the expert whose slot was booked: it has no review
(approve), and the engine passes through confirm and publish on its own; the submit guard
checks the consent and the slot, names the expert and writes the slot's time as the
scheduled time. The expert starts the visit and completes it with the advice (the
engine's opinion). A ward round runs the whole loop; its submit guard checks that the
applicant confirmed a consent on file for every listed patient.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from yilian.patients.guards import require_consent
from yilian.web.navigation import MODULES
from yilian.workflow.registry import STEPS, Kind

if TYPE_CHECKING:
    from yilian.accounts.models import User
    from yilian.orgs.models import Team
    from yilian.workflow.models import BusinessRequest

E_CLINIC = "e_clinic"
WARD_ROUND = "ward_round"


def route_e_clinic(request: BusinessRequest) -> Team | None:
    """The active team serving e-clinics that the booked slot's expert belongs to (or
    leads)."""
    from django.db.models import Q

    from yilian.orgs.models import Team

    from .models import ClinicVisit

    visit = ClinicVisit.objects.filter(request=request).select_related("slot").first()
    if visit is None:
        return None
    expert_id = visit.slot.expert_id
    return (
        Team.objects.filter(is_active=True, services__kind=request.kind)
        .filter(Q(members=expert_id) | Q(lead=expert_id))
        .distinct()
        .order_by("name", "pk")
        .first()
    )


def submit_e_clinic(
    request: BusinessRequest, actor: User, data: Mapping[str, Any]
) -> dict[str, Any]:
    """The guard on submitting an e-clinic visit: the patient's consent, a slot still
    ahead; then the slot's expert is assigned and its time becomes the scheduled time."""
    from django.utils import timezone

    from yilian.workflow.models import BusinessRequest as Request
    from yilian.workflow.models import Form

    from .models import ClinicSlot, ClinicVisit

    payload = require_consent(request, actor, data)
    visit = ClinicVisit.objects.filter(request=request).first()
    if visit is None:
        raise ValidationError({"slot": gettext("Choose a clinic slot.")}, code="no_slot")
    slot = ClinicSlot.objects.select_for_update().get(pk=visit.slot_id)
    if slot.start <= timezone.now():
        raise ValidationError(
            {"slot": gettext("This clinic slot has passed: choose another one.")},
            code="slot_passed",
        )
    fields = {"scheduled_start": slot.start, "scheduled_end": slot.end, "form": Form.VIDEO}
    Request.objects.filter(pk=request.pk).update(**fields)
    for name, value in fields.items():
        setattr(request, name, value)
    request.experts.set([slot.expert_id])
    return {**payload, "slot": str(slot.public_id), "expert": str(slot.expert.public_id)}


def require_consent_per_row(
    request: BusinessRequest, actor: User, data: Mapping[str, Any]
) -> dict[str, Any]:
    """A ward round has no single patient: the applicant confirms, per listed patient, that
    the patient's consent is on file at the hospital."""
    from .models import WardRoundPatient

    rows = WardRoundPatient.objects.filter(round__request=request)
    if not rows.exists():
        raise ValidationError({"rows": gettext("List the patients of the round.")}, code="no_rows")
    missing = [row.bed for row in rows if not row.consent_on_file]
    if missing:
        raise ValidationError(
            gettext("Confirm the consent on file for the patients in beds: %(beds)s.")
            % {"beds": "、".join(missing)},
            code="no_consent",
        )
    return {"patients": rows.count()}


def _business(code: str) -> Any:
    module = next(m for m in MODULES if m.key == "medical")
    return next(b for b in module.businesses if b.code == code)


def ward_round_patients(request: BusinessRequest) -> list[Any]:
    """The inpatients listed on a ward round (each read of the round is audited for each)."""
    from .models import WardRoundPatient

    rows = WardRoundPatient.objects.filter(round__request=request).select_related("patient")
    return [row.patient for row in rows.order_by("position", "pk")]


KINDS: tuple[Kind, ...] = (
    Kind(
        code=E_CLINIC,
        label=_business(E_CLINIC).label,
        description=_business(E_CLINIC).description,
        module="medical",
        detail_model="clinics.ClinicVisit",
        route=route_e_clinic,
        steps=STEPS - {"approve", "confirm", "publish"},
        form="yilian.clinics.forms.EClinicForm",
        detail_template="clinics/detail/e_clinic.html",
        before_submit=_(
            "Next, on the request page, record the patient's informed consent (a signed form "
            "or the patient's signature on a phone); then submit. The slot is held for you "
            "meanwhile."
        ),
        guards={"submit": submit_e_clinic},
        sla_hours={
            "complete": {"emergency": 2, "urgent": 24, "routine": 72},
        },
    ),
    Kind(
        code=WARD_ROUND,
        patients_of=ward_round_patients,
        label=_business(WARD_ROUND).label,
        description=_business(WARD_ROUND).description,
        module="medical",
        detail_model="clinics.WardRound",
        form="yilian.clinics.forms.WardRoundForm",
        detail_template="clinics/detail/ward_round.html",
        guards={"submit": require_consent_per_row},
        sla_hours={
            "approve": {"emergency": 1, "urgent": 8, "routine": 24},
            "confirm": {"emergency": 2, "urgent": 24, "routine": 48},
        },
    ),
)
