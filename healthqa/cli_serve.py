"""What `healthqa serve` needs besides waitress: the static files collected, and gunicorn.

A module of its own, beside healthqa.cli, because the layers keep the CLI and healthqa.web
independent: nothing here imports healthqa.web (the storage is named in the settings).
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from gunicorn.app.base import BaseApplication

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

# Requests still running when the server is told to stop get this long to finish before
# their worker is killed: less than the 10 s Docker waits between SIGTERM and SIGKILL.
GRACEFUL_TIMEOUT = 8


def _static_sources() -> dict[str, float]:
    """Each static file collectstatic would copy, by its name under STATIC_URL: its mtime."""
    from django.apps import apps
    from django.contrib.staticfiles import finders

    ignore = apps.get_app_config("staticfiles").ignore_patterns  # type: ignore[attr-defined]
    found: dict[str, float] = {}
    for finder in finders.get_finders():
        for path, storage in finder.list(ignore):
            prefix = getattr(storage, "prefix", None)
            name = path.replace(os.sep, "/")
            # The first finder to give a name wins, as in collectstatic.
            found.setdefault(f"{prefix}/{name}" if prefix else name,
                             os.stat(storage.path(path)).st_mtime)
    return found


def static_stale() -> bool:
    """True when the manifest is missing, names other files than the packages have now, or
    is older than one of them (an upgrade, or an edit in a working copy)."""
    from django.conf import settings
    from django.utils.module_loading import import_string

    # Read from the class: an instance would load the manifest now, and keep it once another
    # process has written a new one.
    storage_class = import_string(settings.STORAGES["staticfiles"]["BACKEND"])
    manifest_name = getattr(storage_class, "manifest_name", None)
    if manifest_name is None:  # a storage without a manifest: nothing to keep up to date
        return False
    manifest = Path(settings.STATIC_ROOT) / manifest_name
    try:
        collected_at = manifest.stat().st_mtime
        collected = set(json.loads(manifest.read_text(encoding="utf-8"))["paths"])
    except (OSError, ValueError, KeyError, TypeError):
        return True
    sources = _static_sources()
    return collected != set(sources) or max(sources.values(), default=0.0) > collected_at


@contextlib.contextmanager
def _folder_locked(folder: Path) -> Iterator[None]:
    """An exclusive lock on `folder` between processes (none where there is no flock)."""
    try:
        import fcntl
    except ImportError:
        yield
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # and with it the lock


def static_collect() -> bool:
    """Collect the static files into STATIC_ROOT (hashed names, gzip copies, the manifest)
    if they are stale: True if they were. A collection takes under a second, finding them
    current about 10 ms."""
    from django.conf import settings
    from django.core.management import call_command

    if not static_stale():
        return False
    root = Path(settings.STATIC_ROOT)
    root.mkdir(parents=True, exist_ok=True)
    # Several `healthqa serve` may start at once on one data folder: one collects, the others
    # wait for it, then find the files current.
    with _folder_locked(root):
        if not static_stale():
            return False
        call_command("collectstatic", interactive=False, verbosity=0)
    return True


def forwarded_proto_trusted(app: WSGIApp, trusted_proxy: str | None) -> WSGIApp:
    """`app`, seeing X-Forwarded-Proto only from `trusted_proxy` (None: from no one), as
    under waitress. gunicorn's forwarded_allow_ips guards the URL scheme it reports, but it
    passes the header on from anyone, and Django believes the header itself
    (SECURE_PROXY_SSL_HEADER): a client that reaches the server directly could claim HTTPS.
    The other X-Forwarded-* headers are left for /metrics to refuse proxied requests by."""

    def trusted(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if trusted_proxy is None or trusted_proxy not in ("*", environ.get("REMOTE_ADDR")):
            environ.pop("HTTP_X_FORWARDED_PROTO", None)
        return app(environ, start_response)

    return trusted


class HealthqaGunicorn(BaseApplication):
    """gunicorn configured from `healthqa serve`'s options alone (no config file, no
    GUNICORN_CMD_ARGS), loading the site in each worker."""

    def __init__(self, options: dict[str, Any], trusted_proxy: str | None) -> None:
        self.options = options
        self.trusted_proxy = trusted_proxy
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> WSGIApp:
        # Runs in each worker after the fork (preload_app is off): the encoder's ONNX Runtime
        # and its threads start there, never in the parent the workers are forked from.
        from healthqa.config.wsgi import application

        return forwarded_proto_trusted(application, self.trusted_proxy)


@contextlib.contextmanager
def metrics_shared() -> Iterator[None]:
    """prometheus-client's multiprocess mode for the workers: each writes its counts to files
    in one folder (PROMETHEUS_MULTIPROC_DIR; a fresh one unless the operator names one), and
    whichever worker answers /metrics adds them all up. Set before any worker imports
    prometheus-client, which reads it then."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        yield
        return
    with tempfile.TemporaryDirectory(prefix="healthqa-metrics-") as folder:
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder
        try:
            yield
        finally:
            del os.environ["PROMETHEUS_MULTIPROC_DIR"]


def _worker_exited(server: Any, worker: Any) -> None:
    """gunicorn's child_exit hook: a worker's live gauges stop counting (its counters stay)."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def gunicorn_serve(*, host: str, port: int, workers: int, threads: int,
                   trusted_proxy: str | None) -> None:
    """Serve with gunicorn: `workers` processes of `threads` threads each, until SIGTERM or
    SIGINT. `trusted_proxy` (with HEALTHQA_HTTPS=1) is the address whose X-Forwarded-Proto
    is believed."""
    options: dict[str, Any] = {
        "bind": [f"[{host}]:{port}" if ":" in host else f"{host}:{port}"],
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        "preload_app": False,
        "forwarded_allow_ips": trusted_proxy or "",
        "secure_scheme_headers": {"X-FORWARDED-PROTO": "https"} if trusted_proxy else {},
        "accesslog": None,  # healthqa logs each request itself (healthqa.web.request_logs)
        "graceful_timeout": GRACEFUL_TIMEOUT,
        # Else every gunicorn of this user shares one control socket in ~/.gunicorn.
        "control_socket_disable": True,
        "proc_name": "healthqa",
        "child_exit": _worker_exited,
    }
    with metrics_shared():
        HealthqaGunicorn(options, trusted_proxy).run()
