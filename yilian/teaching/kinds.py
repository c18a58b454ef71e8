"""The hospitals' training requests as a kind of the closed-loop engine: a member hospital
asks for a CME class (topic, audience, preferred dates), the teaching team is dispatched
and schedules it, and completing the request turns it into a class."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from yilian.workflow.models import Action
from yilian.workflow.registry import STEPS, Kind

if TYPE_CHECKING:
    from yilian.accounts.models import User
    from yilian.workflow.models import BusinessRequest

TRAINING_REQUEST = "training_request"


def make_class(request: BusinessRequest, actor: User, data: Mapping[str, Any]) -> dict[str, Any]:
    """The guard on completing a training request: the request becomes its CME class (in
    the same transaction as the completion, so either both happen or neither)."""
    from .cme_services import class_from_request

    cme_class = class_from_request(request, actor=actor)
    return {"cme_class": str(cme_class.public_id)}


KINDS: tuple[Kind, ...] = (
    Kind(
        code=TRAINING_REQUEST,
        label=_("Training request"),
        description=_(
            "Ask the platform for a CME class for your hospital: the teaching team schedules "
            "it, and your staff enrol and earn credits."
        ),
        module="teaching",
        detail_model="teaching.TrainingRequest",
        form="yilian.teaching.cme_forms.TrainingRequestForm",
        detail_template="teaching/cme/request_detail.html",
        # No separate publish/start: the class is published from its own page.
        steps=STEPS - {Action.PUBLISH, Action.START},
        guards={Action.COMPLETE: make_class},
        sla_hours={"approve": 72, "confirm": 120},
    ),
)
