"""The one result type and the interfaces searchers share and compose through."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np


@dataclass(frozen=True)
class SearchFilters:
    """Restrictions applied inside the searcher (so k results survive filtering)."""

    category_ids: tuple[int, ...] | None = None
    source_key: str | None = None
    has_answer: bool | None = None


@dataclass(frozen=True)
class Hit:
    """One question found for a query, with the score it was ranked by."""

    question_id: int
    score: float
    lexical: float | None = None  # the component scores, kept to explain a ranking
    dense: float | None = None
    match: float | None = None  # the semantic match score (confidence is read from it)


class Searcher(Protocol):
    """search(query, k) -> hits, best first; every backend and the hybrid share it."""

    def search(
        self, query: str, *, k: int = 10, filters: SearchFilters | None = None
    ) -> list[Hit]: ...


@dataclass(frozen=True)
class DenseCandidate:
    """A question near a query vector, with what the fused match score reads of it."""

    question_id: int
    cosine: float
    question_type: str
    focus_words: tuple[frozenset[str], ...]  # its focus and each synonym, as word sets


class VectorView(Protocol):
    """The stored vectors at one moment, restricted by filters."""

    @property
    def concurrent(self) -> bool:
        """Whether nearest() is worth running on another thread beside lexical search."""
        ...

    def nearest(self, vector: np.ndarray, count: int) -> list[DenseCandidate]:
        """The `count` nearest questions, nearest first."""
        ...

    def candidates(self, vector: np.ndarray, question_ids: Sequence[int]
                   ) -> list[DenseCandidate]:
        """These questions with their exact cosine (those it does not hold are left out)."""
        ...


class VectorSearcher(Searcher, Protocol):
    """A dense searcher that hybrid search can compose: encode once, then ask a view."""

    def encode(self, query: str) -> np.ndarray:
        """The query's vector."""
        ...

    def view(self, filters: SearchFilters | None) -> VectorView:
        """The vectors as they are now, restricted by the filters."""
        ...
