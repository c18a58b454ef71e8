"""Writing patients and their informed consent. Views parse and authorise reads; every
write goes through one of these functions."""

from __future__ import annotations

import base64
import binascii
import struct
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.db import IntegrityError, transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from yilian.accounts.models import User
from yilian.accounts.roles import Role
from yilian.core.links import LinkGone, new_token, token_hash
from yilian.files.services import store_upload
from yilian.files.validators import PNG, SCANS
from yilian.workflow.models import BusinessRequest, Status

from . import identity
from .models import Consent, Patient, Sex, national_id_is

# Who may write patients: the staff and administrators of the patient's hospital.
WRITER_ROLES = frozenset({Role.STAFF, Role.HOSPITAL_ADMIN})
# A request's consent is recorded while the applicant still prepares it.
CONSENT_STATUSES = frozenset({Status.DRAFT, Status.RETURNED})
LINK_LIFETIME = timedelta(minutes=30)
# A signature drawn on a phone: a PNG of at most this size and these dimensions.
SIGNATURE_MAX_BYTES = 512 * 1024
SIGNATURE_MAX_SIDE = 4000
_DATA_URL_PREFIX = "data:image/png;base64,"


# --- patients ------------------------------------------------------------------------------


def may_write_patients(user: User) -> bool:
    """Whether ``user`` may register patients for their own hospital."""
    return bool(
        user.is_authenticated
        and user.can_use_business
        and user.hospital_id
        and user.has_role(*WRITER_ROLES)
    )


def may_edit(user: User, patient: Patient) -> bool:
    return may_write_patients(user) and user.hospital_id == patient.hospital_id


def _clean_identity(
    *,
    hospital_id: int,
    name: str,
    sex: str,
    birth_date: date | None,
    national_id: str,
    phone: str,
    medical_record_number: str,
    address: str,
    exclude_pk: int | None = None,
) -> dict[str, Any]:
    """The normalised values, or ``ValidationError`` keyed by field saying what is wrong."""
    errors: dict[str, list[Any]] = {}
    name = (name or "").strip()
    medical_record_number = (medical_record_number or "").strip()
    address = (address or "").strip()
    sex = sex or ""
    if not name:
        errors.setdefault("name", []).append(_("Give the patient's name."))
    if sex and sex not in Sex.values:
        errors.setdefault("sex", []).append(_("Choose male, female or unknown."))

    clean_id = ""
    if (national_id or "").strip():
        try:
            clean_id = identity.validate_national_id(national_id)
        except ValidationError as exc:
            errors.setdefault("national_id", []).extend(exc.messages)
    if clean_id:
        id_birth = identity.birth_date_of(clean_id)
        id_sex = identity.sex_of(clean_id)
        if birth_date is None:
            birth_date = id_birth
        elif birth_date != id_birth:
            errors.setdefault("birth_date", []).append(
                _("The national ID says this patient was born on %(date)s.")
                % {"date": id_birth.isoformat()}
            )
        if not sex or sex == Sex.UNKNOWN:
            sex = id_sex
        elif sex != id_sex:
            errors.setdefault("sex", []).append(
                _("The national ID says this patient is %(sex)s.") % {"sex": Sex(id_sex).label}
            )
    if birth_date is not None and birth_date > timezone.localdate():
        errors.setdefault("birth_date", []).append(_("The birth date is in the future."))

    clean_phone = ""
    if (phone or "").strip():
        try:
            clean_phone = identity.validate_phone(phone)
        except ValidationError as exc:
            errors.setdefault("phone", []).extend(exc.messages)

    if not (national_id or "").strip() and not medical_record_number:
        errors.setdefault("national_id", []).append(
            _("Give the national ID or the medical record number (at least one).")
        )

    if not errors:
        same_hospital = Patient.objects.filter(hospital_id=hospital_id)
        if exclude_pk is not None:
            same_hospital = same_hospital.exclude(pk=exclude_pk)
        if clean_id:
            twin = same_hospital.filter(national_id_is(clean_id)).first()
            if twin is not None:
                errors["national_id"] = [_duplicate(twin, _("this national ID"))]
        if medical_record_number:
            twin = same_hospital.filter(medical_record_number=medical_record_number).first()
            if twin is not None:
                errors["medical_record_number"] = [
                    _duplicate(twin, _("this medical record number"))
                ]
    if errors:
        raise ValidationError(errors)
    return {
        "name": name,
        "sex": sex or Sex.UNKNOWN,
        "birth_date": birth_date,
        "national_id": clean_id,
        "phone": clean_phone,
        "medical_record_number": medical_record_number,
        "address": address,
    }


def _duplicate(existing: Patient, what: str) -> SafeString:
    return format_html(
        _('Your hospital already has a patient with {what}: <a href="{url}">{name}</a>.'),
        what=what,
        url=reverse("patients:detail", args=[existing.public_id]),
        name=existing.name,
    )


