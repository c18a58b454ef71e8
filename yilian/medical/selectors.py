"""Scoped reads of remote consultations: the detail row, the lead expert and the experts'
parts of an MDT opinion. The request itself is read through ``workflow.selectors`` (which
decides who sees it: everyone else gets a 404)."""

from __future__ import annotations

from dataclasses import dataclass

from yilian.accounts.models import User
from yilian.workflow.models import Action, BusinessRequest, Opinion, Status

from .models import Consultation


def consultation_of(request: BusinessRequest) -> Consultation | None:
    return Consultation.objects.filter(request=request).first()


def is_mdt(request: BusinessRequest) -> bool:
    return Consultation.objects.filter(request=request, subtype=Consultation.Subtype.MDT).exists()


def confirmed_experts(request: BusinessRequest) -> list[User]:
    """The request's experts, in the order the team confirmed them."""
    experts = {u.pk: u for u in request.experts.select_related("department")}
    event = request.events.filter(action=Action.CONFIRM).order_by("-created_at", "-id").first()
    order = [str(p) for p in (event.payload.get("experts") or [])] if event else []
    rank = {public_id: i for i, public_id in enumerate(order)}
    return sorted(experts.values(), key=lambda u: (rank.get(str(u.public_id), len(rank)), u.name))


def lead_expert(request: BusinessRequest) -> User | None:
    """Who writes the combined conclusion: the team's lead, else the first confirmed
    expert."""
    team = request.team
    if team is not None and team.lead_id is not None:
        return team.lead
    experts = confirmed_experts(request)
    return experts[0] if experts else None


@dataclass(frozen=True)
class Part:
    """One assigned expert and their part of the opinion (None: not written yet)."""

    expert: User
    opinion: Opinion | None


def parts_of(request: BusinessRequest) -> list[Part]:
    """Every assigned expert with their part, in the order they were confirmed."""
    written = {
        o.author_id: o
        for o in Opinion.objects.filter(request=request, is_conclusion=False).select_related(
            "author"
        )
    }
    return [Part(expert, written.get(expert.pk)) for expert in confirmed_experts(request)]


def missing_parts(request: BusinessRequest) -> list[User]:
    return [p.expert for p in parts_of(request) if p.opinion is None]


def may_write_part(user: User, request: BusinessRequest) -> bool:
    """An assigned expert writes (and may change) their part while the session runs."""
    return (
        user.is_authenticated
        and user.can_use_business
        and request.status == Status.IN_PROGRESS
        and request.experts.filter(pk=user.pk).exists()
        and is_mdt(request)
    )
