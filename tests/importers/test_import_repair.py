"""What an interrupted import or reindex leaves undone, the next run does, even when it finds
every question unchanged: related lists cut short, vectors missing or out of date."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from healthqa.importers.pipeline import ImportReport, import_units
from healthqa.importers.units import ParsedUnit
from healthqa.kb.models import Question
from healthqa.search import related
from healthqa.search.engine import encoder
from healthqa.search.indexing import related_stale, search_reindex
from healthqa.search.models import QuestionVector, RelatedQuestion, VectorChange
from healthqa.search.vectors import index_state, vector_matrix_forget, vectors_missing
from tests.search.corpus import FOCI, records

pytestmark = pytest.mark.django_db

# More questions than related.py scores per block, so their lists take several writes.
CORPUS = records(foci=[*FOCI, *(f"{focus} type 2" for focus in FOCI)])
QUESTIONS = len(CORPUS)


@pytest.fixture(autouse=True)
def _fresh_vectors() -> Iterator[None]:
    vector_matrix_forget()
    yield
    vector_matrix_forget()


def run_import() -> ImportReport:
    """The CORPUS, one unit per question, in batches of 20."""
    units = [ParsedUnit(f"q{i}", (record,)) for i, record in enumerate(CORPUS)]
    return import_units(kind="Test", units=units, files=1, total=len(units), unit_name="q",
                        strict=False, batch_size=20, progress=False)


def related_lists() -> dict[str, list[tuple[str, int]]]:
    lists: dict[str, list[tuple[str, int]]] = {}
    for question, other, rank in RelatedQuestion.objects.order_by(
            "question__external_id", "rank").values_list(
            "question__external_id", "related__external_id", "rank"):
        lists.setdefault(question, []).append((other, rank))
    return lists


def cut_short(monkeypatch: pytest.MonkeyPatch) -> None:
    """Related lists written a few questions at a time, and the second write fails."""
    write = related._related_write
    calls: list[int] = []

    def first_only(question_ids: list[int], values: list[tuple[int, int, int, float]]) -> None:
        if calls:
            raise RuntimeError("killed while writing related lists")
        calls.append(len(question_ids))
        write(question_ids, values)

    monkeypatch.setattr(related, "WRITE_EVERY", 32)
    monkeypatch.setattr(related, "_related_write", first_only)


def never(*args: object) -> None:
    raise AssertionError("related lists recomputed although none was stale")


def assert_complete(lists: dict[str, list[tuple[str, int]]]) -> None:
    assert len(lists) == QUESTIONS
    assert all(len(items) == related.RELATED for items in lists.values())
    assert not related_stale()


def test_related_lists_cut_short_are_completed_by_a_rerun_that_changes_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cut_short(monkeypatch)
    with pytest.raises(RuntimeError, match="killed"):
        run_import()
    assert Question.objects.count() == QUESTIONS
    assert 0 < len(related_lists()) < QUESTIONS
    assert related_stale()

    monkeypatch.undo()
    report = run_import()
    assert (report.created, report.updated, report.unchanged) == (0, 0, QUESTIONS)
    lists = related_lists()
    assert_complete(lists)
    related.related_compute(encoder=encoder())  # from scratch: the very same lists
    assert related_lists() == lists

    # Nothing stale now: a further unchanged run leaves the lists alone (and is quick).
    monkeypatch.setattr(related, "_related_write", never)
    assert run_import().unchanged == QUESTIONS


def test_a_reindex_cut_short_leaves_the_related_lists_to_the_next_import(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    run_import()
    cut_short(monkeypatch)
    with pytest.raises(RuntimeError, match="killed"):
        search_reindex()
    assert related_stale() and 0 < len(related_lists()) < QUESTIONS
    monkeypatch.undo()
    assert run_import().unchanged == QUESTIONS
    assert_complete(related_lists())


def test_a_reindex_completes_related_lists_an_import_left_cut_short(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cut_short(monkeypatch)
    with pytest.raises(RuntimeError):
        run_import()
    monkeypatch.undo()
    search_reindex()
    assert_complete(related_lists())


def test_a_rerun_that_changes_nothing_embeds_missing_and_outdated_vectors() -> None:
    run_import()
    pks = list(Question.objects.order_by("pk").values_list("pk", flat=True))
    gone, outdated = pks[:5], pks[5:10]
    want = {pk: bytes(v) for pk, v in
            QuestionVector.objects.filter(question_id__in=outdated).values_list(
                "question_id", "vector")}
    QuestionVector.objects.filter(question_id__in=gone).delete()
    # As a killed import leaves a question it updated: its vector still of the old content.
    QuestionVector.objects.filter(question_id__in=outdated).update(
        vector=np.ones(384, dtype=np.float32).tobytes(), content_hash="older content")
    assert vectors_missing() == gone + outdated
    state = index_state()

    assert run_import().unchanged == QUESTIONS
    assert vectors_missing() == []
    assert {pk: bytes(v) for pk, v in QuestionVector.objects.filter(
        question_id__in=outdated).values_list("question_id", "vector")} == want
    # Processes read the repaired rows again (ten: through the change log, not a reload).
    assert index_state() != state
    assert set(VectorChange.objects.values_list("question_id", flat=True)) >= set(
        gone + outdated)
