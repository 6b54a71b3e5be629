"""The one entry point to search: the searchers for the current database, built once."""

from __future__ import annotations

import threading

from django.db import connection

from healthqa.config.declared import setting
from healthqa.search.encoder import Encoder, get_encoder
from healthqa.search.hybrid import DenseSearcher, HybridSearcher
from healthqa.search.types import Searcher

_lock = threading.Lock()
_searchers: dict[tuple[str, str, str], Searcher] = {}


def encoder() -> Encoder:
    """The encoder named by HEALTHQA_ENCODER, loaded once per process."""
    return get_encoder(setting("HEALTHQA_ENCODER"))


def lexical_searcher(*, candidates: bool = False) -> Searcher:
    """BM25 for this database's vendor; `candidates`: the lexical leg of the hybrid, which
    may leave out a query's most common words sooner (dense search covers them)."""
    if connection.vendor == "sqlite":
        from healthqa.search.lexical_sqlite import (
            CANDIDATES_POSTINGS_BUDGET,
            POSTINGS_BUDGET,
            SqliteLexicalSearcher,
        )

        return SqliteLexicalSearcher(
            budget=CANDIDATES_POSTINGS_BUDGET if candidates else POSTINGS_BUDGET)
    raise NotImplementedError(f"no lexical search backend for {connection.vendor} yet")


def searcher(kind: str = "hybrid") -> Searcher:
    """'hybrid' (what /ask uses), 'lexical' or 'dense', for the current database."""
    key = (connection.vendor, setting("HEALTHQA_ENCODER"), kind)
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
