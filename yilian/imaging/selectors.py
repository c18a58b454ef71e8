"""Scoped reads of studies, slides and uploads. One rule decides who sees imaging: whoever
sees the request it was sent with (``workflow.selectors``); everyone else gets a 404."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.http import Http404

from yilian.accounts.models import User
from yilian.workflow import rules
from yilian.workflow.models import TERMINAL_STATUSES, BusinessRequest
from yilian.workflow.selectors import can_see, may_attach_files

from .models import Annotation, Instance, Series, Slide, Snapshot, Study, Upload


def _visible_requests(user: User) -> Any:
    return BusinessRequest.objects.visible_to(user)


def get_study_for_user(user: User, public_id: UUID | str) -> Study:
    try:
        return Study.objects.select_related("request", "request__patient").get(
            public_id=public_id, request__in=_visible_requests(user)
        )
    except (Study.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404 from exc


def get_slide_for_user(user: User, public_id: UUID | str) -> Slide:
    try:
        return Slide.objects.select_related("request", "request__patient", "file").get(
            public_id=public_id, request__in=_visible_requests(user)
        )
    except (Slide.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404 from exc


def get_upload_for_user(user: User, public_id: UUID | str) -> Upload:
    """An upload is its uploader's alone (and only while they still see the request)."""
    try:
        return Upload.objects.select_related("request").get(
            public_id=public_id, owner=user, request__in=_visible_requests(user)
        )
    except (Upload.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404 from exc


def instance_of(study: Study, file_id: UUID | str) -> Instance:
    try:
        return Instance.objects.select_related("file", "series").get(
            series__study=study, file__public_id=file_id
        )
    except (Instance.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404 from exc


def series_of(study: Study) -> list[Series]:
    """The study's series, each with its images in slice order (``images``)."""
    series = list(study.series.all())
    by_series: dict[int, list[Instance]] = {s.pk: [] for s in series}
    for instance in (
        Instance.objects.filter(series__study=study)
        .select_related("file")
        .order_by("series_id", "position", "number", "id")
    ):
        by_series[instance.series_id].append(instance)
    for s in series:
        s.images = by_series[s.pk]  # type: ignore[attr-defined]
    return series


def studies_of(request: BusinessRequest) -> list[Study]:
    return list(Study.objects.filter(request=request))


def slides_of(request: BusinessRequest) -> list[Slide]:
    return list(Slide.objects.filter(request=request).select_related("file"))


def snapshots_of(request: BusinessRequest) -> list[Snapshot]:
    return list(
        Snapshot.objects.filter(slide__request=request).select_related("file", "author", "slide")
    )


def annotations_of(slide: Slide) -> list[Annotation]:
    return list(slide.annotations.select_related("author"))


def may_upload(user: User, request: BusinessRequest) -> bool:
    """Whoever may add files to the request may send studies and slides with it."""
    return bool(user.is_authenticated and may_attach_files(user, request))


def may_annotate(user: User, request: BusinessRequest) -> bool:
    """The request's experts and its team mark regions and keep snapshots, until it ends."""
    if not user.is_authenticated or request.status in TERMINAL_STATUSES:
        return False
    if not can_see(user, request):
        return False
    return request.experts.filter(pk=user.pk).exists() or rules.Who(user, request).in_team


def may_read_study(user: User, study: Study) -> bool:
    return bool(user.is_authenticated and can_see(user, study.request))


def studies_waiting_for_archive() -> int:
    """How many studies were kept while Orthanc was down and wait to be sent (a number
    for the operators' status page: no study or patient is named)."""
    from .models import OrthancState

    return Study.objects.filter(orthanc=OrthancState.FAILED).count()
