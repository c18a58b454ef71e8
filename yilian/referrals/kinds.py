"""The two-way referral as a kind of the closed-loop engine: routed to a team of the
receiving hospital, submitted only with the patient's consent, deadlines per urgency.

Its steps: the management team reviews, the receiving team confirms a bed or an
appointment (``confirm``: the date, on site, a contact), records the patient's arrival
(``start``) and sends the discharge summary or continuing-care plan back (``complete``).
There is no session to publish."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from yilian.patients.guards import require_consent
from yilian.web.navigation import MODULES
from yilian.workflow.models import Action
from yilian.workflow.registry import STEPS, Kind

if TYPE_CHECKING:
    from yilian.orgs.models import Team
    from yilian.workflow.models import BusinessRequest

REFERRAL = "referral"


def route_referral(request: BusinessRequest) -> Team | None:
    """An active team of the receiving hospital serving referrals, one whose specialty is
    the receiving department's first."""
    from yilian.orgs.models import Team

    from .models import Referral

    referral = (
        Referral.objects.filter(request=request)
        .select_related("target_hospital", "target_department")
        .first()
    )
    if referral is None:
        return None
    teams = Team.objects.filter(
        hospital=referral.target_hospital, is_active=True, services__kind=request.kind
    ).order_by("name", "pk")
    match = teams.filter(specialty=referral.target_department.specialty).first()
    return match if match is not None else teams.first()


def _business() -> Any:
    module = next(m for m in MODULES if m.key == "medical")
    return next(b for b in module.businesses if b.code == REFERRAL)


KINDS: tuple[Kind, ...] = (
    Kind(
        code=REFERRAL,
        label=_business().label,
        description=_business().description,
        module="medical",
        detail_model="referrals.Referral",
        route=route_referral,
        steps=STEPS - {Action.PUBLISH},
        form="yilian.referrals.forms.ReferralForm",
        detail_template="referrals/detail/referral.html",
        before_submit=_(
            "Next, on the request page, record the patient's informed consent (a signed form "
            "or the patient's signature on a phone); then submit."
        ),
        guards={"submit": require_consent},
        sla_hours={
            "approve": {"emergency": 0.5, "urgent": 4, "routine": 24},
            "confirm": {"emergency": 1, "urgent": 8, "routine": 48},
        },
    ),
)
