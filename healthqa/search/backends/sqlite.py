"""The SQLite backend: FTS5 and BM25 over title, focus, question and answers. All of healthqa's
FTS5 SQL lives here (schema, search, snippets, suggestions, index upkeep)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from pathlib import Path

import numpy as np
from django.db import connection as default_connection
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

from healthqa.kb.models import Question
from healthqa.search.backends.common import (
    best_published,
    doc_frequency,
    filter_sql,
    frequencies_forget,
    index_rows,
    overfetch,
    words_within_budget,
)
from healthqa.search.text import MARK_CLOSE, MARK_OPEN, query_words
from healthqa.search.types import Hit, SearchFilters

# Placeholders are %s, Django's style: its cursor turns them into SQLite's "?", and its debug
# cursor (DEBUG, tests that count queries) can only print statements written that way.
TABLE = "search_fts"
VECTORS = "search_questionvector"
_Q = Question._meta.db_table
# Column weights for bm25(), in table order (title, focus, question, answers). The title and
# focus say what a question is about; answers are long and mention many things in passing.
# Nine other settings tried on the dev set did no better (docs/evaluation.md).
WEIGHTS = (6.0, 8.0, 2.0, 1.0)
CREATE_SQL = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {TABLE} USING fts5("
    "title, focus, body, answers, tokenize = 'porter unicode61 remove_diacritics 2')"
)


def fts_query(text: str) -> str:
    """An FTS5 MATCH expression: any of the query's content words (quoted, so never syntax)."""
    words = query_words(text)
    return " OR ".join(f'"{w}"' for w in words)


def _doc_frequency(connection: BaseDatabaseWrapper, word: str, *, cap: int) -> int:
    """How many rows contain the word (counted up to cap + 1), cached for a while."""
    def count() -> int:
        with connection.cursor() as cur:
            cur.execute(f"SELECT COUNT(*) FROM (SELECT 1 FROM {TABLE} WHERE {TABLE} MATCH %s "
                        "LIMIT %s)", [f'"{word}"', cap + 1])
            return int(cur.fetchone()[0])

    return doc_frequency((connection.alias, word), count)


def lexical_frequencies_forget() -> None:
    """Forget the cached document frequencies (tests)."""
    frequencies_forget()


def fts_query_bounded(text: str, *, budget: int,
                      connection: BaseDatabaseWrapper | None = None) -> str:
    """fts_query() restricted to the query's rarest words, within the budget of rows scored."""
    connection = connection or default_connection
    kept = words_within_budget(
        query_words(text), budget=budget,
        frequency=lambda word, cap: _doc_frequency(connection, word, cap=cap))
    return " OR ".join(f'"{w}"' for w in kept)


# Suggestions rank titles alone: BM25 with every column but the title weighted 0.
_SUGGEST_SQL = (
    f"SELECT q.slug, q.title FROM {TABLE} f JOIN {_Q} q ON q.id = f.rowid "
    f"WHERE {TABLE} MATCH %s AND q.status = 'published' "
    f"ORDER BY bm25({TABLE}, 1.0, 0.0, 0.0, 0.0), length(q.title), q.id LIMIT %s"
)


def suggest_match(words: Sequence[str], partial: str, *, every_word: bool = True) -> str:
    """The FTS5 MATCH expression on the title column ("" when there is nothing to look for):
    each word quoted, so quotes and operators a reader typed are never syntax."""
    terms = [f'"{w}"' for w in words] + ([f'"{partial}"*'] if partial else [])
    if not terms:
        return ""
    operator = " AND " if every_word else " OR "
    return f"title : ({operator.join(terms)})"


