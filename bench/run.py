"""``make bench`` — ``python -m bench.run [--scale S] [--duration SECONDS] [--only NAMES]``.

1. Checks PostgreSQL and Redis, ensures the dataset (bench/seed.py) and prepares what the
   load needs in the benchmark database: a TOTP device and recovery codes for the accounts
   that need a second factor, signed-in sessions for the chat room's members, the list of
   requests to dispatch.
2. Starts the application as in production — ``uvicorn yilian.asgi:application --workers 2``
   with ``YILIAN_ENV=production``, Redis for cache, channel layer and RQ tasks, and an RQ
   worker — and waits until ``/livez`` and ``/healthz`` answer.
3. Measures the raw-SQL floors here, then runs the scenarios from a separate load process
   (bench/load.py), and writes bench/results/latest.json and latest.md.
Every child runs in its own process group and is stopped however this ends."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/yilian_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/3"
WORKERS = 2
USERS_PER_ROLE = 4
# Not a secret: it signs the sessions of a throw-away benchmark database only.
BENCH_SECRET_KEY = "bench-only-" + "k" * 40


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


class BenchError(RuntimeError):
    pass


# --- services -----------------------------------------------------------------------------


def check_services(database_url: str, redis_url: str) -> dict[str, str]:
    import psycopg
    import redis

    server_url = database_url.rsplit("/", 1)[0] + "/postgres"
    try:
        with psycopg.connect(server_url, connect_timeout=3) as conn:
            pg = conn.execute("SHOW server_version").fetchone()[0]
    except psycopg.OperationalError as exc:
        raise BenchError(
            f"PostgreSQL is not reachable at {server_url} ({exc}). Start it, or point "
            "BENCH_DATABASE_URL at a server."
        ) from exc
    try:
        info = redis.Redis.from_url(redis_url, socket_connect_timeout=3).info("server")
    except redis.RedisError as exc:
        raise BenchError(
            f"Redis is not reachable at {redis_url} ({exc}). Start it, or set BENCH_REDIS_URL."
        ) from exc
    return {"postgresql": f"PostgreSQL {pg}", "redis": str(info["redis_version"])}


def machine(services: dict[str, str]) -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    ram_gb = None
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gb": ram_gb,
        "python": platform.python_version(),
        **services,
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- the database side (Django in this process) -------------------------------------------


def setup_django(database_url: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "yilian.settings"
    os.environ["DATABASE_URL"] = database_url
    os.environ["YILIAN_SECRET_KEY"] = BENCH_SECRET_KEY
    os.environ.pop("REDIS_URL", None)
    import logging

    import django

    django.setup()
    logging.getLogger("axes").setLevel(logging.WARNING)  # one line per session made below


def _user(ref: dict[str, Any]) -> Any:
    from yilian.accounts.models import User

    return User.objects.get(public_id=ref["public_id"])


def second_factor(user: Any, codes: int) -> dict[str, Any]:
    """A confirmed TOTP device (its key handed to the load process) and ``codes``
    single-use recovery codes — as the account would have after enrolling."""
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    key = secrets.token_hex(20)
    TOTPDevice.objects.filter(user=user, name="bench").delete()
    TOTPDevice.objects.create(user=user, name="bench", key=key, confirmed=True)
    StaticDevice.objects.filter(user=user, name="bench").delete()
    device = StaticDevice.objects.create(user=user, name="bench", confirmed=True)
    recovery = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(codes)]
    for code in recovery:
        device.token_set.create(token=code)
    return {"totp_key": key, "recovery_codes": recovery}


def signed_in_session(user: Any) -> str:
    """A session made by Django's own ``login`` (its signals record it as the sign-in form
    would), for a websocket client."""
    from django.conf import settings
    from django.contrib.auth import login
    from django.test import RequestFactory

    request = RequestFactory().post("/accounts/login/", REMOTE_ADDR="127.0.0.1")
    engine = __import__(settings.SESSION_ENGINE, fromlist=["SessionStore"])
    request.session = engine.SessionStore()
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return request.session.session_key


def prepare(fixtures: dict[str, Any], *, chat: bool) -> dict[str, Any]:
    """What the load process needs, written to the benchmark database."""
    from bench.scenarios import CHAT_CLIENTS
    from yilian.accounts.models import User
    from yilian.security.policy import TWO_FACTOR_ROLES
    from yilian.workflow.models import BusinessRequest, Status

    password = fixtures["password"]
    accounts, users = {}, {}
    for role in ("manager", "expert", "staff", "hospital_admin"):
        user = _user(fixtures[role])
        users[role] = user
        accounts[role] = {"phone": fixtures[role]["phone"], "password": password}
        if user.has_role(*TWO_FACTOR_ROLES):
            accounts[role].update(second_factor(user, USERS_PER_ROLE))

    dispatchable = list(
        BusinessRequest.objects.filter(
            public_id__in=fixtures["dispatchable_request_public_ids"],
            status__in=[Status.APPROVED, Status.DECLINED],
        ).values_list("public_id", "version")
    )
    targets = [{"public_id": str(p), "version": v} for p, v in dispatchable]

    room = fixtures["chat_room"]
    session_id = room["session_public_id"]
    members = room["users"]
    member_ids = [m["public_id"] if isinstance(m, dict) else m for m in members]
    keys = []
    if chat:
        started = time.perf_counter()
        by_id = {str(u.public_id): u for u in User.objects.filter(public_id__in=member_ids)}
        wanted = [by_id[str(m)] for m in member_ids if str(m) in by_id][:CHAT_CLIENTS]
        keys = [signed_in_session(user) for user in wanted]
        log(f"{len(keys)} chat sessions signed in ({time.perf_counter() - started:.1f} s)")

    team = fixtures["dispatch_team"]
    if isinstance(team, dict):
        team = team["team_public_id"]
    return {
        "accounts": accounts,
        "users": users,
        "dispatch_targets": targets,
        "dispatch_team": str(team),
        "chat": {"session_id": str(session_id), "session_keys": keys},
    }


# --- the application, as in production ----------------------------------------------------


def child_env(database_url: str, redis_url: str, data_dir: Path) -> dict[str, str]:
    from django.conf import settings

    env = {k: v for k, v in os.environ.items() if not k.startswith(("YILIAN_", "DJANGO_"))}
    env.update(
        {
            "YILIAN_ENV": "production",
            "YILIAN_SECRET_KEY": BENCH_SECRET_KEY,
            # The key the dataset's patient fields were encrypted with.
            "YILIAN_FIELD_KEY": settings.YILIAN_FIELD_KEY,
            "YILIAN_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "YILIAN_DATA_DIR": str(data_dir),
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "YILIAN_TASK_BACKEND": "rq",
            "YILIAN_CACHE_PREFIX": "yilian-bench",
            # The API's per-token rate limit would refuse a load test by design.
            "YILIAN_API_RATE": "1000000/m",
            "YILIAN_LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "yilian.settings",
        }
    )
    if os.environ.get("BENCH_DB_POOL_MAX"):
        env["YILIAN_DB_POOL_MAX"] = os.environ["BENCH_DB_POOL_MAX"]
    return env


class Children:
    """Child processes, each in its own process group; ``stop`` ends them all."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.procs: list[tuple[str, subprocess.Popen]] = []

    def start(
        self, name: str, args: list[str], env: dict[str, str], *, to_log: bool = True
    ) -> subprocess.Popen:
        out = open(self.log_dir / f"{name}.log", "wb") if to_log else None  # noqa: SIM115
        proc = subprocess.Popen(  # noqa: S603
            args,
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT if to_log else None,
            start_new_session=True,
        )
        if out is not None:
            out.close()  # the child holds its own descriptor
        self.procs.append((name, proc))
        return proc

    def check(self, skip: subprocess.Popen | None = None) -> None:
        for name, proc in self.procs:
            if proc is not skip and proc.poll() is not None:
                tail = (self.log_dir / f"{name}.log").read_text(errors="replace")[-3000:]
                raise BenchError(f"{name} exited with {proc.returncode}:\n{tail}")

    def stop(self) -> None:
        for _name, proc in reversed(self.procs):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        for _name, proc in reversed(self.procs):
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        self.procs.clear()


