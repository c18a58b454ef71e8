"""The closed loop's pages: the workbench, the request list and page, one view for every
action, applying, and the opinion as a PDF. Thin: parse, call one selector or service,
render."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import capfirst
from django.utils.timesince import timesince, timeuntil
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST

from yilian.audit import services as audit
from yilian.audit.models import AuditAction
from yilian.core.pagination import paginate
from yilian.core.pdf import pdf_response
from yilian.patients.forms import lists_patients

from . import rules, selectors
from .forms import (
    ACTION_FORMS,
    ONE_TAP_ACTIONS,
    ActionForm,
    ApplicationForm,
    attach_errors,
)
from .models import Action, BusinessRequest, Status, Urgency
from .registry import Kind, Variant, all_kinds, get_kind
from .services import EDITABLE_STATUSES, StaleRequest, TransitionError, transition

# --- the workbench ----------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One request on a list, with what the list shows beside it — worked out once here,
    since the page shows every row twice (the PC table and the phone cards)."""

    request: BusinessRequest
    kind_label: Any
    detail_url: str
    status_label: str
    urgency_label: str
    due: datetime | None
    overdue: bool
    due_text: str
    one_tap: list[tuple[str, str, str]]  # (action, the action's path, its button label)
    other_actions: list[tuple[str, str]]  # (action, its label): a link to the request page


class _Paths:
    """Request and action paths for a whole list from one ``reverse`` each, instead of one
    per link (two to five links a row)."""

    _ID = "00000000-0000-0000-0000-000000000000"
    _ACTION = "action-placeholder"

    def __init__(self) -> None:
        self._detail = reverse("workflow:detail", args=[self._ID])
        self._act = reverse("workflow:act", args=[self._ID, self._ACTION])

    def detail(self, public_id: Any) -> str:
        return self._detail.replace(self._ID, str(public_id))

    def act(self, public_id: Any, action: str) -> str:
        return self._act.replace(self._ID, str(public_id)).replace(self._ACTION, action)


def _kind_label(code: str) -> Any:
    try:
        return get_kind(code).label
    except LookupError:
        return code


def _due_text(due: datetime | None, overdue: bool, now: datetime) -> str:
    if due is None:
        return ""
    if overdue:
        return gettext("overdue by %(late)s") % {"late": timesince(due, now)}
    return gettext("due in %(left)s") % {"left": timeuntil(due, now)}


def _rows(
    requests: list[BusinessRequest], actions: dict[int, list[str]] | None = None
) -> list[Row]:
    """The rows of a list; ``actions`` (what the user may do with each request, by pk)
    when the list offers them."""
    now = timezone.now()
    paths = _Paths()
    statuses = {value: str(label) for value, label in Status.choices}
    urgencies = {value: str(label) for value, label in Urgency.choices}
    labels = {value: capfirst(str(label)) for value, label in _action_labels().items()}

    rows = []
    for r in requests:
        allowed = actions.get(r.pk, []) if actions is not None else []
        one_tap = [a for a in allowed if a in ONE_TAP_ACTIONS]
        due = r.due_at
        overdue = selectors.is_overdue(r, now)
        rows.append(
            Row(
                request=r,
                kind_label=_kind_label(r.kind),
                detail_url=paths.detail(r.public_id),
                status_label=statuses.get(r.status, r.status),
                urgency_label=urgencies.get(r.urgency, r.urgency),
                due=due,
                overdue=overdue,
                due_text=_due_text(due, overdue, now),
                one_tap=[(a, paths.act(r.public_id, a), labels[a]) for a in one_tap],
                other_actions=[(a, labels[a]) for a in allowed if a not in ONE_TAP_ACTIONS],
            )
        )
    return rows


def _filters(request: HttpRequest, *keys: str) -> dict[str, str]:
    return {key: request.GET.get(key, "").strip() for key in keys}


def _action_labels() -> dict[str, Any]:
    return {a.value: a.label for a in Action}


