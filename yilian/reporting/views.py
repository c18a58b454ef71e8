"""Pages of data reporting. Thin: parse, authorise through a selector, call one service,
render. Hospital staff fill in on the phone (``mine``, ``fill``, Excel up- and download);
the management team reviews on the PC (``queue``, ``report``) and reads the rates;
platform admins design datasets."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from yilian.audit.models import AuditAction, Outcome
from yilian.audit.services import record
from yilian.core.export import FORMATS, table_response
from yilian.core.pagination import paginate
from yilian.workflow.forms import attach_errors

from . import selectors, services
from .forms import (
    DatasetForm,
    IndicatorFormSet,
    PeriodsForm,
    ReportForm,
    ReturnForm,
    RuleFormSet,
    UploadForm,
    VersionForm,
    dataset_initial,
    indicator_initial,
    kept_rows,
    rule_initial,
)
from .models import Dataset, Status

INDICATOR_KEYS = ("code", "label", "expression", "choices")
RULE_KEYS = ("condition", "message")
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- design (platform admins) ---------------------------------------------------------------


@login_required
def datasets(request: HttpRequest) -> HttpResponse:
    if not selectors.may_design(request.user):
        raise Http404
    rows = selectors.datasets_to_design(request.user)
    return render(request, "reporting/datasets.html", {"datasets": rows})


@login_required
@require_http_methods(["GET", "POST"])
def dataset_edit(request: HttpRequest, public_id: str | None = None) -> HttpResponse:
    if not selectors.may_design(request.user) or request.user.hospital is None:
        raise Http404
    alliance = request.user.hospital.alliance
    instance = (
        selectors.get_dataset_to_design(request.user, public_id) if public_id is not None else None
    )
    status = 200
    if request.method == "POST":
        form = DatasetForm(request.POST, alliance=alliance)
        indicator_set = IndicatorFormSet(request.POST, prefix="ind")
        rule_set = RuleFormSet(request.POST, prefix="rule")
        if form.is_valid() and indicator_set.is_valid() and rule_set.is_valid():
            kept_indicators = kept_rows(indicator_set, INDICATOR_KEYS)
            kept_rules = kept_rows(rule_set, RULE_KEYS)
            try:
                saved = services.save_dataset(
                    actor=request.user,
                    data=form.data_for_service(),
                    indicators=[f.cleaned_data for f in kept_indicators],
                    rules=[f.cleaned_data for f in kept_rules],
                    instance=instance,
                )
            except services.DatasetInvalid as exc:
                attach_errors(form, exc)
                for rows, errors in (
                    (kept_indicators, exc.indicator_errors),
                    (kept_rules, exc.rule_errors),
                ):
                    for sub, row_errors in zip(rows, errors, strict=False):
                        for key, message in row_errors.items():
                            sub.add_error(key if key in sub.fields else None, message)
            else:
                record(
                    request,
                    action=AuditAction.UPDATE if instance else AuditAction.CREATE,
                    target=saved,
                )
                messages.success(request, gettext("Dataset “%(name)s” saved.") % {"name": saved})
                return redirect("reporting:dataset_edit", saved.public_id)
        status = 422
    else:
        form = DatasetForm(
            initial=dataset_initial(instance) if instance else None, alliance=alliance
        )
        indicator_set = IndicatorFormSet(
            initial=indicator_initial(instance) if instance else None, prefix="ind"
        )
        rule_set = RuleFormSet(initial=rule_initial(instance) if instance else None, prefix="rule")
    context: dict[str, Any] = {
        "form": form,
        "indicator_set": indicator_set,
        "rule_set": rule_set,
        "dataset": instance,
        "periods_form": PeriodsForm(initial={"year": timezone.localdate().year}),
    }
    if instance is not None:
        context["periods"] = instance.periods.order_by("start")
        context["assigned"] = selectors.assigned_hospitals(instance).count()
    return render(request, "reporting/dataset_form.html", context, status=status)


@login_required
@require_POST
def dataset_periods(request: HttpRequest, public_id: str) -> HttpResponse:
    dataset = selectors.get_dataset_to_design(request.user, public_id)
    form = PeriodsForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("Give a year between 2000 and 2100."))
        return redirect("reporting:dataset_edit", dataset.public_id)
    added = services.generate_periods(dataset, form.cleaned_data["year"], actor=request.user)
    record(request, action=AuditAction.UPDATE, target=dataset)
    messages.success(request, gettext("%(count)d periods added.") % {"count": added})
    return redirect("reporting:dataset_edit", dataset.public_id)


# --- hospital staff -----------------------------------------------------------------------

MINE_TABS = {"todo": _("To report"), "done": _("Reported")}


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    if not selectors.may_fill(request.user):
        raise Http404
    which = request.GET.get("list", "todo")
    if which not in MINE_TABS:
        which = "todo"
    rows = selectors.my_reports(request.user, which=which)
    assert request.user.hospital is not None
    return render(
        request,
        "reporting/mine.html",
        {
            "rows": rows,
            "which": which,
            "tabs": list(MINE_TABS.items()),
            "datasets": selectors.datasets_of(request.user.hospital),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def fill(request: HttpRequest, public_id: str) -> HttpResponse:
    """The report of a period for the user's hospital: save a draft or submit."""
    period = selectors.get_period_to_fill(request.user, public_id)
    submission = period.submissions.filter(hospital_id=request.user.hospital_id).first()
    indicators = list(period.dataset.indicators.all())
    editable = submission is None or submission.is_editable
    status = 200
    if request.method == "POST" and editable:
        form = ReportForm(request.POST, indicators=indicators)
        submit = request.POST.get("do") == "submit"
        if form.is_valid():
            try:
                submission = services.save_report(
                    actor=request.user,
                    period=period,
                    raw=form.raw_values(),
                    expected_version=form.cleaned_data["expected_version"],
                    submit=submit,
                )
            except services.ReportInvalid as exc:
                form.show_errors(exc.field_errors)
            except ValidationError as exc:
                attach_errors(form, exc)
            else:
                record(request, action=AuditAction.UPDATE, target=submission)
                messages.success(
                    request,
                    gettext("Report submitted.") if submit else gettext("Draft saved."),
                )
                return redirect("reporting:fill", period.public_id)
        if submission is not None:
            record(request, action=AuditAction.UPDATE, target=submission, outcome=Outcome.FAILED)
        status = 422
        # Computed values are shown as the user's entries make them.
        values, _errors = services.check_values(indicators, [], form.raw_values(), full=False)
        computed = {i.code: values.get(i.code) for i in indicators if i.is_computed}
    else:
        stored = services.stored_values(submission)
        form = ReportForm(
            indicators=indicators,
            stored=stored,
            editable=editable,
            initial={"expected_version": submission.version if submission else 0},
        )
        computed = {i.code: stored.get(i.code) for i in indicators if i.is_computed}
    # The manager's comments stay in view while the hospital corrects the report.
    comments = submission.comments if submission and submission.status == Status.RETURNED else {}
    return render(
        request,
        "reporting/fill.html",
        {
            "period": period,
            "dataset": period.dataset,
            "submission": submission,
            "form": form,
            "editable": editable,
            "rows": [
                (i, form[i.code], comments.get(i.code, ""), computed.get(i.code))
                for i in indicators
            ],
            "general_comment": comments.get("", ""),
            "rules": list(period.dataset.rules.all()),
        },
        status=status,
    )


