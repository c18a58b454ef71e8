"""Reading the audit trail: the auditors' list, and one patient's "who accessed this
record"."""

from __future__ import annotations

import datetime
import uuid

from django.apps import apps
from django.db.models import F, Q, QuerySet
from django.utils.dateparse import parse_date

from yilian.accounts.models import User
from yilian.accounts.roles import Role
from yilian.patients.models import Patient

from .models import AuditAction, AuditEntry, Outcome

# Who may read the whole trail.
AUDIT_ROLES = frozenset({Role.AUDITOR, Role.SECURITY_ADMIN})


def may_read_trail(user: User) -> bool:
    return bool(user.is_authenticated and user.has_role(*AUDIT_ROLES))


def entries_for_patient(patient: Patient) -> QuerySet[AuditEntry]:
    """Everything recorded about ``patient``, newest first, with who did it. The caller has
    authorised showing ``patient``."""
    return patient.audit_entries.select_related("actor", "actor__hospital").order_by("-at", "-id")


def entries_for(
    user: User,
    *,
    who: str = "",
    action: str = "",
    outcome: str = "",
    object_type: str = "",
    date_from: str = "",
    date_to: str = "",
    patient: str = "",
) -> QuerySet[AuditEntry]:
    """The trail as ``user`` may read it (all of it for auditors, nothing for anyone else),
    newest first, narrowed by the filters: ``who`` is part of a name or a phone number,
    dates are ISO (YYYY-MM-DD, inclusive, local time), ``patient`` a patient's public id.
    An unknown choice or a malformed id or date matches nothing rather than everything."""
    if not may_read_trail(user):
        return AuditEntry.objects.none()
    # The patient's public id only: the trail's pages never load (and decrypt) patient rows.
    qs = AuditEntry.objects.select_related("actor", "actor__hospital").annotate(
        patient_public_id=F("patient__public_id")
    )
    if who:
        qs = qs.filter(Q(actor__name__icontains=who) | Q(actor__phone__contains=who))
    if action:
        qs = qs.filter(action=action) if action in AuditAction.values else qs.none()
    if outcome:
        qs = qs.filter(outcome=outcome) if outcome in Outcome.values else qs.none()
    if object_type:
        qs = qs.filter(object_type=object_type)
    for value, lookup in ((date_from, "at__date__gte"), (date_to, "at__date__lte")):
        if value:
            day = _date(value)
            qs = qs.filter(**{lookup: day}) if day else qs.none()
    if patient:
        try:
            qs = qs.filter(patient__public_id=uuid.UUID(patient))
        except ValueError:
            qs = qs.none()
    return qs.order_by("-at", "-id")


def _date(value: str) -> datetime.date | None:
    try:
        return parse_date(value)
    except ValueError:
        return None


def object_types() -> list[tuple[str, str]]:
    """The kinds of object the trail mentions, as (label, readable name) choices."""
    labels = (
        AuditEntry.objects.exclude(object_type="")
        .order_by("object_type")
        .values_list("object_type", flat=True)
        .distinct()
    )
    return [(label, str(_verbose_name(label))) for label in labels]


def _verbose_name(label: str) -> object:
    try:
        return apps.get_model(label)._meta.verbose_name
    except (LookupError, ValueError):
        return label
