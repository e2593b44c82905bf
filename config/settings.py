"""Peixun settings: one module, read from the environment.

With nothing set, the platform runs embedded (SQLite in WAL mode, in-process channel layer, cache and
task runner) so that `make run` works on a bare machine. Production sets DATABASE_URL (PostgreSQL) and
REDIS_URL (channel layer, cache, Celery broker). With DJANGO_DEBUG off (the default) the security
settings are the production ones; docs/deployment.md lists every variable.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


# Runtime state (embedded database, uploads, generated nginx config, logs) lives here, never in git.
VAR_DIR = Path(os.environ.get("PEIXUN_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DJANGO_DEBUG", False)


def _secret_key() -> str:
    key = os.environ.get("DJANGO_SECRET_KEY")
    if key:
        return key
    # Embedded mode: a random key kept beside the database, so sessions survive a restart.
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(64))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
# The ID-number column is encrypted with a key of its own, so rotating SECRET_KEY loses no data.
FIELD_ENCRYPTION_KEY = os.environ.get("PEIXUN_FIELD_ENCRYPTION_KEY", "")

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "channels",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "peixun.core",
    "peixun.accounts",
    "peixun.audit",
    "peixun.org",
    "peixun.offices",
    "peixun.training",
    "peixun.live",
    "peixun.chat",
    "peixun.library",
    "peixun.teachers",
    "peixun.exams",
    "peixun.secondment",
    "peixun.reports",
]

# Apps whose urls.py, api.py (ROUTES) and templates/<app>/_nav.html are wired in automatically.
DOMAIN_APPS = ["org", "offices", "training", "live", "chat", "library", "teachers", "exams", "secondment", "reports"]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "peixun.accounts.middleware.PasswordExpiryMiddleware",
    "peixun.accounts.middleware.IdleTimeoutMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "peixun.accounts.context_processors.roles",
            ],
        },
    }
]

# --- Databases -------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    # Under uvicorn (ASGI) each request runs its sync code in a thread of its own, so a persistent
    # connection is left behind per request: connections close after each request unless told otherwise.
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("PEIXUN_DB_CONN_MAX_AGE", 0))}
    DATABASES["default"].setdefault("TEST", {})
    # A per-process pool (psycopg_pool) instead: a request borrows a connection and gives it back at its
    # end, which saves the ~5 ms of a new PostgreSQL backend per request. The stack turns it on for
    # uvicorn; off (0) by default elsewhere (tests, commands).
    if env_int("PEIXUN_DB_POOL", 0) > 0 and DATABASES["default"]["ENGINE"].endswith("postgresql"):
        DATABASES["default"]["CONN_MAX_AGE"] = 0
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": 1,
            "max_size": env_int("PEIXUN_DB_POOL", 0),
            "timeout": 30,
        }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "peixun.sqlite3"),
            # Like PostgreSQL's conn_max_age above: reopening SQLite (and re-registering Django's SQL
            # functions) on every websocket frame costs more than the frame's queries.
            "CONN_MAX_AGE": 60,
            "OPTIONS": {
                # WAL lets readers go on while one writer commits; IMMEDIATE takes the write lock at
                # BEGIN so that two writers queue instead of failing with "database is locked".
                "init_command": ("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"),
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
            # A file, not memory: browser and websocket tests run the server in another process.
            # One file per test process, so parallel runs never share (or delete) each other's database.
            "TEST": {"NAME": os.environ.get("PEIXUN_TEST_DB", str(VAR_DIR / f"test-{os.getpid()}.sqlite3"))},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache, channel layer, Celery -------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("PEIXUN_CACHE_PREFIX", "peixun"),
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL]},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# Background jobs: Celery over Redis in production; a thread in this process when embedded.
TASKS_BACKEND = os.environ.get("PEIXUN_TASKS", "celery" if REDIS_URL else "thread")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_TIME_LIMIT = 3600

# --- Authentication and sessions --------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["peixun.accounts.backends.EmployeeNumberBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "peixun.accounts.validators.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "peixun.accounts.validators.CharacterClassValidator", "OPTIONS": {"min_classes": 3}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
]
# Tests only (set by tests/pytest_env.py, inherited by the servers tests start): a cheap hash keeps the
# suite fast. Production never sets it and keeps Django's PBKDF2.
if env_bool("PEIXUN_FAST_PASSWORD_HASHER", False):
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
PASSWORD_EXPIRY_DAYS = env_int("PEIXUN_PASSWORD_EXPIRY_DAYS", 90)  # 0 turns expiry off
LOGIN_MAX_FAILURES = env_int("PEIXUN_LOGIN_MAX_FAILURES", 5)
LOGIN_LOCKOUT_MINUTES = env_int("PEIXUN_LOGIN_LOCKOUT_MINUTES", 30)

# Idle timeout: the user's requests push the expiry forward (at most once a minute, see
# IdleTimeoutMiddleware; background polls do not), so the session dies after this much silence.
# Database sessions with the user in a column (peixun.accounts.models.Session).
SESSION_ENGINE = "peixun.accounts.sessions"
SESSION_COOKIE_AGE = env_int("PEIXUN_IDLE_TIMEOUT_MINUTES", 30) * 60
SESSION_SAVE_EVERY_REQUEST = False
SESSION_IDLE_REFRESH_SECONDS = 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# --- Security: production defaults, relaxed only by explicit variables -------------------------
HTTPS = env_bool("PEIXUN_HTTPS", not DEBUG)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env_int("PEIXUN_HSTS_SECONDS", 31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
USE_X_FORWARDED_HOST = False
# nginx sets X-Real-IP from the socket; the app trusts it only from these proxies.
TRUSTED_PROXIES = env_list("PEIXUN_TRUSTED_PROXIES", ["127.0.0.1", "::1"])

# --- Internationalisation ----------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files -----------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("PEIXUN_STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploads live outside the web root; nginx serves them only through X-Accel-Redirect after a check.
MEDIA_ROOT = Path(os.environ.get("PEIXUN_MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/protected/"
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
IMPORT_MAX_BYTES = env_int("PEIXUN_IMPORT_MAX_BYTES", 20 * 1024 * 1024)
IMPORT_RETENTION_DAYS = env_int("PEIXUN_IMPORT_RETENTION_DAYS", 7)  # then the uploaded sheet is deleted

# Live teaching: watch time is counted in slots of this many seconds (one bit each; the player sends a
# heartbeat every 20 s, so a slot must be at least that long).
PEIXUN_LIVE_SLOT_SECONDS = max(env_int("PEIXUN_LIVE_SLOT_SECONDS", 60), 20)

# --- API ---------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "peixun.core.api.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "peixun.core.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Peixun API",
    "DESCRIPTION": "纪检监察干部教育培训平台 JSON API. Every endpoint is scoped to the caller.",
    "VERSION": "1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No call to the public validator (swagger-ui's default badge): the intranet reaches nothing outside.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    # Several models have a "status"; the pool teacher's would otherwise get a hash for a name.
    "ENUM_NAME_OVERRIDES": {"TeacherStatusEnum": "peixun.teachers.models.TeacherStatus"},
}

# Threads of the hot path (peixun.core.hotpath) per server process: one database connection each while
# a request runs, so no more than the pool holds. 0 turns the hot path off.
PEIXUN_HOTPATH_THREADS = max(0, env_int("PEIXUN_HOTPATH_THREADS", env_int("PEIXUN_DB_POOL", 0) or 8))
# Async PostgreSQL connections of the fast lane (peixun.core.lane) per server process; 0 turns it off.
PEIXUN_LANE_POOL = env_int("PEIXUN_LANE_POOL", 4)

# --- Audit -------------------------------------------------------------------------------------
AUDIT_RETENTION_DAYS = max(env_int("PEIXUN_AUDIT_RETENTION_DAYS", 180), 180)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("PEIXUN_LOG_LEVEL", "WARNING")},
}
