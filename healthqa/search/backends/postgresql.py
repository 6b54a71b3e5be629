"""The PostgreSQL backend: full-text search with a weighted tsvector, and dense search with
pgvector. All of healthqa's PostgreSQL search SQL lives here.

The lexical index is one table beside the questions: the four texts FTS5 indexes on SQLite
(title, focus, question, answers) and a generated tsvector of them weighted A to D, so the
column can never fall out of step with its texts, with a GIN index. Vectors stay in
search_questionvector (the float32 bytes every process can read) and gain a pgvector column
searched through an HNSW index (cosine), so no worker holds the vectors in its memory.
"""

from __future__ import annotations

import contextlib
import functools
import json
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, cast

import numpy as np
import psycopg
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from pgvector.psycopg.vector import register_vector_info
from psycopg.types import TypeInfo

from healthqa.kb.models import Answer
from healthqa.search.backends.common import (
    QUESTIONS,
    best_published,
    doc_frequency,
    filter_sql,
    index_rows,
    overfetch,
    words_within_budget,
)
from healthqa.search.minilm import DIM
from healthqa.search.text import MARK_CLOSE, MARK_OPEN, query_words
from healthqa.search.types import DenseCandidate, Hit, SearchFilters

TABLE = "search_fts"
VECTORS = "search_questionvector"
CONFIG = "english"  # the text search configuration: Snowball's English stemmer, stop words
_LT, _GT = "\ue002", "\ue003"  # stand-ins for "<" and ">" inside ts_headline
# ts_rank's weights are given as {D, C, B, A}: answers, question, focus, title. The same
# proportions as bm25()'s on SQLite (title 6, focus 8, question 2, answers 1), scaled to 1.
RANK_WEIGHTS = "{0.125, 0.25, 1.0, 0.75}"
# No length normalisation: with 1 (divided by 1 + log of the length) short unanswered
# questions outranked answered ones with the query's words in their titles.
RANK_NORMALIZATION = 0

# HNSW (cosine) for the sentence model's vectors. Vectors of another dimension (another
# encoder) are found by an exact scan instead; the queries cast as this index does.
HNSW = f"{VECTORS}_hnsw_{DIM}"
HNSW_CREATE = (f"CREATE INDEX IF NOT EXISTS {HNSW} ON {VECTORS} "
               f"USING hnsw ((embedding::vector({DIM})) vector_cosine_ops) "
               f"WHERE vector_dims(embedding) = {DIM}")
GIN = f"{TABLE}_document"
GIN_CREATE = f"CREATE INDEX IF NOT EXISTS {GIN} ON {TABLE} USING gin (document)"
# A bulk write into tables holding fewer questions than this drops the HNSW and GIN indexes
# and builds them once at the end: for MedQuAD's 47k vectors, inserting into the HNSW index
# cost the server 78 s of CPU, building it afterwards 13 s (docs/benchmarks.md). A larger
# site keeps its indexes while it imports, so its searches stay fast meanwhile.
BULK_REBUILD_BELOW = 20_000
BUILD_MEMORY = "1GB"  # maintenance_work_mem for the build: MedQuAD's graph needs ~150 MB


SCHEMA = [
    "CREATE EXTENSION IF NOT EXISTS vector",
    f"""CREATE TABLE IF NOT EXISTS {TABLE} (
        question_id bigint PRIMARY KEY,
        title text NOT NULL,
        focus text NOT NULL,
        body text NOT NULL,
        answers text NOT NULL,
        document tsvector GENERATED ALWAYS AS (
            setweight(to_tsvector('{CONFIG}', title), 'A')
            || setweight(to_tsvector('{CONFIG}', focus), 'B')
            || setweight(to_tsvector('{CONFIG}', body), 'C')
            || setweight(to_tsvector('{CONFIG}', answers), 'D')
        ) STORED)""",
    GIN_CREATE,
    # Dimensionless, so one column serves any encoder; the HNSW index is per dimension.
    f"ALTER TABLE {VECTORS} ADD COLUMN IF NOT EXISTS embedding vector",
    HNSW_CREATE,
]


