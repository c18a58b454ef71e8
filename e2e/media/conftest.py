"""Media tests (WebRTC mesh, Janus, TURN) run only inside a network namespace that has
nothing but loopback (``make e2e-media``: ``unshare -n``), with the web server, the media
servers and Chromium all inside it — Chromium and Janus offer every interface as an ICE
candidate, and no test may reach beyond 127.0.0.0/8.

Servers come from Debian (``janus``, ``coturn``), run with the configuration in
``deploy/`` (ports, secrets and the interface rewritten for the test) and are stopped by
PID."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client

from e2e.conftest import CHROMIUM, CHROMIUM_ARGS, DESKTOP
from e2e.front import free_port
from yilian.core.tests.processes import stop_process
from yilian.workflow.tests.conftest import kinds, loop, team  # noqa: F401  (fixtures)

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
LOOPBACK_ONLY = {"lo", "jv0", "jv1"}
WEBRTC_ARGS = [
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--allow-loopback-in-peer-connection",
    "--disable-features=WebRtcHideLocalIpsWithMdns",
    "--autoplay-policy=no-user-gesture-required",
]


def _interfaces() -> set[str]:
    """The interfaces of this process's network namespace (/sys may show the host's)."""
    return {name for _, name in socket.if_nameindex()}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    extra = _interfaces() - LOOPBACK_ONLY
    reason = None
    if os.environ.get("YILIAN_MEDIA_TESTS") != "1":
        reason = "media tests run only through `make e2e-media` (a loopback-only network namespace)"
    elif extra:
        reason = f"not a loopback-only network namespace (also has {', '.join(sorted(extra))})"
    if reason is None:
        return
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Chromium with fake camera/microphone and WebRTC allowed on loopback."""
    from playwright.sync_api import sync_playwright

    home = tempfile.mkdtemp(prefix="yilian-chromium-")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS + WEBRTC_ARGS,
            env={**os.environ, "HOME": home},
        )
        yield browser
        browser.close()
    shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def signed_in(new_context, live_url) -> Callable[..., object]:
    """A page of one signed-in person (session cookie, no login form: fewer browser steps)."""

    def open_page(user):
        client = Client()
        client.force_login(user)
        name = django_settings.SESSION_COOKIE_NAME
        context = new_context(DESKTOP)
        context.add_cookies([{"name": name, "value": client.cookies[name].value, "url": live_url}])
        return context.new_page()

    return open_page


@pytest.fixture
def scheduled(loop):  # noqa: F811
    from yilian.workflow.models import Status

    return loop.at(Status.CONFIRMED)


def wait_for(check: Callable[[], bool], timeout: float = 10, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def _wait_http(url: str, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=1):  # noqa: S310
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def _media_veth() -> None:
    """Janus does not gather candidates on ``lo``: give it a veth with a loopback-range
    address (inside the private namespace only)."""
    if "jv0" in _interfaces():
        return
    for command in (
        "ip link add jv0 type veth peer name jv1",
        "ip addr add 127.0.0.2/32 dev jv0",
        "ip link set jv0 up",
        "ip link set jv1 up",
    ):
        subprocess.run(command.split(), check=True)


@dataclass
class Janus:
    url: str
    admin_key: str


@pytest.fixture
def janus_server(tmp_path) -> Iterator[Janus]:
    _media_veth()
    port, rtp = free_port(), free_port()
    admin_key = "test-admin-key"
    folder = tmp_path / "janus"
    shutil.copytree(DEPLOY / "janus", folder)
    core = (folder / "janus.jcfg").read_text()
    core = core.replace('ice_enforce_list = "eth0"', 'ice_enforce_list = "jv0"')
    core = re.sub(r'rtp_port_range = "[0-9-]+"', f'rtp_port_range = "{rtp}-{rtp + 200}"', core)
    (folder / "janus.jcfg").write_text(core)
    http = (
        (folder / "janus.transport.http.jcfg").read_text().replace("port = 8088", f"port = {port}")
    )
    (folder / "janus.transport.http.jcfg").write_text(http)
    room = (folder / "janus.plugin.videoroom.jcfg").read_text()
    (folder / "janus.plugin.videoroom.jcfg").write_text(
        room.replace("change-me-janus-admin-key", admin_key)
    )
    log = tmp_path / "janus.log"
    process = subprocess.Popen(
        ["janus", "-C", str(folder / "janus.jcfg"), "-F", str(folder), "-o", "-N", "-L", str(log)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/janus"
    try:
        _wait_http(url + "/info")
        yield Janus(url=url, admin_key=admin_key)
    finally:
        stop_process(process)


@dataclass
class Turn:
    port: int
    secret: str
    realm: str


@pytest.fixture
def turn_server(tmp_path) -> Iterator[Turn]:
    port = free_port()
    relay = free_port()
    secret = "test-turn-secret"
    conf = (DEPLOY / "coturn" / "turnserver.conf").read_text()
    conf = conf.replace("listening-port=3478", f"listening-port={port}")
    conf = conf.replace("min-port=49152", f"min-port={relay}").replace(
        "max-port=65535", f"max-port={relay + 100}"
    )
    conf = conf.replace("change-me-turn-secret", secret)
    (tmp_path / "turnserver.conf").write_text(conf)
    process = subprocess.Popen(
        [
            "turnserver",
            "-c",
            str(tmp_path / "turnserver.conf"),
            "--allow-loopback-peers",
            f"--userdb={tmp_path / 'turndb'}",
            f"--pidfile={tmp_path / 'turn.pid'}",
            f"--log-file={tmp_path / 'turn.log'}",
            "--no-stdout-log",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(lambda: _listening_udp(port), 10, "coturn to listen")
        yield Turn(port=port, secret=secret, realm="yilian.local")
    finally:
        stop_process(process)


def _listening_udp(port: int) -> bool:
    out = subprocess.run(["ss", "-uln"], capture_output=True, text=True).stdout
    return f"127.0.0.1:{port} " in out
