"""How well an answered question covers a reader's question: one score for ranking and
for confidence, measured on the RQE entailment pairs (docs/evaluation.md)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MatchWeights:
    """Weights of the match score; tuned on ../shared data only (docs/evaluation.md)."""

    qtype: float = 0.12  # the candidate answers the kind of question asked
    qtype_mismatch: float = 0.15  # the reader asks about X's treatment, this is "what is X"
    focus: float = 0.10  # the candidate's focus (or a synonym of it) is named in the query
    lexical: float = 0.20  # BM25, relative to the best lexical hit of the query


# Grid-searched on the tuning half of the MedQuAD dev set (healthqa.evaluation.tuning): the
# ranking depends mostly on qtype + qtype_mismatch (0.2-0.3 is best; 0.16 before) and is flat
# within 0.005 MRR around these values. Held-out half and RQE validation: docs/evaluation.md.
WEIGHTS = MatchWeights()
# At or above this match score the best question is said to cover the reader's question: the
# best-accuracy threshold on the 8,588 RQE training pairs (0.4754). HIGH_AT: above it 99.8% of
# the RQE training pairs are entailed. Validation figures in docs/evaluation.md.
CONFIDENT_AT = 0.475
HIGH_AT = 0.60


def type_agreement(query_types: frozenset[str], candidate_type: str) -> float:
    """+1 when the candidate is of an asked type, -1 when another type was asked, else 0."""
    return type_agreement_sets(query_types, frozenset({candidate_type}))


def type_agreement_sets(query_types: frozenset[str], candidate_types: frozenset[str]) -> float:
    """type_agreement for a candidate whose types are read from its text (RQE FAQs)."""
    if not query_types or not candidate_types:
        return 0.0
    return 1.0 if query_types & candidate_types else -1.0


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
    # Written with comparisons rather than `if`, so tuning can score numpy arrays of
    # candidates at once with this very function (healthqa/evaluation/tuning.py).
    bonus = weights.qtype * (type_agree > 0)
    penalty = weights.qtype_mismatch * (type_agree < 0)
    return cosine + bonus - penalty + weights.focus * focus


def confidence(score: float) -> str:
    """'high', 'medium' or 'low' for the best match score of an ask."""
    if score >= HIGH_AT:
        return "high"
    if score >= CONFIDENT_AT:
        return "medium"
    return "low"
