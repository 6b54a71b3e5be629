"""How well an answered question covers a reader's question: one score for ranking and
for confidence, measured on the RQE entailment pairs (docs/evaluation.md)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MatchWeights:
    """Weights of the match score; tuned on ../shared data only (docs/evaluation.md)."""

    qtype: float = 0.10  # the candidate answers the kind of question asked
    qtype_mismatch: float = 0.06  # the reader asks about X's treatment, this is "what is X"
    focus: float = 0.12  # the candidate's focus (or a synonym of it) is named in the query
    lexical: float = 0.25  # BM25, relative to the best lexical hit of the query


WEIGHTS = MatchWeights()
# Below this match score the best question is not said to cover the reader's question.
# Chosen on the RQE training pairs and the MedQuAD dev set (docs/evaluation.md).
CONFIDENT_AT = 0.62


def type_agreement(query_types: frozenset[str], candidate_type: str) -> float:
    """+1 when the candidate is of an asked type, -1 when another type was asked, else 0."""
    if not query_types:
        return 0.0
    return 1.0 if candidate_type in query_types else -1.0


def focus_overlap(query_words: set[str], focus_sets: tuple[frozenset[str], ...]) -> float:
    """The best share of a focus name's words found in the query (0..1)."""
    best = 0.0
    for words in focus_sets:
        if words:
            best = max(best, len(words & query_words) / len(words))
    return best


def match_score(
    *,
    cosine: float,
    type_agree: float,
    focus: float,
    weights: MatchWeights = WEIGHTS,
) -> float:
    """The semantic match of a reader's question and an answered one (no lexical part)."""
    penalty = weights.qtype_mismatch if type_agree < 0 else 0.0
    bonus = weights.qtype if type_agree > 0 else 0.0
    return cosine + bonus - penalty + weights.focus * focus


def confidence(score: float) -> str:
    """'high', 'medium' or 'low' for the best match score of an ask."""
    if score >= CONFIDENT_AT + 0.12:
        return "high"
    if score >= CONFIDENT_AT:
        return "medium"
    return "low"
