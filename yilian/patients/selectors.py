"""Who may see which patient (the one place that decides it; everything else is a 404).

A patient is visible to the staff and administrators of their hospital, and to the experts
assigned to — or on the team of — a request about them while that request is open."""

from __future__ import annotations

from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from yilian.accounts.models import User
from yilian.accounts.roles import Role
from yilian.workflow.models import TERMINAL_STATUSES, BusinessRequest

from .identity import validate_national_id, validate_phone
from .models import Patient, national_id_is, phone_is


def patients_visible_to(user: User) -> QuerySet[Patient]:
    if not user.is_authenticated or not user.can_use_business:
        return Patient.objects.none()
    scope = Q()
    if user.hospital_id and user.has_role(Role.STAFF, Role.HOSPITAL_ADMIN):
        scope |= Q(hospital_id=user.hospital_id)
    if user.has_role(Role.EXPERT):
        open_requests = BusinessRequest.objects.exclude(status__in=TERMINAL_STATUSES).filter(
            Q(experts=user) | Q(team__members=user) | Q(team__lead=user)
        )
        scope |= Q(pk__in=open_requests.filter(patient__isnull=False).values("patient_id"))
    if not scope:
        return Patient.objects.none()
    return Patient.objects.filter(scope).select_related("hospital")


def get_patient_for_user(user: User, public_id: UUID | str) -> Patient:
    try:
        return patients_visible_to(user).get(public_id=public_id)
    except (Patient.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404 from exc


def patients_to_choose(user: User) -> QuerySet[Patient]:
    """The patients ``user`` may name in a new request: those of their own hospital."""
    if not user.is_authenticated or not user.hospital_id:
        return Patient.objects.none()
    if not user.has_role(Role.STAFF, Role.HOSPITAL_ADMIN):
        return Patient.objects.none()
    return Patient.objects.filter(hospital_id=user.hospital_id).order_by("name", "pk")


def hospital_patients(user: User) -> QuerySet[Patient]:
    """The patients of ``user``'s own hospital (the list page), newest first."""
    return patients_to_choose(user).order_by("-created_at", "-id")


def search_patients(user: User, query: str) -> QuerySet[Patient]:
    """``user``'s hospital's patients matching ``query``: a whole national ID or mobile
    number is looked up by its keyed hash (the columns are encrypted, so parts of them
    cannot be searched); anything else matches the name or the medical record number."""
    qs = hospital_patients(user)
    query = (query or "").strip()
    if not query:
        return qs
    try:
        national_id = validate_national_id(query)
    except ValidationError:
        pass
    else:
        return qs.filter(national_id_is(national_id))
    try:
        phone = validate_phone(query)
    except ValidationError:
        pass
    else:
        return qs.filter(phone_is(phone))
    return qs.filter(Q(name__icontains=query) | Q(medical_record_number__iexact=query))


def may_see_in_full(user: User, patient: Patient) -> bool:
    """The patient's own hospital sees the identifiers in full; experts see them masked."""
    return bool(
        user.hospital_id == patient.hospital_id and user.has_role(Role.STAFF, Role.HOSPITAL_ADMIN)
    )


def requests_about(user: User, patient: Patient) -> QuerySet[BusinessRequest]:
    """The requests about ``patient`` that ``user`` may see, newest first."""
    return (
        BusinessRequest.objects.visible_to(user)
        .filter(patient=patient)
        .select_related("applicant", "applicant_hospital")
        .order_by("-created_at", "-id")
    )


def patient_choice_error(user: User, patient: Patient | None) -> str | None:
    """Why ``user`` may not name ``patient`` in an application (None: they may)."""
    if patient is None:
        return str(_("Choose the patient."))
    if not patients_to_choose(user).filter(pk=patient.pk).exists():
        return str(_("Choose a patient of your hospital."))
    return None
