"""One error body for every refusal: ``{"error": {"code", "message", "fields"}}`` — the
handlers below turn the exceptions the services and selectors raise (the same ones the
pages turn into 403/404/409/422 pages) into it."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as RequestValidationError

from yilian.workflow.services import StaleRequest, TransitionError


class ErrorDetail(Schema):
    code: str
    message: str
    fields: dict[str, list[str]] = {}


class ErrorOut(Schema):
    error: ErrorDetail


class ApiError(Exception):
    """A refusal with its status, code and message (and per-field messages)."""

    def __init__(
        self,
        status: int,
        code: str,
        message: Any,
        *,
        fields: dict[str, list[str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(str(message))
        self.status = status
        self.code = code
        self.message = str(message)
        self.fields = fields or {}
        self.headers = headers or {}


# The statuses every operation may answer besides its own; ``errors(...)`` adds more.
COMMON_ERRORS = (400, 401, 403, 404, 422, 429)


def errors(*extra: int) -> dict[int, type[ErrorOut]]:
    """The error responses to declare on an operation (its OpenAPI stays honest)."""
    return dict.fromkeys(sorted({*COMMON_ERRORS, *extra}), ErrorOut)


def error_response(
    api: NinjaAPI,
    request: HttpRequest,
    status: int,
    code: str,
    message: Any,
    fields: dict[str, list[str]] | None = None,
) -> HttpResponse:
    body = {"error": {"code": code, "message": str(message), "fields": fields or {}}}
    return api.create_response(request, body, status=status)


def validation_fields(exc: ValidationError) -> tuple[str, dict[str, list[str]]]:
    """A service's ``ValidationError`` as (message, per-field messages)."""
    if hasattr(exc, "error_dict"):
        fields = {
            ("" if key == "__all__" else key): [str(m) for e in errs for m in e.messages]
            for key, errs in exc.error_dict.items()
        }
        general = fields.pop("", [])
        first = general[0] if general else next(iter(fields.values()), [""])[0]
        return first or _("The data is not valid."), fields
    return (exc.messages[0] if exc.messages else _("The data is not valid.")), {}


_STATUS_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    422: "invalid",
    429: "rate_limited",
}


def install(api: NinjaAPI) -> None:
    """Register the handlers on ``api`` (the most specific exception class wins; each
    handler receives an instance of the class it is registered for)."""

    def on_api_error(request: HttpRequest, exc: Any) -> HttpResponse:
        response = error_response(api, request, exc.status, exc.code, exc.message, exc.fields)
        for name, value in exc.headers.items():
            response[name] = value
        return response

    def on_not_authenticated(request: HttpRequest, exc: Any) -> HttpResponse:
        response = error_response(
            api,
            request,
            401,
            "not_authenticated",
            _("Sign in, or send a personal access token: Authorization: Bearer <token>."),
        )
        response["WWW-Authenticate"] = 'Bearer realm="yilian"'
        return response

    def on_request_invalid(request: HttpRequest, exc: Any) -> HttpResponse:
        fields: dict[str, list[str]] = {}
        for item in exc.errors:
            loc = [str(p) for p in item.get("loc", ()) if p not in ("body", "query", "path")]
            fields.setdefault(".".join(loc[1:] if loc[:1] == ["payload"] else loc), []).append(
                str(item.get("msg", ""))
            )
        return error_response(
            api, request, 422, "invalid_request", _("The request is not valid."), fields
        )

    def on_http_error(request: HttpRequest, exc: Any) -> HttpResponse:
        status = exc.status_code
        code = _STATUS_CODES.get(status, "error")
        if status == 403 and "CSRF" in str(exc):
            code = "csrf_failed"
        return error_response(api, request, status, code, str(exc))

    def on_throttled(request: HttpRequest, exc: Any) -> HttpResponse:
        return error_response(api, request, 429, "rate_limited", _("Too many requests."))

    def on_404(request: HttpRequest, exc: Http404) -> HttpResponse:
        return error_response(api, request, 404, "not_found", _("Not found."))

    def on_403(request: HttpRequest, exc: Any) -> HttpResponse:
        message = str(exc) or _("You may not do this.")
        return error_response(api, request, 403, "forbidden", message)

    def on_stale(request: HttpRequest, exc: Any) -> HttpResponse:
        return error_response(api, request, 409, "stale_version", exc.messages[0])

    def on_transition(request: HttpRequest, exc: Any) -> HttpResponse:
        return error_response(api, request, 409, "not_possible_now", exc.messages[0])

    def on_invalid(request: HttpRequest, exc: Any) -> HttpResponse:
        message, fields = validation_fields(exc)
        return error_response(api, request, 422, "invalid", message, fields)

    api.add_exception_handler(ApiError, on_api_error)
    api.add_exception_handler(AuthenticationError, on_not_authenticated)
    api.add_exception_handler(RequestValidationError, on_request_invalid)
    api.add_exception_handler(HttpError, on_http_error)
    api.add_exception_handler(Throttled, on_throttled)
    api.add_exception_handler(Http404, on_404)
    api.add_exception_handler(PermissionDenied, on_403)
    api.add_exception_handler(StaleRequest, on_stale)
    api.add_exception_handler(TransitionError, on_transition)
    api.add_exception_handler(ValidationError, on_invalid)
