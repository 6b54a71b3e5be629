"""Precomputed "Recommended" questions: the dozen nearest by meaning, diversified by focus."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import numpy as np
from django.db import connection, transaction

from healthqa.kb.models import Question
from healthqa.search.ann import ANN_MIN_ROWS, ann_index
from healthqa.search.encoder import Encoder
from healthqa.search.models import RelatedQuestion
from healthqa.search.vectors import VectorMatrix, vector_matrix

_T = TypeVar("_T")

RELATED = 12
CANDIDATES = 120
OWN_FOCUS_MAX = 4  # other questions about the same condition (its causes, its treatment...)
SAME_CATEGORY_BONUS = 0.05  # prefer the same field, as the reference page does
UNANSWERED_PENALTY = 0.15  # a recommendation should show an answer excerpt
BLOCK = 256  # questions scored per matrix product: 256 x 47k floats is 48 MB
WRITE_EVERY = 2048  # questions whose lists are written in one transaction


def _pick(row: int, qid: int, cands: Sequence[int], scores: Sequence[float],
          ids: Sequence[int], titles: Sequence[str], foci: Sequence[str]
          ) -> list[tuple[int, float]]:
    """The first RELATED candidates (best first) that keep the list diverse."""
    own_focus = foci[row]
    seen_titles = {titles[row]}
    per_focus: dict[str, int] = {}
    picked: list[tuple[int, float]] = []
    for r, score in zip(cands, scores, strict=True):
        if r == row or ids[r] == qid or score == -np.inf:
            continue
        title = titles[r]
        if title in seen_titles:
            continue  # MedQuAD asks "What is Gout?" once per source
        focus = foci[r]
        allowed = OWN_FOCUS_MAX if focus == own_focus else 1
        if per_focus.get(focus, 0) >= allowed:
            continue
        per_focus[focus] = per_focus.get(focus, 0) + 1
        seen_titles.add(title)
        picked.append((ids[r], score))
        if len(picked) == RELATED:
            break
    return picked


def _adjust(m: VectorMatrix, batch: np.ndarray, cands: np.ndarray, sims: np.ndarray
            ) -> np.ndarray:
    """Cosines plus the same-category bonus, minus the penalty for having no answer."""
    scores = sims + SAME_CATEGORY_BONUS * (m.category[cands] == m.category[batch][:, None])
    return np.asarray(scores - UNANSWERED_PENALTY * (~m.has_answer[cands]), dtype=np.float32)


class _Exact:
    """Each row's best CANDIDATES rows by adjusted score over all rows, block by block.

    A full argpartition of every row was most of the time of a MedQuAD import's related lists
    (47k x 47k scores). Instead a threshold per row is read off a fixed sample of columns, low
    enough that a few hundred scores pass it; only those are sorted. A row where fewer than
    CANDIDATES pass (it never happened on MedQuAD) falls back to the full argpartition, so the
    result is exactly the top CANDIDATES either way. The same-category bonus is added only to
    the scores that could pass with it, not to the whole block.
    """

    SAMPLE = 4096

    def __init__(self, m: VectorMatrix) -> None:
        self.m = m
        self.penalty = np.where(m.has_answer, 0.0, -UNANSWERED_PENALTY).astype(np.float32)
        n = m.size
        rng = np.random.default_rng(7)
        self.sample = np.sort(rng.choice(n, size=min(n, self.SAMPLE), replace=False))
        # The sample's k-th best: about 3 x CANDIDATES of all n scores are above it.
        self.kth = min(max(int(self.sample.shape[0] * 3 * CANDIDATES / max(n, 1)), 1),
                       self.sample.shape[0] - 1)
        # Below 4 x the sample every row is simply scored in full.
        self.sampled = n > 4 * self.sample.shape[0]

    def __call__(self, m: VectorMatrix, batch: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n, b = m.size, batch.shape[0]
        want = min(CANDIDATES, n - 1)
        scores = m.matrix[batch] @ m.matrix.T  # float32; adjusted in place below
        scores += self.penalty
        scores[np.arange(b), batch] = -np.inf
        own = m.category[batch]
        bonus = np.float32(SAME_CATEGORY_BONUS)
        cands = np.zeros((b, max(want, 0)), dtype=np.int64)
        top_scores = np.full((b, max(want, 0)), -np.inf, dtype=np.float32)
        if want <= 0:
            return cands, top_scores
        if self.sampled:
            sample = scores[:, self.sample]
            np.add(sample, bonus, out=sample, where=m.category[self.sample] == own[:, None])
            cut = -np.partition(-sample, self.kth, axis=1)[:, self.kth]
            rows, cols, values = _passing(scores, cut - bonus - 1e-6, cut, own, m.category,
                                          bonus)
            bounds = np.searchsorted(rows, np.arange(b + 1))
            counts = np.diff(bounds)
        else:
            np.add(scores, bonus, out=scores, where=m.category[None, :] == own[:, None])
            counts = np.zeros(b, dtype=np.int64)
        for i in range(b):
            if counts[i] >= want:
                row_cols = cols[bounds[i] : bounds[i + 1]]
                row_scores = values[bounds[i] : bounds[i + 1]]
                order = np.argsort(-row_scores, kind="stable")[:want]
                cands[i], top_scores[i] = row_cols[order], row_scores[order]
            else:
                row = scores[i]
                if self.sampled:
                    row = row.copy()
                    np.add(row, bonus, out=row, where=m.category == own[i])
                cands[i], top_scores[i] = _best_of_row(row, want)
        return cands, top_scores

    def cuts(self, batch: np.ndarray) -> np.ndarray:
        """Each row's bar: its kth best adjusted score over the sample (itself excluded)."""
        m = self.m
        sample = m.matrix[batch] @ m.matrix[self.sample].T
        sample += self.penalty[self.sample]
        np.add(sample, np.float32(SAME_CATEGORY_BONUS), out=sample,
               where=m.category[self.sample] == m.category[batch][:, None])
        sample[batch[:, None] == self.sample[None, :]] = -np.inf
        return -np.partition(-sample, self.kth, axis=1)[:, self.kth]

    def every_row(self) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """(rows, candidates, scores) for all rows, block by block, as __call__ gives them,
        with each product of two blocks computed once and read both ways: half the work.

        Block [a, e) is scored against the columns from a on; its rows' scores against the
        earlier columns were kept when those blocks were scored (only the ones above the
        rows' bars: a few hundred per row).
        """
        m, n = self.m, self.m.size
        want = min(CANDIDATES, n - 1)
        bonus = np.float32(SAME_CATEGORY_BONUS)
        starts = range(0, n, BLOCK)
        cut = np.concatenate([self.cuts(np.arange(a, min(a + BLOCK, n))) for a in starts])
        low = cut - bonus - 1e-6  # every score that passes with the bonus passes this
        kept: dict[int, list[tuple[np.ndarray, np.ndarray, np.ndarray]]] = {}
        for a in starts:
            e = min(a + BLOCK, n)
            cosines = m.matrix[a:e] @ m.matrix[a:].T  # rows a..e against columns a..n
            b = e - a
            # The later rows against this block's columns: the same cosines read by column
            # (with this block's penalties), each later row judged by its own bar.
            if e < n:
                later = cosines[:, b:] + self.penalty[a:e, None]
                cols, rows, values = _passing(later, low[e:], cut[e:], m.category[a:e],
                                              m.category[e:], bonus, by_column=True)
                rows += e
                owner = rows - rows % BLOCK
                order = np.argsort(owner, kind="stable")
                rows, cols, values, owner = rows[order], cols[order], values[order], owner[order]
                edges = np.flatnonzero(np.diff(owner)) + 1
                for r, c, v in zip(np.split(rows, edges), np.split(cols, edges),
                                   np.split(values, edges), strict=True):
                    if r.shape[0]:  # rows numbered within their block, as below
                        start = int(r[0] - r[0] % BLOCK)
                        kept.setdefault(start, []).append((r - start, c + a, v))
            # This block's rows, against the columns from a on.
            cosines += self.penalty[a:]
            cosines[np.arange(b), np.arange(b)] = -np.inf  # a question and itself
            rows, cols, values = _passing(cosines, low[a:e], cut[a:e], m.category[a:e],
                                          m.category[a:], bonus)
            parts = [*kept.pop(a, []), (rows, cols + a, values)]
            rows = np.concatenate([p[0] for p in parts])
            cols = np.concatenate([p[1] for p in parts])
            values = np.concatenate([p[2] for p in parts])
            yield (np.arange(a, e), *self._best(a, e, want, rows, cols, values))

    def _best(self, a: int, e: int, want: int, rows: np.ndarray, cols: np.ndarray,
              values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per row of block [a, e): its best `want` among the passing scores, best first,
        equal scores in column order (as __call__); a row with too few falls back."""
        b = e - a
        cands = np.zeros((b, max(want, 0)), dtype=np.int64)
        top = np.full((b, max(want, 0)), -np.inf, dtype=np.float32)
        if want <= 0:
            return cands, top
        order = np.argsort(rows, kind="stable")
        rows, cols, values = rows[order], cols[order], values[order]
        bounds = np.searchsorted(rows, np.arange(b + 1))
        for i in range(b):
            lo, hi = bounds[i], bounds[i + 1]
            if hi - lo >= want:
                row_cols, row_scores = cols[lo:hi], values[lo:hi]
                best = np.lexsort((row_cols, -row_scores))[:want]
                cands[i], top[i] = row_cols[best], row_scores[best]
            else:
                cands[i], top[i] = self._full_row(a + i, want)
        return cands, top

    def _full_row(self, row: int, want: int) -> tuple[np.ndarray, np.ndarray]:
        m = self.m
        scores = m.matrix[row] @ m.matrix.T + self.penalty
        np.add(scores, np.float32(SAME_CATEGORY_BONUS), out=scores,
               where=m.category == m.category[row])
        scores[row] = -np.inf
        return _best_of_row(scores, want)


def _best_of_row(scores: np.ndarray, want: int) -> tuple[np.ndarray, np.ndarray]:
    """The columns of a row's `want` best adjusted scores, and those scores, best first."""
    cols = np.argpartition(-scores, want - 1)[:want]
    order = np.argsort(-scores[cols], kind="stable")
    return cols[order], scores[cols][order]


def _passing(scores: np.ndarray, low: np.ndarray, cut: np.ndarray, row_category: np.ndarray,
             col_category: np.ndarray, bonus: np.float32, *, by_column: bool = False
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row, column, score with the bonus) of the scores at or above their question's cut:
    the row's, or with by_column the column's. `low` is the cut less the bonus: a first
    sieve on the scores without it, so the bonus is added to the few that pass only.
    (flatnonzero: five times faster than a 2-D nonzero on a mostly-false block.)"""
    flat = np.flatnonzero(scores >= (low[None, :] if by_column else low[:, None]))
    rows, cols = np.divmod(flat, scores.shape[1])
    values = scores.reshape(-1)[flat]
    np.add(values, bonus, out=values, where=col_category[cols] == row_category[rows])
    keep = values >= (cut[cols] if by_column else cut[rows])
    return rows[keep], cols[keep], values[keep]


def _candidates_ann(m: VectorMatrix, batch: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The same from the HNSW graph: its nearest 2 x CANDIDATES by cosine, rescored exactly."""
    keys = ann_index(m).search_many(m.matrix[batch], 2 * CANDIDATES)
    cands = m.rows_of(keys.reshape(-1)).reshape(keys.shape)
    valid = cands >= 0
    safe = np.where(valid, cands, 0)
    sims = np.einsum("ijk,ik->ij", m.matrix[safe], m.matrix[batch])
    scores = np.where(valid, _adjust(m, batch, safe, sims), -np.inf).astype(np.float32)
    order = np.argsort(-scores, axis=1, kind="stable")[:, :CANDIDATES]
    return np.take_along_axis(safe, order, axis=1), np.take_along_axis(scores, order, axis=1)


def related_compute(*, encoder: Encoder, question_ids: Iterable[int] | None = None,
                    progress: bool = False, ann_min_rows: int = ANN_MIN_ROWS) -> int:
    """Recompute the related questions of these questions (all when None); returns how many."""
    m = vector_matrix(encoder=encoder)
    if m.size == 0:
        return 0
    if question_ids is None:
        rows = np.arange(m.size)
    else:
        rows = m.rows_of(sorted(set(question_ids)))
        rows = rows[rows >= 0]
    # Titles and foci case-folded once, row-aligned, instead of per candidate of every row.
    text = dict(_published_titles_and_foci())
    ids = m.ids.tolist()
    titles = [text.get(q, ("", ""))[0] for q in ids]
    foci = [text.get(q, ("", ""))[1] for q in ids]
    scored: Iterable[tuple[np.ndarray, np.ndarray, np.ndarray]]
    if m.size >= ann_min_rows:
        scored = ((batch, *_candidates_ann(m, batch)) for batch in _blocks(rows))
    else:
        exact = _Exact(m)
        if question_ids is None and exact.sampled:
            # Each pair of questions scored once, not twice, on another thread (numpy only)
            # while this one picks and writes the lists.
            scored = _ahead(exact.every_row())
        else:
            scored = ((batch, *exact(m, batch)) for batch in _blocks(rows))
    if progress:
        from tqdm import tqdm

        scored = tqdm(scored, total=-(-rows.shape[0] // BLOCK), desc="related questions",
                      unit_scale=BLOCK, unit=" questions")
    done = 0
    pending: list[int] = []
    values: list[tuple[int, int, int, float]] = []
    for batch, cands, scores in scored:
        for i, row in enumerate(batch.tolist()):
            qid = ids[row]
            picked = _pick(row, qid, cands[i].tolist(), scores[i].tolist(), ids, titles, foci)
            values.extend((qid, cand, rank, score)
                          for rank, (cand, score) in enumerate(picked, 1))
            pending.append(qid)
        if len(pending) >= WRITE_EVERY:  # fewer, larger transactions: commits cost too
            _related_write(pending, values)
            done += len(pending)
            pending, values = [], []
    if pending:
        _related_write(pending, values)
        done += len(pending)
    return done


def _ahead(items: Iterator[_T], depth: int = 2) -> Iterator[_T]:
    """The items of an iterator, produced up to `depth` ahead on another thread (a single
    worker, so the iterator is advanced in order, one step at a time)."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="healthqa-related") as pool:
        coming = deque(pool.submit(next, items, None) for _ in range(depth))
        while (item := coming.popleft().result()) is not None:
            coming.append(pool.submit(next, items, None))
            yield item


def _blocks(rows: np.ndarray) -> Iterator[np.ndarray]:
    for start in range(0, rows.shape[0], BLOCK):
        yield rows[start : start + BLOCK]


def _published_titles_and_foci() -> Iterable[tuple[int, tuple[str, str]]]:
    for pk, title, focus in Question.objects.filter(status="published").values_list(
        "pk", "title", "focus"
    ).iterator(chunk_size=20000):
        yield pk, (title.casefold(), focus.casefold())


def _related_write(question_ids: list[int], values: list[tuple[int, int, int, float]]) -> None:
    """Replace these questions' lists (plain SQL: the ORM took longer than the scoring)."""
    table = RelatedQuestion._meta.db_table
    with transaction.atomic(), connection.cursor() as cur:
        for start in range(0, len(question_ids), 500):
            chunk = question_ids[start : start + 500]
            marks = ",".join(["%s"] * len(chunk))
            cur.execute(f"DELETE FROM {table} WHERE question_id IN ({marks})", chunk)
        cur.executemany(
            f"INSERT INTO {table} (question_id, related_id, rank, score) VALUES (%s, %s, %s, %s)",
            values,
        )


def related_affected(*, question_ids: Iterable[int]) -> set[int]:
    """Questions whose recommendations may change when these questions change."""
    ids = set(question_ids)
    listing = RelatedQuestion.objects.filter(related_id__in=ids).values_list(
        "question_id", flat=True
    )
    return ids | set(listing)
