"""Kabinet settings: everything comes from environment variables, with safe defaults.

One module on purpose (12-factor): the same code runs on a laptop and in a cluster, and
.env.example documents every variable read here. Helpers fail loudly on a malformed value
instead of silently falling back, so a typo in production is caught at start-up.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def _load_dotenv(path: Path) -> None:
    """Read KEY=VALUE lines from .env without overriding the real environment."""
    if not path.is_file():
        return
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        os.environ.setdefault(key.strip(), value.strip().strip("'\""))


_load_dotenv(BASE_DIR / ".env")


def env_str(name: str, default: str = "") -> str:
    """The variable's value; unset and empty both mean the default."""
    return os.environ.get(name) or default


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}") from None


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_choice(name: str, default: str, choices: set[str]) -> str:
    value = os.environ.get(name) or default
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {sorted(choices)}, got {value!r}")
    return value


# pytest-django imports this module after pytest itself, so this is a reliable switch for the
# fast test settings (MD5 hasher, in-memory cache, immediate jobs) without a second module.
TESTING = "pytest" in sys.modules or env_bool("KABINET_TESTING", False)

VAR_DIR = Path(env_str("KABINET_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)


def _secret_key() -> str:
    key = env_str("SECRET_KEY")
    if key:
        return key
    if not DEBUG and not TESTING:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off (see .env.example). "
            "For a local demo run `make run`, which sets DEBUG=1."
        )
    # A demo or development run: generate once and keep it, so sessions survive restarts.
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50), encoding="utf-8")
        key_file.chmod(0o600)
    return key_file.read_text(encoding="utf-8").strip()


SECRET_KEY = _secret_key()

# ALTCHA (self-hosted proof-of-work captcha): challenges are signed with this key. By default it
# is derived from SECRET_KEY, so it is secret and stable without another variable to manage.
ALTCHA_HMAC_KEY = env_str(
    "ALTCHA_HMAC_KEY",
    hashlib.sha256(f"kabinet.altcha:{SECRET_KEY}".encode()).hexdigest(),
)
# The work a browser does: it tries on average half this many hashes (about 0.1 s at 100 000).
ALTCHA_MAX_NUMBER = env_int("ALTCHA_MAX_NUMBER", 100_000)
ALTCHA_EXPIRES = env_int("ALTCHA_EXPIRES", 600)
# How many times the work of a normal challenge a hard one costs: asked instead of a refusal when
# a limit strangers can use up has tripped (SMS per number or in total, a login under attack).
ALTCHA_HARD_FACTOR = env_int("ALTCHA_HARD_FACTOR", 10)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG or TESTING else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")
# A form sent with a stale or missing token gets the site's page in Russian, not Django's.
CSRF_FAILURE_VIEW = "kabinet.portal.errors.csrf_failure"

INSTALLED_APPS = [
    # django.contrib.admin with Kabinet's admin site: superusers only, throttled login.
    "kabinet.staff.apps.BackOfficeAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Serves Swagger UI from our own static files: the CDN copy would break the CSP and call out.
    "ninja",
    "huey.contrib.djhuey",
    "kabinet.core",
    "kabinet.identity",
    "kabinet.messaging",
    "kabinet.billing",
    "kabinet.metering",
    "kabinet.payments",
    "kabinet.documents",
    "kabinet.support",
    "kabinet.notifications",
    "kabinet.portal",
    "kabinet.staff",
    "kabinet.demo",
]

MIDDLEWARE = [
    # First: it gives the request its id and logs and times every response, the 503s included.
    "kabinet.core.observability.RequestLogMiddleware",
    "kabinet.core.observability.DatabaseUnavailableMiddleware",
    "kabinet.core.http.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "kabinet.core.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "kabinet.identity.middleware.PersonalDetailsMiddleware",
    "kabinet.portal.middleware.LastAccountMiddleware",
    "kabinet.identity.middleware.ProfileLanguageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "kabinet.urls"
WSGI_APPLICATION = "kabinet.wsgi.application"

# Every form draws its fields with Bootstrap's markup from one field template (kabinet.core.forms).
FORM_RENDERER = "kabinet.core.forms.FormRenderer"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "kabinet" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "kabinet.core.context_processors.support_contacts",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'kabinet.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the huey consumer and the web server read while an import writes; a busy
    # timeout turns short write contention into a wait instead of "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
elif env_bool("DATABASE_SERVER_SIDE_BINDING", True):
    # Server-side binding lets psycopg prepare a query after a few runs on a connection, so
    # PostgreSQL stops re-planning the account pages' joins on every request (planning cost more
    # than running them). Set DATABASE_SERVER_SIDE_BINDING=0 behind a transaction-mode
    # PgBouncer without prepared-statement support.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"server_side_binding": True, "prepare_threshold": env_int("DATABASE_PREPARE_THRESHOLD", 2)}
    )

if DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3" and env_bool(
    "DATABASE_DISABLE_SERVER_SIDE_CURSORS", False
):
    # Behind pgbouncer in transaction mode a cursor's next fetch may reach another server
    # connection, where the cursor does not exist.
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "identity.User"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env_int("PASSWORD_MIN_LENGTH", 8)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {
        # At least 8 characters with digits, capital and small Latin letters.
        "NAME": "kabinet.identity.passwords.CharacterClassValidator",
        "OPTIONS": {
            "require_upper": env_bool("PASSWORD_REQUIRE_UPPER", True),
            "require_lower": env_bool("PASSWORD_REQUIRE_LOWER", True),
            "require_digit": env_bool("PASSWORD_REQUIRE_DIGIT", True),
        },
    },
]

# The portal's support line, printed on the login page, in the footer and on error pages.
SUPPORT_PHONE = env_str("SUPPORT_PHONE", "")
SUPPORT_EMAIL = env_str("SUPPORT_EMAIL", "")

# Seed 003: every customer must have a confirmed mobile phone; one who registered by e-mail is
# asked for it (with an SMS code) at first login. Off by default: other utilities do not ask.
PHONE_REQUIRED = env_bool("PHONE_REQUIRED", False)

# Customers log in with a phone or an e-mail; staff keep the username login of the admin.
AUTHENTICATION_BACKENDS = [
    "kabinet.identity.backends.PhoneOrEmailBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "identity:login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "identity:login"
# «Запомнить» keeps the session this long; without it the session ends when the browser closes.
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 14 * 24 * 3600)

# Versions of the documents a customer accepts (152-FZ: each stored with its version). Raise one
# when its text changes; existing acceptances keep the version they were given for.
PERSONAL_DATA_CONSENT_VERSION = env_str("PERSONAL_DATA_CONSENT_VERSION", "1")
USER_AGREEMENT_VERSION = env_str("USER_AGREEMENT_VERSION", "1")
MARKETING_CONSENT_VERSION = env_str("MARKETING_CONSENT_VERSION", "1")

# One-time SMS codes and e-mail links (registration, recovery).
VERIFICATION_CODE_TTL = env_int("VERIFICATION_CODE_TTL", 600)
VERIFICATION_CODE_ATTEMPTS = env_int("VERIFICATION_CODE_ATTEMPTS", 5)
VERIFICATION_RESEND_COOLDOWN = env_int("VERIFICATION_RESEND_COOLDOWN", 60)
VERIFICATION_MAX_SENDS = env_int("VERIFICATION_MAX_SENDS", 5)
# An e-mail address must be confirmed within 60 hours of registration.
VERIFICATION_LINK_TTL = env_int("VERIFICATION_LINK_TTL", 60 * 3600)
# A password recovery link opens the account, so it lives much shorter.
RECOVERY_LINK_TTL = env_int("RECOVERY_LINK_TTL", 2 * 3600)

# Login throttling (see kabinet/identity/services/login.py for the policy).
LOGIN_FAILURES_PER_IDENTIFIER = env_int("LOGIN_FAILURES_PER_IDENTIFIER", 5)
LOGIN_FAILURES_PER_IP = env_int("LOGIN_FAILURES_PER_IP", 30)
LOGIN_FAILURES_PER_ACCOUNT = env_int("LOGIN_FAILURES_PER_ACCOUNT", 100)
LOGIN_FAILURE_WINDOW = env_int("LOGIN_FAILURE_WINDOW", 15 * 60)
LOGIN_MAX_DELAY = env_int("LOGIN_MAX_DELAY", 60 * 60)
# The apps above identity that keep something about a person: the personal-data export and the
# deletion of an account call each module's export_personal_data and erase_personal_data (see
# kabinet/core/personal_data.py). Identity may not import those apps, so they are named here.
PERSONAL_DATA_MODULES = [
    "kabinet.billing.personal_data",
    "kabinet.metering.personal_data",
    "kabinet.payments.personal_data",
    "kabinet.documents.personal_data",
    "kabinet.support.personal_data",
    "kabinet.notifications.personal_data",
    "kabinet.staff.personal_data",
]

# A customer API token (a mobile app's login) dies this many days after it was last used; each
# use moves the date on (kabinet.identity.services.tokens).
API_TOKEN_TTL_DAYS = env_int("API_TOKEN_TTL_DAYS", 30)
if API_TOKEN_TTL_DAYS < 1:
    raise ImproperlyConfigured("API_TOKEN_TTL_DAYS must be at least 1 (days).")

LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", "Русский"), ("en", "English")]
# The switcher's choice outlives the browser session (Django's default cookie does not); the
# profile keeps it for the person's other devices.
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
LOCALE_PATHS = [BASE_DIR / "kabinet" / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Europe/Moscow")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns on every request while it is missing
# Front-end packages come from npm (package-lock.json); only their built files are served.
_NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    (f"vendor/{package}", _NODE_MODULES / package / subdir)
    for package, subdir in [
        ("bootstrap", "dist"),
        ("altcha", "dist"),
    ]
    if (_NODE_MODULES / package / subdir).is_dir()
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Uploads (meter photos, appeal attachments) live outside the web root and are served only
# through views that check ownership.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media/"
# Customer and staff uploads (kabinet.core.uploads): never under a URL the web server serves.
UPLOADS_ROOT = Path(env_str("UPLOADS_ROOT", str(VAR_DIR / "uploads")))
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 10 * 1024 * 1024)

# Where import_billing keeps a copy of every file it loaded, for support.
IMPORT_ARCHIVE_DIR = Path(env_str("IMPORT_ARCHIVE_DIR", str(VAR_DIR / "imports")))

# The rate limiter's counters (SMS, login, linking, captcha replay, creation limits) must be shared
# by every worker: in the cache named here when it is Redis (the default with REDIS_URL), in the
# database table core_ratecounter when empty (the default without Redis). A per-process cache
# would multiply every limit by the number of workers; production refuses it (core.checks).
RATELIMIT_CACHE = (
    "" if TESTING else env_str("RATELIMIT_CACHE", "default" if env_str("REDIS_URL") else "")
)

CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
        if TESTING or not env_str("REDIS_URL")
        else {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env_str("REDIS_URL"),
        }
    ),
    # {% cache %} fragments: menus and tabs that depend only on the code, the language and the
    # ids in their keys, and account markup keyed by the data versions of the accounts it shows
    # (billing.versions), which every writer moves in its own transaction, so it is never
    # stale in any process. Each process keeps its own: a Redis round trip would cost about
    # what rendering them does, and a deploy restarts the processes, which empties it. The
    # least recently used entry goes first.
    "template_fragments": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "template-fragments",
        "OPTIONS": {"MAX_ENTRIES": 5000},
    },
}

# Background jobs: a real consumer on SQLite storage by default, Redis in production,
# immediate (in-process) in tests.
HUEY_IMMEDIATE = TESTING or env_bool("HUEY_IMMEDIATE", False)
if env_str("REDIS_URL") and not HUEY_IMMEDIATE:
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": "kabinet",
        "url": env_str("REDIS_URL"),
        "immediate": False,
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "kabinet",
        "filename": str(VAR_DIR / "huey.sqlite3"),
        "immediate": HUEY_IMMEDIATE,
    }
# Chunks of one bill mailing in the queue at a time (documents.services.start_mailing): at least
# the number of huey workers, so every worker has a chunk, and few enough that the sweep can tell
# a lost queue entry from a long queue.
BILL_MAILING_CHUNKS_IN_FLIGHT = env_int("BILL_MAILING_CHUNKS_IN_FLIGHT", 8)

# Notifications: no e-mail or SMS between these hours of the customer's zone (the supplier's);
# what falls inside them goes out at the end. Reminders of the readings window come this many
# days before it closes, and of a debt this many days before the due date.
NOTIFICATIONS_QUIET_START = env_int("NOTIFICATIONS_QUIET_START", 22)
NOTIFICATIONS_QUIET_END = env_int("NOTIFICATIONS_QUIET_END", 8)
NOTIFICATIONS_READINGS_CLOSING_DAYS = env_int("NOTIFICATIONS_READINGS_CLOSING_DAYS", 3)
NOTIFICATIONS_DEBT_DAYS_BEFORE = env_int("NOTIFICATIONS_DEBT_DAYS_BEFORE", 5)

# Providers; the local implementations are the defaults.
SMS_BACKEND = env_choice("SMS_BACKEND", "outbox", {"outbox", "http"})
SMS_GATEWAY_URL = env_str("SMS_GATEWAY_URL")
SMS_GATEWAY_LOGIN = env_str("SMS_GATEWAY_LOGIN")
SMS_GATEWAY_PASSWORD = env_str("SMS_GATEWAY_PASSWORD")
SMS_SENDER = env_str("SMS_SENDER", "Kabinet")
SMS_GATEWAY_TIMEOUT = env_int("SMS_GATEWAY_TIMEOUT", 10)
# SMS caps per hour: every SMS costs money and a code request is an easy thing to abuse.
# When the cache that counts them is down, SMS are refused rather than sent uncounted.
SMS_LIMIT_PER_NUMBER = env_int("SMS_LIMIT_PER_NUMBER", 5)
SMS_LIMIT_PER_IP = env_int("SMS_LIMIT_PER_IP", 20)
SMS_LIMIT_GLOBAL = env_int("SMS_LIMIT_GLOBAL", 500)

