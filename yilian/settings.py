"""Yilian settings — one module, every value from the environment (see .env.example)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import dj_database_url

from yilian.core.db_router import pool_connections, postgresql_sessions, replica_databases
from yilian.core.env import (
    env_bool,
    env_choice,
    env_hours_map,
    env_int,
    env_list,
    env_secret,
    env_secret_list,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent.parent

# --- Environment ------------------------------------------------------------
YILIAN_ENV = env_choice("YILIAN_ENV", ("development", "test", "production"), "development")
PRODUCTION = YILIAN_ENV == "production"
DEBUG = env_bool("YILIAN_DEBUG", default=not PRODUCTION and YILIAN_ENV != "test")
SECRET_KEY = env_secret(
    "YILIAN_SECRET_KEY",
    default=None if PRODUCTION else "dev-only-insecure-key-change-me-0123456789abcdefghijklmnop",
)
# Master key for patient data encrypted at rest (base64 of 32 random bytes). Development and
# tests derive one from SECRET_KEY; production must set its own and keep it with the backups.
YILIAN_FIELD_KEY = env_secret(
    "YILIAN_FIELD_KEY",
    default=None if PRODUCTION else "ZGV2LW9ubHktZmllbGQta2V5LWNoYW5nZS1tZSEhISE=",
)
# Previous master keys during a rotation (comma-separated, or a file): still read, never
# written; remove them once `manage.py rotate_field_key` reports no row uses them.
YILIAN_FIELD_KEYS_OLD = env_secret_list("YILIAN_FIELD_KEYS_OLD")
ALLOWED_HOSTS = env_list("YILIAN_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("YILIAN_CSRF_TRUSTED_ORIGINS", [])
DATA_DIR = Path(env_str("YILIAN_DATA_DIR", str(BASE_DIR / "var")))

# --- Applications -----------------------------------------------------------
INSTALLED_APPS = [
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "yilian.core",
    "yilian.accounts",
    "yilian.orgs",
    "yilian.notify",
    "yilian.agenda",
    "yilian.files",
    "yilian.patients",
    "yilian.audit",
    "yilian.workflow",
    "yilian.linkage",
    "yilian.medical",
    "yilian.referrals",
    "yilian.clinics",
    "yilian.followups",
    "yilian.registries",
    "yilian.teaching",
    "yilian.sentinel",
    "yilian.standards",
    "yilian.healthedu",
    "yilian.live",
    "yilian.casebank",
    "yilian.analytics",
    "yilian.accession",
    "yilian.supervision",
    "yilian.reporting",
    "yilian.imaging",
    "yilian.realtime",
    "yilian.api",
    "yilian.fhir",
    "yilian.security",
    "yilian.web",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.admin",
    "channels",
    "django_htmx",
    "template_partials",
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "yilian.core.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "yilian.security.middleware.SessionLimitsMiddleware",
    "yilian.accounts.middleware.ActiveAccountMiddleware",
    "yilian.security.middleware.TwoFactorMiddleware",
    "yilian.security.middleware.ReadOnlyAuditorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last: counts failed sign-ins and answers locked ones (yilian/security).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "yilian.urls"
ASGI_APPLICATION = "yilian.asgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "accounts:login"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

FORM_RENDERER = "yilian.web.forms.FormRenderer"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "yilian.web.context_processors.shell",
            ],
        },
    }
]

# --- Database ---------------------------------------------------------------
DATA_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'yilian.sqlite3'}"),
        conn_max_age=env_int("YILIAN_DB_CONN_MAX_AGE", 0),
    )
}
if env_str("YILIAN_TEST_DB_NAME"):
    # Browser tests share the test database with an ASGI server thread: use a file.
    DATABASES["default"]["TEST"] = {"NAME": env_str("YILIAN_TEST_DB_NAME")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers proceed while one writer commits; IMMEDIATE takes the write
    # lock at BEGIN so concurrent writers queue instead of failing mid-transaction.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
        "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=10000;",
        "transaction_mode": "IMMEDIATE",
    }

# Read replicas (PostgreSQL standbys) for the reporting pages: comma-separated URLs become
# the aliases "replica", "replica_2", …; without them every read goes to the primary.
DATABASES.update(
    replica_databases(
        env_list("YILIAN_REPLICA_URL", []), conn_max_age=env_int("YILIAN_DB_CONN_MAX_AGE", 0)
    )
)
DATABASE_ROUTERS = ["yilian.core.db_router.ReplicaRouter"]

postgresql_sessions(DATABASES)
# A pool of PostgreSQL connections per process (0 turns it off; on by default in
# production) — see ``pool_connections``.
pool_connections(
    DATABASES,
    max_size=env_int("YILIAN_DB_POOL_MAX", 20 if PRODUCTION else 0),
    timeout=env_int("YILIAN_DB_POOL_TIMEOUT", 10),
    conn_max_age=env_int("YILIAN_DB_CONN_MAX_AGE", 0),
)

# --- Cache, channel layer, tasks -------------------------------------------
REDIS_URL = env_str("REDIS_URL", "")
_KEY_PREFIX = env_str("YILIAN_CACHE_PREFIX", "yilian")
if REDIS_URL:
    CACHES = {
        "default": {
            # Answers as an empty cache while Redis is down (yilian/core/cache.py).
            "BACKEND": "yilian.core.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": _KEY_PREFIX,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": f"{_KEY_PREFIX}:asgi"},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

TASK_BACKEND = env_choice(
    "YILIAN_TASK_BACKEND", ("db", "rq", "immediate"), "rq" if REDIS_URL and PRODUCTION else "db"
)
TASKS = {
    "default": {
        "BACKEND": {
            "db": "django_tasks_db.DatabaseBackend",
            "rq": "django_tasks_rq.RQBackend",
            "immediate": "django_tasks.backends.immediate.ImmediateBackend",
        }[TASK_BACKEND],
        "QUEUES": ["default"],
    }
}
if TASK_BACKEND == "rq":
    INSTALLED_APPS += ["django_rq"]
    RQ_QUEUES = {"default": {"URL": REDIS_URL or "redis://127.0.0.1:6379/0"}}

# --- Authentication ---------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses locked accounts and addresses
    "django.contrib.auth.backends.ModelBackend",
]
# Lockout: 5 failures within 30 minutes lock the account and, separately, the address.
AXES_FAILURE_LIMIT = env_int("YILIAN_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("YILIAN_LOCKOUT_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "security/locked.html"
AXES_CLIENT_IP_CALLABLE = "yilian.security.policy.sign_in_address"
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_USERNAME_CALLABLE = "yilian.security.policy.sign_in_name"
AXES_VERBOSE = False
# Lifting a lockout is the security administrator's (the lockouts page), not the Django
# admin's, where the system administrator would do it (separation of duties).
AXES_ENABLE_ADMIN = False
# Two-factor sign-in (TOTP) for the roles in yilian/security/policy.py; on by default in
# production. Idle timeout and absolute session lifetime (SESSION_COOKIE_AGE).
YILIAN_2FA_REQUIRED = env_bool("YILIAN_2FA_REQUIRED", default=PRODUCTION)
OTP_TOTP_ISSUER = "Yilian"
YILIAN_IDLE_TIMEOUT_MINUTES = env_int("YILIAN_IDLE_TIMEOUT_MINUTES", 30)
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env_int("YILIAN_PASSWORD_MIN_LENGTH", 10)},
    },
    # Django's common-password list plus the passwords most common on Chinese sites.
    {"NAME": "yilian.security.passwords.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "yilian.security.passwords.PhoneNumberValidator"},
]
SESSION_COOKIE_AGE = env_int("YILIAN_SESSION_MAX_AGE", 12 * 3600)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# --- Internationalisation ---------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "yilian" / "locale"]
TIME_ZONE = env_str("YILIAN_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files ---------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "yilian" / "static"]
MEDIA_ROOT = DATA_DIR / "files"  # never served from a public URL
# Backups (manage.py backup) go to <data dir>/backups unless told otherwise.
YILIAN_BACKUP_DIR = Path(env_str("YILIAN_BACKUP_DIR") or DATA_DIR / "backups")
# The audit trail: entries older than this many days are moved into archive files by
# manage.py archive_audit (at least 183 days, i.e. six months; a system check refuses less).
YILIAN_AUDIT_RETENTION_DAYS = env_int("YILIAN_AUDIT_RETENTION_DAYS", 365)
# The application-effect dashboard is rebuilt at most this often per filter set (0: on
# every request; the tests' default, so each test sees its own events).
YILIAN_DASHBOARD_CACHE_SECONDS = env_int(
    "YILIAN_DASHBOARD_CACHE_SECONDS", 0 if YILIAN_ENV == "test" else 60
)
YILIAN_AUDIT_ARCHIVE_DIR = Path(env_str("YILIAN_AUDIT_ARCHIVE_DIR") or YILIAN_BACKUP_DIR / "audit")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
STATIC_ROOT.mkdir(parents=True, exist_ok=True)

# --- E-mail -----------------------------------------------------------------
EMAIL_BACKEND = env_str("YILIAN_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("YILIAN_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("YILIAN_EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("YILIAN_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = env_secret("YILIAN_EMAIL_PASSWORD", default="")
EMAIL_USE_TLS = env_bool("YILIAN_EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env_str("YILIAN_EMAIL_FROM", "Yilian <noreply@yilian.local>")

# --- Security ---------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Extra sources per Content-Security-Policy directive (yilian/core/csp.py), e.g. an HLS
# server on another origin: YILIAN_CSP_MEDIA_SRC=https://live.example.org
YILIAN_CSP_EXTRA = {
    directive: env_list(f"YILIAN_CSP_{directive.upper().replace('-', '_')}", [])
    for directive in ("connect-src", "media-src", "img-src")
}
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("YILIAN_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("YILIAN_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# --- Logging: no patient data, ever; identifiers are public ids --------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_secret_paths": {"()": "yilian.core.logging.RedactSecretPaths"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact_secret_paths"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("YILIAN_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Request warnings and access logs name paths: cut the one-time tokens at the
        # source, whichever handler an operator adds.
        "django.request": {"filters": ["redact_secret_paths"]},
        "django.server": {"filters": ["redact_secret_paths"]},
        "uvicorn.access": {
            "handlers": ["console"],
            "propagate": False,
            "filters": ["redact_secret_paths"],
        },
    },
}

# --- Product settings -------------------------------------------------------
YILIAN_VIDEO_BACKEND = env_choice("YILIAN_VIDEO_BACKEND", ("p2p", "janus"), "p2p")
# Janus (YILIAN_VIDEO_BACKEND=janus): the HTTP API the server calls, the address browsers
# use (default: the same), and the VideoRoom plugin's admin_key (needed to create rooms).
YILIAN_JANUS_URL = env_str("YILIAN_JANUS_URL", "http://127.0.0.1:8088/janus")
YILIAN_JANUS_PUBLIC_URL = env_str("YILIAN_JANUS_PUBLIC_URL", YILIAN_JANUS_URL)
YILIAN_JANUS_ADMIN_KEY = env_secret("YILIAN_JANUS_ADMIN_KEY", default="")
YILIAN_JANUS_RECORD_DIR = env_str("YILIAN_JANUS_RECORD_DIR", "")
# ICE servers handed to browsers: STUN/TURN URLs; TURN credentials are signed with coturn's
# use-auth-secret shared secret and live YILIAN_TURN_TTL seconds.
YILIAN_STUN_URLS = env_list("YILIAN_STUN_URLS", [])
YILIAN_TURN_URLS = env_list("YILIAN_TURN_URLS", [])
YILIAN_TURN_SECRET = env_secret("YILIAN_TURN_SECRET", default="")
YILIAN_TURN_TTL = env_int("YILIAN_TURN_TTL", 3600)
# CSS font-family for printable documents: a CJK font installed on the host.
YILIAN_PDF_FONTS = env_str(
    "YILIAN_PDF_FONTS", '"WenQuanYi Micro Hei", "Noto Sans CJK SC", sans-serif'
)
YILIAN_PAGE_SIZE = env_int("YILIAN_PAGE_SIZE", 20)
# Lists count their rows up to this many, then say "more than …" (yilian/core/pagination.py).
YILIAN_COUNT_CAP = env_int("YILIAN_COUNT_CAP", 1000)
# Step deadlines that override a business kind's defaults, as "kind.step=hours" pairs.
YILIAN_SLA_HOURS = env_hours_map("YILIAN_SLA_HOURS")
# Largest single upload (MB), and the internal nginx location that serves stored files
# when the application runs behind nginx (empty: the application streams them itself).
YILIAN_UPLOAD_MAX_MB = env_int("YILIAN_UPLOAD_MAX_MB", 50)
YILIAN_X_ACCEL_PREFIX = env_str("YILIAN_X_ACCEL_PREFIX", "")
# Imaging and pathology: the largest resumable upload (a DICOM study or a slide, MB), the
# size of one upload chunk (MB), the limits a zip of a study must keep before it is opened,
# and the Orthanc server studies are also sent to over DICOMweb (empty: none).
YILIAN_IMAGING_MAX_MB = env_int("YILIAN_IMAGING_MAX_MB", 4096)
YILIAN_UPLOAD_CHUNK_MB = env_int("YILIAN_UPLOAD_CHUNK_MB", 4)
YILIAN_ZIP_MAX_MB = env_int("YILIAN_ZIP_MAX_MB", 4096)
YILIAN_ZIP_MAX_FILES = env_int("YILIAN_ZIP_MAX_FILES", 5000)
YILIAN_ZIP_MAX_RATIO = env_int("YILIAN_ZIP_MAX_RATIO", 100)
YILIAN_ORTHANC_URL = env_str("YILIAN_ORTHANC_URL", "").rstrip("/")
# Live events (conference streams, surgery demonstrations) over nginx-rtmp: the ingest
# address shown to organisers for their encoder, the folders nginx-rtmp writes HLS
# (hls_path, hls_nested) and recordings (record_path) to, the internal nginx location that
# serves the HLS folder behind the application (empty: the application streams the files),
# the secret in the callback URL nginx-rtmp calls and the addresses it may call from, and
# how early / late after its schedule an event may start streaming (minutes).
YILIAN_LIVE_RTMP_URL = env_str("YILIAN_LIVE_RTMP_URL", "rtmp://127.0.0.1:1935/live")
YILIAN_LIVE_HLS_DIR = env_str("YILIAN_LIVE_HLS_DIR", str(DATA_DIR / "live" / "hls"))
YILIAN_LIVE_RECORD_DIR = env_str("YILIAN_LIVE_RECORD_DIR", str(DATA_DIR / "live" / "recordings"))
YILIAN_LIVE_HLS_ACCEL_PREFIX = env_str("YILIAN_LIVE_HLS_ACCEL_PREFIX", "")
YILIAN_LIVE_CALLBACK_SECRET = env_secret("YILIAN_LIVE_CALLBACK_SECRET", default="")
YILIAN_LIVE_CALLBACK_ADDRESSES = env_list("YILIAN_LIVE_CALLBACK_ADDRESSES", ["127.0.0.1", "::1"])
YILIAN_LIVE_EARLY_MINUTES = env_int("YILIAN_LIVE_EARLY_MINUTES", 30)
YILIAN_LIVE_LATE_MINUTES = env_int("YILIAN_LIVE_LATE_MINUTES", 60)
YILIAN_LIVE_REPLAY_MAX_MB = env_int("YILIAN_LIVE_REPLAY_MAX_MB", 8192)
# Where the application is reached from outside: links in e-mails and SMS.
YILIAN_BASE_URL = env_str("YILIAN_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
# Most submissions of the public join pages per client address (N/s, N/m, N/h or N/d).
YILIAN_JOIN_RATE = env_str("YILIAN_JOIN_RATE", "5/h")
# Most API calls per personal access token (or per signed-in user) in a window.
YILIAN_API_RATE = env_str("YILIAN_API_RATE", "600/m")
# Most certificate-code lookups on the public verification page per client address.
YILIAN_VERIFY_RATE = env_str("YILIAN_VERIFY_RATE", "30/h")
# Most text messages to one mobile number in a window, whatever sends them (fail-closed:
# nothing is sent while the cache cannot count).
YILIAN_SMS_RATE = env_str("YILIAN_SMS_RATE", "10/h")
# Most password-reset requests per client address, and per account name asked for.
YILIAN_PASSWORD_RESET_RATE = env_str("YILIAN_PASSWORD_RESET_RATE", "5/h")
# Dotted path of the SMS backend class (a subclass of yilian.notify.sms.BaseSMSBackend).
YILIAN_SMS_BACKEND = env_str("YILIAN_SMS_BACKEND", "yilian.notify.sms.LogBackend")
