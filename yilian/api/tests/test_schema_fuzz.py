"""schemathesis against /api/v1/openapi.json with a read-write token: for every operation,
generated requests (valid and invalid, with random ids and with the ids of real objects)
get no server error and no answer the schema does not describe (status code, content
type, body). Deterministic (derandomized) and small: a minute or two in all."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from yilian.files.services import store_upload
from yilian.notify.services import notify
from yilian.patients.services import register_patient
from yilian.realtime.services import open_request_session
from yilian.reporting.services import save_report
from yilian.workflow.services import transition

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
EXAMPLES = 6
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


@pytest.fixture
def world(loop, staff_a, course, cme_class, conference, period, token_for) -> dict[str, Any]:
    """Real objects of the token's owner (staff of hospital A) for the path parameters."""
    patient = register_patient(actor=staff_a, name="王某某", medical_record_number="MRN-9")
    draft = loop.new(patient=patient)
    loop.at("completed")
    session = open_request_session(loop.at("published"), actor=loop.expert)
    asset = store_upload(
        SimpleUploadedFile("report.pdf", PDF, content_type="application/pdf"),
        owner=staff_a,
        target=draft,
    )
    (notification,) = notify([staff_a], verb="test", title="新消息")
    submitted = transition(draft, "submit", actor=staff_a) if draft.patient_id is None else draft
    lesson = course.lessons.first()
    report = save_report(
        actor=staff_a, period=period, raw={"visits": "12"}, expected_version=0, submit=False
    )
    return {
        "token": token_for(staff_a, "write"),
        "ids": {
            "business_id": str(submitted.public_id),
            "patient_id": str(patient.public_id),
            "file_id": str(asset.public_id),
            "notification_id": str(notification.public_id),
            "course_id": str(course.public_id),
            "lesson_id": str(lesson.public_id),
            "session_id": str(session.public_id),
            "action": "withdraw",
            "class_id": str(cme_class.public_id),
            "event_id": str(conference.public_id),
            "report_id": str(report.public_id),
        },
    }


def _fuzz(operation: Any, headers: dict[str, str], mode: GenerationMode, **fixed: Any) -> None:
    strategy = operation.as_strategy(generation_mode=mode, headers=headers, **fixed)

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case: Any) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    run()


@pytest.fixture
def wsgi_app() -> Iterator[Any]:
    """Django's WSGI application as schemathesis calls it, keeping the test's database
    connection open between requests (Django's test client does the same: a closed
    connection would end the test's transaction on PostgreSQL)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.mark.django_db
def test_api_conforms_to_its_schema(world, wsgi_app) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi_app)
    headers = {"Authorization": f"Bearer {world['token']}", "Accept-Language": "en"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
    for operation in operations:
        names = {p.name for p in operation.path_parameters}
        real = {name: world["ids"][name] for name in names}
        _fuzz(operation, headers, GenerationMode.POSITIVE)
        try:
            _fuzz(operation, headers, GenerationMode.NEGATIVE)
        except Unsatisfiable:
            # Nothing to make invalid: no path, query or body data (only the token header).
            assert not (len(operation.path_parameters) or len(operation.query)), operation.label
            assert not list(operation.body), operation.label
        if real:
            _fuzz(operation, headers, GenerationMode.POSITIVE, path_parameters=real)
