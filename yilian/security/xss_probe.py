"""Script-injection probes for every free-text field of every model.

The browser test ``e2e/security/test_xss_everywhere.py`` writes the :data:`VECTORS` into the
rows of a seeded demo alliance with :func:`fill`, then signs in as every role and reads the
pages: none of the vectors may run. Which fields get a probe is decided here, field by field:

* a free-text field (``CharField``/``TextField``/``JSONField`` without choices) is either
  listed in :data:`FILLED` or exempted — by a rule of :func:`rule_exemption` (keys, digests,
  validated formats) or by name in :data:`EXEMPT`, always with the reason;
* ``yilian/security/tests/test_xss_probe.py`` fails when a model or field appears that is in
  neither list, so the probe keeps covering every field.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.apps import apps
from django.core.validators import MaxLengthValidator, ProhibitNullCharactersValidator
from django.db import models

# Each vector sets ``window.__xss`` or opens a dialog if it ever runs, and each contains
# ``__xss`` so the page shows it as text when it is escaped.
VECTORS: tuple[str, ...] = (
    "<script>window.__xss=1</script>",
    '"><img src=x onerror="window.__xss=1">',
    "<svg onload=window.__xss=1>",
    "'><svg/onload=alert('__xss')>",
    "</textarea><script>alert('__xss')</script>",
    "{{7*7}}${7*7}{% raw %}<b>__xss</b>",
    '<a href="javascript:window.__xss=1">点击查看__xss</a>',
    '<iframe srcdoc="<script>parent.__xss=1</script>"></iframe>',
    "<details open ontoggle=window.__xss=1>",
    "会诊意见：<img src=x onerror=alert('__xss')>请复核",
)
# For URL-ish fields: a script URL where a link or a redirect target is expected.
URL_VECTOR = "javascript:window.__xss=1//__xss"
# For fields too short to hold a whole vector: it breaks out of attribute quotes.
SHORT_VECTOR = "\"'><b>__xss"
MARKER = "__xss"

TEXT_FIELD_TYPES = (models.CharField, models.TextField, models.JSONField)

# The free-text fields that get a probe, per model ("app_label.Model": "field field …").
# URL fields (see URL_FIELDS) get the script URL; JSON fields get the vectors as their values.
FILLED: dict[str, str] = {
    "accounts.User": "name rejection_reason",
    "orgs.Alliance": "name short_name description",
    "orgs.Division": "name",
    "orgs.Hospital": "name short_name licence_code address",
    "orgs.Department": "name",
    "orgs.Team": "name",
    "orgs.Room": "name",
    "orgs.CooperationPlan": "note scope contact_name",
    "notify.Notification": "title body url summary",
    "notify.Delivery": "detail",
    "files.FileAsset": "original_name",
    "patients.Patient": "name national_id medical_record_number address",
    "patients.Consent": "signer_name",
    "workflow.BusinessRequest": "title arrangement contact",
    "workflow.RequestEvent": "note payload",
    "workflow.Opinion": "body",
    "workflow.Feedback": "comment",
    "workflow.QCReview": "checklist comment",
    "linkage.Visit": "purpose",
    "linkage.Visitor": "name department",
    "linkage.AdvancedStudy": "school major current_position clinical_experience",
    "linkage.SpecialBusinessType": "name description",
    "linkage.SpecialField": "label help_text choices",
    "linkage.SpecialApplication": "type_name definition answers",
    "medical.Consultation": "case_summary clinical_question",
    "referrals.Referral": "reason diagnosis_text",
    "clinics.ClinicException": "reason",
    "clinics.ClinicVisit": "complaint",
    "clinics.WardRound": "ward",
    "clinics.WardRoundPatient": "bed summary question comment action_taken",
    "followups.FollowUpTemplate": "name questions",
    "followups.FollowUpPlan": "template_name questions",
    "followups.FollowUpVisit": "answers",
    "registries.Registry": "name description fields indicators",
    "registries.Case": "answers",
    "registries.CaseRevision": "changes",
    "teaching.Category": "name",
    "teaching.Course": "title description",
    "teaching.Lesson": "title",
    "teaching.CmeClass": "title description",
    "teaching.CmeSession": "title place",
    "teaching.Credit": "learner_name",
    "teaching.TrainingRequest": "topic audience",
    "sentinel.Programme": "name description",
    "sentinel.Indicator": "label",
    "sentinel.AlertRule": "name",
    "sentinel.AlertNote": "comment",
    "standards.Category": "name",
    "standards.Standard": "title code summary",
    "standards.StandardVersion": "label notes",
    "standards.Question": "text choices",
    "healthedu.Category": "name",
    "healthedu.Tag": "name",
    "healthedu.Item": "title summary body review_comment",
    "healthedu.ItemEvent": "comment",
    "live.LiveEvent": "title description",
    "casebank.DifficultCase": "diagnosis summary question opinion outcome tags",
    "casebank.ResearchExport": "purpose query reason",
    "accession.Application": "introduction review_note",
    "accession.Question": "text help_text options",
    "accession.Assessment": "answers adjustment_reason",
    "supervision.Ticket": "title body answer rating_comment",
    "reporting.Dataset": "name description",
    "reporting.Indicator": "label unit help choices",
    "reporting.Rule": "message",
    "reporting.Period": "label",
    "reporting.Submission": "comments",
    "reporting.Value": "text",
    "reporting.SubmissionEvent": "note payload",
    "imaging.Upload": "name error",
    "imaging.Study": "description modality",
    "imaging.Series": "description modality",
    "imaging.Slide": "vendor",
    "imaging.Annotation": "comment",
    "imaging.Snapshot": "caption",
    "realtime.RoomSession": "title",
    "realtime.ChatMessage": "body",
    "api.PersonalAccessToken": "name",
    "security.AccountSession": "user_agent",
}

URL_FIELDS = frozenset({"notify.Notification.url"})

# Free-text fields that get no probe, each with the reason it was reviewed and left out.
EXEMPT: dict[str, str] = {
    "orgs.Hospital.province_code": "GB/T 2260 division code, joined on",
    "orgs.Hospital.phone": "telephone number",
    "orgs.TeamService.kind": "business kind code from the kind registry",
    "orgs.CooperationPlan.disabled_kinds": "list of business kind codes",
    "orgs.CooperationPlan.quotas": "business kind code → number",
    "orgs.CooperationPlan.contact_phone": "telephone number",
    "notify.Notification.verb": "event code that picks the wording",
    "files.FileAsset.purpose": "code of what the file belongs to",
    "files.FileAsset.sha256": "content digest",
    "files.FileAsset.mime_type": "content type that decides how the file is served",
    "files.FileAsset.storage_key": "storage path of the file",
    "patients.Patient.phone": "telephone number (encrypted)",
    "audit.AuditEntry.path": "append-only: the database refuses updates (request paths)",
    "audit.AuditEntry.object_type": "model label",
    "audit.AuditEntry.object_id": "object identifier",
    "audit.AuditArchive.file_name": "append-only ledger: the database refuses updates (file name)",
    "audit.AuditArchive.sha256": "append-only ledger: the database refuses updates (digest)",
    "audit.AuditArchive.operator": "append-only ledger: the database refuses updates (name)",
    "workflow.BusinessRequest.kind": "business kind code from the kind registry",
    "workflow.RequestEvent.from_status": "status code",
    "workflow.RequestEvent.to_status": "status code",
    "linkage.SpecialField.key": "form field key the answers are stored under",
    "medical.Consultation.mdt_specialties": "list of specialty codes",
    "referrals.Referral.diagnosis_code": "ICD-10 code",
    "followups.FollowUpTemplate.offsets": "list of day numbers",
    "followups.FollowUpPlan.offsets": "list of day numbers",
    "registries.Registry.icd_patterns": "ICD-10 prefixes matched against codes",
    "registries.Registry.derived": "expressions computed from the answers",
    "registries.Case.diagnosis_code": "ICD-10 code",
    "teaching.Credit.code": "certificate number checked on the public page",
    "sentinel.Alert.series": "list of numbers",
    "standards.Standard.target_tiers": "list of tier codes",
    "standards.Standard.target_categories": "list of category codes",
    "standards.Standard.target_roles": "list of role codes",
    "healthedu.Item.slug": "random share-link token in the public URL",
    "live.LiveEvent.stream_key": "secret key of the stream",
    "live.LiveEvent.playback_id": "identifier in the playback URL",
    "live.LiveEvent.published_key": "secret key of the stream",
    "casebank.DifficultCase.age_band": "age band code",
    "casebank.DifficultCase.icd10": "ICD-10 code",
    "casebank.DifficultCase.search_text": "derived search tokens, never shown",
    "casebank.DifficultCase.search_chars": "derived search tokens, never shown",
    "casebank.ResearchExport.icd10": "ICD-10 code",
    "casebank.ResearchExport.case_ids": "list of identifiers",
    "analytics.ActivityEvent.kind": "business kind code",
    "analytics.ActivityEvent.action": "action code",
    "analytics.DailyRollup.kind": "business kind code",
    "analytics.DailyRollup.metric": "metric code",
    "analytics.MonthlyRollup.kind": "business kind code",
    "analytics.MonthlyRollup.metric": "metric code",
    "accession.Question.bands": "score bands (numbers and grade codes)",
    "accession.Question.kind": "question type code",
    "accession.Assessment.proposal": "computed grade proposal",
    "reporting.Dataset.tiers": "list of tier codes",
    "reporting.Dataset.categories": "list of category codes",
    "reporting.Indicator.expression": "formula evaluated over other indicators",
    "reporting.Rule.condition": "formula evaluated over the values",
    "reporting.Rule.field": "indicator code",
    "reporting.SubmissionEvent.action": "action code",
    "reporting.SubmissionEvent.from_status": "status code",
    "reporting.SubmissionEvent.to_status": "status code",
    "imaging.Study.study_uid": "DICOM UID",
    "imaging.Study.source_uid": "DICOM UID",
    "imaging.Study.uid_map": "DICOM UID → UID",
    "imaging.Series.series_uid": "DICOM UID",
    "imaging.Instance.sop_uid": "DICOM UID",
    "realtime.RoomSession.owner": "key of the object that owns the session",
    "realtime.Attendance.peer_id": "signalling peer identifier",
    "realtime.Attendance.channel_name": "channel layer address",
    "api.PersonalAccessToken.prefix": "public prefix of the token",
    "security.AccountSession.session_key": "session key (secret)",
}

# Keys inside JSON values that name things rather than say them: kept as they are.
JSON_ID_KEYS = frozenset(
    {"key", "code", "type", "kind", "id", "field", "op", "status", "action", "unit", "format"}
)

# Per field, more keys kept: values that must match each other (a registry's choice options,
# the indicator conditions that compare answers with them).
JSON_KEPT_KEYS: dict[str, frozenset[str]] = {
    "registries.Registry.fields": frozenset({"options"}),
    "registries.Registry.indicators": frozenset({"value"}),
}


def rule_exemption(field: models.Field) -> str | None:
    """The reason a field is never probed, by what it is rather than by name."""
    if field.primary_key:
        return "primary key"
    if field.choices:
        return "enumeration (choices)"
    if isinstance(field, models.SlugField):
        return "slug (validated, part of URLs)"
    if isinstance(field, models.EmailField):
        return "e-mail address (validated)"
    if field.name == "password" or field.name.endswith("_hash"):
        return "secret or its digest"
    validators = [
        v
        for v in field.validators
        if not isinstance(v, MaxLengthValidator | ProhibitNullCharactersValidator)
    ]
    if validators:
        return "validated format"
    return None


def text_fields(model: type[models.Model]) -> Iterator[models.Field]:
    for field in model._meta.concrete_fields:
        if isinstance(field, TEXT_FIELD_TYPES) and not field.choices:
            yield field


def project_models() -> list[type[models.Model]]:
    return [m for m in apps.get_models() if m.__module__.startswith("yilian.")]


def filled_fields(model: type[models.Model]) -> list[models.Field]:
    names = set(FILLED.get(model._meta.label, "").split())
    return [f for f in text_fields(model) if f.name in names]


def payload(field: models.Field, salt: int, suffix: str = "") -> Any:
    """The probe for one field: as many vectors as its length allows, starting at ``salt``."""
    if f"{field.model._meta.label}.{field.name}" in URL_FIELDS:
        return URL_VECTOR + suffix
    if isinstance(field, models.JSONField):
        return None  # JSON values are rewritten leaf by leaf (see ``json_payload``)
    limit = (field.max_length or 4000) - len(suffix)
    text = ""
    for step in range(len(VECTORS)):
        vector = VECTORS[(salt + step) % len(VECTORS)]
        if len(text) + len(vector) > limit:
            break
        text += vector
    if not text:
        text = SHORT_VECTOR[:limit]
    return text + suffix


def json_payload(value: Any, salt: int, kept: frozenset[str] = JSON_ID_KEYS) -> Any:
    """``value`` with its text leaves replaced by vectors; the ``kept`` keys and numbers
    stay."""
    if isinstance(value, dict):
        return {
            k: v if k in kept else json_payload(v, salt + i, kept)
            for i, (k, v) in enumerate(value.items())
        }
    if isinstance(value, list):
        return [json_payload(v, salt + i, kept) for i, v in enumerate(value)]
    if isinstance(value, str):
        return VECTORS[salt % len(VECTORS)]
    return value


def _unique(field: models.Field) -> bool:
    """Whether the field's value must differ between rows (alone or with other fields)."""
    meta = field.model._meta
    together = [set(names) for names in meta.unique_together]
    together += [
        set(c.fields)
        for c in meta.constraints
        if isinstance(c, models.UniqueConstraint) and c.fields
    ]
    return field.unique or any(field.name in names for names in together)


def fill() -> dict[str, int]:
    """Write a probe into every filled field of every existing row. Returns rows written per
    "app.Model.field". Plain fields go through ``QuerySet.update`` (field classes still
    prepare the value, so encrypted fields are encrypted); unique fields get the row's pk as
    a suffix; JSON fields are rewritten per row."""
    written: dict[str, int] = {}
    for model in project_models():
        manager = model._base_manager
        for salt, field in enumerate(filled_fields(model)):
            label = f"{model._meta.label}.{field.name}"
            if isinstance(field, models.JSONField):
                kept = JSON_ID_KEYS | JSON_KEPT_KEYS.get(label, frozenset())
                count = 0
                for pk, value in manager.values_list("pk", field.attname):
                    probe = json_payload(value, salt, kept)
                    manager.filter(pk=pk).update(**{field.attname: probe})
                    count += 1
                written[label] = count
            elif _unique(field):
                pks = list(manager.values_list("pk", flat=True))
                for pk in pks:
                    value = payload(field, salt, suffix=f"#{pk}")
                    manager.filter(pk=pk).update(**{field.attname: value})
                written[label] = len(pks)
            else:
                written[label] = manager.update(**{field.attname: payload(field, salt)})
    return written
