"""Reading the audit trail: the auditors' list, and one patient's "who accessed this
record"."""

from __future__ import annotations

import datetime
import uuid

from django.apps import apps
from django.db.models import F, Q, QuerySet
from django.http import Http404
from django.utils.dateparse import parse_date

from yilian.accounts.models import User
from yilian.accounts.roles import Role
from yilian.core.dates import start_of
from yilian.patients.identity import normalise_national_id, normalise_phone
from yilian.patients.models import Patient, national_id_hash, phone_hash

from .models import AuditAction, AuditArchive, AuditEntry, Outcome

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
    object_id: str = "",
    date_from: str = "",
    date_to: str = "",
    patient: str = "",
) -> QuerySet[AuditEntry]:
    """The trail as ``user`` may read it (all of it for auditors, nothing for anyone else),
    newest first, narrowed by the filters: ``who`` is part of a name or a phone number, or a
    person's public id; ``object_type`` and ``object_id`` name what was touched; dates are ISO
    (YYYY-MM-DD, inclusive, local time); ``patient`` one or more patients' public ids,
    separated by commas. An unknown choice or a malformed id or date matches nothing rather
    than everything (``forms.AuditSearchForm`` says what is wrong before it gets here)."""
    if not may_read_trail(user):
        return AuditEntry.objects.none()
    # The patient's public id only: the trail's pages never load (and decrypt) patient rows.
    qs = AuditEntry.objects.select_related("actor", "actor__hospital").annotate(
        patient_public_id=F("patient__public_id")
    )
    if who:
        person = _uuid(who)
        if person is not None:
            qs = qs.filter(actor__public_id=person)
        else:
            qs = qs.filter(Q(actor__name__icontains=who) | Q(actor__phone__contains=who))
    if action:
        qs = qs.filter(action=action) if action in AuditAction.values else qs.none()
    if outcome:
        qs = qs.filter(outcome=outcome) if outcome in Outcome.values else qs.none()
    if object_type:
        qs = qs.filter(object_type=object_type)
    if object_id:
        qs = qs.filter(object_id=object_id)
    for value, lookup in ((date_from, "at__gte"), (date_to, "at__lt")):
        if value:
            day = _date(value)
            if day is None:
                return qs.none()
            # Local days, as bounds on the indexed column (no date cast per row).
            if lookup == "at__lt":
                day += datetime.timedelta(days=1)
            qs = qs.filter(**{lookup: start_of(day)})
    if patient:
        ids = [_uuid(part) for part in patient.split(",") if part.strip()]
        if not ids or None in ids:
            return qs.none()
        qs = qs.filter(patient__public_id__in=ids)
    return qs.order_by("-at", "-id")


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value.strip())
    except ValueError:
        return None


def patients_by_identifier(user: User, identifier: str) -> list[uuid.UUID]:
    """The public ids of the patients (of any hospital) whose national ID or mobile number
    is ``identifier``, found through their keyed lookup hashes: the auditor's way to follow
    one person whose record id they do not know, without the number ever being stored,
    logged or put in a link."""
    if not may_read_trail(user):
        return []
    national_id = normalise_national_id(identifier)
    phone = normalise_phone(identifier)
    if not national_id:
        return []
    found = Patient.objects.filter(
        Q(national_id_hash=national_id_hash(national_id)) | Q(phone_hash=phone_hash(phone))
    )
    return list(found.order_by("id").values_list("public_id", flat=True))


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


def archives_for(user: User) -> QuerySet[AuditArchive]:
    """The archive ledger, newest first, for those who read the trail (nothing for others)."""
    if not may_read_trail(user):
        return AuditArchive.objects.none()
    return AuditArchive.objects.select_related("created_by").order_by("-period_end", "-id")


def get_archive_for_user(user: User, public_id: uuid.UUID) -> AuditArchive:
    """One archive of the ledger, or 404 (for everyone who may not read the trail too)."""
    archive = archives_for(user).filter(public_id=public_id).first()
    if archive is None:
        raise Http404
    return archive
