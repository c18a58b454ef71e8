from __future__ import annotations

from collections.abc import Iterator

import pytest

from yilian.workflow import registry
from yilian.workflow.models import BusinessRequest
from yilian.workflow.services import create_request

KIND = "files_test"


@pytest.fixture
def business_request(staff_a) -> Iterator[BusinessRequest]:
    registry.register(registry.Kind(code=KIND, label="Attachment test", module="linkage"))
    yield create_request(kind=KIND, applicant=staff_a, title="进修申请")
    registry.unregister(KIND)
