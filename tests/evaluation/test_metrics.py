"""Metrics checked against figures computed by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from healthqa.evaluation.metrics import (
    accuracy_at,
    mrr_at,
    ndcg,
    ndcg_at,
    recall,
    recall_at,
    reciprocal_rank,
    roc_auc,
    threshold_best,
)


def test_reciprocal_rank_is_one_over_the_rank_of_the_first_relevant_document() -> None:
    assert reciprocal_rank(ranked=["a", "b", "c"], judged={"c": 1, "z": 1}, k=10) == 1 / 3
    assert reciprocal_rank(ranked=["a", "b", "c"], judged={"c": 1}, k=2) == 0.0
    assert reciprocal_rank(ranked=["a", "b"], judged={"a": 0, "b": 2}, k=10) == 0.5


def test_mrr_averages_over_judged_queries_and_a_query_missing_from_the_run_scores_zero() -> None:
    qrels = {"q1": {"x": 1}, "q2": {"y": 1}, "q3": {"z": 1}, "q4": {"w": 0}}
    run = {"q1": ["a", "x"], "q2": ["y"], "q4": ["w"]}
    # q1: 1/2, q2: 1, q3: 0 (not in the run); q4 has nothing relevant and does not count.
    assert mrr_at(run=run, qrels=qrels, k=10) == pytest.approx(0.5)
    assert mrr_at(run=run, qrels=qrels, k=1) == pytest.approx(1 / 3)


def test_recall_is_the_share_of_relevant_documents_in_the_top_k() -> None:
    judged = {"a": 1, "d": 1, "e": 0}
    assert recall(ranked=["a", "b", "c"], judged=judged, k=3) == 0.5
    assert recall(ranked=["b", "c", "a", "d"], judged=judged, k=3) == 0.5
    assert recall(ranked=["b", "c", "a", "d"], judged=judged, k=4) == 1.0
    assert recall_at(run={"q": ["a"], "r": ["x"]}, qrels={"q": judged, "r": {"x": 1}},
                     k=10) == pytest.approx(0.75)


def test_ndcg_uses_graded_gains_and_the_ideal_ordering() -> None:
    # One relevant document at rank 2: (1 / log2 3) / 1.
    assert ndcg(ranked=["b", "a"], judged={"a": 1}, k=10) == pytest.approx(1 / math.log2(3))
    # Grades a=2, b=1 ranked b, a: (1 + 2/log2 3) / (2 + 1/log2 3) = 2.26186 / 2.63093.
    assert ndcg(ranked=["b", "a"], judged={"a": 2, "b": 1}, k=10) == pytest.approx(0.859719, 1e-5)
    assert ndcg_at(run={"q": ["a", "b"]}, qrels={"q": {"a": 2, "b": 1}}, k=10) == 1.0


def test_ranking_metrics_refuse_judgements_without_any_relevant_document() -> None:
    with pytest.raises(ValueError, match="no query has a relevant document"):
        mrr_at(run={}, qrels={"q": {"a": 0}})


def test_roc_auc_matches_the_textbook_example() -> None:
    # The example of scikit-learn's roc_auc_score documentation: 3 of 4 pairs ordered right.
    assert roc_auc(scores=[0.1, 0.4, 0.35, 0.8], labels=[False, False, True, True]) == 0.75


def test_roc_auc_counts_a_tie_between_a_positive_and_a_negative_as_one_half() -> None:
    # Pairs (pos, neg): (0.5, 0.5) = 1/2, (0.5, 0.2) = 1, (0.9, 0.5) = 1, (0.9, 0.2) = 1.
    assert roc_auc(scores=[0.5, 0.5, 0.2, 0.9], labels=[True, False, False, True]) == 0.875
    assert roc_auc(scores=[3, 3, 3, 3], labels=[True, False, True, False]) == 0.5
    assert roc_auc(scores=[1, 2], labels=[False, True]) == 1.0
    assert roc_auc(scores=[1, 2], labels=[True, False]) == 0.0


def test_roc_auc_agrees_with_counting_every_pair_on_tied_random_scores() -> None:
    rng = np.random.default_rng(7)
    scores = rng.integers(0, 6, size=60).astype(float)  # few distinct values: many ties
    labels = rng.random(60) < 0.4
    pos, neg = scores[labels], scores[~labels]
    pairs = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    expected = pairs / (len(pos) * len(neg))
    assert roc_auc(scores=scores.tolist(), labels=labels.tolist()) == pytest.approx(expected)


def test_roc_auc_needs_both_classes_and_as_many_labels_as_scores() -> None:
    with pytest.raises(ValueError, match="both positive and negative"):
        roc_auc(scores=[0.1, 0.2], labels=[True, True])
    with pytest.raises(ValueError, match="2 scores but 3 labels"):
        roc_auc(scores=[0.1, 0.2], labels=[True, False, True])


def test_accuracy_counts_a_score_equal_to_the_threshold_as_positive() -> None:
    # Predictions at 0.35: F, T, T, T against F, F, T, T: three right.
    assert accuracy_at(scores=[0.1, 0.4, 0.35, 0.8], labels=[False, False, True, True],
                       threshold=0.35) == 0.75
    assert accuracy_at(scores=[0.1, 0.4, 0.35, 0.8], labels=[False, False, True, True],
                       threshold=0.36) == 0.5


def test_best_threshold_is_the_lowest_of_the_best_and_lies_between_scores() -> None:
    # Candidates -0.15, 0.225, 0.375, 0.6, 1.05 give accuracies 0.5, 0.75, 0.5, 0.75, 0.5.
    best = threshold_best(scores=[0.1, 0.4, 0.35, 0.8], labels=[False, False, True, True])
    assert best.value == pytest.approx(0.225)
    assert best.accuracy == 0.75
    separable = threshold_best(scores=[1, 2, 3, 4], labels=[False, False, True, True])
    assert (separable.value, separable.accuracy) == (2.5, 1.0)


def test_best_threshold_can_call_everything_positive_or_everything_negative() -> None:
    assert threshold_best(scores=[5, 6, 7], labels=[True, True, True]).value < 5
    assert threshold_best(scores=[5, 6, 7], labels=[False, False, False]).value > 7
    assert threshold_best(scores=[2.0], labels=[True]).accuracy == 1.0


def test_best_threshold_reports_the_accuracy_it_really_has() -> None:
    rng = np.random.default_rng(11)
    labels = rng.random(200) < 0.5
    scores = np.round(rng.normal(size=200) + labels, 1)
    best = threshold_best(scores=scores.tolist(), labels=labels.tolist())
    at_best = accuracy_at(scores=scores.tolist(), labels=labels.tolist(), threshold=best.value)
    assert at_best == best.accuracy
    for other in np.unique(scores):  # no score used as a threshold does better
        assert accuracy_at(scores=scores.tolist(), labels=labels.tolist(),
                           threshold=float(other)) <= best.accuracy
