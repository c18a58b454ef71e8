"""Business kinds: what the closed-loop engine needs to know about each business.

A business app registers its kinds in its ``AppConfig.ready()``::

    register(Kind(code="consultation", label=_("Remote consultation"), module="medical",
                  detail_model="medical.Consultation", sla_hours={"approve": 24}))

The workbench, the inboxes, the SLA marks and the statistics read this registry: adding a
business is adding a kind, not editing the engine. The engine itself registers nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.conf import settings
from django.db import models
from django.utils.functional import Promise
from django.utils.module_loading import import_string

from yilian.accounts.roles import Role

from .models import Action, Urgency

if TYPE_CHECKING:
    from yilian.accounts.models import User
    from yilian.orgs.models import Team

    from .models import BusinessRequest

# The actions a kind may use (``create`` and ``resubmit`` are recorded, not called).
STEPS: frozenset[str] = frozenset(a.value for a in Action) - {Action.CREATE, Action.RESUBMIT}
# Every kind applies, is dispatched to a team, is completed with an opinion, and can be
# withdrawn or cancelled; the rest may be left out.
REQUIRED_STEPS: frozenset[str] = frozenset(
    {Action.SUBMIT, Action.DISPATCH, Action.COMPLETE, Action.WITHDRAW, Action.CANCEL}
)
# A step a kind leaves out is passed through automatically (a system event), so the
# status machine stays one machine: an asynchronous read has no confirm/publish/start.
SKIPPABLE_STEPS: frozenset[str] = frozenset(
    {Action.APPROVE, Action.CONFIRM, Action.PUBLISH, Action.START, Action.FEEDBACK, Action.CLOSE}
)
DEFAULT_APPLICANT_ROLES: frozenset[str] = frozenset({Role.STAFF, Role.HOSPITAL_ADMIN})

# A kind's check on one step, run by ``transition`` with the request row locked, after the
# status table and the actor's right were checked and before anything is written. It may
# raise ``ValidationError`` (e.g. a department's quota is full) and returns what to add to
# the event's payload (or None).
Guard = Callable[["BusinessRequest", "User", Mapping[str, Any]], "Mapping[str, Any] | None"]

_CODE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")

# Hours allowed for a step: one number, or one per urgency ({"emergency": 0.5, ...}).
Hours = float | Mapping[str, float]


def _hours_entry(code: str, step: str, value: Any) -> Hours:
    """A kind's SLA entry, checked (a positive number, or positive numbers per urgency)."""
    if isinstance(value, Mapping):
        unknown = set(value) - set(Urgency.values)
        if unknown:
            raise ValueError(f"kind {code}: SLA of {step} for unknown urgencies {sorted(unknown)}")
        for hours in value.values():
            _hours_entry(code, step, hours)
        return MappingProxyType(dict(value))
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ValueError(f"kind {code}: SLA of {step} must be hours > 0, got {value!r}")
    return value


def route_to_first_team(request: BusinessRequest) -> Team | None:
    """The default routing rule: the first active team that serves this kind."""
    from yilian.orgs.models import Team

    return (
        Team.objects.filter(is_active=True, services__kind=request.kind)
        .order_by("name", "pk")
        .first()
    )


@dataclass(frozen=True)
class Variant:
    """One flavour of a kind a user picks when applying (a special business the platform
    admin defined); ``key`` goes into the apply URL."""

    key: str
    label: Promise | str
    description: Promise | str = ""


