"""Project-wide test set-up."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Iterator

import pytest

from tests.pg import on_postgresql, start_throwaway

os.environ.setdefault("HF_HUB_OFFLINE", "1")
# One folder for the exported model graph per test run, shared by the tests and the servers
# they start (so it is exported once), and never the user's own cache.
if "HEALTHQA_MODEL_DIR" not in os.environ:
    os.environ["HEALTHQA_MODEL_DIR"] = tempfile.mkdtemp(prefix="healthqa-test-models-")
    atexit.register(shutil.rmtree, os.environ["HEALTHQA_MODEL_DIR"], ignore_errors=True)
# Unit tests use the small deterministic encoder; the integration tier asks for the model.
os.environ.setdefault("HEALTHQA_ENCODER", "hashing")
# HEALTHQA_TEST_DATABASE=postgresql: the whole suite on PostgreSQL (tests/pg.py). Its URL is
# in the environment for the servers and commands the tests start; this process's settings
# were read before this file (pytest-django loads them first), so the fixture below points
# them at it before the test database is made.
if on_postgresql() and not os.environ.get("HEALTHQA_DATABASE_URL", "").startswith("postgres"):
    os.environ["HEALTHQA_DATABASE_URL"] = start_throwaway()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None) -> Iterator[None]:
    """pytest-django's test database, and before it is dropped the connections that dense
    search opened from the scan pool's threads (on PostgreSQL) closed."""
    yield
    from healthqa.search.hybrid import scan_pool_connections_close

    scan_pool_connections_close()


@pytest.fixture(scope="session")
def django_db_modify_db_settings() -> None:
    """On a PostgreSQL run, the default database as HEALTHQA_DATABASE_URL gives it."""
    from django.conf import settings
    from django.db import connections

    from healthqa.config import settings as product_settings

    if not on_postgresql():
        return
    wanted = product_settings.database_settings(os.environ["HEALTHQA_DATABASE_URL"])
    current = settings.DATABASES["default"]
    if current.get("ENGINE") != wanted["ENGINE"]:
        connections["default"].close()
        current.clear()
        current.update(wanted)
        # Django fills in defaults (TEST, TIME_ZONE...) when it first reads the dict.
        connections.settings = connections.configure_settings(settings.DATABASES)
        del connections["default"]


def pytest_report_header() -> str:
    """Which database this run is on (the suite runs on SQLite, then on PostgreSQL)."""
    return "database: " + ("PostgreSQL (tests/pg.py)" if on_postgresql() else "SQLite")


@pytest.fixture(autouse=True)
def _process_caches_forgotten() -> None:
    """Every test's writes are rolled back at its end, and the ids and index generation
    tokens come back with them: what this process cached from one test's content (the words'
    document frequencies, the vectors in memory) is forgotten before the next."""
    from healthqa.search.backends.common import frequencies_forget
    from healthqa.search.vectors import vector_matrix_forget

    frequencies_forget()
    vector_matrix_forget()
