"""Reads that search precomputes or indexes: "Recommended" questions and the A-Z topics."""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

from django.db.models import Count, QuerySet
from django.utils.text import slugify

from healthqa.kb.generation import GenerationMemo
from healthqa.kb.models import Question
from healthqa.kb.selectors import questions_published
from healthqa.kb.text import title_key
from healthqa.search.models import RelatedQuestion
from healthqa.search.text import stem_words

PUBLISHED = Question.Status.PUBLISHED
RELATED_LIMIT = 12

# The article page's related read is written in plain SQL: built with the ORM, compiling its
# subqueries and windows cost 2-3 ms a page, five times the time the database spends on them
# (benchmarks/article_pages.py). The SQL is standard (derived tables, ROW_NUMBER, CASE).
_Q = Question._meta.db_table
_RELATED_COLUMNS = "id, slug, title, excerpt, focus, category_id, question_type"
# Overview ("information") questions first within each focus; the window keeps the rows
# fetched few whatever the size of a focus. Liveness is tested through CASE, not plain
# conditions, so that SQLite uses the focus index even before ANALYZE has told it that the
# status index is unselective.
_RELATED_BY_TOPIC_SQL = f"""
SELECT {_RELATED_COLUMNS}, focus_rank FROM (
    SELECT {_RELATED_COLUMNS}, ROW_NUMBER() OVER (
        PARTITION BY focus
        ORDER BY CASE WHEN question_type = 'information' THEN 0 ELSE 1 END, title, id
    ) AS focus_rank
    FROM {_Q}
    WHERE focus IN ({{names}}) AND id <> %s
      AND CASE WHEN status = %s AND has_answer = %s THEN 1 ELSE 0 END = 1
) ranked
WHERE focus_rank = 1 OR (focus = %s AND focus_rank <= %s)
"""
# The walk along the category's title index is bounded: in a category of mostly unanswered
# questions (MedQuAD's drug pages) an unbounded search for answered ones reads thousands of rows.
_RELATED_IN_CATEGORY_SQL = f"""
SELECT {_RELATED_COLUMNS} FROM {_Q}
WHERE has_answer = %s AND id IN (
    SELECT id FROM {_Q} WHERE category_id = %s AND status = %s AND title > %s
    ORDER BY title, id LIMIT %s
)
ORDER BY title, id LIMIT %s
"""


def question_related(*, question: Question, limit: int = RELATED_LIMIT) -> list[Question]:
    """The precomputed "Recommended" questions (by meaning, diversified; see
    healthqa.search.related), or the topic-based fallback until they are computed."""
    rows = list(
        RelatedQuestion.objects.filter(question=question, related__status=PUBLISHED)
        .select_related("related")
        .only(*(f"related__{c.strip()}" for c in _RELATED_COLUMNS.split(",")), "question_id")
        .order_by("rank")[:limit]
    )
    if rows:
        return [row.related for row in rows]
    return question_related_by_topic(question=question, limit=limit)


def question_related_by_topic(*, question: Question, limit: int = RELATED_LIMIT
                              ) -> list[Question]:
    """Related questions: the same focus, then focuses sharing its rarer words (in the same
    category first), then the category; one question per other focus, in at most two queries."""
    own = question.focus
    near = topic_index().related_names(own or question.title, exclude=own, limit=limit + 4)
    rank = {name: i for i, name in enumerate([own, *near] if own else near)}
    picked: list[Question] = []
    titles = {title_key(question.title)}  # MedQuAD asks "What is Gout?" once per source

    def take(candidate: Question) -> None:
        if len(picked) < limit and title_key(candidate.title) not in titles:
            titles.add(title_key(candidate.title))
            picked.append(candidate)

    if rank:
        sql = _RELATED_BY_TOPIC_SQL.format(names=", ".join(["%s"] * len(rank)))
        params = [*rank, question.pk, PUBLISHED, True, own, limit]
        rows = list(Question.objects.raw(sql, params))
        # The same focus first, then topics of the same category, then the rest; each group
        # best-matching topic first.
        rows.sort(key=lambda q: (
            q.focus != own, q.category_id != question.category_id, rank[q.focus],
            q.focus_rank, q.title,  # type: ignore[attr-defined]
        ))
        for cand in rows:
            if cand.focus != own or sum(q.focus == own for q in picked) < limit // 3:
                take(cand)
    if len(picked) < limit:
        seen_focus = {q.focus for q in picked} | set(rank) | {own}
        # Twice the places left, for the questions skipped as repeats of a topic or title.
        wanted = 2 * (limit - len(picked))
        params = [True, question.category_id, PUBLISHED, question.title, limit * 20, wanted]
        for extra in Question.objects.raw(_RELATED_IN_CATEGORY_SQL, params):
            if not extra.focus or extra.focus not in seen_focus:
                seen_focus.add(extra.focus)
                take(extra)
    return picked


