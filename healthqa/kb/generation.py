"""The content generation: a token in the database, replaced by every write to what cached
reads are built on (categories, published questions and their topics), so that each process,
not only the writer's, builds such reads again on its next request.

Several worker processes serve the same database, each with its own memory: a value built
from the content is kept with the generation read before building it, and used while the
generation is unchanged. A process reads the generation (one row, by primary key) at most
once per request; outside a request (commands, background threads) on every use.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from django.db import connection

from healthqa.kb.models import ContentMeta

GENERATION = "generation"
# A backstop for writes made behind the services' back (a shell, SQL by hand): a kept value
# is built again after this long even if the generation did not change.
MEMO_SECONDS = 300.0

T = TypeVar("T")
_local = threading.local()


def content_generation() -> str:
    """The content's current generation ("" before the first one is stored)."""
    known: str | None = getattr(_local, "generation", None)
    if known is not None:
        return known
    # Plain SQL: the ORM would spend ten times the query's own time compiling it, on most
    # pages (benchmarks/article_pages.py).
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {quote('value')} FROM {quote(ContentMeta._meta.db_table)} "
                       f"WHERE {quote('key')} = %s", [GENERATION])
        row = cursor.fetchone()
    token = str(row[0]) if row else ""
    if getattr(_local, "in_request", False):
        _local.generation = token
    return token


def content_changed() -> None:
    """Content that cached reads are built on changed: start a new generation. Called inside
    the write's transaction, it commits or rolls back with the write."""
    # A fresh token rather than a counter: a process that built a value inside a transaction
    # that then rolled back (a retried import batch, a test) can never mistake a later
    # generation with the same number for the one it saw.
    token = uuid.uuid4().hex
    if not ContentMeta.objects.filter(key=GENERATION).update(value=token):
        ContentMeta.objects.update_or_create(key=GENERATION, defaults={"value": token})
    _local.generation = None  # this thread reads the new one from now on


def request_started(**kwargs: Any) -> None:
    """A request begins in this thread: read the generation afresh, then keep it till its end."""
    _local.in_request = True
    _local.generation = None


def request_finished(**kwargs: Any) -> None:
    _local.in_request = False
    _local.generation = None


def content_deleted(**kwargs: Any) -> None:
    """A question or category was deleted (the admin, a shell): counts and topics changed."""
    content_changed()


class GenerationMemo(Generic[T]):
    """One value built from the content, kept in this process while the generation it was
    built at is current."""

    def __init__(self, build: Callable[[], T], *, seconds: float = MEMO_SECONDS) -> None:
        self._build = build
        self._seconds = seconds
        self._memo: tuple[str, float, T] | None = None
        self._building = threading.Lock()

    def _kept(self, generation: str) -> tuple[str, float, T] | None:
        memo = self._memo
        if (memo is not None and memo[0] == generation
                and time.monotonic() - memo[1] < self._seconds):
            return memo
        return None

    def get(self) -> T:
        # The generation is read before the content: a write committed in between makes the
        # value newer than its label, never older, and the next request builds it again.
        generation = content_generation()
        memo = self._kept(generation)
        if memo is not None:
            return memo[2]
        # One thread builds (the topic index takes a few hundred ms on MedQuAD); the others
        # of this process wait for it rather than build the same thing beside it.
        with self._building:
            memo = self._kept(generation)
            if memo is not None:
                return memo[2]
            value = self._build()
            self._memo = (generation, time.monotonic(), value)
            return value

    def forget(self) -> None:
        """Build the value again on next use (tests, whose rolled-back writes bump nothing)."""
        self._memo = None
