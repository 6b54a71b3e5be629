"""Keeping the index in step with the knowledge base: writes, deletes, reloads, rebuilds."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from django.db import connection

from healthqa.kb.models import Answer, Question
from healthqa.kb.records import AnswerRecord, QuestionRecord
from healthqa.kb.services import question_refresh, questions_import
from healthqa.search.dense import DenseSearcher
from healthqa.search.encoder import HashingEncoder
from healthqa.search.engine import encoder, lexical_searcher
from healthqa.search.hybrid import HybridSearcher
from healthqa.search.indexing import search_reindex
from healthqa.search.models import IndexMeta, QuestionVector, RelatedQuestion, VectorChange
from healthqa.search.related import OWN_FOCUS_MAX, RELATED, related_compute
from healthqa.search.vectors import (
    IndexMismatch,
    index_check,
    index_state,
    vector_matrix,
    vectors_background,
    vectors_missing,
    vectors_write,
)
from tests.search.corpus import FOCI, build, records

pytestmark = pytest.mark.django_db


def fts_rowids() -> set[int]:
    """The questions the full-text index holds rows for (FTS5's rowid; a column on
    PostgreSQL)."""
    column = "question_id" if connection.vendor == "postgresql" else "rowid"
    with connection.cursor() as cur:
        cur.execute(f"SELECT {column} FROM search_fts")
        return {int(r[0]) for r in cur.fetchall()}


def lexical_ids(query: str) -> set[int]:
    return {h.question_id for h in lexical_searcher().search(query, k=100)}


def test_an_import_gives_every_question_a_lexical_row_and_a_vector() -> None:
    questions = build()
    pks = {q.pk for q in questions.values()}
    assert fts_rowids() == pks
    assert set(QuestionVector.objects.values_list("question_id", flat=True)) == pks
    assert vectors_missing() == []
    assert {q.pk for q in questions.values() if q.focus == "Gout"} <= lexical_ids("gout")


def test_editing_an_answer_reindexes_its_question() -> None:
    questions = build()
    gout = questions["t/0/0"]
    assert gout.pk not in lexical_ids("allopurinol")
    vector_before = bytes(QuestionVector.objects.get(question=gout).vector)
    state_before = index_state()
    Answer.objects.filter(question=gout).update(body="Allopurinol lowers uric acid.")
    question_refresh(question=gout)
    assert gout.pk in lexical_ids("allopurinol")
    # One question changed: logged for processes to read again, not a new generation.
    assert index_state() != state_before
    assert VectorChange.objects.filter(question_id=gout.pk).exists()
    # The vector embeds the title, which did not change; it is rewritten all the same.
    assert bytes(QuestionVector.objects.get(question=gout).vector) == vector_before


def test_a_reimport_with_a_new_title_replaces_the_old_words() -> None:
    build()
    first = records()[0]
    questions_import(records=[QuestionRecord(**{**first.__dict__,
                                                "title": "What is podagra?"})],
                     comment="retitled")
    pk = Question.objects.get(external_id=first.external_id).pk
    assert pk in lexical_ids("podagra")
    m = vector_matrix(encoder=encoder())
    want = encoder().encode(["What is podagra?"])[0]
    assert float(m.matrix[m.row_of[pk]] @ want) > 0.9


def test_deleting_a_question_takes_it_out_of_every_index_and_refills_related_lists() -> None:
    questions = build()
    related_compute(encoder=encoder())
    gout = questions["t/0/0"]
    gout_pk = gout.pk
    listing = set(RelatedQuestion.objects.filter(related=gout).values_list("question_id",
                                                                          flat=True))
    assert listing
    before = vector_matrix(encoder=encoder())
    assert gout_pk in before.row_of and gout_pk in fts_rowids()
    gout.delete()  # as the admin does: no service, the search app's signal handlers
    assert gout_pk not in fts_rowids()
    after = vector_matrix(encoder=encoder())
    assert after is not before and gout_pk not in after.row_of
    assert gout_pk not in {h.question_id for h in
                           HybridSearcher(lexical=lexical_searcher(),
                                          dense=DenseSearcher(encoder=encoder()))
                           .search("What is Gout?", k=20)}
    for question_id in listing:
        related = list(RelatedQuestion.objects.filter(question_id=question_id)
                       .values_list("related_id", flat=True))
        assert gout_pk not in related and len(related) == RELATED


def test_a_model_or_dimension_change_says_to_run_reindex() -> None:
    build()
    other = HashingEncoder(dim=128)
    with pytest.raises(IndexMismatch) as caught:
        index_check(encoder=other)
    message = str(caught.value)
    assert "run `healthqa reindex`" in message
    assert "dimension 384" in message and "dimension 128" in message
    with pytest.raises(IndexMismatch, match="healthqa reindex"):
        vectors_write(question_ids=Question.objects.values_list("pk", flat=True),
                      encoder=other)


def test_reindex_rebuilds_from_the_database_after_a_mismatch() -> None:
    questions = build()
    IndexMeta.objects.filter(key="dim").update(value="128")
    with pytest.raises(IndexMismatch):
        vector_matrix(encoder=encoder())
    with connection.cursor() as cur:
        cur.execute("DELETE FROM search_fts")
    report = search_reindex()
    assert report.questions == report.vectors == len(questions)
    assert IndexMeta.objects.get(key="dim").value == "384"
    assert fts_rowids() == {q.pk for q in questions.values()}
    assert vector_matrix(encoder=encoder()).size == len(questions)


def test_vectors_are_reloaded_only_when_the_generation_changes() -> None:
    build()
    first = vector_matrix(encoder=encoder())
    assert vector_matrix(encoder=encoder()) is first
    questions_import(records=records(foci=("Tennis elbow",), prefix="late"), comment="late")
    second = vector_matrix(encoder=encoder())
    assert second is not first and second.size == first.size + 7
    assert second.generation != first.generation
    assert vector_matrix(encoder=encoder()) is second


def test_vectors_of_another_length_say_to_run_reindex() -> None:
    questions = build()
    QuestionVector.objects.filter(question=questions["t/0/0"]).update(
        vector=np.zeros(10, dtype=np.float32).tobytes())
    vectors_write(question_ids=[questions["t/1/0"].pk], encoder=encoder())  # new generation
    with pytest.raises(IndexMismatch, match="healthqa reindex"):
        vector_matrix(encoder=encoder())


def test_a_bulk_import_embeds_in_the_background_and_stores_only_current_content() -> None:
    recs = records()
    with vectors_background(encoder=encoder()):
        questions_import(records=recs[:70], comment="first half")
        assert QuestionVector.objects.count() == 0  # not yet: stored when the block ends
        questions_import(records=recs[70:], comment="second half")
        # Edited while its vector was being computed: the stale vector must not be stored.
        first = recs[0]
        questions_import(records=[QuestionRecord(**{**first.__dict__, "title": "Gout?"})],
                         comment="edit")
    pks = set(Question.objects.values_list("pk", flat=True))
    assert set(QuestionVector.objects.values_list("question_id", flat=True)) == pks
    m = vector_matrix(encoder=encoder())
    pk = Question.objects.get(external_id=first.external_id).pk
    want = encoder().encode(["Gout?"])[0]
    assert float(m.matrix[m.row_of[pk]] @ want) == pytest.approx(1.0, abs=1e-5)


def test_questions_left_without_a_vector_are_embedded_by_the_next_bulk_import() -> None:
    build()
    lost = list(Question.objects.order_by("pk").values_list("pk", flat=True)[:5])
    QuestionVector.objects.filter(question_id__in=lost).delete()  # an interrupted import
    assert sorted(vectors_missing()) == lost
    with vectors_background(encoder=encoder()):
        questions_import(records=records(foci=("Tennis elbow",), prefix="late"),
                         comment="next import")
    assert vectors_missing() == []


def test_related_lists_are_diverse_distinct_and_full() -> None:
    many_foci = [*FOCI, *(f"{f} type 2" for f in FOCI)]
    questions = build(records(foci=many_foci))
    assert related_compute(encoder=encoder()) == len(questions)
    by_pk = {q.pk: q for q in questions.values()}
    lists: dict[int, list[int]] = {}
    for question_id, related_id in RelatedQuestion.objects.order_by(
            "question_id", "rank").values_list("question_id", "related_id"):
        lists.setdefault(question_id, []).append(related_id)
    assert set(lists) == set(by_pk)
    for question_id, related in lists.items():
        question = by_pk[question_id]
        assert len(related) == RELATED
        assert question_id not in related
        titles = [by_pk[r].title.casefold() for r in related]
        assert len(set(titles)) == len(titles) and question.title.casefold() not in titles
        foci = Counter(by_pk[r].focus.casefold() for r in related)
        assert foci.pop(question.focus.casefold(), 0) <= OWN_FOCUS_MAX
        assert all(count == 1 for count in foci.values())


def test_related_lists_from_the_graph_follow_the_same_rules() -> None:
    questions = build(records(foci=[*FOCI, *(f"{f} type 2" for f in FOCI)]))
    related_compute(encoder=encoder(), ann_min_rows=0)
    by_pk = {q.pk: q for q in questions.values()}
    exact_free = RelatedQuestion.objects.values_list("question_id", "related_id")
    lists: dict[int, list[int]] = {}
    for question_id, related_id in exact_free.order_by("question_id", "rank"):
        lists.setdefault(question_id, []).append(related_id)
    assert set(lists) == set(by_pk)
    for question_id, related in lists.items():
        assert len(related) == RELATED and question_id not in related
        foci = Counter(by_pk[r].focus.casefold() for r in related)
        foci.pop(by_pk[question_id].focus.casefold(), 0)
        assert all(count == 1 for count in foci.values())


def test_answerless_questions_are_recommended_after_answered_ones_of_equal_closeness() -> None:
    build([
        QuestionRecord(external_id=f"r/{i}", title=title, category_path=("C",),
                       focus=f"Focus {i}", answers=answers)
        for i, (title, answers) in enumerate([
            ("What is gout?", (AnswerRecord(body="A kind of arthritis."),)),
            ("What is gout disease?", ()),
            ("What is gout arthritis?", (AnswerRecord(body="Crystals in a joint."),)),
        ])
    ])
    related_compute(encoder=encoder())
    first = Question.objects.get(external_id="r/0")
    ranked = list(RelatedQuestion.objects.filter(question=first).order_by("rank")
                  .values_list("related__external_id", flat=True))
    assert ranked[-1] == "r/1"
