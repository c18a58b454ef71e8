"""Who may read and attach files on which kind of object — each owning app says so once.

``workflow`` registers ``BusinessRequest`` in its ``AppConfig.ready()``; a file on an object
of a model nobody registered can be neither read nor attached (default deny)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import models

from yilian.accounts.models import User


@dataclass(frozen=True)
class Policy:
    can_read: Callable[[User, models.Model], bool]
    can_attach: Callable[[User, models.Model], bool]
    # Files on an object for which this says True may be read by anyone, signed in or not
    # (a published health-education item's video); default: nobody without a login.
    is_public: Callable[[models.Model], bool] | None = None


_policies: dict[str, Policy] = {}


def register(model: type[models.Model], policy: Policy) -> None:
    _policies[model._meta.label_lower] = policy


def policy_for(model: type[models.Model]) -> Policy | None:
    return _policies.get(model._meta.label_lower)


def target_model(label: str) -> type[models.Model] | None:
    """The registered model named by ``label`` ("workflow.businessrequest"), else None."""
    if label not in _policies:
        return None
    from django.apps import apps

    return apps.get_model(label)


def is_public(target: models.Model) -> bool:
    """Whether files on ``target`` are open to anyone (its policy says so, for now)."""
    policy = policy_for(type(target))
    return bool(policy and policy.is_public and policy.is_public(target))


def may_read(user: User, target: models.Model) -> bool:
    if is_public(target):
        return True
    policy = policy_for(type(target))
    return bool(user.is_authenticated and policy and policy.can_read(user, target))


def may_attach(user: User, target: models.Model) -> bool:
    policy = policy_for(type(target))
    return bool(user.is_authenticated and policy and policy.can_attach(user, target))
