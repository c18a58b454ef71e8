"""Pages of the health-education library: the staff library, the editor with preview, an
item with its review actions and QR code, the review queue, the public share page (no
login), a patient's own items, and the health-education block of a follow-up plan."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from yilian.audit.models import AuditAction
from yilian.audit.services import record
from yilian.core.pagination import paginate
from yilian.core.permissions import allowed_if
from yilian.followups import selectors as followups
from yilian.workflow.forms import attach_errors

from . import selectors, services
from .forms import AttachForm, ItemForm, ReturnForm
from .models import Category, Item, Status, Tag
from .policies import is_member, may_author, may_edit, may_review, may_unpublish
from .qr import share_qr_document, share_qr_svg
from .sanitize import render_html

# A browser that viewed an item is not counted again for this long (a signed cookie).
VIEW_WINDOW_SECONDS = 30 * 60
_VIEW_SALT = "healthedu.viewed"
# A second wall around the sanitiser on the public page: only our own scripts run; article
# pictures may come from other HTTPS sites.
SHARE_PAGE_CSP = (
    "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'; img-src 'self' https: data:; "
    "media-src 'self'; style-src 'self' 'unsafe-inline'"
)


_members = allowed_if(is_member, gettext_lazy("The library is for members of the alliance."))


def share_url(request: HttpRequest, item: Item) -> str:
    return request.build_absolute_uri(reverse("healthedu:share", args=[item.slug]))


@require_GET
@_members
def library(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    tag = request.GET.get("tag", "").strip()[:30]
    status = request.GET.get("status", "")
    try:
        category = int(request.GET.get("category") or 0) or None
    except ValueError:
        category = None
    items = selectors.library(request.user, query=query, category=category, tag=tag, status=status)
    return render(
        request,
        "healthedu/library.html",
        {
            "page": paginate(request, items),
            "query": query,
            "category": category,
            "tag": tag,
            "status": status if status in Status.values else "",
            "categories": Category.objects.all(),
            "tags": Tag.objects.filter(items__status=Status.PUBLISHED).distinct()[:30],
            "statuses": Status.choices,
            "may_author": may_author(request.user),
            "to_review": selectors.review_queue(request.user).count(),
        },
    )


@require_GET
@_members
def review(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "healthedu/review.html",
        {"page": paginate(request, selectors.review_queue(request.user))},
    )


def _form_page(
    request: HttpRequest,
    form: ItemForm,
    item: Item | None,
    *,
    preview: str | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "healthedu/item_form.html",
        {"form": form, "item": item, "preview": preview},
        status=status,
    )


@require_http_methods(["GET", "POST"])
@_members
def item_form(request: HttpRequest, public_id: UUID | None = None) -> HttpResponse:
    """New item or edit; ``action=preview`` shows the sanitised text without saving."""
    item = selectors.get_item_for_user(request.user, public_id) if public_id else None
    if not may_edit(request.user, item):
        raise PermissionDenied(
            _("This item is awaiting review and cannot be edited now.")
            if item is not None and item.status == Status.SUBMITTED
            else _("You may not edit this item.")
        )
    if request.method != "POST":
        return _form_page(request, ItemForm.for_item(item) if item else ItemForm(), item)
    form = ItemForm(request.POST, request.FILES)
    if request.POST.get("action") == "preview":
        # Shown exactly as the share page will show it: cleaned, then marked safe.
        return _form_page(request, form, item, preview=render_html(request.POST.get("body", "")))
    if form.is_valid():
        data = form.cleaned_data
        try:
            saved = services.save_item(
                actor=request.user,
                item=item,
                kind=data["kind"],
                title=data["title"],
                summary=data["summary"],
                body=data["body"],
                category=data["category"],
                tags=data["tags"],
                audience=data["audience"],
                video=data["video"],
                cover=data["cover"],
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            if item is not None and item.status == Status.PUBLISHED:
                messages.info(
                    request,
                    _(
                        "Saved. The changes go to a reviewer; the item is off its share page "
                        "until it is published again."
                    ),
                )
            else:
                messages.success(request, _("The item was saved."))
            return redirect("healthedu:item", public_id=saved.public_id)
    return _form_page(request, form, item, status=422)


def _detail_page(
    request: HttpRequest, item: Item, *, return_form: ReturnForm | None = None, status: int = 200
) -> HttpResponse:
    url = share_url(request, item)
    return render(
        request,
        "healthedu/item.html",
        {
            "item": item,
            "body": render_html(item.body),
            "tags": list(item.tags.all()),
            "events": selectors.timeline(item),
            "share_url": url,
            "qr_svg": share_qr_svg(url) if item.is_published else "",
            "may_edit": may_edit(request.user, item),
            "may_submit": may_edit(request.user, item)
            and item.status in (Status.DRAFT, Status.RETURNED, Status.UNPUBLISHED),
            "may_review": may_review(request.user, item),
            "may_unpublish": item.is_published and may_unpublish(request.user, item),
            "return_form": return_form or ReturnForm(),
        },
        status=status,
    )


@require_GET
@_members
def item_detail(request: HttpRequest, public_id: UUID) -> HttpResponse:
    return _detail_page(request, selectors.get_item_for_user(request.user, public_id))


@require_POST
@_members
def item_action(request: HttpRequest, public_id: UUID) -> HttpResponse:
    item = selectors.get_item_for_user(request.user, public_id)
    action = request.POST.get("action")
    try:
        if action == "submit":
            item = services.submit(item, actor=request.user)
            messages.success(request, _("The item was sent for review."))
        elif action == "publish":
            item = services.publish(item, actor=request.user)
            messages.success(request, _("The item is published."))
        elif action == "return":
            form = ReturnForm(request.POST)
            if not form.is_valid():
                return _detail_page(request, item, return_form=form, status=422)
            item = services.return_item(
                item, actor=request.user, comment=form.cleaned_data["comment"]
            )
            messages.success(request, _("The item was returned to its author."))
        elif action == "unpublish":
            item = services.unpublish(item, actor=request.user)
            messages.success(request, _("The item is no longer published."))
        else:
            raise Http404
    except ValidationError as exc:
        for error in exc.messages:
            messages.error(request, error)
    return redirect("healthedu:item", public_id=item.public_id)


@require_GET
@_members
def qr_svg(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """The share link's QR code as an SVG file to print (published items only)."""
    item = selectors.get_item_for_user(request.user, public_id)
    if not item.is_published:
        raise Http404
    response = HttpResponse(share_qr_document(share_url(request, item)), "image/svg+xml")
    response["Content-Disposition"] = f'attachment; filename="qr-{item.slug}.svg"'
    return response


