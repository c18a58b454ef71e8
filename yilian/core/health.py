"""Component checks for /healthz (database, cache, channel layer, task backend), and the
state of the dependencies the platform degrades without (Redis, Janus, nginx-rtmp,
Orthanc): which feature is unavailable, and why."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.utils.functional import Promise
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _
from django_tasks import task_backends

logger = logging.getLogger(__name__)


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return connection.vendor


def check_cache() -> str:
    cache = caches["default"]
    key = f"healthz:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=10)
    ok = cache.get(key) == "1"
    cache.delete(key)
    if not ok:
        raise RuntimeError("value written was not read back")
    return type(cache).__name__


def check_channel_layer() -> str:
    layer = get_channel_layer()
    if layer is None:
        raise RuntimeError("no channel layer configured")

    async def round_trip() -> None:
        channel = await layer.new_channel()
        await layer.send(channel, {"type": "healthz"})
        message = await layer.receive(channel)
        if message.get("type") != "healthz":
            raise RuntimeError("message sent was not received")

    async_to_sync(round_trip)()
    return type(layer).__name__


def check_task_backend() -> str:
    backend = task_backends["default"]
    name = type(backend).__name__
    if name == "DatabaseBackend":
        from django_tasks_db.models import DBTaskResult

        DBTaskResult.objects.exists()
    elif name == "RQBackend":
        import django_rq

        django_rq.get_connection("default").ping()
    return name


CHECKS: dict[str, Callable[[], str]] = {
    "database": check_database,
    "cache": check_cache,
    "channel_layer": check_channel_layer,
    "task_backend": check_task_backend,
}


def run_checks() -> tuple[bool, dict[str, dict[str, str]]]:
    results: dict[str, dict[str, str]] = {}
    healthy = True
    for name, check in CHECKS.items():
        try:
            results[name] = {"status": "ok", "backend": check()}
        except Exception as exc:  # report every component, whatever failed
            healthy = False
            results[name] = {"status": "error", "error": type(exc).__name__}
    return healthy, results


# --- Dependencies the platform can run without --------------------------------------------
#
# Redis, Janus, nginx-rtmp and Orthanc each carry one feature; when one is down that
# feature is unavailable and the rest of the platform — the closed loop above all — works on.
# Each is probed with a short timeout and the answer kept for a few seconds in this process
# (not in the cache: Redis may be the one that is down). FEATURES is the one place that
# says which feature is lost with which dependency, and what the pages tell people.

PROBE_TIMEOUT = 1.0
PROBE_TTL = 10.0  # seconds an answer is reused in this process


class State(StrEnum):
    UP = "up"
    DOWN = "down"
    NOT_USED = "not_used"


@dataclass(frozen=True)
class Dependency:
    key: str
    label: Promise
    # The configured addresses (empty when this deployment does not use the dependency) …
    targets: Callable[[], tuple[str, ...]]
    # … and the probe of one address: returns when it answers, raises when it does not.
    probe: str  # dotted path, so the app that talks to the dependency owns its probe
    effect: Promise  # what stops while it is down (the operators' status page)


@dataclass(frozen=True)
class Status:
    dependency: Dependency
    state: State
    addresses: tuple[str, ...]  # scheme://host:port, never credentials — operators only
    reason: str  # why it is down, for operators only

    @property
    def up(self) -> bool:
        return self.state != State.DOWN


def _cache_urls() -> tuple[str, ...]:
    config: dict[str, Any] = settings.CACHES.get("default", {})
    if not str(config.get("BACKEND", "")).endswith("RedisCache"):
        return ()
    location = config.get("LOCATION", "")
    return tuple(location if isinstance(location, list | tuple) else [location])


def _channel_layer_urls() -> tuple[str, ...]:
    config: dict[str, Any] = settings.CHANNEL_LAYERS.get("default", {})
    if not str(config.get("BACKEND", "")).startswith("channels_redis."):
        return ()
    urls = []
    for host in config.get("CONFIG", {}).get("hosts", []):
        if isinstance(host, str):
            urls.append(host)
        elif isinstance(host, dict) and "address" in host:
            urls.append(str(host["address"]))
        elif isinstance(host, list | tuple) and len(host) == 2:
            urls.append(f"redis://{host[0]}:{host[1]}")
    return tuple(urls)


def _janus_urls() -> tuple[str, ...]:
    if settings.YILIAN_VIDEO_BACKEND != "janus":
        return ()
    return (settings.YILIAN_JANUS_URL,)


def _rtmp_urls() -> tuple[str, ...]:
    return (settings.YILIAN_LIVE_RTMP_URL,) if settings.YILIAN_LIVE_RTMP_URL else ()


def _orthanc_urls() -> tuple[str, ...]:
    return (settings.YILIAN_ORTHANC_URL,) if settings.YILIAN_ORTHANC_URL else ()


def redis_ping(url: str, timeout: float) -> None:
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
    try:
        client.ping()
    finally:
        client.close()


DEPENDENCIES: tuple[Dependency, ...] = (
    Dependency(
        "cache",
        _("Redis (cache)"),
        _cache_urls,
        "yilian.core.health.redis_ping",
        _(
            "Pages are slower (nothing is cached); rate limits let requests through, except "
            "the public certificate check, which refuses until Redis is back."
        ),
    ),
    Dependency(
        "channel_layer",
        _("Redis (live updates)"),
        _channel_layer_urls,
        "yilian.core.health.redis_ping",
        _("Room chat, presence, direct video calls and instant alerts wait for Redis."),
    ),
    Dependency(
        "janus",
        _("Janus video server"),
        _janus_urls,
        "yilian.realtime.media.janus_ping",
        _("Rooms fall back to direct video between participants (up to 4); no recording."),
    ),
    Dependency(
        "rtmp",
        _("nginx-rtmp live stream server"),
        _rtmp_urls,
        "yilian.live.ingest.ping",
        _("Encoders cannot connect: live events cannot go on air."),
    ),
    Dependency(
        "orthanc",
        _("Orthanc image archive"),
        _orthanc_urls,
        "yilian.imaging.orthanc.ping",
        _("New studies are kept here and wait to be sent; viewers show the copy kept here."),
    ),
)
_BY_KEY = {d.key: d for d in DEPENDENCIES}


@dataclass(frozen=True)
class Feature:
    needs: str  # a Dependency key
    notice: Promise  # what a page says while the dependency is down


FEATURES: dict[str, Feature] = {
    "live_updates": Feature(
        "channel_layer",
        _(
            "Live updates are unavailable for now: chat, presence and instant alerts will "
            "come back by themselves. Everything else on this page works, and messages you "
            "write are kept and sent when the connection returns."
        ),
    ),
    "video_relay": Feature(
        "janus",
        _(
            "Video through the video server (for large meetings) is unavailable for now; "
            "video here connects directly between participants, which suits up to 4 people."
        ),
    ),
    "live_stream": Feature(
        "rtmp",
        _(
            "The live stream server cannot be reached; the stream will start when it is "
            "back. This page plays it by itself."
        ),
    ),
    "live_ingest": Feature(
        "rtmp",
        _(
            "The live stream server cannot be reached: your encoder cannot connect now. "
            "Keep the encoder settings; it can connect as soon as the server is back."
        ),
    ),
    "image_archive": Feature(
        "orthanc",
        _(
            "The image archive is unavailable for now. Images are kept with the request and "
            "shown from the copy kept here; new studies are sent to the archive when it is "
            "back."
        ),
    ),
}


@dataclass(frozen=True)
class Notice:
    feature: str
    message: str


_answers: dict[tuple[str, tuple[str, ...]], tuple[float, State, str]] = {}
_lock = threading.Lock()


def forget() -> None:
    """Drop the remembered answers: the next question probes again."""
    with _lock:
        _answers.clear()


def public_address(url: str) -> str:
    """``scheme://host:port`` of a configured URL: no credentials, no path."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    return f"{parts.scheme}://{host}" + (f":{port}" if port else "")


