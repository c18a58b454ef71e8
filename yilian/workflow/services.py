"""Every write to business requests: ``create_request`` and one ``transition`` function.

``transition`` (ARCHITECTURE §4) locks the row, checks the status table, the actor and the
version, validates the step's data, writes the changed fields, appends a ``RequestEvent``
and registers the side effects (notifications, websocket pushes) to run after commit.
Repeating the transition that produced the current state is a no-op.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from yilian.accounts.models import User
from yilian.accounts.roles import Role
from yilian.analytics.services import record_activity
from yilian.core.dates import start_of
from yilian.notify.services import notify
from yilian.orgs.models import CooperationPlan, Hospital, Room, Team
from yilian.orgs.selectors import disabled_kinds
from yilian.patients.models import Patient
from yilian.patients.selectors import patient_choice_error
from yilian.realtime.services import close_rooms_of_request, push_to_user

from . import reminders, rules, selectors
from .models import (
    SCHEDULED_STATUSES,
    TERMINAL_STATUSES,
    Action,
    BusinessRequest,
    Feedback,
    Form,
    Opinion,
    QCReview,
    RequestEvent,
    Status,
    Urgency,
)
from .registry import SKIPPABLE_STEPS, STEPS, Kind, get_kind

logger = logging.getLogger(__name__)

A = Action
S = Status


class TransitionError(ValidationError):
    """The action is not possible from the request's current status."""

    def __init__(self, message: Any, *, status: str = "", by: User | None = None) -> None:
        super().__init__(message, code="invalid_transition")
        self.status = status
        self.by = by


class StaleRequest(TransitionError):
    """The request changed since the actor loaded it (``expected_version`` mismatch)."""

    def __init__(self, message: Any, *, status: str = "", by: User | None = None, version: int):
        super().__init__(message, status=status, by=by)
        self.code = "stale"
        self.version = version


# --- creating -------------------------------------------------------------------------


def create_request(
    *,
    kind: str | Kind,
    applicant: User,
    title: str,
    urgency: str = Urgency.ROUTINE,
    desired_start: datetime | None = None,
    desired_end: datetime | None = None,
    patient: Patient | None = None,
) -> BusinessRequest:
    """A draft request of ``kind`` by ``applicant`` for their hospital (about ``patient``
    when the business concerns one; the caller has checked it may name that patient)."""
    code = kind.code if isinstance(kind, Kind) else kind
    try:
        business = get_kind(code)
    except LookupError:
        raise ValidationError(
            {"kind": _("There is no business of that kind.")}, code="unknown_kind"
        ) from None
    if not applicant.can_use_business or not applicant.has_role(*business.applicant_roles):
        raise PermissionDenied(
            gettext("Your role may not apply for %(kind)s.") % {"kind": business.label}
        )
    hospital = applicant.hospital
    if hospital is None or hospital.status != Hospital.Status.ACTIVE:
        raise PermissionDenied(gettext("Only staff of an active member hospital may apply."))
    if business.code in disabled_kinds(hospital):
        raise PermissionDenied(
            gettext("Your hospital's cooperation plan does not cover %(kind)s.")
            % {"kind": business.label}
        )

    title = _clean_application(title, urgency, desired_start, desired_end)

    with transaction.atomic():
        _check_quota(business, hospital)
        request = BusinessRequest.objects.create(
            kind=business.code,
            applicant=applicant,
            applicant_hospital=hospital,
            title=title,
            urgency=urgency,
            desired_start=desired_start,
            desired_end=desired_end,
            patient=patient,
        )
        event = RequestEvent.objects.create(
            request=request, actor=applicant, action=A.CREATE, from_status="", to_status=S.DRAFT
        )
        _count(request, event)
    return request


def _check_quota(business: Kind, hospital: Hospital) -> None:
    """Refuse a request beyond the cooperation plan's quota for the kind this month (or
    year). The plan row is locked, so two applicants cannot both take the last place."""
    plan = CooperationPlan.objects.select_for_update().filter(hospital=hospital).first()
    quota = plan.quota_for(business.code) if plan else None
    if quota is None:
        return
    limit, per = quota
    today = timezone.localdate()
    start = (
        today.replace(day=1) if per == CooperationPlan.Per.MONTH else today.replace(month=1, day=1)
    )
    since = start_of(start)
    used = (
        BusinessRequest.objects.filter(
            applicant_hospital=hospital, kind=business.code, created_at__gte=since
        )
        .exclude(status__in=[S.CANCELLED, S.REJECTED])
        .count()
    )
    if used >= limit:
        raise PermissionDenied(
            gettext(
                "Your hospital's cooperation plan allows %(limit)s %(kind)s requests %(per)s; "
                "they are all used."
            )
            % {"limit": limit, "kind": business.label, "per": CooperationPlan.Per(per).label}
        )


