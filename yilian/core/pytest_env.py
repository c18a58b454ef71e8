"""Loaded by pytest before Django starts (``-p yilian.core.pytest_env`` in pyproject.toml):
test defaults that settings read from the environment."""

import os

os.environ.setdefault("YILIAN_ENV", "test")
os.environ.setdefault("YILIAN_TASK_BACKEND", "immediate")
# Parallel workers (and parallel runs) sharing one Redis must not see each other's keys.
_worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
os.environ.setdefault("YILIAN_CACHE_PREFIX", f"yltest-{os.getpid()}-{_worker}")