def _reason(error: BaseException) -> str:
    """A short reason for operators, without the address (it may hold credentials)."""
    cause = getattr(error, "reason", None)
    if isinstance(cause, BaseException):
        error = cause
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return type(error).__name__


def _probe(dependency: Dependency, targets: tuple[str, ...]) -> tuple[State, str]:
    probe = import_string(dependency.probe)
    for url in targets:
        try:
            probe(url, PROBE_TIMEOUT)
        except Exception as error:  # any failure means "not usable now"; never raised
            logger.warning("%s is unavailable: %s", dependency.key, _reason(error))
            return State.DOWN, _reason(error)
    return State.UP, ""


def status(key: str, *, fresh: bool = False) -> Status:
    """The state of one dependency, probed at most once every PROBE_TTL seconds (now, when
    ``fresh``)."""
    dependency = _BY_KEY[key]
    targets = dependency.targets()
    addresses = tuple(public_address(u) for u in targets)
    if not targets:
        return Status(dependency, State.NOT_USED, addresses, "")
    now = time.monotonic()
    with _lock:
        known = _answers.get((key, targets))
    if known is not None and now - known[0] < PROBE_TTL and not fresh:
        return Status(dependency, known[1], addresses, known[2])
    state, reason = _probe(dependency, targets)
    with _lock:
        _answers[(key, targets)] = (time.monotonic(), state, reason)
    return Status(dependency, state, addresses, reason)


def statuses() -> list[Status]:
    return [status(d.key) for d in DEPENDENCIES]


def available(feature: str) -> bool:
    return status(FEATURES[feature].needs).up


def notice(feature: str) -> Notice:
    return Notice(feature, str(FEATURES[feature].notice))


def unavailable(*features: str) -> list[Notice]:
    """The notices a page shows for those of ``features`` that are unavailable now."""
    return [notice(f) for f in features if not available(f)]
