"""Precomputed "Recommended" questions: the dozen nearest by meaning, diversified by focus."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
from django.db import connection, transaction

from healthqa.kb.models import Question
from healthqa.search.ann import ANN_MIN_ROWS, ann_index
from healthqa.search.encoder import Encoder
from healthqa.search.models import RelatedQuestion
from healthqa.search.vectors import VectorMatrix, vector_matrix

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
        sampled = n > 4 * self.sample.shape[0]
        if sampled:
            sample = scores[:, self.sample]
            np.add(sample, bonus, out=sample, where=m.category[self.sample] == own[:, None])
            cut = -np.partition(-sample, self.kth, axis=1)[:, self.kth]
            # Every score that passes with the bonus passes this lower bar without it.
            # (flatnonzero: five times faster than a 2-D nonzero on a mostly-false block.)
            flat = np.flatnonzero(scores >= (cut - bonus - 1e-6)[:, None])
            rows, cols = np.divmod(flat, n)
            values = scores.reshape(-1)[flat]
            np.add(values, bonus, out=values, where=m.category[cols] == own[rows])
            keep = values >= cut[rows]
            rows, cols, values = rows[keep], cols[keep], values[keep]
            bounds = np.searchsorted(rows, np.arange(b + 1))
            counts = np.diff(bounds)
        else:
            np.add(scores, bonus, out=scores, where=m.category[None, :] == own[:, None])
            counts = np.zeros(b, dtype=np.int64)
        for i in range(b):
            if counts[i] >= want:
                row_cols = cols[bounds[i] : bounds[i + 1]]
                row_scores = values[bounds[i] : bounds[i + 1]]
            else:
                row = scores[i]
                if sampled:
                    row = row.copy()
                    np.add(row, bonus, out=row, where=m.category == own[i])
                row_cols = np.argpartition(-row, want - 1)[:want]
                row_scores = row[row_cols]
            order = np.argsort(-row_scores, kind="stable")[:want]
            cands[i], top_scores[i] = row_cols[order], row_scores[order]
        return cands, top_scores


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
    candidates = _candidates_ann if m.size >= ann_min_rows else _Exact(m)
    chunks: Iterable[int] = range(0, rows.shape[0], BLOCK)
    if progress:
        from tqdm import tqdm

        chunks = tqdm(chunks, desc="related questions", unit_scale=BLOCK, unit=" questions")
    done = 0
    pending: list[int] = []
    values: list[tuple[int, int, int, float]] = []
    for start in chunks:
        batch = rows[start : start + BLOCK]
        cands, scores = candidates(m, batch)
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
