"""The search backends: one protocol, one module per database, chosen once here.

A backend owns all of its database's search SQL: the full-text schema, ranking, snippets,
suggestions and keeping its index in step, and how vectors are stored and searched. Adding a
database is its module and one line in BACKENDS; nothing else in healthqa asks which database
it runs on.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Protocol

import numpy as np
from django.core.exceptions import ImproperlyConfigured
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

from healthqa.search.types import Hit, SearchFilters, VectorView


class LexicalBackend(Protocol):
    """Full-text search over questions (title, focus, question text and answers)."""

    # What scoring a matching row costs against FTS5's (the engine's budgets are in FTS5
    # rows); the hybrid's lexical leg divides its budget by it.
    row_cost: int
    # How it ranks, in a line (evaluation reports say what their figures were measured with).
    ranking: str

    def search(self, query: str, *, k: int, filters: SearchFilters | None, budget: int
               ) -> list[Hit]:
        """BM25 hits, best first; `budget`: rows scored at most (0: no bound)."""
        ...

    def snippets(self, query: str, question_ids: Sequence[int], *, tokens: int = 24
                 ) -> dict[int, str]:
        """Text around the query's words in each question's answers, matches between
        search.text.MARK_OPEN and MARK_CLOSE (not escaped)."""
        ...

    def suggest(self, words: Sequence[str], partial: str, *, every_word: bool, limit: int
                ) -> list[tuple[str, str]]:
        """(slug, title) of published questions whose titles hold the words (all, or any)
        and a word starting with `partial`, best first."""
        ...

    def index(self, *, question_ids: Iterable[int]) -> int:
        """Write (or rewrite) these questions' rows from the database; returns rows."""
        ...

    def remove(self, *, question_ids: Iterable[int]) -> None:
        """Drop these questions from the index."""
        ...

    def clear(self) -> None:
        """Empty the index (before a full rebuild)."""
        ...

    def indexed_count(self) -> int:
        """How many questions the index holds rows for."""
        ...

    def schema_create(self, schema_editor: BaseDatabaseSchemaEditor) -> None:
        """Create the index's tables (from a migration)."""
        ...

    def schema_drop(self, schema_editor: BaseDatabaseSchemaEditor) -> None:
        """Drop them (the migration's reverse)."""
        ...

    def files_folder(self) -> Path | None:
        """A folder for files kept beside the database (the HNSW graph), or None."""
        ...

    def vectors_store(self, values: Sequence[tuple[int, bytes, str]], vectors: np.ndarray
                      ) -> None:
        """Write (question id, float32 bytes, content hash) rows (`vectors`: the same as an
        array), replacing older ones, with whatever the database searches them by."""
        ...

    def statistics_refresh(self) -> None:
        """After a bulk write: let the query planner see the tables' new sizes."""
        ...

    def bulk_write(self) -> AbstractContextManager[None]:
        """Around writing many questions' rows and vectors (an import, a reindex): whatever
        makes that cheaper than writing them batch by batch into the indexes that search
        them."""
        ...

    def dense_view(self, filters: SearchFilters | None) -> VectorView | None:
        """Dense search run by the database, or None: each process scans the vectors it
        holds in memory (healthqa.search.dense)."""
        ...


# The registration: the database Django reports for a connection -> its backend's class.
BACKENDS = {
    "sqlite": "healthqa.search.backends.sqlite.SqliteBackend",
    "postgresql": "healthqa.search.backends.postgresql.PostgresqlBackend",
}


# One backend per database alias, built on first use: it holds only the alias, so every thread
# shares it (suggestions ask for it on every pause in typing).
_built: dict[str, LexicalBackend] = {}


def lexical_backend(connection: BaseDatabaseWrapper | None = None) -> LexicalBackend:
    """The backend of this connection's database (the default connection when None)."""
    connection = connection or connections["default"]
    backend = _built.get(connection.alias)
    if backend is None:
        backend = _built[connection.alias] = _backend_build(connection)
    return backend


def _backend_build(connection: BaseDatabaseWrapper) -> LexicalBackend:
    path = BACKENDS.get(connection.vendor)
    if path is None:
        raise ImproperlyConfigured(
            f"healthqa has no full-text search backend for {connection.display_name}; "
            f"it supports: {', '.join(sorted(BACKENDS))}"
        )
    module, name = path.rsplit(".", 1)
    # Built with the alias, not the connection: Django's connections belong to one thread.
    backend: LexicalBackend = getattr(importlib.import_module(module), name)(connection.alias)
    return backend
