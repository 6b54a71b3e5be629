"""Hybrid search: BM25 and dense candidates fused by one match score (healthqa.search.match).

Built by composing a lexical Searcher and a VectorSearcher (healthqa.search.types); it knows
nothing of how either stores or scans its index.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import numpy as np
from django.db import close_old_connections, connections

from healthqa.search.intent import focus_words, question_types
from healthqa.search.match import (
    WEIGHTS,
    MatchWeights,
    focus_overlap,
    match_score,
    topics_named,
    type_agreement,
    weights_for_length,
)
from healthqa.search.text import stem_words
from healthqa.search.types import DenseCandidate, Hit, Searcher, SearchFilters, VectorSearcher

CANDIDATES = 100  # from each of the dense and the lexical searcher, before fusion
SCAN_THREADS = 4  # each may hold a database connection of its own (PostgreSQL)


@functools.cache
def scan_pool() -> ThreadPoolExecutor:
    """Threads that scan the vectors beside the requests' own (which run BM25 meanwhile)."""
    return ThreadPoolExecutor(max_workers=SCAN_THREADS, thread_name_prefix="healthqa-scan")


def scan_pool_connections_close() -> None:
    """Close the database connections the pool's threads hold (before a test database is
    dropped): one task per thread, each held until all have started, so every thread runs
    one."""
    started = threading.Barrier(SCAN_THREADS)

    def close() -> None:
        started.wait(timeout=10)
        connections.close_all()

    for future in [scan_pool().submit(close) for _ in range(SCAN_THREADS)]:
        future.result()


def _in_pool(nearest: Callable[[np.ndarray, int], list[DenseCandidate]], vector: np.ndarray,
             count: int) -> list[DenseCandidate]:
    """nearest() on a pool thread. Where it queries the database, it does so on the thread's
    own connection, which no request's end closes: one too old or broken is closed first
    (as at the start of a request) and opened again."""
    close_old_connections()
    return nearest(vector, count)


class HybridSearcher:
    """BM25 and dense candidates, fused by one match score aware of question type and focus."""

    def __init__(self, *, lexical: Searcher, dense: VectorSearcher,
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
        vector = self.dense.encode(query)
        view = self.dense.view(filters)
        scan = scan_pool().submit(_in_pool, view.nearest, vector, self.candidates) \
            if view.concurrent else None
        early: list[DenseCandidate] | None = None
        try:
            lexical = {h.question_id: h.score for h in
                       self.lexical.search(query, k=self.candidates, filters=filters)}
            if scan is not None:
                # Lexical candidates need their cosine too (a dot product each, not a scan):
                # all of them, while the scan is still running, rather than after it those
                # it did not find (on PostgreSQL, a query's 3 ms off the ask's path).
                early = view.candidates(vector, list(lexical))
        finally:
            dense = scan.result() if scan is not None else None
        if dense is None:
            dense = view.nearest(vector, self.candidates)
        found = {c.question_id for c in dense}
        if early is None:
            early = view.candidates(vector, [q for q in lexical if q not in found])
        dense += [c for c in early if c.question_id not in found]
        if not dense:
            return []
        best_lexical = max(lexical.values(), default=0.0) or 1.0
        types = question_types(query)
        words = set(stem_words(query))
        named = topics_named(words, set(focus_words(query)), [c.focus_words for c in dense])
        hits = []
        w = self.weights
        ranking = weights_for_length(w, len(query.split()))
        for c, on_topic in zip(dense, named, strict=True):
            agree = type_agreement(types, c.question_type)
            focus = focus_overlap(words, c.focus_words)
            semantic = match_score(cosine=c.cosine, type_agree=agree, focus=focus, weights=w)
            ranked = semantic if ranking is w else match_score(
                cosine=c.cosine, type_agree=agree, focus=focus, weights=ranking)
            lex = lexical.get(c.question_id, 0.0) / best_lexical
            score = ranked + ranking.lexical * lex + ranking.topic * on_topic
            hits.append(Hit(question_id=c.question_id, score=score,
                            lexical=lexical.get(c.question_id), dense=c.cosine, match=semantic))
        hits.sort(key=lambda h: (-h.score, h.question_id))
        return hits[:k]

    def with_weights(self, weights: MatchWeights) -> HybridSearcher:
        """The same searcher with other weights (for tuning)."""
        return HybridSearcher(lexical=self.lexical, dense=self.dense, weights=weights,
                              candidates=self.candidates)


def weights_replace(**changes: float) -> MatchWeights:
    """The default weights with some changed."""
    return replace(WEIGHTS, **changes)
