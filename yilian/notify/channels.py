"""E-mail and SMS: which channels a notification goes out by (``plan``) and sending one
delivery exactly once (``deliver``, run as a task).

What leaves the platform is the notification's ``summary`` (the kind of business and what
happened) and a link into the app — never its title or body, which may name a patient or
carry clinical notes.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from yilian.accounts.models import User

from . import sms
from .models import Channel, Delivery, Notification, NotificationPreference

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3

D = Delivery.Status


def _preferences(users: Iterable[User]) -> dict[int, NotificationPreference]:
    users = list(users)
    saved = {
        p.user_id: p
        for p in NotificationPreference.objects.filter(user_id__in=[u.pk for u in users])
    }
    return {u.pk: saved.get(u.pk) or NotificationPreference(user=u) for u in users}


def _decide(channel: str, user: User, pref: NotificationPreference, urgent: bool) -> Delivery:
    """A pending delivery, or a skipped one saying why."""
    if channel == Channel.EMAIL:
        if not pref.email:
            return Delivery(channel=channel, status=D.SKIPPED, detail="off")
        if not user.email:
            return Delivery(channel=channel, status=D.SKIPPED, detail="no_address")
    else:
        if not pref.sms:
            return Delivery(channel=channel, status=D.SKIPPED, detail="off")
        if pref.sms_urgent_only and not urgent:
            return Delivery(channel=channel, status=D.SKIPPED, detail="not_urgent")
        if not user.phone:
            return Delivery(channel=channel, status=D.SKIPPED, detail="no_address")
    return Delivery(channel=channel, status=D.PENDING)


def plan(notifications: list[Notification]) -> list[Delivery]:
    """One delivery per notification and channel, by each recipient's preferences."""
    prefs = _preferences(n.recipient for n in notifications)
    rows = []
    for notification in notifications:
        user = notification.recipient
        for channel in Channel.values:
            row = _decide(channel, user, prefs[user.pk], notification.urgent)
            row.notification = notification
            rows.append(row)
    return rows


# --- sending ---------------------------------------------------------------------------


def absolute_link(notification: Notification) -> str:
    """The notification's page as an absolute URL (the message list when it has none)."""
    path = notification.url
    if not path.startswith("/") or path.startswith("//"):
        path = reverse("notify:list")
    return f"{settings.YILIAN_BASE_URL}{path}"


def summary_of(notification: Notification) -> str:
    return notification.summary or gettext("You have a new message.")


def email_message(notification: Notification) -> EmailMessage:
    summary = summary_of(notification)
    body = "\n\n".join(
        [
            summary,
            gettext("Open it in Yilian: %(link)s") % {"link": absolute_link(notification)},
            gettext("To change how you are notified: %(link)s")
            % {"link": f"{settings.YILIAN_BASE_URL}{reverse('notify:preferences')}"},
        ]
    )
    return EmailMessage(
        subject=gettext("[Yilian] %(summary)s") % {"summary": summary},
        body=body + "\n",
        to=[notification.recipient.email],
    )


def sms_text(notification: Notification) -> str:
    return gettext("[Yilian] %(summary)s %(link)s") % {
        "summary": summary_of(notification),
        "link": absolute_link(notification),
    }


def _send(delivery: Delivery) -> None:
    notification = delivery.notification
    if delivery.channel == Channel.EMAIL:
        email_message(notification).send()
    else:
        sms.get_backend().send(notification.recipient.phone, sms_text(notification))


def deliver(delivery_pk: int) -> str:
    """Send one delivery unless it was sent (or is being sent) already; return its status.

    A conditional update claims the row, so two runs of the same task cannot both send,
    and no transaction is held open while a mail server or gateway answers. A failed
    delivery is tried again by a later run, up to ``MAX_ATTEMPTS`` times."""
    claimed = (
        Delivery.objects.filter(pk=delivery_pk, attempts__lt=MAX_ATTEMPTS)
        .filter(Q(status=D.PENDING) | Q(status=D.FAILED))
        .update(status=D.SENDING, attempts=F("attempts") + 1)
    )
    delivery = (
        Delivery.objects.select_related("notification__recipient").filter(pk=delivery_pk).first()
    )
    if delivery is None:
        return "missing"
    if not claimed:
        return delivery.status
    recipient = delivery.notification.recipient
    if not (recipient.email if delivery.channel == Channel.EMAIL else recipient.phone):
        # The address was removed after the notification was written.
        delivery.status, delivery.detail = D.SKIPPED, "no_address"
        delivery.save(update_fields=["status", "detail"])
        return delivery.status
    try:
        _send(delivery)
    except Exception as exc:
        logger.warning(
            "Delivery %s (%s) failed, attempt %s: %s",
            delivery.pk,
            delivery.channel,
            delivery.attempts,
            type(exc).__name__,
        )
        delivery.status, delivery.detail = D.FAILED, type(exc).__name__[:100]
        delivery.save(update_fields=["status", "detail"])
    else:
        delivery.status, delivery.sent_at, delivery.detail = D.SENT, timezone.now(), ""
        delivery.save(update_fields=["status", "sent_at", "detail"])
    return delivery.status


def enqueue(delivery_pks: list[int]) -> None:
    """Hand the deliveries to the task backend (called after the notifications commit)."""
    from .tasks import deliver as deliver_task

    for pk in delivery_pks:
        try:
            deliver_task.enqueue(pk)
        except Exception:
            logger.exception("Could not enqueue delivery %s", pk)
