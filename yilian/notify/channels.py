"""E-mail and SMS: which channels a notification goes out by (``plan``) and sending one
delivery exactly once (``deliver``, run as a task), retrying a failed or abandoned one.

What leaves the platform is the notification's ``summary`` (the kind of business and what
happened) and a link into the app — never its title or body, which may name a patient or
carry clinical notes.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from yilian.accounts.models import User

from . import sms
from .models import Channel, Delivery, Notification, NotificationPreference

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
# How long after a failed attempt the next one runs: after the first, after the second.
RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=5))
assert len(RETRY_DELAYS) == MAX_ATTEMPTS - 1
# A claim this old is abandoned: the worker that made it died before it could record
# the outcome. The check of a claim runs a little later, for clocks that disagree.
CLAIM_EXPIRES = timedelta(minutes=15)
CLAIM_CHECK_MARGIN = timedelta(minutes=1)

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
        sms.send_sms(notification.recipient.phone, sms_text(notification))


def _claimable(now: datetime) -> Q:
    """Rows a run may claim: pending, failed, or sending under an expired claim."""
    expired = Q(claimed_at__lt=now - CLAIM_EXPIRES) | Q(claimed_at__isnull=True)
    return Q(status=D.PENDING) | Q(status=D.FAILED) | (Q(status=D.SENDING) & expired)


def deliver(delivery_pk: int, abandoned_attempt: int | None = None) -> str:
    """Send one delivery unless it was sent (or is being sent) already; return its status.

    A conditional update claims the row (status ``sending``, ``claimed_at`` now, one more
    attempt), so two runs of the same task cannot both send while the claim is fresh, and
    no transaction is held open while a mail server or gateway answers.

    - Before sending, a check of the claim is enqueued for when it expires
      (``CLAIM_EXPIRES``): that run — ``abandoned_attempt`` set to this attempt — finds
      the row still ``sending`` only if the worker died mid-send, and then claims it again
      (or marks it failed, "Abandoned", when it was the last attempt).
    - A failed send is marked ``failed`` and, while ``attempts < MAX_ATTEMPTS``, the task is
      enqueued again after ``RETRY_DELAYS`` (1, then 5 minutes). A task backend that cannot
      defer (``immediate``) would run it again at once: there the delivery stays failed.

    A run that finds the row sent, skipped, failed ``MAX_ATTEMPTS`` times or under a fresh
    claim does nothing."""
    now = timezone.now()
    rows = Delivery.objects.filter(pk=delivery_pk, attempts__lt=MAX_ATTEMPTS)
    if abandoned_attempt is None:
        rows = rows.filter(_claimable(now))
    else:  # only the claim of that attempt, if it is still there and expired
        rows = rows.filter(_claimable(now), status=D.SENDING, attempts=abandoned_attempt)
    claimed = rows.update(status=D.SENDING, attempts=F("attempts") + 1, claimed_at=now)
    if not claimed:
        _give_up_if_abandoned(delivery_pk, now)
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
    _check_claim_later(delivery, now)
    try:
        _send(delivery)
    except Exception as exc:
        delivery.status, delivery.detail = D.FAILED, type(exc).__name__[:100]
        delivery.save(update_fields=["status", "detail"])
        _retry_later(delivery, exc)
    else:
        delivery.status, delivery.sent_at, delivery.detail = D.SENT, timezone.now(), ""
        delivery.save(update_fields=["status", "sent_at", "detail"])
    return delivery.status


def _give_up_if_abandoned(delivery_pk: int, now: datetime) -> None:
    """The last attempt's claim expired: nothing will claim the row again."""
    Delivery.objects.filter(
        Q(claimed_at__lt=now - CLAIM_EXPIRES) | Q(claimed_at__isnull=True),
        pk=delivery_pk,
        status=D.SENDING,
        attempts__gte=MAX_ATTEMPTS,
    ).update(status=D.FAILED, detail="Abandoned")


def _can_defer() -> bool:
    from .tasks import deliver as deliver_task

    return bool(deliver_task.get_backend().supports_defer)


def _enqueue_at(delivery_pk: int, run_after: datetime, *args: int) -> None:
    from .tasks import deliver as deliver_task

    try:
        deliver_task.using(run_after=run_after).enqueue(delivery_pk, *args)
    except Exception:
        logger.exception("Could not enqueue delivery %s", delivery_pk)


def _check_claim_later(delivery: Delivery, claimed_at: datetime) -> None:
    """Enqueue the run that takes over the claim should this worker die mid-send."""
    if not _can_defer():
        return
    run_after = claimed_at + CLAIM_EXPIRES + CLAIM_CHECK_MARGIN
    transaction.on_commit(
        partial(_enqueue_at, delivery.pk, run_after, delivery.attempts), robust=True
    )


def _retry_later(delivery: Delivery, exc: Exception) -> None:
    """After a failed attempt: enqueue the next one with a backoff, if any is left. One
    log line, with the row's id, channel and the error's class — no address, no text."""
    what = (delivery.pk, delivery.channel, delivery.attempts, MAX_ATTEMPTS, type(exc).__name__)
    message = "Delivery %s (%s) failed, attempt %s of %s: %s; "
    if delivery.attempts >= MAX_ATTEMPTS:
        logger.warning(message + "giving up", *what)
    elif not _can_defer():
        logger.warning(message + "not retried: the task backend cannot defer tasks", *what)
    else:
        run_after = timezone.now() + RETRY_DELAYS[delivery.attempts - 1]
        logger.warning(message + "retry after %s", *what, run_after.isoformat())
        transaction.on_commit(partial(_enqueue_at, delivery.pk, run_after), robust=True)


def enqueue(delivery_pks: list[int]) -> None:
    """Hand the deliveries to the task backend (called after the notifications commit)."""
    from .tasks import deliver as deliver_task

    for pk in delivery_pks:
        try:
            deliver_task.enqueue(pk)
        except Exception:
            logger.exception("Could not enqueue delivery %s", pk)
