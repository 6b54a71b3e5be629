"""Related-question candidates: the sampled threshold gives exactly the brute-force top list,
whichever way the rows are scored (some rows, every row at once, or from the graph)."""

from __future__ import annotations

import numpy as np
import pytest

from healthqa.search.ann import ann_build
from healthqa.search.related import (
    CANDIDATES,
    SAME_CATEGORY_BONUS,
    UNANSWERED_PENALTY,
    _candidates_ann,
    _Exact,
)
from healthqa.search.vectors import VectorMatrix, _FocusWords


def matrix(n: int, *, seed: int = 3) -> VectorMatrix:
    """n unit vectors in clusters (so neighbours are meaningful), with categories and gaps."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((n // 50, 384)).astype(np.float32)
    vectors = centres[rng.integers(0, centres.shape[0], n)]
    vectors += 0.8 * rng.standard_normal((n, 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return VectorMatrix(
        generation="test", ids=np.arange(1, n + 1, dtype=np.int64), matrix=vectors,
        category=rng.integers(0, 12, n), source=np.full(n, -1), has_answer=rng.random(n) > 0.2,
        question_type=["information"] * n, focus_words=_FocusWords([""] * n, [None] * n),
    )


def brute_scores(m: VectorMatrix, batch: np.ndarray) -> np.ndarray:
    """The batch's adjusted scores against every row (its own -inf), written out afresh."""
    scores = m.matrix[batch] @ m.matrix.T
    scores -= np.float32(UNANSWERED_PENALTY) * ~m.has_answer
    same = m.category[None, :] == m.category[batch][:, None]
    scores[same] += np.float32(SAME_CATEGORY_BONUS)
    scores[np.arange(batch.shape[0]), batch] = -np.inf
    return scores


def brute_force(m: VectorMatrix, batch: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    scores = brute_scores(m, batch)
    # Best first; equal scores in column order, as the stable sort of the real one gives.
    order = np.argsort(-scores, axis=1, kind="stable")[:, :CANDIDATES]
    return order, np.take_along_axis(scores, order, axis=1)


@pytest.mark.parametrize("kth", [None, 0])  # 0: the bar is too high, every row falls back
def test_sampled_candidates_are_exactly_the_brute_force_ones(kth: int | None) -> None:
    m = matrix(20_000)  # above 4 x the sample, so the threshold path runs
    exact = _Exact(m)
    if kth is not None:
        exact.kth = kth
    batch = np.arange(0, 20_000, 97)
    got_rows, got_scores = exact(m, batch)
    want_rows, want_scores = brute_force(m, batch)
    np.testing.assert_array_equal(got_rows, want_rows)
    np.testing.assert_allclose(got_scores, want_scores, rtol=0, atol=1e-6)


def test_small_collections_score_every_row_exactly() -> None:
    m = matrix(600)
    batch = np.arange(0, 600, 7)
    got_rows, _ = _Exact(m)(m, batch)
    want_rows, _ = brute_force(m, batch)
    np.testing.assert_array_equal(got_rows, want_rows)


def test_scoring_every_row_at_once_gives_each_row_its_own_candidates(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """every_row (each pair of rows scored once, read both ways) only saves work: each block
    gets the very lists that scoring its rows alone gives, and those are the brute-force ones,
    also for rows with too few scores above their bar (scored in full)."""
    m = matrix(20_000, seed=5)
    exact = _Exact(m)
    short = np.array([3, 300, 9_999, 19_998])  # in four blocks, one of them the last
    cuts = exact.cuts

    def too_high(batch: np.ndarray, cosines: np.ndarray | None = None) -> np.ndarray:
        cut = cuts(batch, cosines)
        cut[np.isin(batch, short)] = np.inf  # none of their scores passes
        return cut

    monkeypatch.setattr(exact, "cuts", too_high)
    seen = []
    for block, (rows, got_rows, got_scores) in enumerate(exact.every_row()):
        seen.extend(rows.tolist())
        alone_rows, alone_scores = exact(m, rows)
        np.testing.assert_array_equal(got_rows, alone_rows)
        # Equal but for rounding: the BLAS may sum a block product's terms in another order.
        np.testing.assert_allclose(got_scores, alone_scores, rtol=0, atol=1e-6)
        # The first, the last, those with a row scored in full and some between.
        if block % 9 == 0 or rows[-1] == m.size - 1 or np.isin(short, rows).any():
            want_rows, want_scores = brute_force(m, rows)
            np.testing.assert_array_equal(got_rows, want_rows)
            np.testing.assert_allclose(got_scores, want_scores, rtol=0, atol=1e-6)
    assert seen == list(range(m.size))


def test_candidates_from_the_graph_have_the_exact_adjusted_scores() -> None:
    m = matrix(2_000, seed=11)
    m.ann = ann_build(m)  # kept on the matrix: nothing read or written
    batch = np.arange(0, 2_000, 37)
    got_rows, got_scores = _candidates_ann(m, batch)
    assert got_rows.shape == got_scores.shape == (batch.shape[0], CANDIDATES)
    assert np.all(np.diff(got_scores, axis=1) <= 0)  # best first
    scores = brute_scores(m, batch)
    scores[np.arange(batch.shape[0]), batch] = np.nan  # the graph finds each row itself too
    want = np.take_along_axis(scores, got_rows, axis=1)
    others = ~np.isnan(want)
    np.testing.assert_allclose(got_scores[others], want[others], rtol=0, atol=1e-6)
    # The graph is all but exact on 2,000 rows: it finds the true best candidates.
    want_rows, _ = brute_force(m, batch)
    found = np.mean([np.isin(w[:20], g).mean() for w, g in zip(want_rows, got_rows, strict=True)])
    assert found > 0.95