# The A-Z topic index: every focus with its question count, and the rarer words of focus
# names for finding related topics. It is kept in process memory rather than in the Django
# cache because the locmem cache unpickles on every read, which would cost more than a query;
# with the content generation it was built at, so a write in any process renews it everywhere
# (healthqa.kb.generation).


def topic_slug(focus: str) -> str:
    """The URL slug of a topic page for a focus name."""
    slug = slugify(focus)[:120].strip("-")
    return slug or "topic-" + hashlib.sha1(focus.encode()).hexdigest()[:8]


def _topic_words(text: str) -> set[str]:
    return {word for word in stem_words(text) if len(word) >= 3}


@dataclass(frozen=True)
class Topic:
    name: str
    slug: str
    letter: str
    question_count: int
    names: tuple[str, ...]


@dataclass(frozen=True)
class TopicIndex:
    topics: tuple[Topic, ...]
    by_slug: dict[str, Topic]
    by_word: dict[str, tuple[str, ...]]
    focus_count: int

    def related_names(self, text: str, *, exclude: str = "", limit: int = 24) -> list[str]:
        """Focus names sharing the rarer words of `text`, best first (IDF-weighted overlap)."""
        scores: dict[str, float] = {}
        for word in _topic_words(text):
            names = self.by_word.get(word)
            if not names:
                continue
            weight = math.log(1 + self.focus_count / len(names))
            for name in names:
                scores[name] = scores.get(name, 0.0) + weight
        scores.pop(exclude, None)
        best = sorted(scores, key=lambda n: (-scores[n], len(n), n))
        return best[:limit]


def topic_index() -> TopicIndex:
    """Every focus of a published question grouped by slug, with counts (kept while the
    content's generation is unchanged)."""
    return _topic_index.get()


def _topic_index_build() -> TopicIndex:
    counts = list(
        Question.objects.filter(status=PUBLISHED)
        .exclude(focus="")
        .order_by()
        .values_list("focus")
        .annotate(n=Count("id"))
        .values_list("focus", "n")
    )
    groups: dict[str, list[tuple[str, int]]] = {}
    for name, n in counts:
        groups.setdefault(topic_slug(name), []).append((name, n))
    topics = []
    for slug, members in groups.items():
        members.sort(key=lambda m: (-m[1], m[0]))
        letter = slug[0].upper() if slug[0].isalpha() and slug[0].isascii() else "#"
        topics.append(Topic(
            name=members[0][0], slug=slug, letter=letter,
            question_count=sum(n for _, n in members), names=tuple(m for m, _ in members),
        ))
    topics.sort(key=lambda t: (t.letter == "#", t.name.casefold(), t.slug))
    postings: dict[str, list[str]] = {}
    for name, _ in counts:
        for word in _topic_words(name):
            postings.setdefault(word, []).append(name)
    # Words in very many focus names ("disease", "syndrome") relate nothing.
    cap = max(50, len(counts) // 50)
    return TopicIndex(
        topics=tuple(topics),
        by_slug={t.slug: t for t in topics},
        by_word={w: tuple(ns) for w, ns in postings.items() if len(ns) <= cap},
        focus_count=len(counts),
    )


_topic_index = GenerationMemo(_topic_index_build)


def topic_index_clear() -> None:
    """Forget the topic index in this process (tests; writes start a new generation)."""
    _topic_index.forget()


def topic_get(*, slug: str) -> Topic | None:
    """The topic with this slug, or None."""
    return topic_index().by_slug.get(slug)


def topic_questions(*, topic: Topic) -> QuerySet[Question]:
    """Published questions about a topic, by title."""
    return questions_published().filter(focus__in=topic.names).order_by("title", "id")
