"""Dense search: nearest questions by cosine, an exact scan or an HNSW graph at scale."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from healthqa.kb.models import Source
from healthqa.search.ann import ANN_MIN_ROWS, ann_index
from healthqa.search.backends import lexical_backend
from healthqa.search.encoder import Encoder
from healthqa.search.types import DenseCandidate, Hit, SearchFilters, VectorView
from healthqa.search.vectors import VectorMatrix, index_check, vector_matrix


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

    def encode(self, query: str) -> np.ndarray:
        """The query's vector (on every core the model is given)."""
        return self.encoder.encode([query])[0]

    def view(self, filters: SearchFilters | None) -> VectorView:
        """The stored vectors as they are now, restricted by the filters: searched by the
        database when its backend can (pgvector), else scanned in this process's memory."""
        in_database = lexical_backend().dense_view(filters)
        if in_database is not None:
            return CheckedView(in_database, self.encoder)
        m = vector_matrix(encoder=self.encoder)
        return DenseView(self, m, _mask(m, filters))

    def search(self, query: str, *, k: int = 10, filters: SearchFilters | None = None
               ) -> list[Hit]:
        vector = self.encode(query)
        return [Hit(question_id=c.question_id, score=float(c.cosine), dense=float(c.cosine))
                for c in self.view(filters).nearest(vector, k)]


class CheckedView:
    """The database's own view, refusing vectors from another model as loading them into
    memory does (one small query, naming the fix). The check goes with the scan, so that
    beside the lexical query it is off the ask's path (1 ms of it on PostgreSQL)."""

    def __init__(self, view: VectorView, encoder: Encoder) -> None:
        self._view = view
        self._encoder = encoder

    @property
    def concurrent(self) -> bool:
        return self._view.concurrent

    def nearest(self, vector: np.ndarray, count: int) -> list[DenseCandidate]:
        index_check(encoder=self._encoder)
        return self._view.nearest(vector, count)

    def candidates(self, vector: np.ndarray, question_ids: Sequence[int]
                   ) -> list[DenseCandidate]:
        return self._view.candidates(vector, question_ids)


class DenseView:
    """One snapshot of the vectors with a filter: what hybrid search asks of dense search."""

    def __init__(self, searcher: DenseSearcher, m: VectorMatrix, mask: np.ndarray | None
                 ) -> None:
        self._searcher = searcher
        self._m = m
        self._mask = mask

    @property
    def concurrent(self) -> bool:
        """Whether nearest() is a plain numpy scan, worth running beside BM25 (both release
        the GIL). Running the model beside BM25 instead measured slower: it wants both cores."""
        return 0 < self._m.size < self._searcher.ann_min_rows

    def nearest(self, vector: np.ndarray, count: int) -> list[DenseCandidate]:
        """The `count` nearest allowed questions, nearest first (thread-safe)."""
        rows, sims = self._searcher.nearest_in(self._m, self._mask, vector, count)
        return self._candidates(rows.tolist(), sims.tolist())

    def candidates(self, vector: np.ndarray, question_ids: Sequence[int]
                   ) -> list[DenseCandidate]:
        """These questions with their exact cosine (those without a vector are left out)."""
        rows = self._m.rows_of(list(question_ids))
        rows = rows[rows >= 0]
        if self._mask is not None:
            rows = rows[self._mask[rows]]
        if not rows.shape[0]:
            return []
        return self._candidates(rows.tolist(), (self._m.matrix[rows] @ vector).tolist())

    def _candidates(self, rows: list[int], sims: list[float]) -> list[DenseCandidate]:
        m = self._m
        return [DenseCandidate(question_id=int(m.ids[r]), cosine=s,
                               question_type=m.question_type[r], focus_words=m.focus_words[r])
                for r, s in zip(rows, sims, strict=True)]
