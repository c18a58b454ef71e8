"""Forms of CME classes and of the training-request application. Forms collect and
validate; the services in ``cme_services`` write."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yilian.accounts.models import User
from yilian.orgs.models import Room
from yilian.workflow.models import BusinessRequest

from . import cme_services as services
from .models import AttendanceRule, CmeClass, CmeSession, CreditClass, TrainingRequest

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]


def _datetime(label: Any) -> forms.DateTimeField:
    return forms.DateTimeField(label=label, widget=DATETIME, input_formats=DATETIME_FORMATS)


class ClassForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    credit_class = forms.ChoiceField(label=_("Credit class"), choices=CreditClass.choices)
    credit_amount = forms.DecimalField(
        label=_("Credits"),
        min_value=Decimal("0.1"),
        max_value=Decimal("99"),
        decimal_places=1,
        initial=Decimal("1.0"),
    )
    quota = forms.IntegerField(label=_("Places"), min_value=1, max_value=100000, initial=50)
    needs_approval = forms.BooleanField(
        label=_("Enrolments need the organiser's approval"), required=False
    )
    enrol_opens = _datetime(_("Enrolment opens"))
    enrol_closes = _datetime(_("Enrolment closes"))
    rule = forms.ChoiceField(
        label=_("Attendance rule"), choices=AttendanceRule.choices, initial=AttendanceRule.MINUTES
    )
    rule_value = forms.IntegerField(
        label=_("Attendance needed"),
        min_value=1,
        max_value=1000,
        initial=80,
        help_text=_("A percentage of the session minutes, or a number of sessions."),
    )

    @classmethod
    def initial_for(cls, cme_class: CmeClass | None) -> dict[str, Any]:
        if cme_class is None:
            now = timezone.localtime().replace(second=0, microsecond=0)
            return {"enrol_opens": now, "enrol_closes": now + timedelta(days=14)}
        return {
            name: (
                timezone.localtime(getattr(cme_class, name))
                if name in ("enrol_opens", "enrol_closes")
                else getattr(cme_class, name)
            )
            for name in cls.base_fields
        }

    def class_data(self) -> services.ClassData:
        return services.ClassData(**self.cleaned_data)


class SessionForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120)
    starts_at = _datetime(_("Starts"))
    ends_at = _datetime(_("Ends"))
    room = forms.ModelChoiceField(
        label=_("Teaching room"),
        queryset=Room.objects.filter(kind=Room.Kind.TEACHING, is_active=True).select_related(
            "hospital"
        ),
        to_field_name="public_id",
        required=False,
        empty_label=_("— on site —"),
    )
    place = forms.CharField(
        label=_("Place (on site)"),
        max_length=120,
        required=False,
        help_text=_("For an on-site session: learners check in by scanning the QR code there."),
    )

    @classmethod
    def initial_for(cls, session: CmeSession) -> dict[str, Any]:
        return {
            "title": session.title,
            "starts_at": timezone.localtime(session.starts_at),
            "ends_at": timezone.localtime(session.ends_at),
            "room": session.room,
            "place": session.place,
        }

    def session_data(self) -> services.SessionData:
        return services.SessionData(**self.cleaned_data)


class TrainingRequestForm(forms.Form):
    """The application form of the kind ``training_request`` (built by the engine's apply
    pages as ``Form(data, files, applicant=user, variant=key, instance=request)``)."""

    topic = forms.CharField(label=_("Topic"), max_length=120)
    audience = forms.CharField(
        label=_("Audience"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Who should attend: departments, titles, what they already know."),
    )
    participants = forms.IntegerField(
        label=_("Expected participants"), min_value=1, max_value=10000, initial=20
    )
    preferred_from = forms.DateField(label=_("Preferred from"), widget=DATE)
    preferred_to = forms.DateField(label=_("Preferred to"), widget=DATE)

    def __init__(
        self,
        data: Any = None,
        files: Any = None,
        *,
        applicant: User,
        variant: str | None = None,
        instance: BusinessRequest | None = None,
    ) -> None:
        self.applicant = applicant
        self.instance = instance
        initial: dict[str, Any] = {}
        detail = TrainingRequest.objects.filter(request=instance).first() if instance else None
        if detail is not None:
            initial = {
                name: getattr(detail, name)
                for name in ("topic", "audience", "participants", "preferred_from", "preferred_to")
            }
        super().__init__(data, files, initial=initial)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.errors:
            errors = services.training_request_errors(self._data())
            for field, message in errors.items():
                self.add_error(field, message)
        return cleaned

    def _data(self) -> services.TrainingRequestData:
        return services.TrainingRequestData(**self.cleaned_data)

    def save(self) -> BusinessRequest:
        return services.save_training_request(
            applicant=self.applicant, data=self._data(), instance=self.instance
        )
