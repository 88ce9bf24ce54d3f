"""The one place that reads the environment.

Every setting reunify has comes from a ``REUNIFY_*`` variable read here, once, at import.
Outside development a default secret is refused: the process will not start.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

_ENV = os.environ

DEVELOPMENT_SECRET_KEY = "reunify-development-only-not-secret"  # noqa: S105 - refused outside dev

#: ``development`` (the default, embedded SQLite) or ``production``.
ENVIRONMENT = _ENV.get("REUNIFY_ENV", "development").strip().lower()
if ENVIRONMENT not in {"development", "production"}:
    raise ImproperlyConfigured(
        f"REUNIFY_ENV={ENVIRONMENT!r}: expected 'development' or 'production'"
    )
DEVELOPMENT = ENVIRONMENT == "development"

SECRET_KEY = _ENV.get("REUNIFY_SECRET_KEY", DEVELOPMENT_SECRET_KEY)
if not DEVELOPMENT and (SECRET_KEY == DEVELOPMENT_SECRET_KEY or len(SECRET_KEY) < 50):
    raise ImproperlyConfigured(
        "REUNIFY_SECRET_KEY must be set to a random value of at least 50 characters "
        "outside development (REUNIFY_ENV=production)"
    )


def _int_setting(name: str, default: str) -> int:
    text = _ENV.get(name, default).strip() or default
    if not text.isdigit() or int(text) > 16:
        raise ImproperlyConfigured(f"{name}={text!r}: expected a whole number from 0 to 16")
    return int(text)


def _origins(name: str) -> list[str]:
    found = []
    for origin in (o.strip() for o in _ENV.get(name, "").split(",")):
        if not origin:
            continue
        parts = urlsplit(origin)
        if parts.scheme not in {"https", "http"} or not parts.netloc or parts.path.strip("/"):
            raise ImproperlyConfigured(
                f"{name}: {origin!r} is not an origin (expected https://HOST[:PORT])")
        if not DEVELOPMENT and parts.scheme != "https":
            raise ImproperlyConfigured(f"{name}: {origin!r} must be https:// in production")
        found.append(f"{parts.scheme}://{parts.netloc}")
    return found


DEBUG = DEVELOPMENT and _ENV.get("REUNIFY_DEBUG", "0") == "1"

DATABASE_URL = _ENV.get("REUNIFY_DATABASE_URL", "sqlite:///reunify.sqlite3")

#: Where a run keeps its files (trained models, checkpoints keys, exports by default).
DATA_DIR = Path(_ENV.get("REUNIFY_DATA_DIR", ".reunify")).resolve()

#: Fernet keys (comma-separated, newest first) that encrypt secrets kept in the store (TOTP
#: secrets). In development a key is made under DATA_DIR on first use; production needs this.
FIELD_KEYS = [k.strip() for k in _ENV.get("REUNIFY_FIELD_KEY", "").split(",") if k.strip()]
if not DEVELOPMENT and not FIELD_KEYS:
    raise ImproperlyConfigured(
        "REUNIFY_FIELD_KEY must be set outside development (REUNIFY_ENV=production): a Fernet "
        "key, e.g. from python -c 'from cryptography.fernet import Fernet; "
        "print(Fernet.generate_key().decode())'"
    )
for _key in FIELD_KEYS:
    try:
        Fernet(_key)
    except ValueError as _error:
        raise ImproperlyConfigured(
            "REUNIFY_FIELD_KEY: not a Fernet key (32 url-safe base64-encoded bytes)"
        ) from _error

#: The ledger's Ed25519 signing key (PEM file) and HMAC salt; default: under DATA_DIR/ledger/.
LEDGER_KEY_FILE = _ENV.get("REUNIFY_LEDGER_KEY", "")
LEDGER_SALT = _ENV.get("REUNIFY_LEDGER_SALT", "")

#: Where Splink runs: ``duckdb`` (in-process, the default) or ``spark`` (pyspark, local mode).
LINKAGE_BACKEND = _ENV.get("REUNIFY_LINKAGE_BACKEND", "duckdb").strip().lower() or "duckdb"


#: Seconds a request thread keeps its database connection for the next request (0: a new
#: connection per request). Each is checked before reuse (``CONN_HEALTH_CHECKS``), so a
#: restarted or failed-over server costs one reconnect, never an error.
CONN_MAX_AGE = _ENV.get("REUNIFY_DB_CONN_MAX_AGE", "60").strip() or "60"
if not CONN_MAX_AGE.isdigit():
    raise ImproperlyConfigured(
        f"REUNIFY_DB_CONN_MAX_AGE={CONN_MAX_AGE!r}: expected a whole number of seconds")
CONN_MAX_AGE = int(CONN_MAX_AGE)


def parse_database_url(url: str) -> dict:
    """Turn ``sqlite:///PATH`` or ``postgresql://user:pw@host:port/db`` into a DATABASES entry."""
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        # sqlite:///relative/path and sqlite:////absolute/path, as SQLAlchemy spells them.
        path = unquote(url[len("sqlite:///") :]) if url.startswith("sqlite:///") else ""
        if not path:
            raise ImproperlyConfigured(f"REUNIFY_DATABASE_URL={url!r}: expected sqlite:///PATH")
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(Path(path).resolve()) if path != ":memory:" else path,
            "OPTIONS": {
                # A committed batch must survive power loss; checked again at start-up.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
                "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=60000;",
                # Writers take the lock at BEGIN, so two writers never deadlock mid-transaction
                # and ledger appends are serialised.
                "transaction_mode": "IMMEDIATE",
                "timeout": 60,
            },
            # Kept open across requests: no connect and PRAGMAs per request.
            "CONN_MAX_AGE": CONN_MAX_AGE,
            "CONN_HEALTH_CHECKS": True,
            # A file, not memory, so tests see WAL and FULL exactly as production does.
            "TEST": {"NAME": _ENV.get("REUNIFY_TEST_DB_NAME") or str(DATA_DIR / "test.sqlite3")},
        }
    if parts.scheme in {"postgres", "postgresql"}:
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parts.path.lstrip("/")),
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
            # Kept open across requests (a new PostgreSQL connection costs a process on the
            # server and a few ms of the request); checked before each reuse.
            "CONN_MAX_AGE": CONN_MAX_AGE,
            "CONN_HEALTH_CHECKS": True,
            "TEST": {"NAME": _ENV.get("REUNIFY_TEST_DB_NAME") or None},
        }
    raise ImproperlyConfigured(
        f"REUNIFY_DATABASE_URL={url!r}: expected sqlite:///PATH or postgresql://USER@HOST:PORT/DB"
    )


