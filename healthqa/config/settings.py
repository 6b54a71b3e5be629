"""Django settings, built from the declared HEALTHQA_* environment settings."""

from __future__ import annotations

import base64
import hashlib
import os
import re
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from healthqa.config.declared import setting
from healthqa.config.observability import logging_config, metrics_allow

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(setting("HEALTHQA_DATA_DIR"))
# The data folder holds the secret key and the database: only its owner may enter it. The
# mode applies when we create it; an existing folder keeps the modes its owner gave it.
DATA_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)


def _create_private(path: Path) -> int:
    """A new file only its owner can read and write (0600 from creation): its descriptor."""
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)


def _secret_key() -> str:
    configured = setting("HEALTHQA_SECRET_KEY")
    if configured:
        return configured
    key_file = DATA_DIR / "secret_key"
    try:
        return key_file.read_text().strip()
    except FileNotFoundError:
        pass
    # Several processes may start at once on a new data folder: each writes its key to a
    # private temporary file, and os.link publishes it whole under the final name only if no
    # key is there yet. The first link wins; the others read the winner's key.
    key = secrets.token_urlsafe(50)
    tmp = DATA_DIR / f".secret_key.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    fd = _create_private(tmp)
    try:
        with os.fdopen(fd, "w") as f:
            f.write(key)
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(tmp, key_file)
        except FileExistsError:
            return key_file.read_text().strip()
        return key
    finally:
        tmp.unlink(missing_ok=True)


SECRET_KEY = _secret_key()
DEBUG = setting("HEALTHQA_DEBUG") == "1"
ALLOWED_HOSTS = [h.strip() for h in setting("HEALTHQA_ALLOWED_HOSTS").split(",") if h.strip()]


def _is_origin(value: str) -> bool:
    try:
        return value.startswith(("http://", "https://")) and bool(urlsplit(value).netloc)
    except ValueError:  # e.g. an unclosed [IPv6 address
        return False


def trusted_origins(value: str) -> list[str]:
    """HEALTHQA_CSRF_TRUSTED_ORIGINS as a list; each origin must name its scheme."""
    origins = [o.strip() for o in value.split(",") if o.strip()]
    for origin in origins:
        if not _is_origin(origin):
            raise ImproperlyConfigured(
                f"HEALTHQA_CSRF_TRUSTED_ORIGINS: {origin!r} is not an origin; write each one "
                "with its scheme and host, e.g. https://qa.example.org"
            )
    return origins


CSRF_TRUSTED_ORIGINS = trusted_origins(setting("HEALTHQA_CSRF_TRUSTED_ORIGINS"))

# HEALTHQA_HTTPS=1: the site is served over HTTPS, by a reverse proxy that terminates TLS and
# says so in X-Forwarded-Proto (the proxy must set or overwrite that header on every request).
HTTPS = setting("HEALTHQA_HTTPS") == "1"
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 365 * 24 * 60 * 60
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # Preload is left off on purpose: joining the browsers' preload list binds every
    # subdomain to HTTPS for months and is hard to undo, so it is the operator's decision.
    SILENCED_SYSTEM_CHECKS = ["security.W021"]
    # A load balancer's probes and a Prometheus scraper reach the app directly, over HTTP:
    # redirected to HTTPS they would fail.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]

SITE_NAME = setting("HEALTHQA_SITE_NAME")
PAGE_SIZE = int(setting("HEALTHQA_PAGE_SIZE"))
API_MAX_PAGE_SIZE = int(setting("HEALTHQA_API_MAX_PAGE_SIZE"))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "reversion",
    # ninja in INSTALLED_APPS makes /api/v1/docs use its bundled Swagger UI from /static/
    # instead of a CDN (ninja.openapi.docs.render_template): no third-party requests.
    "ninja",
    "axes",
    "healthqa.kb",
    "healthqa.search",
    "healthqa.community",
    "healthqa.web",
]

MIDDLEWARE = [
    # First, so every response has an X-Request-ID and a log line, and the time is the whole
    # request's: the request id (healthqa.web.request_logs), then the Prometheus metrics.
    "healthqa.web.request_logs.RequestIdMiddleware",
    "healthqa.web.metrics.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "healthqa.web.content_security.CSPMiddleware",  # Content-Security-Policy (below)
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as its documentation asks: refuses sign-ins after too many failures.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "healthqa.web.urls"
WSGI_APPLICATION = "healthqa.config.wsgi.application"

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
                "healthqa.web.context.site",
            ],
        },
    },
]