class SqliteBackend:
    """BM25 over the FTS5 index; scores are positive, higher is better."""

    row_cost = 1  # the unit of the engine's budgets of rows scored
    ranking = f"FTS5 bm25, column weights (title, focus, question, answers) {WEIGHTS}"

    def __init__(self, alias: str) -> None:
        self.alias = alias

    @property
    def connection(self) -> BaseDatabaseWrapper:
        """The calling thread's connection (Django gives each thread its own; the backend
        is built once and shared by every server thread)."""
        return connections[self.alias]

    def search(self, query: str, *, k: int, filters: SearchFilters | None, budget: int
               ) -> list[Hit]:
        """BM25 hits; `budget`: rows scored at most (0: every word, whatever it costs)."""
        match = fts_query_bounded(query, budget=budget, connection=self.connection)
        if not match:
            return []
        weights = ", ".join(str(w) for w in WEIGHTS)
        if filters is None:
            hits = self._unfiltered(match, weights, k)
            if hits is not None:
                return hits
        where, params = filter_sql(filters)
        sql = (
            f"SELECT f.rowid, -bm25({TABLE}, {weights}) AS score FROM {TABLE} f "
            f"JOIN {_Q} q ON q.id = f.rowid "
            f"WHERE {TABLE} MATCH %s AND {where} ORDER BY score DESC, f.rowid LIMIT %s"
        )
        with self.connection.cursor() as cur:
            cur.execute(sql, [match, *params, k])
            rows = cur.fetchall()
        return [Hit(question_id=int(r[0]), score=float(r[1]), lexical=float(r[1])) for r in rows]

    def _unfiltered(self, match: str, weights: str, k: int) -> list[Hit] | None:
        """Rank in the FTS table alone, then drop unpublished rows (None: too many dropped).

        Joining the questions for every matching row doubled the cost of a query (1M corpus:
        "diabetes", 26k rows, 96 -> 50 ms); drafts are few, so a little over-fetching and one
        lookup of the ids found give the same hits.
        """
        limit = overfetch(k)
        with self.connection.cursor() as cur:
            cur.execute(f"SELECT rowid, -bm25({TABLE}, {weights}) AS score FROM {TABLE} "
                        f"WHERE {TABLE} MATCH %s ORDER BY score DESC, rowid LIMIT %s",
                        [match, limit])
            rows = cur.fetchall()
            if not rows:
                return []
            marks = ",".join(["%s"] * len(rows))
            cur.execute(f"SELECT id FROM {_Q} WHERE id IN ({marks}) "
                        "AND status = 'published'", [r[0] for r in rows])
            published = {int(r[0]) for r in cur.fetchall()}
        return best_published([Hit(question_id=int(r[0]), score=float(r[1]),
                                   lexical=float(r[1])) for r in rows if int(r[0]) in published],
                              k=k, fetched=len(rows))

    def snippets(self, query: str, question_ids: Sequence[int], *, tokens: int = 24
                 ) -> dict[int, str]:
        """Text around the query's words in each question's answers (marked, not escaped)."""
        match = fts_query(query)
        if not match or not question_ids:
            return {}
        marks = ",".join("%s" for _ in question_ids)
        sql = (
            f"SELECT rowid, snippet({TABLE}, 3, %s, %s, '…', %s) FROM {TABLE} "
            f"WHERE {TABLE} MATCH %s AND rowid IN ({marks})"
        )
        with self.connection.cursor() as cur:
            cur.execute(sql, [MARK_OPEN, MARK_CLOSE, tokens, match, *question_ids])
            return {int(r[0]): str(r[1]) for r in cur.fetchall()}

    def suggest(self, words: Sequence[str], partial: str, *, every_word: bool, limit: int
                ) -> list[tuple[str, str]]:
        """(slug, title) of titles with the words and the prefix, best first."""
        match = suggest_match(words, partial, every_word=every_word)
        if not match:
            return []
        with self.connection.cursor() as cur:
            cur.execute(_SUGGEST_SQL, [match, limit])
            return [(str(slug), str(title)) for slug, title in cur.fetchall()]

    def index(self, *, question_ids: Iterable[int]) -> int:
        """Write (or rewrite) the FTS5 rows of these questions from the database."""
        ids = list(question_ids)
        written = 0
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            rows = index_rows(self.alias, chunk)
            with self.connection.cursor() as cur:
                marks = ",".join("%s" for _ in chunk)
                cur.execute(f"DELETE FROM {TABLE} WHERE rowid IN ({marks})", chunk)
                cur.executemany(
                    f"INSERT INTO {TABLE}(rowid, title, focus, body, answers) "
                    "VALUES (%s, %s, %s, %s, %s)",
                    rows,
                )
            written += len(rows)
        return written

    def remove(self, *, question_ids: Iterable[int]) -> None:
        """Drop questions from the FTS5 index."""
        ids = list(question_ids)
        with self.connection.cursor() as cur:
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                marks = ",".join("%s" for _ in chunk)
                cur.execute(f"DELETE FROM {TABLE} WHERE rowid IN ({marks})", chunk)

    def clear(self) -> None:
        """Empty the FTS5 index (before a full rebuild)."""
        with self.connection.cursor() as cur:
            cur.execute(f"DELETE FROM {TABLE}")

    def indexed_count(self) -> int:
        """How many questions have FTS5 rows."""
        # From the table's %_docsize shadow table, one small row per document (the FTS5
        # documentation's "Shadow tables"): COUNT(*) on the FTS table itself reads every
        # row's text, 26 ms at MedQuAD's 47k questions against 0.02 ms here, and /readyz
        # asks every few seconds.
        with self.connection.cursor() as cur:
            cur.execute(f"SELECT COUNT(*) FROM {TABLE}_docsize")
            return int(cur.fetchone()[0])

    def schema_create(self, schema_editor: BaseDatabaseSchemaEditor) -> None:
        schema_editor.execute(CREATE_SQL)

    def schema_drop(self, schema_editor: BaseDatabaseSchemaEditor) -> None:
        schema_editor.execute(f"DROP TABLE IF EXISTS {TABLE}")

    def vectors_store(self, values: Sequence[tuple[int, bytes, str]], vectors: np.ndarray
                      ) -> None:
        """Write (question id, float32 bytes, content hash) rows, replacing older ones."""
        # Plain SQL: building 47k model instances took longer than writing the rows.
        with self.connection.cursor() as cur:
            cur.executemany(
                f"INSERT INTO {VECTORS} (question_id, vector, content_hash) VALUES (%s, %s, %s) "
                "ON CONFLICT (question_id) DO UPDATE SET vector = excluded.vector, "
                "content_hash = excluded.content_hash", values)

    def statistics_refresh(self) -> None:
        """Nothing: SQLite's planner chooses these queries' plans well without statistics."""

    def bulk_write(self) -> AbstractContextManager[None]:
        """Nothing to do: FTS5 merges its own segments, and the vectors are plain rows here
        (the HNSW graph is built apart)."""
        return contextlib.nullcontext()

    def dense_view(self, filters: SearchFilters | None) -> None:
        """None: dense search scans the vectors each process holds (healthqa.search.dense)."""
        return None

    def files_folder(self) -> Path | None:
        """Beside the database file (None for an in-memory database)."""
        name = str(self.connection.settings_dict.get("NAME") or "")
        if not name or name == ":memory:" or "mode=memory" in name:
            return None
        return Path(name).resolve().parent / "search-index"
