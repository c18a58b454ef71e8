"""Every write of the feedback channel: raise, triage, answer, resolve, rate."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from yilian.accounts.models import User
from yilian.accounts.roles import CLINICAL_ROLES, PLATFORM_ROLES, Role
from yilian.notify.services import notify
from yilian.orgs.models import Room
from yilian.workflow.models import BusinessRequest

from .models import Ticket


def is_handler(user: User) -> bool:
    """Managers triage, answer and resolve feedback."""
    return bool(user.is_authenticated and user.can_use_business and user.has_role(Role.MANAGER))


def _url(ticket: Ticket) -> str:
    return reverse("supervision:ticket", args=[ticket.public_id])


@transaction.atomic
def raise_ticket(
    *,
    author: User,
    category: str,
    about: str,
    title: str,
    body: str,
    request: BusinessRequest | None = None,
    room: Room | None = None,
) -> Ticket:
    """Any member raises a complaint or suggestion about a business they can see, a cloud
    room, or the platform; the managers are told."""
    if not author.is_authenticated or not author.can_use_business:
        raise PermissionDenied(_("Log in with an active account to give feedback."))
    errors: dict[str, Any] = {}
    if category not in Ticket.Category.values:
        errors["category"] = _("Choose complaint or suggestion.")
    if about not in Ticket.About.values:
        errors["about"] = _("Say what the feedback is about.")
    title, body = title.strip(), body.strip()
    if not title:
        errors["title"] = _("Give the feedback a title.")
    if not body:
        errors["body"] = _("Describe the problem or the suggestion.")
    if about == Ticket.About.BUSINESS and (
        request is None
        or not BusinessRequest.objects.visible_to(author).filter(pk=request.pk).exists()
    ):
        errors["request"] = _("Choose one of the business requests you can see.")
    if about == Ticket.About.ROOM and room is None:
        errors["room"] = _("Choose the cloud room.")
    if errors:
        raise ValidationError(errors)
    ticket = Ticket.objects.create(
        author=author,
        hospital_id=author.hospital_id,
        category=category,
        about=about,
        request=request if about == Ticket.About.BUSINESS else None,
        room=room if about == Ticket.About.ROOM else None,
        title=title,
        body=body,
    )
    notify(
        User.objects.active().with_role(Role.MANAGER),
        verb="feedback.raised",
        title=_("New %(category)s: %(title)s")
        % {"category": ticket.get_category_display(), "title": title},
        summary=_("A member raised feedback on the platform."),
        url=_url(ticket),
    )
    return ticket


def _locked(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_for_update().select_related("author").get(pk=ticket.pk)


@transaction.atomic
def triage_ticket(ticket: Ticket, *, actor: User, priority: str) -> Ticket:
    if not is_handler(actor):
        raise PermissionDenied(_("Only the platform management team handles feedback."))
    if priority not in Ticket.Priority.values:
        raise ValidationError({"priority": _("Choose a priority.")})
    locked = _locked(ticket)
    if locked.status == Ticket.Status.RESOLVED:
        raise ValidationError(_("This feedback is resolved already."))
    locked.priority = priority
    locked.handler = actor
    if locked.status == Ticket.Status.OPEN:
        locked.status = Ticket.Status.TRIAGED
        locked.triaged_at = timezone.now()
    locked.save(update_fields=["priority", "handler", "status", "triaged_at", "updated_at"])
    return locked


@transaction.atomic
def answer_ticket(ticket: Ticket, *, actor: User, answer: str) -> Ticket:
    if not is_handler(actor):
        raise PermissionDenied(_("Only the platform management team handles feedback."))
    answer = answer.strip()
    if not answer:
        raise ValidationError({"answer": _("Write the answer.")})
    locked = _locked(ticket)
    if locked.status == Ticket.Status.RESOLVED:
        raise ValidationError(_("This feedback is resolved already."))
    now = timezone.now()
    locked.answer = answer
    locked.handler = actor
    locked.status = Ticket.Status.ANSWERED
    locked.answered_at = now
    locked.triaged_at = locked.triaged_at or now
    locked.save(
        update_fields=["answer", "handler", "status", "answered_at", "triaged_at", "updated_at"]
    )
    notify(
        [locked.author],
        verb="feedback.answered",
        title=_("Your feedback “%(title)s” was answered") % {"title": locked.title},
        body=answer,
        summary=_("The platform answered your feedback."),
        url=_url(locked),
    )
    return locked


@transaction.atomic
def resolve_ticket(ticket: Ticket, *, actor: User) -> Ticket:
    if not is_handler(actor):
        raise PermissionDenied(_("Only the platform management team handles feedback."))
    locked = _locked(ticket)
    if locked.status == Ticket.Status.RESOLVED:
        return locked
    if not locked.answer:
        raise ValidationError(_("Answer the feedback before resolving it."))
    locked.status = Ticket.Status.RESOLVED
    locked.resolved_at = timezone.now()
    locked.save(update_fields=["status", "resolved_at", "updated_at"])
    notify(
        [locked.author],
        verb="feedback.resolved",
        title=_("Your feedback “%(title)s” was resolved: please rate the answer")
        % {"title": locked.title},
        summary=_("The platform resolved your feedback. Please rate the answer."),
        url=_url(locked),
    )
    return locked


@transaction.atomic
def rate_ticket(ticket: Ticket, *, actor: User, rating: int, comment: str = "") -> Ticket:
    """The person who raised the feedback rates the answer, once."""
    locked = _locked(ticket)
    if locked.author_id != actor.pk:
        raise PermissionDenied(_("Only the person who raised the feedback rates the answer."))
    if locked.status not in (Ticket.Status.ANSWERED, Ticket.Status.RESOLVED):
        raise ValidationError(_("The feedback has no answer to rate yet."))
    if locked.rated_at is not None:
        raise ValidationError(_("You rated this answer already."))
    if not 1 <= rating <= 5:
        raise ValidationError({"rating": _("Rate from 1 to 5.")})
    locked.rating = rating
    locked.rating_comment = comment.strip()
    locked.rated_at = timezone.now()
    locked.save(update_fields=["rating", "rating_comment", "rated_at", "updated_at"])
    return locked


@transaction.atomic
def set_room_administrator(room: Room, user: User, *, actor: User, assigned: bool) -> None:
    """A platform administrator makes someone an administrator of a room (granting the
    room-administrator role, logged) or takes the room from them."""
    from yilian.accounts import services as accounts

    if not actor.can_use_business or not actor.has_role(Role.PLATFORM_ADMIN):
        raise PermissionDenied(_("Only a platform administrator assigns room administrators."))
    if assigned:
        if not user.can_use_business:
            raise ValidationError(_("Only an active account can administer a room."))
        if (
            user.hospital_id is None
            or user.has_role(Role.PATIENT)
            or not user.has_role(*(CLINICAL_ROLES | PLATFORM_ROLES))
        ):
            raise ValidationError(
                _(
                    "Only a member of the alliance's staff or of the platform can administer a "
                    "room; patients and accounts without a clinical or platform role cannot."
                )
            )
        room.administrators.add(user)
        accounts.assign_role(user, Role.ROOM_ADMIN, actor=actor)
    else:
        room.administrators.remove(user)
        if not user.administered_rooms.exists() and user.has_role(Role.ROOM_ADMIN):
            accounts.withdraw_role(user, Role.ROOM_ADMIN, actor=actor)