def register_patient(
    *,
    actor: User,
    name: str,
    sex: str = "",
    birth_date: date | None = None,
    national_id: str = "",
    phone: str = "",
    medical_record_number: str = "",
    address: str = "",
) -> Patient:
    """A new patient of ``actor``'s hospital. Birth date and sex come from the national ID
    when left empty and must agree with it otherwise; a second record of the same person
    (national ID or medical record number) in the hospital is refused, naming the first."""
    if not may_write_patients(actor):
        raise PermissionDenied(_("Only the staff of a member hospital may register patients."))
    assert actor.hospital_id is not None
    values = _clean_identity(
        hospital_id=actor.hospital_id,
        name=name,
        sex=sex,
        birth_date=birth_date,
        national_id=national_id,
        phone=phone,
        medical_record_number=medical_record_number,
        address=address,
    )
    try:
        with transaction.atomic():
            return Patient.objects.create(hospital_id=actor.hospital_id, created_by=actor, **values)
    except IntegrityError:  # the same person registered a moment ago by someone else
        _clean_identity(hospital_id=actor.hospital_id, **values)
        raise


def update_patient(
    patient: Patient,
    *,
    actor: User,
    name: str,
    sex: str = "",
    birth_date: date | None = None,
    national_id: str = "",
    phone: str = "",
    medical_record_number: str = "",
    address: str = "",
) -> Patient:
    """Change ``patient`` with the same checks as registering one."""
    if not may_edit(actor, patient):
        raise PermissionDenied(_("Only the staff of the patient's hospital may change it."))
    values = _clean_identity(
        hospital_id=patient.hospital_id,
        name=name,
        sex=sex,
        birth_date=birth_date,
        national_id=national_id,
        phone=phone,
        medical_record_number=medical_record_number,
        address=address,
        exclude_pk=patient.pk,
    )
    try:
        with transaction.atomic():
            locked = Patient.objects.select_for_update().get(pk=patient.pk)
            for key, value in values.items():
                setattr(locked, key, value)
            locked.save(update_fields=[*values, "updated_at"])
    except IntegrityError:
        _clean_identity(hospital_id=patient.hospital_id, exclude_pk=patient.pk, **values)
        raise
    return locked


# --- informed consent -------------------------------------------------------------------


def may_record_consent(user: User, request: BusinessRequest) -> bool:
    """The applicant's hospital records the consent while the request is a draft or was
    returned to it, and only for a request about a patient."""
    return bool(
        request.patient_id is not None
        and request.status in CONSENT_STATUSES
        and may_write_patients(user)
        and user.hospital_id == request.applicant_hospital_id
    )


def _authorise_consent(user: User, request: BusinessRequest) -> None:
    if request.patient_id is None:
        raise ValidationError(
            {"patient": _("Choose the patient this request is about first.")}, code="no_patient"
        )
    if not may_record_consent(user, request):
        raise PermissionDenied(
            _("The consent is recorded by the applicant's hospital while the request is a draft.")
        )


def current_consent(request: BusinessRequest) -> Consent | None:
    """The request's consent if it is about the request's current patient."""
    consent = Consent.objects.filter(request=request).select_related("document").first()
    if consent is None or consent.patient_id != request.patient_id:
        return None
    return consent


def _consent_to_fill(request: BusinessRequest, actor: User, *, keep_link: bool = False) -> Consent:
    """The request's consent row, locked, ready to be (re)filled: refused if it is already
    signed for the request's patient. With ``keep_link`` an open signing link stays known,
    so opening it after the form was uploaded says "already used" rather than "unknown"."""
    patient_id = request.patient_id
    assert patient_id is not None  # checked by _authorise_consent
    consent = Consent.objects.select_for_update().filter(request=request).first()
    if consent is None:
        return Consent(request=request, patient_id=patient_id, created_by=actor)
    if consent.signed_at is not None and consent.patient_id == request.patient_id:
        raise ValidationError(
            _("The patient's consent to this request is already recorded."), code="signed"
        )
    # An earlier link, or a consent of a patient the request no longer names: start again.
    if not keep_link or consent.patient_id != request.patient_id:
        consent.link_token_hash = ""
        consent.link_expires_at = None
    consent.patient_id = patient_id
    consent.created_by = actor
    consent.document = None
    consent.signed_at = None
    consent.signer_name = ""
    return consent


def _locked_request(request: BusinessRequest) -> BusinessRequest:
    return BusinessRequest.objects.select_for_update().get(pk=request.pk)


def _clean_signer(signer: str, signer_name: str) -> tuple[str, str]:
    errors: dict[str, list[Any]] = {}
    if signer not in Consent.Signer.values:
        errors["signer"] = [_("Say who signed: the patient, a guardian or a close relative.")]
    signer_name = (signer_name or "").strip()
    if not signer_name:
        errors["signer_name"] = [_("Give the name of the person who signed.")]
    elif len(signer_name) > 60:
        errors["signer_name"] = [_("The name may have at most 60 characters.")]
    if errors:
        raise ValidationError(errors)
    return signer, signer_name


