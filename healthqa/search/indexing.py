"""Keeping the search index in step with the knowledge base, and rebuilding it."""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db import transaction

from healthqa.kb.models import Question
from healthqa.search.backends import lexical_backend
from healthqa.search.encoder import Encoder
from healthqa.search.engine import encoder as default_encoder
from healthqa.search.models import IndexMeta, QuestionVector, RelatedQuestion
from healthqa.search.vectors import index_changed

log = logging.getLogger(__name__)

# IndexMeta key present while some related lists may be out of date: set in the transaction
# of the writes that leave them so, removed once every list has been recomputed since.
RELATED_STALE = "related_stale"


def related_mark_stale() -> None:
    """Note, in the caller's transaction, that the related lists need a full recompute."""
    # A fresh token each time: a recompute clears only the mark it saw when it started.
    IndexMeta.objects.update_or_create(key=RELATED_STALE, defaults={"value": uuid.uuid4().hex})


def related_stale() -> bool:
    """Whether related lists were left out of date (by an import, possibly a killed one)."""
    return IndexMeta.objects.filter(key=RELATED_STALE).exists()


def _lexical_write(ids: list[int]) -> None:
    lexical_backend().index(question_ids=ids)


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
    # Published, answered or moved without new text (so no new vector): processes still
    # read these rows again for their filters and answered flag.
    index_changed(question_ids=ids)
    if related and len(ids) <= 50:
        related_compute(encoder=enc, question_ids=related_affected(question_ids=ids))
    else:  # a bulk import: every list is recomputed at its end, or by the next run
        related_mark_stale()


@contextlib.contextmanager
def search_index_bulk(*, progress: bool = False) -> Iterator[None]:
    """Around a bulk import: questions are embedded in a background thread while the import
    goes on writing; their vectors are stored between batches (search_index_bulk_store) and
    when the block ends, which also embeds every question left without a current vector."""
    from healthqa.search.vectors import vectors_background

    with vectors_background(encoder=default_encoder(), progress=progress):
        yield


def search_index_bulk_store() -> None:
    """Inside search_index_bulk(), between two batch transactions: store the vectors
    embedded so far, so a killed import loses only its last few batches' vectors."""
    from healthqa.search.vectors import vectors_background_store

    vectors_background_store()


def search_index_remove(*, question_ids: Iterable[int], listing: Iterable[int] = ()) -> None:
    """Forget deleted questions: their lexical rows, and the in-memory vectors of every process.

    Their vectors and related rows go with them (ON DELETE CASCADE); `listing`, the questions
    whose related lists named them, get their lists recomputed.
    """
    from healthqa.search.related import related_compute

    ids = list(question_ids)
    if not ids:
        return
    lexical_backend().remove(question_ids=ids)
    index_changed(question_ids=ids)
    others = set(listing) - set(ids)
    if others and len(others) <= 200:
        related_compute(encoder=default_encoder(), question_ids=others)
    elif others:
        related_mark_stale()


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
    from healthqa.search.vectors import vector_matrix_forget, vectors_write

    enc = default_encoder()
    ids = list(Question.objects.order_by("pk").values_list("pk", flat=True))
    lexical = lexical_backend()
    with lexical.bulk_write():  # PostgreSQL, small tables: indexes built once, at the end
        with transaction.atomic():  # killed half-way, the old rows are all still there
            lexical.clear()
            lexical.index(question_ids=ids)
        related_mark_stale()  # first: killed from here on, the next run redoes them
        QuestionVector.objects.all().delete()
        # A new model or dimension is recorded afresh.
        IndexMeta.objects.exclude(key=RELATED_STALE).delete()
        RelatedQuestion.objects.all().delete()
        vector_matrix_forget()
        vectors = vectors_write(question_ids=ids, encoder=enc, progress=progress)
    lexical.statistics_refresh()
    related = _related_recompute(encoder=enc, progress=progress)
    ann_refresh(encoder=enc, progress=progress)  # large sites: the saved HNSW graph, current
    return ReindexReport(questions=len(ids), vectors=vectors, related=related, model=enc.name)


def search_index_missing() -> str | None:
    """Why the stored index cannot serve this database as it is (None when it can): rows or
    vectors missing, or vectors from another model."""
    from healthqa.search.vectors import IndexMismatch, index_check, vectors_missing

    try:
        index_check(encoder=default_encoder())
    except IndexMismatch:
        return "its vectors were made by another model"
    questions = Question.objects.count()
    missing = len(vectors_missing())
    if missing:
        return f"{missing:,} of {questions:,} questions have no current vector"
    indexed = lexical_backend().indexed_count()
    if indexed != questions:
        return f"the full-text index holds {indexed:,} rows for {questions:,} questions"
    return None


def search_index_repair(*, progress: bool = False) -> str:
    """After the database was replaced (a restore): rebuild the index as `healthqa reindex`
    does if part of it is missing, else only what is marked stale; either way every process
    (and the saved graph) reloads it. Returns what was done, in a line."""
    from healthqa.search.ann import ann_refresh
    from healthqa.search.vectors import index_generation_bump, vector_matrix_forget

    reason = search_index_missing()
    if reason is not None:
        return f"search index rebuilt ({reason}): {search_reindex(progress=progress).summary()}"
    index_generation_bump()  # a fresh token: nobody mistakes it for the index they hold
    vector_matrix_forget()
    enc = default_encoder()
    done = "search index complete (as backed up)"
    if related_stale():
        related = _related_recompute(encoder=enc, progress=progress)
        done += f", related questions recomputed for {related:,}"
    ann_refresh(encoder=enc, progress=progress)
    return done


def related_refresh(*, progress: bool = False) -> int:
    """Recompute every question's related list (after a bulk import)."""
    from healthqa.search.ann import ann_refresh

    done = _related_recompute(encoder=default_encoder(), progress=progress)
    ann_refresh(encoder=default_encoder(), progress=progress)  # large sites: saved HNSW graph
    return done


def _related_recompute(*, encoder: Encoder, progress: bool) -> int:
    """Every related list, then the stale mark removed (unless a write set it again since)."""
    from healthqa.search.related import related_compute

    mark = IndexMeta.objects.filter(key=RELATED_STALE).values_list("value", flat=True).first()
    done = related_compute(encoder=encoder, progress=progress)
    if mark is not None:
        IndexMeta.objects.filter(key=RELATED_STALE, value=mark).delete()
    return done
