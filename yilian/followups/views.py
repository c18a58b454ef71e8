"""Pages of follow-up. Thin: parse, authorise through a selector, call one service,
render. The patient's questionnaire (``answer``) needs no login: the one-time link's
token is the authorisation, and it never reaches the audit trail."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from yilian.audit.models import AuditAction, Outcome
from yilian.audit.services import record
from yilian.core.links import LinkGone, gone_response
from yilian.core.pagination import paginate
from yilian.workflow.forms import attach_errors
from yilian.workflow.selectors import can_see, get_request_for_user

from . import selectors, services
from .forms import (
    AnswerForm,
    FromRequestForm,
    QuestionFormSet,
    TemplateForm,
    question_initial,
)
from .models import FollowUpPlan

LISTS = {
    "due": _("Due this week"),
    "overdue": _("Overdue"),
    "attention": _("Needs attention"),
}


@login_required
def due(request: HttpRequest) -> HttpResponse:
    """The responsible doctor's visits: due this week, overdue, missed or escalated."""
    which = request.GET.get("list", "due")
    if which not in LISTS:
        which = "due"
    page = paginate(request, selectors.doctor_visits(request.user, which))
    record(request, action=AuditAction.LIST)  # the list names patients
    counts = {k: selectors.doctor_visits(request.user, k).count() for k in LISTS}
    tabs = [(key, label, counts[key]) for key, label in LISTS.items()]
    return render(request, "followups/due.html", {"page": page, "which": which, "tabs": tabs})


@login_required
def templates(request: HttpRequest) -> HttpResponse:
    if not services.may_write_templates(request.user):
        raise Http404
    rows = [
        (t, services.may_edit_template(request.user, t))
        for t in selectors.templates_to_manage(request.user)
    ]
    return render(request, "followups/templates.html", {"rows": rows})


def _kept(formset: Any) -> list[Any]:
    """The question rows to save: not deleted, and not left empty."""
    return [
        f
        for f in formset.forms
        if f.cleaned_data
        and not f.cleaned_data.get("DELETE")
        and any(f.cleaned_data.get(k) for k in ("label", "options", "alert"))
    ]


@login_required
@require_http_methods(["GET", "POST"])
def template_edit(request: HttpRequest, public_id: str | None = None) -> HttpResponse:
    if not services.may_write_templates(request.user):
        raise Http404
    instance = (
        selectors.get_template_to_edit(request.user, public_id) if public_id is not None else None
    )
    initial = (
        {
            "name": instance.name,
            "offsets": ", ".join(str(d) for d in instance.offsets),
            "is_active": instance.is_active,
        }
        if instance
        else None
    )
    if request.method == "POST":
        form = TemplateForm(request.POST)
        formset = QuestionFormSet(request.POST, prefix="q")
        if form.is_valid() and formset.is_valid():
            try:
                saved = services.save_template(
                    actor=request.user,
                    name=form.cleaned_data["name"],
                    offsets=services.parse_offsets(form.cleaned_data["offsets"]),
                    questions=[f.cleaned_data for f in _kept(formset)],
                    is_active=form.cleaned_data["is_active"],
                    instance=instance,
                )
            except services.TemplateInvalid as exc:
                attach_errors(form, exc)
                for sub, errors in zip(_kept(formset), exc.question_errors, strict=False):
                    for key, message in errors.items():
                        sub.add_error(key if key in sub.fields else None, message)
            else:
                messages.success(request, gettext("Template “%(name)s” saved.") % {"name": saved})
                return redirect("followups:templates")
        status = 422
    else:
        form = TemplateForm(initial=initial)
        formset = QuestionFormSet(
            initial=question_initial(instance) if instance else None, prefix="q"
        )
        status = 200
    return render(
        request,
        "followups/template_form.html",
        {"form": form, "formset": formset, "template": instance},
        status=status,
    )


