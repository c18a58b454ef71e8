"""The forms of the closed loop: one per action (turning POST data into the keyword
arguments of ``services.transition``) and the generic application form for kinds that
bring no form of their own."""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from yilian.accounts.models import User

from . import selectors
from .models import BusinessRequest, Form, Urgency
from .registry import Kind
from .services import create_request, update_request

# datetime-local inputs: read (and shown) in the current time zone by Django's forms.
_LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


def local_datetime_field(label: Any, *, required: bool = False) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=required,
        input_formats=[_LOCAL_FORMAT, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=_LOCAL_FORMAT),
    )


def _textarea(rows: int = 2) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


def attach_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ``ValidationError`` on the form: keyed messages next to the fields
    the form has, everything else above the form."""
    if hasattr(error, "error_dict"):
        for key, errors in error.error_dict.items():
            name = form.service_fields.get(key, key) if hasattr(form, "service_fields") else key
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


# --- actions --------------------------------------------------------------------------


class ActionForm(forms.Form):
    """One step of the loop. The field names carry the action as prefix, so every form on
    the request page has its own ids; ``expected_version`` guards against lost updates."""

    action: ClassVar[str] = ""
    # Ask before doing it (a modal on the request page).
    confirm: ClassVar[bool] = False
    button: ClassVar[str] = "btn-primary"
    # service error key -> form field (when they differ)
    service_fields: ClassVar[dict[str, str]] = {}

    expected_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(
        self, data: Any = None, *, request: BusinessRequest, user: User, **kwargs: Any
    ) -> None:
        kwargs.setdefault("prefix", self.action)
        kwargs.setdefault("initial", {}).setdefault("expected_version", request.version)
        super().__init__(data, **kwargs)
        self.request = request
        self.user = user

    def transition_kwargs(self) -> dict[str, Any]:
        """The step's data for ``transition`` (besides the request, action, actor and
        ``expected_version``)."""
        return {
            k: v
            for k, v in self.cleaned_data.items()
            if k != "expected_version" and v not in (None, "")
        }


class NoteForm(ActionForm):
    note = forms.CharField(
        label=_("Note (optional)"), required=False, max_length=2000, widget=_textarea()
    )


class SubmitForm(NoteForm):
    action = "submit"


class ApproveForm(NoteForm):
    action = "approve"


class PublishForm(NoteForm):
    action = "publish"


class StartForm(NoteForm):
    action = "start"


class ReturnForm(ActionForm):
    action = "return"
    button = "btn-outline-warning"
    note = forms.CharField(
        label=_("What should the applicant change?"), max_length=2000, widget=_textarea(3)
    )


class _ReasonForm(ActionForm):
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=_textarea(3))


class RejectForm(_ReasonForm):
    action = "reject"
    confirm = True
    button = "btn-outline-danger"


class DeclineForm(_ReasonForm):
    action = "decline"
    button = "btn-outline-warning"


class CancelForm(_ReasonForm):
    action = "cancel"
    confirm = True
    button = "btn-outline-danger"


class WithdrawForm(ActionForm):
    action = "withdraw"
    confirm = True
    button = "btn-outline-danger"
    reason = forms.CharField(
        label=_("Reason (optional)"), required=False, max_length=2000, widget=_textarea(2)
    )


class DispatchForm(ActionForm):
    action = "dispatch"
    team = forms.ModelChoiceField(
        label=_("Execution team"), queryset=None, to_field_name="public_id"
    )
    note = forms.CharField(
        label=_("Note (optional)"), required=False, max_length=2000, widget=_textarea()
    )

    def __init__(self, data: Any = None, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        team = self.fields["team"]
        team.queryset = selectors.teams_for_dispatch(self.request.kind)  # type: ignore[attr-defined]
        team.label_from_instance = _team_label  # type: ignore[attr-defined]


def _team_label(team: Any) -> str:
    label = f"{team.name} · {team.hospital.name}"
    return f"★ {label}" if getattr(team, "serves_kind", False) else label


class ConfirmForm(ActionForm):
    action = "confirm"
    scheduled_start = local_datetime_field(_("Start"))
    scheduled_end = local_datetime_field(_("End"))
    form = forms.ChoiceField(label=_("Form"), choices=Form.choices, initial=Form.VIDEO)
    room = forms.ModelChoiceField(
        label=_("Cloud room"), queryset=None, required=False, to_field_name="public_id"
    )
    experts = forms.ModelMultipleChoiceField(
        label=_("Experts"),
        queryset=None,
        required=False,
        to_field_name="public_id",
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Nobody ticked: you take the session yourself."),
    )
    contact = forms.CharField(
        label=_("Contact"),
        required=False,
        max_length=120,
        help_text=_("Who receives the applicant, and how to reach them."),
    )
    arrangement = forms.CharField(
        label=_("Arrangement"), required=False, max_length=4000, widget=_textarea(3)
    )

    def __init__(self, data: Any = None, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.fields["room"].queryset = selectors.rooms_for_booking()  # type: ignore[attr-defined]
        self.fields["experts"].queryset = selectors.team_experts(self.request)  # type: ignore[attr-defined]

    def transition_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        kwargs: dict[str, Any] = {
            "scheduled_start": data.get("scheduled_start"),
            "scheduled_end": data.get("scheduled_end"),
            "form": data.get("form") or Form.VIDEO,
            "room": data.get("room"),
            "contact": data.get("contact", ""),
            "arrangement": data.get("arrangement", ""),
        }
        experts = list(data.get("experts") or [])
        if experts:
            kwargs["experts"] = experts
        return kwargs


class CompleteForm(ActionForm):
    action = "complete"
    body = forms.CharField(
        label=_("The team's opinion"),
        max_length=20000,
        widget=_textarea(8),
        help_text=_("Signed in your name when you complete the request."),
    )


RATINGS = [(n, str(n)) for n in range(1, 6)]


def _rating(label: Any) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label, choices=RATINGS, coerce=int, widget=forms.RadioSelect
    )


class FeedbackForm(ActionForm):
    action = "feedback"
    satisfaction = _rating(_("Satisfaction"))
    timeliness = _rating(_("Timeliness"))
    quality = _rating(_("Quality"))
    comment = forms.CharField(
        label=_("Comment"), required=False, max_length=4000, widget=_textarea(3)
    )


# The quality-control checklist the management team goes through before closing.
QC_CHECKLIST: tuple[tuple[str, Any], ...] = (
    ("application_complete", _("The application was complete and reviewed in time")),
    ("schedule_kept", _("The session took place as scheduled")),
    ("opinion_signed", _("The team's opinion is written and signed")),
    ("feedback_read", _("The applicant's feedback was read")),
    ("records_archived", _("The records are complete and archived")),
)


class CloseForm(ActionForm):
    action = "close"
    score = forms.IntegerField(label=_("Score (0–100)"), min_value=0, max_value=100)
    comment = forms.CharField(
        label=_("Comment"), required=False, max_length=4000, widget=_textarea(3)
    )

    def __init__(self, data: Any = None, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        checks = {
            f"qc_{key}": forms.BooleanField(label=label, required=False)
            for key, label in QC_CHECKLIST
        }
        # The checklist first, then the score and comment.
        self.fields = {"expected_version": self.fields["expected_version"], **checks} | {
            k: v for k, v in self.fields.items() if k not in checks and k != "expected_version"
        }

    def transition_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "checklist": {key: bool(data.get(f"qc_{key}")) for key, _label in QC_CHECKLIST},
            "score": data["score"],
            "comment": data.get("comment", ""),
        }


ACTION_FORMS: dict[str, type[ActionForm]] = {
    f.action: f
    for f in (
        SubmitForm,
        ApproveForm,
        ReturnForm,
        RejectForm,
        DispatchForm,
        ConfirmForm,
        DeclineForm,
        PublishForm,
        StartForm,
        CompleteForm,
        FeedbackForm,
        CloseForm,
        WithdrawForm,
        CancelForm,
    )
}
# Steps that need nothing but a tap: the workbench offers them on each row.
ONE_TAP_ACTIONS: tuple[str, ...] = ("submit", "approve", "publish", "start")


# --- applying --------------------------------------------------------------------------


class ApplicationForm(forms.Form):
    """The application of a kind that brings no form of its own: what every request has.

    Same contract as a kind's form — ``Form(data, files, *, applicant, variant, instance)``
    and ``save() -> BusinessRequest`` — plus ``kind`` (a kind's own form knows its kind).
    """

    title = forms.CharField(label=_("Title"), max_length=200)
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices, initial="routine")
    desired_start = local_datetime_field(_("Desired start"))
    desired_end = local_datetime_field(_("Desired end"))

    def __init__(
        self,
        data: Any = None,
        files: Any = None,
        *,
        applicant: User,
        variant: str | None = None,
        instance: BusinessRequest | None = None,
        kind: Kind | str | None = None,
        **kwargs: Any,
    ) -> None:
        if instance is not None:
            kwargs.setdefault(
                "initial",
                {
                    "title": instance.title,
                    "urgency": instance.urgency,
                    "desired_start": instance.desired_start,
                    "desired_end": instance.desired_end,
                },
            )
        super().__init__(data, files, **kwargs)
        if instance is None and kind is None:
            raise TypeError("ApplicationForm needs the kind when it creates a request")
        self.applicant = applicant
        self.variant = variant
        self.instance = instance
        self.kind = kind

    def save(self) -> BusinessRequest:
        data = self.cleaned_data
        fields = {
            "title": data["title"],
            "urgency": data["urgency"],
            "desired_start": data.get("desired_start"),
            "desired_end": data.get("desired_end"),
        }
        if self.instance is not None:
            self.instance = update_request(self.instance, actor=self.applicant, **fields)
            return self.instance
        assert self.kind is not None
        self.instance = create_request(kind=self.kind, applicant=self.applicant, **fields)
        return self.instance
