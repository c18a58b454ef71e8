"""Forms of hospital accession: they collect and check; services write."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from yilian.accounts.models import User, phone_validator
from yilian.orgs.models import CooperationPlan, Division, Hospital
from yilian.workflow.registry import all_kinds

from .models import Question, QuestionType, Section
from .services import ContactData, HospitalData, PlanTerms


class ApplicationForm(forms.Form):
    name = forms.CharField(label=_("Hospital name"), max_length=120)
    short_name = forms.CharField(label=_("Short name"), max_length=40, required=False)
    licence_code = forms.CharField(
        label=_("Licence code"),
        max_length=32,
        help_text=_("Registration number of the medical institution practising licence."),
    )
    category = forms.ChoiceField(label=_("Category"), choices=Hospital.Category.choices)
    grade = forms.ChoiceField(label=_("Grade"), choices=Hospital.Grade.choices)
    tier = forms.ChoiceField(label=_("Tier"), choices=Hospital.Tier.choices)
    province = forms.ChoiceField(label=_("Province"))
    division_code = forms.CharField(
        label=_("Division code (city or county, optional)"),
        max_length=6,
        required=False,
        help_text=_("The six-digit GB/T 2260 code of the city or county."),
    )
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    phone = forms.CharField(label=_("Hospital phone"), max_length=30, required=False)
    beds = forms.IntegerField(label=_("Beds"), min_value=0, max_value=100000)
    introduction = forms.CharField(
        label=_("Introduction"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    contact_name = forms.CharField(label=_("Contact person"), max_length=60)
    contact_phone = forms.CharField(
        label=_("Contact mobile phone"),
        max_length=11,
        validators=[phone_validator],
        help_text=_("This person becomes the hospital's administrator once it is approved."),
    )
    contact_email = forms.EmailField(label=_("Contact e-mail"), required=False)
    contact_title = forms.ChoiceField(
        label=_("Contact's title"), choices=User.Title.choices, required=False
    )
    licence = forms.FileField(
        label=_("Practising licence (PDF or image)"),
        help_text=_("A scan or photo of the medical institution practising licence."),
    )

    def __init__(self, *args: Any, resubmit: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["province"].choices = [("", _("Choose a province"))] + [
            (d.code, d.name) for d in Division.objects.filter(level=Division.Level.PROVINCE)
        ]
        if resubmit:
            for name in ("contact_name", "contact_phone", "contact_email", "contact_title"):
                del self.fields[name]
            self.fields["licence"].required = False
            self.fields["licence"].help_text = _("Upload again only to replace the licence.")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        province, code = data.get("province"), (data.get("division_code") or "").strip()
        if province:
            division = Division.objects.filter(code=province).first()
            if code:
                found = Division.objects.filter(code=code).first()
                if found is None or found.code[:2] != province[:2]:
                    self.add_error(
                        "division_code", _("No such division in the province you chose.")
                    )
                else:
                    division = found
            data["division"] = division
        return data

    def hospital_data(self) -> HospitalData:
        d = self.cleaned_data
        return HospitalData(
            name=d["name"],
            short_name=d["short_name"],
            licence_code=d["licence_code"].strip(),
            category=d["category"],
            grade=d["grade"],
            tier=d["tier"],
            division=d["division"],
            address=d["address"],
            phone=d["phone"],
            beds=d["beds"],
            introduction=d["introduction"],
        )

    def contact_data(self) -> ContactData:
        d = self.cleaned_data
        return ContactData(
            name=d["contact_name"],
            phone=d["contact_phone"],
            email=d["contact_email"],
            title=d["contact_title"],
        )


def application_initial(application: Any) -> dict[str, Any]:
    h = application.hospital
    return {
        "name": h.name,
        "short_name": h.short_name,
        "licence_code": h.licence_code,
        "category": h.category,
        "grade": h.grade,
        "tier": h.tier,
        "province": h.province_code,
        "division_code": h.division_id if h.division_id != h.province_code else "",
        "address": h.address,
        "phone": h.phone,
        "beds": application.beds,
        "introduction": application.introduction,
    }


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            ("accept", _("Accept: the hospital answers the capability assessment")),
            ("return", _("Return for more information")),
            ("reject", _("Reject")),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note for the applicant"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Required when returning or rejecting."),
    )


class AssessmentForm(forms.Form):
    """One field per active question, named by the question's public id."""

    def __init__(self, *args: Any, questions: list[Question], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questions = questions
        for q in questions:
            name = str(q.public_id)
            common = {"label": q.text, "required": q.required, "help_text": q.help_text}
            if q.type == QuestionType.NUMBER:
                field: forms.Field = forms.DecimalField(min_value=0, max_digits=12, **common)
            elif q.type == QuestionType.CHOICE:
                field = forms.ChoiceField(
                    choices=[("", "—")] + [(o["label"], o["label"]) for o in q.options], **common
                )
            elif q.type == QuestionType.YES_NO:
                field = forms.ChoiceField(
                    choices=[("yes", _("Yes")), ("no", _("No"))],
                    widget=forms.RadioSelect,
                    **common,
                )
            else:
                field = forms.CharField(
                    max_length=1000, widget=forms.Textarea(attrs={"rows": 2}), **common
                )
            field.widget.attrs["data-question"] = name
            self.fields[name] = field

    def sections(self) -> list[tuple[str, list[Any]]]:
        return [
            (str(label), [self[str(q.public_id)] for q in self.questions if q.section == value])
            for value, label in Section.choices
            if any(q.section == value for q in self.questions)
        ]

    def values(self) -> dict[str, Any]:
        return {
            k: ("" if v is None else (str(v.normalize()) if isinstance(v, Decimal) else v))
            for k, v in self.cleaned_data.items()
        }


def _parse_pairs(text: str, *, left: str) -> list[tuple[str, int]]:
    pairs = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if "=" not in line:
            raise forms.ValidationError(
                _("Line %(n)s: write “%(left)s = points”.") % {"n": number, "left": left}
            )
        label, points = (part.strip() for part in line.rsplit("=", 1))
        if not label or not points.isdigit():
            raise forms.ValidationError(
                _("Line %(n)s: write “%(left)s = points”, points a whole number.")
                % {"n": number, "left": left}
            )
        pairs.append((label, int(points)))
    return pairs


def _kind_choices() -> list[tuple[str, Any]]:
    return [("", _("— none —"))] + [(k.code, k.label) for k in all_kinds()]


class QuestionForm(forms.Form):
    section = forms.ChoiceField(label=_("Section"), choices=Section.choices)
    text = forms.CharField(label=_("Question"), max_length=200)
    help_text = forms.CharField(label=_("Explanation"), max_length=300, required=False)
    type = forms.ChoiceField(label=_("Answer type"), choices=QuestionType.choices)
    options = forms.CharField(
        label=_("Options (single choice)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One a line: option = points, e.g. “CT and MRI = 6”."),
    )
    bands = forms.CharField(
        label=_("Bands (number)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "One a line: minimum = points, e.g. “100 = 2”; the highest band reached counts."
        ),
    )
    yes_points = forms.IntegerField(
        label=_("Points for yes (yes / no)"), min_value=0, max_value=100, initial=0, required=False
    )
    weight = forms.DecimalField(
        label=_("Weight"), min_value=0, max_value=10, decimal_places=1, initial=Decimal("1.0")
    )
    kind = forms.ChoiceField(
        label=_("Business it asks about (demand questions)"),
        required=False,
        help_text=_("Answering “no” leaves this business out of the proposed plan."),
    )
    required = forms.BooleanField(label=_("Answer required"), required=False, initial=True)
    is_active = forms.BooleanField(label=_("In use"), required=False, initial=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = _kind_choices()

    def clean_options(self) -> list[dict[str, Any]]:
        pairs = _parse_pairs(self.cleaned_data["options"], left=str(_("option")))
        return [{"label": label, "points": points} for label, points in pairs]

    def clean_bands(self) -> list[dict[str, Any]]:
        bands = []
        for low, points in _parse_pairs(self.cleaned_data["bands"], left=str(_("minimum"))):
            try:
                bands.append({"min": str(Decimal(low)), "points": points})
            except InvalidOperation:
                raise forms.ValidationError(
                    _("“%(value)s” is not a number.") % {"value": low}
                ) from None
        return bands

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        kind = data.get("type")
        if kind == QuestionType.CHOICE and len(data.get("options") or []) < 2:
            self.add_error("options", _("A single-choice question needs two options."))
        if kind == QuestionType.NUMBER and not data.get("bands"):
            self.add_error("bands", _("A number question needs at least one band."))
        return data


def question_initial(q: Question) -> dict[str, Any]:
    return {
        "section": q.section,
        "text": q.text,
        "help_text": q.help_text,
        "type": q.type,
        "options": "\n".join(f"{o['label']} = {o['points']}" for o in q.options),
        "bands": "\n".join(f"{b['min']} = {b['points']}" for b in q.bands),
        "yes_points": q.yes_points,
        "weight": q.weight,
        "kind": q.kind,
        "required": q.required,
        "is_active": q.is_active,
    }


class AdjustForm(forms.Form):
    score = forms.DecimalField(
        label=_("Adjusted score"), min_value=0, max_value=100, decimal_places=1
    )
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=1000
    )


class PlanForm(forms.Form):
    """The proposed plan, for the manager to edit: the tier, the businesses, a quota per
    business (empty: no cap), the scope, the responsible contact and the year."""

    tier = forms.ChoiceField(label=_("Cooperation tier"), choices=CooperationPlan.Tier.choices)
    enabled_kinds = forms.MultipleChoiceField(
        label=_("Businesses enabled"), widget=forms.CheckboxSelectMultiple
    )
    scope = forms.CharField(
        label=_("Cooperation scope"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    contact_name = forms.CharField(label=_("Responsible contact"), max_length=60)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=30)
    year = forms.IntegerField(label=_("Valid for year"), min_value=2000, max_value=2100)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kinds = all_kinds()
        self.fields["enabled_kinds"].choices = [(k.code, k.label) for k in self.kinds]
        for k in self.kinds:
            self.fields[f"quota_{k.code}"] = forms.IntegerField(
                label=_("Quota: %(kind)s") % {"kind": k.label},
                min_value=1,
                max_value=10000,
                required=False,
            )
            self.fields[f"per_{k.code}"] = forms.ChoiceField(
                label=_("Period: %(kind)s") % {"kind": k.label},
                choices=CooperationPlan.Per.choices,
                required=False,
            )

    def quota_rows(self) -> list[tuple[Any, Any, Any]]:
        return [(k, self[f"quota_{k.code}"], self[f"per_{k.code}"]) for k in self.kinds]

    def terms(self) -> PlanTerms:
        d = self.cleaned_data
        enabled = list(d["enabled_kinds"])
        quotas = {
            code: {"limit": d[f"quota_{code}"], "per": d[f"per_{code}"] or "month"}
            for code in enabled
            if d.get(f"quota_{code}")
        }
        return PlanTerms(
            tier=d["tier"],
            enabled_kinds=enabled,
            quotas=quotas,
            scope=d["scope"],
            contact_name=d["contact_name"],
            contact_phone=d["contact_phone"],
            year=d["year"],
        )


def plan_initial(proposal: dict[str, Any], year: int) -> dict[str, Any]:
    initial: dict[str, Any] = {
        "tier": proposal.get("tier"),
        "enabled_kinds": proposal.get("enabled_kinds", []),
        "scope": proposal.get("scope", ""),
        "contact_name": proposal.get("contact_name", ""),
        "contact_phone": proposal.get("contact_phone", ""),
        "year": year,
    }
    for code, quota in (proposal.get("quotas") or {}).items():
        initial[f"quota_{code}"] = quota["limit"]
        initial[f"per_{code}"] = quota.get("per", "month")
    return initial
