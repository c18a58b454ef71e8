"""The benchmark dataset: the demo alliance at ten times the activity the paper reports.

``python -m bench.seed [--scale 1.0] [--force]`` fills the PostgreSQL database named by
``BENCH_DATABASE_URL`` (default ``postgres://postgres@127.0.0.1:5432/yilian_bench``):

* the 1,021 member hospitals, departments, teams and rooms of ``seed_demo --scale paper``
  (its organisation steps, with the demo logins), and ≈200,000 people across the roles;
* ≈1,000,000 business requests of every registered kind over three years, each with the
  timeline the transition service would have written (one ``RequestEvent`` per step, the
  steps a kind leaves out as system events), the team's opinion, the applicant's feedback
  and the manager's QC review where the status implies them, assigned experts, and the
  patient (identifiers encrypted with ``yilian.core.crypto``) where the kind is about one;
* one ``ActivityEvent`` per request event (as ``workflow.services`` counts them) plus
  logins, training participations and watch time, and the ``DailyRollup`` rows those events
  add up to (what ``manage.py rebuild_rollups`` computes), and the ``MonthlyRollup`` rows
  the daily ones add up to;
* chat history in some of the request rooms, and one open meeting-room session with
  enough participants for the chat load scenario.

Rows are made by generators with one fixed random seed and written with ``COPY FROM STDIN``
on a worker thread, so PostgreSQL ingests one chunk while Python makes the next. Every user
shares one password hash. The database keeps a fingerprint (this script's version, the
scale and the migrations) and the dataset's description in its own ``bench_meta`` table: a
second run with the same fingerprint seeds nothing. ``ensure_dataset`` returns the
description, including the fixtures the load scenarios log in and act with.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import queue
import random
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit, urlunsplit

SEED_VERSION = "4"
RANDOM_SEED = 2026
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/yilian_bench"
META_TABLE = "bench_meta"

# --- Volumes at scale 1.0 ------------------------------------------------------------
REQUESTS = 1_000_000
# People per member hospital by tier (doctors, nurses, technicians, an administrator).
USERS_PER_HOSPITAL = {"province": 560, "city": 205, "county": 100}
PATIENT_USERS = 4_000
PATIENT_RECORDS_PER_HOSPITAL = {"province": 200, "city": 100, "county": 60}
# Logins, training participations and watch-time events in the current year (the years
# before shrink by the paper's growth rates, like ``analytics.history``).
LOGINS_PER_YEAR = 1_000_000
TRAINING_PER_YEAR = 260_000
WATCH_PER_YEAR = 150_000
YEARS = 3
# Not scaled (scale ≥ 0.01): more platform managers and execution teams at province level.
EXTRA_MANAGERS = 12
EXTRA_TEAMS = 40
EXPERTS_PER_EXTRA_TEAM = 6
# Requests that end in a given state on purpose (the load scenarios act on them); their
# number is scaled, with a floor so that tiny datasets have some.
FORCED = {"declined": 2_500, "dispatched": 1_500, "submitted": 2_000}
CHAT_SESSION_SHARE = 0.01  # of the requests whose session took place
BENCH_ROOM_PARTICIPANTS = 600
BENCH_ROOM_MESSAGES = 2_000
CHUNK = 20_000  # requests (or events) per COPY round
SEARCH_TERM = "肺结节"

# Kinds the paper counts (``analytics.history.ANNUAL``) and the others, per year at the
# paper's scale, with their growth.
OTHER_KINDS: dict[str, tuple[int, float]] = {
    "clinical_observation": (150, 0.198),
    "special_business": (1_500, 0.30),
    "training_request": (300, 0.30),
}
DEFAULT_KIND_VOLUME = (100, 0.2)
PACE = {"routine": 1.0, "urgent": 0.3, "emergency": 0.08}  # how fast requests move
DETAIL_MODELS = (
    "medical.Consultation", "referrals.Referral", "clinics.WardRound", "followups.FollowUpPlan",
    "linkage.Visit", "linkage.AdvancedStudy", "teaching.TrainingRequest",
)  # fmt: skip
PATIENT_KINDS = frozenset({"consultation", "referral", "e_clinic", "follow_up"})
ON_SITE_KINDS = frozenset(
    {"referral", "study_visit", "clinical_observation", "advanced_study", "training_request"}
)

DISEASES = (
    "肺结节", "肺癌", "乳腺癌", "胃癌", "结直肠癌", "肝癌", "食管癌", "宫颈癌", "甲状腺结节",
    "淋巴瘤", "白血病", "冠心病", "高血压", "糖尿病", "脑梗死", "慢阻肺", "肾病综合征",
    "骨质疏松", "腰椎间盘突出", "卵巢囊肿", "胰腺占位", "肺部感染", "不明原因发热",
)  # fmt: skip
TITLES: dict[str, tuple[str, ...]] = {
    "consultation": ("{d}多学科远程会诊", "{d}疑难病例远程会诊", "{d}治疗方案会诊"),
    "referral": ("{d}患者上转", "{d}术后下转康复", "{d}患者转诊申请"),
    "e_clinic": ("{d}远程专家门诊", "{d}复诊远程门诊"),
    "follow_up": ("{d}术后随访计划", "{d}化疗后随访", "{d}慢病随访"),
    "ward_round": ("{d}病区远程查房", "{d}疑难病例远程查房"),
    "study_visit": ("{d}诊疗参观学习", "{d}专科建设参观学习"),
    "clinical_observation": ("{d}手术临床观摩", "{d}诊疗临床观摩"),
    "advanced_study": ("{d}方向进修申请", "{d}专科进修"),
    "special_business": ("{d}远程病理诊断", "{d}远程影像诊断"),
    "training_request": ("{d}诊疗规范培训", "{d}新技术培训班"),
}
REJECT_REASONS = ("病历资料不全，且不属于联盟协作范围", "申请重复提交", "不符合会诊指征")
RETURN_NOTES = ("请补充近期影像检查结果", "请补充病理报告及既往治疗经过", "请完善患者基本信息")
DECLINE_REASONS = ("团队专家本周外出参会，建议改派", "不属于本团队专业范围，建议改派其他团队")
CANCEL_REASONS = ("患者已自行前往上级医院就诊", "患者病情变化，暂不开展", "申请单位撤回需求")
OPINIONS = (
    "建议完善增强CT及肿瘤标志物检查，必要时行穿刺活检明确病理。",
    "综合评估后建议手术治疗，术前完善心肺功能评估。",
    "建议继续原方案治疗，三个月后复查，如有不适及时就诊。",
    "考虑良性病变可能性大，建议定期随访观察。",
)
FEEDBACK = ("专家意见明确，对诊疗帮助很大", "响应及时，沟通顺畅", "", "流程规范，满意")
QC_COMMENTS = ("资料完整，流程规范", "按时完成，记录齐全", "")
CHAT_LINES = (
    "各位老师好，患者资料已上传，请查阅。", "影像资料能否再调一下窗宽？", "收到，正在看片。",
    "建议先完善病理检查。", "患者目前生命体征平稳。", "同意以上意见。", "好的，谢谢专家！",
    "请问患者既往有无手术史？", "有，三年前行阑尾切除术。", "会后请整理书面意见。",
)  # fmt: skip
DOCTOR_TITLES = (
    ("chief_physician", 8), ("associate_chief_physician", 17), ("attending_physician", 40),
    ("resident_physician", 35),
)  # fmt: skip
NURSE_TITLES = (("chief_nurse", 3), ("supervisor_nurse", 17), ("nurse", 80))


# --- Django --------------------------------------------------------------------------


def bench_database_url() -> str:
    return os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)


def _setup_django(url: str) -> None:
    """Point Django at the benchmark database (before ``django.setup``) — or check that it
    already is."""
    import django
    from django.conf import settings

    name = urlsplit(url).path.lstrip("/")
    if settings.configured:
        current = settings.DATABASES["default"]
        if current.get("NAME") != name or "postgresql" not in current.get("ENGINE", ""):
            raise RuntimeError(
                f"Django is already configured for {current.get('NAME')!r}; seed the "
                f"benchmark database {name!r} from a process of its own (python -m bench.seed)."
            )
        django.setup()
        return
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yilian.settings")
    django.setup()


def _create_database(url: str, *, drop: bool) -> None:
    """Create the benchmark database if it is missing (drop it first when ``drop``)."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and drop:
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
            exists = None
        if not exists:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _meta_table(cursor: Any) -> None:
    cursor.execute(
        f"CREATE TABLE IF NOT EXISTS {META_TABLE} ("
        "key text PRIMARY KEY, fingerprint text NOT NULL, description jsonb NOT NULL, "
        "seeded_at timestamptz NOT NULL DEFAULT now())"
    )


def _stored(connection: Any) -> tuple[str, dict[str, Any]] | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [META_TABLE])
        if cursor.fetchone()[0] is None:
            return None
        cursor.execute(
            f"SELECT fingerprint, description FROM {META_TABLE} WHERE key = 'dataset'"  # noqa: S608
        )
        row = cursor.fetchone()
    if row is None:
        return None
    description = row[1] if isinstance(row[1], dict) else json.loads(row[1])
    return row[0], description


