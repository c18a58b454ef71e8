"""The API's cast: the workflow's loop (a throwaway kind, the execution team, a request
driven through the real services), the classroom's course, and tokens made through the
token service."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from yilian.accounts.models import User
from yilian.live.tests.conftest import conference, surgery  # noqa: F401
from yilian.reporting.tests.conftest import dataset, period  # noqa: F401
from yilian.teaching.tests.conftest import category, cme_class, course, video  # noqa: F401
from yilian.workflow.tests.conftest import kinds, loop, team  # noqa: F401

from ..services import create_token


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def token_for(db) -> Callable[..., str]:
    def make(user: User, scope: str = "write", days: int = 30) -> str:
        _token, raw = create_token(user, name="HIS", scope=scope, days=days)
        return raw

    return make


class Api:
    """A client that sends one token (or none) and speaks JSON."""

    def __init__(self, token: str | None = None, client: Client | None = None) -> None:
        self.client = client or Client(HTTP_ACCEPT_LANGUAGE="en")
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(f"/api/v1{path}", params, headers=self.headers)

    def post(self, path: str, data: Any = None, **kwargs: Any) -> Any:
        if "files" in kwargs:
            return self.client.post(f"/api/v1{path}", kwargs["files"], headers=self.headers)
        return self.client.post(
            f"/api/v1{path}", data or {}, content_type="application/json", headers=self.headers
        )

    def delete(self, path: str) -> Any:
        return self.client.delete(f"/api/v1{path}", headers=self.headers)


@pytest.fixture
def api_as(token_for) -> Callable[..., Api]:
    def make(user: User, scope: str = "write") -> Api:
        return Api(token_for(user, scope))

    return make
