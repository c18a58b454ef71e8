from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from yilian.core.links import LinkGone, gone_response
from yilian.core.pagination import paginate
from yilian.core.permissions import role_required
from yilian.core.ratelimit import hit, limit_posts, rate_limited
from yilian.orgs.models import Team

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
_password_reset = auth_views.PasswordResetView.as_view(
    template_name="accounts/password_reset.html",
    email_template_name="accounts/email/password_reset.txt",
    subject_template_name="accounts/email/password_reset_subject.txt",
    success_url=reverse_lazy("accounts:password_reset_done"),
)


@limit_posts("password_reset", "YILIAN_PASSWORD_RESET_RATE", fail_closed=True)
def password_reset(request: HttpRequest) -> HttpResponse:
    """Ask for a reset link: at most ``YILIAN_PASSWORD_RESET_RATE`` requests per client
    address and per address asked for. The second count is kept for any address, with an
    account or not, so neither the 429 nor the "sent" page tells whether an account exists."""
    if request.method == "POST":
        target = (request.POST.get("email") or "").strip().lower()
        if target:
            allowed, retry_after = hit(
                "password_reset_target",
                salted_hmac("yilian.accounts.password_reset", target).hexdigest(),
                settings.YILIAN_PASSWORD_RESET_RATE,
                fail_closed=True,
            )
            if not allowed:
                return rate_limited(request, retry_after)
    return _password_reset(request)


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


# --- people management -----------------------------------------------------------------

MANAGERS = (Role.HOSPITAL_ADMIN, Role.PLATFORM_ADMIN)


@role_required(*MANAGERS)
def people(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("query", "").strip()
    role = request.GET.get("role", "")
    role = role if role in Role.values else ""
    status = request.GET.get("status", "")
    status = status if status in User.Status.values else ""
    page = paginate(
        request, selectors.people_for(request.user, query=query, role=role, status=status)
    )
    context = {
        "page": page,
        "query": query,
        "role": role,
        "status": status,
        "roles": Role.choices,
        "statuses": User.Status.choices,
    }
    template = "accounts/people.html#results" if request.htmx else "accounts/people.html"
    return render(request, template, context)


def _person_page(request: HttpRequest, person: User, status: int = 200) -> HttpResponse:
    # Nobody changes the roles of their own account: there the roles are only listed.
    own = person.pk == request.user.pk
    assignable = frozenset() if own else services.assignable_roles(request.user)
    held = person.roles
    roles = [(value, label, value in held) for value, label in Role.choices if value in assignable]
    teams: list[Any] = []
    if request.user.has_role(Role.PLATFORM_ADMIN) and Role.EXPERT in held:
        member_of = set(person.teams.values_list("pk", flat=True))
        teams = [(t, t.pk in member_of) for t in Team.objects.filter(is_active=True)]
    context = {
        "person": person,
        "roles": roles,
        "other_roles": [Role(r).label for r in held if r not in assignable],
        "teams": teams,
        "own": own,
        "changes": selectors.role_changes_for(request.user, user=person)[:20],
    }
    return render(request, "accounts/person.html", context, status=status)


@role_required(*MANAGERS)
def person(request: HttpRequest, public_id: str) -> HttpResponse:
    return _person_page(request, selectors.get_person_for(request.user, public_id))


@require_POST
@role_required(*MANAGERS)
def person_role(request: HttpRequest, public_id: str) -> HttpResponse:
    """Grant (``op=grant``) or withdraw (``op=withdraw``) one role. A role the actor may not
    hand out is a 403; someone outside their scope a 404."""
    target = selectors.get_person_for(request.user, public_id)
    role = request.POST.get("role", "")
    op = request.POST.get("op", "")
    if op not in ("grant", "withdraw") or role not in Role.values:
        return _person_page(request, target, status=422)
    change = services.assign_role if op == "grant" else services.withdraw_role
    try:
        change(target, role, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _person_page(request, target, status=422)
    messages.success(request, _("Roles of %(name)s saved.") % {"name": target.name})
    return redirect("accounts:person", target.public_id)


@require_POST
@role_required(*MANAGERS)
def person_enabled(request: HttpRequest, public_id: str) -> HttpResponse:
    target = selectors.get_person_for(request.user, public_id)
    enabled = request.POST.get("enabled") == "1"
    try:
        services.set_account_enabled(target, actor=request.user, enabled=enabled)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("The account of %(name)s was enabled.") % {"name": target.name}
            if enabled
            else _("The account of %(name)s was disabled.") % {"name": target.name},
        )
    return redirect("accounts:person", target.public_id)


@require_POST
@role_required(*MANAGERS)
def person_reset(request: HttpRequest, public_id: str) -> HttpResponse:
    target = selectors.get_person_for(request.user, public_id)
    services.reset_password(target, actor=request.user)
    messages.success(
        request,
        _("A one-time link to set a new password was sent to %(name)s.") % {"name": target.name},
    )
    return redirect("accounts:person", target.public_id)


@require_POST
@role_required(Role.PLATFORM_ADMIN)
def person_team(request: HttpRequest, public_id: str) -> HttpResponse:
    target = selectors.get_person_for(request.user, public_id)
    try:
        team_id = uuid.UUID(request.POST.get("team", ""))
    except ValueError:
        messages.error(request, _("Choose an execution team from the list."))
        return _person_page(request, target, status=422)
    team = Team.objects.filter(public_id=team_id).first()
    if team is None:
        raise Http404
    try:
        services.set_team_membership(
            target, team, actor=request.user, member=request.POST.get("member") == "1"
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Execution teams of %(name)s saved.") % {"name": target.name})
    return redirect("accounts:person", target.public_id)


@role_required(Role.HOSPITAL_ADMIN, Role.PLATFORM_ADMIN, Role.AUDITOR, Role.SECURITY_ADMIN)
def role_changes(request: HttpRequest) -> HttpResponse:
    page = paginate(request, selectors.role_changes_for(request.user))
    return render(request, "accounts/role_changes.html", {"page": page})


@require_http_methods(["GET", "POST"])
def set_password(request: HttpRequest, token: str) -> HttpResponse:
    """Open to whoever holds the one-time link: the token is the authorisation."""
    try:
        account = services.password_link_user(token)
    except LinkGone as gone:
        return _link_gone(request, gone)
    form = SetPasswordForm(account, request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.set_password_with_link(token, form.cleaned_data["new_password1"])
            except LinkGone as gone:
                return _link_gone(request, gone)
            messages.success(request, _("Your password is set. Log in with your mobile number."))
            return redirect("accounts:login")
        return render(
            request, "accounts/set_password.html", {"form": form, "account": account}, status=422
        )
    return render(request, "accounts/set_password.html", {"form": form, "account": account})


def _link_gone(request: HttpRequest, gone: LinkGone) -> HttpResponse:
    return gone_response(
        request,
        gone,
        used=_("This link was used already. Log in, or ask your administrator for a new link."),
        expired=_("This link has expired. Ask your administrator for a new link."),
    )
