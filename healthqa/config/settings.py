"""Django settings, built from the declared HEALTHQA_* environment settings."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from healthqa.config.declared import setting

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
    "healthqa.kb",
    "healthqa.search",
    "healthqa.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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


def _database() -> dict[str, object]:
    url = setting("HEALTHQA_DATABASE_URL")
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
    raise ValueError(
        f"HEALTHQA_DATABASE_URL={url!r}: only sqlite:/// URLs are supported in this version"
    )


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
# Static files are served from the packages (WHITENOISE_USE_FINDERS); the folder only has to
# exist for `manage collectstatic` and so whitenoise does not warn about it.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000_000

# One handler on stderr for healthqa's own loggers (the API logs its 500s under healthqa.)
# and for django.request, which logs every page's 500 with its traceback: without it, with
# DEBUG off Django only mails them to ADMINS, which is empty, so they went nowhere.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "healthqa": {"handlers": ["console"], "level": setting("HEALTHQA_LOG_LEVEL")},
        # propagate off: Django's own "django" console handler would print it again in DEBUG.
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
    },
}
