"""People: one custom user model (phone as login) and role assignments."""

from __future__ import annotations

from functools import cached_property

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yilian.core.masking import mask_phone
from yilian.core.models import PublicModel

from .roles import PLATFORM_ROLES, Role

phone_validator = RegexValidator(
    r"^1[3-9]\d{9}$", _("Enter an 11-digit mainland mobile number, e.g. 13800138000.")
)


class UserQuerySet(models.QuerySet["User"]):
    def with_roles(self) -> UserQuerySet:
        return self.prefetch_related("role_assignments")

    def with_role(self, role: str) -> UserQuerySet:
        return self.filter(role_assignments__role=role)

    def active(self) -> UserQuerySet:
        return self.filter(status=User.Status.ACTIVE, is_active=True)


class UserManager(BaseUserManager.from_queryset(UserQuerySet)):  # type: ignore[misc]
    use_in_migrations = True

    def create_user(self, phone: str, password: str | None = None, **fields) -> User:
        if not phone:
            raise ValueError("A phone number is required")
        user = self.model(phone=phone, **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, phone: str, password: str | None = None, **fields) -> User:
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        fields.setdefault("status", User.Status.ACTIVE)
        fields.setdefault("name", "admin")
        user = self.create_user(phone, password, **fields)
        RoleAssignment.objects.create(user=user, role=Role.PLATFORM_ADMIN)
        return user


class User(PublicModel, AbstractBaseUser, PermissionsMixin):
    class Status(models.TextChoices):
        PENDING = "pending", _("pending approval")
        ACTIVE = "active", _("active")
        REJECTED = "rejected", _("rejected")
        DISABLED = "disabled", _("disabled")

    class Title(models.TextChoices):
        CHIEF_PHYSICIAN = "chief_physician", _("chief physician")
        ASSOCIATE_CHIEF_PHYSICIAN = "associate_chief_physician", _("associate chief physician")
        ATTENDING_PHYSICIAN = "attending_physician", _("attending physician")
        RESIDENT_PHYSICIAN = "resident_physician", _("resident physician")
        CHIEF_NURSE = "chief_nurse", _("chief nurse")
        SUPERVISOR_NURSE = "supervisor_nurse", _("supervisor nurse")
        NURSE = "nurse", _("nurse")
        TECHNICIAN = "technician", _("medical technician")
        ADMINISTRATOR = "administrator", _("administrative staff")
        NONE = "", _("none")

    phone = models.CharField(
        _("mobile phone"), max_length=11, unique=True, validators=[phone_validator]
    )
    name = models.CharField(pgettext_lazy("person", "name"), max_length=60)
    email = models.EmailField(_("e-mail"), blank=True)
    title = models.CharField(
        _("professional title"), max_length=30, choices=Title.choices, blank=True
    )
    licence_number = models.CharField(
        _("practising licence number"),
        max_length=30,
        blank=True,
        validators=[
            RegexValidator(r"^[0-9A-Za-z]{6,30}$", _("Use 6–30 letters or digits, no spaces."))
        ],
    )
    hospital = models.ForeignKey(
        "orgs.Hospital",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("hospital"),
    )
    department = models.ForeignKey(
        "orgs.Department",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("department"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    rejection_reason = models.CharField(_("reason for rejection"), max_length=300, blank=True)
    reviewed_by = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    is_active = models.BooleanField(_("can log in"), default=True)
    is_staff = models.BooleanField(_("Django admin access"), default=False)
    date_joined = models.DateTimeField(_("registered at"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "phone"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["name"]
        indexes = [models.Index(fields=["hospital", "status"])]

    def __str__(self) -> str:
        return self.name or self.phone

    def get_full_name(self) -> str:
        return self.name

    def get_short_name(self) -> str:
        return self.name

    # --- roles ---------------------------------------------------------------
    @cached_property
    def roles(self) -> frozenset[str]:
        return frozenset(a.role for a in self.role_assignments.all())

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def is_alliance_member(self) -> bool:
        """Works in the alliance (any role but patient): has sessions, classes, visits."""
        return bool(self.roles - {Role.PATIENT})

    @property
    def is_platform_member(self) -> bool:
        """Holds a role of the platform management side (sees the whole alliance)."""
        return bool(self.roles & PLATFORM_ROLES)

    @property
    def can_use_business(self) -> bool:
        return self.is_active and self.status == self.Status.ACTIVE

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)


class RoleAssignment(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, db_index=True)
    granted_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    granted_at = models.DateTimeField(_("granted at"), default=timezone.now)

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [models.UniqueConstraint(fields=["user", "role"], name="unique_user_role")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()}"


class RoleChange(models.Model):
    """One role granted or withdrawn: the log every role change appends to, never edited."""

    class Change(models.TextChoices):
        GRANTED = "granted", _("granted")
        REVOKED = "revoked", _("withdrawn")

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="role_changes", verbose_name=_("user")
    )
    # The user's hospital when it happened: a hospital administrator reads its own log.
    hospital = models.ForeignKey(
        "orgs.Hospital",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("hospital"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    change = models.CharField(_("change"), max_length=10, choices=Change.choices)
    actor = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("role change")
        verbose_name_plural = _("role changes")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.user} {self.change} {self.role}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise ValueError("Role changes are append-only.")
        super().save(*args, **kwargs)


class PasswordLink(models.Model):
    """A one-time link to set a password (a new hospital administrator, a reset by an
    administrator): only the token's hash is kept; used once, then gone."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="password_links", verbose_name=_("user")
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("set-password link")
        verbose_name_plural = _("set-password links")

    def __str__(self) -> str:
        return f"{self.user} · {self.expires_at:%Y-%m-%d %H:%M}"
