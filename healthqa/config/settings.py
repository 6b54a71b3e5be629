"""Django settings, built from the declared HEALTHQA_* environment settings."""

from __future__ import annotations

import secrets
from pathlib import Path

from healthqa.config.declared import setting

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(setting("HEALTHQA_DATA_DIR"))


def _secret_key() -> str:
    configured = setting("HEALTHQA_SECRET_KEY")
    if configured:
        return configured
    key_file = DATA_DIR / "secret_key"
    try:
        return key_file.read_text().strip()
    except FileNotFoundError:
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(50)
        key_file.write_text(key)
        key_file.chmod(0o600)
        return key


SECRET_KEY = _secret_key()
DEBUG = setting("HEALTHQA_DEBUG") == "1"
ALLOWED_HOSTS = [h.strip() for h in setting("HEALTHQA_ALLOWED_HOSTS").split(",") if h.strip()]
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

ROOT_URLCONF = "healthqa.config.urls"
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
                "healthqa.kb.context.site",
            ],
        },
    },
]


def _database() -> dict[str, object]:
    url = setting("HEALTHQA_DATABASE_URL")
    if not url or url.startswith("sqlite"):
        path = url.split("sqlite:///", 1)[1] if url.startswith("sqlite:///") else ""
        name = Path(path) if path else DATA_DIR / "healthqa.sqlite3"
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

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"healthqa": {"handlers": ["console"], "level": setting("HEALTHQA_LOG_LEVEL")}},
}