@login_required
def template(request: HttpRequest, public_id: str) -> HttpResponse:
    dataset = selectors.get_dataset_to_fill(request.user, public_id)
    assert request.user.hospital is not None
    content = services.template_workbook(dataset, request.user.hospital)
    record(request, action=AuditAction.DOWNLOAD, target=dataset)
    response = HttpResponse(content, content_type=_XLSX)
    stamp = timezone.localtime().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="{dataset.code}-{stamp}.xlsx"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest, public_id: str) -> HttpResponse:
    dataset = selectors.get_dataset_to_fill(request.user, public_id)
    problems: list[Any] = []
    status = 200
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                result = services.import_workbook(
                    actor=request.user,
                    dataset=dataset,
                    upload=form.cleaned_data["file"],
                    submit=form.cleaned_data["submit"],
                )
            except services.WorkbookInvalid as exc:
                problems = exc.problems
                if not problems:
                    form.add_error("file", exc.messages)
                record(request, action=AuditAction.UPLOAD, target=dataset, outcome=Outcome.FAILED)
            else:
                record(request, action=AuditAction.UPLOAD, target=dataset)
                for saved in result.saved:
                    record(request, action=AuditAction.UPDATE, target=saved)
                text = (
                    gettext("%(count)d reports submitted.")
                    if result.submitted
                    else gettext("%(count)d reports saved as drafts.")
                )
                messages.success(request, text % {"count": len(result.saved)})
                return redirect("reporting:mine")
        status = 422
    else:
        form = UploadForm()
    return render(
        request,
        "reporting/upload.html",
        {"dataset": dataset, "form": form, "problems": problems},
        status=status,
    )


