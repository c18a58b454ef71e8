"""Pages of remote consultations: an assigned expert's part of an MDT opinion (the request
page itself is the engine's). Thin: parse, call one selector or service, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from yilian.workflow.forms import attach_errors
from yilian.workflow.selectors import get_request_for_user

from . import selectors, services
from .forms import PartForm


@login_required
@require_http_methods(["GET", "POST"])
def part(request: HttpRequest, public_id: str) -> HttpResponse:
    business_request = get_request_for_user(request.user, public_id)
    consultation = selectors.consultation_of(business_request)
    if consultation is None or not consultation.is_mdt:
        raise Http404
    detail_url = reverse("workflow:detail", args=[business_request.public_id])
    mine = next(
        (p.opinion for p in selectors.parts_of(business_request) if p.expert.pk == request.user.pk),
        None,
    )
    if request.method == "GET" and not selectors.may_write_part(request.user, business_request):
        return redirect(detail_url)
    form = PartForm(
        request.POST if request.method == "POST" else None,
        initial={"body": mine.body if mine else ""},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.write_part(
                business_request,
                actor=request.user,
                body=form.cleaned_data["body"],
                http_request=request,
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, gettext("Your part of the opinion is saved and signed."))
            return redirect(f"{detail_url}#mdt-parts")
    status = 422 if request.method == "POST" else 200
    context = {"req": business_request, "form": form, "mine": mine}
    return render(request, "medical/part_form.html", context, status=status)
