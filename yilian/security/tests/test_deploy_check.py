"""Production settings pass Django's deployment checklist with no warning."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

from django.core.management.utils import get_random_secret_key

ROOT = Path(__file__).resolve().parents[3]


def test_check_deploy_is_clean_in_production(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("YILIAN_", "DJANGO_", "DATABASE_URL", "REDIS_URL"))
    }
    env.update(
        YILIAN_ENV="production",
        YILIAN_SECRET_KEY=get_random_secret_key() + get_random_secret_key(),
        YILIAN_FIELD_KEY=base64.b64encode(os.urandom(32)).decode(),
        YILIAN_DATA_DIR=str(tmp_path),
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
