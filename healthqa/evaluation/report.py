"""Running rankers over the dev set and a match scorer over RQE, and writing the results up.

A ranker is `rank(query, k) -> [(external_id, score), ...]` (best first); a match scorer is
`score(chq, faq) -> float` (higher means "answering faq answers chq"). Neither needs Django
here: the caller wraps the engine.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from healthqa.evaluation.devset import DevSetFiles
from healthqa.evaluation.metrics import (
    Threshold,
    accuracy_at,
    mrr_at,
    ndcg_at,
    recall_at,
    roc_auc,
    threshold_best,
)
from healthqa.evaluation.rewrite import TRANSFORMATIONS
from healthqa.evaluation.rqe import RqePair

Ranker = Callable[[str, int], Sequence[tuple[str, float]]]
MatchScorer = Callable[[str, str], float]
Run = dict[str, list[tuple[str, float]]]
ALL = "all queries"


@dataclass(frozen=True)
class RankingScores:
    mrr: float
    recall: float
    ndcg: float
    queries: int


@dataclass(frozen=True)
class DevSetReport:
    k: int
    # group ("all queries" or a transformation) -> ranker name -> scores
    groups: dict[str, dict[str, RankingScores]]

    def scores(self, ranker: str) -> RankingScores:
        """The scores of one ranker over all queries."""
        return self.groups[ALL][ranker]


def devset_run(*, queries: Mapping[str, str], rank: Ranker, k: int = 10) -> Run:
    """Rank every query; the result can be written as a TREC run (trec.run_write)."""
    return {qid: list(rank(text, k))[:k] for qid, text in queries.items()}


def devset_score(*, devset: DevSetFiles, runs: Mapping[str, Run], k: int = 10) -> DevSetReport:
    """MRR@k, Recall@k and nDCG@k per ranker, over all queries and per transformation."""
    members: dict[str, list[str]] = {ALL: list(devset.queries)}
    for name in TRANSFORMATIONS:
        with_it = [q for q in devset.queries if name in devset.transformations.get(q, ())]
        if with_it:
            members[name] = with_it
    groups: dict[str, dict[str, RankingScores]] = {}
    for group, qids in members.items():
        qrels = {q: devset.qrels[q] for q in qids}
        groups[group] = {}
        for ranker, run in runs.items():
            ranked = {q: [docid for docid, _ in run.get(q, [])] for q in qids}
            groups[group][ranker] = RankingScores(
                mrr=mrr_at(run=ranked, qrels=qrels, k=k),
                recall=recall_at(run=ranked, qrels=qrels, k=k),
                ndcg=ndcg_at(run=ranked, qrels=qrels, k=k), queries=len(qids))
    return DevSetReport(k=k, groups=groups)


def devset_evaluate(*, devset: DevSetFiles, rankers: Mapping[str, Ranker],
                    k: int = 10) -> DevSetReport:
    """Run each named ranker over the dev set and score it."""
    runs = {name: devset_run(queries=devset.queries, rank=rank, k=k)
            for name, rank in rankers.items()}
    return devset_score(devset=devset, runs=runs, k=k)


@dataclass(frozen=True)
class RqeReport:
    tuned: Threshold  # best accuracy on the training pairs
    train_pairs: int
    train_auc: float
    validation_pairs: int
    validation_auc: float
    validation_accuracy: float  # at the threshold tuned on train
    given_threshold: float | None = None
    validation_accuracy_given: float | None = None  # at the threshold the caller gave


def rqe_evaluate(*, score: MatchScorer, train: Sequence[RqePair],
                 validation: Sequence[RqePair], threshold: float | None = None) -> RqeReport:
    """Tune a threshold on the training pairs, report ROC AUC and accuracy on validation."""
    train_scores = [score(p.chq, p.faq) for p in train]
    train_labels = [p.label for p in train]
    scores = [score(p.chq, p.faq) for p in validation]
    labels = [p.label for p in validation]
    tuned = threshold_best(scores=train_scores, labels=train_labels)
    return RqeReport(
        tuned=tuned, train_pairs=len(train),
        train_auc=roc_auc(scores=train_scores, labels=train_labels),
        validation_pairs=len(validation), validation_auc=roc_auc(scores=scores, labels=labels),
        validation_accuracy=accuracy_at(scores=scores, labels=labels, threshold=tuned.value),
        given_threshold=threshold,
        validation_accuracy_given=None if threshold is None else accuracy_at(
            scores=scores, labels=labels, threshold=threshold))


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    align = ["---"] + ["---:"] * (len(header) - 1)
    return ["| " + " | ".join(cells) + " |" for cells in (header, align, *rows)]


def report_markdown(*, devset: DevSetReport | None = None, rqe: RqeReport | None = None) -> str:
    """The results as Markdown tables (figures to three decimals)."""
    lines: list[str] = []
    if devset is not None:
        k, rankers = devset.k, list(devset.groups[ALL])
        lines += [f"### Dev set: {devset.groups[ALL][rankers[0]].queries} queries", ""]
        lines += _table(["ranking", f"MRR@{k}", f"Recall@{k}", f"nDCG@{k}"], [
            [r, f"{s.mrr:.3f}", f"{s.recall:.3f}", f"{s.ndcg:.3f}"]
            for r, s in devset.groups[ALL].items()])
        lines += ["", f"MRR@{k} by transformation (queries where it was applied):", ""]
        lines += _table(["transformation", "queries", *rankers], [
            [group, str(next(iter(by.values())).queries), *(f"{by[r].mrr:.3f}" for r in rankers)]
            for group, by in devset.groups.items()])
        lines.append("")
    if rqe is not None:
        t = rqe.tuned.value
        rows = [["train (threshold tuned here)", str(rqe.train_pairs), f"{rqe.train_auc:.3f}",
                 f"{rqe.tuned.accuracy:.3f}", f"{t:.4g}"],
                ["validation", str(rqe.validation_pairs), f"{rqe.validation_auc:.3f}",
                 f"{rqe.validation_accuracy:.3f}", f"{t:.4g}"]]
        if rqe.given_threshold is not None and rqe.validation_accuracy_given is not None:
            rows.append(["validation, given threshold", str(rqe.validation_pairs),
                         f"{rqe.validation_auc:.3f}", f"{rqe.validation_accuracy_given:.3f}",
                         f"{rqe.given_threshold:.4g}"])
        lines += ["### RQE: consumer question / FAQ entailment", ""]
        lines += _table(["pairs", "count", "ROC AUC", "accuracy", "threshold"], rows)
        lines.append("")
    return "\n".join(lines)
