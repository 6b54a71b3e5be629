"""Tuning the fusion on the dev set: candidates gathered once, rescored for many weights.

The hybrid searcher ranks the union of its dense and lexical candidates by
`match_score(cosine, type agreement, focus overlap) + lexical * bm25 / best bm25`. This module
gathers each query's candidates once, through the searcher itself (so they are exactly its
own), and ranks them again for other weights with numpy and the same `match_score`.
tests/evaluation/test_tuning.py checks that the rescored ranking equals the searcher's.
Needs Django set up, like runner.py.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from typing import Any, cast

import numpy as np

from healthqa.evaluation.devset import DevSetFiles
from healthqa.evaluation.metrics import mrr_at, recall_at
from healthqa.search.match import MatchWeights

# The weights shipped before tuning (docs/evaluation.md compares with them).
BEFORE = MatchWeights(qtype=0.10, qtype_mismatch=0.06, focus=0.12, lexical=0.25)
GRID: dict[str, tuple[float, ...]] = {
    "qtype": (0.0, 0.04, 0.08, 0.12, 0.16, 0.2, 0.25),
    "qtype_mismatch": (0.0, 0.03, 0.06, 0.1, 0.15, 0.2),
    "focus": (0.0, 0.05, 0.1, 0.15, 0.2, 0.3),
    "lexical": (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.7),
}


@dataclass(frozen=True)
class Candidates:
    """One query's fusion candidates, row-aligned, with what the weights multiply."""

    ids: np.ndarray  # question ids (int64)
    names: tuple[str, ...]  # their external ids
    cosine: np.ndarray
    lexical: np.ndarray  # BM25 over the best BM25 of the query (0 outside its lexical top)
    question_type: tuple[str, ...]
    focus_sets: tuple[tuple[frozenset[str], ...], ...]


@dataclass(frozen=True)
class Features:
    """Candidates plus what the query's intent makes of them (recomputed when rules change)."""

    candidates: Candidates
    type_agree: np.ndarray
    focus: np.ndarray
    topic: np.ndarray  # 1.0 where the candidate is about a topic the query names
    words: int = 0  # the query's length in words (long ones rank with lighter weights)


def candidates_gather(*, queries: Mapping[str, str], progress: bool = False
                      ) -> dict[str, Candidates]:
    """Every candidate the hybrid searcher scores for each query, with its component scores."""
    from healthqa.kb.models import Question
    from healthqa.search.engine import encoder, searcher
    from healthqa.search.vectors import vector_matrix

    search = searcher("hybrid")
    names = dict(Question.objects.values_list("pk", "external_id"))
    items: Iterable[tuple[str, str]] = queries.items()
    if progress:
        from tqdm import tqdm

        items = tqdm(items, total=len(queries), desc="gathering candidates", unit=" queries")
    out: dict[str, Candidates] = {}
    for qid, text in items:
        hits = search.search(text, k=1_000_000)  # every candidate, not only the first k
        m = vector_matrix(encoder=encoder())
        rows = m.rows_of([h.question_id for h in hits]).tolist()
        best = max((h.lexical for h in hits if h.lexical is not None), default=0.0) or 1.0
        out[qid] = Candidates(
            ids=np.asarray([h.question_id for h in hits], dtype=np.int64),
            names=tuple(names[h.question_id] for h in hits),
            cosine=np.asarray([h.dense for h in hits], dtype=np.float64),
            lexical=np.asarray([(h.lexical or 0.0) / best for h in hits], dtype=np.float64),
            question_type=tuple(m.question_type[r] for r in rows),
            focus_sets=tuple(m.focus_words[r] for r in rows))
    return out


def features_compute(*, queries: Mapping[str, str], candidates: Mapping[str, Candidates]
                     ) -> dict[str, Features]:
    """Type agreement and focus overlap of every candidate, with the current intent rules."""
    from healthqa.search.intent import focus_words, question_types
    from healthqa.search.match import focus_overlap, topics_named, type_agreement
    from healthqa.search.text import stem_words

    out = {}
    for qid, c in candidates.items():
        types = question_types(queries[qid])
        words = set(stem_words(queries[qid]))
        out[qid] = Features(
            candidates=c,
            type_agree=np.asarray([type_agreement(types, t) for t in c.question_type]),
            focus=np.asarray([focus_overlap(words, f) for f in c.focus_sets]),
            topic=np.asarray(topics_named(words, set(focus_words(queries[qid])), c.focus_sets),
                             dtype=np.float64),
            words=len(queries[qid].split()))
    return out


