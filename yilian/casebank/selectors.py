"""Every read of the difficult-case database: who may read and mark, search, similar cases,
research exports. Records hold no identifiers, but only medical staff read them."""

from __future__ import annotations

from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.http import Http404

from yilian.accounts.models import User
from yilian.accounts.roles import Role
from yilian.medical.kinds import CONSULTATION
from yilian.workflow import rules
from yilian.workflow.models import BusinessRequest, Status

from . import search
from .models import DifficultCase, ResearchExport

READER_ROLES = frozenset({Role.STAFF, Role.EXPERT, Role.MANAGER})
SIMILAR = 5
MIN_SHARED = 2  # characteristic words a similar case has in common


def may_read(user: User) -> bool:
    return bool(user.is_authenticated and user.can_use_business and user.has_role(*READER_ROLES))


def may_mark(user: User, request: BusinessRequest) -> bool:
    """An expert of the team that answered, or a manager (the quality review), may mark a
    closed consultation as a difficult case — once."""
    if request.kind != CONSULTATION or request.status != Status.CLOSED:
        return False
    if DifficultCase.objects.filter(source=request).exists():
        return False
    who = rules.Who(user, request)
    return who.is_manager or (user.has_role(Role.EXPERT) and who.in_team)


def case_of(request: BusinessRequest) -> DifficultCase | None:
    return DifficultCase.objects.filter(source=request).first()


def search_cases(
    *, query: str = "", specialty: str = "", icd10: str = ""
) -> QuerySet[DifficultCase]:
    """Cases matching every word of ``query`` (best first), the specialty and the ICD-10
    code prefix; newest first without a query."""
    cases = DifficultCase.objects.all()
    if specialty:
        cases = cases.filter(specialty=specialty)
    if icd10:
        cases = cases.filter(icd10__istartswith=icd10.strip())
    if not query.strip():
        return cases
    return _in_order(cases, search.matching_ids(search.query_words(query)))


def _in_order(cases: QuerySet[DifficultCase], ids: list[int]) -> QuerySet[DifficultCase]:
    rank = Case(
        *(When(pk=pk, then=Value(i)) for i, pk in enumerate(ids)),
        output_field=IntegerField(),
    )
    return cases.filter(pk__in=ids).order_by(rank) if ids else cases.none()


def get_case(user: User, public_id: UUID | str) -> DifficultCase:
    if not may_read(user):
        raise Http404
    try:
        return DifficultCase.objects.get(public_id=public_id)
    except (DifficultCase.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404 from exc


def similar_cases(case: DifficultCase) -> list[DifficultCase]:
    """Other cases sharing at least two of this one's characteristic words, most first."""
    words = set(search.keywords(f"{case.diagnosis} {case.summary} {' '.join(case.tags)}"))
    ids = search.matching_ids(words, any_word=True, limit=50)
    candidates = DifficultCase.objects.filter(pk__in=ids).exclude(pk=case.pk)
    shared = {c: len(words & set(c.search_text.split())) for c in candidates}
    ranked = sorted(
        (c for c, n in shared.items() if n >= MIN_SHARED), key=lambda c: (-shared[c], -c.pk)
    )
    return ranked[:SIMILAR]


def exports_for(user: User) -> QuerySet[ResearchExport]:
    """A manager sees every research export; others their own."""
    qs = ResearchExport.objects.select_related("requester", "decided_by")
    return qs if user.has_role(Role.MANAGER) else qs.filter(requester=user)


def get_export(user: User, public_id: UUID | str) -> ResearchExport:
    try:
        return exports_for(user).get(public_id=public_id)
    except (ResearchExport.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404 from exc


def export_cases(export: ResearchExport) -> QuerySet[DifficultCase]:
    """The cases the manager approved (those matching when the export was approved)."""
    return DifficultCase.objects.filter(pk__in=export.case_ids).order_by("pk")
