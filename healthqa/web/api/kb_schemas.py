"""Output schemas of the JSON API: one per operation, so each can change on its own."""

from __future__ import annotations

from datetime import date, datetime

from django.conf import settings
from ninja import Schema
from pydantic import Field


class ErrorOut(Schema):
    detail: str = Field(description="What went wrong, in a sentence.")


class FieldErrorOut(Schema):
    location: str = Field(description="Where the value came from: query, path or body.")
    field: str
    message: str


class ValidationErrorOut(ErrorOut):
    errors: list[FieldErrorOut]


class FilterQuery(Schema):
    """Restrictions shared by the question list, search and ask; empty ones are ignored."""

    category: str | None = Field(
        None, description="Category slug; questions in its subcategories are included."
    )
    source: str | None = Field(None, description="Source key, e.g. 'GARD'.")
    has_answer: bool | None = Field(
        None, description="false keeps only questions whose answer is at their source."
    )


class PageQuery(Schema):
    page: int = Field(1, ge=1, description="1-based page number.")
    page_size: int = Field(
        settings.PAGE_SIZE,
        ge=1,
        le=settings.API_MAX_PAGE_SIZE,
        description="Items per page (HEALTHQA_API_MAX_PAGE_SIZE at most).",
    )


class PageOut(Schema):
    count: int = Field(description="Items on all pages.")
    page: int
    page_size: int
    pages: int
    next: str | None = Field(description="Path of the next page, or null on the last one.")
    previous: str | None = Field(description="Path of the previous page, or null on the first.")


class QuestionListQuery(FilterQuery, PageQuery):
    """Filters and paging of the question list."""

    focus: str | None = Field(None, description="Exact focus, ignoring case, e.g. 'gout'.")
    external_id: str | None = Field(None, description="Exact external id given at import.")


class CategoryRefOut(Schema):
    slug: str
    name: str
    url: str = Field(description="Absolute path of the category page.")


class QuestionItemOut(Schema):
    slug: str
    external_id: str = Field(description="Stable id given at import, e.g. 'GARD/0000001#1'.")
    title: str
    focus: str = Field(description="The condition, drug or topic the question is about.")
    question_type: str
    category: CategoryRefOut
    has_answer: bool
    excerpt: str = Field(description="Start of the first answer, cut at a word boundary.")
    url: str = Field(description="Absolute path of the article page.")
    source: str | None = Field(description="Key of the source organisation, if any.")


class QuestionPageOut(PageOut):
    items: list[QuestionItemOut]


class AuthorOut(Schema):
    name: str
    credentials: str


class SourceOut(Schema):
    key: str
    name: str
    url: str
    license_name: str
    license_url: str


class AnswerOut(Schema):
    id: int = Field(description="The answer's id (the {answer_id} of agree, helpful, flags).")
    position: int
    body_html: str = Field(description="The answer as sanitised HTML.")
    body_text: str = Field(description="The answer as plain text, without markup.")
    author: AuthorOut | None
    source: SourceOut | None
    reviewed_by: AuthorOut | None = Field(
        description="The editor who medically reviewed it, or null.")
    reviewed_on: date | None
    next_review_on: date | None = Field(description="When it is due for review again.")
    agree_count: int = Field(description="How many other experts agree with it.")
    helpful_count: int = Field(description="How many members found it helpful.")


class CategoryPathOut(CategoryRefOut):
    path: list[CategoryRefOut] = Field(
        description="Breadcrumb from the top category down to this one (included)."
    )


class QuestionDetailOut(Schema):
    slug: str
    external_id: str
    title: str
    body: str = Field(description="The question text.")
    focus: str
    question_type: str
    category: CategoryPathOut
    tags: list[str]
    url: str
    has_answer: bool
    answer_at_source: bool = Field(
        description="True when the answer is not stored here but can be read at source_url."
    )
    source: SourceOut | None
    source_url: str
    is_demo: bool = Field(description="Demo content written for this project; not medical advice.")
    created_at: datetime
    published_at: datetime | None
    updated_at: datetime
    last_reviewed_at: date | None
    answers: list[AnswerOut]


class RelatedItemOut(Schema):
    slug: str
    title: str
    url: str
    focus: str
    excerpt: str


class RelatedOut(Schema):
    slug: str = Field(description="The question these are related to.")
    items: list[RelatedItemOut]


class CategoryNodeOut(Schema):
    slug: str
    name: str
    url: str
    question_count: int = Field(description="Published questions in this category itself.")
    total_count: int = Field(description="Published questions here and in all subcategories.")
    children: list[CategoryNodeOut]


class CategoryTreeOut(Schema):
    items: list[CategoryNodeOut] = Field(description="Top-level categories, children nested.")


class SourceCountOut(SourceOut):
    question_count: int = Field(description="Published questions from this source.")


class SourceListOut(Schema):
    items: list[SourceCountOut]