def _clean_application(
    title: str, urgency: str, desired_start: datetime | None, desired_end: datetime | None
) -> str:
    """Check what an applicant fills in; the stripped title."""
    errors: dict[str, Any] = {}
    title = (title or "").strip()
    if not title:
        errors["title"] = _("Give the request a title.")
    elif len(title) > BusinessRequest._meta.get_field("title").max_length:  # type: ignore[operator]
        errors["title"] = _("The title is too long.")
    if urgency not in Urgency.values:
        errors["urgency"] = _("Choose an urgency.")
    for name, value in (("desired_start", desired_start), ("desired_end", desired_end)):
        if value is not None and timezone.is_naive(value):
            errors[name] = _("Give a time with its time zone.")
    if desired_start and desired_end and desired_end <= desired_start and not errors:
        errors["desired_end"] = _("The end must be after the start.")
    if errors:
        raise ValidationError(errors)
    return title


# "Leave this field as it is" (``update_request``'s patient).
KEEP = object()


EDITABLE_STATUSES = frozenset({S.DRAFT, S.RETURNED})


def update_request(
    request: BusinessRequest,
    *,
    actor: User,
    title: str,
    urgency: str = Urgency.ROUTINE,
    desired_start: datetime | None = None,
    desired_end: datetime | None = None,
    patient: Patient | object | None = KEEP,
) -> BusinessRequest:
    """Change what the applicant filled in while the request is a draft or returned to
    them (not a step of the loop: no event). Business forms call it for the shared fields
    before writing their detail, in the same transaction. ``patient`` is left as it is
    unless given."""
    title = _clean_application(title, urgency, desired_start, desired_end)
    with transaction.atomic():
        try:
            locked = BusinessRequest.objects.select_for_update().get(pk=request.pk)
        except BusinessRequest.DoesNotExist:
            raise Http404 from None
        if not BusinessRequest.objects.visible_to(actor).filter(pk=locked.pk).exists():
            raise Http404
        if locked.applicant_id != actor.pk or not actor.can_use_business:
            raise PermissionDenied(gettext("Only the applicant may change this request."))
        if locked.status not in EDITABLE_STATUSES:
            raise TransitionError(
                gettext("This request can no longer be changed: it is “%(status)s”.")
                % {"status": locked.get_status_display()},
                status=locked.status,
            )
        locked.title = title
        locked.urgency = urgency
        locked.desired_start = desired_start
        locked.desired_end = desired_end
        if patient is not KEEP:
            locked.patient = patient  # type: ignore[assignment]
        _keep_deadline(locked, timezone.now())
        version = locked.version
        locked.version = F("version") + 1
        locked.save(
            update_fields=[
                "title",
                "urgency",
                "desired_start",
                "desired_end",
                "patient",
                "version",
                "updated_at",
                "due_at",
            ]
        )
        locked.version = version + 1
        transaction.on_commit(partial(reminders.schedule, locked.pk), robust=True)
    return locked


def save_application(
    *,
    kind: str,
    applicant: User,
    title: str,
    instance: BusinessRequest | None = None,
    urgency: str = Urgency.ROUTINE,
    desired_start: datetime | None = None,
    desired_end: datetime | None = None,
    patient: Patient | None = None,
) -> BusinessRequest:
    """The request behind a business's application form: created, or — for the applicant's
    draft or returned request of this kind — updated. Business services call it inside
    their transaction and then write their detail row. The patient must be one the
    applicant may choose (of their hospital)."""
    if patient is not None and (problem := patient_choice_error(applicant, patient)):
        raise ValidationError({"patient": problem}, code="other_hospital")
    if instance is None:
        return create_request(
            kind=kind,
            applicant=applicant,
            title=title,
            urgency=urgency,
            desired_start=desired_start,
            desired_end=desired_end,
            patient=patient,
        )
    if instance.kind != kind:
        raise PermissionDenied(gettext("Only the applicant may change this application."))
    return update_request(
        instance,
        actor=applicant,
        title=title,
        urgency=urgency,
        desired_start=desired_start,
        desired_end=desired_end,
        patient=patient,
    )


