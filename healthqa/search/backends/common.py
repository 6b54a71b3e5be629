"""What every lexical backend shares: the filters as SQL, and the budget of rows scored."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from healthqa.kb.models import Answer, Question, Source
from healthqa.kb.text import plain_text
from healthqa.search.types import Hit, SearchFilters

QUESTIONS = Question._meta.db_table
SOURCES = Source._meta.db_table


def index_rows(alias: str, question_ids: Sequence[int]
               ) -> list[tuple[int, str, str, str, str]]:
    """What a full-text index holds of these questions: (id, title, focus and its synonyms,
    question text, every answer as plain text)."""
    answers: dict[int, list[str]] = {}
    for qid, body, fmt in Answer.objects.using(alias).filter(
        question_id__in=question_ids
    ).order_by("question_id", "position").values_list("question_id", "body", "body_format"):
        answers.setdefault(qid, []).append(plain_text(body, fmt))
    return [
        (q.pk, q.title, " ".join([q.focus, *q.focus_synonyms]), q.body,
         " ".join(answers.get(q.pk, [])))
        for q in Question.objects.using(alias).filter(pk__in=question_ids).only(
            "title", "focus", "focus_synonyms", "body")
    ]


def overfetch(k: int) -> int:
    """Rows to rank without the questions' status for k published hits: drafts are few."""
    return k + k // 5 + 10


def best_published(hits: list[Hit], *, k: int, fetched: int) -> list[Hit] | None:
    """The best k of `hits` (the published among `fetched` rows ranked, overfetch(k) asked),
    or None when so many were unpublished that the query must join the questions instead."""
    if len(hits) < k and fetched == overfetch(k):
        return None
    return hits[:k]


def filter_sql(filters: SearchFilters | None, *, alias: str = "q"
               ) -> tuple[str, list[int | str | bool]]:
    """A WHERE condition on the questions table (as `alias`): published, and the filters.
    Plain SQL both databases read; placeholders are %s."""
    sql = f"{alias}.status = 'published'"
    params: list[int | str | bool] = []
    if filters is None:
        return sql, params
    if filters.category_ids is not None:
        marks = ",".join("%s" for _ in filters.category_ids) or "NULL"
        sql += f" AND {alias}.category_id IN ({marks})"
        params.extend(filters.category_ids)
    if filters.has_answer is not None:
        sql += f" AND {alias}.has_answer = %s"
        params.append(bool(filters.has_answer))
    if filters.source_key:
        sql += f" AND {alias}.source_id = (SELECT id FROM {SOURCES} WHERE key = %s)"
        params.append(filters.source_key)
    return sql, params


# Ranking with ORDER BY scores every row that matches any word of an OR query: the work grows
# with the words' document frequencies (about 3 us a matching row in FTS5; "symptoms" alone is
# in 200k rows of the 1M benchmark corpus: 0.8 s). So a query keeps its rarest words while
# their frequencies add up to at most a budget of rows (healthqa.search.engine sets it); the
# words dropped are the most common ones, whose idf is low anyway. A query whose rarest word
# alone exceeds the budget keeps that word up to 5x the budget, and gets no lexical hits above.
FREQUENCY_TTL = 600.0  # seconds a word's document frequency is trusted
_frequencies: dict[tuple[str, str], tuple[float, int]] = {}


def doc_frequency(key: tuple[str, str], count: Callable[[], int]) -> int:
    """count() (rows holding a word), cached for a while under key (alias, word)."""
    now = time.monotonic()
    cached = _frequencies.get(key)
    if cached is not None and now - cached[0] < FREQUENCY_TTL:
        return cached[1]
    value = count()
    if len(_frequencies) > 100_000:
        _frequencies.clear()
    _frequencies[key] = (now, value)
    return value


def frequencies_forget() -> None:
    """Forget the cached document frequencies (tests)."""
    _frequencies.clear()


def words_within_budget(words: Sequence[str], *, budget: int,
                        frequency: Callable[[str, int], int]) -> list[str]:
    """The words kept (in query order): the rarest first while their frequencies add up to
    at most `budget`; frequency(word, cap) counts rows up to cap + 1."""
    if not words or budget <= 0:
        return list(words)
    hard_cap = 5 * budget
    counts = {w: frequency(w, hard_cap) for w in words}
    kept: set[str] = set()
    total = 0
    for word in sorted(words, key=lambda w: counts[w]):
        if counts[word] == 0:
            kept.add(word)  # free; and it may have been written since it was counted
            continue
        if kept and total + counts[word] > budget:
            break
        if counts[word] > hard_cap:
            break
        kept.add(word)
        total += counts[word]
    return [w for w in words if w in kept]
