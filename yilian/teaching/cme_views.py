"""Pages of CME classes: the class list and a class (enrol, my status), the organisers'
pages (class and sessions, enrolments to approve, attendance sheet with export and credit
issue, the on-site check-in QR code), the learner's classes and credits with certificates,
the phone's check-in page and the public certificate verification page."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import segno
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from yilian.core import ratelimit
from yilian.core.export import FORMATS, table_response
from yilian.core.masking import mask_name
from yilian.core.pagination import paginate
from yilian.core.pdf import pdf_response
from yilian.core.permissions import allowed_if

from . import cme_selectors as selectors
from . import cme_services as services
from .cme_forms import ClassForm, SessionForm
from .models import CmeClass, CreditClass, EnrolmentStatus
from .policies import is_learner, may_manage, may_manage_class

_learners = allowed_if(is_learner, gettext_lazy("CME classes are for members of the alliance."))


def _errors_to_messages(request: HttpRequest, exc: ValidationError) -> None:
    for error in exc.messages:
        messages.error(request, error)


# --- learners ----------------------------------------------------------------------------


@require_GET
@_learners
def class_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    when = request.GET.get("when", "")
    credit_class = request.GET.get("credit_class", "")
    classes = selectors.classes_for(
        request.user, query=query, when=when, credit_class=credit_class
    ).order_by("-enrol_opens", "-id")
    page = paginate(request, classes)
    return render(
        request,
        "teaching/cme/list.html",
        {
            "page": page,
            "query": query,
            "when": when,
            "credit_class": credit_class,
            "when_choices": [
                (selectors.WHEN_OPEN, _("Enrolment open")),
                (selectors.WHEN_UPCOMING, _("Opening soon")),
                (selectors.WHEN_PAST, _("Enrolment closed")),
            ],
            "credit_classes": CreditClass.choices,
            "may_manage": may_manage(request.user),
            "now": timezone.now(),
        },
    )


@require_GET
@_learners
def class_detail(request: HttpRequest, public_id: UUID) -> HttpResponse:
    cme_class = selectors.get_class(request.user, public_id)
    enrolment = selectors.enrolment_of(request.user, cme_class)
    attendance = (
        selectors.attendance_of(enrolment)
        if enrolment is not None and enrolment.status == EnrolmentStatus.APPROVED
        else None
    )
    credit = getattr(enrolment, "credit", None) if enrolment is not None else None
    sessions = selectors.sessions_of(cme_class)
    now = timezone.now()
    return render(
        request,
        "teaching/cme/class.html",
        {
            "cme_class": cme_class,
            "sessions": [(s, selectors.session_is_on(s, now)) for s in sessions],
            "enrolment": enrolment,
            "attendance": attendance,
            "credit": credit,
            "places_left": selectors.places_left(cme_class),
            "enrolment_open": selectors.enrolment_open(cme_class, now),
            "may_manage": may_manage_class(request.user, cme_class),
        },
    )


@require_POST
@_learners
def enrol(request: HttpRequest, public_id: UUID) -> HttpResponse:
    cme_class = selectors.get_class(request.user, public_id)
    try:
        enrolment = services.enrol(cme_class, learner=request.user)
    except ValidationError as exc:
        _errors_to_messages(request, exc)
    else:
        if enrolment.status == EnrolmentStatus.PENDING:
            messages.success(request, _("Enrolment requested: the organiser will decide."))
        else:
            messages.success(request, _("You are enrolled."))
    return redirect("teaching:cme_class", public_id=cme_class.public_id)


@require_POST
@_learners
def cancel(request: HttpRequest, public_id: UUID) -> HttpResponse:
    cme_class = selectors.get_class(request.user, public_id)
    enrolment = selectors.enrolment_of(request.user, cme_class)
    if enrolment is not None:
        try:
            services.cancel_enrolment(enrolment, actor=request.user)
        except ValidationError as exc:
            _errors_to_messages(request, exc)
        else:
            messages.success(request, _("Your enrolment was cancelled."))
    return redirect("teaching:cme_class", public_id=cme_class.public_id)


@require_POST
@_learners
def enter_room(request: HttpRequest, public_id: UUID) -> HttpResponse:
    session = selectors.get_session(request.user, public_id)
    try:
        room_session = services.enter_room(session, user=request.user)
    except ValidationError as exc:
        _errors_to_messages(request, exc)
        return redirect("teaching:cme_class", public_id=session.cme_class.public_id)
    return redirect("realtime:room", public_id=room_session.public_id)


@require_GET
@_learners
def my_classes(request: HttpRequest) -> HttpResponse:
    page = paginate(request, selectors.my_enrolments(request.user))
    return render(request, "teaching/cme/mine.html", {"page": page})


@require_GET
@_learners
def my_credits(request: HttpRequest) -> HttpResponse:
    page = paginate(request, selectors.my_credits(request.user))
    return render(
        request,
        "teaching/cme/credits.html",
        {"page": page, "years": selectors.credit_totals_by_year(request.user)},
    )


def _verify_url(request: HttpRequest, code: str) -> str:
    return request.build_absolute_uri(reverse("teaching:cme_verify_code", args=[code]))


@require_GET
@_learners
def certificate(request: HttpRequest, public_id: UUID) -> HttpResponse:
    credit = selectors.get_credit(request.user, public_id)
    sessions = selectors.sessions_of(credit.cme_class)
    return pdf_response(
        "teaching/cme/certificate.html",
        {
            "credit": credit,
            "sessions": sessions,
            "hospital": credit.learner.hospital,
            "verify_url": _verify_url(request, credit.code),
        },
        f"certificate-{credit.code[:4]}.pdf",
    )


# --- on-site check-in (the learner's phone) -------------------------------------------------


@require_http_methods(["GET", "POST"])
@_learners
def check_in(request: HttpRequest, token: str) -> HttpResponse:
    """The page a scanned QR code opens: one tap records the check-in."""
    try:
        session = services.session_of_token(token)
        selectors.get_session(request.user, session.public_id)  # the class is visible
        if request.method == "POST":
            services.check_in(session, learner=request.user)
            messages.success(request, _("You are checked in to “%(s)s”.") % {"s": session.title})
            return redirect("teaching:cme_class", public_id=session.cme_class.public_id)
    except services.CheckInRefused as refused:
        return render(request, "teaching/cme/check_in.html", {"error": refused.message}, status=410)
    except PermissionDenied as denied:
        return render(request, "teaching/cme/check_in.html", {"error": str(denied)}, status=403)
    return render(request, "teaching/cme/check_in.html", {"session": session, "token": token})


# --- public verification ------------------------------------------------------------------


@require_GET
def verify(request: HttpRequest, code: str = "") -> HttpResponse:
    """Anyone may check a certificate's code (no login); lookups are rate limited per
    client so codes cannot be guessed by trying many — and refused while the limit cannot
    be counted (``fail_closed``)."""
    code = code or request.GET.get("code", "")
    context: dict[str, Any] = {"code": code}
    status = 200
    if code:
        allowed, retry_after = ratelimit.hit(
            "cme_verify",
            ratelimit.client_ip(request),
            settings.YILIAN_VERIFY_RATE,
            fail_closed=True,
        )
        if not allowed:
            response = render(
                request,
                "core/rate_limited.html",
                {"minutes": max(1, (retry_after + 59) // 60)},
                status=429,
            )
            response["Retry-After"] = str(retry_after)
            return response
        credit = selectors.credit_by_code(code)
        if credit is None:
            context["not_found"] = True
            status = 404
        else:
            context["credit"] = credit
            context["masked_name"] = mask_name(credit.learner_name)
    response = render(request, "teaching/cme/verify.html", context, status=status)
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


# --- organisers -------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@_learners
def class_form(request: HttpRequest, public_id: UUID | None = None) -> HttpResponse:
    cme_class = selectors.get_class_to_manage(request.user, public_id) if public_id else None
    if cme_class is None and not may_manage(request.user):
        raise PermissionDenied(_("Only platform managers may publish CME classes."))
    form = ClassForm(request.POST or None, initial=ClassForm.initial_for(cme_class))
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_class(
                actor=request.user, data=form.class_data(), cme_class=cme_class
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("The class was saved."))
            return redirect("teaching:cme_sessions", public_id=saved.public_id)
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "teaching/cme/class_form.html",
        {"form": form, "cme_class": cme_class},
        status=status,
    )


def _sessions_page(
    request: HttpRequest, cme_class: CmeClass, form: SessionForm, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "teaching/cme/sessions.html",
        {"cme_class": cme_class, "sessions": selectors.sessions_of(cme_class), "form": form},
        status=status,
    )


@require_http_methods(["GET", "POST"])
@_learners
def sessions(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """A class's sessions: add one, remove one nobody attended; publish the class."""
    cme_class = selectors.get_class_to_manage(request.user, public_id)
    if request.method == "POST":
        form = SessionForm(request.POST)
        if form.is_valid():
            try:
                services.save_session(cme_class, actor=request.user, data=form.session_data())
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, _("The session was added."))
                return redirect("teaching:cme_sessions", public_id=cme_class.public_id)
        return _sessions_page(request, cme_class, form, status=422)
    return _sessions_page(request, cme_class, SessionForm())


