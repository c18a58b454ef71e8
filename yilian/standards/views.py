"""Pages of standards promotion: the member's "to read" list and a standard with its
document and acknowledgement (phone first); the managers' editor, versions, quiz and
adoption rates per hospital."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from yilian.core.pagination import page_of
from yilian.core.permissions import allowed_if

from . import selectors, services
from .forms import AcknowledgeForm, QuestionForm, StandardForm, VersionForm
from .models import Category, Standard
from .policies import is_member, is_targeted, may_manage

PAGE_SIZE = 20


_members = allowed_if(is_member, gettext_lazy("Standards are for members of the alliance."))


_managers = allowed_if(may_manage, gettext_lazy("Only platform managers may manage standards."))


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
    else:
        for error in exc.messages:
            form.add_error(None, error)


@require_GET
@_members
def standard_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    try:
        category = int(request.GET.get("category") or 0) or None
    except ValueError:
        category = None
    standards = selectors.standards_for(request.user, query=query, category=category)
    read = selectors.acknowledged_version_ids(request.user)
    to_read = [s for s in standards if s.current_version_id and s.current_version_id not in read]
    mine = [s for s in standards if s.current_version_id in read]
    manager = may_manage(request.user)
    return render(
        request,
        "standards/list.html",
        {
            "to_read": [s for s in to_read if is_targeted(request.user, s)],
            "done": mine,
            "page": page_of(standards, request.GET.get("page"), PAGE_SIZE) if manager else None,
            "manager": manager,
            "query": query,
            "category": category,
            "categories": Category.objects.all(),
        },
    )


def _detail_page(
    request: HttpRequest, standard: Standard, form: AcknowledgeForm | None = None, status=200
) -> HttpResponse:
    questions = selectors.questions_of(standard)
    manager = may_manage(request.user)
    context: dict[str, Any] = {
        "standard": standard,
        "versions": standard.versions.select_related("file", "published_by"),
        "targeted": is_targeted(request.user, standard),
        "ack": selectors.my_acknowledgement(request.user, standard),
        "form": form or AcknowledgeForm(questions),
        "questions": questions,
        "manager": manager,
    }
    if manager:
        overall, rows = selectors.adoption(standard)
        context["overall"] = overall
        context["rows"] = page_of(rows, request.GET.get("page"), PAGE_SIZE)
        context["page"] = context["rows"]
    return render(request, "standards/detail.html", context, status=status)


@require_GET
@_members
def standard_detail(request: HttpRequest, public_id: UUID) -> HttpResponse:
    return _detail_page(request, selectors.get_standard(request.user, public_id))


@require_POST
@_members
def acknowledge(request: HttpRequest, public_id: UUID) -> HttpResponse:
    standard = selectors.get_standard(request.user, public_id)
    form = AcknowledgeForm(selectors.questions_of(standard), request.POST)
    if form.is_valid():
        try:
            services.acknowledge(
                standard,
                user=request.user,
                confirmed=form.cleaned_data["confirmed"],
                answers=form.answers(),
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Thank you: your acknowledgement was recorded."))
            return redirect("standards:detail", public_id=standard.public_id)
    return _detail_page(request, standard, form, status=422)


# --- management -----------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@_managers
def standard_form(request: HttpRequest, public_id: UUID | None = None) -> HttpResponse:
    standard = selectors.get_standard(request.user, public_id) if public_id else None
    if request.method == "POST":
        form = StandardForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            category = data["category"]
            try:
                if data["new_category"].strip():
                    category = services.category_named(data["new_category"], actor=request.user)
                standard = services.save_standard(
                    actor=request.user,
                    standard=standard,
                    title=data["title"],
                    code=data["code"],
                    category=category,
                    summary=data["summary"],
                    pass_mark=data["pass_mark"],
                    tiers=data["tiers"],
                    categories=data["categories"],
                    hospitals=data["hospitals"],
                    roles=data["roles"],
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("The standard was saved."))
                return redirect("standards:detail", public_id=standard.public_id)
        return render(
            request, "standards/form.html", {"form": form, "standard": standard}, status=422
        )
    form = StandardForm.for_standard(standard) if standard else StandardForm()
    return render(request, "standards/form.html", {"form": form, "standard": standard})


@require_http_methods(["GET", "POST"])
@_managers
def publish(request: HttpRequest, public_id: UUID) -> HttpResponse:
    standard = selectors.get_standard(request.user, public_id)
    if request.method == "POST":
        form = VersionForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                version = services.publish_version(
                    standard,
                    actor=request.user,
                    upload=form.cleaned_data["file"],
                    label=form.cleaned_data["label"],
                    notes=form.cleaned_data["notes"],
                )
            except ValidationError as exc:
                form.add_error("file", exc)
            else:
                messages.success(
                    request,
                    _("Version %(label)s is published; everyone targeted is asked to read it.")
                    % {"label": version.label},
                )
                return redirect("standards:detail", public_id=standard.public_id)
        return render(
            request, "standards/publish.html", {"form": form, "standard": standard}, status=422
        )
    return render(request, "standards/publish.html", {"form": VersionForm(), "standard": standard})


@require_http_methods(["GET", "POST"])
@_managers
def quiz(request: HttpRequest, public_id: UUID) -> HttpResponse:
    standard = selectors.get_standard(request.user, public_id)
    form = QuestionForm()
    status = 200
    if request.method == "POST":
        if request.POST.get("remove"):
            remove = request.POST["remove"]
            question = (
                standard.questions.filter(pk=int(remove)).first() if remove.isdigit() else None
            )
            if question is not None:
                services.remove_question(question, actor=request.user)
                messages.success(request, _("The question was removed."))
            return redirect("standards:quiz", public_id=standard.public_id)
        form = QuestionForm(request.POST)
        if form.is_valid():
            try:
                services.add_question(
                    standard,
                    actor=request.user,
                    text=form.cleaned_data["text"],
                    choices=form.cleaned_data["choices"].splitlines(),
                    answer=form.cleaned_data["answer"] - 1,
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("The question was added."))
                return redirect("standards:quiz", public_id=standard.public_id)
        status = 422
    return render(
        request,
        "standards/quiz.html",
        {"standard": standard, "questions": selectors.questions_of(standard), "form": form},
        status=status,
    )