@login_required
def workbench(request: HttpRequest) -> HttpResponse:
    user = request.user
    queues = selectors.queues_for(user)
    counts = selectors.queue_counts(user) if queues else {}
    keys = [q.key for q in queues]
    current = request.GET.get("queue", "")
    if current not in keys:
        current = next((k for k in keys if counts.get(k)), keys[0] if keys else "")
    filters = _filters(request, "kind", "urgency", "query")
    page = rows = None
    if current:
        page = paginate(request, selectors.workbench_requests(user, current, **filters))
        requests = list(page.object_list)
        rows = _rows(requests, selectors.actions_for_rows(user, requests))
    context = {
        "queues": [(q, counts.get(q.key, 0)) for q in queues],
        "current": current,
        "filters": filters,
        "page": page,
        "rows": rows,
        "kinds": all_kinds(),
        "urgencies": Urgency.choices,
        "action_labels": _action_labels(),
        "may_apply": bool(selectors.kinds_user_may_apply(user)),
        "here": request.get_full_path(),
    }
    template = "workflow/workbench.html"
    if request.htmx:
        template += "#results" if request.htmx.target == "results" else "#board"
    return render(request, template, context)


# --- the request list -------------------------------------------------------------------


@login_required
def request_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    filters = _filters(request, "kind", "status", "urgency", "hospital", "query")
    page = paginate(request, selectors.requests_visible_to(user, **filters))
    requests = list(page.object_list)
    context = {
        "page": page,
        "rows": _rows(requests),
        "filters": filters,
        "kinds": all_kinds(),
        "statuses": Status.choices,
        "urgencies": Urgency.choices,
        "hospitals": selectors.hospitals_with_requests() if user.is_platform_member else None,
    }
    template = "workflow/list.html#results" if request.htmx else "workflow/list.html"
    return render(request, template, context)


# --- one request ------------------------------------------------------------------------


def _kind_or_none(code: str) -> Kind | None:
    try:
        return get_kind(code)
    except LookupError:
        return None