@require_http_methods(["GET", "POST"])
@_learners
def session_edit(request: HttpRequest, public_id: UUID) -> HttpResponse:
    session = selectors.get_session(request.user, public_id)
    cme_class = selectors.get_class_to_manage(request.user, session.cme_class.public_id)
    if request.method == "POST" and request.POST.get("action") == "remove":
        try:
            services.remove_session(session, actor=request.user)
        except ValidationError as exc:
            _errors_to_messages(request, exc)
        else:
            messages.success(request, _("The session was removed."))
        return redirect("teaching:cme_sessions", public_id=cme_class.public_id)
    form = SessionForm(request.POST or None, initial=SessionForm.initial_for(session))
    if request.method == "POST" and form.is_valid():
        try:
            services.save_session(
                cme_class, actor=request.user, data=form.session_data(), session=session
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("The session was saved."))
            return redirect("teaching:cme_sessions", public_id=cme_class.public_id)
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "teaching/cme/session_form.html",
        {"form": form, "session": session, "cme_class": cme_class},
        status=status,
    )


@require_POST
@_learners
def publish(request: HttpRequest, public_id: UUID) -> HttpResponse:
    cme_class = selectors.get_class_to_manage(request.user, public_id)
    try:
        services.set_class_published(
            cme_class, actor=request.user, published=request.POST.get("published") == "1"
        )
    except ValidationError as exc:
        _errors_to_messages(request, exc)
    else:
        messages.success(
            request,
            _("The class is published.") if cme_class.published else _("The class is hidden."),
        )
    return redirect("teaching:cme_sessions", public_id=cme_class.public_id)


