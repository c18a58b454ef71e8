"""The status machine and who may move it: one table read by the transition service (to
enforce) and by the selectors (to offer only the actions a user may take)."""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property

from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from yilian.accounts.models import User
from yilian.accounts.roles import Role

from .models import CANCELLABLE_STATUSES, Action, BusinessRequest, Status

A = Action
S = Status

# (from status, action) -> (to status, the action the event records)
TRANSITIONS: dict[tuple[str, str], tuple[str, str]] = {
    (S.DRAFT, A.SUBMIT): (S.SUBMITTED, A.SUBMIT),
    (S.RETURNED, A.SUBMIT): (S.SUBMITTED, A.RESUBMIT),
    (S.SUBMITTED, A.RETURN): (S.RETURNED, A.RETURN),
    (S.SUBMITTED, A.REJECT): (S.REJECTED, A.REJECT),
    (S.SUBMITTED, A.APPROVE): (S.APPROVED, A.APPROVE),
    (S.APPROVED, A.DISPATCH): (S.DISPATCHED, A.DISPATCH),
    (S.DECLINED, A.DISPATCH): (S.DISPATCHED, A.DISPATCH),
    (S.DISPATCHED, A.DECLINE): (S.DECLINED, A.DECLINE),
    (S.DISPATCHED, A.CONFIRM): (S.CONFIRMED, A.CONFIRM),
    (S.CONFIRMED, A.PUBLISH): (S.PUBLISHED, A.PUBLISH),
    (S.PUBLISHED, A.START): (S.IN_PROGRESS, A.START),
    (S.IN_PROGRESS, A.COMPLETE): (S.COMPLETED, A.COMPLETE),
    (S.COMPLETED, A.FEEDBACK): (S.FEEDBACK_GIVEN, A.FEEDBACK),
    (S.FEEDBACK_GIVEN, A.CLOSE): (S.CLOSED, A.CLOSE),
    **{(s, A.WITHDRAW): (S.CANCELLED, A.WITHDRAW) for s in CANCELLABLE_STATUSES},
    **{(s, A.CANCEL): (S.CANCELLED, A.CANCEL) for s in CANCELLABLE_STATUSES},
}

# The step that normally follows a status (used to pass through steps a kind leaves out,
# and to route an approved request automatically).
FORWARD: dict[str, str] = {
    S.SUBMITTED: A.APPROVE,
    S.APPROVED: A.DISPATCH,
    S.DISPATCHED: A.CONFIRM,
    S.CONFIRMED: A.PUBLISH,
    S.PUBLISHED: A.START,
    S.COMPLETED: A.FEEDBACK,
    S.FEEDBACK_GIVEN: A.CLOSE,
}

# The per-step timestamp each action writes.
TIMESTAMPS: dict[str, str] = {
    A.SUBMIT: "submitted_at",
    A.RETURN: "reviewed_at",
    A.REJECT: "reviewed_at",
    A.APPROVE: "reviewed_at",
    A.DISPATCH: "dispatched_at",
    A.CONFIRM: "confirmed_at",
    A.PUBLISH: "published_at",
    A.START: "started_at",
    A.COMPLETE: "completed_at",
    A.FEEDBACK: "feedback_at",
    A.CLOSE: "closed_at",
    A.WITHDRAW: "cancelled_at",
    A.CANCEL: "cancelled_at",
}

# When a request entered a status (for SLA deadlines); ``updated_at`` otherwise.
ENTERED_AT: dict[str, str] = {
    S.SUBMITTED: "submitted_at",
    S.RETURNED: "reviewed_at",
    S.APPROVED: "reviewed_at",
    S.DISPATCHED: "dispatched_at",
    S.CONFIRMED: "confirmed_at",
    S.PUBLISHED: "published_at",
    S.IN_PROGRESS: "started_at",
    S.COMPLETED: "completed_at",
    S.FEEDBACK_GIVEN: "feedback_at",
}

# Actions in the order a page offers them.
ORDERED_ACTIONS: tuple[str, ...] = (
    A.SUBMIT,
    A.APPROVE,
    A.RETURN,
    A.REJECT,
    A.DISPATCH,
    A.CONFIRM,
    A.DECLINE,
    A.PUBLISH,
    A.START,
    A.COMPLETE,
    A.FEEDBACK,
    A.CLOSE,
    A.WITHDRAW,
    A.CANCEL,
)

