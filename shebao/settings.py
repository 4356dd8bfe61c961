"""Settings for shebao.

Every setting a deployment changes comes from an environment variable with a safe default:
with nothing set, shebao runs on an embedded SQLite database under ``var/``, keeps tasks in that
database, delivers SMS into the local outbox and has ``DEBUG`` off.
"""

import os
import secrets
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def env_rate(name: str, default: str) -> tuple[int, int]:
    """An allowance written ``<count>/<seconds>``, e.g. ``20/600``: 20 in ten minutes."""
    count, _, seconds = (os.environ.get(name) or default).partition("/")
    return int(count), int(seconds)


# Where the embedded deployment keeps its database, uploads, keys and outbox.
VAR_DIR = Path(os.environ.get("SHEBAO_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """The secret key from the environment, or one generated once and kept in ``var/``."""
    if key := os.environ.get("SHEBAO_SECRET_KEY"):
        return key
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("SHEBAO_DEBUG", False)
ALLOWED_HOSTS = env_list("SHEBAO_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("SHEBAO_CSRF_TRUSTED_ORIGINS", "")

# Demo mode shows the notification outbox in the hall and a banner on every page.
SHEBAO_DEMO = env_bool("SHEBAO_DEMO", False)
# The load benchmark (benchmarks/load.py) mounts /bench/bare/, a trivial JSON view served by the
# same server, flags and middleware as every page, as the yardstick the pages are measured by.
SHEBAO_BENCHMARK = env_bool("SHEBAO_BENCHMARK", False)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks",
    "django_tasks_db",
    "ninja",  # the Swagger UI files of the API docs page, served as the hall's own static files
    "shebao.common",
    "shebao.registry",
    "shebao.accounts",
    "shebao.pki",
    "shebao.notifications",
    "shebao.catalogue",
    "shebao.applications",
    "shebao.insurance",
    "shebao.contributions",
    "shebao.payments",
    "shebao.retention",
    "shebao.cards",
    "shebao.disputes",
    "shebao.emergency",
    "shebao.audit",
    "shebao.training",
    "shebao.certificates",
    "shebao.appointments",
    "shebao.policy",
    "shebao.calculators",
    "shebao.hall",
    "shebao.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "shebao.hall.middleware.ContentSecurityPolicyMiddleware",
    "shebao.hall.middleware.RequestShapeMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "shebao.accounts.middleware.SlidingSessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "shebao.accounts.middleware.ActorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "shebao.hall.middleware.FormTextMiddleware",
    "shebao.hall.middleware.DomainErrorMiddleware",
]

ROOT_URLCONF = "shebao.urls"
WSGI_APPLICATION = "shebao.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "shebao.hall.context.hall",
            ],
        },
    },
]

# Database: embedded SQLite by default; PostgreSQL in production through DATABASE_URL,
# e.g. postgres://shebao@db.example:5432/shebao
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'shebao.sqlite3'}"),
        conn_max_age=env_int("SHEBAO_DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions serialise writers instead of failing with "database is locked"
    # when the web process and the task worker write at once; WAL lets readers go on.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "hall:home"

# Argon2id with OWASP's parameters (m = 19 MiB, t = 2, p = 1), not Django's 100 MiB per check:
# see shebao/accounts/hashers.py for the source and benchmarks/README.md for what it costs here.
PASSWORD_HASHERS = [
    "shebao.accounts.hashers.HallArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
# WhiteNoise serves every asset from the project itself: no CDN, ever.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
# The few files a browser asks for at the site's root: /favicon.ico.
WHITENOISE_ROOT = BASE_DIR / "shebao" / "hall" / "root"
MEDIA_ROOT = VAR_DIR / "media"  # uploads; never served directly, only through authorised views

# Static files under content-hashed names (hall.3f9c1e….css), compressed and cached for a year,
# unless DEBUG: `manage.py collectstatic --noinput` writes them and their manifest to STATIC_ROOT
# before the server starts (scripts/serve.sh does). The test suite uses the plain names.
SHEBAO_STATIC_MANIFEST = env_bool("SHEBAO_STATIC_MANIFEST", not DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if SHEBAO_STATIC_MANIFEST
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

SESSION_COOKIE_AGE = env_int("SHEBAO_SESSION_SECONDS", 2 * 60 * 60)
# Idle sessions expire SESSION_COOKIE_AGE after the last request; SlidingSessionMiddleware
# pushes the expiry forward at most once a minute instead of writing the session every request.
SESSION_SAVE_EVERY_REQUEST = False
SHEBAO_SESSION_REFRESH_SECONDS = env_int("SHEBAO_SESSION_REFRESH_SECONDS", 60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Production runs behind a proxy that terminates TLS (SHEBAO_BEHIND_TLS_PROXY=1) and says so in
# X-Forwarded-Proto: plain HTTP is redirected to HTTPS, browsers are told to come back only over
# HTTPS for a year, subdomains included (HSTS), and cookies travel only over HTTPS.
# `manage.py check --deploy` is clean with these (shebao/hall/tests/test_deploy.py).
SHEBAO_BEHIND_TLS_PROXY = env_bool("SHEBAO_BEHIND_TLS_PROXY", False)
if SHEBAO_BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SHEBAO_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SHEBAO_HSTS_SECONDS", 365 * 24 * 60 * 60)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SHEBAO_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SHEBAO_HSTS_PRELOAD", True)
SESSION_COOKIE_SECURE = env_bool("SHEBAO_SECURE_COOKIES", SHEBAO_BEHIND_TLS_PROXY)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_FAILURE_VIEW = "shebao.hall.views.csrf_failure"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Proxies in front of the hall that append the client's address to X-Forwarded-For: the
# address the nearest one saw is the client (for abuse limits and audit rows). 0 trusts no
# header: REMOTE_ADDR is the client.
SHEBAO_PROXY_HOPS = env_int("SHEBAO_PROXY_HOPS", 1 if SHEBAO_BEHIND_TLS_PROXY else 0)


def cache_settings(url: str, *, redis_url: str) -> dict:
    """CACHES for ``SHEBAO_CACHE_URL``: "database", "locmem", "redis" (``redis_url``) or a
    ``redis://`` URL."""
    url = (url or "database").strip()
    if url == "redis":
        url = redis_url
    if url.startswith(("redis://", "rediss://", "unix://")):
        return {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": url,
                "KEY_PREFIX": "shebao",
            }
        }
    if url == "locmem":
        return {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    if url == "database":
        return {
            "default": {
                "BACKEND": "django.core.cache.backends.db.DatabaseCache",
                "LOCATION": "shebao_cache",  # made by shebao/common/migrations/0001_cache_table
                # Culling (dropping a share of the rows when full) would also drop live
                # counters; allow far more keys than a busy day's clients make.
                "OPTIONS": {"MAX_ENTRIES": 200_000, "CULL_FREQUENCY": 4},
            }
        }
    raise ValueError(f"SHEBAO_CACHE_URL: database, locmem, redis or redis://…, not {url!r}")


# Django's cache holds the abuse limits' counters, shared by every web process: the database
# cache on the embedded default (its table is created by a migration), Redis in production
# (SHEBAO_CACHE_URL=redis://… or "redis" to reuse REDIS_URL); "locmem" only for one process.
CACHES = cache_settings(
    os.environ.get("SHEBAO_CACHE_URL", "database"),
    redis_url=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
)
# Rendered page parts that follow from published data alone (a region's policy table): kept
# in each process's memory, their keys carry the version stamp of what they show.
CACHES["fragments"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "fragments",
    "OPTIONS": {"MAX_ENTRIES": 2000},
}

# Abuse limits (shebao/common/limits.py): at most <count> per <seconds> for one client address.
# Each is overridable as SHEBAO_LIMIT_<NAME>, e.g. SHEBAO_LIMIT_SIGNIN_FAILURES=50/600.
SHEBAO_LIMITS = {
    # failed sign-ins, any account, any way in (pages, API token, /admin/, U-KEY)
    "signin_failures": env_rate("SHEBAO_LIMIT_SIGNIN_FAILURES", "20/600"),
    # submissions that redeem an SMS code: registration, unit registration, password reset
    "code_checks": env_rate("SHEBAO_LIMIT_CODE_CHECKS", "30/3600"),
    # U-KEY sign-in challenges (page and API), each a stored row
    "ca_challenges": env_rate("SHEBAO_LIMIT_CA_CHALLENGES", "30/600"),
}

# Background work: Django's tasks API (django-tasks backport). The default backend keeps tasks
# in the database and ``manage.py db_worker`` runs them; SHEBAO_TASKS_BACKEND=rq runs the same
# tasks on RQ workers over Redis (REDIS_URL).
_tasks_backend = os.environ.get("SHEBAO_TASKS_BACKEND", "database")
TASKS = {
    "default": {
        "BACKEND": {
            "database": "django_tasks_db.DatabaseBackend",
            "rq": "django_tasks_rq.RQBackend",
            "immediate": "django_tasks.backends.immediate.ImmediateBackend",
        }[_tasks_backend],
        "QUEUES": ["default", "notifications", "batch"],
    }
}
# Housekeeping tasks `manage.py periodic` enqueues (all idempotent): 容缺 cases lapse when their
# materials are overdue; certificates of ended unit roles are revoked; stalled SMS are retried;
# appointment slots are opened over the booking horizon and tomorrow's bookings reminded by SMS.
SHEBAO_PERIODIC_TASKS = [
    "shebao.applications.tasks.lapse_overdue_deferred",
    "shebao.pki.tasks.sweep",
    "shebao.notifications.tasks.retry_pending",
    "shebao.cards.tasks.exchange",
    "shebao.appointments.tasks.open_slots",
    "shebao.appointments.tasks.send_reminders",
    "shebao.contributions.tasks.mark_arrears",
]

# RQ queues (used when SHEBAO_TASKS_BACKEND=rq); connecting is lazy, so nothing needs Redis
# unless that backend is chosen. Workers:
# `manage.py rqworker default notifications batch --job-class django_tasks_rq.Job`.
INSTALLED_APPS.append("django_rq")
RQ_QUEUES = {
    name: {"URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")}
    for name in TASKS["default"]["QUEUES"]
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("SHEBAO_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Sign-in protection: failures before an account is locked, and for how long.
SHEBAO_LOGIN_MAX_FAILURES = env_int("SHEBAO_LOGIN_MAX_FAILURES", 5)
SHEBAO_LOGIN_LOCK_MINUTES = env_int("SHEBAO_LOGIN_LOCK_MINUTES", 15)
# Verification codes sent by SMS.
SHEBAO_CODE_TTL_MINUTES = env_int("SHEBAO_CODE_TTL_MINUTES", 10)
SHEBAO_CODE_MAX_ATTEMPTS = env_int("SHEBAO_CODE_MAX_ATTEMPTS", 5)
# Uploaded materials.
# Payment channels: the secret each channel signs its server-to-server notices with
# (HMAC-SHA256). The default serves the embedded demo's local bank only; a deployment sets
# SHEBAO_PAYMENT_SECRET_<CHANNEL> for every channel it connects.
SHEBAO_PAYMENT_SECRETS = {
    "localbank": os.environ.get("SHEBAO_PAYMENT_SECRET_LOCALBANK", "shebao-demo-localbank-secret"),
}
SHEBAO_UPLOAD_MAX_BYTES = env_int("SHEBAO_UPLOAD_MAX_MB", 10) * 1024 * 1024
SHEBAO_UPLOAD_TYPES = {
    "application/pdf": ".pdf",
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
}
DATA_UPLOAD_MAX_MEMORY_SIZE = SHEBAO_UPLOAD_MAX_BYTES + 1024 * 1024
# JSON request bodies of the API, in bytes: anonymous callers (calculators, sign-in) send a few
# fields, so a large body is refused before it is parsed; signed-in callers send application
# answers (a form of at most a few dozen fields of 2,000 characters).
SHEBAO_ANONYMOUS_JSON_MAX_BYTES = env_int("SHEBAO_ANONYMOUS_JSON_MAX_KB", 64) * 1024
SHEBAO_JSON_MAX_BYTES = env_int("SHEBAO_JSON_MAX_KB", 1024) * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# Adapters to outside systems (DESIGN principle 8). Each names a class with a working local
# implementation; a deployment points these at its own integrations.
SHEBAO_SMS_GATEWAY = os.environ.get(
    "SHEBAO_SMS_GATEWAY", "shebao.notifications.gateways.OutboxSmsGateway"
)
SHEBAO_IDENTITY_VERIFIER = os.environ.get(
    "SHEBAO_IDENTITY_VERIFIER", "shebao.accounts.verification.RegistryIdentityVerifier"
)
# Social security cards: the folder shared with the card bureau (request batches out, result
# files in) and, for the local courier, its parcels. The local bureau (SHEBAO_CARD_LOCAL_BUREAU)
# stands in for a bureau the hall is not connected to and moves each card one stage on per
# SHEBAO_CARD_BUREAU_STAGE_MINUTES; the local courier one tracking step per
# SHEBAO_COURIER_STAGE_MINUTES. The exchange task runs with `manage.py periodic`.
SHEBAO_CARD_EXCHANGE_DIR = Path(os.environ.get("SHEBAO_CARD_EXCHANGE_DIR", VAR_DIR / "cards"))
SHEBAO_CARD_LOCAL_BUREAU = env_bool("SHEBAO_CARD_LOCAL_BUREAU", True)
SHEBAO_CARD_BUREAU_STAGE_MINUTES = env_int("SHEBAO_CARD_BUREAU_STAGE_MINUTES", 10)
SHEBAO_COURIER = os.environ.get("SHEBAO_COURIER", "shebao.cards.courier.LocalCourier")
SHEBAO_COURIER_STAGE_MINUTES = env_int("SHEBAO_COURIER_STAGE_MINUTES", 10)
# The agency's certificate authority for U-KEY (CA certificate) sign-in.
SHEBAO_CA_DIR = Path(os.environ.get("SHEBAO_CA_DIR", VAR_DIR / "pki"))
SHEBAO_CA_KEY_PASSPHRASE = os.environ.get("SHEBAO_CA_KEY_PASSPHRASE", "")
SHEBAO_CA_CERT_DAYS = env_int("SHEBAO_CA_CERT_DAYS", 730)  # unit users' certificates: 2 years
SHEBAO_CA_CHALLENGE_SECONDS = env_int("SHEBAO_CA_CHALLENGE_SECONDS", 300)
SHEBAO_AGENCY_NAME = os.environ.get("SHEBAO_AGENCY_NAME", "社会保险事业管理局")
# The hall's public address: the verification link printed (and QR-coded) on every certificate.
SHEBAO_PUBLIC_URL = os.environ.get("SHEBAO_PUBLIC_URL", "http://127.0.0.1:8000")
# The pooling region this hall serves (GB/T 2260 code): what a visitor who is not signed in
# sees on the home calendar and in the guides, until they pick another region.
SHEBAO_HALL_REGION = os.environ.get("SHEBAO_HALL_REGION", "220200")
# Where tests write screenshots and other artefacts.
SHEBAO_TEST_OUTPUT = Path(os.environ.get("SHEBAO_TEST_OUTPUT", BASE_DIR / "test-output"))