def database_settings(url: str) -> dict[str, object]:
    """Django's DATABASES entry for HEALTHQA_DATABASE_URL (empty: SQLite in the data folder)."""
    if not url or url.startswith("sqlite"):
        path = url.split("sqlite:///", 1)[1] if url.startswith("sqlite:///") else ""
        name = Path(path) if path else DATA_DIR / "healthqa.sqlite3"
        if not path:
            # Create the default database file empty (a valid SQLite database) and readable
            # by its owner only, before SQLite would create it with the umask's modes; its
            # -wal and -shm files take their modes from it. An existing file is left alone.
            try:
                os.close(_create_private(name))
            except FileExistsError:
                pass
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": name,
            # WAL lets readers go on while the importer writes; IMMEDIATE avoids
            # "database is locked" upgrades from read to write transactions.
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                    " PRAGMA foreign_keys=ON; PRAGMA cache_size=-65536;"
                ),
            },
        }
    return _postgresql(url)


def _postgresql(url: str) -> dict[str, object]:
    """A PostgreSQL URL (postgresql://user:password@host:port/name, or a socket folder as
    ?host=/path): psycopg 3, connections kept for a minute and checked before reuse."""
    import dj_database_url

    try:
        config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    except ValueError as exc:
        raise ImproperlyConfigured(f"HEALTHQA_DATABASE_URL: {exc}") from None
    if config.get("ENGINE") != "django.db.backends.postgresql":
        raise ImproperlyConfigured(
            f"HEALTHQA_DATABASE_URL={_url_shown(url)}: healthqa runs on SQLite (sqlite:///path) "
            "or PostgreSQL (postgresql://user:password@host:port/name)"
        )
    options = dict(config.get("OPTIONS") or {})
    # pgvector's HNSW search looks at ef_search candidates: the hybrid asks for 100, so the
    # default 40 would cut its recall; with filters, iterative scans go on until enough rows
    # pass them (placeholders until the extension loads, so valid before it is created).
    # A page's queries are short: with the default page costs (made for spinning disks) and
    # parallel workers, a full-text query of many OR'ed words was planned as a parallel scan
    # of every row's tsvector (120 ms) instead of the GIN index (a few ms).
    options.setdefault("options", "-c hnsw.ef_search=200 -c hnsw.iterative_scan=relaxed_order"
                                  " -c random_page_cost=1.1 -c max_parallel_workers_per_gather=0")
    config["OPTIONS"] = options
    return dict(config)


def _url_shown(url: str) -> str:
    """The URL without its password (for error messages)."""
    return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)


