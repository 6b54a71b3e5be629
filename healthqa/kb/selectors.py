"""Reads from the knowledge base, shared by pages, API and CLI."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connections
from django.db.models import Count, Q, QuerySet
from django.urls import reverse

from healthqa.kb.generation import GenerationMemo
from healthqa.kb.models import Answer, AnswerAgreement, Author, Category, Question, Source
from healthqa.kb.signals import read_caches_cleared
from healthqa.kb.text import CodePointOrder

PUBLISHED = Question.Status.PUBLISHED


def questions_published() -> QuerySet[Question]:
    """Published questions with what list views show."""
    return Question.objects.filter(status=PUBLISHED).select_related("category", "source")


def question_get_published(*, slug: str) -> Question | None:
    """One published question with its category and source, or None."""
    return questions_published().filter(slug=slug).first()


def question_merged_target(*, slug: str) -> Question | None:
    """The published question a merged duplicate with this slug now lives in, or None."""
    duplicate = (Question.objects.filter(slug=slug, merged_into__isnull=False)
                 .select_related("merged_into").first())
    if duplicate is None or duplicate.merged_into is None:
        return None
    target = duplicate.merged_into
    return target if target.status == PUBLISHED else None


def question_answers(*, question: Question) -> list[Answer]:
    """The answers of a question in order, with authors, sources and reviewers; with the
    experts who agree (`agreeing`, oldest first) read only when an answer has any."""
    answers = list(
        Answer.objects.filter(question=question)
        .select_related("author", "source", "reviewed_by")
        .order_by("position", "id")
    )
    agreed = [a for a in answers if a.agree_count]
    by_answer: dict[int, list[Author]] = {}
    if agreed:
        for agreement in AnswerAgreement.objects.filter(answer__in=agreed).select_related(
                "author").order_by("created_at", "id"):
            by_answer.setdefault(agreement.answer_id, []).append(agreement.author)
    for answer in answers:
        answer.agreeing = by_answer.get(answer.pk, [])  # type: ignore[attr-defined]
    return answers


def questions_filter(
    *,
    category: Category | None = None,
    focus: str | None = None,
    source_key: str | None = None,
    has_answer: bool | None = None,
    text: str | None = None,
    external_id: str | None = None,
    answered_first: bool = False,
) -> QuerySet[Question]:
    """Published questions matching the given filters, ordered by title (with
    `answered_first`, those whose answer is stored here before those answered at a source)."""
    qs = questions_published()
    if category is not None:
        qs = qs.filter(category_id__in=category_descendant_ids(category=category))
    if focus:
        qs = qs.filter(focus__iexact=focus)
    if source_key:
        qs = qs.filter(source__key=source_key)
    if has_answer is not None:
        qs = qs.filter(has_answer=has_answer)
    if external_id:
        qs = qs.filter(external_id=external_id)
    if text:
        for word in text.split()[:8]:
            qs = qs.filter(Q(title__icontains=word) | Q(focus__icontains=word))
    if answered_first:
        return qs.order_by("-has_answer", CodePointOrder("title"), "id")
    return qs.order_by(CodePointOrder("title"), "id")


def category_get(*, slug: str) -> Category | None:
    """The category with this slug, or None."""
    return Category.objects.filter(slug=slug).first()


def source_get(*, key: str) -> Source | None:
    """The source organisation with this key, or None."""
    return Source.objects.filter(key=key).first()


def sources_with_counts() -> list[Source]:
    """All sources by name, each annotated with `question_count` (published questions)."""
    return list(
        Source.objects.annotate(
            question_count=Count("questions", filter=Q(questions__status=PUBLISHED))
        ).order_by("name", "key")
    )


def question_tag_names(*, question: Question) -> list[str]:
    """The names of a question's tags, alphabetically."""
    return list(question.tags.order_by("name").values_list("name", flat=True))


def questions_newest(*, limit: int = 10) -> list[Question]:
    """The most recently published questions, those with an answer to read first: MedQuAD's
    newest are drug and herb pages whose answers are only at their source (copyright)."""
    newest = questions_published().order_by("-published_at", "-id")
    answered = list(newest.filter(has_answer=True)[:limit])
    if len(answered) < limit:
        answered += list(newest.filter(has_answer=False)[: limit - len(answered)])
    return answered


def questions_answered_newest(*, category: Category, limit: int) -> list[Question]:
    """The published questions in a category (and those under it) that were answered most
    recently, newest first."""
    return list(questions_published().filter(
        category_id__in=category_descendant_ids(category=category), has_answer=True,
        answered_at__isnull=False).order_by("-answered_at", "-id")[:limit])