# --- review (the management team) ---------------------------------------------------------


def _dataset_from(choices: Any, public_id: str | None) -> Dataset | None:
    """The dataset of the filter (None for none, or for a malformed id)."""
    if not public_id:
        return None
    try:
        return choices.filter(public_id=public_id).first()
    except ValidationError:
        return None


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    if not selectors.may_review(request.user):
        raise Http404
    datasets_all = selectors.datasets_for_rates(request.user)
    chosen = _dataset_from(datasets_all, request.GET.get("dataset"))
    status = request.GET.get("status", "")
    search = request.GET.get("q", "").strip()[:60]
    page = paginate(
        request, selectors.review_queue(request.user, status=status, dataset=chosen, search=search)
    )
    return render(
        request,
        "reporting/queue.html",
        {
            "page": page,
            "datasets": datasets_all,
            "chosen": chosen,
            "status": status,
            "q": search,
            "statuses": [(s, label) for s, label in Status.choices if s != Status.DRAFT],
        },
    )


@login_required
def report(request: HttpRequest, public_id: str) -> HttpResponse:
    """The review page for the management team; the hospital goes to its report form."""
    submission = selectors.get_submission_for_user(request.user, public_id)
    if not selectors.may_review(request.user):
        if selectors.may_fill(request.user):
            return redirect("reporting:fill", submission.period.public_id)
        raise Http404
    return _review_page(request, submission)


def _review_page(
    request: HttpRequest,
    submission: Any,
    return_form: ReturnForm | None = None,
    status: int = 200,
) -> HttpResponse:
    indicators = list(submission.dataset.indicators.all())
    stored = services.stored_values(submission)
    record(request, action=AuditAction.VIEW, target=submission)
    return render(
        request,
        "reporting/review.html",
        {
            "submission": submission,
            "rows": [(i, stored.get(i.code)) for i in indicators],
            "return_form": return_form
            or ReturnForm(indicators=indicators, initial={"expected_version": submission.version}),
            "accept_form": VersionForm(initial={"expected_version": submission.version}),
            "events": selectors.timeline(submission),
            "can_review": submission.status in (Status.SUBMITTED, Status.RESUBMITTED),
        },
        status=status,
    )


