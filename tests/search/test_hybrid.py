"""The hybrid searcher: BM25 and dense candidates fused by one match score, in a stable order."""

from __future__ import annotations

import json
import threading

import numpy as np
import pytest

from healthqa.kb.models import Category, Question
from healthqa.search.dense import DenseSearcher
from healthqa.search.engine import encoder, lexical_searcher
from healthqa.search.hybrid import HybridSearcher, weights_replace
from healthqa.search.intent import focus_words as intent_focus_words
from healthqa.search.intent import question_types
from healthqa.search.match import (
    LONG_FROM,
    WEIGHTS,
    focus_overlap,
    match_score,
    topics_named,
    type_agreement,
    weights_for_length,
)
from healthqa.search.text import stem_words
from healthqa.search.types import DenseCandidate, Hit, SearchFilters
from healthqa.search.vectors import focus_words, vector_matrix
from tests.search.corpus import build

pytestmark = pytest.mark.django_db

QUERIES = ("How is gout treated?", "my knee swells, what causes gout", "glaucoma symptoms",
           "can asthma be prevented", "what is the outlook for lupus", "kidney stones",
           "I have had a rash for weeks and my doctor mentioned psoriasis, is it curable?")


def hybrid(*, ann_min_rows: int = 10**9) -> HybridSearcher:
    return HybridSearcher(lexical=lexical_searcher(),
                          dense=DenseSearcher(encoder=encoder(), ann_min_rows=ann_min_rows))


def ranking(hits: list[Hit]) -> list[tuple[int, float]]:
    return [(h.question_id, round(h.score, 6)) for h in hits]


def test_the_score_is_the_match_score_plus_the_weighted_bm25_plus_the_named_topic() -> None:
    build()
    hits = hybrid().search("How is gout treated?", k=20)
    best_lexical = max(h.lexical or 0.0 for h in hits)
    foci = dict(Question.objects.values_list("pk", "focus"))
    for h in hits:
        assert h.match is not None and h.dense is not None
        relative = (h.lexical or 0.0) / best_lexical
        # "gout" is all the query's topic words: a gout question gets the whole topic weight.
        topic = WEIGHTS.topic if foci[h.question_id].casefold() == "gout" else 0.0
        assert h.score == pytest.approx(h.match + WEIGHTS.lexical * relative + topic, abs=1e-9)
    assert {foci[h.question_id].casefold() for h in hits[:2]} == {"gout"}
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_a_long_message_is_ranked_with_lighter_weights_but_matched_as_any_other() -> None:
    build()
    story = ("My dad is 67 and lives alone since mum died last spring. He keeps busy in the "
             "garden and walks the dog twice a day, but last week his big toe swelled up "
             "overnight and went red and hot, and the doctor at the surgery said it is gout. "
             "He hates taking pills of any kind. How do they treat it?")
    words = len(story.split())
    assert words > 3 * LONG_FROM
    ranking = weights_for_length(WEIGHTS, words)
    hits = hybrid().search(story, k=10_000)  # every candidate
    best_lexical = max(h.lexical or 0.0 for h in hits)
    rows = {pk: (qtype, focus_words(focus, json.dumps(synonyms)))
            for pk, qtype, focus, synonyms in Question.objects.values_list(
                "pk", "question_type", "focus", "focus_synonyms")}
    types, query_words = question_types(story), set(stem_words(story))
    named = topics_named(query_words, set(intent_focus_words(story)),
                         [rows[h.question_id][1] for h in hits])
    for h, on_topic in zip(hits, named, strict=True):
        assert h.dense is not None
        agree = type_agreement(types, rows[h.question_id][0])
        focus = focus_overlap(query_words, rows[h.question_id][1])
        # The match (what confidence reads) has the full weights, the ranking lighter ones.
        assert h.match == pytest.approx(match_score(cosine=h.dense, type_agree=agree,
                                                    focus=focus), abs=1e-9)
        assert h.score == pytest.approx(
            match_score(cosine=h.dense, type_agree=agree, focus=focus, weights=ranking)
            + ranking.lexical * (h.lexical or 0.0) / best_lexical + ranking.topic * on_topic,
            abs=1e-9)
    assert any(on_topic for on_topic in named)
    assert Question.objects.get(pk=hits[0].question_id).focus == "Gout"


def test_the_same_query_gives_the_same_order_every_time_with_ties_by_question_id() -> None:
    build()
    searcher = hybrid()
    for query in QUERIES:
        first = ranking(searcher.search(query, k=10))
        assert first, query
        for _ in range(3):
            assert ranking(searcher.search(query, k=10)) == first, query
        assert first == sorted(first, key=lambda pair: (-pair[1], pair[0]))