@dataclass(frozen=True)
class CategoryNode:
    id: int
    name: str
    slug: str
    parent_id: int | None
    question_count: int
    children: tuple[int, ...]

    @property
    def url(self) -> str:
        """The path of the category's page."""
        return reverse("web:category", kwargs={"slug": self.slug})


def _category_tree_build() -> dict[int, CategoryNode]:
    counts = dict(
        Question.objects.filter(status=PUBLISHED)
        .values_list("category_id")
        .annotate(n=Count("id"))
        .values_list("category_id", "n")
    )
    cats = list(Category.objects.all().order_by("position", "name"))
    children: dict[int | None, list[int]] = {}
    for c in cats:
        children.setdefault(c.parent_id, []).append(c.pk)
    return {
        c.pk: CategoryNode(
            id=c.pk,
            name=c.name,
            slug=c.slug,
            parent_id=c.parent_id,
            question_count=counts.get(c.pk, 0),
            children=tuple(children.get(c.pk, [])),
        )
        for c in cats
    }


# Kept in process memory with the content generation it was built at (healthqa.kb.generation):
# after a write in any process, every process builds it again on its next request. Not in
# Django's locmem cache, which unpickles the whole tree on every read, several times a page.
_category_tree = GenerationMemo(_category_tree_build)


def category_tree() -> dict[int, CategoryNode]:
    """All categories with their published-question counts (kept while the content's
    generation is unchanged)."""
    return _category_tree.get()


def category_tree_clear() -> None:
    """Forget, in this process, the category tree (and, through a signal, every other read
    built on the content, such as search's topic index). Writes need not call it: they start
    a new content generation (healthqa.kb.generation.content_changed), which every process
    sees; tests do, as their writes roll back."""
    _category_tree.forget()
    read_caches_cleared.send(sender=Question)


def category_descendant_ids(*, category: Category) -> list[int]:
    """The category and all categories under it."""
    tree = category_tree()
    ids, stack = [], [category.pk]
    while stack:
        cid = stack.pop()
        ids.append(cid)
        node = tree.get(cid)
        if node:
            stack.extend(node.children)
    return ids


def category_ancestors(*, category_id: int) -> list[CategoryNode]:
    """Breadcrumb trail from the top category down to this one."""
    tree = category_tree()
    trail: list[CategoryNode] = []
    node = tree.get(category_id)
    while node is not None:
        trail.append(node)
        node = tree.get(node.parent_id) if node.parent_id else None
    return list(reversed(trail))


def category_total(*, category_id: int) -> int:
    """Published questions in a category and all its descendants."""
    tree = category_tree()
    total, stack = 0, [category_id]
    while stack:
        node = tree.get(stack.pop())
        if node:
            total += node.question_count
            stack.extend(node.children)
    return total


# The article page's extra reads (neighbours here, related in healthqa.search.selectors) are
# written in plain SQL: built with the ORM, compiling their subqueries and windows cost 2-3 ms
# a page, five times the time the database spends on them (benchmarks/article_pages.py). The
# SQL is standard (derived tables, ROW_NUMBER, CASE), for SQLite and PostgreSQL alike.
_Q = Question._meta.db_table
_NEIGHBOURS_SQL = f"""
SELECT id, slug, title, category_id, side FROM (
    SELECT id, slug, title, category_id, 0 AS side FROM {_Q}
    WHERE category_id = %s AND status = %s AND ({{title}}, id) < (%s, %s)
    ORDER BY {{title}} DESC, id DESC LIMIT 1
) before_this
UNION ALL
SELECT id, slug, title, category_id, side FROM (
    SELECT id, slug, title, category_id, 1 AS side FROM {_Q}
    WHERE category_id = %s AND status = %s AND ({{title}}, id) > (%s, %s)
    ORDER BY {{title}}, id LIMIT 1
) after_this
"""
# Titles compared in code-point order, as lists sort them (kb.text.CodePointOrder); on
# PostgreSQL the title indexes are built in that collation (kb migration 0006).
_NEIGHBOURS = {"postgresql": _NEIGHBOURS_SQL.format(title='title COLLATE "C"'),
               "sqlite": _NEIGHBOURS_SQL.format(title="title")}  # BINARY, its default


def question_neighbours(*, question: Question) -> tuple[Question | None, Question | None]:
    """Previous and next published question in the same category, by title (one query)."""
    # Each side walks the (category, status, title, id) index one step. The row comparison is
    # the index's own order, so PostgreSQL starts the walk at the question (an OR of title and
    # id conditions made it gather and sort the category's earlier titles: 4 ms a page).
    key = [question.category_id, PUBLISHED, question.title, question.pk]
    rows = Question.objects.raw(_NEIGHBOURS[connections[Question.objects.db].vendor], key + key)
    found = {q.side: q for q in rows}  # type: ignore[attr-defined]
    return found.get(0), found.get(1)