# --- transitions ------------------------------------------------------------------------


@dataclass
class _Step:
    """What validating a step's data produced: fields to write, the event's note/payload,
    and rows to write once the status moves (opinion, feedback, QC review, experts)."""

    fields: dict[str, Any] = field(default_factory=dict)
    note: str = ""
    payload: dict[str, Any] = field(default_factory=dict)
    then: list[Callable[[], Any]] = field(default_factory=list)


_DATA_KEYS: dict[str, frozenset[str]] = {
    A.SUBMIT: frozenset({"note"}),
    A.RETURN: frozenset({"note"}),
    A.REJECT: frozenset({"reason"}),
    A.APPROVE: frozenset({"note"}),
    A.DISPATCH: frozenset({"team", "note"}),
    A.DECLINE: frozenset({"reason"}),
    A.CONFIRM: frozenset(
        {
            "scheduled_start",
            "scheduled_end",
            "form",
            "room",
            "arrangement",
            "contact",
            "experts",
            "note",
        }
    ),
    A.PUBLISH: frozenset({"note"}),
    A.START: frozenset({"note"}),
    A.COMPLETE: frozenset({"body", "note"}),
    A.FEEDBACK: frozenset({"satisfaction", "timeliness", "quality", "comment"}),
    A.CLOSE: frozenset({"checklist", "score", "comment"}),
    A.WITHDRAW: frozenset({"reason"}),
    A.CANCEL: frozenset({"reason"}),
}


def transition(
    request: BusinessRequest,
    action: str,
    *,
    actor: User,
    expected_version: int | None = None,
    **data: Any,
) -> BusinessRequest:
    """Move ``request`` by ``action``; return the request as it now is.

    Raises ``Http404`` when the actor may not see the request, ``PermissionDenied`` when
    they see it but may not take this action, ``TransitionError`` when the action is not
    possible from the current status, ``StaleRequest`` when ``expected_version`` is not the
    current version, and ``ValidationError`` for invalid data. Nothing is written then.
    """
    if action not in STEPS:
        raise ValueError(f"unknown workflow action {action!r}")
    unknown = set(data) - _DATA_KEYS[action]
    if unknown:
        raise TypeError(f"{action} takes no {sorted(unknown)}")

    with transaction.atomic():
        try:
            locked = BusinessRequest.objects.select_for_update().get(pk=request.pk)
        except BusinessRequest.DoesNotExist:
            raise Http404 from None
        if not BusinessRequest.objects.visible_to(actor).filter(pk=locked.pk).exists():
            raise Http404
        kind = get_kind(locked.kind)
        recent = list(locked.events.select_related("actor").order_by("-created_at", "-id")[:8])
        if _is_repeat(action, actor, data, recent):
            return locked
        if not kind.uses(action):
            raise TransitionError(
                gettext("Requests of the kind “%(kind)s” have no step “%(action)s”.")
                % {"kind": kind.label, "action": Action(action).label},
                status=locked.status,
            )
        moved = rules.target(locked.status, action)
        if moved is None:
            raise _refusal(locked, action, recent)
        who = rules.Who(actor, locked)
        if not who.may(action):
            raise PermissionDenied(str(rules.WHO_MAY[action]))
        if expected_version is not None and expected_version != locked.version:
            raise _stale(locked, recent)

        to_status, event_action = moved
        step = _VALIDATORS[action](locked, actor, data)
        guard = kind.guards.get(action)
        if guard is not None:
            step.payload.update(guard(locked, actor, data) or {})
        _apply(locked, action, event_action, to_status, actor, step)
        _advance_automatically(locked, kind)
        transaction.on_commit(partial(reminders.schedule, locked.pk), robust=True)
    return locked