def record_uploaded_consent(
    request: BusinessRequest,
    *,
    actor: User,
    upload: UploadedFile,
    signer: str,
    signer_name: str,
) -> Consent:
    """The signed consent form (PDF, JPEG or PNG) uploaded by the applicant's hospital."""
    _authorise_consent(actor, request)
    signer, signer_name = _clean_signer(signer, signer_name)
    with transaction.atomic():
        request = _locked_request(request)
        _authorise_consent(actor, request)
        consent = _consent_to_fill(request, actor, keep_link=True)
        try:
            document = store_upload(
                upload,
                owner=actor,
                target=request,
                purpose="consent",
                allowed_types=SCANS,
                check_access=False,  # authorised above: the applicant's hospital, a draft
            )
        except ValidationError as exc:
            raise ValidationError({"document": exc.messages}) from None
        consent.method = Consent.Method.UPLOAD
        consent.signer = signer
        consent.signer_name = signer_name
        consent.document = document
        consent.signed_at = timezone.now()
        consent.save()
    return consent


@dataclass(frozen=True)
class SigningLink:
    consent: Consent
    token: str  # shown once; only its hash is kept

    @property
    def path(self) -> str:
        return reverse("patients:consent_sign", args=[self.token])

    @property
    def expires_at(self) -> datetime:
        assert self.consent.link_expires_at is not None
        return self.consent.link_expires_at


def create_signing_link(request: BusinessRequest, *, actor: User) -> SigningLink:
    """A one-time link for the patient to sign on a phone, valid for 30 minutes. A new
    link replaces any earlier one that was not used."""
    _authorise_consent(actor, request)
    token = new_token()
    with transaction.atomic():
        request = _locked_request(request)
        _authorise_consent(actor, request)
        consent = _consent_to_fill(request, actor)
        consent.method = Consent.Method.SIGNATURE
        consent.link_token_hash = token_hash(token)
        consent.link_expires_at = timezone.now() + LINK_LIFETIME
        consent.save()
    return SigningLink(consent, token)


def consent_for_token(token: str, *, lock: bool = False) -> Consent:
    """The consent a signing link is for: ``Http404`` for an unknown token, ``LinkGone``
    for a used or expired one."""
    if not token or len(token) > 100:
        raise Http404
    qs = Consent.objects.select_related(
        "patient", "request", "request__applicant_hospital", "created_by"
    )
    if lock:
        qs = qs.select_for_update(of=("self",))
    consent = qs.filter(link_token_hash=token_hash(token)).first()
    if consent is None:
        raise Http404
    if consent.signed_at is not None:
        raise LinkGone("used")
    if consent.link_expires_at is None or consent.link_expires_at <= timezone.now():
        raise LinkGone("expired")
    if consent.request.status not in CONSENT_STATUSES:
        raise LinkGone("expired")
    return consent


def signature_png(data_url: str) -> bytes:
    """The PNG bytes of a signature pad's data URL, or ``ValidationError``."""
    data_url = (data_url or "").strip()
    if not data_url:
        raise ValidationError(
            {"signature": [_("Sign in the box before sending.")]}, code="no_signature"
        )
    if not data_url.startswith(_DATA_URL_PREFIX):
        raise ValidationError({"signature": [_("The signature is not a PNG image.")]})
    encoded = data_url[len(_DATA_URL_PREFIX) :]
    if len(encoded) > (SIGNATURE_MAX_BYTES * 4) // 3 + 4:
        raise ValidationError({"signature": [_("The signature image is too large.")]})
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError({"signature": [_("The signature could not be read.")]}) from None
    # The header of a PNG: signature, then the IHDR chunk with width and height.
    if len(raw) < 24 or raw[:8] != b"\x89PNG\r\n\x1a\n" or raw[12:16] != b"IHDR":
        raise ValidationError({"signature": [_("The signature is not a PNG image.")]})
    width, height = struct.unpack(">II", raw[16:24])
    if not (0 < width <= SIGNATURE_MAX_SIDE and 0 < height <= SIGNATURE_MAX_SIDE):
        raise ValidationError({"signature": [_("The signature image has odd dimensions.")]})
    return raw


def sign_consent(token: str, *, signer: str, signer_name: str, signature: str) -> Consent:
    """The patient (or their guardian or relative) signs through the one-time link: the
    drawn signature becomes the consent's document and the link is used up."""
    consent_for_token(token)  # a clear 404/410 before reading the signature
    signer, signer_name = _clean_signer(signer, signer_name)
    png = signature_png(signature)
    with transaction.atomic():
        consent = consent_for_token(token, lock=True)  # two phones, one signature
        upload = SimpleUploadedFile("signature.png", png, PNG)
        try:
            document = store_upload(
                upload,
                owner=consent.created_by,
                target=consent.request,
                purpose="consent-signature",
                allowed_types={PNG},
                max_bytes=SIGNATURE_MAX_BYTES,
                check_access=False,  # the link's token is the authorisation
            )
        except ValidationError as exc:
            raise ValidationError({"signature": exc.messages}) from None
        consent.method = Consent.Method.SIGNATURE
        consent.signer = signer
        consent.signer_name = signer_name
        consent.document = document
        consent.signed_at = timezone.now()
        consent.save(
            update_fields=["method", "signer", "signer_name", "document", "signed_at", "updated_at"]
        )
    return consent
