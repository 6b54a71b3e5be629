"""A few changed questions are read again into each process's vectors (the change log);
the patched vectors equal a full reload, and many changes still reload everything."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from healthqa.kb.models import Question
from healthqa.kb.services import questions_import
from healthqa.search import vectors
from healthqa.search.engine import encoder
from healthqa.search.models import IndexMeta, VectorChange
from healthqa.search.vectors import VectorMatrix, vector_matrix, vector_matrix_forget
from tests.search.corpus import build, records

pytestmark = pytest.mark.django_db


def assert_same(patched: VectorMatrix, fresh: VectorMatrix) -> None:
    """Every array and per-row value of `patched` as a full reload has it."""
    assert patched.ids.tolist() == fresh.ids.tolist()
    np.testing.assert_array_equal(patched.matrix, fresh.matrix)
    for name in ("category", "source", "has_answer"):
        assert getattr(patched, name).tolist() == getattr(fresh, name).tolist(), name
    assert patched.question_type == fresh.question_type
    for row in range(fresh.size):
        assert patched.focus_words[row] == fresh.focus_words[row]


def reloaded() -> VectorMatrix:
    vector_matrix_forget()
    return vector_matrix(encoder=encoder())


def test_new_questions_are_read_into_the_spare_rows_without_copying_the_vectors() -> None:
    build()
    before = vector_matrix(encoder=encoder())
    questions_import(records=records(foci=("Tennis elbow",), prefix="late")[:2],
                     comment="two more")
    after = vector_matrix(encoder=encoder())
    assert after is not before and after.size == before.size + 2
    assert np.shares_memory(after.matrix, before.matrix)  # patched, not reloaded
    assert IndexMeta.objects.get(key="generation").value == \
        vectors._split(before.generation)[0]
    assert_same(after, reloaded())


def test_a_changed_answer_flag_is_read_again() -> None:
    questions = build()
    unanswered = next(q for q in questions.values() if not q.has_answer)
    before = vector_matrix(encoder=encoder())
    assert not before.has_answer[before.row_of[unanswered.pk]]
    record = next(r for r in records() if r.external_id == unanswered.external_id)
    from healthqa.kb.records import AnswerRecord

    questions_import(records=[record.__class__(**{**record.__dict__, "answers": (
        AnswerRecord(body="Now answered."),)})], comment="answered")
    after = vector_matrix(encoder=encoder())
    assert np.shares_memory(after.matrix, before.matrix)
    assert after.has_answer[after.row_of[unanswered.pk]]
    assert_same(after, reloaded())


def test_a_question_leaving_the_index_reloads_everything() -> None:
    questions = build()
    before = vector_matrix(encoder=encoder())
    gone = next(iter(questions.values()))
    Question.objects.filter(pk=gone.pk).update(status=Question.Status.ARCHIVED)
    from healthqa.search.indexing import search_index_update

    search_index_update(question_ids=[gone.pk])
    after = vector_matrix(encoder=encoder())
    assert gone.pk not in after.row_of
    assert not np.shares_memory(after.matrix, before.matrix)
    assert_same(after, reloaded())


def test_many_changes_start_a_new_generation_and_empty_the_log(
        monkeypatch: pytest.MonkeyPatch) -> None:
    build()
    generation = IndexMeta.objects.get(key="generation").value
    monkeypatch.setattr(vectors, "CHANGES_MAX", 3)
    questions_import(records=records(foci=("Tennis elbow",), prefix="late"), comment="seven")
    assert IndexMeta.objects.get(key="generation").value != generation
    assert not VectorChange.objects.exists()
    assert_same(vector_matrix(encoder=encoder()), reloaded())


def test_a_process_with_no_spare_rows_reloads(monkeypatch: pytest.MonkeyPatch) -> None:
    build()
    before = vector_matrix(encoder=encoder())
    full = dataclasses.replace(before, matrix=before.matrix.copy())
    vectors._cache[next(iter(vectors._cache))] = full
    questions_import(records=records(foci=("Tennis elbow",), prefix="late")[:1],
                     comment="one more")
    after = vector_matrix(encoder=encoder())
    assert after.size == before.size + 1 and not np.shares_memory(after.matrix, full.matrix)
    assert_same(after, reloaded())
