"""Patients of member hospitals. Identifiers are encrypted at rest (``EncryptedTextField``)
with keyed hashes beside them for lookup and de-duplication within a hospital."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from yilian.core.crypto import lookup_hash, lookup_hashes
from yilian.core.fields import EncryptedTextField
from yilian.core.masking import mask_national_id, mask_phone
from yilian.core.models import PublicModel


class Sex(models.TextChoices):
    MALE = "male", _("male")
    FEMALE = "female", _("female")
    UNKNOWN = "unknown", _("unknown")


class Patient(PublicModel):
    hospital = models.ForeignKey(
        "orgs.Hospital",
        on_delete=models.PROTECT,
        related_name="patients",
        verbose_name=_("hospital"),
    )
    name = models.CharField(_("name"), max_length=60)
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices, default=Sex.UNKNOWN)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    national_id = EncryptedTextField(_("national ID"), blank=True)
    national_id_hash = models.CharField(max_length=64, blank=True, editable=False)
    phone = EncryptedTextField(_("phone"), blank=True)
    phone_hash = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    medical_record_number = models.CharField(_("medical record number"), max_length=40, blank=True)
    address = EncryptedTextField(_("address"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("registered by"),
    )

    class Meta:
        verbose_name = _("patient")
        verbose_name_plural = _("patients")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["hospital", "name"], name="patients_hospital_name_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["hospital", "national_id_hash"],
                condition=~Q(national_id_hash=""),
                name="patients_one_record_per_national_id",
            ),
            models.UniqueConstraint(
                fields=["hospital", "medical_record_number"],
                condition=~Q(medical_record_number=""),
                name="patients_one_record_per_mrn",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The lookup hashes follow the values: one place decides them.
        self.national_id_hash = national_id_hash(self.national_id) if self.national_id else ""
        self.phone_hash = phone_hash(self.phone) if self.phone else ""
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            extra = {"national_id": "national_id_hash", "phone": "phone_hash"}
            kwargs["update_fields"] = {
                *update_fields,
                *(extra[f] for f in update_fields if f in extra),
            }
        super().save(*args, **kwargs)

    @property
    def masked_national_id(self) -> str:
        return mask_national_id(self.national_id) if self.national_id else ""

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone) if self.phone else ""


def national_id_hash(value: str) -> str:
    return lookup_hash(value, context="patients.patient.national_id")


def phone_hash(value: str) -> str:
    return lookup_hash(value, context="patients.patient.phone")


# Lookups match the hash under every configured field key: during a key rotation rows not
# yet moved to the current key still carry the old key's hash (yilian/core/crypto.py).
def national_id_is(value: str) -> Q:
    return Q(national_id_hash__in=lookup_hashes(value, context="patients.patient.national_id"))


def phone_is(value: str) -> Q:
    return Q(phone_hash__in=lookup_hashes(value, context="patients.patient.phone"))


class Consent(PublicModel):
    """A patient's informed consent (知情同意) to one business about them: a signed form
    uploaded by staff, or the patient's signature on a phone through a one-time link."""

    class Method(models.TextChoices):
        UPLOAD = "upload", _("signed form uploaded")
        SIGNATURE = "signature", _("signed on a phone")

    class Signer(models.TextChoices):
        PATIENT = "patient", _("the patient")
        GUARDIAN = "guardian", _("guardian")
        RELATIVE = "relative", _("close relative")

    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="consents", verbose_name=_("patient")
    )
    request = models.OneToOneField(
        "workflow.BusinessRequest",
        on_delete=models.CASCADE,
        related_name="consent",
        verbose_name=_("request"),
    )
    method = models.CharField(_("how"), max_length=10, choices=Method.choices)
    signer = models.CharField(
        _("signed by"), max_length=10, choices=Signer.choices, default=Signer.PATIENT
    )
    signer_name = models.CharField(_("signer's name"), max_length=60, blank=True)
    # The signed form, or the signature drawn on the phone (an image).
    document = models.ForeignKey(
        "files.FileAsset",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("document"),
    )
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    # The one-time signing link: only a hash of its token is kept.
    link_token_hash = models.CharField(max_length=64, blank=True, editable=False)
    link_expires_at = models.DateTimeField(_("link expires at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        verbose_name = _("informed consent")
        verbose_name_plural = _("informed consents")

    def __str__(self) -> str:
        return f"{self.patient} · {self.request}"

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None