def _word_query(count: int) -> str:
    """A tsquery matching any of `count` words, each parsed by websearch_to_tsquery (so
    nothing a reader types is syntax); stop words give empty queries, which match nothing."""
    return "(" + " || ".join([f"websearch_to_tsquery('{CONFIG}', %s)"] * count) + ")"


def _lexeme(word: str) -> str:
    """A word quoted as a tsquery lexeme (query_words gives letters and digits only)."""
    return "'" + word.replace("'", "''").replace("\\", "") + "'"


def suggest_tsquery(words: Sequence[str], partial: str, *, every_word: bool = True) -> str:
    """to_tsquery() text: the words, and a word starting with `partial`, in titles
    (weight A) only; "" when there is nothing to look for."""
    terms = [f"{_lexeme(w)}:A" for w in words] + ([f"{_lexeme(partial)}:*A"] if partial else [])
    return (" & " if every_word else " | ").join(terms)


def vector_text(vector: np.ndarray) -> str:
    """pgvector's text form of a float32 vector (7 significant digits: float32's)."""
    return "[" + ",".join(f"{x:.7g}" for x in vector.tolist()) + "]"


class PostgresqlBackend:
    """ts_rank over the weighted tsvector; scores are positive, higher is better."""

    # ts_rank reads each matching row's tsvector: about 4x FTS5's cost a row here. The
    # hybrid's lexical leg, where dense search covers the words left out, keeps its rarest
    # words within a quarter of SQLite's rows (healthqa.search.engine); docs/evaluation.md.
    row_cost = 4
    ranking = (f"PostgreSQL ts_rank ({CONFIG} stemmer), weights (answers, question, focus, "
               f"title) {RANK_WEIGHTS}, normalization {RANK_NORMALIZATION}")

    def __init__(self, alias: str) -> None:
        self.alias = alias

    @property
    def connection(self) -> BaseDatabaseWrapper:
        """The calling thread's connection."""
        return connections[self.alias]

    # --- lexical ---------------------------------------------------------------------------

    def _frequency(self, word: str, cap: int) -> int:
        def count() -> int:
            with self.connection.cursor() as cur:
                cur.execute(f"SELECT COUNT(*) FROM (SELECT 1 FROM {TABLE} WHERE document @@ "
                            f"websearch_to_tsquery('{CONFIG}', %s) LIMIT %s) t", [word, cap + 1])
                return int(cur.fetchone()[0])

        return doc_frequency((self.alias, word), count)

    def search(self, query: str, *, k: int, filters: SearchFilters | None, budget: int
               ) -> list[Hit]:
        words = words_within_budget(query_words(query), budget=budget,
                                    frequency=self._frequency)
        if not words:
            return []
        tsquery = _word_query(len(words))
        if filters is None:
            hits = self._unfiltered(words, tsquery, k)
            if hits is not None:
                return hits
        where, params = filter_sql(filters)
        sql = (
            f"SELECT f.question_id, ts_rank('{RANK_WEIGHTS}', f.document, {tsquery}, "
            f"{RANK_NORMALIZATION}) AS score FROM {TABLE} f "
            f"JOIN {QUESTIONS} q ON q.id = f.question_id "
            f"WHERE f.document @@ {tsquery} AND {where} ORDER BY score DESC, f.question_id "
            "LIMIT %s"
        )
        with self.connection.cursor() as cur:
            cur.execute(sql, [*words, *words, *params, k])
            rows = cur.fetchall()
        # ts_rank is in (0, 1]; scaled so its scores read like BM25's (fusion divides by the
        # best score anyway).
        return [Hit(question_id=int(r[0]), score=float(r[1]) * 100, lexical=float(r[1]) * 100)
                for r in rows]

    def _unfiltered(self, words: list[str], tsquery: str, k: int) -> list[Hit] | None:
        """Rank in the index table alone, then drop unpublished rows (None: too many were).
        Joining every matching row with the questions first cost a scan of the published
        questions' index per query (11 ms at MedQuAD's 47k); drafts are few."""
        limit = overfetch(k)
        with self.connection.cursor() as cur:
            # Ranked in the index table, then each of the few best looked up by primary key,
            # in one statement.
            cur.execute(
                f"SELECT t.question_id, t.score, q.status = 'published' FROM ("
                f"SELECT question_id, ts_rank('{RANK_WEIGHTS}', document, {tsquery}, "
                f"{RANK_NORMALIZATION}) AS score FROM {TABLE} WHERE document @@ {tsquery} "
                f"ORDER BY score DESC, question_id LIMIT %s) t "
                f"LEFT JOIN {QUESTIONS} q ON q.id = t.question_id "
                "ORDER BY t.score DESC, t.question_id", [*words, *words, limit])
            rows = cur.fetchall()
        return best_published([Hit(question_id=int(r[0]), score=float(r[1]) * 100,
                                   lexical=float(r[1]) * 100) for r in rows if r[2]],
                              k=k, fetched=len(rows))

    def snippets(self, query: str, question_ids: Sequence[int], *, tokens: int = 24
                 ) -> dict[int, str]:
        """Text around the query's words in each question's answers (marked, not escaped)."""
        words = query_words(query)
        if not words or not question_ids:
            return {}
        options = (f"StartSel={MARK_OPEN}, StopSel={MARK_CLOSE}, MaxWords={tokens}, "
                   f"MinWords={max(1, tokens // 2)}, MaxFragments=1, FragmentDelimiter=…")
        tsquery = _word_query(len(words))
        # ts_headline's parser reads "<...>" as markup and leaves it out; an answer's text
        # that looks like a tag is text, so "<" and ">" pass through as private-use stand-ins.
        answers = f"translate(f.answers, '<>', '{_LT}{_GT}')"
        sql = (
            f"SELECT f.question_id, ts_headline('{CONFIG}', {answers}, {tsquery}, %s) "
            f"FROM {TABLE} f WHERE f.question_id = ANY(%s) AND f.document @@ {tsquery} "
            "AND f.answers <> ''"
        )
        with self.connection.cursor() as cur:
            cur.execute(sql, [*words, options, list(question_ids), *words])
            return {int(r[0]): str(r[1]).replace(_LT, "<").replace(_GT, ">")
                    for r in cur.fetchall()}

    def suggest(self, words: Sequence[str], partial: str, *, every_word: bool, limit: int
                ) -> list[tuple[str, str]]:
        """(slug, title) of titles with the words and the prefix, best first."""
        tsquery = suggest_tsquery(words, partial, every_word=every_word)
        if not tsquery:
            return []
        sql = (
            f"SELECT q.slug, q.title FROM {TABLE} f JOIN {QUESTIONS} q ON q.id = f.question_id "
            f"WHERE f.document @@ to_tsquery('{CONFIG}', %s) AND q.status = 'published' "
            f"ORDER BY ts_rank('{{0, 0, 0, 1}}', f.document, to_tsquery('{CONFIG}', %s)) DESC, "
            "length(q.title), q.id LIMIT %s"
        )
        with self.connection.cursor() as cur:
            cur.execute(sql, [tsquery, tsquery, limit])
            return [(str(slug), str(title)) for slug, title in cur.fetchall()]

    def index(self, *, question_ids: Iterable[int]) -> int:
        """Write (or rewrite) these questions' rows from the database."""
        ids = list(question_ids)
        written = 0
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            rows = [tuple(_clean(text) if isinstance(text, str) else text for text in row)
                    for row in index_rows(self.alias, chunk)]
            with self.connection.cursor() as cur:
                cur.execute(f"DELETE FROM {TABLE} WHERE question_id = ANY(%s)", [chunk])
                cur.executemany(
                    f"INSERT INTO {TABLE} (question_id, title, focus, body, answers) "
                    "VALUES (%s, %s, %s, %s, %s)", rows)
            written += len(rows)
        return written

    def remove(self, *, question_ids: Iterable[int]) -> None:
        with self.connection.cursor() as cur:
            cur.execute(f"DELETE FROM {TABLE} WHERE question_id = ANY(%s)", [list(question_ids)])

    def clear(self) -> None:
        with self.connection.cursor() as cur:
            cur.execute(f"DELETE FROM {TABLE}")

    def indexed_count(self) -> int:
        with self.connection.cursor() as cur:
            cur.execute(f"SELECT COUNT(*) FROM {TABLE}")
            return int(cur.fetchone()[0])

    def schema_create(self, schema_editor: BaseDatabaseSchemaEditor) -> None:
        for statement in SCHEMA:
            schema_editor.execute(statement)

    def schema_drop(self, schema_editor: BaseDatabaseSchemaEditor) -> None:
        schema_editor.execute(f"DROP TABLE IF EXISTS {TABLE}")
        schema_editor.execute(f"ALTER TABLE {VECTORS} DROP COLUMN IF EXISTS embedding")

    def files_folder(self) -> Path | None:
        """None: every index lives in the database."""
        return None

    # --- vectors ---------------------------------------------------------------------------

    def vectors_store(self, values: Sequence[tuple[int, bytes, str]], vectors: np.ndarray
                      ) -> None:
        """Write (question id, float32 bytes, content hash) rows and their pgvector column.

        The vectors travel in pgvector's binary form, on a cursor that binds its parameters
        at the server: Django's cursors write every value into the statement's text, and
        formatting MedQuAD's 47k vectors as text took 8 s of an import's CPU."""
        rows = [(pk, blob, digest, np.asarray(vec, dtype=np.float32))
                for (pk, blob, digest), vec in zip(values, vectors, strict=True)]
        self.connection.ensure_connection()
        raw = self.connection.connection
        with psycopg.Cursor(raw) as cur:
            # On this cursor only: Django's own cursors go on reading vectors as text.
            register_vector_info(cast(Any, cur), TypeInfo.fetch(raw, "vector"))
            cur.executemany(
                f"INSERT INTO {VECTORS} (question_id, vector, content_hash, embedding) "
                "VALUES (%s, %s, %s, %b) ON CONFLICT (question_id) DO UPDATE SET "
                "vector = excluded.vector, content_hash = excluded.content_hash, "
                "embedding = excluded.embedding", rows)

    def statistics_refresh(self) -> None:
        """ANALYZE the tables a bulk import fills. Until autovacuum gets to them (and never
        inside the import's own transaction) the planner takes them for empty: the check
        for questions without a current vector then ran as a nested loop, 47k x 47k rows."""
        with self.connection.cursor() as cur:
            cur.execute(f"ANALYZE {QUESTIONS}, {Answer._meta.db_table}, {TABLE}, {VECTORS}")

    @contextlib.contextmanager
    def bulk_write(self) -> Iterator[None]:
        """Into small tables, outside a transaction (an import, a reindex): the HNSW and GIN
        indexes are dropped, and built once at the end, however the block ends. Searches
        meanwhile scan. Inside a transaction nothing changes (PostgreSQL cannot build an
        index in one with deferred foreign-key checks pending)."""
        if self.connection.in_atomic_block:
            yield
            return
        with self.connection.cursor() as cur:
            cur.execute(f"SELECT count(*) FROM (SELECT 1 FROM {TABLE} LIMIT %s) t",
                        [BULK_REBUILD_BELOW])
            if cur.fetchone()[0] < BULK_REBUILD_BELOW:
                cur.execute(f"DROP INDEX IF EXISTS {HNSW}, {GIN}")
        try:
            yield
        finally:  # also builds those a killed import left dropped
            self.indexes_build()

    def indexes_build(self) -> None:
        """Build the HNSW and GIN indexes where missing (with memory for the build)."""
        with self.connection.cursor() as cur:
            cur.execute("SELECT to_regclass(%s) IS NULL, to_regclass(%s) IS NULL", [HNSW, GIN])
            missing = [create for create, gone in zip((HNSW_CREATE, GIN_CREATE),
                                                      cur.fetchone(), strict=True) if gone]
            if not missing:
                return
            cur.execute(f"SET maintenance_work_mem = '{BUILD_MEMORY}'")
            try:
                for create in missing:
                    cur.execute(create)
            finally:
                cur.execute("RESET maintenance_work_mem")

    def dense_view(self, filters: SearchFilters | None) -> PgVectorView:
        """Dense search in the database (what VectorSearcher.view gives on PostgreSQL)."""
        return PgVectorView(self, filters)


