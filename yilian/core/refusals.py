"""How a middleware (or an error handler) refuses a client that reads JSON rather than pages:
the REST API's error body under ``/api/``, a FHIR OperationOutcome under ``/fhir/``. Pages
get ``None`` and the caller answers as for a browser."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse

# OperationOutcome issue codes (FHIR R4 IssueType) for the statuses middlewares answer.
_FHIR_ISSUE = {
    400: "invalid",
    401: "login",
    403: "forbidden",
    500: "exception",
    503: "transient",
}


def client_refusal(
    request: HttpRequest, *, status: int, code: str, message: str
) -> JsonResponse | None:
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"error": {"code": code, "message": message, "fields": {}}}, status=status
        )
    if request.path.startswith("/fhir/"):
        issue = {"severity": "error", "code": _FHIR_ISSUE.get(status, "processing")}
        return JsonResponse(
            {"resourceType": "OperationOutcome", "issue": [{**issue, "diagnostics": message}]},
            status=status,
            content_type="application/fhir+json",
        )
    return None
