"""The PostgreSQL backend's own SQL: the weighted tsvector kept in step, websearch queries,
ts_headline snippets, title-prefix suggestions and pgvector's HNSW index (the twins of the
FTS5-only tests in test_lexical.py; the behaviour both share is tested there, on both)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from healthqa.importers.api import medquad_import
from healthqa.kb.records import AnswerRecord, QuestionRecord
from healthqa.search.backends import lexical_backend
from healthqa.search.backends.postgresql import (
    GIN,
    HNSW,
    TABLE,
    VECTORS,
    suggest_tsquery,
)
from healthqa.search.dense import DenseSearcher, DenseView
from healthqa.search.engine import encoder, searcher
from healthqa.search.minilm import DIM
from healthqa.search.models import IndexMeta
from healthqa.search.text import MARK_CLOSE, MARK_OPEN
from healthqa.search.vectors import IndexMismatch
from tests.pg import on_postgresql
from tests.search.corpus import build

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not on_postgresql(), reason="PostgreSQL's backend: the suite's "
                       "PostgreSQL run (HEALTHQA_TEST_DATABASE=postgresql) tests it"),
]


def _record(ext: str, title: str, focus: str, body: str = "", answer: str = "",
            synonyms: tuple[str, ...] = ()) -> QuestionRecord:
    return QuestionRecord(external_id=ext, title=title, category_path=("C",), focus=focus,
                          focus_synonyms=synonyms, body=body,
                          answers=(AnswerRecord(body=answer, body_format="text"),)
                          if answer else ())


def test_the_document_column_follows_its_texts_with_title_weighted_highest() -> None:
    questions = build([_record("x/1", "What is Gout?", "Gout", answer="Uric acid crystals.")])
    pk = questions["x/1"].pk
    with connection.cursor() as cur:
        cur.execute(f"SELECT document::text FROM {TABLE} WHERE question_id = %s", [pk])
        document = cur.fetchone()[0]
        assert re.search(r"'gout':\d+A", document)  # in the title: weight A
        assert re.search(r"'crystal':\d+( |$)", document)  # in an answer: D (not shown)
        # The column is generated: rewriting a text rewrites it.
        cur.execute(f"UPDATE {TABLE} SET answers = 'purine diet' WHERE question_id = %s", [pk])
        cur.execute(f"SELECT document::text FROM {TABLE} WHERE question_id = %s", [pk])
        assert "'purin'" in cur.fetchone()[0]


def test_a_word_in_the_title_outranks_the_same_word_in_an_answer() -> None:
    questions = build([
        _record("x/1", "What is Gout?", "Gout", answer="Gout is arthritis of one joint."),
        _record("x/2", "What is Asthma?", "Asthma", answer="Asthma is not gout; airways narrow."),
    ])
    hits = lexical_backend().search("gout", k=5, filters=None, budget=0)
    assert [h.question_id for h in hits] == [questions["x/1"].pk, questions["x/2"].pk]
    assert hits[0].score > hits[1].score > 0


def test_reader_syntax_is_never_an_error_and_stop_words_find_nothing() -> None:
    build()
    backend = lexical_backend()
    for nasty in ('"gout', "gout -", "a & b | !c", "gout:*", "(((", "'; DROP TABLE x; --",
                  "\\", "OR AND NOT", "x <-> y"):
        backend.search(nasty, k=5, filters=None, budget=0)
        backend.snippets(nasty, [1, 2], tokens=10)
    assert backend.search("what is the", k=5, filters=None, budget=0) == []


def test_snippets_mark_the_query_words_in_answers() -> None:
    questions = build([_record("x/1", "What is Gout?", "Gout",
                               answer="Gout comes from uric acid crystals in a joint.")])
    pk = questions["x/1"].pk
    snippet = lexical_backend().snippets("crystals of uric acid", [pk])[pk]
    assert f"{MARK_OPEN}crystals{MARK_CLOSE}" in snippet
    assert f"{MARK_OPEN}uric{MARK_CLOSE}" in snippet


def test_suggestions_match_title_words_and_a_prefix_only_in_titles() -> None:
    build([
        _record("x/1", "What is Gout?", "Gout", answer="Gouty arthritis."),
        _record("x/2", "What are the treatments for Gout?", "Gout"),
        _record("x/3", "What is Asthma?", "Asthma", answer="Not gout."),
    ])
    backend = lexical_backend()
    titles = [t for _, t in backend.suggest([], "gou", every_word=True, limit=5)]
    assert titles == ["What is Gout?", "What are the treatments for Gout?"]  # shorter first
    assert [t for _, t in backend.suggest(["treatments"], "go", every_word=True, limit=5)] \
        == ["What are the treatments for Gout?"]
    assert suggest_tsquery(["it's"], "x'y\\") == "'it''s':A & 'x''y':*A"


def test_vectors_are_searched_in_the_database_through_the_hnsw_index() -> None:
    questions = build()
    searcher = DenseSearcher(encoder=encoder())
    view = searcher.view(None)
    assert not isinstance(view, DenseView)  # no copy of the vectors in this process
    query = encoder().encode(["What are the treatments for Gout?"])[0]
    nearest = view.nearest(query, 5)
    assert nearest[0].question_id == questions["t/0/3"].pk
    assert nearest[0].cosine == pytest.approx(1.0, abs=1e-5)
    # The cosines are exact, and the same as the stored float32 vectors give.
    with connection.cursor() as cur:
        cur.execute(f"SELECT vector FROM {VECTORS} WHERE question_id = %s",
                    [nearest[1].question_id])
        stored = np.frombuffer(bytes(cur.fetchone()[0]), dtype=np.float32)
    assert nearest[1].cosine == pytest.approx(float(stored @ query), abs=1e-5)
    assert [c.cosine for c in nearest] == sorted((c.cosine for c in nearest), reverse=True)
    with connection.cursor() as cur:
        # As at scale, where the planner takes the index (this table is small).
        cur.execute("SET LOCAL enable_seqscan = off")
        cur.execute("SET LOCAL enable_sort = off")
    with CaptureQueriesContext(connection) as queries:
        view.nearest(query, 5)
    with connection.cursor() as cur:
        cur.execute("EXPLAIN " + queries.captured_queries[-1]["sql"])
        plan = "\n".join(r[0] for r in cur.fetchall())
    assert f"Index Scan using {VECTORS}_hnsw_{DIM}" in plan, plan


def test_the_pgvector_column_holds_each_stored_vector_bit_for_bit() -> None:
    # Written in pgvector's binary form: text with float32's 7 significant digits is not
    # always the same float32 again (9 digits are).
    build()
    with connection.cursor() as cur:
        cur.execute(f"SELECT vector, embedding::real[] FROM {VECTORS}")
        rows = cur.fetchall()
    assert len(rows) > 10
    for blob, embedding in rows:
        stored = np.frombuffer(bytes(blob), dtype=np.float32)
        assert np.array_equal(np.array(embedding, dtype=np.float32), stored)


def test_vectors_of_another_model_are_refused_by_a_search_in_the_database() -> None:
    build()
    IndexMeta.objects.filter(key="dim").update(value="128")
    with pytest.raises(IndexMismatch, match="healthqa reindex"):
        DenseSearcher(encoder=encoder()).search("gout", k=5)
    with pytest.raises(IndexMismatch, match="healthqa reindex"):
        searcher("hybrid").search("How is gout treated?", k=5)


def test_rows_the_index_does_not_give_are_found_by_an_exact_scan() -> None:
    # An HNSW scan can give fewer rows than asked although more are allowed: rows rolled back
    # or rewritten wait in the graph for VACUUM, and with many copies of the same vectors
    # some live rows lose every path to them (seen in this suite: 137 of 140). A small
    # search list without iterative scans does the same, deterministically.
    live = {q.pk for q in build().values()}
    view = DenseSearcher(encoder=encoder()).view(None)
    with connection.cursor() as cur:
        for setting in ("enable_seqscan = off", "enable_sort = off", "hnsw.ef_search = 10",
                        "hnsw.iterative_scan = off"):
            cur.execute(f"SET LOCAL {setting}")
    gout = encoder().encode(["What are the treatments for Gout?"])[0]
    assert len(view.nearest(gout, 10)) == 10  # the index alone
    for text in ("What are the treatments for Gout?", "eczema itch", "kidney stones diet"):
        found = view.nearest(encoder().encode([text])[0], 2 * len(live))
        assert {c.question_id for c in found} == live
        assert [c.cosine for c in found] == sorted((c.cosine for c in found), reverse=True)


def test_dense_candidates_carry_type_and_focus_words_and_respect_filters() -> None:
    questions = build()
    query = encoder().encode(["gout treatments"])[0]
    view = DenseSearcher(encoder=encoder()).view(None)
    ids = [questions["t/0/3"].pk, questions["t/1/3"].pk]
    found = {c.question_id: c for c in view.candidates(query, ids)}
    assert set(found) == set(ids)
    assert found[ids[0]].question_type == "treatment"
    assert frozenset({"gout"}) in found[ids[0]].focus_words


def test_a_few_related_lists_are_recomputed_without_loading_every_vector() -> None:
    from healthqa.search import vectors
    from healthqa.search.models import RelatedQuestion
    from healthqa.search.related import related_compute

    questions = build()
    related_compute(encoder=encoder())  # every list, from all the vectors
    full = list(RelatedQuestion.objects.values_list("question_id", "related_id", "score"))
    few = [questions["t/0/3"].pk, questions["t/5/1"].pk]
    RelatedQuestion.objects.filter(question_id__in=few).delete()
    vectors.vector_matrix_forget()
    assert related_compute(encoder=encoder(), question_ids=few) == 2
    assert connection.alias not in vectors._cache  # no copy of every vector was loaded
    again = list(RelatedQuestion.objects.values_list("question_id", "related_id", "score"))
    # The same lists' scores; neighbours whose scores tie to float32's last bits may swap
    # (a matrix product of another shape rounds differently), and the diversity rules may
    # then keep the other of two equally good questions.
    assert len(again) == len(full)
    for question in few:
        assert sorted(s for q, _, s in again if q == question) == pytest.approx(
            sorted(s for q, _, s in full if q == question), abs=1e-4)
    assert {row for row in again if row[0] not in few} == {
        row for row in full if row[0] not in few}


def _index_oid(name: str = HNSW) -> int | None:
    with connection.cursor() as cur:
        cur.execute("SELECT to_regclass(%s)::oid", [name])
        oid = cur.fetchone()[0]
        if oid is not None:
            cur.execute("SELECT indisvalid FROM pg_index WHERE indexrelid = %s", [oid])
            assert cur.fetchone()[0]  # a finished build, not one interrupted
        return oid


class _Interrupted(Exception):
    pass


@pytest.mark.django_db(transaction=True)
def test_an_import_into_small_tables_builds_the_search_indexes_once_at_its_end(
        tmp_path: Path) -> None:
    from tests.evaluation.conftest import tiny_medquad_write

    backend = lexical_backend()
    before = _index_oid()
    gin_before = _index_oid(GIN)
    with backend.bulk_write():
        assert _index_oid() is None and _index_oid(GIN) is None  # dropped while rows are written
    rebuilt = _index_oid()
    assert rebuilt is not None and rebuilt != before
    assert _index_oid(GIN) not in (None, gin_before)
    with pytest.raises(_Interrupted), backend.bulk_write():
        raise _Interrupted  # a killed import still leaves the index built
    assert _index_oid() is not None and _index_oid(GIN) is not None
    # Through a real import: the index is there after it, and dense search finds the rows.
    report = medquad_import(path=tiny_medquad_write(tmp_path))
    assert not report.errors and report.created
    assert _index_oid() is not None and _index_oid(GIN) is not None
    assert lexical_backend().search("gout", k=3, filters=None, budget=0)
    query = encoder().encode(["What are the treatments for Gout?"])[0]
    assert DenseSearcher(encoder=encoder()).view(None).nearest(query, 3)


@pytest.mark.django_db(transaction=True)
def test_large_tables_or_a_transaction_keep_their_search_indexes_through_a_bulk_write(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from django.db import transaction

    from healthqa.search.backends import postgresql

    build()
    backend = lexical_backend()
    before = (_index_oid(), _index_oid(GIN))
    monkeypatch.setattr(postgresql, "BULK_REBUILD_BELOW", 10)  # build() wrote more
    with backend.bulk_write():
        assert (_index_oid(), _index_oid(GIN)) == before
    monkeypatch.undo()
    with transaction.atomic(), backend.bulk_write():
        assert (_index_oid(), _index_oid(GIN)) == before
    assert (_index_oid(), _index_oid(GIN)) == before


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_dense_search_runs_beside_the_lexical_query(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    from django.db import transaction

    from healthqa.search.backends.postgresql import PgVectorView
    from healthqa.search.engine import searcher

    build()
    threads: list[str] = []
    nearest = PgVectorView.nearest

    def recorded(self: PgVectorView, vector: np.ndarray, count: int) -> list[object]:
        threads.append(threading.current_thread().name)
        return nearest(self, vector, count)

    monkeypatch.setattr(PgVectorView, "nearest", recorded)
    query = "how are kidney stones treated"
    beside = searcher("hybrid").search(query, k=10)  # committed rows, autocommit
    with transaction.atomic():  # a transaction's own rows: only its connection sees them
        inside = searcher("hybrid").search(query, k=10)
    assert threads[0].startswith("healthqa-scan") and threads[1] == threading.main_thread().name
    assert beside and [h.question_id for h in beside] == [h.question_id for h in inside]
    assert [h.score for h in beside] == pytest.approx([h.score for h in inside])
