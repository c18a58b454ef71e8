"""Pages of hospital accession. Thin: parse, authorise through a selector, call one
service, render. The applicant's pages need no login: the link's token is the
authorisation (it never reaches the logs or the audit trail)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from yilian.accounts.roles import Role
from yilian.core.pagination import paginate
from yilian.core.permissions import role_required
from yilian.core.ratelimit import limit_posts
from yilian.orgs.selectors import get_hospital_for_user
from yilian.workflow.forms import attach_errors
from yilian.workflow.registry import all_kinds

from . import selectors, services
from .forms import (
    AdjustForm,
    ApplicationForm,
    AssessmentForm,
    PlanForm,
    QuestionForm,
    ReviewForm,
    application_initial,
    plan_initial,
    question_initial,
)
from .models import Application, Assessment, Question

PLATFORM = (Role.MANAGER, Role.PLATFORM_ADMIN)


# --- public: applying ------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@limit_posts("join", "YILIAN_JOIN_RATE")
def join(request: HttpRequest) -> HttpResponse:
    form = ApplicationForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.apply_to_join(
                    form.hospital_data(), form.contact_data(), form.cleaned_data["licence"]
                )
            except ValidationError as exc:
                attach_errors(form, exc)
            else:
                # The same page whether or not the mobile number already had an account (it
                # must not tell): the private link to follow the application goes by SMS.
                return redirect("accession:join_received")
        return render(request, "accession/join.html", {"form": form}, status=422)
    return render(request, "accession/join.html", {"form": form})


@require_GET
def join_received(request: HttpRequest) -> HttpResponse:
    return render(request, "accession/join_received.html")


@require_http_methods(["GET", "POST"])
@limit_posts("join", "YILIAN_JOIN_RATE")
def join_status(request: HttpRequest, token: str) -> HttpResponse:
    application = selectors.application_for_token(token)
    form = None
    if application.status == Application.Status.RETURNED:
        form = ApplicationForm(
            request.POST or None,
            request.FILES or None,
            resubmit=True,
            initial=application_initial(application),
        )
        if request.method == "POST":
            if form.is_valid():
                try:
                    services.resubmit_application(
                        application, form.hospital_data(), form.cleaned_data.get("licence")
                    )
                except ValidationError as exc:
                    attach_errors(form, exc)
                else:
                    return redirect("accession:join_status", token)
            return render(
                request,
                "accession/join_status.html",
                {"application": application, "form": form, "token": token},
                status=422,
            )
    elif request.method == "POST":
        return redirect("accession:join_status", token)
    context = {
        "application": application,
        "form": form,
        "token": token,
        "assessment": selectors.open_assessment_of(application.hospital),
    }
    return render(request, "accession/join_status.html", context)


def _assessment_page(
    request: HttpRequest, assessment: Assessment, *, by: Any, done_url: str, back_url: str
) -> HttpResponse:
    questions = selectors.active_questions()
    form = AssessmentForm(request.POST or None, questions=questions)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.submit_assessment(assessment, form.values(), by=by)
            except ValidationError as exc:
                attach_errors(form, exc)
            else:
                messages.success(request, _("Your assessment was submitted. Thank you."))
                return redirect(done_url)
        status = 422
    else:
        status = 200
    context = {"form": form, "assessment": assessment, "back_url": back_url}
    return render(request, "accession/assessment_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
@limit_posts("join", "YILIAN_JOIN_RATE")
def join_assessment(request: HttpRequest, token: str) -> HttpResponse:
    application = selectors.application_for_token(token)
    assessment = selectors.open_assessment_of(application.hospital)
    if application.status != Application.Status.ACCEPTED or assessment is None:
        return redirect("accession:join_status", token)
    back = reverse("accession:join_status", args=[token])
    return _assessment_page(request, assessment, by=None, done_url=back, back_url=back)


# --- the platform: applications --------------------------------------------------------


@role_required(*PLATFORM)
def applications(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    status = status if status in Application.Status.values else ""
    query = request.GET.get("query", "").strip()
    page = paginate(request, selectors.applications_for(request.user, status=status, query=query))
    context = {
        "page": page,
        "status": status,
        "query": query,
        "statuses": Application.Status.choices,
    }
    return render(request, "accession/applications.html", context)


def _application_page(request: HttpRequest, application: Application, form: Any, status: int = 200):
    context = {
        "application": application,
        "licence": selectors.licence_of(application),
        "assessment": selectors.latest_assessment_of(application.hospital),
        "form": form,
        "may_review": services.may_review(request.user),
    }
    return render(request, "accession/application.html", context, status=status)


@role_required(*PLATFORM)
def application(request: HttpRequest, public_id: str) -> HttpResponse:
    found = selectors.get_application_for_user(request.user, public_id)
    return _application_page(request, found, ReviewForm())


@require_POST
@role_required(Role.MANAGER)
def review(request: HttpRequest, public_id: str) -> HttpResponse:
    found = selectors.get_application_for_user(request.user, public_id)
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            services.review_application(
                found,
                actor=request.user,
                decision=form.cleaned_data["decision"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("The application was reviewed."))
            return redirect("accession:application", found.public_id)
    return _application_page(request, found, form, status=422)


# --- the platform: assessments and plans -----------------------------------------------


@login_required
def assessments(request: HttpRequest) -> HttpResponse:
    if not (request.user.has_role(*PLATFORM) or request.user.has_role(Role.HOSPITAL_ADMIN)):
        raise Http404
    status = request.GET.get("status", "")
    status = status if status in Assessment.Status.values else ""
    page = paginate(request, selectors.assessments_for(request.user, status=status))
    context = {"page": page, "status": status, "statuses": Assessment.Status.choices}
    return render(request, "accession/assessments.html", context)


def _assessment_detail(
    request: HttpRequest,
    assessment: Assessment,
    *,
    adjust: AdjustForm | None = None,
    plan: PlanForm | None = None,
    status: int = 200,
) -> HttpResponse:
    year = assessment.year
    context = {
        "assessment": assessment,
        "sections": selectors.answers_by_section(assessment),
        "adjust_form": adjust or AdjustForm(initial={"score": assessment.score}),
        "plan_form": plan or PlanForm(initial=plan_initial(assessment.proposal, year)),
        "may_review": services.may_review(request.user),
        "kinds": {k.code: k.label for k in all_kinds()},
    }
    return render(request, "accession/assessment.html", context, status=status)


@login_required
def assessment(request: HttpRequest, public_id: str) -> HttpResponse:
    found = selectors.get_assessment_for_user(request.user, public_id)
    return _assessment_detail(request, found)


@require_POST
@role_required(Role.MANAGER)
def adjust(request: HttpRequest, public_id: str) -> HttpResponse:
    found = selectors.get_assessment_for_user(request.user, public_id)
    form = AdjustForm(request.POST)
    if form.is_valid():
        try:
            services.adjust_score(
                found,
                actor=request.user,
                value=form.cleaned_data["score"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("The score was adjusted; the proposal follows it."))
            return redirect("accession:assessment", found.public_id)
    return _assessment_detail(request, found, adjust=form, status=422)


@require_POST
@role_required(Role.MANAGER)
def approve(request: HttpRequest, public_id: str) -> HttpResponse:
    found = selectors.get_assessment_for_user(request.user, public_id)
    form = PlanForm(request.POST)
    if form.is_valid():
        try:
            services.approve_plan(found, actor=request.user, terms=form.terms())
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(
                request,
                _("The cooperation plan of %(hospital)s was approved.")
                % {"hospital": found.hospital.name},
            )
            return redirect("accession:assessment", found.public_id)
    return _assessment_detail(request, found, plan=form, status=422)


@login_required
@require_http_methods(["GET", "POST"])
def fill(request: HttpRequest, public_id: str) -> HttpResponse:
    """A hospital administrator answers their hospital's annual re-assessment."""
    found = selectors.get_assessment_for_user(request.user, public_id)
    if (
        not request.user.has_role(Role.HOSPITAL_ADMIN)
        or found.hospital_id != request.user.hospital_id
    ):
        raise Http404
    if found.status != Assessment.Status.OPEN:
        return redirect("accession:assessment", found.public_id)
    back = reverse("accession:assessments")
    return _assessment_page(request, found, by=request.user, done_url=back, back_url=back)


