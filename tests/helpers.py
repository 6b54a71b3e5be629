"""Test helpers: where ../shared lives, and skipping politely without it (never under CI)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.pg import database_fresh, on_postgresql

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED = REPO_ROOT.parent / "shared"


def in_ci() -> bool:
    """True when running under CI, where nothing that needs ../shared may skip."""
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def shared_path(*parts: str) -> Path:
    """A path inside ../shared (which may not exist on a user's machine)."""
    return SHARED.joinpath(*parts)


def require_shared(*parts: str) -> Path:
    """The path inside ../shared, skipping the test without it (failing under CI)."""
    path = shared_path(*parts)
    if not path.exists():
        message = f"needs {path} (the shared data beside the repository)"
        if in_ci():
            pytest.fail(message + "; under CI=true it must be present")
        pytest.skip(message)
    return path


def free_port() -> int:
    """A TCP port on the loopback that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def site_env(data_dir: Path, base: dict[str, str] | None = None, **extra: str
             ) -> dict[str, str]:
    """The environment for a healthqa process with its own data folder and its own empty
    database: SQLite in the folder, or on PostgreSQL runs a fresh database on the test
    server. `base`: the environment to start from (this process's by default)."""
    env = dict(os.environ if base is None else base)
    env["HEALTHQA_DATA_DIR"] = str(data_dir)
    env.pop("HEALTHQA_DATABASE_URL", None)
    if on_postgresql():
        env["HEALTHQA_DATABASE_URL"] = database_fresh(os.environ["HEALTHQA_DATABASE_URL"])
    env.update(extra)
    return env


def healthqa_command() -> list[str]:
    """The `healthqa` command line, run by this interpreter."""
    return [sys.executable, "-m", "healthqa.cli"]


@contextlib.contextmanager
def serve_process(data_dir: Path, env: dict[str, str], *args: str
                  ) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """A real `healthqa serve` over `data_dir` (extra `args` for serve), once its port
    answers: the process and its port. Terminated at the end."""
    port = free_port()
    log_path = data_dir / "serve.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen([*healthqa_command(), "serve", "--port", str(port), *args],
                                env=env, cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                        break
                except OSError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(log_path.read_text()) from None
                    time.sleep(0.2)
            yield proc, port
        finally:
            if proc.poll() is None:
                proc.terminate()
            proc.wait(timeout=30)


@contextlib.contextmanager
def healthqa_serve(data_dir: Path, env: dict[str, str], *args: str) -> Iterator[str]:
    """A real `healthqa serve` over `data_dir` (extra `args` for serve): its base URL."""
    with serve_process(data_dir, env, *args) as (_, port):
        yield f"http://127.0.0.1:{port}"


