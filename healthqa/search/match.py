"""How well an answered question covers a reader's question: one score for ranking and
for confidence, measured on the RQE entailment pairs (docs/evaluation.md)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class MatchWeights:
    """Weights of the match score; tuned on ../shared data only (docs/evaluation.md)."""

    qtype: float = 0.08  # the candidate answers the kind of question asked
    qtype_mismatch: float = 0.10  # the reader asks about X's treatment, this is "what is X"
    focus: float = 0.05  # the share of the candidate's focus words found in the query
    lexical: float = 0.15  # BM25, relative to the best lexical hit of the query
    topic: float = 0.30  # the candidate is about the topic the query names (topics_named)


# Chosen on the tuning halves of the MedQuAD dev set and of the real messages and on the
# topic-first check together (docs/evaluation.md, "Real readers' messages"): the topic weight
# puts the named topic first; real messages want less weight on question type than the dev
# set's rewrites did (qtype 0.12, mismatch 0.15, focus 0.10, lexical 0.20 before); a little
# focus share keeps the partial credit a synonym's words earn. Checking halves and RQE
# validation: docs/evaluation.md.
WEIGHTS = MatchWeights()
# At or above this match score the best question is said to cover the reader's question: the
# best-accuracy threshold on the 8,588 RQE training pairs (0.478). HIGH_AT: above it 99.9% of
# the RQE training pairs are entailed. Validation figures in docs/evaluation.md.
CONFIDENT_AT = 0.478
HIGH_AT = 0.60


# A long message names many things and hints at several kinds of question in its background;
# its embedding weighs them all, its cue words do not. Past LONG_FROM words the ranking's
# features count less, by (LONG_FROM / words) ** 1.5: a 40-word message gives them 35%, 80
# words 13%. Chosen on the tuning halves of the real messages and the dev set together
# (docs/evaluation.md); the match score that confidence reads is not scaled.
LONG_FROM = 20


def weights_for_length(weights: MatchWeights, words: int) -> MatchWeights:
    """The ranking's weights for a query of this many words (LONG_FROM above)."""
    if words <= LONG_FROM:
        return weights
    f = (LONG_FROM / words) ** 1.5
    return MatchWeights(qtype=weights.qtype * f, qtype_mismatch=weights.qtype_mismatch * f,
                        focus=weights.focus * f, lexical=weights.lexical * f,
                        topic=weights.topic * f)


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


def topics_named(query_words: set[str], topic_words: set[str],
                 focus_sets: Sequence[tuple[frozenset[str], ...]]) -> list[float]:
    """How much each candidate is about the topic the query names (0..1).

    A candidate's focus (or a synonym of it) is named when all its words are in the query; it
    is the named topic unless another candidate's named focus holds those words and more: in
    "Dementia familial British treatment" the topic is "Dementia familial British", not
    "Dementia". A query may name several topics. The score is the share of the query's topic
    words (`topic_words`: its words that do not say what kind of question it is) that the
    named focus accounts for: all of "Cystoscopy side effects?", little of a long message
    that mentions "headache" in passing.
    """
    named = [[f for f in sets if f and f <= query_words] for sets in focus_sets]
    every = {f for found in named for f in found}
    widest = {f for f in every if not any(f < g for g in every)}
    of = max(len(topic_words), 1)
    return [max((min(len(f) / of, 1.0) for f in found if f in widest), default=0.0)
            for found in named]


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
