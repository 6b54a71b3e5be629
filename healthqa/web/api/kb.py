"""API of the knowledge base: questions, their answers and related questions, categories,
sources. Thin endpoints over the selectors."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from healthqa.kb import selectors
from healthqa.kb.data import answer_data, category_ref_data, question_item_data, source_data
from healthqa.kb.models import Question
from healthqa.kb.urls_safe import http_url_shown
from healthqa.search import selectors as search_selectors
from healthqa.web.api.errors import ALWAYS, NOT_FOUND, QUERY, not_found
from healthqa.web.api.kb_schemas import (
    CategoryNodeOut,
    CategoryTreeOut,
    QuestionDetailOut,
    QuestionListQuery,
    QuestionPageOut,
    RelatedOut,
    SourceListOut,
)
from healthqa.web.api.methods import methods_refuse
from healthqa.web.api.paged import paged

router = Router()


def _published_question(slug: str) -> Question:
    question = selectors.question_get_published(slug=slug)
    if question is None:
        raise not_found(f"No published question with slug '{slug}'")
    return question


@router.get(
    "/questions",
    response={200: QuestionPageOut, **NOT_FOUND, **QUERY, **ALWAYS},
    tags=["questions"],
    summary="List published questions",
)
def questions_list(request: HttpRequest, filters: Query[QuestionListQuery]) -> dict[str, Any]:
    """Published questions ordered by title, filtered and paged."""
    category = None
    if filters.category:
        category = selectors.category_get(slug=filters.category)
        if category is None:
            raise not_found(f"No category with slug '{filters.category}'")
    if filters.source and selectors.source_get(key=filters.source) is None:
        raise not_found(f"No source with key '{filters.source}'")
    questions = selectors.questions_filter(
        category=category,
        focus=filters.focus or None,
        source_key=filters.source or None,
        has_answer=filters.has_answer,
        external_id=filters.external_id or None,
    )
    page, fields = paged(request, questions, filters)
    return {**fields, "items": [question_item_data(q) for q in page.object_list]}


@router.get(
    "/questions/{slug}",
    response={200: QuestionDetailOut, **NOT_FOUND, **ALWAYS},
    tags=["questions"],
    summary="One question with its answers",
)
def question_detail(request: HttpRequest, slug: str) -> dict[str, Any]:
    """A published question with its ordered answers, authors, sources and breadcrumb."""
    question = _published_question(slug)
    answers = selectors.question_answers(question=question)
    trail = selectors.category_ancestors(category_id=question.category_id)
    return {
        "slug": question.slug,
        "external_id": question.external_id,
        "title": question.title,
        "body": question.body,
        "focus": question.focus,
        "question_type": question.question_type,
        "url": question.get_absolute_url(),
        "has_answer": question.has_answer,
        "category": {
            **category_ref_data(question.category),
            "path": [{"slug": n.slug, "name": n.name, "url": n.url} for n in trail],
        },
        "tags": selectors.question_tag_names(question=question),
        "answer_at_source": not question.has_answer
                            and bool(http_url_shown(question.source_url)),
        "source": source_data(question.source),
        "source_url": http_url_shown(question.source_url),
        "is_demo": question.is_demo,
        "created_at": question.created_at,
        "published_at": question.published_at,
        "updated_at": question.updated_at,
        "last_reviewed_at": question.last_reviewed_at,
        "answers": [answer_data(a) for a in answers],
    }


@router.get(
    "/questions/{slug}/related",
    response={200: RelatedOut, **NOT_FOUND, **ALWAYS},
    tags=["questions"],
    summary="Questions related to one question",
)
def question_related(request: HttpRequest, slug: str) -> dict[str, Any]:
    """The article page's "Recommended" questions: the nearest by meaning, diversified by
    topic, or (until they are computed) the same focus first, then the same category."""
    question = _published_question(slug)
    return {
        "slug": question.slug,
        "items": [
            {"slug": r.slug, "title": r.title, "url": r.get_absolute_url(), "focus": r.focus,
             "excerpt": r.excerpt}
            for r in search_selectors.question_related(question=question)
        ],
    }


@router.get("/categories", response={200: CategoryTreeOut, **ALWAYS}, tags=["categories"],
            summary="The category tree with question counts")
def categories_tree(request: HttpRequest) -> dict[str, Any]:
    """All categories, nested, with published-question counts."""
    tree = selectors.category_tree()

    def node(cid: int) -> CategoryNodeOut:
        n = tree[cid]
        children = [node(c) for c in n.children]
        return CategoryNodeOut(
            slug=n.slug,
            name=n.name,
            url=n.url,
            question_count=n.question_count,
            total_count=n.question_count + sum(c.total_count for c in children),
            children=children,
        )

    return {"items": [node(cid) for cid, n in tree.items() if n.parent_id is None]}


@router.get("/sources", response={200: SourceListOut, **ALWAYS}, tags=["sources"],
            summary="Source organisations with their licences")
def sources_list(request: HttpRequest) -> dict[str, Any]:
    """Every source organisation with its licence and its number of published questions."""
    return {
        "items": [
            {**(source_data(s) or {}), "question_count": s.question_count}  # type: ignore[attr-defined]
            for s in selectors.sources_with_counts()
        ]
    }


methods_refuse(router, ["/questions", "/questions/{slug}", "/questions/{slug}/related",
                        "/categories", "/sources"], allow="GET",
               hint="the knowledge base is read-only here")
