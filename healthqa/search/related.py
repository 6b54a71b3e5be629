"""Precomputed "Recommended" questions: the dozen nearest by meaning, diversified by focus."""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import numpy as np
from django.db import connection, transaction

from healthqa.kb.models import Question
from healthqa.search.ann import ANN_MIN_ROWS, ann_index
from healthqa.search.backends import lexical_backend
from healthqa.search.encoder import Encoder
from healthqa.search.models import RelatedQuestion
from healthqa.search.vectors import VectorMatrix, vector_matrix, vector_matrix_of

_T = TypeVar("_T")

RELATED = 12
CANDIDATES = 120
OWN_FOCUS_MAX = 4  # other questions about the same condition (its causes, its treatment...)
SAME_CATEGORY_BONUS = 0.05  # prefer the same field, as the reference page does
UNANSWERED_PENALTY = 0.15  # a recommendation should show an answer excerpt
BLOCK = 256  # questions scored per matrix product: 256 x 47k floats is 48 MB
WRITE_EVERY = 2048  # questions whose lists are written in one transaction
FEW_ROWS = BLOCK  # up to this many lists, only their own rows' titles are read


def _pick(row: int, qid: int, cands: Sequence[int], scores: Sequence[float],
          ids: Sequence[int], titles: Sequence[str] | dict[int, str],
          foci: Sequence[str] | dict[int, str]
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


# The score's terms as float32, the type every score is computed in.
_BONUS = np.float32(SAME_CATEGORY_BONUS)
_PENALTY = np.float32(UNANSWERED_PENALTY)


def _adjust(cosines: np.ndarray, answered: np.ndarray, same: np.ndarray | None, *,
            out: np.ndarray | None = None) -> np.ndarray:
    """The score candidates are ranked by, from their cosines: less UNANSWERED_PENALTY for a
    candidate without an answer, then plus SAME_CATEGORY_BONUS for one in the question's
    category. In float32 and in that order on every path (exact or not, whole block or a few
    scores), so that the same cosine always gives the same score, to the bit.

    `answered` (the candidates') and `same` broadcast against `cosines`. With same=None: the
    score without the bonus, at most _BONUS below the score (a sieve's bound). A new array,
    or `out` (which may be `cosines`).
    """
    scores = np.add(cosines, np.where(answered, np.float32(0), -_PENALTY), out=out)
    if same is not None:
        np.add(scores, _BONUS, out=scores, where=same)
    return scores


class _Exact:
    """Each row's best CANDIDATES rows by adjusted score over all rows, exactly.

    A full argpartition of every row was most of the time of a MedQuAD import's related lists
    (47k x 47k scores). Instead each row gets a bar (cuts): its kth best score over a fixed
    sample of columns, low enough that a few hundred of its scores pass it; only those are
    kept (_passing) and sorted (_best). A row where fewer than CANDIDATES pass (it never
    happened on MedQuAD) is scored in full, so the result is exactly the top CANDIDATES either
    way. Below 4 x the sample there are no bars: every row is scored in full.

    Two ways through these same steps: __call__ for some rows, each scored against all
    columns; every_row for all rows, each pair scored once and read both ways (half the work).
    """

    SAMPLE = 4096

    def __init__(self, m: VectorMatrix) -> None:
        self.m = m
        n = m.size
        rng = np.random.default_rng(7)
        self.sample = np.sort(rng.choice(n, size=min(n, self.SAMPLE), replace=False))
        # The sample's k-th best: about 3 x CANDIDATES of all n scores are above it.
        self.kth = min(max(int(self.sample.shape[0] * 3 * CANDIDATES / max(n, 1)), 1),
                       self.sample.shape[0] - 1)
        # Below 4 x the sample every row is simply scored in full.
        self.sampled = n > 4 * self.sample.shape[0]
        self._scratch = np.empty((0, n), dtype=np.float32)

    def _sieve_space(self, b: int, k: int) -> np.ndarray:
        """Room for _passing's sieve of b rows by k columns, kept from one block to the next
        (a fresh 48 MB array per block costs its page faults each time)."""
        if self._scratch.shape[0] < b:
            self._scratch = np.empty((max(b, BLOCK), self.m.size), dtype=np.float32)
        return self._scratch[:b, :k]

    def __call__(self, m: VectorMatrix, batch: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """These rows' candidates and their scores, best first, as every_row gives them. (`m`
        is the matrix this was built for: the signature of _candidates_ann.)"""
        b = batch.shape[0]
        cosines = m.matrix[batch] @ m.matrix.T
        cosines[np.arange(b), batch] = -np.inf  # a question and itself
        if self.sampled:
            rows, cols, values = _passing(cosines, m.has_answer, self.cuts(batch, cosines),
                                          m.category[batch], m.category,
                                          out=self._sieve_space(b, m.size))
        else:  # no bars: every row is scored in full, from these cosines
            rows = cols = np.empty(0, dtype=np.int64)
            values = np.empty(0, dtype=np.float32)
        return self._best(batch, rows, cols, values, cosines)

    def cuts(self, batch: np.ndarray, cosines: np.ndarray | None = None) -> np.ndarray:
        """Each row's bar: its kth best adjusted score over the sample of columns (itself
        excluded); from `cosines`, the rows' against every column, when they are at hand."""
        m = self.m
        sample = (m.matrix[batch] @ m.matrix[self.sample].T if cosines is None
                  else cosines[:, self.sample])
        _adjust(sample, m.has_answer[self.sample],
                m.category[self.sample] == m.category[batch][:, None], out=sample)
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
        starts = range(0, n, BLOCK)
        cut = np.concatenate([self.cuts(np.arange(a, min(a + BLOCK, n))) for a in starts])
        kept: dict[int, list[tuple[np.ndarray, np.ndarray, np.ndarray]]] = {}
        for a in starts:
            e = min(a + BLOCK, n)
            cosines = m.matrix[a:e] @ m.matrix[a:].T  # rows a..e against columns a..n
            b = e - a
            # The later rows against this block's columns: the same cosines read by column
            # (this block's rows the candidates), each later row judged by its own bar.
            if e < n:
                cols, rows, values = _passing(cosines[:, b:], m.has_answer[a:e], cut[e:],
                                              m.category[a:e], m.category[e:], by_column=True,
                                              out=self._sieve_space(b, n - e))
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
            cosines[np.arange(b), np.arange(b)] = -np.inf  # a question and itself
            rows, cols, values = _passing(cosines, m.has_answer[a:], cut[a:e], m.category[a:e],
                                          m.category[a:], out=self._sieve_space(b, n - a))
            parts = [*kept.pop(a, []), (rows, cols + a, values)]
            rows = np.concatenate([p[0] for p in parts])
            cols = np.concatenate([p[1] for p in parts])
            values = np.concatenate([p[2] for p in parts])
            batch = np.arange(a, e)
            yield (batch, *self._best(batch, rows, cols, values))

    def _best(self, batch: np.ndarray, rows: np.ndarray, cols: np.ndarray, values: np.ndarray,
              cosines: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Per row of the batch, its best CANDIDATES among its passing scores (`rows`: places
        in the batch), best first, equal scores in column order. The rows with too few passing
        are scored in full: from `cosines` (the batch's against every column, each row's own
        -inf; changed here) when at hand."""
        m, b = self.m, batch.shape[0]
        want = min(CANDIDATES, m.size - 1)
        cands = np.zeros((b, max(want, 0)), dtype=np.int64)
        top = np.full((b, max(want, 0)), -np.inf, dtype=np.float32)
        if want <= 0:
            return cands, top
        order = np.argsort(rows, kind="stable")
        rows, cols, values = rows[order], cols[order], values[order]
        bounds = np.searchsorted(rows, np.arange(b + 1))
        counts = np.diff(bounds)
        for i in np.flatnonzero(counts >= want).tolist():
            lo, hi = bounds[i], bounds[i + 1]
            row_cols, row_scores = cols[lo:hi], values[lo:hi]
            best = np.lexsort((row_cols, -row_scores))[:want]
            cands[i], top[i] = row_cols[best], row_scores[best]
        short = np.flatnonzero(counts < want)
        if short.shape[0] == 0:
            return cands, top
        own = batch[short]
        if cosines is None:  # a row at a time: every_row holds no row against all columns
            full = np.stack([m.matrix[row] @ m.matrix.T for row in own.tolist()])
            full[np.arange(short.shape[0]), own] = -np.inf
        else:
            full = cosines if short.shape[0] == b else cosines[short]
        _adjust(full, m.has_answer, m.category == m.category[own][:, None], out=full)
        for i, scores in zip(short.tolist(), full, strict=True):
            cands[i], top[i] = _best_of_row(scores, want)
        return cands, top


def _best_of_row(scores: np.ndarray, want: int) -> tuple[np.ndarray, np.ndarray]:
    """The columns of a row's `want` best adjusted scores, and those scores, best first."""
    cols = np.argpartition(-scores, want - 1)[:want]
    order = np.argsort(-scores[cols], kind="stable")
    return cols[order], scores[cols][order]


def _passing(cosines: np.ndarray, answered: np.ndarray, cut: np.ndarray,
             row_category: np.ndarray, col_category: np.ndarray, *, by_column: bool = False,
             out: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row, column, adjusted score) of a block's scores at or above their question's cut:
    the row's (the rows are the questions, the columns their candidates) or, with by_column,
    the column's (the other way round). `answered`: the candidates'.

    A sieve first, over the whole block: the score without the bonus (written into `out`
    when given) against the cut less the bonus; the score itself only for the few that pass.
    (flatnonzero: five times faster than a 2-D nonzero on a mostly-false block.)"""
    low = cut - _BONUS - 1e-6  # every score that passes with the bonus passes this
    if by_column:
        sieve = _adjust(cosines, answered[:, None], None, out=out) >= low[None, :]
    else:
        sieve = _adjust(cosines, answered, None, out=out) >= low[:, None]
    flat = np.flatnonzero(sieve)
    rows, cols = np.divmod(flat, cosines.shape[1])
    picked = cosines.reshape(-1)[flat] if cosines.flags.c_contiguous else cosines[rows, cols]
    values = _adjust(picked, answered[rows if by_column else cols],
                     row_category[rows] == col_category[cols])
    keep = values >= (cut[cols] if by_column else cut[rows])
    return rows[keep], cols[keep], values[keep]


def _candidates_ann(m: VectorMatrix, batch: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The same from the HNSW graph: its nearest 2 x CANDIDATES by cosine, rescored exactly."""
    keys = ann_index(m).search_many(m.matrix[batch], 2 * CANDIDATES)
    cands = m.rows_of(keys.reshape(-1)).reshape(keys.shape)
    valid = cands >= 0
    safe = np.where(valid, cands, 0)
    sims = np.einsum("ijk,ik->ij", m.matrix[safe], m.matrix[batch])
    adjusted = _adjust(sims, m.has_answer[safe], m.category[safe] == m.category[batch][:, None])
    scores = np.where(valid, adjusted, np.float32(-np.inf))
    order = np.argsort(-scores, axis=1, kind="stable")[:, :CANDIDATES]
    return np.take_along_axis(safe, order, axis=1), np.take_along_axis(scores, order, axis=1)


def related_compute(*, encoder: Encoder, question_ids: Iterable[int] | None = None,
                    progress: bool = False, ann_min_rows: int = ANN_MIN_ROWS) -> int:
    """Recompute the related questions of these questions (all when None); returns how many."""
    if question_ids is not None:
        question_ids = sorted(set(question_ids))
    m = (_neighbourhood(question_ids) if question_ids is not None
         and len(question_ids) <= FEW_ROWS and lexical_backend().dense_view(None) is not None
         else vector_matrix(encoder=encoder))
    if m.size == 0:
        return 0
    if question_ids is None:
        rows = np.arange(m.size)
    else:
        rows = m.rows_of(sorted(set(question_ids)))
        rows = rows[rows >= 0]
    ids = m.ids.tolist()
    titles: Sequence[str] | dict[int, str]
    foci: Sequence[str] | dict[int, str]
    scored: Iterable[tuple[np.ndarray, np.ndarray, np.ndarray]]
    if rows.shape[0] <= FEW_ROWS and m.size >= ann_min_rows:
        scored = [(batch, *_candidates_ann(m, batch)) for batch in _blocks(rows)]
    elif rows.shape[0] <= FEW_ROWS:
        exact_few = _Exact(m)
        scored = [(batch, *exact_few(m, batch)) for batch in _blocks(rows)]
    else:
        scored = []
    if scored:
        # A few lists (an answer approved, a question published): the titles and foci of
        # just these rows and their candidates, not of every question (0.2 s at MedQuAD's).
        titles, foci = _titles_and_foci_of(m, rows, scored)
        return _lists_write(scored, ids, titles, foci, progress=False, total=rows.shape[0])
    # Titles and foci case-folded once, row-aligned, instead of per candidate of every row.
    text = dict(_published_titles_and_foci())
    titles = [text.get(q, ("", ""))[0] for q in ids]
    foci = [text.get(q, ("", ""))[1] for q in ids]
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
    return _lists_write(scored, ids, titles, foci, progress=progress, total=rows.shape[0])


def _neighbourhood(question_ids: Sequence[int]) -> VectorMatrix:
    """Where the database searches the vectors (pgvector): these questions and each one's
    2 x CANDIDATES nearest by its index, as a small matrix, so that a few lists are
    recomputed without this process loading every vector. Scored exactly within it, as the
    HNSW path does at scale (_candidates_ann)."""
    own = vector_matrix_of(question_ids)
    view = lexical_backend().dense_view(None)
    assert view is not None
    near = set(own.ids.tolist())
    for vector in own.matrix:
        near.update(c.question_id for c in view.nearest(vector, 2 * CANDIDATES))
    return vector_matrix_of(sorted(near))


def _titles_and_foci_of(m: VectorMatrix, rows: np.ndarray,
                        scored: list[tuple[np.ndarray, np.ndarray, np.ndarray]]
                        ) -> tuple[dict[int, str], dict[int, str]]:
    """Case-folded titles and foci by row, of `rows` and their candidates only."""
    needed = set(rows.tolist())
    for _, cands, _ in scored:
        needed.update(int(r) for r in np.unique(cands).tolist() if r >= 0)
    by_id = {m.ids[r].item(): r for r in needed}
    # "" for a question unpublished meanwhile, as the full path has it.
    titles: dict[int, str] = defaultdict(str)
    foci: dict[int, str] = defaultdict(str)
    for pk, title, focus in Question.objects.filter(
            status="published", pk__in=list(by_id)).values_list("pk", "title", "focus"):
        titles[by_id[pk]], foci[by_id[pk]] = title.casefold(), focus.casefold()
    return titles, foci


def _lists_write(scored: Iterable[tuple[np.ndarray, np.ndarray, np.ndarray]],
                 ids: list[int], titles: Sequence[str] | dict[int, str],
                 foci: Sequence[str] | dict[int, str], *, progress: bool, total: int) -> int:
    """Pick and store the lists of the scored rows; returns how many."""
    if progress:
        from tqdm import tqdm

        scored = tqdm(scored, total=-(-total // BLOCK), desc="related questions",
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
