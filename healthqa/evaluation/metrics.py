"""Ranking and classification metrics: MRR@k, Recall@k, nDCG@k, ROC AUC, accuracy, thresholds.

Ranking metrics follow trec_eval's conventions: a document counts as relevant when its
judgement is > 0, queries are averaged over the judged queries (a judged query missing from
the run scores 0), and only the first k results of a ranking count.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

Qrels = Mapping[str, Mapping[str, int]]
Run = Mapping[str, Sequence[str]]
PerQuery = Callable[..., float]


def reciprocal_rank(*, ranked: Sequence[str], judged: Mapping[str, int], k: int) -> float:
    """1 / rank of the first relevant document within the top k, 0 when there is none."""
    for rank, docid in enumerate(ranked[:k], start=1):
        if judged.get(docid, 0) > 0:
            return 1.0 / rank
    return 0.0


def recall(*, ranked: Sequence[str], judged: Mapping[str, int], k: int) -> float:
    """Share of the relevant documents found within the top k (0 when none are relevant)."""
    relevant = {docid for docid, rel in judged.items() if rel > 0}
    if not relevant:
        return 0.0
    found = len(relevant.intersection(ranked[:k]))
    return found / len(relevant)


def ndcg(*, ranked: Sequence[str], judged: Mapping[str, int], k: int) -> float:
    """nDCG@k with graded gains rel / log2(rank + 1) (Järvelin & Kekäläinen 2002)."""
    gains = [max(judged.get(docid, 0), 0) for docid in ranked[:k]]
    dcg = sum(g / math.log2(i + 2) for i, g in enumerate(gains))
    ideal = sorted((r for r in judged.values() if r > 0), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg > 0 else 0.0


def _mean_over_judged(run: Run, qrels: Qrels, k: int, per_query: PerQuery) -> float:
    judged_queries = [qid for qid, judged in qrels.items() if any(r > 0 for r in judged.values())]
    if not judged_queries:
        raise ValueError("no query has a relevant document")
    total = sum(per_query(ranked=run.get(qid, ()), judged=qrels[qid], k=k)
                for qid in judged_queries)
    return total / len(judged_queries)


def mrr_at(*, run: Run, qrels: Qrels, k: int = 10) -> float:
    """Mean reciprocal rank at k over the queries with at least one relevant document."""
    return _mean_over_judged(run, qrels, k, reciprocal_rank)


def recall_at(*, run: Run, qrels: Qrels, k: int = 10) -> float:
    """Mean recall at k over the queries with at least one relevant document."""
    return _mean_over_judged(run, qrels, k, recall)


def ndcg_at(*, run: Run, qrels: Qrels, k: int = 10) -> float:
    """Mean nDCG at k over the queries with at least one relevant document."""
    return _mean_over_judged(run, qrels, k, ndcg)


def _check_binary(scores: Sequence[float], labels: Sequence[bool]) -> tuple[np.ndarray, np.ndarray]:
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(labels, dtype=bool)
    if s.shape != y.shape or s.ndim != 1:
        raise ValueError(f"{len(s)} scores but {len(y)} labels")
    if not np.all(np.isfinite(s)):
        raise ValueError("scores must be finite numbers")
    return s, y


def _average_ranks(values: np.ndarray) -> np.ndarray:
    """1-based ranks, tied values sharing the mean of the ranks they span."""
    order = np.argsort(values, kind="mergesort")
    ordered = values[order]
    # Start index of each run of equal values, and the run each sorted position belongs to.
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    ends = np.r_[starts[1:], len(values)]
    run_of = np.repeat(np.arange(len(starts)), ends - starts)
    mean_rank = (starts + ends + 1) / 2.0  # mean of the 1-based ranks starts+1 .. ends
    ranks = np.empty(len(values), dtype=np.float64)
    ranks[order] = mean_rank[run_of]
    return ranks


def roc_auc(*, scores: Sequence[float], labels: Sequence[bool]) -> float:
    """Area under the ROC curve, from the Mann-Whitney U statistic; a tie counts one half."""
    s, y = _check_binary(scores, labels)
    n_pos = int(y.sum())
    n_neg = len(y) - n_pos
    if n_pos == 0 or n_neg == 0:
        raise ValueError("ROC AUC needs both positive and negative labels")
    rank_sum = _average_ranks(s)[y].sum()
    u = rank_sum - n_pos * (n_pos + 1) / 2.0
    return float(u / (n_pos * n_neg))


def accuracy_at(*, scores: Sequence[float], labels: Sequence[bool], threshold: float) -> float:
    """Share of labels predicted right when score >= threshold predicts positive."""
    s, y = _check_binary(scores, labels)
    if len(s) == 0:
        raise ValueError("accuracy needs at least one example")
    return float(np.mean((s >= threshold) == y))


@dataclass(frozen=True)
class Threshold:
    """A decision threshold (score >= value is positive) and its accuracy where it was found."""

    value: float
    accuracy: float


def threshold_best(*, scores: Sequence[float], labels: Sequence[bool]) -> Threshold:
    """The threshold with the best accuracy on this data (the lowest one when several tie).

    Candidates lie halfway between consecutive distinct scores, plus one below the lowest
    (everything positive) and one above the highest (everything negative), so the chosen
    value does not sit exactly on a training score.
    """
    s, y = _check_binary(scores, labels)
    if len(s) == 0:
        raise ValueError("a threshold needs at least one example")
    distinct = np.unique(s)
    spacing = float(np.min(np.diff(distinct))) if len(distinct) > 1 else 1.0
    candidates = np.r_[distinct[0] - spacing, (distinct[:-1] + distinct[1:]) / 2.0,
                       distinct[-1] + spacing]
    # For candidate c: positives predicted right = positives with score >= c, negatives
    # predicted right = negatives with score < c; counted for all candidates with searchsorted.
    pos = np.sort(s[y])
    neg = np.sort(s[~y])
    true_pos = len(pos) - np.searchsorted(pos, candidates, side="left")
    true_neg = np.searchsorted(neg, candidates, side="left")
    accuracy = np.asarray(true_pos + true_neg, dtype=np.float64) / len(s)
    best = int(np.argmax(accuracy))  # argmax returns the first (lowest) of equal maxima
    return Threshold(value=float(candidates[best]), accuracy=float(accuracy[best]))
