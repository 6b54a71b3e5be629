"""Whether the search index is consistent with the knowledge base, cheaply enough to be asked
every few seconds (a load balancer's readiness probe), and how large it is (the metrics).

Every check is a COUNT or a lookup by key: no query reads the questions' rows themselves, so
the cost stays a few milliseconds as the corpus grows (docs/configuration.md, Operations).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property

from django.db import connection

from healthqa.kb.models import Question
from healthqa.search.backends import lexical_backend
from healthqa.search.engine import encoder as default_encoder
from healthqa.search.indexing import related_stale
from healthqa.search.models import QuestionVector
from healthqa.search.vectors import IndexMismatch, index_check

OK = "ok"
REINDEX = "run `healthqa reindex`"


class _Counts:
    """Counts several checks compare, each asked once (a COUNT is a scan on PostgreSQL)."""

    @cached_property
    def questions(self) -> int:
        return Question.objects.count()


def _database(counts: _Counts) -> str | None:
    with connection.cursor() as cur:
        cur.execute("SELECT 1")
        cur.fetchone()
    return None


def _index_meta(counts: _Counts) -> str | None:
    """The stored vectors came from the encoder this process uses (model, dimension)."""
    try:
        index_check(encoder=default_encoder())
    except IndexMismatch as exc:
        return str(exc)
    return None


def _vectors(counts: _Counts) -> str | None:
    """Every question has a vector. A vector row belongs to one question (its primary key,
    deleted with it), so equal counts mean none is missing: two COUNTs instead of comparing
    every question's content hash with its vector's (vectors_missing(), 100 ms at 47k
    questions). Vectors of out-of-date content are left only by a killed bulk import, which
    also leaves the related lists marked stale: the "related" check fails for them."""
    questions = counts.questions
    vectors = QuestionVector.objects.count()
    if vectors != questions:
        return f"{questions - vectors:,} of {questions:,} questions have no vector: {REINDEX}"
    return None


def _lexical(counts: _Counts) -> str | None:
    """The full-text index holds a row for every question (drafts and archived ones too:
    search filters on the status when it queries)."""
    questions = counts.questions
    rows = lexical_backend().indexed_count()
    if rows != questions:
        return (f"the full-text index holds {rows:,} rows for {questions:,} questions: "
                f"{REINDEX}")
    return None


def _related(counts: _Counts) -> str | None:
    if related_stale():
        return ("related questions are marked out of date (an import is running, or one was "
                "stopped): they are recomputed at the import's end, or run `healthqa reindex`")
    return None


CHECKS: dict[str, Callable[[_Counts], str | None]] = {
    "database": _database,
    "index_meta": _index_meta,
    "vectors": _vectors,
    "lexical": _lexical,
    "related": _related,
}


def index_health() -> dict[str, str]:
    """Each check's name -> "ok", or what is wrong. When the database does not answer, the
    other checks are not run and say so."""
    results: dict[str, str] = {}
    counts = _Counts()
    for name, check in CHECKS.items():
        if name != "database" and results.get("database", OK) != OK:
            results[name] = "not checked: the database did not answer"
            continue
        try:
            problem = check(counts)
        except Exception as exc:  # a missing table, a locked or unreachable database
            problem = f"{type(exc).__name__}: {exc}"
        results[name] = problem or OK
    return results


def index_sizes() -> dict[str, int]:
    """Published questions, stored vectors and full-text rows: three COUNTs."""
    return {
        "published_questions": Question.objects.filter(
            status=Question.Status.PUBLISHED).count(),
        "vectors": QuestionVector.objects.count(),
        "lexical_rows": lexical_backend().indexed_count(),
    }
