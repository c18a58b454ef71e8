"""nginx-rtmp's ingest, seen from the application: is the RTMP port organisers' encoders
push to (``YILIAN_LIVE_RTMP_URL``) accepting connections?"""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

RTMP_PORT = 1935


def ping(url: str, timeout: float) -> None:
    """The RTMP server accepts a TCP connection (the health probe: yilian.core.health)."""
    parts = urlsplit(url)
    if parts.scheme not in ("rtmp", "rtmps") or not parts.hostname:
        raise ValueError("not an rtmp:// URL")
    with socket.create_connection((parts.hostname, parts.port or RTMP_PORT), timeout=timeout):
        pass
