"""Writing the audit trail. Every read and write of patient data calls ``record`` once."""

from __future__ import annotations

from django.db import models
from django.http import HttpRequest

from yilian.accounts.models import User
from yilian.core.logging import redact
from yilian.patients.models import Patient

from .models import AuditAction, AuditEntry, Outcome


def record(
    http_request: HttpRequest | None,
    *,
    action: str,
    target: models.Model | None = None,
    patient: Patient | None = None,
    outcome: str = Outcome.OK,
    actor: User | None = None,
    object_type: str = "",
    path: str = "",
) -> AuditEntry:
    """Append one entry: ``actor`` (default: the request's user) did ``action`` on
    ``target`` (about ``patient``) with ``outcome``; the IP and path come from the request.
    The path is stored without its query string (searches may contain names) and without
    the secret of a one-time link (an auditor must not be able to use it). Work done outside
    a request (a management command) names what it touched by ``object_type`` and itself by
    ``path``."""
    if action not in AuditAction.values:
        raise ValueError(f"unknown audit action {action!r}")
    if outcome not in Outcome.values:
        raise ValueError(f"unknown audit outcome {outcome!r}")
    if actor is None and http_request is not None and http_request.user.is_authenticated:
        actor = http_request.user
    return AuditEntry.objects.create(
        actor=actor,
        action=action,
        object_type=target._meta.label_lower if target is not None else object_type,
        object_id=str(getattr(target, "public_id", target.pk)) if target is not None else "",
        patient=patient,
        outcome=outcome,
        ip_address=client_ip(http_request) if http_request is not None else None,
        path=(redact(http_request.path)[:200] if http_request is not None else path[:200]),
    )


def patient_of(obj: models.Model | None) -> Patient | None:
    """The patient ``obj`` is about: the patient itself, or its ``patient`` (a request, a
    consent …); None for anything not about a patient."""
    if isinstance(obj, Patient):
        return obj
    patient = getattr(obj, "patient", None)
    return patient if isinstance(patient, Patient) else None


def client_ip(http_request: HttpRequest) -> str | None:
    """The peer address. Behind a proxy, run the server with its forwarded-address support
    (uvicorn --proxy-headers --forwarded-allow-ips …) so this is the client's address."""
    return http_request.META.get("REMOTE_ADDR") or None