@dataclass(frozen=True)
class Kind:
    code: str
    label: Promise | str
    module: str
    description: Promise | str = ""
    # The one-to-one detail model of the business app: a class or "app_label.Model".
    detail_model: type[models.Model] | str | None = None
    applicant_roles: frozenset[str] = DEFAULT_APPLICANT_ROLES
    route: Callable[[BusinessRequest], Team | None] = route_to_first_team
    steps: frozenset[str] = STEPS
    # Hours allowed for a step, counted from when the request reached the status the
    # step leaves (e.g. {"approve": 24} — a submitted request is overdue after a day), or
    # per urgency ({"approve": {"emergency": 0.5, "urgent": 4, "routine": 24}}; an urgency
    # left out has no deadline for that step).
    sla_hours: Mapping[str, Hours] = field(default_factory=dict)
    # The application form ("package.module.FormClass"): built as
    # ``Form(data, files, applicant=user, variant=key_or_None, instance=request_or_None)``;
    # its ``save()`` creates (or, for a draft or returned request, updates) the request
    # and its detail in one transaction and returns the request.
    form: str = ""
    # Renders the kind's detail on the request page (context: ``request``, ``detail``).
    detail_template: str = ""
    # Extra checks per step (see ``Guard``).
    guards: Mapping[str, Guard] = field(default_factory=dict)
    # What must be done on the request page between saving and submitting (e.g. recording
    # the patient's consent). When set, a new application is saved as a draft first.
    before_submit: Promise | str = ""
    # The patients a request is about when it names more than its one ``patient`` (a ward
    # round's inpatients): reading the request is audited once for each.
    patients_of: Callable[[BusinessRequest], Iterable[Any]] | None = None
    # The variants a user chooses between (None: the kind has none).
    variants: Callable[[], list[Variant]] | None = None

    def __post_init__(self) -> None:
        if not _CODE.match(self.code):
            raise ValueError(f"kind code {self.code!r}: use 2–40 lowercase letters, digits, _")
        object.__setattr__(self, "steps", frozenset(self.steps))
        object.__setattr__(self, "applicant_roles", frozenset(self.applicant_roles))
        object.__setattr__(
            self,
            "sla_hours",
            MappingProxyType(
                {step: _hours_entry(self.code, step, v) for step, v in self.sla_hours.items()}
            ),
        )
        object.__setattr__(self, "guards", MappingProxyType(dict(self.guards)))
        unknown = self.steps - STEPS
        if unknown:
            raise ValueError(f"kind {self.code}: unknown steps {sorted(unknown)}")
        missing = REQUIRED_STEPS - self.steps
        if missing:
            raise ValueError(f"kind {self.code}: steps {sorted(missing)} cannot be left out")
        unknown_sla = set(self.sla_hours) - self.steps
        if unknown_sla:
            raise ValueError(f"kind {self.code}: SLA for steps it does not use {unknown_sla}")
        unknown_guards = set(self.guards) - self.steps
        if unknown_guards:
            raise ValueError(f"kind {self.code}: guards for steps it does not use {unknown_guards}")
        bad_roles = self.applicant_roles - {r.value for r in Role}
        if bad_roles:
            raise ValueError(f"kind {self.code}: unknown roles {sorted(bad_roles)}")

    def uses(self, action: str) -> bool:
        return action in self.steps

    def sla(self, action: str, urgency: str | None = None) -> timedelta | None:
        """The time allowed for ``action`` on a request of ``urgency`` (None: routine): the
        operator's setting (``kind.step.urgency``, then ``kind.step``), else the kind's
        default (its number, or its hours for that urgency)."""
        urgency = urgency or Urgency.ROUTINE
        overrides = settings.YILIAN_SLA_HOURS
        hours: Any = overrides.get(f"{self.code}.{action}.{urgency}")
        if hours is None:
            hours = overrides.get(f"{self.code}.{action}")
        if hours is None:
            hours = self.sla_hours.get(action)
            if isinstance(hours, Mapping):
                hours = hours.get(urgency)
        return None if hours is None else timedelta(hours=hours)

    def get_form_class(self) -> type[Any] | None:
        return import_string(self.form) if self.form else None

    def get_detail_model(self) -> type[models.Model] | None:
        if isinstance(self.detail_model, str):
            return apps.get_model(self.detail_model)
        return self.detail_model


_registry: dict[str, Kind] = {}


def _module_keys() -> frozenset[str]:
    # Imported late: the menus are built from the registry's neighbours, not the reverse.
    from yilian.web.navigation import MODULES

    return frozenset(m.key for m in MODULES)


def register(kind: Kind) -> Kind:
    """Add a kind. Registering the same kind twice is harmless; another kind with the same
    code is a programming error."""
    existing = _registry.get(kind.code)
    if existing is not None:
        if existing == kind:
            return existing
        raise ValueError(f"business kind {kind.code!r} is already registered")
    if kind.module not in _module_keys():
        raise ValueError(f"kind {kind.code}: unknown module {kind.module!r}")
    _registry[kind.code] = kind
    return kind


def unregister(code: str) -> None:
    _registry.pop(code, None)


def get_kind(code: str) -> Kind:
    """The registered kind; ``LookupError`` for an unknown code."""
    try:
        return _registry[code]
    except KeyError:
        raise LookupError(f"unknown business kind {code!r}") from None


def all_kinds() -> list[Kind]:
    """Every registered kind, in registration order."""
    return list(_registry.values())


def kinds_in_module(module: str) -> list[Kind]:
    return [k for k in _registry.values() if k.module == module]