def fingerprint(connection: Any, scale: float) -> str:
    """This script's version, the scale and the migrations applied to the database."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        migrations = cursor.fetchall()
    digest = hashlib.sha256(json.dumps(migrations).encode()).hexdigest()[:16]
    return f"v{SEED_VERSION}:scale={scale!r}:migrations={digest}"


def ensure_dataset(scale: float = 1.0, force: bool = False) -> dict[str, Any]:
    """The benchmark database at ``scale``: seeded unless its fingerprint says it already
    is (``force``: seeded again from an empty database). Returns the description."""
    if scale <= 0:
        raise ValueError("scale must be positive")
    url = bench_database_url()
    _create_database(url, drop=False)
    _setup_django(url)
    from django.db import connection

    _migrate(connection)
    wanted = fingerprint(connection, scale)
    stored = _stored(connection)
    if stored is not None and stored[0] == wanted and not force:
        return stored[1]
    if stored is not None or _has_data(connection):
        # Start from an empty database: drop it, create it, migrate again.
        connection.close()
        _create_database(url, drop=True)
        _migrate(connection)
    return seed_into(connection, scale, log=_log)


def _migrate(connection: Any) -> None:
    """``migrate``, without waiting for the disk at each migration's commit (a crash
    loses nothing that the next run would not make again)."""
    from django.core.management import call_command

    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")
    call_command("migrate", interactive=False, verbosity=0)
    _log(f"migrate: {time.monotonic() - started:.1f} s")


def _has_data(connection: Any) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT 1 FROM accounts_user)")
        return bool(cursor.fetchone()[0])


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def seed_into(
    connection: Any, scale: float, *, log: Any = None, fast: bool = True
) -> dict[str, Any]:
    """Seed the (migrated, empty) database behind Django's ``connection`` at ``scale`` and
    record the description in ``bench_meta``; returns it. ``fast`` turns off the foreign
    key triggers while copying (needs a superuser; the rows are consistent by
    construction) and runs VACUUM ANALYZE afterwards; the tests leave it off so that the
    constraints are checked."""
    from django.db import transaction

    started = time.monotonic()

    def timed(message: str) -> None:
        if log is not None:
            log(f"{time.monotonic() - started:7.1f} s  {message}")

    with transaction.atomic():
        with connection.cursor() as cursor:
            _meta_table(cursor)
            if fast and _is_superuser(cursor):
                cursor.execute("SET LOCAL session_replication_role = replica")
        seeder = Seeder(connection, scale, timed)
        description = seeder.run()
        description["seconds"] = round(time.monotonic() - started, 1)
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = origin")
            cursor.execute(
                f"INSERT INTO {META_TABLE} (key, fingerprint, description) "  # noqa: S608
                "VALUES ('dataset', %s, %s) ON CONFLICT (key) DO UPDATE SET "
                "fingerprint = excluded.fingerprint, description = excluded.description, "
                "seeded_at = now()",
                [fingerprint(connection, scale), json.dumps(description, ensure_ascii=False)],
            )
    if fast:
        # Statistics for the planner, and the visibility map autovacuum keeps in a database
        # in service (without it no count is answered from an index alone).
        timed("vacuum analyze")
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")
        description["seconds"] = round(time.monotonic() - started, 1)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {META_TABLE} SET description = %s WHERE key = 'dataset'",  # noqa: S608
                [json.dumps(description, ensure_ascii=False)],
            )
    timed("done")
    return description


def _is_superuser(cursor: Any) -> bool:
    cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    row = cursor.fetchone()
    return bool(row and row[0])


# --- COPY --------------------------------------------------------------------------


def _copy_text(value: Any) -> str:
    """One value in COPY's text format."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime | date):
        text = value.isoformat()
    elif isinstance(value, dict | list):
        text = json.dumps(value, ensure_ascii=False)
    else:
        text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


class Table:
    """A COPY target: the columns the generators fill, then every other NOT NULL column
    without a database default, filled with the model field's default."""

    def __init__(self, model: Any, columns: Sequence[str]) -> None:
        meta = model._meta
        self.name = meta.db_table
        by_column = {f.column: f for f in meta.concrete_fields}
        unknown = set(columns) - set(by_column)
        if unknown:
            raise ValueError(f"{self.name} has no columns {sorted(unknown)}")
        extra: list[tuple[str, str]] = []
        for column, f in by_column.items():
            if column in columns or f.primary_key or f.null or f.has_db_default():
                continue
            extra.append((column, _copy_text(f.get_default())))
        self.columns = (*columns, *(c for c, _ in extra))
        self.tail = "".join("\t" + v for _, v in extra) + "\n"
        names = ", ".join(f'"{c}"' for c in self.columns)
        self.sql = f'COPY "{self.name}" ({names}) FROM STDIN'


class Sink:
    """Runs the COPYs on a worker thread: PostgreSQL ingests one chunk while the generators
    (holding the GIL) make the next. Uses the connection's own (psycopg) transaction."""

    def __init__(self, raw_connection: Any) -> None:
        self.raw = raw_connection
        self.queue: queue.Queue[tuple[str, str] | None] = queue.Queue(maxsize=3)
        self.error: BaseException | None = None
        self.rows: Counter[str] = Counter()
        self.thread = threading.Thread(target=self._run, name="bench-copy", daemon=True)
        self.thread.start()

    def put(self, table: Table, lines: list[str]) -> None:
        if self.error is not None:
            raise RuntimeError("COPY failed") from self.error
        if lines:
            self.rows[table.name] += len(lines)
            self.queue.put((table.sql, "".join(lines)))

    def _run(self) -> None:
        try:
            with self.raw.cursor() as cursor:
                while (item := self.queue.get()) is not None:
                    sql, data = item
                    with cursor.copy(sql) as copy:
                        copy.write(data)
        except BaseException as exc:  # handed to the main thread in put/close
            self.error = exc
            while self.queue.get() is not None:
                pass

    def close(self) -> None:
        self.queue.put(None)
        self.thread.join()
        if self.error is not None:
            raise RuntimeError("COPY failed") from self.error


# --- time ---------------------------------------------------------------------------


class Clock:
    """Epoch seconds ↔ COPY timestamps and the alliance's local dates (for the rollups)."""

    def __init__(self, zone: Any) -> None:
        self.zone = zone
        self._utc_days: dict[int, str] = {}
        self._local: dict[int, int] = {}  # quarter hour -> local date ordinal

    def day_text(self, day: int) -> str:
        text = self._utc_days.get(day)
        if text is None:
            text = self._utc_days[day] = (date(1970, 1, 1) + timedelta(days=day)).isoformat()
        return text

    def ts(self, t: int) -> str:
        day, s = divmod(t, 86400)
        return f"{self.day_text(day)} {s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}+00"

    def iso(self, t: int) -> str:
        """As ``DjangoJSONEncoder`` writes an aware UTC datetime."""
        day, s = divmod(t, 86400)
        return f"{self.day_text(day)}T{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}Z"

    def local_ordinal(self, t: int) -> int:
        quarter = t // 900  # every UTC offset is a multiple of 15 minutes
        ordinal = self._local.get(quarter)
        if ordinal is None:
            moment = datetime.fromtimestamp(quarter * 900, self.zone)
            ordinal = self._local[quarter] = moment.date().toordinal()
        return ordinal

    def local_midnight(self, day: date) -> int:
        return int(datetime.combine(day, clock(0), self.zone).timestamp())


# --- the seeder -----------------------------------------------------------------------


@dataclass
class TeamInfo:
    id: int
    public_id: str
    name: str
    members: list[int]
    lead: int | None
    weight: float


@dataclass
class KindInfo:
    code: str
    steps: frozenset[str]
    titles: tuple[str, ...]
    teams: list[TeamInfo] = field(default_factory=list)
    cum_weights: list[float] = field(default_factory=list)

    def uses(self, step: str) -> bool:
        return step in self.steps


