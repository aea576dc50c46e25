"""leadsportal settings, driven by the environment.

LEADSPORTAL_ENV selects the profile: "development" (default: safe local defaults, the embedded
sandbox on) or "production" (every secret and host must come from the environment, or start-up
stops with a message naming the missing variable). See README.md for the full list.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dj_database_url
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from leadsportal.lib.env import (
    env_bool,
    env_float,
    env_int,
    env_list,
    env_required,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent.parent

LEADSPORTAL_ENV = env_str("LEADSPORTAL_ENV", "development") or "development"
if LEADSPORTAL_ENV not in {"development", "production"}:
    raise ImproperlyConfigured(
        f"LEADSPORTAL_ENV={LEADSPORTAL_ENV!r} must be 'development' or 'production'."
    )
PRODUCTION = LEADSPORTAL_ENV == "production"

# --- Core -----------------------------------------------------------------------------------

if PRODUCTION:
    SECRET_KEY = env_required("DJANGO_SECRET_KEY")
    if len(SECRET_KEY) < 50 or SECRET_KEY.startswith("django-insecure"):
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be a random string of 50+ characters.")
    DEBUG = env_bool("DJANGO_DEBUG", False)
    if DEBUG:
        raise ImproperlyConfigured("DJANGO_DEBUG must be off in production.")
    ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", [])
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured(
            "The environment variable DJANGO_ALLOWED_HOSTS is required in production."
        )
else:
    SECRET_KEY = (
        env_str("DJANGO_SECRET_KEY") or "django-insecure-development-only-never-in-production"
    )
    DEBUG = env_bool("DJANGO_DEBUG", True)
    ALLOWED_HOSTS = env_list(
        "DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"]
    )

CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_tables2",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "leadsportal.core",
    "leadsportal.sandbox",
    "leadsportal.agencies",
    "leadsportal.dashboard",
    "leadsportal.exports",
    "leadsportal.followup",
    "leadsportal.watch",
    "huey.contrib.djhuey",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "leadsportal.core.middleware.RequestLogMiddleware",
    "leadsportal.core.middleware.UpstreamDeadlineMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "leadsportal.core.middleware.FrenchFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "leadsportal.agencies.sessions.IdleSessionMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "leadsportal.urls"
WSGI_APPLICATION = "leadsportal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "leadsportal.agencies.context_processors.current_agency",
            ],
        },
    },
]

# --- Database and cache ---------------------------------------------------------------------

_database_url = env_str("DATABASE_URL")
if PRODUCTION and not _database_url:
    raise ImproperlyConfigured("The environment variable DATABASE_URL is required in production.")
try:
    DATABASES = {
        "default": dj_database_url.parse(
            _database_url or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
            conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0),
            conn_health_checks=True,
        )
    }
except ValueError as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}") from exc
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The demo's web server and its worker process write the same file: WAL lets readers go
    # on during a write, IMMEDIATE transactions queue writers instead of failing them.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # A file, not memory, so that the worker processes a test starts see the test database;
    # one per test run (two runs in one checkout must not delete each other's).
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / f"test-db-{os.getpid()}.sqlite3")}

REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    if not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured("REDIS_URL must start with redis://, rediss:// or unix://.")
    CACHES: dict[str, dict[str, Any]] = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "leadsportal"),
            "TIMEOUT": 300,
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "leadsportal",
            "OPTIONS": {"MAX_ENTRIES": 10_000},
        }
    }

# --- Background work: the lead watcher, purges, indexing (Huey, docs/TASKS.md) ------------

# How often the watcher asks the API for each agency's newest leads, and how far back each poll
# reaches before the newest lead it has seen (an upstream may index a lead late).
LEADS_WATCH_INTERVAL = env_int("LEADS_WATCH_INTERVAL", 10, minimum=1)
if 60 % LEADS_WATCH_INTERVAL:
    raise ImproperlyConfigured(
        "LEADS_WATCH_INTERVAL must divide 60 (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30 or 60)."
    )
LEADS_WATCH_OVERLAP = env_int("LEADS_WATCH_OVERLAP", 300, minimum=0)
# The longest an agency's polling backs off after upstream faults or refused credentials.
LEADS_WATCH_MAX_BACKOFF = env_int("LEADS_WATCH_MAX_BACKOFF", 900, minimum=10)
# How often each web process looks for live events to push to its open pages.
LEADS_LIVE_CHECK_SECONDS = env_float("LEADS_LIVE_CHECK_SECONDS", 0.25, minimum=0.05)
# An open page's event stream ends after this long and the browser reconnects at once
# (a logged-out or removed member stops receiving within that time).
LEADS_LIVE_STREAM_SECONDS = env_int("LEADS_LIVE_STREAM_SECONDS", 300, minimum=5)
# Who opened which lead, who exported what (followup/access_record.py): kept this many months.
LEADS_ACCESS_RECORD_MONTHS = env_int("LEADS_ACCESS_RECORD_MONTHS", 12, minimum=1)
# One queue for every worker: Redis when there is one (required for workers on more than one
# host), else a SQLite file beside the code (one machine: the demo, development).
_huey_common: dict[str, Any] = {
    "name": env_str("LEADS_TASKS_QUEUE", "leadsportal"),
    "utc": True,
    "immediate": False,
}
if REDIS_URL:
    # Priorities: polls before backfills (watch/tasks.py).
    HUEY: dict[str, Any] = {
        **_huey_common,
        "huey_class": "huey.PriorityRedisHuey",
        "url": REDIS_URL,
    }
else:
    _db_name = str(DATABASES["default"].get("NAME") or "")
    _tasks_file = (
        str(Path(_db_name).with_name(Path(_db_name).stem + "-tasks.sqlite3"))
        if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3" and _db_name
        else str(BASE_DIR / "tasks.sqlite3")
    )
    HUEY = {
        **_huey_common,
        "huey_class": "huey.SqliteHuey",
        # In the production image the code is read-only: a file of the container's /tmp (the
        # worker refuses to start without Redis in production, see leads_worker).
        "filename": env_str(
            "LEADS_TASKS_SQLITE",
            "/tmp/leadsportal-tasks.sqlite3" if PRODUCTION else _tasks_file,  # noqa: S108
        ),
    }
HUEY["consumer"] = {
    "workers": env_int("LEADS_WORKER_THREADS", 16, minimum=1),
    "worker_type": "thread",
    "scheduler_interval": 1,
    "periodic": True,
    # An idle worker looks at the queue at least every half second (storages without
    # blocking reads: SQLite).
    "max_delay": 0.5,
    "check_worker_health": True,
    # `docker stop` sends SIGTERM: running polls finish (30 s at most) before the worker exits.
    "graceful_signal": "TERM",
}

SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
# Inputs and selects written in Python, identical to Django's templates (lib/form_renderer.py).
FORM_RENDERER = "leadsportal.lib.form_renderer.FastWidgetRenderer"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth -----------------------------------------------------------------------------------

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard:leads"
LOGOUT_REDIRECT_URL = "login"
# A session without a request of the person for this long ends (the live event stream and
# other background requests do not count: leadsportal/agencies/sessions.py).
SESSION_IDLE_MINUTES = env_int("SESSION_IDLE_MINUTES", 120, minimum=1)
# A password reset link works for 2 hours; an invitation's link for 72 hours
# (agencies/accounts.py). Both work once: choosing the password changes what they sign.
PASSWORD_RESET_TIMEOUT = 2 * 3600
LEADSPORTAL_INVITATION_HOURS = 72
# Two-factor login (TOTP, django-otp): the name authenticator apps show; the admin never shows
# a device's key or QR code.
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "leadsportal")
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# Brute-force protection: lock a username+IP pair after repeated failures.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = env_float("AXES_COOLOFF_HOURS", 0.5, minimum=0.0)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Password spraying: one address failing on this many usernames, or this many times in all,
# within the cool-off is locked out for every username (leadsportal/agencies/lockout.py).
AXES_ADDRESS_USERNAME_LIMIT = env_int("AXES_ADDRESS_USERNAME_LIMIT", 5, minimum=2)
AXES_ADDRESS_FAILURE_LIMIT = env_int("AXES_ADDRESS_FAILURE_LIMIT", 30, minimum=2)
AXES_HANDLER = "leadsportal.agencies.lockout.AddressAwareHandler"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# Behind N reverse proxies the client's address is the Nth entry from the right of
# X-Forwarded-For (REMOTE_ADDR would be the proxy's, locking a username for everyone).
LEADSPORTAL_PROXY_COUNT = env_int("AXES_PROXY_COUNT", 0, minimum=0)
AXES_CLIENT_IP_CALLABLE = "leadsportal.core.client_ip.client_ip"

# --- E-mail: invitations, password resets (SMTP in production) ----------------------------

# Read from the usual EMAIL_* variables, configured as Django 6.1's MAILERS.
_email_host = env_str("EMAIL_HOST") or ""
if PRODUCTION and not _email_host:
    raise ImproperlyConfigured(
        "The environment variable EMAIL_HOST is required in production (the SMTP server that "
        "sends invitations and password resets)."
    )
if _email_host:
    _email_use_ssl = env_bool("EMAIL_USE_SSL", False)
    _email_use_tls = env_bool("EMAIL_USE_TLS", not _email_use_ssl)
    if _email_use_ssl and _email_use_tls:
        raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL cannot both be on: choose one.")
    MAILERS: dict[str, dict[str, Any]] = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": _email_host,
                "port": env_int("EMAIL_PORT", 465 if _email_use_ssl else 587, minimum=1),
                "username": env_str("EMAIL_HOST_USER") or "",
                "password": env_str("EMAIL_HOST_PASSWORD") or "",
                "use_tls": _email_use_tls,
                "use_ssl": _email_use_ssl,
                # A request that sends an e-mail waits at most this long for the server.
                "timeout": env_int("EMAIL_TIMEOUT", 10, minimum=1),
            },
        }
    }
else:
    # Development and the demo: each e-mail is printed in the terminal.
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
if PRODUCTION:
    DEFAULT_FROM_EMAIL = env_required("DEFAULT_FROM_EMAIL")
else:
    DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL") or "leadsportal <noreply@localhost>"
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- i18n -----------------------------------------------------------------------------------

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- Security -------------------------------------------------------------------------------

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# No inline script or style anywhere, no external origin: everything comes from our static files.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
if PRODUCTION:
    # TLS terminates at the reverse proxy, which sets X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31_536_000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# Agency client secrets are encrypted at rest with these Fernet keys (comma-separated, newest
# first: MultiFernet encrypts with the first and decrypts with any, so keys can be rotated).
_fernet_keys = env_list("LEADSPORTAL_FERNET_KEYS", [])
if PRODUCTION and not _fernet_keys:
    raise ImproperlyConfigured(
        "The environment variable LEADSPORTAL_FERNET_KEYS is required in production."
    )
# Development only: a fixed, public key so the demo works out of the box.
FERNET_KEYS = _fernet_keys or ["bGVhZHNwb3J0YWwtZGV2ZWxvcG1lbnQta2V5LW9ubHk="]
for _key in FERNET_KEYS:
    try:
        Fernet(_key)
    except ValueError as exc:
        raise ImproperlyConfigured(
            "LEADSPORTAL_FERNET_KEYS must be a comma-separated list of Fernet keys "
            "(32 url-safe base64-encoded bytes each)."
        ) from exc

# --- The leads API --------------------------------------------------------------------------

LEADS_SANDBOX_ENABLED = env_bool("LEADS_SANDBOX_ENABLED", not PRODUCTION)
# The sandbox's /_control endpoints (knobs, added leads, tokens) have no authentication: in
# production they stay off even with the sandbox on, unless a benchmark asks for them.
LEADS_SANDBOX_CONTROL_ENABLED = LEADS_SANDBOX_ENABLED and env_bool(
    "LEADS_SANDBOX_CONTROL_ENABLED", not PRODUCTION
)
_default_base = "http://127.0.0.1:8000/sandbox"
if PRODUCTION and not LEADS_SANDBOX_ENABLED:
    LEADS_API_BASE_URL = env_required("LEADS_API_BASE_URL")
    LEADS_API_TOKEN_URL = env_required("LEADS_API_TOKEN_URL")
else:
    LEADS_API_BASE_URL = env_str("LEADS_API_BASE_URL") or _default_base
    LEADS_API_TOKEN_URL = env_str("LEADS_API_TOKEN_URL") or ""  # "" = base URL + /oauth/token
for _name, _url in (
    ("LEADS_API_BASE_URL", LEADS_API_BASE_URL),
    ("LEADS_API_TOKEN_URL", LEADS_API_TOKEN_URL),
):
    if _url and not _url.startswith(("http://", "https://")):
        raise ImproperlyConfigured(f"{_name}={_url!r} must be an http(s) URL.")
    if PRODUCTION and not LEADS_SANDBOX_ENABLED and not _url.startswith("https://"):
        # Client secrets and tokens travel on these URLs (and oauthlib refuses plain HTTP).
        raise ImproperlyConfigured(f"{_name}={_url!r} must be an https:// URL in production.")
if PRODUCTION and LEADS_SANDBOX_ENABLED:
    # Production with the embedded sandbox (a demonstration instance): the app calls its own
    # /sandbox/ on loopback, in plain HTTP and with that Host. Those calls must neither be
    # redirected to HTTPS nor refused as an unknown host; everything else stays as strict.
    from urllib.parse import urlsplit as _urlsplit

    SECURE_REDIRECT_EXEMPT = [*SECURE_REDIRECT_EXEMPT, r"^sandbox/", r"^seeker-sandbox/"]
    _sandbox_host = _urlsplit(LEADS_API_BASE_URL).hostname
    if _sandbox_host and _sandbox_host not in ALLOWED_HOSTS:
        ALLOWED_HOSTS = [*ALLOWED_HOSTS, _sandbox_host]
if not PRODUCTION or LEADS_SANDBOX_ENABLED:
    # oauthlib refuses plain-HTTP token URLs; the embedded sandbox serves on loopback HTTP.
    os.environ.setdefault("OAUTHLIB_INSECURE_TRANSPORT", "1")
# A token server may grant a scope other than the one asked for (RFC 6749 §3.3): oauthlib would
# raise a bare Warning; the client checks that the granted scope holds laas:leads:get itself.
os.environ.setdefault("OAUTHLIB_RELAX_TOKEN_SCOPE", "1")
LEADS_API_CONNECT_TIMEOUT = env_float("LEADS_API_CONNECT_TIMEOUT", 3.05, minimum=0.1)
LEADS_API_READ_TIMEOUT = env_float("LEADS_API_READ_TIMEOUT", 10.0, minimum=0.1)
LEADS_API_MAX_RETRIES = env_int("LEADS_API_MAX_RETRIES", 2, minimum=0)
# The longest a page waits for a fan-out of upstream calls (the leads of a page fetched by id).
LEADS_API_PAGE_DEADLINE = env_float("LEADS_API_PAGE_DEADLINE", 12.0, minimum=0.5)
# Upstream calls in flight per export (docs/BENCHMARKS.md, "Export": 3 saturates the rate limit
# at 50-80 ms per call; more helps only against a slower upstream).
LEADS_EXPORT_CONCURRENCY = env_int("LEADS_EXPORT_CONCURRENCY", 3, minimum=1)
# An export of more API pages (of 100 leads) than this is prepared by the background worker,
# its file kept encrypted in the database this many hours for the person who asked.
LEADS_EXPORT_BACKGROUND_PAGES = env_int("LEADS_EXPORT_BACKGROUND_PAGES", 10, minimum=1)
LEADS_EXPORT_FILE_HOURS = env_int("LEADS_EXPORT_FILE_HOURS", 24, minimum=1)

# The embedded sandbox (see leadsportal/sandbox): its clients, data volume and fault knobs.
LEADS_SANDBOX_CLIENTS = env_str(
    "LEADS_SANDBOX_CLIENTS",
    "agence-paris-demo:paris-demo-secret,agence-lyon-demo:lyon-demo-secret",
)
LEADS_SANDBOX_LEADS_PER_CLIENT = env_int("LEADS_SANDBOX_LEADS_PER_CLIENT", 2000, minimum=0)
LEADS_SANDBOX_SEED = env_int("LEADS_SANDBOX_SEED", 20260101)
LEADS_SANDBOX_LATENCY_MS = env_int("LEADS_SANDBOX_LATENCY_MS", 0, minimum=0)
LEADS_SANDBOX_FAULT_RATE = env_float("LEADS_SANDBOX_FAULT_RATE", 0.0, minimum=0.0, maximum=1.0)
LEADS_SANDBOX_TOKEN_TTL = env_int("LEADS_SANDBOX_TOKEN_TTL", 3600, minimum=1)
LEADS_SANDBOX_RATE_LIMIT = env_int("LEADS_SANDBOX_RATE_LIMIT", 50, minimum=1)

# --- AVIV Seeker Leads v1, the second upstream (leadsportal/seeker_api, docs/UPSTREAMS.md) ----

# AVIV's production hosts in production; the embedded Seeker sandbox (/seeker-sandbox/) wherever
# the GSL sandbox is on. The token URL defaults from the base URL (AVIV's identity provider for
# AVIV's hosts, the sandbox's own beside it); the audience defaults to the base URL.
if PRODUCTION and not LEADS_SANDBOX_ENABLED:
    _seeker_base = "https://api.aviv-group.com/seeker-leads/v1"
else:
    _seeker_base = _default_base.removesuffix("/sandbox") + "/seeker-sandbox/seeker-leads/v1"
SEEKER_API_BASE_URL = env_str("SEEKER_API_BASE_URL") or _seeker_base
SEEKER_API_TOKEN_URL = env_str("SEEKER_API_TOKEN_URL") or ""
SEEKER_API_AUDIENCE = env_str("SEEKER_API_AUDIENCE") or ""
# Required by AVIV on every request ("software/version ..."); "" = leadsportal's own.
SEEKER_API_USER_AGENT = env_str("SEEKER_API_USER_AGENT") or ""
for _name, _url in (
    ("SEEKER_API_BASE_URL", SEEKER_API_BASE_URL),
    ("SEEKER_API_TOKEN_URL", SEEKER_API_TOKEN_URL),
):
    if _url and not _url.startswith(("http://", "https://")):
        raise ImproperlyConfigured(f"{_name}={_url!r} must be an http(s) URL.")
    if _url and PRODUCTION and not LEADS_SANDBOX_ENABLED and not _url.startswith("https://"):
        raise ImproperlyConfigured(f"{_name}={_url!r} must be an https:// URL in production.")
# Its embedded sandbox (leadsportal/seeker_sandbox), mounted with the GSL one.
SEEKER_SANDBOX_CLIENTS = env_str(
    "SEEKER_SANDBOX_CLIENTS",
    "agence-bordeaux-demo:bordeaux-demo-secret,agence-nantes-demo:nantes-demo-secret",
)
SEEKER_SANDBOX_LEADS_PER_CLIENT = env_int("SEEKER_SANDBOX_LEADS_PER_CLIENT", 2000, minimum=0)
SEEKER_SANDBOX_SEED = env_int("SEEKER_SANDBOX_SEED", LEADS_SANDBOX_SEED)
SEEKER_SANDBOX_LATENCY_MS = env_int(
    "SEEKER_SANDBOX_LATENCY_MS", LEADS_SANDBOX_LATENCY_MS, minimum=0
)
SEEKER_SANDBOX_FAULT_RATE = env_float(
    "SEEKER_SANDBOX_FAULT_RATE", LEADS_SANDBOX_FAULT_RATE, minimum=0.0, maximum=1.0
)
SEEKER_SANDBOX_TOKEN_TTL = env_int("SEEKER_SANDBOX_TOKEN_TTL", 86_400, minimum=1)
# Requests per client in any 200 ms before a 429 (the live API's documented limit: 10).
SEEKER_SANDBOX_RATE_LIMIT = env_int("SEEKER_SANDBOX_RATE_LIMIT", 10, minimum=1)
# The hosts the sandbox delivers webhooks to: loopback unless told otherwise (the sandbox has
# public demo credentials; it must not be a way to make this server POST anywhere).
SEEKER_SANDBOX_WEBHOOK_HOSTS = env_list(
    "SEEKER_SANDBOX_WEBHOOK_HOSTS", ["127.0.0.1", "localhost", "::1"]
)

# --- Logging --------------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "leadsportal.core.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "json"},
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's request logger would echo request details; our own request log replaces it.
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        "django.server": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        # One line per task run and per task planned would drown the log (thousands a minute
        # with many agencies); the consumer's start-up and every failure stay.
        "huey": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        "huey.consumer": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # At DEBUG these write the token request's headers (Basic client id:secret) and the
        # access tokens: never below WARNING, whatever LOG_LEVEL says.
        "requests_oauthlib": {"level": "WARNING"},
        "oauthlib": {"level": "WARNING"},
    },
}
