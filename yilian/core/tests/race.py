"""Racing two (or more) writers on real database connections, for the concurrency tests."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.db import connections
from django.utils import translation

# A contender: prepares in its own thread (loads what it needs on its own connection) and
# returns the write to race, which every contender then starts at the same moment.
Contender = Callable[[], Callable[[], Any]]


def at_once(*contenders: Contender) -> list[Any]:
    """Each contender's result, or the exception it raised, in the order given. Messages
    are in English (the tests assert the source texts)."""
    barrier = threading.Barrier(len(contenders), timeout=30)
    results: list[Any] = [None] * len(contenders)

    def run(index: int, contender: Contender) -> None:
        try:
            write = contender()
            barrier.wait()
            with translation.override("en"):
                results[index] = write()
        except Exception as exc:
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(contenders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a contender is still running"
    return results