def _is_repeat(
    action: str, actor: User, data: Mapping[str, Any], recent: list[RequestEvent]
) -> bool:
    """Did this actor's last action — everything after it done by the system — already do
    this? (A double click, a retried request.) A dispatch to another team is not a repeat."""
    for event in recent:
        if event.actor_id is None:
            continue  # automatic steps that followed the human one
        same_action = event.action == action or (action == A.SUBMIT and event.action == A.RESUBMIT)
        if not same_action or event.actor_id != actor.pk:
            return False
        if action == A.DISPATCH:
            team = data.get("team")
            return isinstance(team, Team) and event.payload.get("team") == str(team.public_id)
        return True
    return False


def _display_name(user: User | None) -> str:
    return str(user) if user is not None else gettext("the system")


def _refusal(request: BusinessRequest, action: str, recent: list[RequestEvent]) -> TransitionError:
    status_label = request.get_status_display()
    last = recent[0] if recent else None
    # Someone else moved the request out of the status this action needed (the race).
    if last is not None and last.from_status in rules.sources(action):
        return TransitionError(
            gettext(
                "Cannot %(action)s: this request was already %(done)s by %(name)s "
                "(now “%(status)s”)."
            )
            % {
                "action": Action(action).label,
                "done": rules.DONE.get(last.action, last.action),
                "name": _display_name(last.actor),
                "status": status_label,
            },
            status=request.status,
            by=last.actor,
        )
    return TransitionError(
        gettext("Cannot %(action)s this request: it is “%(status)s”.")
        % {"action": Action(action).label, "status": status_label},
        status=request.status,
    )


def _stale(request: BusinessRequest, recent: list[RequestEvent]) -> StaleRequest:
    last = recent[0] if recent else None
    when = (
        formats.time_format(timezone.localtime(last.created_at), "H:i") if last is not None else ""
    )
    return StaleRequest(
        gettext(
            "%(name)s changed this request at %(time)s while you had it open "
            "(it is now “%(status)s”). Reload it and try again."
        )
        % {
            "name": _display_name(last.actor if last else None),
            "time": when,
            "status": request.get_status_display(),
        },
        status=request.status,
        by=last.actor if last else None,
        version=request.version,
    )


def _apply(
    request: BusinessRequest,
    action: str,
    event_action: str,
    to_status: str,
    actor: User | None,
    step: _Step,
) -> RequestEvent:
    """Write the status, the step's timestamp and fields, bump the version, append the event
    and schedule the side effects. The row is locked by the caller."""
    now = timezone.now()
    from_status = request.status
    update = {"status", "version", "updated_at", "due_at", *step.fields}
    request.status = to_status
    for name, value in step.fields.items():
        setattr(request, name, value)
    stamp = rules.TIMESTAMPS.get(action)
    if stamp:
        setattr(request, stamp, now)
        update.add(stamp)
    _keep_deadline(request, now)
    version = request.version
    request.version = F("version") + 1
    request.save(update_fields=sorted(update))
    request.version = version + 1  # exact: the row is locked
    for write in step.then:
        write()
    event = RequestEvent.objects.create(
        request=request,
        actor=actor,
        action=event_action,
        from_status=from_status,
        to_status=to_status,
        note=step.note,
        payload=step.payload,
        created_at=now,
    )
    _count(request, event)
    if from_status in SCHEDULED_STATUSES and to_status not in SCHEDULED_STATUSES:
        # The live session is over: open room sockets close.
        transaction.on_commit(partial(close_rooms_of_request, request.pk), robust=True)
    transaction.on_commit(
        partial(
            _announce,
            request_pk=request.pk,
            event_action=event_action,
            to_status=to_status,
            actor_pk=actor.pk if actor else None,
            note=step.note,
        ),
        robust=True,
    )
    return event


def _keep_deadline(request: BusinessRequest, now: datetime) -> None:
    """Store when the step the request now waits for falls due (its status, urgency or
    step timestamps just changed; ``now`` is the moment of the change)."""
    request.updated_at = now
    request.due_at = selectors.step_deadline(request)


def refresh_deadlines(batch_size: int = 2000) -> int:
    """Rewrite every request's stored deadline from the kinds' SLAs as they are now (after
    an upgrade, or after the SLA settings changed); returns how many changed. Requests
    that wait for no step keep none. Idempotent, batch by batch in id order."""
    fields = ("id", "kind", "status", "urgency", "updated_at", "due_at", *rules.ENTERED_AT.values())
    candidates = BusinessRequest.objects.filter(
        Q(due_at__isnull=False) | ~Q(status__in=TERMINAL_STATUSES)
    ).only(*dict.fromkeys(fields))
    changed = 0
    last = 0
    while True:
        batch = list(candidates.filter(pk__gt=last).order_by("pk")[:batch_size])
        if not batch:
            return changed
        last = batch[-1].pk
        stale = []
        for request in batch:
            due = selectors.step_deadline(request)
            if due != request.due_at:
                request.due_at = due
                stale.append(request)
        with transaction.atomic():
            BusinessRequest.objects.bulk_update(stale, ["due_at"])
        changed += len(stale)