class Seeder:
    def __init__(self, connection: Any, scale: float, log: Any) -> None:
        from django.conf import settings
        from django.utils import timezone

        self.connection = connection
        self.scale = scale
        self.log = log
        self.rng = random.Random(RANDOM_SEED)
        self.clock = Clock(timezone.get_current_timezone())
        self.now = int(timezone.now().timestamp()) - 60
        self.today = timezone.localdate()
        self.demo_scale = "paper" if scale >= 0.01 else "small"
        self.settings = settings
        self.counts: Counter[str] = Counter()
        self.rollup: Counter[int] = Counter()
        self.rollup_totals: Counter[int] = Counter()
        self.kind_actions: dict[tuple[str, str], int] = {}
        self.user_public: dict[int, str] = {}
        self.keys: list[int] = []  # rollup keys of the request events not yet counted
        self.national_ids: set[str] = set()
        self.details: dict[str, Table] = {}
        self.choices: dict[str, dict[str, list[Any]]] = {}

    # -- helpers ---------------------------------------------------------------------------
    def n(self, base: float, floor: int = 0) -> int:
        return max(floor, round(base * self.scale))

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def ka(self, kind: str, action: str) -> int:
        key = (kind, action)
        index = self.kind_actions.get(key)
        if index is None:
            index = self.kind_actions[key] = len(self.kind_actions)
        return index

    def next_ids(self, model: Any) -> int:
        with self.connection.cursor() as cursor:
            cursor.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{model._meta.db_table}"')  # noqa: S608
            return int(cursor.fetchone()[0]) + 1

    # -- the whole run ---------------------------------------------------------------------
    def run(self) -> dict[str, Any]:
        self.seed_organisation()
        self.load_world()
        with self.connection.cursor() as cursor:
            restore = _drop_indexes(cursor, [m._meta.db_table for m in _bulk_models()])
        self.log(f"{len(restore)} secondary indexes dropped")
        sink = Sink(self.connection.connection)
        try:
            self.seed_people(sink)
        finally:
            sink.close()
        self.rows = sink.rows
        self.seed_teams()
        self.load_teams()
        sink = Sink(self.connection.connection)
        try:
            self.seed_patients(sink)
            self.seed_requests(sink)
            self.seed_activity(sink)
            self.seed_rollups(sink)
        finally:
            sink.close()
        self.rows.update(sink.rows)
        self.seed_monthly_rollups()
        with self.connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            _settle_triggers(cursor)
            for statement in restore:
                cursor.execute(statement)
        self.log("indexes rebuilt")
        self.reset_sequences()
        fixtures = self.fixtures()
        self.log("fixtures")
        return self.describe(fixtures)

    # -- organisation (the demo alliance) --------------------------------------------------
    def seed_organisation(self) -> None:
        from django.contrib.auth.hashers import make_password

        from yilian.orgs import demo

        rng = random.Random(demo.SEED)
        plan = demo.build_plan(rng).for_scale(self.demo_scale)
        self.password_hash = make_password(demo.DEMO_PASSWORD)  # once, shared by everyone
        ctx = demo.SeedContext(
            scale=self.demo_scale, plan=plan, rng=rng, password_hash=self.password_hash
        )
        for step in (
            demo.seed_divisions,
            demo.seed_alliance,
            demo.seed_hospitals,
            demo.seed_departments,
            demo.seed_users,
            demo.seed_roles,
            demo.seed_teams,
            demo.seed_rooms,
        ):
            step(ctx)
        self.log(f"organisation: {len(plan.hospitals)} hospitals ({self.demo_scale})")

    def load_world(self) -> None:
        from yilian.accounts.models import RoleAssignment, User
        from yilian.accounts.roles import Role
        from yilian.orgs import demo
        from yilian.orgs.models import Department, Hospital, Room

        hospitals = list(
            Hospital.objects.order_by("pk").values_list("pk", "tier", "is_lead", "name")
        )
        self.hospitals = hospitals
        self.hospital_tier = {pk: tier for pk, tier, _, _ in hospitals}
        self.lead_id = next(pk for pk, _, is_lead, _ in hospitals if is_lead)
        self.departments: dict[int, list[int]] = defaultdict(list)
        for pk, hospital_id in Department.objects.values_list("pk", "hospital_id"):
            self.departments[hospital_id].append(pk)
        roles: dict[int, set[str]] = defaultdict(set)
        for user_id, role in RoleAssignment.objects.values_list("user_id", "role"):
            roles[user_id].add(role)
        self.applicants: dict[int, list[int]] = defaultdict(list)
        self.login_pool: list[tuple[int, int | None]] = []
        self.managers: list[int] = []
        self.user_hospital: dict[int, int | None] = {}
        demo_phones = {d.role: d.phone for d in demo.DEMO_LOGINS}
        self.demo_users: dict[str, int] = {}
        for pk, phone, public_id, hospital_id, status in User.objects.values_list(
            "pk", "phone", "public_id", "hospital_id", "status"
        ):
            self.user_public[pk] = str(public_id)
            self.user_hospital[pk] = hospital_id
            for role, demo_phone in demo_phones.items():
                if phone == demo_phone:
                    self.demo_users[role] = pk
            if status != User.Status.ACTIVE:
                continue
            self.login_pool.append((pk, hospital_id))
            if hospital_id and roles[pk] & {Role.STAFF, Role.HOSPITAL_ADMIN}:
                self.applicants[hospital_id].append(pk)
            if Role.MANAGER in roles[pk]:
                self.managers.append(pk)
        self.user_ids = self.next_ids(User)
        rooms = Room.objects.filter(hospital_id=self.lead_id, is_active=True)
        self.session_rooms = [
            (r.pk, str(r.public_id)) for r in rooms if r.kind == Room.Kind.CONSULTATION
        ]
        self.meeting_room = next(
            (r for r in rooms.order_by("-capacity") if r.kind == Room.Kind.MEETING), None
        )

    # -- people ----------------------------------------------------------------------------
    def _name(self) -> str:
        from yilian.orgs.demo import GIVEN_CHARS, SURNAMES

        rng = self.rng
        given = "".join(rng.choice(GIVEN_CHARS) for _ in range(rng.choice((1, 2, 2))))
        return rng.choice(SURNAMES) + given

    def seed_people(self, sink: Sink) -> None:
        from yilian.accounts.models import RoleAssignment, User
        from yilian.accounts.roles import Role

        users = Table(
            User,
            (
                "id", "password", "public_id", "created_at", "updated_at", "phone", "name",
                "title", "licence_number", "hospital_id", "department_id", "status",
                "date_joined",
            ),
        )  # fmt: skip
        roles = Table(RoleAssignment, ("user_id", "role", "granted_at"))
        rng = self.rng
        ts = self.clock.ts
        start = self.clock.local_midnight(date(self.today.year - YEARS, 12, 1))
        doctor_titles = [t for t, _ in DOCTOR_TITLES]
        doctor_weights = [w for _, w in DOCTOR_TITLES]
        nurse_titles = [t for t, _ in NURSE_TITLES]
        nurse_weights = [w for _, w in NURSE_TITLES]
        user_lines: list[str] = []
        role_lines: list[str] = []
        self.extra_experts: dict[int, list[int]] = defaultdict(list)  # hospital -> experts
        phone_serial = 0

        def add(hospital_id: int | None, role: str, title: str, *, active: bool = True) -> int:
            nonlocal phone_serial
            pk = self.user_ids
            self.user_ids += 1
            phone_serial += 1
            joined = ts(start + rng.randrange(max(1, self.now - start) // 3))
            public_id = self.uuid()
            department = (
                rng.choice(self.departments[hospital_id])
                if hospital_id and self.departments[hospital_id]
                else None
            )
            licence = f"1{rng.randrange(10**13):013d}" if title and role != Role.PATIENT else ""
            status = User.Status.ACTIVE if active else User.Status.PENDING
            user_lines.append(
                f"{pk}\t{self.password_hash}\t{public_id}\t{joined}\t{joined}"
                f"\t14{phone_serial:09d}\t{self._name()}\t{title}\t{licence}"
                f"\t{hospital_id if hospital_id else chr(92) + 'N'}"
                f"\t{department if department else chr(92) + 'N'}\t{status}\t{joined}" + users.tail
            )
            role_lines.append(f"{pk}\t{role}\t{joined}" + roles.tail)
            self.user_public[pk] = public_id
            self.user_hospital[pk] = hospital_id
            if active:
                self.login_pool.append((pk, hospital_id))
                clinical = role == Role.STAFF and not title.endswith("nurse")
                if hospital_id and (clinical or role == Role.HOSPITAL_ADMIN):
                    self.applicants[hospital_id].append(pk)
                if role == Role.MANAGER:
                    self.managers.append(pk)
            if len(user_lines) >= CHUNK:
                sink.put(users, user_lines)
                sink.put(roles, role_lines)
                user_lines.clear()
                role_lines.clear()
            return pk

        for hospital_id, tier, _lead, _name in self.hospitals:
            count = self.n(USERS_PER_HOSPITAL[tier])
            for i in range(count):
                if i == 0 and count >= 50:
                    add(hospital_id, Role.HOSPITAL_ADMIN, "administrator")
                    continue
                pick = rng.random()
                if pick < 0.55:
                    title = rng.choices(doctor_titles, doctor_weights)[0]
                elif pick < 0.96:
                    title = rng.choices(nurse_titles, nurse_weights)[0]
                else:
                    title = "technician"
                add(hospital_id, Role.STAFF, title, active=rng.random() > 0.005)
        if self.demo_scale == "paper":
            for _ in range(EXTRA_MANAGERS):
                add(self.lead_id, Role.MANAGER, "administrator")
            province = [h for h, tier, lead, _ in self.hospitals if tier == "province" and not lead]
            for hospital_id in province[:EXTRA_TEAMS]:
                for _ in range(EXPERTS_PER_EXTRA_TEAM):
                    title = rng.choice(("chief_physician", "associate_chief_physician"))
                    self.extra_experts[hospital_id].append(add(hospital_id, Role.EXPERT, title))
        for _ in range(self.n(PATIENT_USERS)):
            add(None, Role.PATIENT, "")
        sink.put(users, user_lines)
        sink.put(roles, role_lines)
        self.log(f"people: {self.user_ids - 1} users")

    def seed_teams(self) -> None:
        """Execution teams at province-level hospitals besides the lead hospital's."""
        from yilian.orgs.models import Department, Hospital, Team, TeamService

        medical = ("consultation", "e_clinic", "follow_up", "referral", "ward_round")
        for hospital_id, experts in self.extra_experts.items():
            hospital = Hospital.objects.get(pk=hospital_id)
            department = Department.objects.filter(hospital=hospital).order_by("pk").first()
            specialty = department.specialty if department else "general_practice"
            label = department.name if department else "专家"
            team = Team.objects.create(
                hospital=hospital,
                name=f"{hospital.name}{label}远程专家团队"[:80],
                specialty=specialty,
                lead_id=experts[0],
            )
            team.members.add(*experts)
            kinds = self.rng.sample(medical, 3)
            TeamService.objects.bulk_create([TeamService(team=team, kind=k) for k in kinds])

    def load_teams(self) -> None:
        from yilian.orgs.models import Team
        from yilian.workflow.registry import all_kinds

        teams = list(
            Team.objects.filter(is_active=True)
            .order_by("pk")
            .prefetch_related("members", "services")
        )
        infos: dict[str, list[TeamInfo]] = defaultdict(list)
        self.mdt_team: TeamInfo | None = None
        for team in teams:
            members = [m.pk for m in team.members.all()]
            if team.lead_id and team.lead_id not in members:
                members.append(team.lead_id)
            if not members:
                continue
            lead_side = team.hospital_id == self.lead_id
            info = TeamInfo(team.pk, str(team.public_id), team.name, members, team.lead_id, 3.0)
            if lead_side and self.mdt_team is None:
                self.mdt_team = info  # the demo expert leads the first lead-hospital team
            if not lead_side:
                info.weight = 1.0
            for service in team.services.all():
                infos[service.kind].append(info)
        every_team = [t for kind_teams in infos.values() for t in kind_teams]
        self.kinds: list[KindInfo] = []
        for kind in all_kinds():
            kind_teams = infos.get(kind.code) or every_team[:1]
            titles = TITLES.get(kind.code, ("{d}" + str(kind.label),))
            cum, total = [], 0.0
            for t in kind_teams:
                total += t.weight
                cum.append(total)
            self.kinds.append(KindInfo(kind.code, kind.steps, titles, kind_teams, cum))

    # -- patients --------------------------------------------------------------------------
    def seed_patients(self, sink: Sink) -> None:
        from yilian.patients.models import Patient, national_id_hash, phone_hash

        table = Table(
            Patient,
            (
                "id", "public_id", "created_at", "updated_at", "hospital_id", "name", "sex",
                "birth_date", "national_id", "national_id_hash", "phone", "phone_hash",
                "medical_record_number", "address", "created_by_id",
            ),
        )  # fmt: skip
        seal = {
            name: Patient._meta.get_field(name).get_prep_value  # encrypts (core.crypto)
            for name in ("national_id", "phone", "address")
        }
        rng = self.rng
        ts = self.clock.ts
        pk = self.next_ids(Patient)
        self.patients: dict[int, list[int]] = defaultdict(list)
        lines: list[str] = []
        start = self.clock.local_midnight(date(self.today.year - YEARS + 1, 1, 1))
        for hospital_id, tier, is_lead, _name in self.hospitals:
            creators = self.applicants.get(hospital_id)
            if is_lead or not creators:
                continue
            for serial in range(self.n(PATIENT_RECORDS_PER_HOSPITAL[tier], floor=2)):
                born = date(rng.randint(1940, 2015), rng.randint(1, 12), rng.randint(1, 28))
                sex = rng.choice(("male", "female"))
                national_id = _national_id(rng, born, sex)
                while national_id in self.national_ids:
                    national_id = _national_id(rng, born, sex)
                self.national_ids.add(national_id)
                phone = f"13{rng.randrange(10**9):09d}"
                created = ts(start + rng.randrange(self.now - start))
                lines.append(
                    f"{pk}\t{self.uuid()}\t{created}\t{created}\t{hospital_id}\t{self._name()}"
                    f"\t{sex}\t{born.isoformat()}\t{seal['national_id'](national_id)}"
                    f"\t{national_id_hash(national_id)}\t{seal['phone'](phone)}"
                    f"\t{phone_hash(phone)}\tMR{hospital_id:05d}{serial:06d}"
                    f"\t{seal['address']('城关镇人民路' + str(rng.randint(1, 300)) + '号')}"
                    f"\t{rng.choice(creators)}" + table.tail
                )
                self.patients[hospital_id].append(pk)
                pk += 1
                if len(lines) >= CHUNK:
                    sink.put(table, lines)
                    lines = []
        sink.put(table, lines)
        self.patient_ids = pk
        self.log(f"patients: {sink.rows[table.name]}")

    # -- requests ----------------------------------------------------------------------------
    def _plan_requests(self) -> list[tuple[int, int]]:
        """(created at, kind index) of every request, oldest first."""
        from yilian.analytics.history import ANNUAL

        rng = self.rng
        periods = []
        for years_back in range(YEARS - 1, -1, -1):
            year = self.today.year - years_back
            first = date(year, 1, 1)
            last = self.today if years_back == 0 else date(year, 12, 31)
            periods.append((first, (last - first).days + 1, years_back))
        weights: list[float] = []
        slots: list[tuple[int, date, int]] = []
        for index, kind in enumerate(self.kinds):
            annual, growth = ANNUAL.get(kind.code) or OTHER_KINDS.get(
                kind.code, DEFAULT_KIND_VOLUME
            )
            for first, days, back in periods:
                weights.append(annual / (1 + growth) ** back * days / 365)
                slots.append((index, first, days))
        total = self.n(REQUESTS, floor=10)
        picks = rng.choices(range(len(slots)), weights=weights, k=total)
        plan: list[tuple[int, int]] = []
        for slot in picks:
            index, first, days = slots[slot]
            day = first + timedelta(days=rng.randrange(days))
            t0 = self.clock.local_midnight(day) + rng.randrange(8 * 3600, 18 * 3600)
            if t0 >= self.now:
                t0 = self.now - rng.randrange(60, 4 * 3600)
            plan.append((t0, index))
        plan.sort()
        return plan

    def seed_requests(self, sink: Sink) -> None:
        from yilian.analytics.models import ActivityEvent
        from yilian.realtime.models import ChatMessage, RoomSession
        from yilian.workflow.models import (
            BusinessRequest,
            Feedback,
            Opinion,
            QCReview,
            RequestEvent,
        )

        self.t_request = Table(
            BusinessRequest,
            (
                "id", "public_id", "created_at", "updated_at", "kind", "applicant_id",
                "applicant_hospital_id", "title", "patient_id", "urgency", "desired_start",
                "desired_end", "status", "team_id", "scheduled_start", "scheduled_end",
                "room_id", "form", "arrangement", "contact", "version", "submitted_at",
                "reviewed_at", "dispatched_at", "confirmed_at", "published_at", "started_at",
                "completed_at", "feedback_at", "closed_at", "cancelled_at", "due_at",
            ),
        )  # fmt: skip
        self.t_event = Table(
            RequestEvent,
            ("request_id", "actor_id", "action", "from_status", "to_status", "note", "payload",
             "created_at"),
        )  # fmt: skip
        self.t_activity = Table(
            ActivityEvent, ("occurred_at", "user_id", "hospital_id", "kind", "action", "amount")
        )
        self.t_experts = Table(BusinessRequest.experts.through, ("businessrequest_id", "user_id"))
        self.t_opinion = Table(
            Opinion,
            ("public_id", "created_at", "updated_at", "request_id", "author_id", "body",
             "is_conclusion", "signed_at"),
        )  # fmt: skip
        self.t_feedback = Table(
            Feedback,
            ("public_id", "created_at", "updated_at", "request_id", "author_id", "satisfaction",
             "timeliness", "quality", "comment"),
        )  # fmt: skip
        self.t_qc = Table(
            QCReview,
            ("public_id", "created_at", "updated_at", "request_id", "reviewer_id", "checklist",
             "score", "comment"),
        )  # fmt: skip
        self.t_session = Table(
            RoomSession,
            ("id", "public_id", "created_at", "updated_at", "request_id", "room_id", "owner",
             "title", "host_id", "locked", "last_seq", "ended_at"),
        )  # fmt: skip
        self.t_message = Table(
            ChatMessage,
            ("session_id", "seq", "client_id", "sender_id", "kind", "body", "created_at"),
        )
        self.prepare_details()
        self.request_id = self.next_ids(BusinessRequest)
        self.session_id = self.next_ids(RoomSession)
        self.out: dict[Table, list[str]] = defaultdict(list)
        plan = self._plan_requests()
        self.log(f"requests: {len(plan)} planned")
        demo_hospital = self.user_hospital.get(self.demo_users.get("staff", 0))
        for start in range(0, len(plan), CHUNK):
            for t0, index in plan[start : start + CHUNK]:
                self.request(self.kinds[index], t0)
            self.flush(sink)
        # The states the load scenarios act on, recent, some by the demo staff member.
        confirming = [k for k in self.kinds if k.uses("confirm")]
        consultation = next((k for k in self.kinds if k.code == "consultation"), confirming[0])
        rng = self.rng
        for status, base in FORCED.items():
            for _ in range(self.n(base, floor=5)):
                kind = consultation if status == "dispatched" else rng.choice(confirming)
                t0 = self.now - rng.randrange(3 * 86400, 20 * 86400)
                applicant = None
                if demo_hospital and rng.random() < 0.5:
                    applicant = self.demo_users["staff"]
                team = self.mdt_team if status == "dispatched" else None
                self.request(kind, t0, stop_at=status, applicant=applicant, team=team)
            self.flush(sink)
        self.log(f"requests: {self.request_id - 1} rows, {sink.rows[self.t_event.name]} events")

    def flush(self, sink: Sink) -> None:
        for table, lines in self.out.items():
            sink.put(table, lines)
        self.out = defaultdict(list)
        counter = self.rollup
        counter.update(self.keys)
        self.keys = []

    def request(
        self,
        kind: KindInfo,
        t0: int,
        *,
        stop_at: str | None = None,
        applicant: int | None = None,
        team: TeamInfo | None = None,
    ) -> None:
        """One request of ``kind`` created at ``t0``, its timeline and documents."""
        rng = self.rng
        if applicant is None:
            if rng.random() < 0.003 and "staff" in self.demo_users:
                applicant = self.demo_users["staff"]
            else:
                applicant = rng.choice(self.applicants[self._pick_hospital()])
        hospital = self.user_hospital[applicant]
        assert hospital is not None
        rid = self.request_id
        self.request_id += 1
        urgency = rng.choices(("routine", "urgent", "emergency"), (85, 12, 3))[0]
        life = Life(self, kind, applicant, urgency, stop_at)
        life.run(t0, team)
        self._write(rid, kind, t0, applicant, hospital, urgency, life.f, life.events, life.status)

    def prepare_details(self) -> None:
        """The tables of the kinds' detail models (the request page shows them); a kind
        whose detail needs rows the dataset does not have (clinic slots, special business
        types) has none, as the request page allows."""
        from django.apps import apps

        columns: dict[str, tuple[str, tuple[str, ...]]] = {
            "consultation": (
                "medical.Consultation",
                ("subtype", "case_summary", "clinical_question", "specialty", "expert_title"),
            ),
            "referral": (
                "referrals.Referral",
                (
                    "direction",
                    "reason",
                    "diagnosis_code",
                    "diagnosis_text",
                    "target_hospital_id",
                    "target_department_id",
                ),
            ),
            "ward_round": ("clinics.WardRound", ("ward",)),
            "follow_up": (
                "followups.FollowUpPlan",
                (
                    "public_id",
                    "created_at",
                    "updated_at",
                    "patient_id",
                    "doctor_id",
                    "hospital_id",
                    "start_date",
                    "template_name",
                ),
            ),
            "study_visit": (
                "linkage.Visit",
                ("host_id", "date_from", "date_to", "visitor_count", "purpose"),
            ),
            "clinical_observation": (
                "linkage.Visit",
                ("host_id", "date_from", "date_to", "visitor_count", "purpose"),
            ),
            "advanced_study": (
                "linkage.AdvancedStudy",
                (
                    "education",
                    "school",
                    "major",
                    "graduation_year",
                    "years_in_practice",
                    "current_position",
                    "professional_title",
                    "clinical_experience",
                    "department_id",
                    "period_months",
                    "start_date",
                ),
            ),
            "training_request": (
                "teaching.TrainingRequest",
                ("topic", "audience", "preferred_from", "preferred_to"),
            ),
        }
        self.details: dict[str, Table] = {}
        tables: dict[str, Table] = {}
        for kind in self.kinds:
            spec = columns.get(kind.code)
            if spec is None:
                continue
            label, fields = spec
            if label not in tables:
                model = apps.get_model(label)
                tables[label] = Table(model, ("request_id", *fields))
                self.choices[label] = {
                    f.name: [value for value, _ in f.choices]
                    for f in model._meta.concrete_fields
                    if f.choices
                }
            self.details[kind.code] = tables[label]
        self.lead_departments = self.departments[self.lead_id] or [None]

    def _detail(
        self, code: str, t0: int, applicant: int, hospital: int, patient: str, title: str
    ) -> list[str] | None:
        """The values of the kind's detail row (after ``request_id``)."""
        rng = self.rng
        day = date.fromordinal(self.clock.local_ordinal(t0))
        later = (day + timedelta(days=rng.randint(7, 40))).isoformat()
        department = str(rng.choice(self.lead_departments) or "\\N")
        disease = title[:4]
        if code == "consultation":
            choices = self.choices["medical.Consultation"]
            return [
                rng.choice(choices["subtype"]),
                f"患者因{disease}就诊，已完成相关检查，病情复杂。",
                "请专家评估诊断及下一步治疗方案。",
                rng.choice(choices["specialty"]),
                rng.choice(("chief_physician", "associate_chief_physician")),
            ]
        if code == "referral":
            return [
                rng.choice(("up", "up", "up", "down")),
                "本院诊疗条件有限，需上级医院进一步诊治。",
                rng.choice(("C34.9", "C50.9", "C16.9", "I25.1", "E11.9")),
                disease,
                str(self.lead_id),
                department,
            ]
        if code == "ward_round":
            return [rng.choice(("内科一病区", "外科二病区", "肿瘤病区", "综合病区"))]
        if code == "follow_up":
            if patient == "\\N":
                return None
            created = self.clock.ts(t0)
            return [
                self.uuid(), created, created, patient, str(applicant), str(hospital),
                day.isoformat(), "术后随访（1、3、6、12个月）",
            ]  # fmt: skip
        if code in ("study_visit", "clinical_observation"):
            end = (date.fromisoformat(later) + timedelta(days=rng.randint(0, 4))).isoformat()
            return [
                str(self.lead_id), later, end, str(rng.randint(1, 8)),
                f"学习{disease}规范化诊疗与专科管理经验。",
            ]  # fmt: skip
        if code == "advanced_study":
            choices = self.choices["linkage.AdvancedStudy"]
            return [
                rng.choice(choices["education"][:3]), "浙江大学医学院", "临床医学",
                str(rng.randint(1995, 2020)), str(rng.randint(3, 25)), "主治医师",
                rng.choice(choices["professional_title"][:4]), "从事临床工作多年，熟悉常见病诊治。",
                department, str(rng.choice((3, 6, 12))), later,
            ]  # fmt: skip
        if code == "training_request":
            end = (date.fromisoformat(later) + timedelta(days=rng.randint(1, 30))).isoformat()
            return [f"{disease}诊疗规范", "本院相关科室医师、护士", later, end]
        return None

    def _pick_hospital(self) -> int:
        if not hasattr(self, "_hospital_cum"):
            weights = {"province": 4.0, "city": 1.5, "county": 1.0}
            members = [
                (pk, weights[tier])
                for pk, tier, is_lead, _ in self.hospitals
                if not is_lead and self.applicants.get(pk)
            ]
            self._hospital_ids = [pk for pk, _ in members]
            total, cum = 0.0, []
            for _pk, w in members:
                total += w
                cum.append(total)
            self._hospital_cum = cum
        return self.rng.choices(self._hospital_ids, cum_weights=self._hospital_cum)[0]

    def _due(self, code: str, status: str, urgency: str, f: dict[str, Any], last: int) -> str:
        """The stored step deadline, worked out by the application's own rule."""
        from yilian.workflow.models import TERMINAL_STATUSES
        from yilian.workflow.rules import ENTERED_AT
        from yilian.workflow.selectors import step_deadline

        if status in TERMINAL_STATUSES:
            return "\\N"
        stamps = {
            name: datetime.fromtimestamp(f[name], UTC) if f.get(name) is not None else None
            for name in ENTERED_AT.values()
        }
        row = SimpleNamespace(
            kind=code,
            status=status,
            urgency=urgency,
            updated_at=datetime.fromtimestamp(last, UTC),
            **stamps,
        )
        due = step_deadline(row)  # type: ignore[arg-type]
        return self.clock.ts(int(due.timestamp())) if due is not None else "\\N"

    def _team(self, kind: KindInfo, other_than: TeamInfo | None = None) -> TeamInfo:
        for _ in range(5):
            team = self.rng.choices(kind.teams, cum_weights=kind.cum_weights)[0]
            if team is not other_than:
                return team
        return team

    def _write(
        self,
        rid: int,
        kind: KindInfo,
        t0: int,
        applicant: int,
        hospital: int,
        urgency: str,
        f: dict[str, Any],
        events: list[tuple[int, int | None, str, str, str, str, str]],
        status: str,
    ) -> None:
        rng = self.rng
        ts = self.clock.ts
        out = self.out
        null = "\\N"
        code = kind.code
        title = rng.choice(kind.titles).format(d=rng.choice(DISEASES))
        patient = null
        if code in PATIENT_KINDS and self.patients.get(hospital):
            patient = str(rng.choice(self.patients[hospital]))
        desired = null, null
        if code not in ("follow_up", "special_business"):
            wish = t0 + rng.randint(1, 10) * 86400
            desired = ts(wish), ts(wish + 7200)
        team = f.get("team")
        room = f.get("room")

        def stamp(name: str) -> str:
            value = f.get(name)
            return ts(value) if value is not None else null

        last = events[-1][0]
        due = self._due(code, status, urgency, f, last)
        out[self.t_request].append(
            f"{rid}\t{self.uuid()}\t{ts(t0)}\t{ts(last)}\t{code}\t{applicant}\t{hospital}"
            f"\t{title}\t{patient}\t{urgency}\t{desired[0]}\t{desired[1]}\t{status}"
            f"\t{team.id if team else null}\t{stamp('scheduled_start')}\t{stamp('scheduled_end')}"
            f"\t{room[0] if room else null}\t{f.get('form', '')}\t\t\t{len(events)}"
            f"\t{stamp('submitted_at')}\t{stamp('reviewed_at')}\t{stamp('dispatched_at')}"
            f"\t{stamp('confirmed_at')}\t{stamp('published_at')}\t{stamp('started_at')}"
            f"\t{stamp('completed_at')}\t{stamp('feedback_at')}\t{stamp('closed_at')}"
            f"\t{stamp('cancelled_at')}\t{due}" + self.t_request.tail
        )
        detail = self.details.get(code)
        if detail is not None:
            values = self._detail(code, t0, applicant, hospital, patient, title)
            if values is not None:
                out[detail].append(f"{rid}\t" + "\t".join(values) + detail.tail)
        event_lines = out[self.t_event]
        activity_lines = out[self.t_activity]
        event_tail = self.t_event.tail
        activity_tail = self.t_activity.tail
        keys = self.keys
        local = self.clock.local_ordinal
        base = hospital << 12
        for t, actor, action, from_status, to_status, note, payload in events:
            when = ts(t)
            who = null if actor is None else actor
            event_lines.append(
                f"{rid}\t{who}\t{action}\t{from_status}\t{to_status}\t{note}\t{payload}\t{when}"
                + event_tail
            )
            activity_lines.append(f"{when}\t{who}\t{hospital}\t{code}\t{action}\t1" + activity_tail)
            keys.append((local(t) << 40) | base | self.ka(code, action))
        for expert in f.get("experts") or ():
            out[self.t_experts].append(f"{rid}\t{expert}" + self.t_experts.tail)
        if "opinion" in f:
            at, author = f["opinion"]
            when = ts(at)
            out[self.t_opinion].append(
                f"{self.uuid()}\t{when}\t{when}\t{rid}\t{author}\t{rng.choice(OPINIONS)}\tt\t{when}"
                + self.t_opinion.tail
            )
        if "feedback" in f:
            at, ratings, comment = f["feedback"]
            when = ts(at)
            out[self.t_feedback].append(
                f"{self.uuid()}\t{when}\t{when}\t{rid}\t{applicant}\t{ratings['satisfaction']}"
                f"\t{ratings['timeliness']}\t{ratings['quality']}\t{comment}" + self.t_feedback.tail
            )
        if "qc" in f:
            at, reviewer, score, comment = f["qc"]
            when = ts(at)
            checklist = _json({key: True for key in _qc_keys()})
            out[self.t_qc].append(
                f"{self.uuid()}\t{when}\t{when}\t{rid}\t{reviewer}\t{checklist}\t{score}\t{comment}"
                + self.t_qc.tail
            )
        if "chat" in f:
            begin, finish = f["chat"]
            people = [applicant, *(f.get("experts") or f["team"].members[:2])]
            self._chat(room[0] if room else None, rid, title, people[1], people, begin, finish)

    def _chat(
        self,
        room: int | None,
        rid: int | None,
        title: str,
        host: int,
        people: list[int],
        begin: int,
        finish: int | None,
        messages: int | None = None,
    ) -> int:
        """A room session with a chat between ``people`` from ``begin``; returns its id."""
        rng = self.rng
        ts = self.clock.ts
        sid = self.session_id
        self.session_id += 1
        count = messages if messages is not None else rng.randint(8, 60)
        span = max(60, (finish or self.now) - begin)
        lines = self.out[self.t_message]
        for seq in range(1, count + 1):
            at = begin + span * seq // (count + 1)
            lines.append(
                f"{sid}\t{seq}\t{self.uuid()}\t{rng.choice(people)}\ttext"
                f"\t{rng.choice(CHAT_LINES)}\t{ts(at)}" + self.t_message.tail
            )
        null = "\\N"
        self.out[self.t_session].append(
            f"{sid}\t{self.uuid()}\t{ts(begin)}\t{ts(finish or begin)}"
            f"\t{rid if rid else null}\t{room if room else null}\t\t{title}\t{host}\tf\t{count}"
            f"\t{ts(finish) if finish else null}" + self.t_session.tail
        )
        return sid

    # -- logins, training, watch time -------------------------------------------------------
    def seed_activity(self, sink: Sink) -> None:
        from yilian.analytics.history import ANNUAL
        from yilian.analytics.models import Metric

        rng = self.rng
        ts = self.clock.ts
        local = self.clock.local_ordinal
        tail = self.t_activity.tail
        members = [(pk, h) for pk, h in self.login_pool if h and h != self.lead_id]
        streams = (
            (Metric.LOGIN, LOGINS_PER_YEAR, ANNUAL[Metric.LOGIN][1], self.login_pool),
            (Metric.TRAINING, TRAINING_PER_YEAR, ANNUAL[Metric.TRAINING][1], members),
            (Metric.WATCH_SECONDS, WATCH_PER_YEAR, ANNUAL[Metric.TRAINING][1], members),
        )
        for metric, per_year, growth, pool in streams:
            if not pool:
                continue
            kind = "cme_class" if metric == Metric.WATCH_SECONDS else ""
            code = self.ka(kind, metric)
            lines: list[str] = []
            keys: list[int] = []
            totals = self.rollup_totals
            for years_back in range(YEARS - 1, -1, -1):
                year = self.today.year - years_back
                first = date(year, 1, 1)
                last = self.today if years_back == 0 else date(year, 12, 31)
                days = (last - first).days + 1
                count = self.n(per_year / (1 + growth) ** years_back * days / 365)
                start = self.clock.local_midnight(first)
                span = min(days * 86400, self.now - start)
                for _ in range(count):
                    t = start + rng.randrange(span)
                    user, hospital = rng.choice(pool)
                    amount = rng.randrange(300, 5400) if metric == Metric.WATCH_SECONDS else 1
                    lines.append(
                        f"{ts(t)}\t{user}\t{hospital or chr(92) + 'N'}\t{kind}\t{metric}\t{amount}"
                        + tail
                    )
                    if hospital:
                        key = (local(t) << 40) | (hospital << 12) | code
                        keys.append(key)
                        if amount != 1:
                            totals[key] += amount
                    if len(lines) >= CHUNK * 5:
                        sink.put(self.t_activity, lines)
                        self.rollup.update(keys)
                        lines, keys = [], []
            sink.put(self.t_activity, lines)
            self.rollup.update(keys)
        self.log(f"activity: {sink.rows[self.t_activity.name]} events")

    def seed_rollups(self, sink: Sink) -> None:
        """The rollups of every event with a hospital: one row per local day × hospital ×
        kind × action, its count and the sum of its amounts (``analytics.services``)."""
        from yilian.analytics.models import DailyRollup

        table = Table(DailyRollup, ("date", "hospital_id", "kind", "metric", "count", "total"))
        names = {index: key for key, index in self.kind_actions.items()}
        totals = self.rollup_totals
        days: dict[int, str] = {}
        lines: list[str] = []
        for key, count in self.rollup.items():
            ordinal = key >> 40
            day = days.get(ordinal)
            if day is None:
                day = days[ordinal] = date.fromordinal(ordinal).isoformat()
            kind, action = names[key & 0xFFF]
            total = totals.get(key, count)
            lines.append(
                f"{day}\t{(key >> 12) & 0xFFFFFFF}\t{kind}\t{action}\t{count}\t{total}" + table.tail
            )
            if len(lines) >= CHUNK * 5:
                sink.put(table, lines)
                lines = []
        sink.put(table, lines)
        self.log(f"rollups: {len(self.rollup)} rows")

    def seed_monthly_rollups(self) -> None:
        """The monthly rollups: the daily rows (all copied by now) added up per calendar
        month, written in month order as they accumulate in use."""
        from yilian.analytics.models import DailyRollup, MonthlyRollup

        daily, monthly = DailyRollup._meta.db_table, MonthlyRollup._meta.db_table
        with self.connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {monthly} (month, hospital_id, kind, metric, count, total) "  # noqa: S608
                "SELECT date_trunc('month', date::timestamp)::date, hospital_id, kind, metric, "
                f"SUM(count), SUM(total) FROM {daily} GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4"
            )
            written = self.rows[monthly] = cursor.rowcount
        self.log(f"monthly rollups: {written} rows")

    # -- the end --------------------------------------------------------------------------
    def reset_sequences(self) -> None:
        """Identity sequences continue after the ids given explicitly."""
        from django.core.management.color import no_style

        from yilian.accounts.models import User
        from yilian.patients.models import Patient
        from yilian.realtime.models import RoomSession
        from yilian.workflow.models import BusinessRequest

        models = [User, Patient, BusinessRequest, RoomSession]
        statements = self.connection.ops.sequence_reset_sql(no_style(), models)
        with self.connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)

    def fixtures(self) -> dict[str, Any]:
        from yilian.accounts.models import User
        from yilian.api.services import create_token
        from yilian.orgs import demo
        from yilian.workflow.models import BusinessRequest, Status

        def person(pk: int) -> dict[str, str]:
            user = User.objects.get(pk=pk)
            return {"phone": user.phone, "public_id": str(user.public_id)}

        staff = User.objects.get(pk=self.demo_users["staff"])
        visible = (
            BusinessRequest.objects.filter(applicant_hospital_id=staff.hospital_id)
            .order_by("-created_at", "-id")
            .values_list("public_id", flat=True)
        )
        declined = (
            BusinessRequest.objects.filter(status=Status.DECLINED, version=5)
            .order_by("pk")
            .values_list("public_id", flat=True)
        )
        _token, raw = create_token(staff, name="性能测试：只读接口", scope="read", days=365)
        team = self.kinds[0].teams[0] if self.kinds else None
        return {
            "password": demo.DEMO_PASSWORD,
            "manager": person(self.demo_users["manager"]),
            "expert": person(self.demo_users["expert"]),
            "staff": person(staff.pk),
            "hospital_admin": person(self.demo_users["hospital_admin"]),
            "request_public_ids": [str(p) for p in visible[:200]],
            "dispatchable_request_public_ids": [str(p) for p in declined[:5000]],
            "dispatch_team": {
                "team_public_id": team.public_id if team else None,
                "team_name": team.name if team else None,
                "expected_version": 5,
                "fields": {"team": "dispatch-team", "version": "dispatch-expected_version"},
                "url": _url_template("workflow:act", "dispatch"),
            },
            "api_token": raw,
            "chat_room": self.bench_room(),
            "search_term": SEARCH_TERM,
            "request_path": _url_template("workflow:detail"),
        }

    def bench_room(self) -> dict[str, Any]:
        """An open session in the largest meeting room, its participants (active staff of
        member hospitals) invited, with some chat history."""
        from django.urls import reverse

        from yilian.accounts.models import User
        from yilian.realtime.models import RoomSession
        from yilian.realtime.services import open_room_session

        if self.meeting_room is None:
            return {}
        host = User.objects.get(pk=self.demo_users["room_admin"])
        pool = [pk for pks in self.applicants.values() for pk in pks]
        chosen = sorted(self.rng.sample(pool, min(BENCH_ROOM_PARTICIPANTS, len(pool))))
        people = list(User.objects.filter(pk__in=chosen).order_by("pk"))
        session = open_room_session(
            self.meeting_room, actor=host, title="联盟月度病例讨论会", people=people
        )
        count = self.n(BENCH_ROOM_MESSAGES, floor=10)
        self._room_history(session, [host.pk, *(p.pk for p in people)], count)
        RoomSession.objects.filter(pk=session.pk).update(last_seq=count)
        return {
            "session_public_id": str(session.public_id),
            "ws_path": f"/ws/rooms/{session.public_id}/",
            "page_path": reverse("realtime:room", args=[session.public_id]),
            "host": {"phone": host.phone, "public_id": str(host.public_id)},
            "users": [{"phone": p.phone, "public_id": str(p.public_id)} for p in people],
        }

    def _room_history(self, session: Any, people: list[int], count: int) -> None:
        from yilian.realtime.models import ChatMessage

        rng = self.rng
        begin = self.now - 3600
        ChatMessage.objects.bulk_create(
            [
                ChatMessage(
                    session=session,
                    seq=seq,
                    client_id=uuid.UUID(int=rng.getrandbits(128), version=4),
                    sender_id=rng.choice(people),
                    body=rng.choice(CHAT_LINES),
                    created_at=datetime.fromtimestamp(begin + seq, UTC),
                )
                for seq in range(1, count + 1)
            ],
            batch_size=1000,
        )
        self.chat_messages_extra = count

    def describe(self, fixtures: dict[str, Any]) -> dict[str, Any]:
        from yilian.accounts.models import User
        from yilian.analytics.models import ActivityEvent
        from yilian.orgs.models import Hospital
        from yilian.realtime.models import ChatMessage
        from yilian.workflow.models import BusinessRequest, RequestEvent

        rows = self.rows

        def count(model: Any) -> int:
            return int(rows.get(model._meta.db_table, 0))

        return {
            "scale": self.scale,
            "hospitals": Hospital.objects.count(),
            "users": User.objects.count(),
            "requests": count(BusinessRequest),
            "request_events": count(RequestEvent),
            "activity_events": count(ActivityEvent),
            "chat_messages": count(ChatMessage) + getattr(self, "chat_messages_extra", 0),
            "seconds": None,
            "fixtures": fixtures,
        }