def _render_detail(
    http_request: HttpRequest,
    business_request: BusinessRequest,
    *,
    bound: ActionForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    user = http_request.user
    kind = _kind_or_none(business_request.kind)
    allowed = selectors.allowed_actions(business_request, user)
    forms = []
    for action in allowed:
        if bound is not None and bound.action == action:
            forms.append(bound)
        else:
            forms.append(ACTION_FORMS[action](request=business_request, user=user))
    detail = selectors.kind_detail(business_request)
    # A request whose detail row is missing cannot be edited: its form reads that row.
    editable = (
        kind is not None
        and business_request.status in EDITABLE_STATUSES
        and business_request.applicant_id == user.pk
        and (detail is not None or kind.get_detail_model() is None)
    )
    context = {
        "req": business_request,
        "kind": kind,
        "kind_label": kind.label if kind else business_request.kind,
        "detail": detail,
        "page": selectors.request_page(business_request),
        "forms": forms,
        "open_action": bound.action if bound is not None else (allowed[0] if allowed else ""),
        "error": error,
        "editable": editable,
        "due": business_request.due_at,
        "overdue": selectors.is_overdue(business_request),
        "action_labels": _action_labels(),
    }
    return render(http_request, "workflow/detail.html", context, status=status)


@login_required
def detail(request: HttpRequest, public_id: str) -> HttpResponse:
    business_request = selectors.get_request_for_user(request.user, public_id)
    _audit_patients(request, business_request, AuditAction.VIEW)
    return _render_detail(request, business_request)


def _audit_patients(request: HttpRequest, business_request: BusinessRequest, action: str) -> None:
    """One audit entry per patient the request is about (none for a request about nobody)."""
    for patient in selectors.patients_of(business_request):
        audit.record(request, action=action, target=business_request, patient=patient)


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _go(request: HttpRequest, url: str) -> HttpResponse:
    if request.htmx:
        return HttpResponse(status=204, headers={"HX-Redirect": url})
    return redirect(url)


@login_required
@require_POST
def act(request: HttpRequest, public_id: str, action: str) -> HttpResponse:
    """Every step of the loop: validate the action's form, call ``transition``, report."""
    form_class = ACTION_FORMS.get(action)
    if form_class is None:
        raise Http404
    user = request.user
    business_request = selectors.get_request_for_user(user, public_id)
    form = form_class(request.POST, request=business_request, user=user)

    if not form.is_valid():
        # Say why it cannot be done before asking for better data.
        if not rules.Who(user, business_request).may(action):
            return _render_detail(
                request, business_request, error=str(rules.WHO_MAY[action]), status=403
            )
        if action not in selectors.allowed_actions(business_request, user):
            message = gettext("Cannot %(action)s this request: it is “%(status)s”.") % {
                "action": Action(action).label,
                "status": business_request.get_status_display(),
            }
            return _render_detail(request, business_request, error=message, status=409)
        return _render_detail(request, business_request, bound=form, status=422)

    try:
        moved = transition(
            business_request,
            action,
            actor=user,
            expected_version=form.cleaned_data["expected_version"],
            **form.transition_kwargs(),
        )
    except PermissionDenied as exc:
        return _render_detail(request, business_request, error=str(exc), status=403)
    except (StaleRequest, TransitionError) as exc:
        fresh = selectors.get_request_for_user(user, public_id)
        # Keep what the user typed, now against the current version: sending it again is
        # a deliberate choice made after seeing what changed.
        data = request.POST.copy()
        data[f"{action}-expected_version"] = str(fresh.version)
        kept = form_class(data, request=fresh, user=user)
        kept.is_valid()
        return _render_detail(request, fresh, bound=kept, error=exc.messages[0], status=409)
    except ValidationError as exc:
        attach_errors(form, exc)
        return _render_detail(request, business_request, bound=form, status=422)

    messages.success(
        request,
        gettext("“%(title)s” %(done)s.") % {"title": moved.title, "done": rules.DONE[action]},
    )
    return _go(request, _safe_next(request, reverse("workflow:detail", args=[moved.public_id])))


# --- applying ---------------------------------------------------------------------------


@login_required
def apply(request: HttpRequest) -> HttpResponse:
    groups = [
        {
            "module": group.module,
            "entries": [(k, k.variants() if k.variants else None) for k in group.kinds],
        }
        for group in selectors.kinds_to_apply_by_module(request.user)
    ]
    return render(request, "workflow/apply.html", {"groups": groups})


def _variant(kind: Kind, key: str | None) -> Variant | None:
    if key is None:
        return None
    for variant in kind.variants() if kind.variants else []:
        if variant.key == key:
            return variant
    raise Http404


def _application_form(
    kind: Kind,
    request: HttpRequest,
    *,
    variant: str | None,
    instance: BusinessRequest | None = None,
) -> Any:
    data = request.POST if request.method == "POST" else None
    files = request.FILES if request.method == "POST" else None
    form_class = kind.get_form_class()
    if form_class is None:
        return ApplicationForm(
            data, files, applicant=request.user, variant=variant, instance=instance, kind=kind
        )
    return form_class(data, files, applicant=request.user, variant=variant, instance=instance)


def _save_application(request: HttpRequest, form: Any) -> BusinessRequest | None:
    """Save (and, for "Submit", submit) the application; None when it was refused (the
    errors are on the form)."""
    submit = request.POST.get("intent") == "submit"
    try:
        with transaction.atomic():
            saved: BusinessRequest = form.save()
            if submit:
                saved = transition(saved, "submit", actor=request.user)
    except ValidationError as exc:
        attach_errors(form, exc)
        return None
    if submit:
        messages.success(request, gettext("“%(title)s” submitted.") % {"title": saved.title})
    else:
        messages.success(
            request,
            gettext("“%(title)s” saved as a draft. Submit it when it is ready.")
            % {"title": saved.title},
        )
    return saved


@login_required
@require_http_methods(["GET", "POST"])
def apply_kind(request: HttpRequest, kind: str, variant: str | None = None) -> HttpResponse:
    business = selectors.kind_user_may_apply(request.user, kind)
    chosen = _variant(business, variant)
    if chosen is None and business.variants is not None and request.method == "GET":
        options = business.variants()
        if options:
            return render(
                request, "workflow/apply_variants.html", {"kind": business, "variants": options}
            )
    form = _application_form(business, request, variant=chosen.key if chosen else None)
    if request.method == "POST" and form.is_valid():
        saved = _save_application(request, form)
        if saved is not None:
            return redirect("workflow:detail", saved.public_id)
    return _application_page(request, business, chosen, form, instance=None)


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, public_id: str) -> HttpResponse:
    business_request = selectors.get_request_for_user(request.user, public_id)
    kind = _kind_or_none(business_request.kind)
    if kind is None:
        raise Http404
    if business_request.applicant_id != request.user.pk:
        raise PermissionDenied(gettext("Only the applicant may change this request."))
    if business_request.status not in EDITABLE_STATUSES:
        messages.error(
            request,
            gettext("This request can no longer be changed: it is “%(status)s”.")
            % {"status": business_request.get_status_display()},
        )
        return redirect("workflow:detail", business_request.public_id)
    form = _application_form(kind, request, variant=None, instance=business_request)
    if request.method == "POST" and form.is_valid():
        saved = _save_application(request, form)
        if saved is not None:
            return redirect("workflow:detail", saved.public_id)
    return _application_page(request, kind, None, form, instance=business_request)