def test_a_question_found_only_by_its_words_gets_its_exact_cosine() -> None:
    build()
    searcher = HybridSearcher(lexical=lexical_searcher(),
                              dense=DenseSearcher(encoder=encoder()), candidates=3)
    query = "kidney stones and a fever"
    vector = encoder().encode([query])[0]
    m = vector_matrix(encoder=encoder())
    dense_top = {h.question_id for h in searcher.dense.search(query, k=3)}
    hits = searcher.search(query, k=10)
    lexical_only = [h for h in hits if h.question_id not in dense_top]
    assert lexical_only and all(h.lexical is not None for h in lexical_only)
    for h in hits:
        want = float(m.matrix[m.row_of[h.question_id]] @ vector)
        assert h.dense == pytest.approx(want, abs=1e-6)


def test_the_graph_and_the_exact_scan_give_the_same_ranking_on_a_small_corpus() -> None:
    build()
    exact, graph = hybrid(), hybrid(ann_min_rows=0)
    for query in QUERIES:
        assert ranking(graph.search(query, k=10)) == ranking(exact.search(query, k=10)), query


def test_filters_apply_to_both_candidate_lists() -> None:
    questions = build()
    joints = Category.objects.get(name="Joints")
    by_pk = {q.pk: q for q in questions.values()}
    for searcher in (hybrid(), hybrid(ann_min_rows=0)):
        hits = searcher.search("How is gout treated?", k=20,
                               filters=SearchFilters(category_ids=(joints.pk,)))
        assert hits and all(by_pk[h.question_id].category_id == joints.pk for h in hits)
        answered = searcher.search("gout", k=20, filters=SearchFilters(has_answer=False))
        assert all(not by_pk[h.question_id].has_answer for h in answered)


def test_empty_and_nonsense_queries_return_quietly() -> None:
    build()
    searcher = hybrid()
    assert searcher.search("", k=10) == []
    assert searcher.search("   ", k=10) == []
    hits = searcher.search("?!?", k=3)  # no words: dense candidates only, no BM25
    assert len(hits) == 3 and all(h.lexical is None for h in hits)


def test_other_weights_change_the_ranking_and_keep_the_searchers() -> None:
    build()
    searcher = hybrid()
    lexical_only = searcher.with_weights(weights_replace(lexical=1e4))
    assert lexical_only.lexical is searcher.lexical and lexical_only.dense is searcher.dense
    hits = lexical_only.search("kidney stones", k=5)
    lexical = np.array([h.lexical or 0.0 for h in hits])
    assert list(lexical) == sorted(lexical, reverse=True)


class _Lexical:
    def search(self, query: str, *, k: int = 10, filters: SearchFilters | None = None
               ) -> list[Hit]:
        return [Hit(question_id=i, score=float(10 - i)) for i in (1, 2, 3)]


class _View:
    """A scan that can end only once the lexical candidates' cosines have been asked for."""

    concurrent = True

    def __init__(self) -> None:
        self.asked = threading.Event()
        self.scan_waited_for_cosines = False

    def _candidate(self, question_id: int) -> DenseCandidate:
        return DenseCandidate(question_id=question_id, cosine=question_id / 10,
                              question_type="information", focus_words=())

    def nearest(self, vector: np.ndarray, count: int) -> list[DenseCandidate]:
        self.scan_waited_for_cosines = self.asked.wait(timeout=5)
        return [self._candidate(i) for i in (3, 4)]

    def candidates(self, vector: np.ndarray, question_ids: list[int]) -> list[DenseCandidate]:
        self.asked.set()
        return [self._candidate(i) for i in question_ids]


class _Dense:
    def __init__(self, view: _View) -> None:
        self._view = view

    def encode(self, query: str) -> np.ndarray:
        return np.ones(3, dtype=np.float32)

    def view(self, filters: SearchFilters | None) -> _View:
        return self._view


def test_the_lexical_candidates_cosines_are_fetched_while_the_scan_runs() -> None:
    view = _View()
    searcher = HybridSearcher(lexical=_Lexical(), dense=_Dense(view))  # type: ignore[arg-type]
    hits = searcher.search("anything", k=10)
    assert view.scan_waited_for_cosines
    # Every candidate once, with its own cosine: 3 found by both, 4 by the scan alone.
    assert sorted((h.question_id, h.dense) for h in hits) == [
        (1, 0.1), (2, 0.2), (3, 0.3), (4, 0.4)]