@require_GET
def share(request: HttpRequest, slug: str) -> HttpResponse:
    """The public page of a published item: no login; 404 for anything else. A browser is
    counted once per ``VIEW_WINDOW_SECONDS`` (a signed cookie per item)."""
    item = selectors.get_published(slug)
    cookie = f"hev_{item.slug}"
    seen = request.get_signed_cookie(
        cookie, default=None, salt=_VIEW_SALT, max_age=VIEW_WINDOW_SECONDS
    )
    if seen is None:
        services.count_view(item)
    response = render(
        request,
        "healthedu/share.html",
        {"item": item, "body": render_html(item.body), "tags": list(item.tags.all())},
    )
    response["Content-Security-Policy"] = SHARE_PAGE_CSP
    if seen is None:
        response.set_signed_cookie(
            cookie,
            "1",
            salt=_VIEW_SALT,
            max_age=VIEW_WINDOW_SECONDS,
            path=request.path,
            secure=request.is_secure(),
            httponly=True,
            samesite="Lax",
        )
    return response


@require_GET
@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """A patient's health education: what their doctors attached to their follow-up plans."""
    rows = selectors.items_for_patient(request.user)
    page = paginate(request, rows)
    record(request, action=AuditAction.LIST)  # the rows come from the patient's plans
    return render(request, "healthedu/mine.html", {"page": page})


@require_POST
@login_required
def plan_items(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """Attach an item to a follow-up plan, or detach one (``detach=<item public id>``)."""
    plan = followups.get_plan_for_user(request.user, public_id)
    back = reverse("followups:plan", args=[plan.public_id]) + "#education"
    if request.POST.get("detach"):
        try:
            item = Item.objects.get(public_id=request.POST["detach"], plan_links__plan=plan)
        except (Item.DoesNotExist, ValidationError):
            raise Http404 from None
        services.detach_from_plan(plan, item, actor=request.user)
        record(request, action=AuditAction.UPDATE, target=plan, patient=plan.patient)
        messages.success(request, _("The item was removed from the plan."))
        return redirect(back)
    form = AttachForm(request.POST, items=selectors.published_items())
    if form.is_valid():
        try:
            services.attach_to_plan(plan, form.cleaned_data["item"], actor=request.user)
        except ValidationError as exc:
            for error in exc.messages:
                messages.error(request, error)
        else:
            record(request, action=AuditAction.UPDATE, target=plan, patient=plan.patient)
            messages.success(request, _("The patient receives the item with this plan."))
    else:
        messages.error(request, _("Choose a published item."))
    return redirect(back)
