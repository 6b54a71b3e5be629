"""A bulk import stores vectors between its batches, and tells processes to reload them only
now and then (and at its end), not after every batch."""

from __future__ import annotations

import time

import pytest
from django.db import transaction

from healthqa.kb.models import Question
from healthqa.kb.records import QuestionRecord
from healthqa.kb.services import questions_import
from healthqa.search import vectors
from healthqa.search.engine import encoder
from healthqa.search.models import IndexMeta, QuestionVector
from healthqa.search.vectors import (
    BEHIND_MAX,
    UNPUBLISHED,
    vectors_background,
    vectors_background_store,
)
from tests.search.corpus import records

pytestmark = pytest.mark.django_db


def encoded() -> None:
    """Wait until the background threads have encoded everything submitted."""
    background = vectors._local.background
    deadline = time.monotonic() + 30
    while background.encoded < background.submitted:
        assert background.error is None and time.monotonic() < deadline
        time.sleep(0.01)


def generation() -> str:
    return IndexMeta.objects.get(key="generation").value


def owed() -> bool:
    return IndexMeta.objects.filter(key=UNPUBLISHED).exists()


def test_vectors_are_stored_between_batches_and_published_now_and_then(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    recs = records()
    with vectors_background(encoder=encoder()):
        questions_import(records=recs[:70], comment="first batch")
        encoded()
        vectors_background_store()
        assert QuestionVector.objects.count() == 70
        first = generation()  # the first vectors of a database start its generation
        assert not owed()

        questions_import(records=recs[70:], comment="second batch")
        encoded()
        assert vectors_background_store() == len(recs) - 70
        assert generation() == first and owed()  # stored, not yet published

        monkeypatch.setattr(vectors, "PUBLISH_EVERY", 0.0)
        edited = QuestionRecord(**{**recs[0].__dict__, "title": "Gout?"})
        questions_import(records=[edited], comment="third batch")
        encoded()
        assert vectors_background_store() == 1
        second = generation()
        assert second != first and not owed()

        monkeypatch.setattr(vectors, "PUBLISH_EVERY", 3600.0)
        questions_import(records=records(foci=("Tennis elbow",), prefix="late"),
                         comment="fourth batch")
        encoded()
        assert vectors_background_store() == 7
        assert generation() == second and owed()
    # The end of the import publishes what is owed, though nothing was left to store.
    assert generation() != second and not owed()
    assert QuestionVector.objects.count() == Question.objects.count()


def test_vectors_a_killed_import_stored_unpublished_are_published_by_the_next() -> None:
    questions_import(records=records(), comment="corpus")
    IndexMeta.objects.create(key=UNPUBLISHED, value="1")
    before = generation()
    with vectors_background(encoder=encoder()):
        pass
    assert generation() != before and not owed()


def test_vectors_of_a_batch_rolled_back_are_not_stored() -> None:
    recs = records()
    with vectors_background(encoder=encoder()):
        with pytest.raises(RuntimeError), transaction.atomic():
            questions_import(records=recs[:10], comment="rolled back")
            raise RuntimeError("the batch failed")
        encoded()
        assert vectors_background_store() == 0
    assert QuestionVector.objects.count() == 0


def test_the_import_waits_when_the_model_falls_behind(monkeypatch: pytest.MonkeyPatch) -> None:
    enc = encoder()
    encode = enc.encode

    def slow(texts: list[str], **kwargs: object) -> object:
        time.sleep(0.1)
        return encode(texts, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(enc, "encode", slow)
    recs = records()
    with vectors_background(encoder=enc):
        for start in range(0, len(recs), 10):
            vectors_background_store()  # as the pipeline does before each batch
            # Never more than BEHIND_MAX committed batches without their vectors stored.
            assert (Question.objects.count() - QuestionVector.objects.count()
                    <= BEHIND_MAX * 10)
            questions_import(records=recs[start : start + 10], comment="batch")
    assert QuestionVector.objects.count() == len(recs)
