"""Hospital linkage (ARCHITECTURE §4): the detail rows of the four linkage businesses.

* ``Visit`` — a study visit or a clinical observation (one model for both kinds): the
  host hospital, the departments to visit (in the order chosen), the desired dates and the
  visitors.
* ``AdvancedStudy`` — a fellowship registration: the applicant's CV, the department and
  period; ``StudyQuota`` holds the seats of a department for a start month.
* ``SpecialApplication`` — an application for a special business whose form a platform
  administrator defined (``SpecialBusinessType`` with its ``SpecialField`` rows); the
  definition at the time of applying is kept with the answers.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yilian.accounts.models import User
from yilian.core.models import PublicModel
from yilian.workflow.models import Status

if TYPE_CHECKING:
    from yilian.orgs.models import Department

# A request of these statuses holds its advanced-study seat (confirmed and after, until
# cancelled or closed). Everything else (drafts, requests still under review, rejected,
# declined and cancelled ones) does not.
SEAT_HOLDING_STATUSES = frozenset(
    {
        Status.CONFIRMED,
        Status.PUBLISHED,
        Status.IN_PROGRESS,
        Status.COMPLETED,
        Status.FEEDBACK_GIVEN,
        Status.CLOSED,
    }
)


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


class Visit(models.Model):
    """A study visit (参观学习) or clinical observation (临床观摩)."""

    request = models.OneToOneField(
        "workflow.BusinessRequest",
        on_delete=models.CASCADE,
        related_name="visit",
        verbose_name=_("request"),
    )
    host = models.ForeignKey(
        "orgs.Hospital",
        on_delete=models.PROTECT,
        related_name="hosted_visits",
        verbose_name=_("host hospital"),
    )
    departments: models.ManyToManyField[Department, VisitDepartment] = models.ManyToManyField(
        "orgs.Department",
        through="VisitDepartment",
        related_name="visits",
        verbose_name=_("departments to visit"),
    )
    date_from = models.DateField(_("from"))
    date_to = models.DateField(_("to"))
    visitor_count = models.PositiveSmallIntegerField(
        _("number of visitors"), validators=[MinValueValidator(1), MaxValueValidator(20)]
    )
    purpose = models.TextField(_("purpose"))

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        constraints = [
            models.CheckConstraint(
                condition=Q(date_to__gte=models.F("date_from")), name="linkage_visit_dates_ordered"
            ),
            models.CheckConstraint(
                condition=Q(visitor_count__gte=1, visitor_count__lte=20),
                name="linkage_visit_1_20_visitors",
            ),
        ]

    def __str__(self) -> str:
        return str(self.request)

    def ordered_departments(self) -> list[Any]:
        return [
            row.department
            for row in self.department_rows.select_related("department").order_by("position")
        ]


class VisitDepartment(models.Model):
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="department_rows")
    department = models.ForeignKey(
        "orgs.Department", on_delete=models.PROTECT, related_name="+", verbose_name=_("department")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("department to visit")
        verbose_name_plural = _("departments to visit")
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["visit", "department"], name="linkage_visit_department_once"
            )
        ]

    def __str__(self) -> str:
        return str(self.department)


class Visitor(models.Model):
    """One person of a visiting group (a member of the applicant's hospital)."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="visitors")
    name = models.CharField(pgettext_lazy("person", "name"), max_length=60)
    title = models.CharField(
        _("professional title"), max_length=30, choices=User.Title.choices, blank=True
    )
    department = models.CharField(_("department"), max_length=60)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("visitor")
        verbose_name_plural = _("visitors")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class Education(models.TextChoices):
    DOCTORATE = "doctorate", _("doctorate")
    MASTER = "master", _("master's degree")
    BACHELOR = "bachelor", _("bachelor's degree")
    JUNIOR_COLLEGE = "junior_college", _("junior college")
    SECONDARY = "secondary", _("secondary vocational school")


class StudyPeriod(models.IntegerChoices):
    THREE = 3, _("3 months")
    SIX = 6, _("6 months")
    TWELVE = 12, _("12 months")


class AdvancedStudy(models.Model):
    """A registration for advanced study (进修) in a department of the lead hospital."""

    Education = Education
    Period = StudyPeriod

    request = models.OneToOneField(
        "workflow.BusinessRequest",
        on_delete=models.CASCADE,
        related_name="advanced_study",
        verbose_name=_("request"),
    )
    education = models.CharField(_("education"), max_length=20, choices=Education.choices)
    school = models.CharField(_("graduating school"), max_length=100)
    major = models.CharField(_("major"), max_length=60)
    graduation_year = models.PositiveSmallIntegerField(
        _("graduation year"), validators=[MinValueValidator(1950), MaxValueValidator(2100)]
    )
    years_in_practice = models.PositiveSmallIntegerField(
        _("years in practice"), validators=[MaxValueValidator(60)]
    )
    current_position = models.CharField(_("current position"), max_length=60)
    professional_title = models.CharField(
        _("professional title"), max_length=30, choices=User.Title.choices
    )
    clinical_experience = models.TextField(_("clinical experience"))
    department = models.ForeignKey(
        "orgs.Department",
        on_delete=models.PROTECT,
        related_name="advanced_studies",
        verbose_name=_("department to study in"),
    )
    period_months = models.PositiveSmallIntegerField(_("period"), choices=StudyPeriod.choices)
    start_date = models.DateField(_("start date"))

    class Meta:
        verbose_name = _("advanced study")
        verbose_name_plural = _("advanced studies")
        indexes = [
            models.Index(fields=["department", "start_date"], name="linkage_study_dept_month_idx")
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_months__in=[3, 6, 12]), name="linkage_study_period_3_6_12"
            )
        ]

    def __str__(self) -> str:
        return str(self.request)

    @property
    def end_date(self) -> date:
        """The last day of the study (a study from 1 December for six months ends on 31 May)."""
        return add_months(self.start_date, self.period_months) - timedelta(days=1)

    @property
    def holds_seat(self) -> bool:
        return self.request.status in SEAT_HOLDING_STATUSES