class Life:
    """One request's history from its creation: every step the transition service would
    have written (the steps its kind leaves out as system events), until it ends, waits in a
    backlog, reaches now, or reaches ``stop_at``."""

    def __init__(
        self, seeder: Seeder, kind: KindInfo, applicant: int, urgency: str, stop_at: str | None
    ) -> None:
        self.s = seeder
        self.rng = seeder.rng
        self.now = seeder.now
        self.kind = kind
        self.applicant = applicant
        self.stop_at = stop_at
        self.free = stop_at is None  # random endings and backlogs only for the natural ones
        self.pace = PACE[urgency]
        self.recent_cut = self.now - 45 * 86400
        self.f: dict[str, Any] = {}  # what the steps write on the request
        self.events: list[tuple[int, int | None, str, str, str, str, str]] = []
        self.status = "draft"

    def emit(
        self,
        t: int,
        actor: int | None,
        action: str,
        to: str,
        note: str = "",
        payload: str = "{}",
        stamp: str | None = None,
    ) -> None:
        self.events.append((t, actor, action, self.status, to, note, payload))
        self.status = to
        if stamp:
            self.f[stamp] = t

    def later(self, hours: float) -> int:
        """A delay of about ``hours`` (shorter for urgent requests), in seconds."""
        return int(self.rng.expovariate(1 / (hours * 3600 * self.pace))) + 60

    def system(self, t: int, action: str, to: str, stamp: str) -> None:
        self.emit(t, None, action, to, payload='{"skipped": true}', stamp=stamp)

    def stuck(self, t: int, p: float) -> bool:
        """Whether the request waits here (a recent backlog)."""
        return self.free and t > self.recent_cut and self.rng.random() < p

    def manager(self) -> int:
        return self.rng.choice(self.s.managers)

    def run(self, t0: int, team: TeamInfo | None) -> None:
        rng = self.rng
        now = self.now
        ts_iso = self.s.clock.iso
        free = self.free
        kind = self.kind
        applicant = self.applicant
        stop_at = self.stop_at
        f = self.f
        t = t0
        self.emit(t, applicant, "create", "draft")
        if free and rng.random() < 0.004:
            return  # a draft never submitted
        if free and rng.random() < 0.004:
            t += self.later(24)
            if t <= now:
                self.emit(t, applicant, "withdraw", "cancelled", stamp="cancelled_at")
            return
        t += self.later(6)
        if t > now:
            return
        self.emit(t, applicant, "submit", "submitted", stamp="submitted_at")
        if stop_at == "submitted":
            return
        returned = False
        while True:  # review
            if not kind.uses("approve"):
                self.system(t, "approve", "approved", "reviewed_at")
                break
            t += self.later(10)
            if t > now or self.stuck(t, 0.02):
                return
            x = rng.random() if free else 1.0
            if x < 0.035:
                self.emit(t, self.manager(), "reject", "rejected", rng.choice(REJECT_REASONS),
                     stamp="reviewed_at")  # fmt: skip
                return
            if x < 0.08 and not returned:
                returned = True
                self.emit(t, self.manager(), "return", "returned", rng.choice(RETURN_NOTES),
                     stamp="reviewed_at")  # fmt: skip
                t += self.later(30)
                if t > now or self.stuck(t, 0.1):
                    return
                self.emit(t, applicant, "resubmit", "submitted", stamp="submitted_at")
                continue
            self.emit(t, self.manager(), "approve", "approved", stamp="reviewed_at")
            break
        chosen = team or self.s._team(kind)
        self.emit(
            t, None, "dispatch", "dispatched",
            payload=_json({"team": chosen.public_id, "team_name": chosen.name, "auto": True}),
            stamp="dispatched_at",
        )  # fmt: skip
        f["team"] = chosen
        if stop_at == "dispatched":
            return
        declined = False
        while True:  # the team confirms (or declines)
            if not kind.uses("confirm"):
                self.system(t, "confirm", "confirmed", "confirmed_at")
                break
            t += self.later(16)
            if t > now and stop_at != "declined":
                return
            if self.stuck(t, 0.01):
                return
            x = rng.random() if free else (0.0 if not declined else 1.0)
            if x < 0.03 and not declined:
                declined = True
                t = min(t, now - 3600)
                self.emit(
                    t, rng.choice(chosen.members), "decline", "declined",
                    rng.choice(DECLINE_REASONS),
                    _json({"team": chosen.public_id, "team_name": chosen.name}),
                )  # fmt: skip
                if (
                    stop_at == "declined"
                    or self.stuck(t, 0.5)
                    or (free and t > now - 180 * 86400 and rng.random() < 0.1)
                ):
                    return
                t += self.later(8)
                if t > now:
                    return
                chosen = self.s._team(kind, other_than=chosen)
                f["team"] = chosen
                self.emit(
                    t, self.manager(), "dispatch", "dispatched",
                    payload=_json({"team": chosen.public_id, "team_name": chosen.name}),
                    stamp="dispatched_at",
                )  # fmt: skip
                continue
            if free and x < 0.04:
                self.emit(t, self.manager(), "cancel", "cancelled", rng.choice(CANCEL_REASONS),
                     stamp="cancelled_at")  # fmt: skip
                return
            expert = rng.choice(chosen.members)
            form = (
                "async" if kind.code == "special_business"
                else "on_site" if kind.code in ON_SITE_KINDS else "video"
            )  # fmt: skip
            day = date.fromordinal(self.s.clock.local_ordinal(t)) + timedelta(
                days=rng.randint(1, 5)
            )
            start = self.s.clock.local_midnight(day) + rng.randrange(8 * 3600, 17 * 3600, 1800)
            end = start + rng.choice((3600, 5400, 7200))
            room = (
                rng.choice(self.s.session_rooms)
                if form == "video" and self.s.session_rooms and rng.random() < 0.6
                else None
            )
            size = min(len(chosen.members), rng.randint(1, 3))
            experts = rng.sample(chosen.members, size)
            f.update(scheduled_start=start, scheduled_end=end, form=form, room=room,
                     experts=experts)  # fmt: skip
            self.emit(
                t, expert, "confirm", "confirmed",
                payload=_json({
                    "scheduled_start": ts_iso(start), "scheduled_end": ts_iso(end),
                    "form": form, "room": room[1] if room else None,
                    "experts": [self.s.user_public[e] for e in experts],
                }),
                stamp="confirmed_at",
            )  # fmt: skip
            break
        if stop_at == "declined":
            return
        start = f.get("scheduled_start")
        if kind.uses("publish"):
            t = max(t + 60, min(start - 3600, t + self.later(4))) if start else t + self.later(4)
            if t > now or self.stuck(t, 0.01):
                return
            self.emit(t, self.manager(), "publish", "published", stamp="published_at")
        else:
            self.system(t, "publish", "published", "published_at")
        if kind.uses("start"):
            t = max(t + 60, start) if start else t + self.later(24)
            if t > now or self.stuck(t, 0.005):
                return
            starter = rng.choice(f.get("experts") or f["team"].members)
            self.emit(t, starter, "start", "in_progress", stamp="started_at")
        else:
            self.system(t, "start", "in_progress", "started_at")
        started = t
        author = rng.choice(f.get("experts") or f["team"].members)
        t += self.later(2 if f.get("form") == "video" else 48)
        if t > now or self.stuck(t, 0.01):
            return
        if free and rng.random() < CHAT_SESSION_SHARE:
            f["chat"] = (started, t)
        self.emit(t, author, "complete", "completed", stamp="completed_at")
        f["opinion"] = (t, author)
        if kind.uses("feedback"):
            t += self.later(48)
            if t > now or self.stuck(t, 0.05) or (free and rng.random() < 0.01):
                return
            ratings = {
                "satisfaction": rng.choices((3, 4, 5), (1, 3, 6))[0],
                "timeliness": rng.choices((3, 4, 5), (1, 4, 5))[0],
                "quality": rng.choices((3, 4, 5), (1, 3, 6))[0],
            }
            comment = rng.choice(FEEDBACK)
            self.emit(t, applicant, "feedback", "feedback_given", comment, _json(ratings),
                 stamp="feedback_at")  # fmt: skip
            f["feedback"] = (t, ratings, comment)
        else:
            self.system(t, "feedback", "feedback_given", "feedback_at")
        if kind.uses("close"):
            t += self.later(72)
            if t > now or self.stuck(t, 0.05) or (free and rng.random() < 0.01):
                return
            reviewer = self.manager()
            score = rng.randint(75, 100)
            comment = rng.choice(QC_COMMENTS)
            self.emit(t, reviewer, "close", "closed", comment, _json({"score": score}),
                 stamp="closed_at")  # fmt: skip
            f["qc"] = (t, reviewer, score, comment)
        else:
            self.system(t, "close", "closed", "closed_at")


