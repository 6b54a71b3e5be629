"""Keeping the search index in step with the knowledge base, and rebuilding it."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable, Iterator
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


@contextlib.contextmanager
def search_index_bulk(*, progress: bool = False) -> Iterator[None]:
    """Around a bulk import: questions are embedded in a background thread while the import
    goes on writing, and their vectors stored when the block ends (see vectors_background)."""
    from healthqa.search.vectors import vectors_background

    with vectors_background(encoder=default_encoder(), progress=progress):
        yield


def search_index_remove(*, question_ids: Iterable[int], listing: Iterable[int] = ()) -> None:
    """Forget deleted questions: their lexical rows, and the in-memory vectors of every process.

    Their vectors and related rows go with them (ON DELETE CASCADE); `listing`, the questions
    whose related lists named them, get their lists recomputed.
    """
    from healthqa.search.related import related_compute
    from healthqa.search.vectors import index_generation_bump

    ids = list(question_ids)
    if not ids:
        return
    if connection.vendor == "sqlite":
        from healthqa.search.lexical_sqlite import lexical_remove

        lexical_remove(question_ids=ids)
    index_generation_bump()
    others = set(listing) - set(ids)
    if others and len(others) <= 200:
        related_compute(encoder=default_encoder(), question_ids=others)


def question_pre_delete(sender: type, instance: Question, **kwargs: object) -> None:
    """Signal receiver: note which related lists name the question, before they cascade."""
    instance._related_listing = set(  # type: ignore[attr-defined]
        RelatedQuestion.objects.filter(related_id=instance.pk).values_list(
            "question_id", flat=True)
    )


def question_post_delete(sender: type, instance: Question, **kwargs: object) -> None:
    """Signal receiver: a question was deleted (admin, shell): take it out of the index."""
    search_index_remove(question_ids=[instance.pk],
                        listing=getattr(instance, "_related_listing", ()))


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
    from healthqa.search.ann import ann_refresh
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
    ann_refresh(encoder=enc, progress=progress)  # large sites: the saved HNSW graph, current
    return ReindexReport(questions=len(ids), vectors=vectors, related=related, model=enc.name)


def related_refresh(*, progress: bool = False) -> int:
    """Recompute every question's related list (after a bulk import)."""
    from healthqa.search.ann import ann_refresh
    from healthqa.search.related import related_compute

    done = related_compute(encoder=default_encoder(), progress=progress)
    ann_refresh(encoder=default_encoder(), progress=progress)  # large sites: saved HNSW graph
    return done