EMAIL_BACKEND = {
    "console": "django.core.mail.backends.console.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
}[
    env_choice(
        "EMAIL_BACKEND", "locmem" if TESTING else "file", {"console", "file", "smtp", "locmem"}
    )
]
EMAIL_FILE_PATH = VAR_DIR / "mail"
EMAIL_HOST = env_str("EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Kabinet <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

PAYMENT_PROVIDER = env_choice("PAYMENT_PROVIDER", "sandbox", {"sandbox", "yookassa"})
YOOKASSA_SHOP_ID = env_str("YOOKASSA_SHOP_ID")
YOOKASSA_SECRET_KEY = env_str("YOOKASSA_SECRET_KEY")
YOOKASSA_API_URL = env_str("YOOKASSA_API_URL", "https://api.yookassa.ru/v3")
# The sandbox's test bank page is open in development and tests; in production only when the
# operator chose it explicitly, so a test bank is never open by default.
PAYMENT_SANDBOX_ENABLED = DEBUG or TESTING or os.environ.get("PAYMENT_PROVIDER") == "sandbox"
YOOKASSA_TIMEOUT = env_int("YOOKASSA_TIMEOUT", 10)
YOOKASSA_NOTIFY_NETWORKS = env_list(
    "YOOKASSA_NOTIFY_NETWORKS",
    "185.71.76.0/27,185.71.77.0/27,77.75.153.0/25,77.75.156.11,77.75.156.35,"
    "77.75.154.128/25,2a02:5180::/32",
)
# 54-FZ receipt data is per supplier now (Supplier.receipt_*, set in the admin and staff
# settings). These two are read once, by billing migration 0007, to give existing suppliers
# what the global setting used to send.
YOOKASSA_VAT_CODE = env_int("YOOKASSA_VAT_CODE", 1)
YOOKASSA_AGENT_TYPE = env_str("YOOKASSA_AGENT_TYPE", "payment_agent")
PAYMENT_NOTIFY_LIMIT_PER_MINUTE = env_int("PAYMENT_NOTIFY_LIMIT_PER_MINUTE", 600)
# Wiring, not configuration: the balance pages of billing (below payments in the layering)
# learn which portal payments are not yet in the newest bill from this function of payments.
PENDING_PAYMENTS = "kabinet.payments.pending.pending_payments"

# «Все события» (kabinet/core/timeline.py): the source of each event kind, in the order the
# page's tabs offer them. The page and the API compose the timeline from this list; a new kind
# is one line here and one function in its app's selectors.
TIMELINE_SOURCES = {
    "reading": "kabinet.metering.selectors.reading_events",
    "bill": "kabinet.billing.selectors.bill_events",
    "payment": "kabinet.payments.selectors.payment_events",
    "request": "kabinet.support.selectors.request_events",
    "appeal": "kabinet.support.selectors.appeal_events",
    "document": "kabinet.support.selectors.document_events",
    "notification": "kabinet.notifications.selectors.notification_events",
}

if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Production hardening; `manage.py check --deploy` passes with DEBUG off.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG and not TESTING:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # Load balancers and Prometheus probe each app server directly over plain HTTP; a redirect
    # to HTTPS would read as "down".
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    if not SECURE_HSTS_PRELOAD:
        # Preloading commits the domain and all its subdomains to HTTPS in every browser for
        # months and is slow to undo: the operator's decision, not a check --deploy warning.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]

# Observability. LOG_FORMAT=json writes every log record as one JSON object per line (the
# request lines of kabinet.core.observability carry request id, user id, method, path, status
# and duration); plain is for a terminal.
LOG_FORMAT = env_choice("LOG_FORMAT", "plain", {"plain", "json"})
# /metrics answers a scraper that sends "Authorization: Bearer <METRICS_TOKEN>" or comes from one
# of these addresses or networks (REMOTE_ADDR, as nginx passes it to gunicorn).
METRICS_TOKEN = env_str("METRICS_TOKEN")
METRICS_ALLOWED_IPS = env_list("METRICS_ALLOWED_IPS", "127.0.0.1,::1")

# The reverse proxies (nginx) whose X-Real-IP header names the client: addresses or networks,
# comma-separated. Empty (the default): REMOTE_ADDR is the client, as with no proxy.
TRUSTED_PROXY_IPS = env_list("TRUSTED_PROXY_IPS")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "kabinet.core.observability.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # One line per request is what the JSON log is for; on a terminal runserver prints its
        # own, so the plain format leaves them out unless LOG_REQUESTS=1.
        "kabinet.requests": {
            "level": "INFO"
            if LOG_FORMAT == "json" or env_bool("LOG_REQUESTS", False)
            else "WARNING"
        },
    },
}
