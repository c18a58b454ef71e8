"""Single-disease management (单病种管理).

``Registry`` — a disease registry of the alliance, defined as data by a platform
administrator: ICD-10 patterns, the case-report form, derived durations and quality
indicators (see :mod:`.definitions`, which checks and reads them).

``Case`` — one discharge of one patient reported by their hospital: diagnosis code,
admission and discharge dates and the form's answers; draft → submitted. Every change
after submission leaves a ``CaseRevision`` (who, when, which values) beside the audit
entry.

``DischargeCount`` — how many discharges of a registry's disease a hospital had in a
month (entered by the hospital or imported): the denominator of reporting coverage.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from yilian.core.models import PublicModel

from . import definitions


class Registry(PublicModel):
    alliance = models.ForeignKey(
        "orgs.Alliance",
        on_delete=models.PROTECT,
        related_name="registries",
        verbose_name=_("alliance"),
    )
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    # ["I21.*", "I22"] — see definitions.icd_matches.
    icd_patterns = models.JSONField(_("ICD-10 codes"), default=list)
    # [{"key", "label", "type", "required", "min", "max", "options", "help"}]
    fields = models.JSONField(_("case-report form"), default=list)
    # [{"key", "label", "from", "to", "unit"}]
    derived = models.JSONField(_("derived values"), default=list, blank=True)
    # [{"code", "name", "denominator", "exclusions", "numerator", "target"}]
    indicators = models.JSONField(_("quality indicators"), default=list, blank=True)
    is_active = models.BooleanField(_("open for reporting"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        verbose_name = _("disease registry")
        verbose_name_plural = _("disease registries")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["alliance", "code"], name="registries_unique_code")
        ]

    def __str__(self) -> str:
        return self.name

    # The stored JSON was checked when saved (services.save_registry) and is checked again,
    # by the same code, when read: a definition changed in the database since is reported
    # (``definition_problems``), never used. Reading ``definition`` (or what comes from it)
    # of an invalid registry raises ``definitions.DefinitionInvalid``.
    @cached_property
    def _checked(self) -> definitions.Definition | definitions.DefinitionInvalid:
        try:
            return definitions.check_definition(
                icd_patterns=self.icd_patterns,
                fields=self.fields,
                derived=self.derived,
                indicators=self.indicators,
            )
        except definitions.DefinitionInvalid as exc:
            return exc

    @property
    def definition(self) -> definitions.Definition:
        checked = self._checked
        if isinstance(checked, definitions.DefinitionInvalid):
            raise checked
        return checked

    @property
    def definition_problems(self) -> list[str]:
        """What is wrong with the stored definition, each problem after the name of the
        part it is in; empty when the definition is valid."""
        checked = self._checked
        if not isinstance(checked, definitions.DefinitionInvalid):
            return []
        problems = []
        for part, errors in checked.message_dict.items():
            field = self._meta.get_field(part)
            label = capfirst(field.verbose_name) if isinstance(field, models.Field) else part
            problems += [f"{label}: {message}" for message in errors]
        return problems

    @property
    def definition_notice(self) -> str:
        """What users are told when they reach a registry whose definition is invalid."""
        return gettext(
            "The definition of the registry “%(name)s” is invalid. It cannot be used until "
            "its administrator corrects it in the registry designer."
        ) % {"name": self.name}

    def forget_definition(self) -> None:
        """Drop the checked definition, after the stored one was changed."""
        self.__dict__.pop("_checked", None)

    @property
    def form_fields(self) -> list[definitions.Field]:
        return self.definition.fields

    @property
    def derived_values(self) -> list[definitions.Derived]:
        return self.definition.derived

    @property
    def names(self) -> dict[str, definitions.Field]:
        return self.definition.names

    @property
    def quality_indicators(self) -> list[definitions.Indicator]:
        return self.definition.indicators

    @property
    def icd_display(self) -> str:
        patterns = self.icd_patterns
        if not isinstance(patterns, list):
            return str(patterns)
        return ", ".join(str(p) for p in patterns)


class CaseStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("submitted")


class Case(PublicModel):
    Status = CaseStatus

    registry = models.ForeignKey(
        Registry, on_delete=models.PROTECT, related_name="cases", verbose_name=_("registry")
    )
    hospital = models.ForeignKey(
        "orgs.Hospital",
        on_delete=models.PROTECT,
        related_name="registry_cases",
        verbose_name=_("hospital"),
    )
    patient = models.ForeignKey(
        "patients.Patient",
        on_delete=models.PROTECT,
        related_name="registry_cases",
        verbose_name=_("patient"),
    )
    diagnosis_code = models.CharField(_("diagnosis (ICD-10)"), max_length=10)
    admission_date = models.DateField(_("admission date"))
    discharge_date = models.DateField(_("discharge date"), null=True, blank=True)
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=CaseStatus.choices, default=CaseStatus.DRAFT
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("reported by"),
    )

    class Meta:
        verbose_name = _("registry case")
        verbose_name_plural = _("registry cases")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["registry", "status", "discharge_date"], name="registries_case_rate_idx"
            ),
            models.Index(fields=["hospital", "-created_at"], name="registries_case_list_idx"),
        ]
        constraints = [
            # One report per admission: a second would count the patient twice.
            models.UniqueConstraint(
                fields=["registry", "patient", "admission_date"],
                name="registries_one_case_per_admission",
            ),
            models.CheckConstraint(
                condition=Q(discharge_date__isnull=True)
                | Q(discharge_date__gte=models.F("admission_date")),
                name="registries_discharge_after_admission",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        """The public reference lists and messages say (never the patient's name)."""
        return f"DZ-{self.admission_date:%Y%m}-{str(self.public_id)[:8].upper()}"

    @property
    def is_submitted(self) -> bool:
        return self.status == CaseStatus.SUBMITTED


class CaseRevision(models.Model):
    """A change to a submitted case: the values before and after (append-only)."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="revisions", verbose_name=_("case")
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("changed by"),
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    # {"name": [before, after]}: the case's columns and the answers' keys that changed.
    changes = models.JSONField(_("changes"), default=dict)

    class Meta:
        verbose_name = _("case revision")
        verbose_name_plural = _("case revisions")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.case} · {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError("Case revisions are append-only.")
        super().save(*args, **kwargs)


class DischargeCount(models.Model):
    hospital = models.ForeignKey(
        "orgs.Hospital",
        on_delete=models.CASCADE,
        related_name="discharge_counts",
        verbose_name=_("hospital"),
    )
    registry = models.ForeignKey(
        Registry,
        on_delete=models.CASCADE,
        related_name="discharge_counts",
        verbose_name=_("registry"),
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    count = models.PositiveIntegerField(_("eligible discharges"))
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("entered by"),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("discharge count")
        verbose_name_plural = _("discharge counts")
        ordering = ["-month", "registry", "hospital"]
        constraints = [
            models.UniqueConstraint(
                fields=["hospital", "registry", "month"], name="registries_one_count_per_month"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.hospital} · {self.registry} · {self.month:%Y-%m}: {self.count}"
