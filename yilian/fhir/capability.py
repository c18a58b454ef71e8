"""The CapabilityStatement, generated from the handler registry: it lists the resource
types, interactions and search parameters that are implemented — and nothing else."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from . import codes
from .registry import all_handlers
from .responses import FHIR_JSON

# The interactions every handler implements (views.read and views.search).
TYPE_INTERACTIONS = ("read", "search-type")
# The whole-system interaction views.transaction implements.
SYSTEM_INTERACTIONS = ("transaction",)


def capability_statement(base_url: str) -> dict[str, Any]:
    resources = []
    for handler in all_handlers():
        resources.append(
            {
                "type": handler.type,
                "documentation": handler.documentation or handler.type,
                "interaction": [{"code": code} for code in TYPE_INTERACTIONS],
                "searchParam": [
                    {"name": name, "type": param.type, "documentation": param.documentation}
                    for name, param in sorted(handler.search_params.items())
                ],
            }
        )
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": timezone.now().isoformat(),
        "publisher": "Yilian",
        "kind": "instance",
        "software": {"name": "Yilian"},
        "implementation": {"description": "Yilian FHIR R4 facade", "url": base_url},
        "fhirVersion": codes.FHIR_VERSION,
        "format": [FHIR_JSON, "json"],
        "rest": [
            {
                "mode": "server",
                "documentation": (
                    "Read and search (JSON). Unknown search parameters are refused with an "
                    "OperationOutcome (400) unless the request says Prefer: handling=lenient. "
                    "Results are paged with _count (at most 100) and the Bundle's next link."
                ),
                "security": {
                    "description": "A personal access token (Authorization: Bearer …) or "
                    "the browser session; session writes need the CSRF token.",
                },
                "resource": resources,
                "interaction": [
                    {
                        "code": code,
                        "documentation": "A Bundle with a Patient and a ServiceRequest creates "
                        "a draft consultation or referral in the sender's hospital.",
                    }
                    for code in SYSTEM_INTERACTIONS
                ],
            }
        ],
    }
