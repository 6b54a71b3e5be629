"""Tuning rescores the hybrid searcher's own candidates: its ranking must equal the searcher's."""

from __future__ import annotations

import pytest

from healthqa.evaluation.tuning import (
    BEFORE,
    candidates_gather,
    features_compute,
    features_rank,
    weights_search,
    weights_try,
)
from healthqa.kb.models import Question
from healthqa.search.engine import searcher
from healthqa.search.hybrid import HybridSearcher
from healthqa.search.match import WEIGHTS, MatchWeights
from healthqa.search.vectors import vector_matrix_forget
from tests.evaluation.crafted_kb import crafted_kb_write

pytestmark = pytest.mark.django_db

QUERIES = {"q1": "how is gout treated", "q2": "signs of glaucoma in older people",
           "q3": "Psoriasis. what is it", "q4": "my daughter gets migranes what can we do",
           "q5": "asthma"}
OTHER = MatchWeights(qtype=0.3, qtype_mismatch=0.0, focus=0.0, lexical=0.9)


@pytest.fixture
def features() -> dict:
    vector_matrix_forget()
    crafted_kb_write()
    return features_compute(queries=QUERIES, candidates=candidates_gather(queries=QUERIES))


@pytest.mark.parametrize("weights", [WEIGHTS, BEFORE, OTHER])
def test_rescored_candidates_rank_exactly_as_the_hybrid_searcher_with_the_same_weights(
        features: dict, weights: MatchWeights) -> None:
    hybrid = searcher("hybrid")
    assert isinstance(hybrid, HybridSearcher)
    names = dict(Question.objects.values_list("pk", "external_id"))
    for qid, text in QUERIES.items():
        expected = [(names[h.question_id], h.score)
                    for h in hybrid.with_weights(weights).search(text, k=10)]
        got = features_rank(features=features[qid], weights=weights, k=10)
        assert [n for n, _ in got] == [n for n, _ in expected], text
        assert [s for _, s in got] == pytest.approx([s for _, s in expected])


def test_a_grid_search_returns_every_combination_best_first(features: dict) -> None:
    qrels = {"q1": {"crafted/01-2": 1}, "q2": {"crafted/02-3": 1}, "q3": {"crafted/04-1": 1},
             "q4": {"crafted/05-2": 1}, "q5": {"crafted/03-1": 1}}
    trials = weights_search(features=features, qrels=qrels,
                            grid={"qtype": (0.0, 0.2), "lexical": (0.0, 0.5, 1.0)})
    assert len(trials) == 6
    assert [t.mrr for t in trials] == sorted((t.mrr for t in trials), reverse=True)
    best = trials[0]
    assert weights_try(features=features, qrels=qrels, weights=best.weights).mrr == best.mrr
    # Axes not in the grid stay as shipped.
    assert {(t.weights.focus, t.weights.topic) for t in trials} == {(WEIGHTS.focus,
                                                                      WEIGHTS.topic)}