class PgVectorView:
    """The vectors as they are in the database now, restricted by filters."""

    @property
    def concurrent(self) -> bool:
        """Run beside the lexical query, on another thread and so on that thread's own
        connection (the server works on both at once: 9 ms of an ask's 43 at MedQuAD's
        size). That connection sees committed rows only: not while this thread's connection
        is inside a transaction of its own (a write, a test)."""
        return not self._backend.connection.in_atomic_block

    def __init__(self, backend: PostgresqlBackend, filters: SearchFilters | None) -> None:
        self._backend = backend
        self._filters = filters

    def _select(self, dim: int, distance: str) -> tuple[str, list[Any]]:
        """The candidates' columns for allowed rows; `distance` in the select list."""
        where, params = filter_sql(self._filters)
        return (f"SELECT v.question_id, {distance} AS distance, q.question_type, q.focus, "
                f"q.focus_synonyms FROM {VECTORS} v JOIN {QUESTIONS} q ON q.id = v.question_id "
                f"WHERE vector_dims(v.embedding) = {dim} AND {where}"), list(params)

    def _fetch(self, sql: str, args: list[Any]) -> list[DenseCandidate]:
        with self._backend.connection.cursor() as cur:
            cur.execute(sql, args)
            rows = cur.fetchall()
        found = [DenseCandidate(question_id=int(r[0]), cosine=1.0 - float(r[1]),
                                question_type=r[2],
                                focus_words=_focus_words(r[3], _json_text(r[4])))
                 for r in rows]
        found.sort(key=lambda c: (-c.cosine, c.question_id))
        return found

    def nearest(self, vector: np.ndarray, count: int) -> list[DenseCandidate]:
        """The `count` nearest allowed questions by the HNSW index (cosines exact).

        An HNSW graph can fail to reach some of its rows: a row whose vector has many
        copies (a question rewritten, an import rolled back: dead copies wait in the graph
        for VACUUM) may have no path to it. So when the index gives fewer rows than asked,
        an exact scan of the allowed rows answers instead, in the same statement: that is
        when the filters leave few rows or the table is small, so the scan is too."""
        dim = int(vector.shape[0])
        text = vector_text(vector)
        approx, approx_params = self._select(
            dim, f"v.embedding::vector({dim}) <=> %s::vector({dim})")
        # Ordered by the dimensionless column, which the index (on the cast) cannot serve.
        exact, exact_params = self._select(dim, "v.embedding <=> %s::vector")
        sql = (f"WITH approx AS MATERIALIZED ({approx} ORDER BY distance LIMIT %s) "
               "SELECT * FROM approx WHERE (SELECT count(*) FROM approx) >= %s "
               f"UNION ALL ({exact} AND (SELECT count(*) FROM approx) < %s "
               "ORDER BY distance LIMIT %s)")
        return self._fetch(sql, [text, *approx_params, count, count,
                                 text, *exact_params, count, count])

    def candidates(self, vector: np.ndarray, question_ids: Sequence[int]
                   ) -> list[DenseCandidate]:
        """These questions (those allowed and with a vector), cosines exact."""
        if not question_ids:
            return []
        dim = int(vector.shape[0])
        sql, params = self._select(dim, f"v.embedding::vector({dim}) <=> %s::vector({dim})")
        return self._fetch(sql + " AND v.question_id = ANY(%s)",
                           [vector_text(vector), *params, list(question_ids)])


def _json_text(value: object) -> str | None:
    """focus_synonyms as JSON text (Django's psycopg connection gives jsonb as text)."""
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value)


@functools.lru_cache(maxsize=65536)
def _focus_words(focus: str, synonyms_json: str | None) -> tuple[frozenset[str], ...]:
    from healthqa.search.vectors import focus_words

    return focus_words(focus, synonyms_json)


def _clean(text: str) -> str:
    """PostgreSQL's text cannot hold NUL characters (SQLite's can)."""
    return text.replace("\x00", "")