@require_http_methods(["GET", "POST"])
@_learners
def enrolments(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """A class's enrolments, those awaiting approval first; approve or refuse."""
    cme_class = selectors.get_class_to_manage(request.user, public_id)
    if request.method == "POST":
        enrolment = selectors.get_enrolment_to_manage(request.user, request.POST.get("enrolment"))
        if enrolment.cme_class_id != cme_class.pk:
            raise PermissionDenied
        try:
            services.decide(
                enrolment, actor=request.user, approve=request.POST.get("decision") == "approve"
            )
        except ValidationError as exc:
            _errors_to_messages(request, exc)
        return redirect(
            reverse("teaching:cme_enrolments", args=[cme_class.public_id])
            + (f"?status={request.GET['status']}" if request.GET.get("status") else "")
        )
    status = request.GET.get("status", "")
    page = paginate(request, selectors.enrolments_of_class(cme_class, status=status))
    return render(
        request,
        "teaching/cme/enrolments.html",
        {
            "cme_class": cme_class,
            "page": page,
            "status": status,
            "statuses": EnrolmentStatus.choices,
            "places_left": selectors.places_left(cme_class),
        },
    )


@require_http_methods(["GET", "POST"])
@_learners
def attendance(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """The attendance sheet: per enrolled learner, minutes and sessions attended and the
    outcome; export it, or evaluate everyone and issue the credits."""
    cme_class = selectors.get_class_to_manage(request.user, public_id)
    if request.method == "POST":
        evaluated, passed = services.evaluate_class(cme_class, actor=request.user)
        messages.success(
            request,
            _("%(n)d learners evaluated, %(p)d passed: their credits are issued.")
            % {"n": evaluated, "p": passed},
        )
        return redirect("teaching:cme_attendance", public_id=cme_class.public_id)
    rows = list(selectors.enrolments_of_class(cme_class, status=EnrolmentStatus.APPROVED))
    sheet = selectors.class_attendance(cme_class, [e.learner_id for e in rows])
    lines = [(e, sheet[e.learner_id]) for e in rows]
    fmt = request.GET.get("format", "")
    if fmt in FORMATS:
        header = [
            _("Name"),
            _("Hospital"),
            _("Minutes attended"),
            _("Share of minutes (%)"),
            _("Sessions attended"),
            _("Meets the rule"),
            _("Credits issued"),
        ]
        table = [
            [
                e.learner.name,
                e.learner.hospital.name if e.learner.hospital else "",
                a.attended_minutes,
                a.percent,
                a.sessions_present,
                _("yes") if a.passed else _("no"),
                str(e.credit.amount) if hasattr(e, "credit") else "",
            ]
            for e, a in lines
        ]
        return table_response(fmt, "attendance", header, table)
    return render(
        request,
        "teaching/cme/attendance.html",
        {"cme_class": cme_class, "lines": lines, "sessions": selectors.sessions_of(cme_class)},
    )


@require_GET
@_learners
def check_in_code(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """The organiser's screen at the venue: a QR code that changes every
    ``CHECK_IN_REFRESH`` seconds and is good for ``CHECK_IN_MAX_AGE``."""
    session = selectors.get_session(request.user, public_id)
    selectors.get_class_to_manage(request.user, session.cme_class.public_id)
    url = request.build_absolute_uri(
        reverse("teaching:cme_check_in", args=[services.check_in_token(session)])
    )
    context = {
        "session": session,
        "url": url,
        "qr": segno.make(url, error="m").svg_inline(scale=6, border=2),
        "refresh": services.CHECK_IN_REFRESH,
        "checked_in": session.check_ins.count(),
        "is_on": selectors.session_is_on(session),
    }
    template = "teaching/cme/check_in_code.html"
    if request.htmx:
        template += "#code"
    response = render(request, template, context)
    response["Cache-Control"] = "no-store"
    return response
