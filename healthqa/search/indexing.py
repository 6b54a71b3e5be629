"""Keeping the search index in step with the knowledge base, and rebuilding it."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection

from healthqa.kb.models import Question
from healthqa.search.engine import encoder as default_encoder
from healthqa.search.models import IndexMeta, QuestionVector, RelatedQuestion

log = logging.getLogger(__name__)


def _lexical_write(ids: list[int]) -> None:
    if connection.vendor == "sqlite":
        from healthqa.search.lexical_sqlite import lexical_index

        lexical_index(question_ids=ids)


def search_index_update(*, question_ids: Iterable[int], progress: bool = False,
                        related: bool = True) -> None:
    """Re-index these questions: lexical rows, vectors and (for few) their related lists."""
    from healthqa.search.related import related_affected, related_compute
    from healthqa.search.vectors import vectors_write

    ids = list(question_ids)
    if not ids:
        return
    _lexical_write(ids)
    enc = default_encoder()
    vectors_write(question_ids=ids, encoder=enc, progress=progress)
    if related and len(ids) <= 50:
        related_compute(encoder=enc, question_ids=related_affected(question_ids=ids))


@dataclass
class ReindexReport:
    questions: int
    vectors: int
    related: int
    model: str

    def summary(self) -> str:
        return (f"reindexed {self.questions:,} questions: {self.vectors:,} vectors "
                f"({self.model}), related questions for {self.related:,}")


def search_reindex(*, progress: bool = False) -> ReindexReport:
    """Rebuild everything the search needs from the database."""
    from healthqa.search.related import related_compute
    from healthqa.search.vectors import vector_matrix_forget, vectors_write

    enc = default_encoder()
    ids = list(Question.objects.order_by("pk").values_list("pk", flat=True))
    if connection.vendor == "sqlite":
        from healthqa.search.lexical_sqlite import lexical_clear, lexical_index

        lexical_clear()
        lexical_index(question_ids=ids)
    QuestionVector.objects.all().delete()
    IndexMeta.objects.all().delete()  # a new model or dimension is recorded afresh
    RelatedQuestion.objects.all().delete()
    vector_matrix_forget()
    vectors = vectors_write(question_ids=ids, encoder=enc, progress=progress)
    related = related_compute(encoder=enc, progress=progress)
    return ReindexReport(questions=len(ids), vectors=vectors, related=related, model=enc.name)


def related_refresh(*, progress: bool = False) -> int:
    """Recompute every question's related list (after a bulk import)."""
    from healthqa.search.related import related_compute

    return related_compute(encoder=default_encoder(), progress=progress)
