"""Scoped reads of single-disease management and the figures computed from cases.

Cases are patient data: only the staff and administrators of the reporting hospital see
them (another hospital's case is a 404). The indicator rates and coverage figures carry no
patient: the management team sees them for every hospital, a hospital administrator sees
their hospital beside the alliance."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.http import Http404

from yilian.accounts.models import User
from yilian.accounts.roles import Role
from yilian.orgs.models import Hospital

from . import definitions
from .models import Case, CaseStatus, DischargeCount, Registry
from .services import may_report

# Who sees the rates and coverage of every hospital; hospital administrators see their own.
OVERSIGHT_ROLES = frozenset({Role.MANAGER, Role.PLATFORM_ADMIN})
FIGURE_ROLES = OVERSIGHT_ROLES | {Role.HOSPITAL_ADMIN}


def alliance_id_of(user: User) -> int | None:
    hospital = user.hospital if user.is_authenticated else None
    return hospital.alliance_id if hospital is not None else None


def registries_of(user: User) -> QuerySet[Registry]:
    """The registries of ``user``'s alliance (every member of it may read the definitions)."""
    alliance_id = alliance_id_of(user)
    if alliance_id is None or not user.can_use_business:
        return Registry.objects.none()
    return Registry.objects.filter(alliance_id=alliance_id).order_by("name", "pk")


def get_registry_for_user(user: User, public_id: UUID | str) -> Registry:
    try:
        return registries_of(user).get(public_id=public_id)
    except (Registry.DoesNotExist, ValidationError, ValueError):
        raise Http404 from None


# --- cases --------------------------------------------------------------------------------


def cases_visible_to(user: User) -> QuerySet[Case]:
    if not may_report(user) or user.hospital_id is None:
        return Case.objects.none()
    return Case.objects.filter(hospital_id=user.hospital_id).select_related(
        "registry", "patient", "hospital"
    )


def get_case_for_user(user: User, public_id: UUID | str) -> Case:
    try:
        return cases_visible_to(user).get(public_id=public_id)
    except (Case.DoesNotExist, ValidationError, ValueError):
        raise Http404 from None


@dataclass(frozen=True)
class CaseFilters:
    registry: Registry | None = None
    status: str = ""
    month: date | None = None  # discharge month


def hospital_cases(user: User, filters: CaseFilters, query: str = "") -> QuerySet[Case]:
    """The hospital's cases, newest first, filtered; ``query`` matches the patient's name
    or medical record number, or the case's reference."""
    qs = cases_visible_to(user)
    if filters.registry is not None:
        qs = qs.filter(registry=filters.registry)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.month is not None:
        qs = qs.filter(
            discharge_date__year=filters.month.year, discharge_date__month=filters.month.month
        )
    query = (query or "").strip()
    if query:
        match = Q(patient__name__icontains=query) | Q(patient__medical_record_number__iexact=query)
        reference = query.upper().removeprefix("DZ-")
        if "-" in reference:
            reference = reference.split("-", 1)[1]
        if len(reference) == 8:
            match |= Q(public_id__startswith=reference.lower())
        qs = qs.filter(match)
    return qs.order_by("-created_at", "-id")


def case_rows(case: Case) -> list[tuple[definitions.Field, Any]]:
    """The form's fields with the case's answers, in the form's order."""
    return [(f, case.answers.get(f.key)) for f in case.registry.form_fields]


def stored_answers(case: Case) -> list[tuple[str, Any]]:
    """The case's answers as stored, by key: what can be shown of a case whose registry's
    definition is invalid (its form cannot be read)."""
    answers = case.answers if isinstance(case.answers, dict) else {}
    return sorted(answers.items())


def derived_rows(case: Case) -> list[tuple[definitions.Derived, Any]]:
    values = _values_of(
        case.registry,
        case.answers,
        case.admission_date,
        case.discharge_date,
        case.patient.birth_date,
    )
    return [(d, values.get(d.key)) for d in case.registry.derived_values]


def case_outcomes(case: Case) -> list[tuple[definitions.Indicator, str]]:
    """Where the case falls for each indicator (met, not met, excluded …)."""
    registry = case.registry
    values = _values_of(
        registry, case.answers, case.admission_date, case.discharge_date, case.patient.birth_date
    )
    return [
        (i, definitions.classify(i, values, registry.names)) for i in registry.quality_indicators
    ]


def _values_of(
    registry: Registry,
    answers: dict[str, Any],
    admitted: date | None,
    discharged: date | None,
    born: date | None,
) -> dict[str, Any]:
    return definitions.case_values(
        answers,
        registry.derived_values,
        admission_date=admitted,
        discharge_date=discharged,
        birth_date=born,
    )


# --- indicator rates ----------------------------------------------------------------------


@dataclass(frozen=True)
class FigureFilters:
    start: date
    end: date
    province: str = ""
    tier: str = ""


@dataclass
class HospitalRates:
    hospital: Hospital
    tallies: dict[str, definitions.Tally]
    cases: int = 0


@dataclass
class RateBoard:
    registry: Registry
    filters: FigureFilters
    indicators: list[definitions.Indicator]
    hospitals: list[HospitalRates]
    alliance: dict[str, definitions.Tally]
    cases: int = 0
    own: HospitalRates | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _member_hospitals(registry: Registry, filters: FigureFilters) -> QuerySet[Hospital]:
    qs = Hospital.objects.filter(alliance_id=registry.alliance_id)
    if filters.province:
        qs = qs.filter(province_code=filters.province)
    if filters.tier:
        qs = qs.filter(tier=filters.tier)
    return qs