def _bulk_models() -> list[Any]:
    """The tables the seeder fills in bulk (with COPY; the monthly rollups from the daily)."""
    from django.apps import apps

    from yilian.accounts.models import RoleAssignment, User
    from yilian.analytics.models import ActivityEvent, DailyRollup, MonthlyRollup
    from yilian.patients.models import Patient
    from yilian.realtime.models import ChatMessage, RoomSession
    from yilian.workflow.models import BusinessRequest, Feedback, Opinion, QCReview, RequestEvent

    return [
        User, RoleAssignment, Patient, BusinessRequest, BusinessRequest.experts.through,
        RequestEvent, Opinion, Feedback, QCReview, RoomSession, ChatMessage, ActivityEvent,
        DailyRollup, MonthlyRollup, *(apps.get_model(label) for label in DETAIL_MODELS),
    ]  # fmt: skip


def _drop_indexes(cursor: Any, tables: list[str]) -> list[str]:
    """Drop the unique constraints and indexes of ``tables`` except their primary keys;
    return the statements that make them again. Building an index once over the loaded
    rows is much cheaper than maintaining it row by row during COPY."""
    cursor.execute(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
        "FROM pg_constraint WHERE conrelid = ANY(%s::regclass[]) AND contype IN ('u', 'x') "
        "ORDER BY 1, 2",
        [tables],
    )
    constraints = cursor.fetchall()
    cursor.execute(
        "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index i "
        "WHERE indrelid = ANY(%s::regclass[]) AND NOT indisprimary AND NOT EXISTS "
        "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) ORDER BY 1",
        [tables],
    )
    indexes = cursor.fetchall()
    _settle_triggers(cursor)
    restore: list[str] = []
    for table, name, definition in constraints:
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        restore.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    for name, definition in indexes:
        cursor.execute(f"DROP INDEX {name}")
        restore.append(definition)
    return restore