@login_required
@require_POST
def return_report(request: HttpRequest, public_id: str) -> HttpResponse:
    submission = selectors.get_submission_for_user(request.user, public_id)
    if not selectors.may_review(request.user):
        raise Http404
    form = ReturnForm(request.POST, indicators=list(submission.dataset.indicators.all()))
    if form.is_valid():
        try:
            returned = services.return_report(
                submission,
                actor=request.user,
                comments=form.comments(),
                expected_version=form.cleaned_data["expected_version"],
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            record(request, action=AuditAction.UPDATE, target=returned)
            messages.success(request, gettext("Report returned for correction."))
            return redirect("reporting:queue")
    return _review_page(request, submission, form, status=422)


@login_required
@require_POST
def accept(request: HttpRequest, public_id: str) -> HttpResponse:
    submission = selectors.get_submission_for_user(request.user, public_id)
    if not selectors.may_review(request.user):
        raise Http404
    form = VersionForm(request.POST)
    if not form.is_valid():
        return redirect("reporting:report", submission.public_id)
    try:
        accepted = services.accept_report(
            submission, actor=request.user, expected_version=form.cleaned_data["expected_version"]
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("reporting:report", submission.public_id)
    record(request, action=AuditAction.UPDATE, target=accepted)
    messages.success(request, gettext("Report accepted."))
    return redirect("reporting:queue")


# --- rates --------------------------------------------------------------------------------

BY = {"hospital": _("Hospital"), "tier": _("Tier"), "province": _("Province")}


def _pct(value: Any) -> str:
    return "" if value is None else f"{value}%"


def _chart(result: selectors.Rates) -> dict[str, Any]:
    """The chart's data: the rates per province (floats for the browser)."""
    rows = result.by_province

    def floats(values: list[Any]) -> list[float | None]:
        return [None if v is None else float(v) for v in values]

    return {
        "labels": [r.label for r in rows],
        "reporting": floats([r.reporting_rate for r in rows]),
        "on_time": floats([r.on_time_rate for r in rows]),
        "names": {"reporting": gettext("Reporting rate"), "on_time": gettext("On-time rate")},
    }


@login_required
def rates(request: HttpRequest) -> HttpResponse:
    if not selectors.may_view_rates(request.user):
        raise Http404
    choices = selectors.datasets_for_rates(request.user)
    dataset = _dataset_from(choices, request.GET.get("dataset")) or choices.first()
    period = None
    result = None
    if dataset is not None:
        if request.GET.get("period"):
            try:
                period = dataset.periods.filter(public_id=request.GET["period"]).first()
            except ValidationError:
                period = None
        result = selectors.reporting_rates(dataset, period)
    fmt = request.GET.get("format")
    by = request.GET.get("by", "hospital")
    if fmt in FORMATS and result is not None and dataset is not None:
        if by not in BY:
            by = "hospital"
        rows = {
            "hospital": result.by_hospital,
            "tier": result.by_tier,
            "province": result.by_province,
        }[by]
        record(request, action=AuditAction.EXPORT, target=dataset)
        header = [
            str(BY[by]),
            *([gettext("Tier"), gettext("Province")] if by == "hospital" else []),
            gettext("Expected"),
            gettext("Reported"),
            gettext("On time"),
            gettext("Reporting rate"),
            gettext("On-time rate"),
        ]
        return table_response(
            fmt,
            f"reporting-{dataset.code}-{by}",
            header,
            (
                [
                    r.label,
                    *(
                        [r.extra.get("tier", ""), r.extra.get("province", "")]
                        if by == "hospital"
                        else []
                    ),
                    r.expected,
                    r.reported,
                    r.on_time,
                    _pct(r.reporting_rate),
                    _pct(r.on_time_rate),
                ]
                for r in rows
            ),
        )
    return render(
        request,
        "reporting/rates.html",
        {
            "datasets": choices,
            "dataset": dataset,
            "period": period,
            "periods": dataset.periods.order_by("-start") if dataset else [],
            "rates": result,
            "chart": _chart(result) if result else None,
            "tables": [
                ("hospital", BY["hospital"], result.by_hospital),
                ("tier", BY["tier"], result.by_tier),
                ("province", BY["province"], result.by_province),
            ]
            if result
            else [],
        },
    )
