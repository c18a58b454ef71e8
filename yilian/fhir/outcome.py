"""FHIR errors: every refusal of the facade is an ``OperationOutcome`` with an HTTP status."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.http import HttpResponse

from .responses import fhir_response


@dataclass(frozen=True)
class Issue:
    """One issue: ``code`` from the FHIR issue-type value set (invalid, not-found,
    not-supported, login, forbidden, processing, …), what is wrong, and where (a FHIRPath
    expression into the request, when it is about one element)."""

    code: str
    diagnostics: str
    expression: str = ""
    severity: str = "error"

    def as_json(self) -> dict[str, Any]:
        issue: dict[str, Any] = {
            "severity": self.severity,
            "code": self.code,
            "diagnostics": self.diagnostics,
        }
        if self.expression:
            issue["expression"] = [self.expression]
        return issue


class FhirError(Exception):
    """Raised anywhere in the facade; the view answers it as an OperationOutcome."""

    def __init__(
        self, status: int, issues: Iterable[Issue], headers: dict[str, str] | None = None
    ) -> None:
        self.status = status
        self.issues = list(issues)
        self.headers = dict(headers or {})  # e.g. Retry-After on a 429
        super().__init__("; ".join(i.diagnostics for i in self.issues))

    @classmethod
    def one(
        cls,
        status: int,
        code: str,
        diagnostics: str,
        expression: str = "",
        headers: dict[str, str] | None = None,
    ) -> FhirError:
        return cls(status, [Issue(code, diagnostics, expression)], headers)


def operation_outcome(issues: Iterable[Issue]) -> dict[str, Any]:
    return {"resourceType": "OperationOutcome", "issue": [i.as_json() for i in issues]}


def error_response(error: FhirError) -> HttpResponse:
    response = fhir_response(operation_outcome(error.issues), status=error.status)
    if error.status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="fhir"'
    for name, value in error.headers.items():
        response[name] = value
    return response