DATABASES = {"default": parse_database_url(DATABASE_URL)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

ALLOWED_HOSTS = [
    h for h in _ENV.get("REUNIFY_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h
]
if DEVELOPMENT:
    ALLOWED_HOSTS.append("testserver")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "reunify.apps.ReunifyConfig",
]

MIDDLEWARE = [
    "reunify.web.operations.RequestIdMiddleware",
    "reunify.web.access.ResponseHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Static files, served by the application process itself (one service: gunicorn) before
    # any session or database work; never django.views.static.serve.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "reunify.web.input_guard.RefuseNulMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "reunify.web.access.AccessMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "reunify.urls"
CSRF_FAILURE_VIEW = "reunify.web.views.errors.csrf_failure"
LOGIN_URL = "sign_in"
WSGI_APPLICATION = "reunify.wsgi.application"

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
            ],
        },
    }
]

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español")]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# No STATIC_ROOT: WhiteNoise reads the package's own static folder (through the finders), so
# there is no collectstatic step.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

#: How many reverse proxies in front of reunify add themselves to X-Forwarded-For (0: none;
#: then reunify is reached directly and no X-Forwarded-* header is believed).
TRUSTED_PROXY_HOPS = _int_setting("REUNIFY_TRUSTED_PROXY_HOPS", "0")
if TRUSTED_PROXY_HOPS:
    # The proxy terminates TLS and says so; it must overwrite (not append to) these headers.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True

#: Origins (scheme://host[:port]) a POST may come from besides the host itself, e.g. the
#: public address of the proxy: ``REUNIFY_CSRF_TRUSTED_ORIGINS=https://reunify.example.org``.
CSRF_TRUSTED_ORIGINS = _origins("REUNIFY_CSRF_TRUSTED_ORIGINS")

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = int(_ENV.get("REUNIFY_SESSION_SECONDS", str(30 * 60)))
# The idle timeout is kept by reunify.web.access.end_idle_session, which writes a session back
# at most once a minute instead of on every request.
SESSION_SAVE_EVERY_REQUEST = False
# Database sessions whose once-a-minute "seen" touch never waits for a write (SQLite).
SESSION_ENGINE = "reunify.web.sessions"
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEVELOPMENT:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = _ENV.get("REUNIFY_SSL_REDIRECT", "1") == "1"
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Uploads larger than Django keeps in memory go to a private folder (swept at start-up).
FILE_UPLOAD_TEMP_DIR = str(DATA_DIR / "uploads")
try:  # Django refuses a temporary folder that does not exist; it must be private
    os.makedirs(FILE_UPLOAD_TEMP_DIR, mode=0o700, exist_ok=True)
except OSError:  # a read-only data folder (an auditor's `ledger verify`): no uploads there
    FILE_UPLOAD_TEMP_DIR = None
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700

#: ``json`` (the default: one object a line, with the request id) or ``text``.
LOG_FORMAT = _ENV.get("REUNIFY_LOG_FORMAT", "json").strip().lower()
#: The bearer token a Prometheus scraper gives for /metrics; /metrics is off without one.
METRICS_TOKEN = _ENV.get("REUNIFY_METRICS_TOKEN", "")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Request paths and headers are logged escaped (JSON escapes them itself): a request
    # cannot forge a line or write NUL.
    "formatters": {"json": {"()": "reunify.web.operations.JsonFormatter"},
                   "text": {"()": "reunify.web.log_lines.LineFormatter",
                            "format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler",
                             "formatter": "json" if LOG_FORMAT == "json" else "text"}},
    "root": {"handlers": ["console"], "level": _ENV.get("REUNIFY_LOG_LEVEL", "WARNING")},
    # One line per request (method, path, status, milliseconds, request id).
    "loggers": {"reunify.requests": {"level": _ENV.get("REUNIFY_REQUEST_LOG_LEVEL", "INFO")}},
}
