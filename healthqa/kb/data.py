"""Plain data (JSON-ready dicts) of questions, answers and sources: the one shape the API and
the CLI print them in. Links are given only when they are http(s) (see kb.urls_safe)."""

from __future__ import annotations

from datetime import date
from typing import Any

from healthqa.kb.models import Answer, Category, Question, Source
from healthqa.kb.text import plain_text
from healthqa.kb.urls_safe import http_url_shown


def source_data(source: Source | None) -> dict[str, str] | None:
    """A source organisation with its licence, or None."""
    if source is None:
        return None
    return {
        "key": source.key,
        "name": source.name,
        "url": http_url_shown(source.url),
        "license_name": source.license_name,
        "license_url": http_url_shown(source.license_url),
    }


def category_ref_data(category: Category) -> dict[str, str]:
    """A category as a link: slug, name and page path."""
    return {"slug": category.slug, "name": category.name, "url": category.get_absolute_url()}


def question_item_data(question: Question) -> dict[str, Any]:
    """A question as lists show it (its category and source loaded)."""
    return {
        "slug": question.slug,
        "external_id": question.external_id,
        "title": question.title,
        "focus": question.focus,
        "question_type": question.question_type,
        "category": category_ref_data(question.category),
        "has_answer": question.has_answer,
        "excerpt": question.excerpt,
        "url": question.get_absolute_url(),
        "source": question.source.key if question.source else None,
    }


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def answer_data(answer: Answer) -> dict[str, Any]:
    """An answer as HTML and plain text, with its author and source (loaded), and its review
    ("medically reviewed by ... on ...") and community counts."""
    author = answer.author
    reviewer = answer.reviewed_by if answer.reviewed_by_id else None
    return {
        "id": answer.pk,
        "position": answer.position,
        "body_html": answer.body_html,
        "body_text": plain_text(answer.body, answer.body_format),
        "author": {"name": author.display_name, "credentials": author.credentials}
        if author
        else None,
        "source": source_data(answer.source),
        "reviewed_by": {"name": reviewer.display_name, "credentials": reviewer.credentials}
        if reviewer
        else None,
        "reviewed_on": _iso(answer.reviewed_on),
        "next_review_on": _iso(answer.next_review_on),
        "agree_count": answer.agree_count,
        "helpful_count": answer.helpful_count,
    }
