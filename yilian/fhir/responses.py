"""The one way the facade writes JSON: ``application/fhir+json``, never cached."""

from __future__ import annotations

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse

FHIR_JSON = "application/fhir+json"


def fhir_response(body: dict[str, Any], *, status: int = 200) -> HttpResponse:
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False, cls=DjangoJSONEncoder),
        content_type=f"{FHIR_JSON}; charset=utf-8",
        status=status,
    )
    # Patient data: no shared or browser cache keeps a copy.
    response["Cache-Control"] = "private, no-store"
    return response