def _count(request: BusinessRequest, event: RequestEvent) -> None:
    """Every business action is an activity of the applicant hospital (the dashboard)."""
    record_activity(
        action=event.action,
        user=event.actor,
        hospital=request.applicant_hospital_id,
        kind=request.kind,
        at=event.created_at,
    )


def _advance_automatically(request: BusinessRequest, kind: Kind) -> None:
    """Route an approved request by the kind's rule, and pass through the steps the kind
    leaves out, each as its own event with no actor (the system)."""
    while True:
        action = rules.FORWARD.get(request.status)
        if action is None:
            return
        if action == A.DISPATCH:
            team = kind.route(request)
            if team is None:
                return
            step = _Step(
                fields={"team": team},
                payload={"team": str(team.public_id), "team_name": team.name, "auto": True},
            )
        elif action in SKIPPABLE_STEPS and not kind.uses(action):
            step = _Step(payload={"skipped": True})
        else:
            return
        moved = rules.target(request.status, action)
        assert moved is not None  # FORWARD only names transitions in the table
        _apply(request, action, moved[1], moved[0], None, step)


# --- validating each step's data -------------------------------------------------------


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    return "" if value is None else str(value).strip()


def _required_text(data: Mapping[str, Any], key: str, message: Any) -> str:
    value = _text(data, key)
    if not value:
        raise ValidationError({key: message}, code="required")
    return value


def _submit(request: BusinessRequest, actor: User, data: Mapping[str, Any]) -> _Step:
    return _Step(note=_text(data, "note"))


def _return(request: BusinessRequest, actor: User, data: Mapping[str, Any]) -> _Step:
    return _Step(note=_required_text(data, "note", _("Say what the applicant should change.")))


def _reject(request: BusinessRequest, actor: User, data: Mapping[str, Any]) -> _Step:
    return _Step(note=_required_text(data, "reason", _("Give the reason for the rejection.")))


def _decline(request: BusinessRequest, actor: User, data: Mapping[str, Any]) -> _Step:
    reason = _required_text(data, "reason", _("Give the reason why the team declines."))
    team = request.team
    return _Step(
        note=reason,
        payload={"team": str(team.public_id), "team_name": team.name} if team else {},
    )


def _cancel(request: BusinessRequest, actor: User, data: Mapping[str, Any]) -> _Step:
    return _Step(
        note=_required_text(data, "reason", _("Tell the applicant why the request is cancelled."))
    )


def _withdraw(request: BusinessRequest, actor: User, data: Mapping[str, Any]) -> _Step:
    return _Step(note=_text(data, "reason"))


def _dispatch(request: BusinessRequest, actor: User, data: Mapping[str, Any]) -> _Step:
    team = data.get("team")
    if not isinstance(team, Team):
        raise ValidationError({"team": _("Choose the execution team.")}, code="required")
    if not team.is_active:
        raise ValidationError({"team": _("This team is no longer active.")}, code="inactive")
    return _Step(
        fields={"team": team},
        note=_text(data, "note"),
        payload={"team": str(team.public_id), "team_name": team.name},
    )


def _as_int(data: Mapping[str, Any], key: str, low: int, high: int, message: Any) -> int:
    value = data.get(key)
    if isinstance(value, bool):
        value = None
    try:
        number = int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValidationError({key: message}, code="invalid") from None
    if not low <= number <= high or (isinstance(value, float) and value != number):
        raise ValidationError({key: message}, code="invalid")
    return number


