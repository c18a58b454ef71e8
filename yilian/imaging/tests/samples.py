"""Synthetic test data made the way real data is: a CT series written by pydicom (with the
identifying attributes a hospital's scanner fills in), a pyramidal tiled TIFF written by
tifffile (the generic-TIFF layout OpenSlide reads), zips of both, and a started Orthanc."""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pydicom

from yilian.core.tests.processes import stop_process

from ..synthetic import (  # noqa: F401 — the tests import them from here
    IDENTIFYING,
    PATIENT_ID,
    PATIENT_NAME,
    ct_series,
    pyramidal_tiff,
)

REPO = Path(__file__).resolve().parents[3]


def zip_of(files: dict[str, bytes], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running_orthanc(**overrides: object) -> Iterator[str]:
    """Orthanc with the deployment's configuration (deploy/orthanc/orthanc.json, with
    ``overrides``), its storage in a temporary folder and its HTTP port a free loopback
    port; stopped afterwards."""
    config = json.loads((REPO / "deploy" / "orthanc" / "orthanc.json").read_text())
    config.update(overrides)
    with tempfile.TemporaryDirectory(prefix="yilian-orthanc-") as folder:
        port = free_port()
        config.update(
            StorageDirectory=str(Path(folder) / "db"),
            IndexDirectory=str(Path(folder) / "db"),
            HttpPort=port,
            DicomPort=free_port(),
        )
        path = Path(folder) / "orthanc.json"
        path.write_text(json.dumps(config))
        logs = Path(folder) / "logs"
        logs.mkdir()
        process = subprocess.Popen(
            ["Orthanc", str(path), f"--logdir={logs}"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "HOME": folder},
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/system", timeout=1) as resp:  # noqa: S310
                        if resp.status == 200:
                            break
                except urllib.error.HTTPError:
                    break  # it answers (asking for credentials)
                except OSError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError("Orthanc did not start") from None
                    time.sleep(0.1)
            yield url
        finally:
            stop_process(process)


def parse(data: bytes) -> pydicom.Dataset:
    return pydicom.dcmread(io.BytesIO(data))