def features_rank(*, features: Features, weights: MatchWeights, k: int = 10
                  ) -> list[tuple[str, float]]:
    """The first k candidates as the hybrid searcher ranks them with these weights."""
    from healthqa.search.match import match_score, weights_for_length

    c = features.candidates
    if not len(c.ids):
        return []
    weights = weights_for_length(weights, features.words)
    semantic = match_score(cosine=cast(Any, c.cosine), type_agree=cast(Any, features.type_agree),
                           focus=cast(Any, features.focus), weights=weights)
    score = np.asarray(semantic) + weights.lexical * c.lexical + weights.topic * features.topic
    order = np.lexsort((c.ids, -score))[:k]  # ties by question id, as the searcher breaks them
    return [(c.names[i], float(score[i])) for i in order]


@dataclass(frozen=True)
class Trial:
    weights: MatchWeights
    mrr: float
    recall: float


def weights_try(*, features: Mapping[str, Features], qrels: Mapping[str, Mapping[str, int]],
                weights: MatchWeights, k: int = 10) -> Trial:
    """MRR@k and Recall@k of the fused ranking with these weights."""
    ranked = {qid: [name for name, _ in features_rank(features=f, weights=weights, k=k)]
              for qid, f in features.items()}
    judged = {qid: qrels[qid] for qid in features}
    return Trial(weights=weights, mrr=mrr_at(run=ranked, qrels=judged, k=k),
                 recall=recall_at(run=ranked, qrels=judged, k=k))


def weights_search(*, features: Mapping[str, Features], qrels: Mapping[str, Mapping[str, int]],
                   grid: Mapping[str, Sequence[float]] = GRID) -> list[Trial]:
    """Every combination of the grid's weights, best MRR first (ties: best recall)."""
    from healthqa.search.match import WEIGHTS

    names = [f.name for f in fields(MatchWeights)]
    axes = [grid.get(n, (getattr(WEIGHTS, n),)) for n in names]  # the rest as shipped
    trials = [weights_try(features=features, qrels=qrels,
                          weights=MatchWeights(**dict(zip(names, values, strict=True))))
              for values in itertools.product(*axes)]
    return sorted(trials, key=lambda t: (-t.mrr, -t.recall))


def devset_features(*, devset: DevSetFiles, progress: bool = False) -> dict[str, Features]:
    """Candidates and features of every dev-set query."""
    cands = candidates_gather(queries=devset.queries, progress=progress)
    return features_compute(queries=devset.queries, candidates=cands)


def weights_with(weights: MatchWeights, **changes: float) -> MatchWeights:
    """The weights with some changed."""
    return replace(weights, **changes)


def tuning_markdown(*, devset: DevSetFiles, halves: Mapping[str, DevSetFiles], top: int = 10,
                    progress: bool = False) -> str:
    """The weights grid on the tuning half, best first, each with its held-out figures."""
    from healthqa.search.match import WEIGHTS

    features = devset_features(devset=devset, progress=progress)
    (tune_name, tune), (held_name, held) = list(halves.items())[:2]
    tune_f = {q: features[q] for q in tune.queries}
    held_f = {q: features[q] for q in held.queries}
    trials = weights_search(features=tune_f, qrels=devset.qrels)
    rows = [("before tuning", BEFORE), ("shipped", WEIGHTS),
            *((f"grid #{n}", t.weights) for n, t in enumerate(trials[:top], start=1))]
    lines = [f"### Fusion weights: grid of {len(trials):,} on the {tune_name}", "",
             f"| weights | qtype | qtype_mismatch | focus | lexical | topic | MRR@10 {tune_name} "
             f"| MRR@10 {held_name} | Recall@10 {held_name} |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for name, w in rows:
        a = weights_try(features=tune_f, qrels=devset.qrels, weights=w)
        b = weights_try(features=held_f, qrels=devset.qrels, weights=w)
        lines.append(f"| {name} | {w.qtype:g} | {w.qtype_mismatch:g} | {w.focus:g} | "
                     f"{w.lexical:g} | {w.topic:g} | {a.mrr:.3f} | {b.mrr:.3f} | {b.recall:.3f} |")
    return "\n".join([*lines, ""])
