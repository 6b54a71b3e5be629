"""Dense search (exact, or an HNSW graph at scale) and the hybrid that fuses it with BM25."""

from __future__ import annotations

import functools
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import numpy as np

from healthqa.kb.models import Source
from healthqa.search.ann import ANN_MIN_ROWS, ann_index
from healthqa.search.encoder import Encoder
from healthqa.search.intent import question_types
from healthqa.search.match import WEIGHTS, MatchWeights, focus_overlap, match_score, type_agreement
from healthqa.search.text import stem_words
from healthqa.search.types import Hit, Searcher, SearchFilters
from healthqa.search.vectors import VectorMatrix, vector_matrix

CANDIDATES = 100  # from each of the dense and the lexical searcher, before fusion


@functools.cache
def _scan_pool() -> ThreadPoolExecutor:
    """Threads that scan the vectors beside the requests' own (which run BM25 meanwhile)."""
    return ThreadPoolExecutor(max_workers=4, thread_name_prefix="healthqa-scan")


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
    """Indices of the k highest scores, highest first; ties in index order."""
    if scores.shape[0] <= k:
        return np.argsort(-scores, kind="stable")
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    # Every row tied with the k-th score competes, so which of them make the cut does not
    # depend on how argpartition happened to split them.
    kth = scores[np.argpartition(-scores, k - 1)[:k]].min()
    part = np.flatnonzero(scores >= kth)
    return part[np.argsort(-scores[part], kind="stable")][:k]


def _exact_nearest(m: VectorMatrix, mask: np.ndarray | None, vector: np.ndarray, count: int
                   ) -> tuple[np.ndarray, np.ndarray]:
    """An exact scan (numpy only: safe on any thread). Over MedQuAD's 47k rows about 3 ms on
    an idle core, bound by memory bandwidth (a half-precision scan measured no faster)."""
    sims = m.matrix @ vector
    if mask is not None:
        sims = np.where(mask, sims, -np.inf)
    rows = _top(sims, count)
    rows = rows[np.isfinite(sims[rows])]
    return rows, sims[rows]


# With filters, the graph is asked for more candidates than needed (about this many times the
# share the filters leave) and the rest dropped; below this share, or when too few survive,
# the filtered rows are scanned exactly instead (5% of a million rows: ~8 ms).
_ANN_MIN_SHARE = 0.05
_ANN_OVERFETCH = 1.5


class DenseSearcher:
    """Nearest neighbours by cosine: an exact scan, or the HNSW graph above ann_min_rows."""

    def __init__(self, *, encoder: Encoder, ann_min_rows: int = ANN_MIN_ROWS) -> None:
        self.encoder = encoder
        self.ann_min_rows = ann_min_rows

    def similarities(self, vector: np.ndarray, filters: SearchFilters | None
                     ) -> tuple[VectorMatrix, np.ndarray]:
        """Cosine of the query vector with every row (-inf where filtered out); exact."""
        m = vector_matrix(encoder=self.encoder)
        sims = m.matrix @ vector if m.size else np.zeros(0, dtype=np.float32)
        mask = _mask(m, filters)
        if mask is not None:
            sims = np.where(mask, sims, -np.inf)
        return m, sims

    def nearest(self, vector: np.ndarray, count: int, filters: SearchFilters | None
                ) -> tuple[VectorMatrix, np.ndarray, np.ndarray]:
        """The rows of the `count` nearest allowed vectors and their cosines, nearest first."""
        m = vector_matrix(encoder=self.encoder)
        return m, *self.nearest_in(m, _mask(m, filters), vector, count)

    def nearest_in(self, m: VectorMatrix, mask: np.ndarray | None, vector: np.ndarray,
                   count: int) -> tuple[np.ndarray, np.ndarray]:
        """nearest() over a matrix already loaded, with the filters' mask already made."""
        if m.size == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        if m.size < self.ann_min_rows:
            return _exact_nearest(m, mask, vector, count)
        allowed = m.size if mask is None else int(np.count_nonzero(mask))
        if allowed >= _ANN_MIN_SHARE * m.size:
            # A few more than asked even unfiltered: the graph ranks by half-precision
            # vectors, so rows near the k-th may swap; the exact rescoring puts them right.
            share = m.size / max(allowed, 1) if mask is not None else 1.0
            fetch = min(m.size, int(count * share * _ANN_OVERFETCH) + 10)
            rows = m.rows_of(ann_index(m).search(vector, fetch))
            rows = rows[rows >= 0]
            if mask is not None:
                rows = rows[mask[rows]]
            if rows.shape[0] >= min(count, allowed):
                rows = np.sort(rows)  # ties in row order, as in a scan
                sims = m.matrix[rows] @ vector
                order = np.argsort(-sims, kind="stable")[:count]
                return rows[order], sims[order]
        subset = np.flatnonzero(mask) if mask is not None else np.arange(m.size)
        sims = m.matrix[subset] @ vector
        top = _top(sims, count)
        return subset[top], sims[top]

    def search(self, query: str, *, k: int = 10, filters: SearchFilters | None = None
               ) -> list[Hit]:
        vector = self.encoder.encode([query])[0]
        m, rows, sims = self.nearest(vector, k, filters)
        return [Hit(question_id=int(m.ids[r]), score=float(s), dense=float(s))
                for r, s in zip(rows, sims, strict=True)]


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
        vector = self.dense.encoder.encode([query])[0]  # on every core the model is given
        m = vector_matrix(encoder=self.dense.encoder)
        mask = _mask(m, filters)
        scan = None
        if 0 < m.size < self.dense.ann_min_rows:
            # The exact scan runs on another core while BM25 runs on this one (both release
            # the GIL). Running the model beside BM25 instead measured slower: it wants both.
            scan = _scan_pool().submit(_exact_nearest, m, mask, vector, self.candidates)
        try:
            lexical = {h.question_id: h.score for h in
                       self.lexical.search(query, k=self.candidates, filters=filters)}
        finally:
            if scan is not None:
                dense_rows, dense_sims = scan.result()
        if scan is None:
            dense_rows, dense_sims = self.dense.nearest_in(m, mask, vector, self.candidates)
        # Lexical candidates need their cosine too: a dot product per row, not a scan.
        cosine_of = dict(zip(dense_rows.tolist(), dense_sims.tolist(), strict=True))
        lexical_rows = m.rows_of(list(lexical))
        extra = np.asarray([r for r in lexical_rows.tolist() if r >= 0 and r not in cosine_of],
                           dtype=np.int64)
        if extra.shape[0]:
            cosine_of.update(zip(extra.tolist(), (m.matrix[extra] @ vector).tolist(),
                                 strict=True))
        if not cosine_of:
            return []
        best_lexical = max(lexical.values(), default=0.0) or 1.0
        types = question_types(query)
        words = set(stem_words(query))
        hits = []
        w = self.weights
        for r, cosine in cosine_of.items():
            qid = int(m.ids[r])
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
