"""TURN credentials from Yilian open a real allocation on Debian's coturn (started with
deploy/coturn/turnserver.conf in ``use-auth-secret`` mode); expired or forged ones fail."""

from __future__ import annotations

import subprocess
import time

from e2e.front import free_port
from yilian.realtime import media


def _allocate(turn, username: str, password: str, peer_port: int) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            "turnutils_uclient",
            "-p",
            str(turn.port),
            "-e",
            "127.0.0.1",
            "-r",
            str(peer_port),
            "-u",
            username,
            "-w",
            password,
            "-n",
            "3",
            "-m",
            "1",
            "-c",
            "127.0.0.1",
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_signed_credential_allocates_a_relay_and_expired_or_forged_ones_do_not(
    settings, turn_server, staff_a
):
    settings.YILIAN_TURN_SECRET = turn_server.secret
    settings.YILIAN_TURN_URLS = [f"turn:127.0.0.1:{turn_server.port}?transport=udp"]
    peer_port = free_port()
    peer = subprocess.Popen(
        ["turnutils_peer", "-L", "127.0.0.1", "-p", str(peer_port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        (server,) = media.ice_servers(staff_a)
        ok = _allocate(turn_server, server["username"], server["credential"], peer_port)
        expired = media.turn_credentials(str(staff_a.public_id), now=time.time() - 7200)
        late = _allocate(turn_server, *expired, peer_port)
        forged = _allocate(turn_server, server["username"], "bm90IHRoZSBzZWNyZXQ=", peer_port)
    finally:
        peer.terminate()
        peer.wait(timeout=10)

    assert ok.returncode == 0, ok.stdout[-2000:] + ok.stderr[-2000:]
    assert "Total lost packets 0" in ok.stdout + ok.stderr
    assert late.returncode != 0
    assert forged.returncode != 0
