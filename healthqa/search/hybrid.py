"""Dense search over the in-memory vectors, and the hybrid that fuses it with BM25."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from healthqa.kb.models import Source
from healthqa.search.encoder import Encoder
from healthqa.search.intent import question_types
from healthqa.search.match import WEIGHTS, MatchWeights, focus_overlap, match_score, type_agreement
from healthqa.search.text import stem_words
from healthqa.search.types import Hit, Searcher, SearchFilters
from healthqa.search.vectors import VectorMatrix, vector_matrix

CANDIDATES = 100  # from each of the dense and the lexical searcher, before fusion


def _mask(m: VectorMatrix, filters: SearchFilters | None) -> np.ndarray | None:
    if filters is None:
        return None
    mask = np.ones(m.size, dtype=bool)
    if filters.category_ids is not None:
        mask &= np.isin(m.category, np.asarray(filters.category_ids, dtype=np.int64))
    if filters.has_answer is not None:
        mask &= m.has_answer == filters.has_answer
    if filters.source_key:
        sid = Source.objects.filter(key=filters.source_key).values_list("pk", flat=True).first()
        mask &= m.source == (sid if sid is not None else -2)
    return mask


def _top(scores: np.ndarray, k: int) -> np.ndarray:
    if scores.shape[0] <= k:
        return np.argsort(-scores)
    part = np.argpartition(-scores, k)[:k]
    return part[np.argsort(-scores[part])]


class DenseSearcher:
    """Exact nearest neighbours by cosine over every published question's vector."""

    def __init__(self, *, encoder: Encoder) -> None:
        self.encoder = encoder

    def similarities(self, vector: np.ndarray, filters: SearchFilters | None
                     ) -> tuple[VectorMatrix, np.ndarray]:
        """Cosine of the query vector with every row (-inf where filtered out)."""
        m = vector_matrix(encoder=self.encoder)
        sims = m.matrix @ vector if m.size else np.zeros(0, dtype=np.float32)
        mask = _mask(m, filters)
        if mask is not None:
            sims = np.where(mask, sims, -np.inf)
        return m, sims

    def search(self, query: str, *, k: int = 10, filters: SearchFilters | None = None
               ) -> list[Hit]:
        vector = self.encoder.encode([query])[0]
        m, sims = self.similarities(vector, filters)
        rows = [r for r in _top(sims, k) if np.isfinite(sims[r])]
        return [Hit(question_id=int(m.ids[r]), score=float(sims[r]), dense=float(sims[r]))
                for r in rows]


class HybridSearcher:
    """BM25 and dense candidates, fused by one match score aware of question type and focus."""

    def __init__(self, *, lexical: Searcher, dense: DenseSearcher,
                 weights: MatchWeights = WEIGHTS, candidates: int = CANDIDATES) -> None:
        self.lexical = lexical
        self.dense = dense
        self.weights = weights
        self.candidates = candidates

    def search(self, query: str, *, k: int = 10, filters: SearchFilters | None = None
               ) -> list[Hit]:
        query = query.strip()
        if not query:
            return []
        vector = self.dense.encoder.encode([query])[0]
        m, sims = self.dense.similarities(vector, filters)
        rows = {int(r) for r in _top(sims, self.candidates) if np.isfinite(sims[r])}
        lexical = {h.question_id: h.score for h in
                   self.lexical.search(query, k=self.candidates, filters=filters)}
        rows.update(m.row_of[q] for q in lexical if q in m.row_of)
        if not rows:
            return []
        best_lexical = max(lexical.values(), default=0.0) or 1.0
        types = question_types(query)
        words = set(stem_words(query))
        hits = []
        w = self.weights
        for r in rows:
            qid = int(m.ids[r])
            cosine = float(sims[r])
            semantic = match_score(
                cosine=cosine,
                type_agree=type_agreement(types, m.question_type[r]),
                focus=focus_overlap(words, m.focus_words[r]),
                weights=w,
            )
            lex = lexical.get(qid, 0.0) / best_lexical
            hits.append(Hit(question_id=qid, score=semantic + w.lexical * lex,
                            lexical=lexical.get(qid), dense=cosine, match=semantic))
        hits.sort(key=lambda h: (-h.score, h.question_id))
        return hits[:k]

    def with_weights(self, weights: MatchWeights) -> HybridSearcher:
        """The same searcher with other weights (for tuning)."""
        return HybridSearcher(lexical=self.lexical, dense=self.dense, weights=weights,
                              candidates=self.candidates)


def weights_replace(**changes: float) -> MatchWeights:
    """The default weights with some changed."""
    return replace(WEIGHTS, **changes)
