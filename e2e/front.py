"""The production front for the browser tests (``YILIAN_E2E_FRONT=nginx``): nginx with the
site configuration of ``deploy/nginx/`` — only the data folder rewritten, in a plain-HTTP
server on a free loopback port — before two uvicorn worker processes that share the test
database file, a Redis channel layer and cache, and the collected static files.

Importable without pytest: the worker processes' settings (e2e/server_settings.py) read
``SERVER_SETTINGS`` from here."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SITE_CONFIG = ROOT / "deploy" / "nginx"
PRODUCTION_DATA_DIR = "/var/lib/yilian/"
NGINX = os.environ.get("YILIAN_NGINX", shutil.which("nginx") or "/usr/sbin/nginx")
WORKERS = 2

# What the server runs with in the browser tests, in either mode: the thread server gets
# these through the ``settings`` fixture, the worker processes through their settings.
SERVER_SETTINGS = {
    "YILIAN_SMS_BACKEND": "e2e.outbox.TextOutbox",
    "EMAIL_BACKEND": "e2e.outbox.MailOutbox",
    # Imaging uploads in 1 MB pieces, so a small study needs several.
    "YILIAN_UPLOAD_CHUNK_MB": 1,
}

_MAIN = """\
daemon off;
worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    client_body_temp_path {root}/tmp/body;
    proxy_temp_path {root}/tmp/proxy;
    fastcgi_temp_path {root}/tmp/fastcgi;
    uwsgi_temp_path {root}/tmp/uwsgi;
    scgi_temp_path {root}/tmp/scgi;
    include yilian/yilian-http.conf;
    access_log {root}/access.log yilian;
    upstream yilian {{
{servers}
        keepalive 8;
    }}
    server {{
        listen 127.0.0.1:{port};
        include yilian/yilian-site.conf;
    }}
}}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(url: str, processes: list[subprocess.Popen], deadline: float) -> None:
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5):  # noqa: S310 — loopback only
                return
        except urllib.error.HTTPError:
            return  # it answered
        except OSError as exc:
            if any(p.poll() is not None for p in processes) or time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not answer") from exc
            time.sleep(0.2)


class NginxFront:
    """nginx on ``url`` before ``WORKERS`` uvicorn processes (see the module's docstring)."""

    def __init__(self, database: str, redis_url: str) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="yilian-front-"))
        # Started as root (CI), nginx's workers run as nobody: they must read the data folder.
        self.root.chmod(0o755)
        self.data_dir = self.root / "data"
        self.media_root = self.data_dir / "files"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "e2e.server_settings",
            "DATABASE_URL": f"sqlite:///{Path(database).resolve()}",
            "REDIS_URL": redis_url,
            "YILIAN_DATA_DIR": str(self.data_dir),
            "YILIAN_X_ACCEL_PREFIX": "/protected-files/",
            "YILIAN_LIVE_HLS_ACCEL_PREFIX": "/internal-hls/",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        }
        self.processes: list[subprocess.Popen] = []

    def _site_config(self) -> None:
        """deploy/nginx/*.conf with the production data folder replaced by the test's."""
        target = self.root / "yilian"
        target.mkdir()
        for source in SITE_CONFIG.glob("*.conf"):
            text = source.read_text(encoding="utf-8")
            (target / source.name).write_text(
                text.replace(PRODUCTION_DATA_DIR, f"{self.data_dir}/"), encoding="utf-8"
            )

    def start(self) -> None:
        for folder in ("files", "static", "live/hls"):
            (self.data_dir / folder).mkdir(parents=True, exist_ok=True)
        (self.root / "tmp").mkdir()
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
            cwd=ROOT,
            env=self.env,
            check=True,
        )
        ports = [free_port() for _ in range(WORKERS)]
        uvicorn = [sys.executable, "-m", "uvicorn", "yilian.asgi:application", "--lifespan", "off"]
        # As in production: X-Forwarded-For from nginx (loopback) becomes the client address.
        options = ["--log-level", "warning", "--proxy-headers"]
        options += ["--forwarded-allow-ips", "127.0.0.1"]
        log = (self.root / "workers.log").open("ab")
        for port in ports:
            self.processes.append(
                subprocess.Popen(
                    [*uvicorn, "--host", "127.0.0.1", "--port", str(port), *options],
                    cwd=ROOT,
                    env=self.env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
        self._site_config()
        servers = "\n".join(f"        server 127.0.0.1:{port};" for port in ports)
        config = self.root / "nginx.conf"
        config.write_text(_MAIN.format(root=self.root, servers=servers, port=self.port))
        self.processes.append(
            subprocess.Popen(
                [NGINX, "-p", str(self.root), "-c", str(config)],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
        deadline = time.monotonic() + 300
        for port in ports:
            _wait_for(f"http://127.0.0.1:{port}/offline/", self.processes, deadline)
        _wait_for(f"{self.url}/offline/", self.processes, deadline)

    def logs(self) -> str:
        return "".join(
            (self.root / name).read_text(errors="replace")
            for name in ("workers.log", "error.log")
            if (self.root / name).exists()
        )

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(self.root, ignore_errors=True)
