from __future__ import annotations

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from yilian.accounts.models import User
from yilian.accounts.roles import Role
from yilian.core.permissions import role_required

from . import selectors, services
from .forms import CodeForm, UnlockForm
from .policy import two_factor_required


def _next(request: HttpRequest) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(wanted, {request.get_host()}, request.is_secure()):
        return wanted
    return "/"


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Scan the QR code with an authenticator app, type the code it shows; then keep the
    recovery codes shown once."""
    user = request.user
    if selectors.has_second_factor(user) and not user.is_verified():
        # Replacing a device needs the present one first: a password alone must not do it.
        return redirect(
            f"{reverse('security:two_factor_verify')}?{urlencode({'next': _next(request)})}"
        )
    device = services.pending_totp_device(user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = services.confirm_totp(request, user, form.cleaned_data["code"])
        if codes is not None:
            request.session[selectors.SESSION_FLAG] = True
            return render(
                request, "security/recovery_codes.html", {"codes": codes, "next": _next(request)}
            )
        form.add_error("code", _("That code is not right. Check the phone's time and try again."))
    qr = segno.make(device.config_url, error="m")
    context = {
        "form": form,
        "qr_svg": qr.svg_inline(scale=5, title=_("QR code for your authenticator app")),
        "secret": _base32(device.bin_key),
        "required": two_factor_required(user),
        "next": _next(request),
    }
    return render(
        request, "security/two_factor_setup.html", context, status=422 if form.errors else 200
    )


def _base32(key: bytes) -> str:
    from base64 import b32encode

    text = b32encode(key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.is_verified():
        return redirect(_next(request))
    if not selectors.has_second_factor(user):
        return redirect("security:two_factor_setup")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.verify_second_factor(request, user, form.cleaned_data["code"]):
            return redirect(_next(request))
        form.add_error("code", _("That code is not right, or was used already."))
    return render(
        request,
        "security/two_factor_verify.html",
        {"form": form, "next": _next(request)},
        status=422 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def account_security(request: HttpRequest) -> HttpResponse:
    """One's own: the second factor, the sessions open, and the sign-ins."""
    user = request.user
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "recovery_codes" and user.is_verified():
            codes = services.new_recovery_codes(user)
            return render(
                request, "security/recovery_codes.html", {"codes": codes, "next": request.path}
            )
        if action == "remove_two_factor" and not two_factor_required(user) and user.is_verified():
            services.remove_two_factor(user)
            messages.success(request, _("Two-factor sign-in was turned off."))
            return redirect("accounts:login")
        if action == "end_other_sessions":
            ended = services.revoke_sessions(user, keep=[request.session.session_key])
            messages.success(request, _("%(count)d other sessions were ended.") % {"count": ended})
            return redirect("security:account")
        raise PermissionDenied
    context = {
        "has_second_factor": selectors.has_second_factor(user),
        "required": two_factor_required(user),
        "sessions": selectors.sessions_of(user).filter(ended_at__isnull=True)[:20],
        "sign_ins": selectors.sign_ins_of(user)[:20],
        "current_key": request.session.session_key,
    }
    return render(request, "security/account.html", context)


@role_required(Role.SECURITY_ADMIN)
@require_http_methods(["GET", "POST"])
def lockouts(request: HttpRequest) -> HttpResponse:
    form = UnlockForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.unlock(
            username=form.cleaned_data["username"], ip_address=form.cleaned_data["ip_address"] or ""
        )
        messages.success(request, _("The lockout was lifted."))
        return redirect("security:lockouts")
    context = {
        "accounts": selectors.locked_accounts()[:200],
        "addresses": selectors.locked_addresses()[:200],
    }
    return render(request, "security/lockouts.html", context)


@role_required(Role.SECURITY_ADMIN)
@require_POST
def reset_two_factor(request: HttpRequest) -> HttpResponse:
    """A person lost their phone: forget their devices; they enrol again at next sign-in."""
    person = User.objects.filter(phone=request.POST.get("phone", "").strip()).first()
    if person is None:
        messages.error(request, _("No account has that mobile number."))
    else:
        services.remove_two_factor(person)
        messages.success(
            request, _("Two-factor sign-in of %(name)s was reset.") % {"name": person.name}
        )
    return redirect("security:lockouts")
