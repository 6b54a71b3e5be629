"""Precomputed "Recommended" questions: the dozen nearest by meaning, diversified by focus."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from django.db import transaction

from healthqa.kb.models import Question
from healthqa.search.encoder import Encoder
from healthqa.search.models import RelatedQuestion
from healthqa.search.vectors import VectorMatrix, vector_matrix

RELATED = 12
CANDIDATES = 120
OWN_FOCUS_MAX = 4  # other questions about the same condition (its causes, its treatment...)
SAME_CATEGORY_BONUS = 0.05  # prefer the same field, as the reference page does
UNANSWERED_PENALTY = 0.15  # a recommendation should show an answer excerpt


def _pick(
    m: VectorMatrix, row: int, sims: np.ndarray, titles: dict[int, str], foci: dict[int, str],
) -> list[tuple[int, float]]:
    scores = sims + SAME_CATEGORY_BONUS * (m.category == m.category[row])
    scores -= UNANSWERED_PENALTY * (~m.has_answer)
    scores[row] = -np.inf
    top = np.argpartition(-scores, min(CANDIDATES, scores.shape[0] - 1))[:CANDIDATES]
    top = top[np.argsort(-scores[top])]
    qid = int(m.ids[row])
    own_focus = foci.get(qid, "").casefold()
    seen_titles = {titles.get(qid, "").casefold()}
    per_focus: dict[str, int] = {}
    picked: list[tuple[int, float]] = []
    for r in top:
        if not np.isfinite(scores[r]):
            break
        cand = int(m.ids[r])
        title = titles.get(cand, "").casefold()
        focus = foci.get(cand, "").casefold()
        if title in seen_titles:
            continue  # MedQuAD asks "What is Gout?" once per source
        allowed = OWN_FOCUS_MAX if focus == own_focus else 1
        if per_focus.get(focus, 0) >= allowed:
            continue
        per_focus[focus] = per_focus.get(focus, 0) + 1
        seen_titles.add(title)
        picked.append((cand, float(scores[r])))
        if len(picked) == RELATED:
            break
    return picked


def related_compute(*, encoder: Encoder, question_ids: Iterable[int] | None = None,
                    progress: bool = False) -> int:
    """Recompute the related questions of these questions (all when None); returns how many."""
    m = vector_matrix(encoder=encoder)
    if m.size == 0:
        return 0
    wanted = None if question_ids is None else set(question_ids)
    rows = [i for i, q in enumerate(m.ids) if wanted is None or int(q) in wanted]
    titles = dict(Question.objects.filter(status="published").values_list("pk", "title"))
    foci = dict(Question.objects.filter(status="published").values_list("pk", "focus"))
    chunks: Iterable[int] = range(0, len(rows), 256)
    if progress:
        from tqdm import tqdm

        chunks = tqdm(chunks, desc="related questions", unit_scale=256, unit=" questions")
    done = 0
    for start in chunks:
        batch = rows[start : start + 256]
        sims_block = m.matrix[batch] @ m.matrix.T
        objs = []
        for i, row in enumerate(batch):
            for rank, (cand, score) in enumerate(_pick(m, row, sims_block[i], titles, foci), 1):
                objs.append(RelatedQuestion(question_id=int(m.ids[row]), related_id=cand,
                                            rank=rank, score=score))
        with transaction.atomic():
            RelatedQuestion.objects.filter(question_id__in=[int(m.ids[r]) for r in batch]).delete()
            RelatedQuestion.objects.bulk_create(objs, batch_size=2000)
        done += len(batch)
    return done


def related_affected(*, question_ids: Iterable[int]) -> set[int]:
    """Questions whose recommendations may change when these questions change."""
    ids = set(question_ids)
    listing = RelatedQuestion.objects.filter(related_id__in=ids).values_list(
        "question_id", flat=True
    )
    return ids | set(listing)