# "already <done> by 张三"
DONE: dict[str, Promise] = {
    A.CREATE: _("created"),
    A.SUBMIT: _("submitted"),
    A.RESUBMIT: _("resubmitted"),
    A.RETURN: _("returned"),
    A.REJECT: _("rejected"),
    A.APPROVE: _("approved"),
    A.DISPATCH: _("dispatched"),
    A.DECLINE: _("declined"),
    A.CONFIRM: _("confirmed"),
    A.PUBLISH: _("published"),
    A.START: _("started"),
    A.COMPLETE: _("completed"),
    A.FEEDBACK: _("rated"),
    A.CLOSE: _("closed"),
    A.WITHDRAW: _("withdrawn"),
    A.CANCEL: _("cancelled"),
}


def sources(action: str) -> frozenset[str]:
    """The statuses an action may leave."""
    return frozenset(s for (s, a) in TRANSITIONS if a == action)


def target(status: str, action: str) -> tuple[str, str] | None:
    return TRANSITIONS.get((status, action))


class Who:
    """One user's standing towards one request; membership is queried at most once."""

    def __init__(self, user: User, request: BusinessRequest) -> None:
        self.user = user
        self.request = request

    @property
    def active(self) -> bool:
        return bool(self.user.is_authenticated and self.user.can_use_business)

    @property
    def is_manager(self) -> bool:
        return self.active and self.user.has_role(Role.MANAGER)

    @property
    def is_applicant(self) -> bool:
        return self.active and self.user.pk == self.request.applicant_id

    @property
    def in_applicant_hospital(self) -> bool:
        """The applicant, or staff/admin of the applicant's hospital."""
        return self.is_applicant or (
            self.active
            and self.user.hospital_id == self.request.applicant_hospital_id
            and self.user.has_role(Role.STAFF, Role.HOSPITAL_ADMIN)
        )

    @cached_property
    def in_team(self) -> bool:
        """A member or the lead of the team the request is assigned to."""
        if not self.active or self.request.team_id is None:
            return False
        from yilian.orgs.models import Team

        return (
            Team.objects.filter(pk=self.request.team_id)
            .filter(Q(members=self.user) | Q(lead=self.user))
            .exists()
        )

    @cached_property
    def is_room_admin(self) -> bool:
        """An administrator of the cloud room the session is held in."""
        if not self.active or self.request.room_id is None:
            return False
        from yilian.orgs.models import Room

        return Room.objects.administered_by(self.user).filter(pk=self.request.room_id).exists()

    def may(self, action: str) -> bool:
        rule = RULES.get(action)
        return bool(rule and rule(self))


RULES: dict[str, Callable[[Who], bool]] = {
    A.SUBMIT: lambda who: who.is_applicant,
    A.WITHDRAW: lambda who: who.is_applicant,
    A.RETURN: lambda who: who.is_manager,
    A.REJECT: lambda who: who.is_manager,
    A.APPROVE: lambda who: who.is_manager,
    A.DISPATCH: lambda who: who.is_manager,
    A.PUBLISH: lambda who: who.is_manager,
    A.CLOSE: lambda who: who.is_manager,
    A.CANCEL: lambda who: who.is_manager,
    A.DECLINE: lambda who: who.in_team,
    A.CONFIRM: lambda who: who.in_team,
    A.COMPLETE: lambda who: who.in_team,
    A.START: lambda who: who.is_manager or who.in_team or who.is_room_admin,
    A.FEEDBACK: lambda who: who.in_applicant_hospital,
}

# What to tell someone who may see the request but not take the action.
WHO_MAY: dict[str, Promise] = {
    A.SUBMIT: _("Only the applicant may submit this request."),
    A.WITHDRAW: _("Only the applicant may withdraw this request."),
    A.RETURN: _("Only the platform management team may review requests."),
    A.REJECT: _("Only the platform management team may review requests."),
    A.APPROVE: _("Only the platform management team may review requests."),
    A.DISPATCH: _("Only the platform management team may dispatch requests."),
    A.PUBLISH: _("Only the platform management team may publish sessions."),
    A.CLOSE: _("Only the platform management team may close requests."),
    A.CANCEL: _("Only the platform management team may cancel requests."),
    A.DECLINE: _("Only the assigned execution team may decline this request."),
    A.CONFIRM: _("Only the assigned execution team may confirm this request."),
    A.COMPLETE: _("Only the assigned execution team may complete this request."),
    A.START: _(
        "Only the management team, the assigned execution team or the room's administrator "
        "may start the session."
    ),
    A.FEEDBACK: _("Only the applicant's hospital may give feedback on this request."),
}
