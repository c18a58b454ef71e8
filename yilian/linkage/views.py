"""The linkage module's pages: advanced-study quotas (managers, platform administrators),
special business types (platform administrators) and the admission letter PDF."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from yilian.accounts.roles import Role
from yilian.core.pagination import paginate
from yilian.core.pdf import pdf_response
from yilian.core.permissions import role_required

from . import selectors, services
from .forms import QuotaForm, SpecialTypeEditor
from .kinds import month_label

# --- quotas ----------------------------------------------------------------------------


@role_required(*services.QUOTA_ROLES)
def quotas(request: HttpRequest) -> HttpResponse:
    filters = {key: request.GET.get(key, "").strip() for key in ("department", "year", "when")}
    page = paginate(
        request,
        selectors.quotas(
            department=filters["department"],
            year=filters["year"],
            upcoming=filters["when"] != "all",
        ),
    )
    this_year = timezone.localdate().year
    context = {
        "page": page,
        "filters": filters,
        "departments": selectors.quota_departments(),
        "years": [str(y) for y in range(this_year - 1, this_year + 3)],
    }
    template = "linkage/quotas.html#results" if request.htmx else "linkage/quotas.html"
    return render(request, template, context)


def _quota_form(request: HttpRequest, form: QuotaForm) -> HttpResponse | None:
    if request.method == "POST" and form.is_valid():
        try:
            quota = form.save()
        except ValidationError:
            return None
        messages.success(
            request,
            _("%(department)s, %(month)s: %(seats)d seats.")
            % {
                "department": quota.department.name,
                "month": month_label(quota.month),
                "seats": quota.seats,
            },
        )
        return redirect("linkage:quotas")
    return None


@role_required(*services.QUOTA_ROLES)
def quota_create(request: HttpRequest) -> HttpResponse:
    form = QuotaForm(request.POST if request.method == "POST" else None, actor=request.user)
    done = _quota_form(request, form)
    if done is not None:
        return done
    return render(request, "linkage/quota_form.html", {"form": form, "quota": None})


@role_required(*services.QUOTA_ROLES)
def quota_edit(request: HttpRequest, public_id: str) -> HttpResponse:
    quota = selectors.get_quota(public_id)
    form = QuotaForm(
        request.POST if request.method == "POST" else None, actor=request.user, instance=quota
    )
    done = _quota_form(request, form)
    if done is not None:
        return done
    return render(request, "linkage/quota_form.html", {"form": form, "quota": quota})


@role_required(*services.QUOTA_ROLES)
def quota_delete(request: HttpRequest, public_id: str) -> HttpResponse:
    quota = selectors.get_quota(public_id)
    error = ""
    if request.method == "POST":
        try:
            services.delete_quota(quota, actor=request.user)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, _("The quota was deleted."))
            return redirect("linkage:quotas")
    return render(
        request,
        "linkage/quota_delete.html",
        {"quota": quota, "error": error},
        status=409 if error else 200,
    )


# --- special business types ------------------------------------------------------------


@role_required(Role.PLATFORM_ADMIN)
def special_types(request: HttpRequest) -> HttpResponse:
    filters = {key: request.GET.get(key, "").strip() for key in ("query", "active")}
    page = paginate(request, selectors.special_types(**filters))
    template = (
        "linkage/special_types.html#results" if request.htmx else "linkage/special_types.html"
    )
    return render(request, template, {"page": page, "filters": filters})


def _edit_type(request: HttpRequest, editor: SpecialTypeEditor) -> HttpResponse:
    if request.method == "POST" and editor.is_valid():
        try:
            business_type = editor.save()
        except ValidationError:
            pass
        else:
            messages.success(request, _("“%(name)s” was saved.") % {"name": business_type.name})
            return redirect("linkage:special_types")
    return render(
        request,
        "linkage/special_type_form.html",
        {"editor": editor, "business_type": editor.instance},
    )


@role_required(Role.PLATFORM_ADMIN)
def special_type_create(request: HttpRequest) -> HttpResponse:
    data = request.POST if request.method == "POST" else None
    return _edit_type(request, SpecialTypeEditor(data, actor=request.user))


@role_required(Role.PLATFORM_ADMIN)
def special_type_edit(request: HttpRequest, public_id: str) -> HttpResponse:
    business_type = selectors.get_special_type(public_id)
    data = request.POST if request.method == "POST" else None
    return _edit_type(request, SpecialTypeEditor(data, actor=request.user, instance=business_type))


@role_required(Role.PLATFORM_ADMIN)
def special_type_deactivate(request: HttpRequest, public_id: str) -> HttpResponse:
    business_type = selectors.get_special_type(public_id)
    if request.method == "POST":
        services.deactivate_special_type(business_type, actor=request.user)
        messages.success(
            request,
            _("“%(name)s” is no longer offered to applicants.") % {"name": business_type.name},
        )
        return redirect("linkage:special_types")
    return render(request, "linkage/special_type_deactivate.html", {"business_type": business_type})


# --- admission letter ------------------------------------------------------------------


@login_required
def admission_letter(request: HttpRequest, public_id: str) -> HttpResponse:
    letter = selectors.admission_letter_for(request.user, public_id)
    business = letter.request
    study = letter.study
    reference = f"JX-{study.start_date:%Y%m}-{str(business.public_id)[:8].upper()}"
    context = {
        "request_obj": business,
        "study": study,
        "issuer": study.department.hospital,
        "student": business.applicant,
        "hospital": business.applicant_hospital,
        "reference": reference,
        "issued_on": timezone.localdate(business.confirmed_at or timezone.now()),
    }
    return pdf_response(
        "linkage/pdf/admission_letter.html",
        context,
        _("Admission letter %(ref)s.pdf") % {"ref": reference},
    )
