"""The content generation: each write that the category tree and topic index are built on
starts a new one, and a kept tree or index is used only while the generation it was built
at is current, read at most once per request (healthqa.kb.generation).

Another process's write is a change of the stored generation that this process did not
make: these tests make it with a plain UPDATE, tests/web/test_cross_process.py with real
processes.
"""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection, transaction
from django.test.utils import CaptureQueriesContext

from healthqa.kb import editing, selectors
from healthqa.kb.generation import GENERATION, content_changed, content_generation
from healthqa.kb.models import Author, Category, ContentMeta, Question
from healthqa.search import selectors as search_selectors
from tests.kb.conftest import KB

pytestmark = pytest.mark.django_db


def stored() -> str:
    return ContentMeta.objects.get(key=GENERATION).value


def generation_reads(ctx: CaptureQueriesContext) -> int:
    return sum(ContentMeta._meta.db_table in q["sql"] for q in ctx.captured_queries)


@contextlib.contextmanager
def a_request() -> Iterator[None]:
    """Between the signals a request sends at its start and end, as a worker does; without
    Django's closing of old connections, as its test client does (it would close the test's
    transaction)."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    try:
        request_started.send(sender=None)
        yield
        request_finished.send(sender=None)
    finally:
        for signal in (request_started, request_finished):
            signal.connect(close_old_connections)


@pytest.fixture
def in_request() -> Iterator[None]:
    with a_request():
        yield


def another_process_wrote() -> None:
    """What a write in another process leaves: a new generation this process did not make."""
    ContentMeta.objects.filter(key=GENERATION).update(value="from-another-process")


def publish_answer(kb: KB) -> object:
    writer = Author.objects.create(display_name="Dr. Writer", slug="dr-writer")
    reviewer = Author.objects.create(display_name="Dr. Reviewer", slug="dr-reviewer")
    return editing.answer_publish(
        question=kb.placenta_previa, body="Rest, and see your midwife often. " * 3,
        author=writer, reviewed_by=reviewer, reviewed_on=datetime.date(2026, 1, 5),
        next_review_on=datetime.date(2027, 1, 5), comment="test")


WRITES: dict[str, Callable[[KB], object]] = {
    "question_create": lambda kb: editing.question_create(
        title="Is it safe to fly at 30 weeks?", body="", category=kb.back_pain.category,
        focus="Flying in pregnancy", comment="test"),
    "question_edit": lambda kb: editing.question_edit(
        question=kb.exercise, title=kb.exercise.title, body="", category=kb.chest_pain.category,
        focus="Exercise", comment="test"),
    "question_merge": lambda kb: editing.question_merge(
        duplicate=kb.sleep_back_pain, into=kb.back_pain, comment="test"),
    "question deleted": lambda kb: Question.objects.filter(pk=kb.ankles.pk).delete(),
    "category deleted": lambda kb: Category.objects.create(name="Empty", slug="empty").delete(),
}


def test_publishing_an_answer_keeps_the_generation_and_what_was_built_at_it(kb: KB) -> None:
    # The tree and the topic index count published questions by category and topic; an
    # answer changes neither, so no process builds them again (0.5 s at MedQuAD's size).
    tree, topics = selectors.category_tree(), search_selectors.topic_index()
    before = stored()
    publish_answer(kb)
    assert stored() == before
    assert selectors.category_tree() is tree and search_selectors.topic_index() is topics


@pytest.mark.parametrize("write", WRITES)
def test_each_kind_of_write_starts_a_new_generation_in_its_transaction(
        kb: KB, write: str) -> None:
    before = stored()
    WRITES[write](kb)
    after = stored()
    assert after != before
    # Rolled back with the write: nothing changed, and neither did the generation.
    with pytest.raises(RuntimeError), transaction.atomic():
        WRITES["question_create"](kb)
        raise RuntimeError("the write fails after the bump")
    assert stored() == after


def test_the_admin_saving_a_category_or_a_question_starts_a_new_generation(
        admin_client: Any, kb: KB) -> None:
    before = stored()
    response = admin_client.post(f"/admin/kb/category/{kb.fibroids.category_id}/change/", {
        "name": "Gynaecology", "slug": "gynaecology", "parent": kb.fibroids.category.parent_id,
        "description": "", "position": "0"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert stored() != before
    before = stored()
    response = admin_client.post("/admin/kb/question/add/", {
        "title": "Can I drink coffee when pregnant?", "slug": "coffee", "body": "",
        "category": kb.back_pain.category_id, "status": "published", "last_reviewed_at": "",
        "focus": "Caffeine", "focus_synonyms": "[]", "question_type": "information",
        "external_id": "local/coffee", "source": "", "source_url": "",
        "answers-TOTAL_FORMS": "0", "answers-INITIAL_FORMS": "0",
        "answers-MIN_NUM_FORMS": "0", "answers-MAX_NUM_FORMS": "1000"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert stored() != before


def test_a_write_in_another_process_is_seen_on_the_next_request(kb: KB) -> None:
    with a_request():
        tree = selectors.category_tree()
        topics = {t.name for t in search_selectors.topic_index().topics}
    # Written behind this process's back: no signal here, no cache forgotten here.
    heart = Category.objects.get(slug=kb.chest_pain.category.slug)
    Category.objects.create(name="Lungs", slug="lungs", parent=heart)
    Question.objects.filter(pk=kb.chest_pain.pk).update(focus="Angina")
    with a_request():
        assert selectors.category_tree() is tree  # the same generation: kept
        assert "Angina" not in {t.name for t in search_selectors.topic_index().topics}

    another_process_wrote()
    with a_request():
        assert "Lungs" in {n.name for n in selectors.category_tree().values()}
        assert {t.name for t in search_selectors.topic_index().topics} == (
            topics - {"Chest pain"}) | {"Angina"}


def test_a_request_reads_the_generation_once_however_often_it_uses_the_caches(
        kb: KB, in_request: None) -> None:
    selectors.category_tree()
    search_selectors.topic_index()
    with CaptureQueriesContext(connection) as ctx:
        for _ in range(3):
            selectors.category_tree()
            selectors.category_total(category_id=kb.back_pain.category_id)
            search_selectors.topic_index()
    assert len(ctx.captured_queries) == 0  # read when the request first used them
    # A write in this request: the next use reads the new generation, and builds again.
    content_changed()
    with CaptureQueriesContext(connection) as ctx:
        selectors.category_tree()
        selectors.category_tree()
    assert generation_reads(ctx) == 1 and len(ctx.captured_queries) == 3


def test_outside_a_request_every_use_reads_the_generation(kb: KB) -> None:
    selectors.category_tree()
    with CaptureQueriesContext(connection) as ctx:
        selectors.category_tree()
        selectors.category_tree()
    assert generation_reads(ctx) == len(ctx.captured_queries) == 2
    another_process_wrote()
    Category.objects.create(name="Lungs", slug="lungs")
    assert "Lungs" in {n.name for n in selectors.category_tree().values()}


def test_a_missing_generation_row_is_made_again(db: None) -> None:
    ContentMeta.objects.all().delete()  # as `flush` leaves it
    assert content_generation() == ""
    content_changed()
    assert len(stored()) == 32
