"""The hybrid searcher: BM25 and dense candidates fused by one match score, in a stable order."""

from __future__ import annotations

import numpy as np
import pytest

from healthqa.kb.models import Category
from healthqa.search.dense import DenseSearcher
from healthqa.search.engine import encoder, lexical_searcher
from healthqa.search.hybrid import HybridSearcher, weights_replace
from healthqa.search.match import WEIGHTS
from healthqa.search.types import Hit, SearchFilters
from healthqa.search.vectors import vector_matrix
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


def test_the_score_is_the_match_score_plus_the_weighted_relative_bm25() -> None:
    build()
    hits = hybrid().search("How is gout treated?", k=20)
    best_lexical = max(h.lexical or 0.0 for h in hits)
    for h in hits:
        assert h.match is not None and h.dense is not None
        relative = (h.lexical or 0.0) / best_lexical
        assert h.score == pytest.approx(h.match + WEIGHTS.lexical * relative, abs=1e-9)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


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