DATABASES = {"default": database_settings(setting("HEALTHQA_DATABASE_URL"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# "default" is each process's own memory: only for what a process may keep to itself.
# "shared" is a table in the database (created by `healthqa init`, `serve` and every other
# command that migrates): what all worker processes must count together, the rate limits'
# counters. (django-axes counts failed sign-ins in its own tables, AxesDatabaseHandler.)
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "shared": {
        "BACKEND": "healthqa.web.counter_cache.CounterCache",
        "LOCATION": "healthqa_shared_cache",
        # Above this many rows, the expired ones are deleted when a counter is added.
        "OPTIONS": {"MAX_ENTRIES": 10_000},
    },
}
RATELIMIT_USE_CACHE = "shared"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# ---- Accounts -------------------------------------------------------------------------------
# Argon2 (argon2-cffi) hashes new passwords; PBKDF2 still reads hashes made before it.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses a locked-out username/address before the password check.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Five failed sign-ins for one username from one address lock that pair out for 15 minutes.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "web/account/locked.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:my-questions"
LOGOUT_REDIRECT_URL = "web:home"
SIGNUP_OPEN = setting("HEALTHQA_SIGNUP") == "1"
HEALTHQA_SITE_URL = setting("HEALTHQA_SITE_URL")
# Rate limits (django-ratelimit) per account and per address: "count/period".
RATELIMIT_VIEW = "healthqa.web.limits.limited"
HEALTHQA_RATES = {
    "signup": "5/h",
    "login": "20/h",
    "send_question": "10/h",
    "answer": "30/h",
    "mark_helpful": "60/h",
    "flag": "20/h",
    "password_reset": "5/h",
}

# E-mail: printed on the server's console unless an SMTP server is set.
DEFAULT_FROM_EMAIL = setting("HEALTHQA_EMAIL_FROM")
if setting("HEALTHQA_EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = setting("HEALTHQA_EMAIL_HOST")
    EMAIL_PORT = int(setting("HEALTHQA_EMAIL_PORT"))
    EMAIL_HOST_USER = setting("HEALTHQA_EMAIL_USER")
    EMAIL_HOST_PASSWORD = setting("HEALTHQA_EMAIL_PASSWORD")
    EMAIL_USE_TLS = setting("HEALTHQA_EMAIL_TLS") == "1"
    EMAIL_TIMEOUT = 10
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
# ---------------------------------------------------------------------------------------------

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
# `healthqa serve` and `healthqa demo` collect the static files into STATIC_ROOT under names
# carrying a hash of their content, with a manifest, when it is missing or older than the
# package's files; `{% static %}` then gives the hashed names and whitenoise serves them as
# immutable. A file not collected (the tests collect nothing) keeps its plain name and is
# served from the package (WHITENOISE_USE_FINDERS). The folder is made here so whitenoise
# does not warn about it before the first collection.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "healthqa.web.static_storage.HashedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000_000

# --- Content-Security-Policy (django-csp) -----------------------------------------------------
# The pages load only this site's own files, run no inline script and are framed by no one.
# The inline stylesheets, base.html's <style>{% include "web/site.css" %}</style> and the
# working pages' web/desk.css, are allowed by the sha256 of their text; style="" attributes
# are not allowed (none are used).
# healthqa.web.content_security.CSPMiddleware (in MIDDLEWARE) sends the policy and adds to it
# for the views named in CONTENT_SECURITY_POLICY_VIEW_UPDATES. See docs/configuration.md.


def inline_style_hash(path: Path) -> str:
    """The CSP source that allows `path` rendered as the text of an inline <style>."""
    css = path.read_text(encoding="utf-8")  # newlines as the template loader reads them
    # The file is rendered by {% include %}: plain text comes out byte for byte (autoescape
    # applies to variables only), but template syntax would change the text and its hash.
    if any(mark in css for mark in ("{{", "{%", "{#")):
        raise ImproperlyConfigured(
            f"{path} contains template syntax: its hash would not match the served <style>"
        )
    digest = hashlib.sha256(css.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


SITE_CSS_HASH = inline_style_hash(BASE_DIR / "web" / "templates" / "web" / "site.css")
# The working pages' own stylesheet, inlined by them only (web/desk_base.html).
DESK_CSS_HASH = inline_style_hash(BASE_DIR / "web" / "templates" / "web" / "desk.css")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],  # web/suggest.js; JSON-LD data blocks are not executed
        "style-src": [SITE_CSS_HASH, DESK_CSS_HASH],
        "img-src": ["'self'", "data:"],  # the favicon is data:
        "font-src": ["'self'"],
        "connect-src": ["'self'"],  # suggest.js fetches /api/v1/suggest
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    },
}
# Sources added to the policy above for some views, by URL namespace (every view in it) or
# "namespace:url_name". Both load their stylesheets from /static/; neither needs inline script
# (Django 5.2's admin has one inline <style>, on a change list with no actions: none here).
CONTENT_SECURITY_POLICY_VIEW_UPDATES: dict[str, dict[str, list[str]]] = {
    "admin": {"style-src": ["'self'"]},
    "api:openapi-view": {"style-src": ["'self'"]},  # Swagger UI (ninja's bundled files)
}
# --- end of Content-Security-Policy -----------------------------------------------------------

# One handler on stderr for healthqa's own loggers (one line per request from healthqa.request;
# the API logs its 500s under healthqa.) and for django.request, which logs every page's 500
# with its traceback: without it, with DEBUG off Django only mails them to ADMINS, which is
# empty. Plain lines or JSON (HEALTHQA_LOG_FORMAT), each with its request's id.
LOGGING = logging_config(log_format=setting("HEALTHQA_LOG_FORMAT"),
                         level=setting("HEALTHQA_LOG_LEVEL"))

# Who may read /metrics (healthqa.web.metrics): these addresses, when not forwarded by a proxy.
METRICS_ALLOW = metrics_allow(setting("HEALTHQA_METRICS_ALLOW"))