@login_required
def plan(request: HttpRequest, public_id: str) -> HttpResponse:
    found = selectors.get_plan_for_user(request.user, public_id)
    record(request, action=AuditAction.VIEW, target=found, patient=found.patient)
    return _plan_page(request, found)


def _plan_page(
    request: HttpRequest, found: FollowUpPlan, link: dict[str, Any] | None = None
) -> HttpResponse:
    return render(
        request,
        "followups/plan.html",
        {
            "plan": found,
            "rows": selectors.visits_with_questions(found),
            "may_manage": services.may_manage(request.user, found),
            # The other side of a referral or consultation sees the plan, not the request.
            "sees_request": can_see(request.user, found.request),
            "link": link,
        },
    )


@login_required
@require_POST
def visit_link(request: HttpRequest, public_id: str) -> HttpResponse:
    visit = selectors.get_visit_for_user(request.user, public_id)
    try:
        link = services.create_answer_link(visit, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("followups:plan", visit.plan.public_id)
    record(request, action=AuditAction.CREATE, target=visit, patient=visit.plan.patient)
    # Shown once, in this response: the token is stored nowhere but as a hash.
    shown = {
        "number": visit.number,
        "url": request.build_absolute_uri(link.path),
        "expires": link.expires_at.isoformat(),
    }
    return _plan_page(request, visit.plan, shown)


@login_required
@require_http_methods(["GET", "POST"])
def start_from(request: HttpRequest, public_id: str) -> HttpResponse:
    """A follow-up plan for the patient of a closed consultation or completed
    down-referral."""
    source = get_request_for_user(request.user, public_id)
    if not services.may_start_from(request.user, source):
        raise PermissionDenied(gettext("A follow-up plan cannot be started from this request."))
    form = FromRequestForm(
        request.POST if request.method == "POST" else None, applicant=request.user
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                made = services.start_plan_from_request(
                    doctor=request.user,
                    source=source,
                    template=form.cleaned_data["template"],
                    start_date=form.cleaned_data["start_date"],
                )
            except ValidationError as exc:
                attach_errors(form, exc)
            else:
                record(request, action=AuditAction.CREATE, target=made, patient=made.patient)
                messages.success(
                    request, gettext("Follow-up %(ref)s started.") % {"ref": made.reference}
                )
                return redirect("followups:plan", made.public_id)
        status = 422
    return render(
        request, "followups/start_from.html", {"form": form, "source": source}, status=status
    )


def _gone(request: HttpRequest, gone: LinkGone) -> HttpResponse:
    return gone_response(
        request,
        gone,
        used=gettext("The answers were sent with it. A follow-up link works only once."),
        expired=gettext("Ask your doctor for a new link."),
    )


def answer(request: HttpRequest, token: str) -> HttpResponse:
    """Open to anyone holding the link: the token is the authorisation."""
    try:
        visit = services.visit_for_token(token)
    except services.LinkGone as gone:
        return _gone(request, gone)
    form = AnswerForm(
        request.POST if request.method == "POST" else None, questions=visit.plan.questions
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            values = {k: "" if v is None else str(v) for k, v in form.cleaned_data.items()}
            try:
                visit = services.answer_visit(token, values)
            except services.LinkGone as gone:
                return _gone(request, gone)
            except ValidationError as exc:
                attach_errors(form, exc)
            else:
                record(
                    request,
                    action=AuditAction.UPDATE,
                    target=visit,
                    patient=visit.plan.patient,
                    actor=None,
                )
                return render(request, "followups/answered.html", {"visit": visit})
        record(
            request,
            action=AuditAction.UPDATE,
            target=visit,
            patient=visit.plan.patient,
            outcome=Outcome.FAILED,
        )
        status = 422
    else:
        record(
            request,
            action=AuditAction.VIEW,
            target=visit,
            patient=visit.plan.patient,
        )
    return render(
        request,
        "followups/answer.html",
        {"visit": visit, "form": form, "action": reverse("followups:answer", args=[token])},
        status=status,
    )
