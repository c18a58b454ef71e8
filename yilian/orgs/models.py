"""The alliance and its organisations: hospitals, departments, execution teams, cloud rooms."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from yilian.core.dates import validate_time_zone
from yilian.core.models import PublicModel

if TYPE_CHECKING:
    from yilian.accounts.models import User


class Alliance(PublicModel):
    name = models.CharField(_("name"), max_length=120)
    short_name = models.CharField(_("short name"), max_length=40, blank=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("alliance")
        verbose_name_plural = _("alliances")

    def __str__(self) -> str:
        return self.name


class Division(models.Model):
    """An administrative division by GB/T 2260 code (province, prefecture city or county)."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("province")
        CITY = "city", _("city")
        COUNTY = "county", _("county")

    code = models.CharField(
        _("GB/T 2260 code"),
        max_length=6,
        primary_key=True,
        validators=[RegexValidator(r"^\d{6}$", _("A division code has six digits."))],
    )
    name = models.CharField(_("name"), max_length=60)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )

    class Meta:
        verbose_name = _("administrative division")
        verbose_name_plural = _("administrative divisions")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def province_code(self) -> str:
        return f"{self.code[:2]}0000"


class HospitalQuerySet(models.QuerySet["Hospital"]):
    def active(self) -> HospitalQuerySet:
        return self.filter(status=Hospital.Status.ACTIVE)

    def visible_to(self, user: User) -> HospitalQuerySet:
        """The directory of member hospitals is open to every active member of the alliance;
        hospitals still applying or assessing are seen by the platform and by themselves."""
        if not user.is_authenticated:
            return self.none()
        if user.is_platform_member:
            return self.all()
        members = self.filter(
            status__in=[
                Hospital.Status.ACTIVE,
                Hospital.Status.SUSPENDED,
                Hospital.Status.WITHDRAWN,
            ]
        )
        if user.hospital_id:
            return members | self.filter(pk=user.hospital_id)
        return members