@require_POST
@role_required(Role.MANAGER)
def reassess(request: HttpRequest, public_id: str) -> HttpResponse:
    hospital = get_hospital_for_user(request.user, public_id)
    try:
        found = services.start_reassessment(
            hospital, actor=request.user, year=timezone.localdate().year
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("web:hospital_detail", hospital.public_id)
    messages.success(request, _("The hospital was asked to answer this year's assessment."))
    return redirect("accession:assessment", found.public_id)


@login_required
def my_plan(request: HttpRequest) -> HttpResponse:
    """A hospital's own cooperation plan (its administrators and staff read it)."""
    hospital = request.user.hospital
    if hospital is None:
        raise Http404
    plan = selectors.plan_of(hospital)
    kinds = all_kinds()
    context = {
        "hospital": hospital,
        "plan": plan,
        "enabled": [k for k in kinds if plan is None or plan.enables(k.code)],
        "quotas": [(k, plan.quota_for(k.code)) for k in kinds if plan and plan.quota_for(k.code)],
        "open_assessment": selectors.open_assessment_of(hospital)
        if request.user.has_role(Role.HOSPITAL_ADMIN)
        else None,
    }
    return render(request, "accession/my_plan.html", context)


# --- the questionnaire -----------------------------------------------------------------


@role_required(Role.PLATFORM_ADMIN, Role.MANAGER)
def questions(request: HttpRequest) -> HttpResponse:
    rows = list(Question.objects.all())
    context = {
        "sections": selectors.questions_by_section(rows),
        "may_edit": services.may_edit_questions(request.user),
    }
    return render(request, "accession/questions.html", context)


@role_required(Role.PLATFORM_ADMIN)
@require_http_methods(["GET", "POST"])
def question_edit(request: HttpRequest, public_id: str | None = None) -> HttpResponse:
    instance = None
    if public_id is not None:
        instance = Question.objects.filter(public_id=public_id).first()
        if instance is None:
            raise Http404
    if request.method == "POST":
        form = QuestionForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.save_question(
                    actor=request.user,
                    instance=instance,
                    section=d["section"],
                    text=d["text"],
                    type=d["type"],
                    help_text=d["help_text"],
                    options=d["options"],
                    bands=d["bands"],
                    yes_points=d["yes_points"] or 0,
                    weight=d["weight"],
                    kind=d["kind"],
                    required=d["required"],
                    is_active=d["is_active"],
                )
            except ValidationError as exc:
                attach_errors(form, exc)
            else:
                messages.success(request, _("The question was saved."))
                return redirect("accession:questions")
        status = 422
    else:
        form = QuestionForm(initial=question_initial(instance) if instance else None)
        status = 200
    return render(
        request, "accession/question_form.html", {"form": form, "question": instance}, status=status
    )
