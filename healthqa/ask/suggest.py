"""Suggestions while typing: question titles found by a prefix query on the title alone.

Cheap on purpose (no encoder): it runs on every pause in typing. The query is built from the
words of the text only; the search backend quotes each, so quotes, parentheses and operators
typed by a reader are never syntax.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from healthqa.kb.text import title_key
from healthqa.search.backends import lexical_backend
from healthqa.search.text import STOP_WORDS, is_stop_word, word_tokens

SUGGEST_LIMIT = 8
MAX_SUGGEST_WORDS = 8
# A one-letter prefix ("back p") expands to thousands of terms on a large corpus; the
# complete words already narrow the titles down, so it waits for a second letter.
MIN_PREFIX = 2


@dataclass(frozen=True)
class Suggestion:
    title: str
    slug: str

    @property
    def url(self) -> str:
        return reverse("web:question", kwargs={"slug": self.slug})


def suggest_terms(text: str) -> tuple[list[str], str]:
    """The complete content words of the text and the word still being typed (or "")."""
    tokens = word_tokens(text)
    partial = ""
    if tokens and not text[-1].isspace() and word_tokens(text[-1]):
        partial = tokens.pop()
    words: list[str] = []
    for token in tokens:
        word = token.replace("'", "")
        if is_stop_word(token) or word in words:
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


def questions_suggest(*, text: str, limit: int = SUGGEST_LIMIT) -> list[Suggestion]:
    """Published question titles matching what is typed so far, best first, no repeats.

    Every word must be in the title; when no title has them all (a long question typed in
    full), titles with any of them, best first.
    """
    words, partial = suggest_terms(text)
    terms = len(words) + bool(partial)
    found: list[Suggestion] = []
    seen: set[str] = set()
    # All the words first; a second query with any of them only when that finds nothing.
    backend = lexical_backend()
    for every_word in (True, False)[: min(terms, 2)]:
        # Three times the limit: MedQuAD repeats a title across its sources.
        rows = backend.suggest(words, partial, every_word=every_word, limit=limit * 3)
        for slug, title in rows:
            key = title_key(title)
            if key not in seen and len(found) < limit:
                seen.add(key)
                found.append(Suggestion(title=title, slug=slug))
        if found:
            break
    return found
