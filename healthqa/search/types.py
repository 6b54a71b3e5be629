"""The one result type and the one interface every searcher shares."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


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