def indicator_rates(
    registry: Registry, filters: FigureFilters, *, own_hospital: Hospital | None = None
) -> RateBoard:
    """Each indicator's numerator, denominator, exclusions and incomplete cases per
    hospital and pooled for the alliance, over the submitted cases discharged in the
    period (from hospitals of the chosen province and tier). ``own_hospital`` is always
    computed, whatever the place filters, so a hospital sees itself beside its peers."""
    indicators = registry.quality_indicators
    names = registry.names
    members = _member_hospitals(registry, filters)
    cases = Case.objects.filter(
        registry=registry,
        status=CaseStatus.SUBMITTED,
        discharge_date__gte=filters.start,
        discharge_date__lte=filters.end,
    )
    scope = Q(hospital__in=members)
    if own_hospital is not None:
        scope |= Q(hospital=own_hospital)
    rows = cases.filter(scope).values_list(
        "hospital_id", "answers", "admission_date", "discharge_date", "patient__birth_date"
    )
    per_hospital: dict[int, dict[str, definitions.Tally]] = defaultdict(
        lambda: {i.code: definitions.Tally() for i in indicators}
    )
    case_counts: dict[int, int] = defaultdict(int)
    member_ids = set(members.values_list("id", flat=True))
    alliance = {i.code: definitions.Tally() for i in indicators}
    total = 0
    for hospital_id, answers, admitted, discharged, born in rows.iterator(chunk_size=2000):
        values = _values_of(registry, answers, admitted, discharged, born)
        case_counts[hospital_id] += 1
        in_group = hospital_id in member_ids
        total += in_group
        for indicator in indicators:
            outcome = definitions.classify(indicator, values, names)
            definitions.count(per_hospital[hospital_id][indicator.code], outcome)
            if in_group:
                definitions.count(alliance[indicator.code], outcome)
    hospitals = Hospital.objects.filter(pk__in=per_hospital.keys()).select_related("division")
    by_id = {h.pk: h for h in hospitals}
    rates = sorted(
        (
            HospitalRates(hospital=by_id[pk], tallies=tallies, cases=case_counts[pk])
            for pk, tallies in per_hospital.items()
            if pk in member_ids
        ),
        key=lambda r: (r.hospital.name, r.hospital.pk),
    )
    own = None
    if own_hospital is not None:
        own = HospitalRates(
            hospital=own_hospital,
            tallies=per_hospital.get(own_hospital.pk)
            or {i.code: definitions.Tally() for i in indicators},
            cases=case_counts.get(own_hospital.pk, 0),
        )
    return RateBoard(
        registry=registry,
        filters=filters,
        indicators=indicators,
        hospitals=rates,
        alliance=alliance,
        cases=total,
        own=own,
    )


# --- coverage -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CoverageRow:
    hospital: Hospital
    registry: Registry
    month: date
    discharges: int | None
    cases: int

    @property
    def coverage(self) -> float | None:
        """Cases reported per eligible discharge, in percent (None: no count entered)."""
        if not self.discharges:
            return None
        return round(100 * self.cases / self.discharges, 1)


def coverage_rows(
    registries: QuerySet[Registry],
    filters: FigureFilters,
    *,
    hospital: Hospital | None = None,
) -> list[CoverageRow]:
    """Per hospital, registry and month of the period: the eligible discharges the hospital
    reported and the submitted cases discharged that month. Two grouped queries, whatever
    the number of rows. ``hospital`` limits it to one hospital (a hospital's own page)."""
    start, end = filters.start.replace(day=1), filters.end
    cases = Case.objects.filter(
        registry__in=registries,
        status=CaseStatus.SUBMITTED,
        discharge_date__gte=start,
        discharge_date__lte=end,
    )
    counts = DischargeCount.objects.filter(
        registry__in=registries, month__gte=start, month__lte=end
    )
    if hospital is not None:
        cases, counts = cases.filter(hospital=hospital), counts.filter(hospital=hospital)
    else:
        place = Q()
        if filters.province:
            place &= Q(hospital__province_code=filters.province)
        if filters.tier:
            place &= Q(hospital__tier=filters.tier)
        cases, counts = cases.filter(place), counts.filter(place)
    reported: dict[tuple[int, int, date], int] = {}
    for row in (
        cases.annotate(month=TruncMonth("discharge_date"))
        .values("hospital_id", "registry_id", "month")
        .annotate(n=Count("id"))
        .order_by()
    ):
        month = row["month"]
        month = month.date() if hasattr(month, "date") and callable(month.date) else month
        reported[(row["hospital_id"], row["registry_id"], month)] = row["n"]
    entered = {
        (h, r, m): n
        for h, r, m, n in counts.values_list("hospital_id", "registry_id", "month", "count")
    }
    keys = set(reported) | set(entered)
    hospitals = Hospital.objects.in_bulk({k[0] for k in keys})
    by_registry = {r.pk: r for r in registries}
    rows = [
        CoverageRow(
            hospital=hospitals[h],
            registry=by_registry[r],
            month=m,
            discharges=entered.get((h, r, m)),
            cases=reported.get((h, r, m), 0),
        )
        for h, r, m in keys
    ]
    rows.sort(key=lambda row: (-row.month.toordinal(), row.hospital.name, row.registry.name))
    return rows
