"""Writes of the health-education library: saving items (text sanitised on the way in),
the review flow, view counts and attaching items to follow-up plans.

The review flow::

    draft ─submit→ submitted ─publish→ published ─unpublish→ unpublished
    returned ─submit↗        └─return (comment)→ returned
    unpublished ─submit↗

Editing a published item puts it back under review (``submitted``) and off the public page
until a reviewer publishes it again: what the public reads is always what a reviewer read.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from yilian.accounts.models import User
from yilian.accounts.roles import Role
from yilian.files import services as files
from yilian.files.validators import IMAGES, MP4
from yilian.followups.models import FollowUpPlan
from yilian.followups.services import may_manage as may_manage_plan
from yilian.notify.services import notify

from .models import Audience, Category, Item, ItemEvent, Kind, PlanItem, Status, Tag
from .policies import may_edit, may_review, may_unpublish
from .sanitize import clean_html

MAX_TAGS = 8
TAG_LENGTH = Tag._meta.get_field("name").max_length or 30


def parse_tags(text: str) -> list[str]:
    """Tags from what the author typed: separated by commas (also Chinese ones) or spaces,
    de-duplicated, in order."""
    seen: dict[str, None] = {}
    for raw in text.replace("，", ",").replace("、", ",").replace(" ", ",").split(","):
        name = raw.strip().lstrip("#")
        if name:
            seen.setdefault(name, None)
    names = list(seen)
    errors = []
    if len(names) > MAX_TAGS:
        errors.append(_("At most %(n)d tags.") % {"n": MAX_TAGS})
    if any(len(n) > TAG_LENGTH for n in names):
        errors.append(_("A tag has at most %(n)d characters.") % {"n": TAG_LENGTH})
    if errors:
        raise ValidationError({"tags": errors})
    return names


def _event(item: Item, actor: User, action: str, from_status: str, comment: str = "") -> None:
    ItemEvent.objects.create(
        item=item,
        actor=actor,
        action=action,
        from_status=from_status,
        to_status=item.status,
        comment=comment,
    )


def save_item(
    *,
    actor: User,
    kind: str,
    title: str,
    summary: str = "",
    body: str = "",
    category: Category | None = None,
    tags: Iterable[str] = (),
    audience: str = Audience.PUBLIC,
    video: UploadedFile | None = None,
    cover: UploadedFile | None = None,
    item: Item | None = None,
) -> Item:
    """Create (as a draft of the author's hospital) or edit an item. The text is sanitised
    here, before it is stored. A video needs its MP4 (uploaded now or before); an article
    needs text. Editing a published item sends it back for review."""
    if not may_edit(actor, item):
        raise PermissionDenied(_("You may not edit this item."))
    body = clean_html(body)
    errors: dict[str, list[str]] = {}
    if kind not in Kind.values:
        errors["kind"] = [_("Choose article or video.")]
    if kind == Kind.ARTICLE and not body.strip():
        errors["body"] = [_("Write the article's text.")]
    if kind == Kind.VIDEO and video is None and (item is None or item.video_id is None):
        errors["video"] = [_("Upload the video (MP4).")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        if item is None:
            item = Item(author=actor, hospital=actor.hospital)
            action, before = ItemEvent.Action.CREATED, ""
        else:
            item = Item.objects.select_for_update().get(pk=item.pk)
            if not may_edit(actor, item):  # it was submitted meanwhile
                raise PermissionDenied(_("You may not edit this item."))
            action, before = ItemEvent.Action.EDITED, item.status
        item.kind, item.title, item.summary = kind, title, summary
        item.body, item.category, item.audience = body, category, audience
        if item.status == Status.PUBLISHED:
            item.status = Status.SUBMITTED
            item.submitted_at = timezone.now()
        item.save()
        replaced = [
            old
            for old, new in ((item.video, video), (item.cover, cover))
            if old is not None and new is not None
        ]
        if video is not None:
            item.video = files.store_upload(
                video,
                owner=actor,
                target=item,
                purpose="video",
                allowed_types={MP4},
                check_access=False,  # authorised above (the item may be under review now)
            )
        if cover is not None:
            item.cover = files.store_upload(
                cover,
                owner=actor,
                target=item,
                purpose="cover",
                allowed_types=IMAGES,
                check_access=False,
            )
        if video is not None or cover is not None:
            item.save(update_fields=["video", "cover", "updated_at"])
        for asset in replaced:  # a replaced video or cover is not kept (nor served)
            key = asset.storage_key
            asset.delete()
            transaction.on_commit(partial(default_storage.delete, key))
        item.tags.set([Tag.objects.get_or_create(name=name)[0] for name in tags])
        _event(item, actor, action, before)
        if before == Status.PUBLISHED:
            transaction.on_commit(partial(_tell_reviewers, item.pk), robust=True)
    return item


def _locked(item: Item) -> Item:
    return Item.objects.select_for_update().get(pk=item.pk)


def submit(item: Item, *, actor: User) -> Item:
    """Send a draft (or a returned or unpublished item) for review. Repeating it is a no-op."""
    with transaction.atomic():
        item = _locked(item)
        if item.status == Status.SUBMITTED:
            return item
        if not may_edit(actor, item) or item.status == Status.PUBLISHED:
            raise PermissionDenied(_("This item cannot be submitted now."))
        before = item.status
        item.status, item.submitted_at = Status.SUBMITTED, timezone.now()
        item.save(update_fields=["status", "submitted_at", "updated_at"])
        _event(item, actor, ItemEvent.Action.SUBMITTED, before)
        transaction.on_commit(partial(_tell_reviewers, item.pk), robust=True)
    return item


def publish(item: Item, *, actor: User) -> Item:
    """A reviewer approves a submitted item: it is on its share page from now on."""
    with transaction.atomic():
        item = _locked(item)
        if item.status == Status.PUBLISHED:
            return item
        if not may_review(actor, item):
            raise PermissionDenied(_("You may not review this item."))
        if item.status != Status.SUBMITTED:
            raise ValidationError(_("Only an item awaiting review can be published."))
        before = item.status
        item.status, item.published_at, item.review_comment = Status.PUBLISHED, timezone.now(), ""
        item.save(update_fields=["status", "published_at", "review_comment", "updated_at"])
        _event(item, actor, ItemEvent.Action.PUBLISHED, before)
        transaction.on_commit(partial(_tell_author, item.pk, actor.pk), robust=True)
    return item


def return_item(item: Item, *, actor: User, comment: str) -> Item:
    """A reviewer sends a submitted item back to its author, saying what to change."""
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": [_("Say what the author should change.")]})
    with transaction.atomic():
        item = _locked(item)
        if not may_review(actor, item):
            raise PermissionDenied(_("You may not review this item."))
        if item.status != Status.SUBMITTED:
            raise ValidationError(_("Only an item awaiting review can be returned."))
        before = item.status
        item.status, item.review_comment = Status.RETURNED, comment
        item.save(update_fields=["status", "review_comment", "updated_at"])
        _event(item, actor, ItemEvent.Action.RETURNED, before, comment)
        transaction.on_commit(partial(_tell_author, item.pk, actor.pk), robust=True)
    return item


def unpublish(item: Item, *, actor: User) -> Item:
    """Take a published item off its share page (its author or a reviewer). The share link
    answers 404 until the item is published again."""
    with transaction.atomic():
        item = _locked(item)
        if item.status == Status.UNPUBLISHED:
            return item
        if not may_unpublish(actor, item):
            raise PermissionDenied(_("You may not unpublish this item."))
        if item.status != Status.PUBLISHED:
            raise ValidationError(_("Only a published item can be unpublished."))
        item.status = Status.UNPUBLISHED
        item.save(update_fields=["status", "updated_at"])
        _event(item, actor, ItemEvent.Action.UNPUBLISHED, Status.PUBLISHED)
    return item


def count_view(item: Item) -> None:
    """One more view, counted in the database (``F()``): concurrent views all count."""
    Item.objects.filter(pk=item.pk).update(view_count=F("view_count") + 1)


def item_url(item: Item) -> str:
    return reverse("healthedu:item", args=[item.public_id])


def _tell_reviewers(item_pk: int) -> None:
    item = Item.objects.select_related("hospital").get(pk=item_pk)
    reviewers = User.objects.filter(
        is_active=True,
        status=User.Status.ACTIVE,
        hospital_id=item.hospital_id,
        role_assignments__role=Role.HOSPITAL_ADMIN,
    ).exclude(pk=item.author_id)
    notify(
        reviewers.distinct(),
        verb="healthedu.submitted",
        title=_("Health education “%(title)s” awaits review") % {"title": item.title},
        url=item_url(item),
        summary=_("A health-education item awaits your review."),
    )


def _tell_author(item_pk: int, reviewer_pk: int) -> None:
    item = Item.objects.select_related("author").get(pk=item_pk)
    if item.author_id == reviewer_pk:
        return
    if item.status == Status.PUBLISHED:
        title = _("Health education “%(title)s” is published") % {"title": item.title}
    else:
        title = _("Health education “%(title)s” was returned") % {"title": item.title}
    notify(
        [item.author],
        verb=f"healthedu.{item.status}",
        title=title,
        body=item.review_comment,
        url=item_url(item),
        summary=_("A reviewer decided on your health-education item."),
    )


# --- follow-up plans --------------------------------------------------------------------


def attach_to_plan(plan: FollowUpPlan, item: Item, *, actor: User) -> PlanItem:
    """Give ``plan``'s patient a published item (the plan's doctor or its hospital's staff).
    Attaching the same item twice is a no-op. The patient's account, if one matches the
    record, is notified with a link to the item's share page."""
    if not may_manage_plan(actor, plan):
        raise PermissionDenied(_("You may not change this follow-up plan."))
    if not item.is_published:
        raise ValidationError({"item": [_("Only published items can be given to patients.")]})
    try:
        with transaction.atomic():
            link, created = PlanItem.objects.get_or_create(
                plan=plan, item=item, defaults={"attached_by": actor}
            )
    except IntegrityError:  # the same item attached twice at once
        return PlanItem.objects.get(plan=plan, item=item)
    if created:
        transaction.on_commit(partial(_tell_patient, link.pk), robust=True)
    return link


def detach_from_plan(plan: FollowUpPlan, item: Item, *, actor: User) -> None:
    if not may_manage_plan(actor, plan):
        raise PermissionDenied(_("You may not change this follow-up plan."))
    PlanItem.objects.filter(plan=plan, item=item).delete()


def _tell_patient(link_pk: int) -> None:
    from .selectors import patient_accounts_of

    link = PlanItem.objects.select_related("item", "plan__patient").filter(pk=link_pk).first()
    if link is None:
        return
    notify(
        patient_accounts_of(link.plan.patient),
        verb="healthedu.attached",
        title=_("Your doctor sent you: %(title)s") % {"title": link.item.title},
        url=reverse("healthedu:share", args=[link.item.slug]),
        summary=_("Your doctor sent you health-education material."),
    )