class Hospital(PublicModel):
    class Category(models.TextChoices):
        GENERAL = "general", _("general hospital")
        SPECIALIST = "specialist", _("specialist hospital")
        MATERNAL_CHILD = "maternal_child", _("maternal and child health hospital")
        COMMUNITY = "community", _("community health centre")

    class Grade(models.TextChoices):
        GRADE_3A = "3a", _("tertiary grade A")
        GRADE_3B = "3b", _("tertiary grade B")
        GRADE_2A = "2a", _("secondary grade A")
        GRADE_2B = "2b", _("secondary grade B")
        GRADE_1 = "1", _("primary")
        UNRATED = "unrated", _("unrated")

    class Tier(models.TextChoices):
        PROVINCE = "province", _("provincial")
        CITY = "city", _("city")
        COUNTY = "county", _("county")
        TOWNSHIP = "township", _("township")

    class Status(models.TextChoices):
        APPLYING = "applying", _("applying")
        ASSESSING = "assessing", _("assessing")
        ACTIVE = "active", _("active")
        SUSPENDED = "suspended", _("suspended")
        WITHDRAWN = "withdrawn", _("withdrawn")

    alliance = models.ForeignKey(Alliance, on_delete=models.PROTECT, related_name="hospitals")
    name = models.CharField(_("name"), max_length=120)
    short_name = models.CharField(_("short name"), max_length=40, blank=True)
    licence_code = models.CharField(
        _("licence code"),
        max_length=32,
        unique=True,
        help_text=_("Registration number of the medical institution practising licence."),
    )
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    grade = models.CharField(_("grade"), max_length=10, choices=Grade.choices)
    tier = models.CharField(_("tier"), max_length=10, choices=Tier.choices)
    division = models.ForeignKey(
        Division, on_delete=models.PROTECT, related_name="hospitals", verbose_name=_("division")
    )
    province_code = models.CharField(
        _("province code"), max_length=6, editable=False, db_index=True
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.APPLYING, db_index=True
    )
    is_lead = models.BooleanField(_("lead hospital"), default=False)
    # The zone its sessions are shown in (calendar feeds); China keeps one civil time.
    time_zone = models.CharField(
        _("time zone"),
        max_length=40,
        default=settings.TIME_ZONE,
        validators=[validate_time_zone],
        help_text=_("IANA name, for example Asia/Shanghai."),
    )

    objects = HospitalQuerySet.as_manager()

    class Meta:
        verbose_name = _("hospital")
        verbose_name_plural = _("hospitals")
        ordering = ["-is_lead", "name"]
        indexes = [models.Index(fields=["tier", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["alliance"],
                condition=models.Q(is_lead=True),
                name="one_lead_hospital_per_alliance",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        # The province is derived from the division code: one place decides it.
        self.province_code = f"{self.division_id[:2]}0000" if self.division_id else ""
        if kwargs.get("update_fields") is not None and "division" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "province_code"}
        super().save(*args, **kwargs)


class Specialty(models.TextChoices):
    """Clinical specialties (a subset of the national diagnosis-and-treatment subject list)."""

    INTERNAL_MEDICINE = "internal_medicine", _("internal medicine")
    CARDIOLOGY = "cardiology", _("cardiology")
    RESPIRATORY = "respiratory", _("respiratory medicine")
    GASTROENTEROLOGY = "gastroenterology", _("gastroenterology")
    NEUROLOGY = "neurology", _("neurology")
    ENDOCRINOLOGY = "endocrinology", _("endocrinology")
    NEPHROLOGY = "nephrology", _("nephrology")
    HAEMATOLOGY = "haematology", _("haematology")
    ONCOLOGY = "oncology", _("oncology")
    GENERAL_SURGERY = "general_surgery", _("general surgery")
    ORTHOPAEDICS = "orthopaedics", _("orthopaedics")
    NEUROSURGERY = "neurosurgery", _("neurosurgery")
    CARDIOTHORACIC = "cardiothoracic", _("cardiothoracic surgery")
    UROLOGY = "urology", _("urology")
    OBSTETRICS_GYNAECOLOGY = "obstetrics_gynaecology", _("obstetrics and gynaecology")
    PAEDIATRICS = "paediatrics", _("paediatrics")
    OPHTHALMOLOGY = "ophthalmology", _("ophthalmology")
    ENT = "ent", _("otorhinolaryngology")
    DERMATOLOGY = "dermatology", _("dermatology")
    PSYCHIATRY = "psychiatry", _("psychiatry")
    INFECTIOUS_DISEASES = "infectious_diseases", _("infectious diseases")
    EMERGENCY = "emergency", _("emergency medicine")
    CRITICAL_CARE = "critical_care", _("critical care medicine")
    ANAESTHESIOLOGY = "anaesthesiology", _("anaesthesiology")
    RADIOLOGY = "radiology", _("medical imaging")
    PATHOLOGY = "pathology", _("pathology")
    LABORATORY = "laboratory", _("laboratory medicine")
    REHABILITATION = "rehabilitation", _("rehabilitation medicine")
    TCM = "tcm", _("traditional Chinese medicine")
    GENERAL_PRACTICE = "general_practice", _("general practice")
    NURSING = "nursing", _("nursing")
    ADMINISTRATION = "administration", _("administration")


class Department(PublicModel):
    hospital = models.ForeignKey(Hospital, on_delete=models.CASCADE, related_name="departments")
    name = models.CharField(_("name"), max_length=60)
    specialty = models.CharField(_("specialty"), max_length=30, choices=Specialty.choices)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["hospital", "name"], name="unique_department_name")
        ]

    def __str__(self) -> str:
        return self.name


