"""Patient follow-up as a kind of the closed-loop engine.

A plan is a request the responsible doctor applies for and submits at once (the plan
starts when it is made): there is no review, booking, publication or session, so the
kind uses only the steps every kind needs — submit, dispatch, complete, withdraw and
cancel. The engine passes approval through as a system event and routes the request to
a follow-up team of the doctor's own hospital (the doctor's own team first); a hospital
without one leaves the request approved for the management team to dispatch. The plan's
visits run whatever the request's status; the team closes the loop with its concluding
opinion (Complete) once the follow-up is over."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Case, IntegerField, Q, Value, When

from yilian.web.navigation import MODULES
from yilian.workflow.models import Action
from yilian.workflow.registry import Kind

if TYPE_CHECKING:
    from yilian.orgs.models import Team
    from yilian.workflow.models import BusinessRequest

FOLLOW_UP = "follow_up"


def route_follow_up(request: BusinessRequest) -> Team | None:
    """An active follow-up team of the applicant's hospital, the applicant's own first."""
    from yilian.orgs.models import Team

    mine = Q(members=request.applicant_id) | Q(lead=request.applicant_id)
    return (
        Team.objects.filter(
            hospital_id=request.applicant_hospital_id, is_active=True, services__kind=request.kind
        )
        .annotate(
            own=Case(When(mine, then=Value(0)), default=Value(1), output_field=IntegerField())
        )
        .order_by("own", "name", "pk")
        .first()
    )


def _business() -> Any:
    module = next(m for m in MODULES if m.key == "medical")
    return next(b for b in module.businesses if b.code == FOLLOW_UP)


KINDS: tuple[Kind, ...] = (
    Kind(
        code=FOLLOW_UP,
        label=_business().label,
        description=_business().description,
        module="medical",
        detail_model="followups.FollowUpPlan",
        route=route_follow_up,
        steps=frozenset(
            {Action.SUBMIT, Action.DISPATCH, Action.COMPLETE, Action.WITHDRAW, Action.CANCEL}
        ),
        form="yilian.followups.forms.PlanForm",
        detail_template="followups/detail/plan.html",
    ),
)
