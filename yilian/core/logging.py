"""Log filters. One-time links carry their secret in the path (a patient's consent
signing and follow-up answers), as does the URL nginx-rtmp calls back; no log line may
keep it."""

from __future__ import annotations

import logging
import re

# The path prefixes whose next segment is a secret token.
SECRET_PATHS = re.compile(
    r"(/patients/consent/sign/|/follow-up/answer/|/accounts/set-password/|/join/|/live/rtmp/"
    r"|/calendar/feed/)[^/\s\"?]+"
)


def redact(text: str) -> str:
    """``text`` with the token of any one-time link replaced by "-"."""
    return SECRET_PATHS.sub(r"\1-", text)


class RedactSecretPaths(logging.Filter):
    """Cut the token of a one-time link from any log line (access logs, Django's request
    warnings)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True