class Team(PublicModel):
    """An execution team (业务执行团队): the experts who carry out a kind of business."""

    hospital = models.ForeignKey(
        Hospital, on_delete=models.PROTECT, related_name="teams", verbose_name=_("hospital")
    )
    name = models.CharField(_("name"), max_length=80)
    specialty = models.CharField(_("specialty"), max_length=30, choices=Specialty.choices)
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="led_teams",
        verbose_name=_("lead"),
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="teams", blank=True, verbose_name=_("members")
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("execution team")
        verbose_name_plural = _("execution teams")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TeamService(models.Model):
    """A business kind an execution team serves (kind codes come from the business registry)."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="services")
    kind = models.CharField(_("business kind"), max_length=40, db_index=True)

    class Meta:
        verbose_name = _("team service")
        verbose_name_plural = _("team services")
        constraints = [models.UniqueConstraint(fields=["team", "kind"], name="unique_team_kind")]

    def __str__(self) -> str:
        return f"{self.team} · {self.kind}"


class RoomQuerySet(models.QuerySet["Room"]):
    def administered_by(self, user: User) -> RoomQuerySet:
        """The one rule for "``user`` administers this room": the room-administrator role
        AND a place among the room's administrators (withdrawing either ends it)."""
        from yilian.accounts.roles import Role

        if (
            not user.is_authenticated
            or not user.can_use_business
            or not user.has_role(Role.ROOM_ADMIN)
        ):
            return self.none()
        return self.filter(administrators=user)


class Room(PublicModel):
    """A cloud room (云诊室/云会议室/云教室/手术示教间)."""

    class Kind(models.TextChoices):
        CONSULTATION = "consultation", _("consultation room")
        MEETING = "meeting", _("meeting room")
        TEACHING = "teaching", _("teaching room")
        SURGERY_DEMO = "surgery_demo", _("surgery demonstration room")

    hospital = models.ForeignKey(Hospital, on_delete=models.PROTECT, related_name="rooms")
    name = models.CharField(_("name"), max_length=80)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    capacity = models.PositiveIntegerField(
        _("capacity"), default=10, validators=[MinValueValidator(2)]
    )
    administrators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="administered_rooms",
        blank=True,
        verbose_name=_("administrators"),
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = RoomQuerySet.as_manager()

    class Meta:
        verbose_name = _("cloud room")
        verbose_name_plural = _("cloud rooms")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CooperationPlan(PublicModel):
    """Which businesses a member hospital's cooperation agreement covers (合作方案), with
    its cooperation tier, quotas, scope and responsible contact, for one validity year.

    A hospital without a plan, or with no kinds switched off, may apply for every business.
    ``quotas`` caps how many requests of a kind the hospital may make per month or year:
    ``{"consultation": {"limit": 20, "per": "month"}}`` (a kind left out has no cap).
    """

    class Tier(models.TextChoices):
        CORE = "core", _("close cooperation")
        STANDARD = "standard", _("standard cooperation")
        BASIC = "basic", _("basic cooperation")

    class Per(models.TextChoices):
        MONTH = "month", _("per month")
        YEAR = "year", _("per year")

    hospital = models.OneToOneField(
        Hospital,
        on_delete=models.CASCADE,
        related_name="cooperation_plan",
        verbose_name=_("hospital"),
    )
    disabled_kinds = models.JSONField(
        _("businesses not covered"),
        default=list,
        blank=True,
        help_text=_("Codes of the business kinds this hospital may not apply for."),
    )
    note = models.TextField(_("note"), blank=True)
    tier = models.CharField(_("cooperation tier"), max_length=10, choices=Tier.choices, blank=True)
    quotas = models.JSONField(_("quotas"), default=dict, blank=True)
    scope = models.TextField(_("cooperation scope"), blank=True)
    contact_name = models.CharField(_("responsible contact"), max_length=60, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    year = models.PositiveIntegerField(_("valid for year"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("cooperation plan")
        verbose_name_plural = _("cooperation plans")

    def __str__(self) -> str:
        return str(self.hospital)

    def enables(self, kind_code: str) -> bool:
        return kind_code not in self.disabled_kinds

    def quota_for(self, kind_code: str) -> tuple[int, str] | None:
        """(limit, "month"|"year") when the plan caps ``kind_code``, else None."""
        entry = (self.quotas or {}).get(kind_code)
        if not entry:
            return None
        return int(entry["limit"]), entry.get("per", self.Per.MONTH)