def _confirm(request: BusinessRequest, actor: User, data: Mapping[str, Any]) -> _Step:
    errors: dict[str, Any] = {}
    form = data.get("form") or Form.VIDEO
    if form not in Form.values:
        errors["form"] = _("Choose how the session is held.")
    start, end = data.get("scheduled_start"), data.get("scheduled_end")
    for key, value in (("scheduled_start", start), ("scheduled_end", end)):
        if value is None:
            if form != Form.ASYNC:
                errors[key] = _("Give the session's start and end.")
        elif not isinstance(value, datetime) or timezone.is_naive(value):
            errors[key] = _("Give a time with its time zone.")
    if not errors and start and end and end <= start:
        errors["scheduled_end"] = _("The end must be after the start.")

    room = data.get("room")
    if room is not None:
        if not isinstance(room, Room):
            errors["room"] = _("Choose a cloud room.")
        else:
            # Lock the room so two teams cannot book the same slot at the same moment.
            room = Room.objects.select_for_update().get(pk=room.pk)
            if not room.is_active:
                errors["room"] = _("This room is not in use.")
            elif start and end and not errors:
                clash = (
                    BusinessRequest.objects.filter(
                        room=room,
                        status__in=SCHEDULED_STATUSES,
                        scheduled_start__lt=end,
                        scheduled_end__gt=start,
                    )
                    .exclude(pk=request.pk)
                    .first()
                )
                if clash is not None:
                    errors["room"] = gettext(
                        "%(room)s is booked from %(start)s to %(end)s for another session."
                    ) % {
                        "room": room.name,
                        "start": formats.date_format(
                            timezone.localtime(clash.scheduled_start), "SHORT_DATETIME_FORMAT"
                        ),
                        "end": formats.date_format(
                            timezone.localtime(clash.scheduled_end), "SHORT_DATETIME_FORMAT"
                        ),
                    }

    contact = _text(data, "contact")
    if len(contact) > BusinessRequest._meta.get_field("contact").max_length:  # type: ignore[operator]
        errors["contact"] = _("Keep the contact to 120 characters.")

    experts = list(data.get("experts") or [actor])
    team = request.team
    if team is None:  # cannot happen from "dispatched", which always has a team
        errors["experts"] = _("The request has no execution team.")
    else:
        eligible = set(
            team.members.filter(pk__in=[u.pk for u in experts]).values_list("pk", flat=True)
        )
        if team.lead_id is not None:
            eligible.add(team.lead_id)
        outsiders = [str(u) for u in experts if u.pk not in eligible]
        if outsiders:
            errors["experts"] = gettext("Not members of the team: %(names)s.") % {
                "names": "、".join(outsiders)
            }
    if errors:
        raise ValidationError(errors)

    return _Step(
        fields={
            "scheduled_start": start,
            "scheduled_end": end,
            "form": form,
            "room": room,
            "arrangement": _text(data, "arrangement"),
            "contact": contact,
        },
        note=_text(data, "note"),
        payload={
            "scheduled_start": start,
            "scheduled_end": end,
            "form": form,
            "room": str(room.public_id) if room else None,
            "experts": [str(u.public_id) for u in experts],
        },
        then=[partial(request.experts.set, experts)],
    )


def _no_data(request: BusinessRequest, actor: User, data: Mapping[str, Any]) -> _Step:
    return _Step(note=_text(data, "note"))


def _complete(request: BusinessRequest, actor: User, data: Mapping[str, Any]) -> _Step:
    body = _text(data, "body")
    has_conclusion = request.opinions.filter(is_conclusion=True).exists()
    if not body and not has_conclusion:
        raise ValidationError(
            {"body": _("Write the team's opinion before completing the request.")},
            code="required",
        )
    if body and has_conclusion:
        raise ValidationError(
            {"body": _("This request already has the team's concluding opinion.")},
            code="duplicate",
        )
    then: list[Callable[[], Any]] = []
    if body:
        then.append(
            partial(
                Opinion.objects.create,
                request=request,
                author=actor,
                body=body,
                is_conclusion=True,
                signed_at=timezone.now(),
            )
        )
    return _Step(note=_text(data, "note"), then=then)


def _feedback(request: BusinessRequest, actor: User, data: Mapping[str, Any]) -> _Step:
    errors: dict[str, Any] = {}
    ratings: dict[str, int] = {}
    for key in ("satisfaction", "timeliness", "quality"):
        try:
            ratings[key] = _as_int(data, key, 1, 5, _("Rate from 1 to 5."))
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    comment = _text(data, "comment")
    return _Step(
        note=comment,
        payload=ratings,
        then=[
            partial(
                Feedback.objects.create, request=request, author=actor, comment=comment, **ratings
            )
        ],
    )


