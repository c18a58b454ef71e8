"""The dashboard's filters (a GET form: the URL is the state, so it can be shared)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from yilian.orgs.models import Division, Hospital
from yilian.web.forms import LongSelect
from yilian.workflow.registry import all_kinds

from .selectors import Filters, default_filters

# A dashboard period longer than this is refused (the comparison year doubles it).
MAX_DAYS = 3 * 366


class DashboardFilterForm(forms.Form):
    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput({"type": "date"})
    )
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput({"type": "date"}))
    province = forms.ChoiceField(label=_("Province"), required=False)
    tier = forms.ChoiceField(label=_("Tier"), required=False)
    hospital = forms.ModelChoiceField(
        label=_("Hospital"),
        required=False,
        queryset=Hospital.objects.filter(status=Hospital.Status.ACTIVE)
        .only("public_id", "name")
        .order_by("name"),
        to_field_name="public_id",
        empty_label=_("All hospitals"),
        widget=LongSelect,
    )
    kind = forms.ChoiceField(label=_("Business"), required=False)

    def __init__(self, *args: Any, scoped: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        provinces = Division.objects.filter(level=Division.Level.PROVINCE)
        self.fields["province"].choices = [
            ("", _("All provinces")),
            *provinces.values_list("code", "name"),
        ]
        self.fields["tier"].choices = [("", _("All tiers")), *Hospital.Tier.choices]
        self.fields["kind"].choices = [
            ("", _("All businesses")),
            *((k.code, k.label) for k in all_kinds()),
        ]
        if scoped:  # a hospital admin's dashboard is their hospital: no place filters
            for name in ("province", "tier", "hospital"):
                del self.fields[name]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        defaults = default_filters()
        start: date = data.get("start") or defaults.start
        end: date = data.get("end") or defaults.end
        if end < start:
            self.add_error("end", _("The end date is before the start date."))
        elif (end - start).days > MAX_DAYS:
            self.add_error("end", _("Choose a period of at most three years."))
        data["start"], data["end"] = start, end
        return data

    def filters(self) -> Filters:
        """The filters asked for; the defaults (this year so far) when the form is invalid."""
        if not self.is_valid():
            return default_filters()
        data = self.cleaned_data
        return Filters(
            start=data["start"],
            end=data["end"],
            province=data.get("province") or "",
            tier=data.get("tier") or "",
            hospital=data.get("hospital"),
            kind=data.get("kind") or "",
        )


class ResourceFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=60)
    province = forms.ChoiceField(label=_("Province"), required=False)
    tier = forms.ChoiceField(label=_("Tier"), required=False)
    category = forms.ChoiceField(label=_("Category"), required=False)
    order = forms.ChoiceField(
        label=_("Order by"),
        required=False,
        choices=[
            ("name", _("name")),
            ("beds", _("beds")),
            ("staff", _("staff")),
            ("volume", _("business volume")),
        ],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        provinces = Division.objects.filter(level=Division.Level.PROVINCE)
        self.fields["province"].choices = [
            ("", _("All provinces")),
            *provinces.values_list("code", "name"),
        ]
        self.fields["tier"].choices = [("", _("All tiers")), *Hospital.Tier.choices]
        self.fields["category"].choices = [("", _("All categories")), *Hospital.Category.choices]

    def filters(self) -> dict[str, str]:
        """The keyword arguments of ``resource_profiles`` (none when the form is invalid)."""
        data = self.cleaned_data if self.is_valid() else {}
        names = {"query": "q", "province": "province", "tier": "tier", "category": "category"}
        return {arg: data.get(field) or "" for arg, field in names.items()} | {
            "order": data.get("order") or "name"
        }
