"""A real nginx-rtmp (Debian's nginx with libnginx-mod-rtmp) running the deployment's
configuration (deploy/nginx-rtmp/nginx.conf) with its ports and folders rewritten, for the
tests that need the ingest up; stopped by PID afterwards."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from yilian.core.tests.processes import stop_process

REPO = Path(__file__).resolve().parents[3]
RTMP_MODULE = Path("/usr/lib/nginx/modules/ngx_rtmp_module.so")


def nginx_rtmp_installed() -> bool:
    return shutil.which("nginx") is not None and RTMP_MODULE.exists()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@contextmanager
def running_nginx_rtmp(folder: Path, callback_url: str = "") -> Iterator[str]:
    """Yields the ``rtmp://`` ingest URL once nginx listens."""
    rtmp_port, http_port = _free_port(), _free_port()
    hls, recordings, prefix = folder / "hls", folder / "recordings", folder / "nginx"
    for made in (hls, recordings, prefix / "tmp"):
        made.mkdir(parents=True)
    conf = (REPO / "deploy" / "nginx-rtmp" / "nginx.conf").read_text()
    for old, new in (
        ("127.0.0.1:1935", f"127.0.0.1:{rtmp_port}"),
        ("127.0.0.1:8080", f"127.0.0.1:{http_port}"),
        ("http://127.0.0.1:8000", callback_url or f"http://127.0.0.1:{_free_port()}"),
        ("/var/lib/yilian/live/hls", str(hls)),
        ("/var/lib/yilian/live/recordings", str(recordings)),
    ):
        assert old in conf, old
        conf = conf.replace(old, new)
    (prefix / "nginx.conf").write_text(conf)
    process = subprocess.Popen(
        ["nginx", "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-e", "error.log"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 15
        while not _listening(rtmp_port):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("nginx-rtmp did not start")
            time.sleep(0.05)
        yield f"rtmp://127.0.0.1:{rtmp_port}/live"
    finally:
        stop_process(process)