class StudyQuota(PublicModel):
    """How many advanced-study students a department takes for a start month."""

    department = models.ForeignKey(
        "orgs.Department",
        on_delete=models.CASCADE,
        related_name="study_quotas",
        verbose_name=_("department"),
    )
    month = models.DateField(_("start month"), help_text=_("The first day of the month."))
    seats = models.PositiveSmallIntegerField(
        _("seats"), validators=[MinValueValidator(1), MaxValueValidator(200)]
    )

    class Meta:
        verbose_name = _("advanced-study quota")
        verbose_name_plural = _("advanced-study quotas")
        ordering = ["month", "department__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["department", "month"], name="linkage_one_quota_per_department_month"
            ),
            models.CheckConstraint(condition=Q(seats__gte=1), name="linkage_quota_seats_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.department} · {self.month:%Y-%m}"


class SpecialBusinessType(PublicModel):
    """A special business a platform administrator defines (its application form too)."""

    name = models.CharField(_("name"), max_length=60, unique=True)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    ordering = models.PositiveSmallIntegerField(
        _("order"), default=0, help_text=_("Lower numbers are listed first.")
    )
    # The number of the last field key given out (keys are never given out twice).
    last_key = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("special business type")
        verbose_name_plural = _("special business types")
        ordering = ["ordering", "name"]

    def __str__(self) -> str:
        return self.name


class FieldType(models.TextChoices):
    TEXT = "text", _("text")
    LONG_TEXT = "long_text", _("long text")
    NUMBER = "number", _("number")
    DATE = "date", _("date")
    CHOICE = "choice", _("choice")
    FILE = "file", _("file")


class SpecialField(models.Model):
    """One question of a special business's application form."""

    Type = FieldType

    business_type = models.ForeignKey(
        SpecialBusinessType, on_delete=models.CASCADE, related_name="fields"
    )
    label = models.CharField(_("label"), max_length=60)
    key = models.CharField(
        _("key"),
        max_length=20,
        editable=False,
        help_text=_("Given from the field's position when it is added; never changes."),
    )
    field_type = models.CharField(_("type"), max_length=10, choices=FieldType.choices)
    required = models.BooleanField(_("required"), default=True)
    help_text = models.CharField(_("help text"), max_length=200, blank=True)
    choices = models.TextField(_("choices"), blank=True, help_text=_("One choice a line."))
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("special business field")
        verbose_name_plural = _("special business fields")
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["business_type", "key"], name="linkage_special_field_key_unique"
            ),
            models.UniqueConstraint(
                fields=["business_type", "label"], name="linkage_special_field_label_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def choice_list(self) -> list[str]:
        return [line.strip() for line in self.choices.splitlines() if line.strip()]

    def definition(self) -> dict[str, Any]:
        """What an application keeps of this field (its snapshot)."""
        return {
            "key": self.key,
            "label": self.label,
            "type": self.field_type,
            "required": self.required,
            "help_text": self.help_text,
            "choices": self.choice_list,
        }


class SpecialApplication(models.Model):
    """The answers of an application for a special business, with the form's definition
    as it was when the applicant filled it in."""

    request = models.OneToOneField(
        "workflow.BusinessRequest",
        on_delete=models.CASCADE,
        related_name="special_application",
        verbose_name=_("request"),
    )
    business_type = models.ForeignKey(
        SpecialBusinessType,
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("special business"),
    )
    type_name = models.CharField(_("special business"), max_length=60)
    definition = models.JSONField(_("form definition"), default=list)
    answers = models.JSONField(_("answers"), default=dict, encoder=DjangoJSONEncoder)

    class Meta:
        verbose_name = _("special business application")
        verbose_name_plural = _("special business applications")

    def __str__(self) -> str:
        return str(self.request)

    def rows(self) -> list[tuple[dict[str, Any], Any]]:
        """(field definition, answer) in the order the applicant saw the form."""
        return [(f, self.answers.get(f["key"])) for f in self.definition]
