"""The one entry point to search: the searchers for the current database, built once."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from django.db import connection

from healthqa.config.declared import setting
from healthqa.search.backends import LexicalBackend, lexical_backend
from healthqa.search.dense import DenseSearcher
from healthqa.search.encoder import Encoder, get_encoder
from healthqa.search.hybrid import HybridSearcher
from healthqa.search.types import Hit, Searcher, SearchFilters

# The rows BM25 may score per query (see healthqa.search.backends.sqlite: the most common words
# of a query are dropped to stay within it). On the MedQuAD dev set (1,000 queries),
# lexical-only MRR@10 is 0.4468 unbounded, 0.4444 at 20,000 rows; the hybrid's lexical leg,
# where dense search and the question type cover the dropped words, takes 4,000: fused
# MRR@10 0.8645 -> 0.8629, BM25 time 11 -> 6 ms/query.
POSTINGS_BUDGET = 20_000
CANDIDATES_POSTINGS_BUDGET = 4_000

_lock = threading.Lock()
_searchers: dict[tuple[str, str, str], Searcher] = {}


def encoder() -> Encoder:
    """The encoder named by HEALTHQA_ENCODER, loaded once per process."""
    return get_encoder(setting("HEALTHQA_ENCODER"))


@dataclass(frozen=True)
class LexicalSearcher:
    """A lexical backend as a Searcher, with its budget of rows scored per query."""

    backend: LexicalBackend
    budget: int = POSTINGS_BUDGET

    def search(self, query: str, *, k: int = 10, filters: SearchFilters | None = None
               ) -> list[Hit]:
        return self.backend.search(query, k=k, filters=filters, budget=self.budget)


def lexical_searcher(*, candidates: bool = False) -> LexicalSearcher:
    """BM25 on this database's backend; `candidates`: the lexical leg of the hybrid, which
    may leave out a query's most common words sooner (dense search covers them)."""
    backend = lexical_backend()
    if candidates:  # where scoring a row costs more, dense search covers more of the words
        return LexicalSearcher(backend=backend,
                               budget=CANDIDATES_POSTINGS_BUDGET // backend.row_cost)
    return LexicalSearcher(backend=backend, budget=POSTINGS_BUDGET)


def searcher(kind: str = "hybrid") -> Searcher:
    """'hybrid' (what /ask uses), 'lexical' or 'dense', for the current database."""
    key = (connection.alias, setting("HEALTHQA_ENCODER"), kind)
    with _lock:
        if key not in _searchers:
            dense = DenseSearcher(encoder=encoder())
            built: Searcher
            if kind == "lexical":
                built = lexical_searcher()
            elif kind == "dense":
                built = dense
            elif kind == "hybrid":
                built = HybridSearcher(lexical=lexical_searcher(candidates=True), dense=dense)
            else:
                raise ValueError(f"unknown searcher {kind!r}: hybrid, lexical or dense")
            _searchers[key] = built
        return _searchers[key]