def _application_page(
    request: HttpRequest,
    kind: Kind,
    variant: Variant | None,
    form: Any,
    *,
    instance: BusinessRequest | None,
) -> HttpResponse:
    """The application form (again, with its errors, after a refused POST). A form that
    offers the hospital's patients to choose from lists patient data: audited."""
    if lists_patients(form):
        audit.record(request, action=AuditAction.LIST)
    status = 422 if request.method == "POST" else 200
    context = {"kind": kind, "variant": variant, "form": form, "instance": instance}
    return render(request, "workflow/apply_form.html", context, status=status)


# --- the opinion as a document ---------------------------------------------------------


def _data_uri(asset: Any) -> tuple[str, str]:
    """A stored picture inlined for the PDF renderer, with its name without extension."""
    with default_storage.open(asset.storage_key, "rb") as handle:
        data = base64.b64encode(handle.read()).decode()
    return f"data:{asset.mime_type};base64,{data}", asset.original_name.rsplit(".", 1)[0]


@login_required
def opinion_pdf(request: HttpRequest, public_id: str) -> HttpResponse:
    business_request, opinion = selectors.get_conclusion_for_user(request.user, public_id)
    _audit_patients(request, business_request, AuditAction.DOWNLOAD)
    team = business_request.team
    # A business app may record the patient's informed consent on the request (a one-to-one
    # ``consent`` with ``signed_at``); the document then says who signed it, how and when.
    consent = getattr(business_request, "consent", None)
    context = {
        "req": business_request,
        "opinion": opinion,
        "parts": [
            o
            for o in business_request.opinions.select_related("author").order_by("created_at", "id")
            if not o.is_conclusion
        ],
        "consent": consent if getattr(consent, "signed_at", None) else None,
        "kind_label": _kind_label(business_request.kind),
        "team": team,
        "issuer": team.hospital if team else None,
        "experts": list(business_request.experts.order_by("name")),
        "figures": [_data_uri(f) for f in selectors.opinion_figures(business_request)],
    }
    return pdf_response(
        "workflow/pdf/opinion.html", context, f"opinion-{business_request.public_id}.pdf"
    )
