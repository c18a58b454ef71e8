"""The registry of resource handlers: one ``Handler`` per FHIR resource type.

The routes, the search, the audit and the CapabilityStatement all read this registry, so
what ``metadata`` lists is exactly what is implemented.

A handler has one or more ``Source``\\ s (a QuestionnaireResponse is a follow-up visit's
answers or a hospital's capability assessment): each is a scoped queryset — built by the
same selectors as the pages — and the function that turns one row into a resource."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model, QuerySet
from django.http import HttpRequest

from yilian.accounts.models import User

# Search-parameter types of FHIR's ``SearchParamType`` value set.
TOKEN = "token"  # noqa: S105  (a FHIR search-parameter type, not a secret)
REFERENCE = "reference"
DATE = "date"

# Every handler supports these; the search applies them to each source.
COMMON_PARAMS: Mapping[str, tuple[str, str]] = {
    "_id": (TOKEN, "The logical id of the resource (several ids separated by commas)."),
    "_lastUpdated": (
        DATE,
        "When the resource last changed; prefixes eq (default), ge, gt, le, lt; "
        "a date (YYYY-MM-DD) or an instant with its time zone.",
    ),
}


@dataclass(frozen=True)
class Context:
    """What building a resource needs beyond the row: who asks, and the server's base URL
    for absolute links (downloads)."""

    user: User
    http_request: HttpRequest

    def absolute(self, path: str) -> str:
        return self.http_request.build_absolute_uri(path)


# A parameter's filter: narrows the source's queryset by the (comma-separated, OR-ed)
# values of one occurrence of the parameter.
Filter = Callable[[QuerySet[Any], list[str]], QuerySet[Any]]


@dataclass(frozen=True)
class Source:
    model: type[Model]
    queryset: Callable[[User], QuerySet[Any]]
    to_resource: Callable[[Any, Context], dict[str, Any]]
    # The parameters this source answers (beyond _id and _lastUpdated). A search using a
    # parameter a source does not answer finds nothing in that source.
    filters: Mapping[str, Filter] = field(default_factory=dict)
    # How a resource id finds a row: the lookup field, and the id's parser (ValueError: none).
    id_field: str = "public_id"
    parse_id: Callable[[str], Any] = str
    last_updated: str = "updated_at"
    # The patients a row is about (every read of it is audited); None: not patient data.
    patients_of: Callable[[Any], Iterable[Any]] | None = None


@dataclass(frozen=True)
class Param:
    type: str
    documentation: str


@dataclass(frozen=True)
class Handler:
    type: str
    sources: tuple[Source, ...]
    params: Mapping[str, Param] = field(default_factory=dict)
    documentation: str = ""

    def __post_init__(self) -> None:
        for source in self.sources:
            unknown = set(source.filters) - set(self.params)
            if unknown:
                raise ValueError(f"{self.type}: filters for undeclared params {sorted(unknown)}")

    @property
    def search_params(self) -> dict[str, Param]:
        common = {name: Param(kind, doc) for name, (kind, doc) in COMMON_PARAMS.items()}
        return {**common, **self.params}


_handlers: dict[str, Handler] = {}


def register(handler: Handler) -> Handler:
    if handler.type in _handlers:
        raise ValueError(f"{handler.type} is registered twice")
    _handlers[handler.type] = handler
    return handler


def get_handler(resource_type: str) -> Handler | None:
    return _handlers.get(resource_type)


def all_handlers() -> list[Handler]:
    return [_handlers[name] for name in sorted(_handlers)]