def _url_template(name: str, *args: str) -> str:
    """The path of ``name`` for a request, with ``{public_id}`` in place of its id."""
    from django.urls import reverse

    placeholder = uuid.UUID(int=0)
    return reverse(name, args=[placeholder, *args]).replace(str(placeholder), "{public_id}")


def _settle_triggers(cursor: Any) -> None:
    """Run the deferred foreign-key checks now: a table with pending trigger events cannot
    be altered."""
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False).replace("\\", "\\\\")


_QC_KEYS: list[str] = []


def _qc_keys() -> list[str]:
    if not _QC_KEYS:
        from yilian.workflow.forms import QC_CHECKLIST

        _QC_KEYS.extend(key for key, _label in QC_CHECKLIST)
    return _QC_KEYS


def _national_id(rng: random.Random, born: date, sex: str) -> str:
    """A well-formed 18-digit resident identity number (GB 11643, with its check digit)."""
    serial = rng.randrange(0, 500) * 2 + (1 if sex == "male" else 0)
    body = f"330122{born:%Y%m%d}{serial:03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    check = "10X98765432"[sum(int(c) * w for c, w in zip(body, weights, strict=True)) % 11]
    return body + check


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.seed", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--scale", type=float, default=1.0, help="1.0: the full dataset")
    parser.add_argument("--force", action="store_true", help="seed again even if up to date")
    args = parser.parse_args(list(argv) if argv is not None else None)
    description = ensure_dataset(args.scale, args.force)
    summary = {k: v for k, v in description.items() if k != "fixtures"}
    print(json.dumps(summary, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
