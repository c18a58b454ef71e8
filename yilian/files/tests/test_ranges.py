"""files.views.byte_range: which bytes a Range header asks of a file."""

from __future__ import annotations

import pytest

from yilian.files.views import RangeNotSatisfiable, byte_range


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("", None),
        ("bytes=0-99", (0, 99)),
        ("bytes=100-", (100, 999)),
        ("bytes=-50", (950, 999)),
        ("bytes=-5000", (0, 999)),
        ("bytes=990-5000", (990, 999)),
        ("bytes=0-0", (0, 0)),
        ("bytes=5-1", None),
        ("bytes=0-1,4-5", None),
        ("bytes=-", None),
        ("lines=0-9", None),
    ],
)
def test_a_range_header_names_the_inclusive_bytes_or_the_whole_file(header, expected):
    assert byte_range(header, 1000) == expected


@pytest.mark.parametrize(
    ("header", "size"),
    [("bytes=1000-", 1000), ("bytes=1000-1200", 1000), ("bytes=-0", 1000), ("bytes=-1", 0)],
)
def test_a_range_outside_the_file_is_not_satisfiable(header, size):
    with pytest.raises(RangeNotSatisfiable):
        byte_range(header, size)
