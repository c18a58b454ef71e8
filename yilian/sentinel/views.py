"""Pages of sentinel monitoring: the reporter's sites and weekly form (phone first), the
managers' programme overview with trend charts, and the alerts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from yilian.core.pagination import paginate
from yilian.core.permissions import allowed_if

from . import selectors, services
from .forms import (
    AlertActionForm,
    IndicatorForm,
    ProgrammeForm,
    ReportForm,
    RuleForm,
    SiteForm,
)
from .models import AlertStatus, Site, monday_of, parse_week, week_label
from .policies import is_monitor, may_report, may_use

_members = allowed_if(
    may_use, gettext_lazy("Sentinel monitoring is for sentinel sites and managers.")
)


@require_GET
@_members
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    monitor = is_monitor(user)
    programmes = selectors.programmes_for(user).annotate(
        site_count=Count("sites", distinct=True),
        open_alerts=Count(
            "sites__alerts", filter=~Q(sites__alerts__status=AlertStatus.CLOSED), distinct=True
        ),
    )
    own_sites = []
    if user.hospital_id:
        for site in selectors.sites_for(user).filter(hospital_id=user.hospital_id, active=True):
            own_sites.append((site, selectors.week_states(site, weeks=8)))
    return render(
        request,
        "sentinel/home.html",
        {"monitor": monitor, "programmes": programmes, "own_sites": own_sites},
    )


@require_GET
@_members
def programme_detail(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """Sites with their reporting, and the trend of the programme, a province or a site."""
    programme = selectors.get_programme(request.user, public_id)
    sites = selectors.sites_for(request.user).filter(programme=programme)
    province = request.GET.get("province", "")[:6]
    scope = sites.filter(hospital__province_code=province) if province else sites
    site_id = request.GET.get("site", "")
    chosen = scope.filter(public_id=site_id).first() if site_id else None
    if chosen is not None:
        scope = scope.filter(pk=chosen.pk)
    try:
        weeks = min(max(int(request.GET.get("weeks") or 20), 4), 104)
    except ValueError:
        weeks = 20
    return render(
        request,
        "sentinel/programme.html",
        {
            "programme": programme,
            "rows": selectors.site_rows(programme, sites),
            "provinces": selectors.provinces_of(sites),
            "province": province,
            "sites": sites,
            "chosen": chosen,
            "weeks": weeks,
            "chart": selectors.trend(programme, scope, weeks=weeks),
            "rules": programme.rules.select_related("indicator"),
            "monitor": is_monitor(request.user),
        },
    )


@require_GET
@_members
def site_detail(request: HttpRequest, public_id: UUID) -> HttpResponse:
    site = selectors.get_site(request.user, public_id)
    reports = paginate(request, site.reports.select_related("submitted_by"))
    return render(
        request,
        "sentinel/site.html",
        {
            "site": site,
            "states": selectors.week_states(site, weeks=12),
            "page": reports,
            "chart": selectors.trend(site.programme, Site.objects.filter(pk=site.pk)),
            "alerts": selectors.alerts_for(request.user).filter(site=site)[:10],
            "may_report": may_report(request.user, site),
        },
    )


@require_http_methods(["GET", "POST"])
@_members
def report_form(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """Report a week (the last finished week unless ``?week=`` names another); a week
    already reported opens with its values, to correct them."""
    site = selectors.get_site(request.user, public_id)
    if not may_report(request.user, site):
        raise PermissionDenied(_("Only staff of this sentinel site may report for it."))
    programme = site.programme
    if request.method == "POST":
        form = ReportForm(programme, request.POST)
        if form.is_valid():
            week = parse_week(form.cleaned_data["week"])
            if week is None:
                form.add_error("week", _("Choose a week."))
            else:
                values = {i.code: form.cleaned_data.get(i.code) for i in form.indicators}
                try:
                    report = services.submit_report(
                        site, week=week, values=values, actor=request.user
                    )
                except ValidationError as exc:
                    for field, errors in exc.message_dict.items():
                        for error in errors:
                            form.add_error(field if field in form.fields else None, error)
                else:
                    messages.success(
                        request,
                        _("The report for week %(week)s was saved.") % {"week": report.week_label},
                    )
                    return redirect("sentinel:site", public_id=site.public_id)
        return render(
            request, "sentinel/report_form.html", {"site": site, "form": form}, status=422
        )
    week = parse_week(request.GET.get("week", "")) or (
        monday_of(timezone.localdate()) - timedelta(weeks=1)
    )
    initial: dict[str, Any] = {"week": week_label(week)}
    existing = site.reports.filter(week=week).first()
    if existing is not None:
        initial.update(
            {v.indicator.code: v.value for v in existing.values.select_related("indicator")}
        )
    form = ReportForm(programme, initial=initial)
    return render(
        request, "sentinel/report_form.html", {"site": site, "form": form, "existing": existing}
    )


@require_GET
@_members
def report_detail(request: HttpRequest, public_id: UUID) -> HttpResponse:
    report = selectors.get_report(request.user, public_id)
    return render(
        request,
        "sentinel/report.html",
        {
            "report": report,
            "values": report.values.select_related("indicator").order_by("indicator__position"),
            "may_report": may_report(request.user, report.site),
        },
    )


@require_GET
@_members
def alert_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    if status not in AlertStatus.values:
        status = ""
    programme = None
    if request.GET.get("programme"):
        programme = (
            selectors.programmes_for(request.user)
            .filter(
                public_id__in=[request.GET["programme"]]
                if _is_uuid(request.GET["programme"])
                else []
            )
            .first()
        )
    alerts = selectors.alerts_for(request.user, status=status, programme=programme)
    return render(
        request,
        "sentinel/alerts.html",
        {
            "page": paginate(request, alerts),
            "status": status,
            "statuses": AlertStatus.choices,
            "programme": programme,
            "programmes": selectors.programmes_for(request.user),
        },
    )


def _is_uuid(text: str) -> bool:
    try:
        UUID(text)
    except ValueError:
        return False
    return True


def _alert_page(request: HttpRequest, alert, form: AlertActionForm | None = None, status=200):
    return render(
        request,
        "sentinel/alert.html",
        {
            "alert": alert,
            "chart": selectors.alert_chart(alert),
            "notes": alert.notes.select_related("actor"),
            "monitor": is_monitor(request.user),
            "form": form or AlertActionForm(),
        },
        status=status,
    )


@require_GET
@_members
def alert_detail(request: HttpRequest, public_id: UUID) -> HttpResponse:
    return _alert_page(request, selectors.get_alert(request.user, public_id))


@require_POST
@_members
def alert_handle(request: HttpRequest, public_id: UUID) -> HttpResponse:
    alert = selectors.get_alert(request.user, public_id)
    if not is_monitor(request.user):
        raise PermissionDenied(_("Only platform managers handle alerts."))
    form = AlertActionForm(request.POST)
    if form.is_valid():
        handle = (
            services.close_alert
            if form.cleaned_data["action"] == "close"
            else services.acknowledge_alert
        )
        try:
            alert = handle(alert, actor=request.user, comment=form.cleaned_data["comment"])
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                form.add_error(None, exc)
            else:
                for error in exc.messages:
                    form.add_error(None, error)
        else:
            messages.success(
                request,
                _("The alert was closed.")
                if alert.status == AlertStatus.CLOSED
                else _("The alert was acknowledged."),
            )
            return redirect("sentinel:alert", public_id=alert.public_id)
    return _alert_page(request, alert, form, status=422)


# --- programme set-up (platform managers) -----------------------------------------------


_monitors = allowed_if(
    is_monitor, gettext_lazy("Only platform managers set up sentinel programmes.")
)


def _form_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
    else:
        for error in exc.messages:
            form.add_error(None, error)


@require_http_methods(["GET", "POST"])
@_monitors
def programme_new(request: HttpRequest) -> HttpResponse:
    form = ProgrammeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            programme = services.save_programme(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("The programme was created; add its indicators."))
            return redirect("sentinel:setup", public_id=programme.public_id)
    status = 422 if request.method == "POST" else 200
    return render(request, "sentinel/programme_new.html", {"form": form}, status=status)


@require_http_methods(["GET", "POST"])
@_monitors
def programme_setup(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """A programme's definition: its details, indicators, sentinel sites and alert rules,
    each with its own small form (``part`` says which one was posted)."""
    programme = selectors.get_programme(request.user, public_id)
    user = request.user
    # Each form has its own prefix: four forms on one page, no clashing names or ids.
    forms: dict[str, Any] = {
        "programme": ProgrammeForm(
            prefix="programme", initial=ProgrammeForm.for_programme(programme).initial
        ),
        "indicator": IndicatorForm(programme, prefix="indicator"),
        "site": SiteForm(programme, prefix="site"),
        "rule": RuleForm(programme, prefix="rule"),
    }
    part = request.POST.get("part", "") if request.method == "POST" else ""
    if part in ("site_active", "rule_active"):
        active = request.POST.get("active") == "1"
        if part == "site_active":
            site = selectors.get_site(user, request.POST.get("site", ""))
            if site.programme_id != programme.pk:
                raise Http404
            services.set_site_active(site, actor=user, active=active)
        else:
            given = request.POST.get("rule", "")
            rule = programme.rules.filter(public_id=given).first() if _is_uuid(given) else None
            if rule is None:
                raise Http404
            services.set_rule_active(rule, actor=user, active=active)
        messages.success(request, _("Saved."))
        return redirect("sentinel:setup", public_id=programme.public_id)
    if part in forms:
        form_class = {
            "programme": ProgrammeForm,
            "indicator": IndicatorForm,
            "site": SiteForm,
            "rule": RuleForm,
        }[part]
        form = (
            form_class(request.POST, prefix=part)
            if part == "programme"
            else form_class(programme, request.POST, prefix=part)
        )
        forms[part] = form
        if form.is_valid():
            data = form.cleaned_data
            try:
                if part == "programme":
                    services.save_programme(actor=user, programme=programme, **data)
                elif part == "indicator":
                    services.add_indicator(programme, actor=user, **data)
                elif part == "site":
                    services.add_site(programme, actor=user, **data)
                else:
                    services.save_rule(programme, actor=user, **data)
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("sentinel:setup", public_id=programme.public_id)
    return render(
        request,
        "sentinel/setup.html",
        {
            "programme": programme,
            "forms": forms,
            "indicators": programme.indicators.select_related("not_above"),
            "sites": programme.sites.select_related("hospital"),
            "rules": programme.rules.select_related("indicator"),
            "posted": part,
        },
        status=422 if part in forms else 200,
    )