def _close(request: BusinessRequest, actor: User, data: Mapping[str, Any]) -> _Step:
    errors: dict[str, Any] = {}
    checklist = data.get("checklist")
    if not isinstance(checklist, Mapping) or not checklist:
        errors["checklist"] = _("Go through the quality checklist.")
    try:
        score = _as_int(data, "score", 0, 100, _("Give a score from 0 to 100."))
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    comment = _text(data, "comment")
    return _Step(
        note=comment,
        payload={"score": score},
        then=[
            partial(
                QCReview.objects.create,
                request=request,
                reviewer=actor,
                checklist=dict(checklist),  # type: ignore[arg-type]
                score=score,
                comment=comment,
            )
        ],
    )


_VALIDATORS: dict[str, Callable[[BusinessRequest, User, Mapping[str, Any]], _Step]] = {
    A.SUBMIT: _submit,
    A.RETURN: _return,
    A.REJECT: _reject,
    A.APPROVE: _no_data,
    A.DISPATCH: _dispatch,
    A.DECLINE: _decline,
    A.CONFIRM: _confirm,
    A.PUBLISH: _no_data,
    A.START: _no_data,
    A.COMPLETE: _complete,
    A.FEEDBACK: _feedback,
    A.CLOSE: _close,
    A.WITHDRAW: _withdraw,
    A.CANCEL: _cancel,
}


# --- side effects (after commit) --------------------------------------------------------


def request_url(request: BusinessRequest) -> str:
    """The request's page, once the web layer names one."""
    try:
        return reverse("workflow:detail", args=[request.public_id])
    except NoReverseMatch:
        return ""


def next_actors(request: BusinessRequest) -> Iterable[User]:
    """Who must act now that the request is in its status (besides the applicant)."""
    status = request.status
    if status in {S.SUBMITTED, S.APPROVED, S.DECLINED, S.CONFIRMED, S.FEEDBACK_GIVEN}:
        return User.objects.active().with_role(Role.MANAGER)
    if status in {S.DISPATCHED, S.PUBLISHED, S.IN_PROGRESS} and request.team_id:
        team = request.team
        assert team is not None
        members = User.objects.active().filter(teams=team)
        if team.lead_id:
            members = members | User.objects.active().filter(pk=team.lead_id)
        return members.distinct()
    return User.objects.none()


def _announce(
    *, request_pk: int, event_action: str, to_status: str, actor_pk: int | None, note: str
) -> None:
    """Tell the people who must act next, and the applicant, that the request moved."""
    request = BusinessRequest.objects.select_related("applicant", "team").get(pk=request_pk)
    if request.status != to_status:
        # A later step of the same transaction superseded this one (approval followed by
        # automatic dispatch, steps the kind leaves out): that step tells whom to act. Of an
        # automatic step nobody hears; of a person's step, the applicant.
        if actor_pk is None:
            return
        acting: list[User] = []
    else:
        acting = [u for u in next_actors(request) if u.pk != actor_pk]
    status_label = Status(to_status).label
    url = request_url(request)
    applicant = request.applicant
    # E-mail and SMS say only the business and what happened (no title: it may name the
    # patient); urgent and emergency requests may go by SMS.
    about = {"kind": reminders.kind_label(request), "status": status_label}
    urgent = request.urgency != Urgency.ROUTINE
    if applicant.pk != actor_pk:
        notify(
            [applicant],
            verb=f"workflow.{event_action}",
            title=gettext("Your request “%(title)s” is now %(status)s")
            % {"title": request.title, "status": status_label},
            body=note,
            url=url,
            summary=gettext("Your %(kind)s request is now %(status)s.") % about,
            urgent=urgent,
        )
    waiting = [u for u in acting if u.pk != applicant.pk]
    if waiting:
        notify(
            waiting,
            verb=f"workflow.{to_status}",
            title=gettext("Waiting for you: “%(title)s” (%(status)s)")
            % {"title": request.title, "status": status_label},
            body=note,
            url=url,
            summary=gettext("A %(kind)s request waits for you (%(status)s).") % about,
            urgent=urgent,
        )
    push_to_user(
        applicant.public_id,
        "workflow.request",
        {"request": str(request.public_id), "status": to_status, "version": request.version},
    )
