from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from yilian.core.pagination import paginate
from yilian.core.permissions import role_required

from . import selectors, services
from .forms import PhoneAuthenticationForm, ProfileForm, RegistrationForm, RejectionForm
from .models import User
from .roles import Role

REVIEWERS = (Role.HOSPITAL_ADMIN, Role.PLATFORM_ADMIN)


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = PhoneAuthenticationForm
    redirect_authenticated_user = True


def register(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("web:home")
    refresh = "refresh" in request.POST  # the no-JS way to update the hospital list
    if request.method == "POST" and not refresh:
        form = RegistrationForm(request.POST)
    else:
        form = RegistrationForm(initial=request.POST.dict() if refresh else None)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        user = services.register_staff(
            phone=data["phone"],
            name=data["name"],
            password=data["password1"],
            hospital=data["hospital"],
            department=data["department"],
            title=data["title"],
            licence_number=data["licence_number"],
            email=data["email"],
        )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("accounts:status")
    return render(request, "accounts/register.html", {"form": form})


@require_GET
def registration_choices(request: HttpRequest) -> HttpResponse:
    """htmx: the hospital and department options for the province/hospital chosen so far."""
    form = RegistrationForm(initial=request.GET.dict())
    return render(request, "accounts/register.html#choices", {"form": form})


@login_required
def account_status(request: HttpRequest) -> HttpResponse:
    """Where an account that is not active waits (pending) or learns why (rejected)."""
    if request.user.can_use_business:
        return redirect("web:home")
    return render(request, "accounts/status.html")


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        services.update_profile(
            request.user, **{name: form.cleaned_data[name] for name in form.changed_data}
        )
        messages.success(request, _("Your profile was saved."))
        return redirect("accounts:profile")
    return render(request, "accounts/profile.html", {"form": form})


@role_required(*REVIEWERS)
def registrations(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", User.Status.PENDING)
    if status not in User.Status.values:
        status = User.Status.PENDING
    query = request.GET.get("query", "").strip()
    page = paginate(
        request, selectors.registrations_for_reviewer(request.user, status=status, query=query)
    )
    context = {
        "page": page,
        "status": status,
        "query": query,
        "statuses": User.Status.choices,
    }
    template = (
        "accounts/registrations.html#results" if request.htmx else "accounts/registrations.html"
    )
    return render(request, template, context)


@role_required(*REVIEWERS)
def registration_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    registration = selectors.get_registration_for_reviewer(request.user, public_id)
    return render(
        request,
        "accounts/registration_detail.html",
        {"registration": registration, "rejection_form": RejectionForm()},
    )


@require_POST
@role_required(*REVIEWERS)
def approve_registration(request: HttpRequest, public_id: str) -> HttpResponse:
    registration = selectors.get_registration_for_reviewer(request.user, public_id)
    try:
        services.approve_registration(registration, actor=request.user)
    except services.RegistrationError as error:
        messages.warning(request, str(error))
    else:
        messages.success(request, _("%(name)s can now use Yilian.") % {"name": registration.name})
    return redirect("accounts:registrations")


@require_POST
@role_required(*REVIEWERS)
def reject_registration(request: HttpRequest, public_id: str) -> HttpResponse:
    registration = selectors.get_registration_for_reviewer(request.user, public_id)
    form = RejectionForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "accounts/registration_detail.html",
            {"registration": registration, "rejection_form": form},
            status=400,
        )
    try:
        services.reject_registration(
            registration, actor=request.user, reason=form.cleaned_data["reason"]
        )
    except services.RegistrationError as error:
        messages.warning(request, str(error))
    else:
        messages.success(
            request, _("The registration of %(name)s was rejected.") % {"name": registration.name}
        )
    return redirect("accounts:registrations")


password_change = auth_views.PasswordChangeView.as_view(
    template_name="accounts/password_change.html",
    success_url=reverse_lazy("accounts:password_change_done"),
)
password_change_done = auth_views.PasswordChangeDoneView.as_view(
    template_name="accounts/password_change_done.html"
)
password_reset = auth_views.PasswordResetView.as_view(
    template_name="accounts/password_reset.html",
    email_template_name="accounts/email/password_reset.txt",
    subject_template_name="accounts/email/password_reset_subject.txt",
    success_url=reverse_lazy("accounts:password_reset_done"),
)
password_reset_done = auth_views.PasswordResetDoneView.as_view(
    template_name="accounts/password_reset_done.html"
)
password_reset_confirm = auth_views.PasswordResetConfirmView.as_view(
    template_name="accounts/password_reset_confirm.html",
    success_url=reverse_lazy("accounts:password_reset_complete"),
)
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="accounts/password_reset_complete.html"
)