def wait_ready(base: str, children: Children, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    for path in ("/livez", "/healthz"):
        while True:
            children.check()
            request = urllib.request.Request(  # noqa: S310 — our own http:// address
                base + path, headers={"X-Forwarded-Proto": "https", "Host": "127.0.0.1"}
            )
            try:
                with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
                    if response.status == 200:
                        break
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                raise BenchError(f"the server did not answer {path} within {timeout:.0f} s")
            time.sleep(0.3)


def static_stale(data_dir: Path) -> bool:
    """Whether the collected static files (and their manifest) are older than a source."""
    manifest = data_dir / "static" / "staticfiles.json"
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    return any(
        p.stat().st_mtime > built for p in (ROOT / "yilian").glob("**/static/**/*") if p.is_file()
    )


def manage(args: list[str], env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)  # noqa: S603


# --- the run ------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    from bench.scenarios import SCENARIOS

    parser = argparse.ArgumentParser(prog="bench.run", description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=float(os.environ.get("BENCH_SCALE", 1.0)))
    parser.add_argument(
        "--duration", type=float, default=float(os.environ.get("BENCH_DURATION", 20))
    )
    parser.add_argument(
        "--only",
        default="",
        help="comma-separated scenarios (default: all): "
        + ", ".join(s.name for s in SCENARIOS if s.name != "bare_asgi"),
    )
    parser.add_argument("--force-seed", action="store_true", help="seed the dataset again")
    return parser.parse_args(argv)


def run(args: argparse.Namespace) -> dict[str, Any]:
    from bench import floors as floors_mod
    from bench import scenarios as sc
    from bench import stats

    database_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    redis_url = os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL)
    services = check_services(database_url, redis_url)
    setup_django(database_url)
    from bench.seed import ensure_dataset

    log(f"dataset at scale {args.scale} in {database_url.rsplit('/', 1)[-1]} …")
    dataset = ensure_dataset(scale=args.scale, force=args.force_seed)
    fixtures = dataset["fixtures"]
    log(f"dataset ready: {dataset.get('requests')} requests ({dataset.get('seconds')} s)")
    wanted = [n.strip() for n in args.only.split(",") if n.strip()] or [
        s.name for s in sc.SCENARIOS if s.name not in sc.FLOORS
    ]
    unknown = [n for n in wanted if n not in sc.BY_NAME]
    if unknown:
        raise BenchError(f"unknown scenarios: {', '.join(unknown)}")
    prepared = prepare(fixtures, chat="chat_fanout_500" in wanted)
    # The chat fan-out last: its sockets' departures keep the server busy afterwards.
    order = ["bare_asgi", *sorted(wanted, key=lambda n: n == "chat_fanout_500")]

    log("raw-SQL floors …")
    sql_seconds = min(args.duration, 10.0)
    wanted_lists = [n for n in stats.LIST_SCENARIOS if n in wanted]
    raw_sql = {}
    statements = {}
    for name in wanted_lists:
        statements[name] = floors_mod.capture(name, fixtures, prepared["users"])
        raw_sql[name] = floors_mod.measure(database_url, statements[name], sql_seconds)
        log(f"  {name}: {raw_sql[name]['statements']} statements, p95 {raw_sql[name]['p95_ms']} ms")

    data_dir = ROOT / "var" / "bench"
    log_dir = data_dir / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    env = child_env(database_url, redis_url, data_dir)
    if static_stale(data_dir):
        log("collecting static files for the production storage …")
        manage(["collectstatic", "--no-input", "-v0"], env)

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    children = Children(log_dir)
    try:
        children.start(
            "rqworker",
            [sys.executable, "manage.py", "rqworker", "default", "--with-scheduler"],
            env,
        )
        children.start(
            "uvicorn",
            [
                sys.executable,
                "-m",
                "uvicorn",
                "yilian.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(WORKERS),
                # A worker importing Django on a busy machine answers uvicorn's
                # supervisor late; at the 5 s default it is killed and started again.
                "--timeout-worker-healthcheck",
                "60",
                "--no-access-log",
                "--log-level",
                "warning",
            ],
            env,
        )
        wait_ready(base, children, float(os.environ.get("BENCH_READY_TIMEOUT", 600)))
        log(f"server ready at {base} ({WORKERS} workers, production settings)")
        config = {
            "base_url": base,
            "duration": args.duration,
            "fixtures": fixtures,
            "accounts": prepared["accounts"],
            "users_per_role": USERS_PER_ROLE,
            "scenarios": order,
            "dispatch_targets": prepared["dispatch_targets"],
            "dispatch_team": prepared["dispatch_team"],
            "chat": prepared["chat"],
        }
        with tempfile.TemporaryDirectory(prefix="yilian-bench-") as tmp:
            config_path, out_path = Path(tmp) / "config.json", Path(tmp) / "out.json"
            config_path.write_text(json.dumps(config, default=str), encoding="utf-8")
            load = children.start(
                "load",
                [sys.executable, "-m", "bench.load", str(config_path), str(out_path)],
                {**os.environ, "PYTHONPATH": str(ROOT)},
                to_log=False,
            )
            while load.poll() is None:
                children.check(skip=load)  # the server or the worker died: stop here
                time.sleep(0.5)
            if load.returncode != 0 and not out_path.exists():
                raise BenchError(f"the load process failed (exit {load.returncode})")
            if load.returncode != 0:
                log(f"the load process failed (exit {load.returncode}): a partial report")
            results = json.loads(out_path.read_text(encoding="utf-8"))
    finally:
        children.stop()

    scenarios_out = []
    bare = results.pop("bare_asgi")
    floors = {"bare_asgi": bare, "raw_sql": raw_sql}
    for name in order[1:]:
        if name not in results:
            continue
        result = {"name": name, **results[name]}
        result.update(stats.evaluate(result, floors))
        scenarios_out.append(result)
    counts = {k: v for k, v in dataset.items() if k not in ("fixtures",)}
    return {
        "scenarios": scenarios_out,
        "floors": floors,
        "dataset": counts,
        "machine": machine(services),
        "targets": stats.TARGETS,
        "settings": {
            "duration_s": args.duration,
            "workers": WORKERS,
            "users_per_role": USERS_PER_ROLE,
            "read_rate": sc.READ_RATE,
            "raw_sql_statements": statements,
        },
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def write(report: dict[str, Any]) -> None:
    from bench import stats

    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "latest.json").write_text(
        json.dumps(report, ensure_ascii=False, indent=1, default=str), encoding="utf-8"
    )
    (RESULTS / "latest.md").write_text(stats.render_markdown(report), encoding="utf-8")
    print(stats.render_text(report))
    print(f"\nWritten: {RESULTS / 'latest.json'}, {RESULTS / 'latest.md'}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)

    def stop(signum: int, _frame: Any) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop)
    try:
        write(run(args))
    except BenchError as exc:
        log(f"error: {exc}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
