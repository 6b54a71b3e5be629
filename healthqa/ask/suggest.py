"""Suggestions while typing: question titles found by an FTS5 prefix query on the title column.

Cheap on purpose (no encoder): it runs on every pause in typing. The query is built from the
words of the text only, each quoted, so quotes, parentheses and FTS5 operators typed by a
reader are never syntax.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import connection
from django.urls import reverse

from healthqa.search.lexical_sqlite import TABLE
from healthqa.search.text import STOP_WORDS

SUGGEST_LIMIT = 8
MAX_SUGGEST_WORDS = 8
# A one-letter prefix ("back p") expands to thousands of terms on a large corpus; the
# complete words already narrow the titles down, so it waits for a second letter.
MIN_PREFIX = 2
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?", re.UNICODE)


@dataclass(frozen=True)
class Suggestion:
    title: str
    slug: str

    @property
    def url(self) -> str:
        return reverse("kb:question", kwargs={"slug": self.slug})


def suggest_terms(text: str) -> tuple[list[str], str]:
    """The complete content words of the text and the word still being typed (or "")."""
    tokens = [m.group(0).lower() for m in _WORD.finditer(text)]
    partial = ""
    if tokens and not text[-1].isspace() and _WORD.search(text[-1]):
        partial = tokens.pop()
    words: list[str] = []
    for token in tokens:
        word = token.replace("'", "")
        if token in STOP_WORDS or word in STOP_WORDS or word in words:
            continue
        if len(word) > 1 or word.isdigit():
            words.append(word)
    words = words[-MAX_SUGGEST_WORDS:]
    # A word that may still become a stop word ("wha" -> "what") is no prefix yet: it would
    # expand to terms in nearly every title and answer, the most costly query there is.
    if len(partial) < MIN_PREFIX or any(stop.startswith(partial) for stop in STOP_WORDS):
        partial = ""
    partial = partial.replace("'", "")
    if partial in words:
        partial = ""
    return words, partial


def suggest_match(text: str, *, operator: str = "AND") -> str:
    """The FTS5 MATCH expression on the title column ("" when there is nothing to look for)."""
    return _match(*suggest_terms(text), operator=operator)


def _match(words: list[str], partial: str, *, operator: str) -> str:
    terms = [f'"{w}"' for w in words] + ([f'"{partial}"*'] if partial else [])
    if not terms:
        return ""
    return f"title : ({f' {operator} '.join(terms)})"


_SQL = (
    f"SELECT q.slug, q.title FROM {TABLE} f JOIN kb_question q ON q.id = f.rowid "
    f"WHERE {TABLE} MATCH %s AND q.status = 'published' "
    f"ORDER BY bm25({TABLE}, 1.0, 0.0, 0.0, 0.0), length(q.title), q.id LIMIT %s"
)


def questions_suggest(*, text: str, limit: int = SUGGEST_LIMIT) -> list[Suggestion]:
    """Published question titles matching what is typed so far, best first, no repeats.

    Every word must be in the title; when no title has them all (a long question typed in
    full), titles with any of them, best first.
    """
    if connection.vendor != "sqlite":
        return []  # the PostgreSQL backend brings its own (issue: PostgreSQL)
    words, partial = suggest_terms(text)
    terms = len(words) + bool(partial)
    found: list[Suggestion] = []
    seen: set[str] = set()
    # All the words first; a second query with any of them only when that finds nothing.
    for operator in ("AND", "OR")[: min(terms, 2)]:
        match = _match(words, partial, operator=operator)
        with connection.cursor() as cur:
            # Three times the limit: MedQuAD repeats a title across its sources.
            cur.execute(_SQL, [match, limit * 3])
            rows = cur.fetchall()
        for slug, title in rows:
            key = title.casefold()
            if key not in seen and len(found) < limit:
                seen.add(key)
                found.append(Suggestion(title=title, slug=slug))
        if found:
            break
    return found
