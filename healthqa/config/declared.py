"""Every setting healthqa reads from the environment, declared once with its default and help."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    help: str

    def read(self) -> str:
        """The value from the environment, or the default."""
        return os.environ.get(self.name, self.default)


DATA_DIR_DEFAULT = str(Path.cwd() / "var")

SETTINGS: tuple[Setting, ...] = (
    Setting("HEALTHQA_DATA_DIR", DATA_DIR_DEFAULT,
            "Folder for the SQLite database and other local state."),
    Setting("HEALTHQA_DATABASE_URL", "",
            "Database URL: empty means SQLite at $HEALTHQA_DATA_DIR/healthqa.sqlite3; "
            "sqlite:///path or postgresql://user:password@host:port/name (with pgvector)."),
    Setting("HEALTHQA_SECRET_KEY", "",
            "Django secret key; empty generates one and keeps it in the data folder."),
    Setting("HEALTHQA_DEBUG", "0", "1 turns on Django's debug mode (never in production)."),
    Setting("HEALTHQA_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver",
            "Comma-separated host names the site answers to."),
    Setting("HEALTHQA_HTTPS", "0",
            "1 when the site is served over HTTPS (behind a proxy that sets X-Forwarded-Proto): "
            "redirects HTTP to HTTPS, secure cookies, HSTS for a year including subdomains "
            "(not preload)."),
    Setting("HEALTHQA_CSRF_TRUSTED_ORIGINS", "",
            "Comma-separated origins trusted for form posts, each with its scheme, "
            "e.g. https://qa.example.org; empty trusts only the site's own host."),
    Setting("HEALTHQA_SITE_NAME", "healthqa", "Name shown in the page header and titles."),
    Setting("HEALTHQA_PAGE_SIZE", "20", "Questions per page on category and search pages."),
    Setting("HEALTHQA_API_MAX_PAGE_SIZE", "100", "Largest page size the JSON API accepts."),
    Setting("HEALTHQA_ENCODER", "minilm-onnx",
            "Sentence encoder: minilm-onnx (default), minilm-torch, or hashing (tests only)."),
    Setting("HEALTHQA_MODEL_DIR", "",
            "Folder for the model graph exported once from the packaged weights (90 MB), "
            "shared by every data folder; empty means $XDG_CACHE_HOME/healthqa/models "
            "(~/.cache/healthqa/models)."),
    Setting("HEALTHQA_LOG_LEVEL", "INFO", "Log level for the healthqa loggers."),
    Setting("HEALTHQA_LOG_FORMAT", "plain",
            "Log lines on standard error: plain (for a terminal) or json (one JSON object per "
            "line, for a log collector); each carries its request's id."),
    Setting("HEALTHQA_METRICS_ALLOW", "127.0.0.1,::1",
            "Comma-separated IP addresses or networks (CIDR) that may read /metrics; others "
            "get 404, and so does any request forwarded by a proxy."),
    Setting("HEALTHQA_SITE_URL", "http://127.0.0.1:8000",
            "The site's public address, for links in e-mails and feeds."),
    Setting("HEALTHQA_SIGNUP", "1", "1 lets anyone sign up as a member; 0 closes sign-up."),
    Setting("HEALTHQA_EMAIL_HOST", "",
            "SMTP server for notifications and password resets; empty prints e-mails to the "
            "server's console instead."),
    Setting("HEALTHQA_EMAIL_PORT", "587", "SMTP port."),
    Setting("HEALTHQA_EMAIL_USER", "", "SMTP user name."),
    Setting("HEALTHQA_EMAIL_PASSWORD", "", "SMTP password."),
    Setting("HEALTHQA_EMAIL_TLS", "1", "1 uses STARTTLS with the SMTP server."),
    Setting("HEALTHQA_EMAIL_FROM", "healthqa@localhost", "Sender address of e-mails."),
)


def setting(name: str) -> str:
    """The current value of a declared setting."""
    for s in SETTINGS:
        if s.name == name:
            return s.read()
    raise KeyError(f"{name} is not a declared healthqa setting")
