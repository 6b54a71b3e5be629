"""Input and output schemas of the search, ask and suggest API endpoints."""

from __future__ import annotations

from ninja import Schema
from pydantic import Field, field_validator
from pydantic_core import PydanticCustomError

from healthqa.ask.services import ASK_RESULTS, AskInputError, question_clean
from healthqa.ask.suggest import SUGGEST_LIMIT
from healthqa.web.api.kb_schemas import (
    AnswerOut,
    FilterQuery,
    PageOut,
    PageQuery,
    QuestionItemOut,
    SourceOut,
)

MAX_ASK_RESULTS = 50


def _checked(value: str, noun: str) -> str:
    try:
        return question_clean(value, noun=noun)
    except AskInputError as exc:
        # A custom error type keeps the message as written (no "Value error, " prefix).
        raise PydanticCustomError("invalid_text", str(exc)) from None


class SearchQuery(FilterQuery, PageQuery):
    q: str = Field(description="What to search for (at most 2,000 characters).")

    @field_validator("q")
    @classmethod
    def _q(cls, value: str) -> str:
        return _checked(value, "search")


class AskQuery(FilterQuery):
    q: str = Field(description="The reader's question as they would say it (at most 2,000 "
                               "characters).")
    k: int = Field(ASK_RESULTS, ge=1, le=MAX_ASK_RESULTS, description="How many questions.")

    @field_validator("q")
    @classmethod
    def _q(cls, value: str) -> str:
        return _checked(value, "question")


class AskBody(FilterQuery):
    question: str = Field(description="The reader's question as they would say it (at most "
                                      "2,000 characters).")
    k: int = Field(ASK_RESULTS, ge=1, le=MAX_ASK_RESULTS, description="How many questions.")

    @field_validator("question")
    @classmethod
    def _question(cls, value: str) -> str:
        return _checked(value, "question")


class SuggestQuery(Schema):
    q: str = Field("", max_length=500, description="What has been typed so far.")
    limit: int = Field(SUGGEST_LIMIT, ge=1, le=20, description="How many titles at most.")


class SearchItemOut(QuestionItemOut):
    score: float = Field(description="The ranking score (higher first); comparable within a "
                                     "query only.")
    match: float | None = Field(description="How well the question covers the query.")
    confidence: str = Field(description="high, medium or low, read from match.")
    snippet: str = Field(description="Plain text from the answers around the query's words "
                                     "('' when no answer contains them).")
    highlights: list[tuple[int, int]] = Field(
        description="[start, end) offsets of the matched words in snippet, counted in Unicode "
                    "code points (Python string indices; not UTF-16 units)."
    )
    snippet_html: str = Field(description="The same snippet as HTML: escaped, each match in "
                                          "<mark>; safe to insert as is.")


class SearchPageOut(PageOut):
    query: str = Field(description="The query as searched (whitespace collapsed).")
    capped: bool = Field(description="True when count stopped at the limit of best results.")
    items: list[SearchItemOut]


class UrgentOut(Schema):
    urgent: bool = Field(description="True when the question mentions an emergency: show "
                                     "guidance before anything else.")
    headline: str
    reasons: list[str] = Field(description="What the question mentions, e.g. 'chest pain'.")
    guidance: list[str] = Field(description="Fixed urgent-care guidance, most urgent first.")


class ExpertsOut(Schema):
    available: bool = Field(description="Whether questions can be sent to experts yet.")
    message: str


class AlsoFromOut(Schema):
    slug: str
    url: str
    source: str | None = Field(description="Name of the source organisation.")


class AskHitOut(Schema):
    question: QuestionItemOut
    score: float
    match: float = Field(description="How well this question covers the reader's question.")
    confidence: str = Field(description="high, medium or low.")
    confidence_label: str = Field(description="The confidence in words, as the page says it.")
    answer_at_source: bool = Field(
        description="True when the answer is not stored here but can be read at source_url."
    )
    source_url: str
    source: SourceOut | None
    answers: list[AnswerOut]
    also_from: list[AlsoFromOut] = Field(
        description="The same question from other sources (folded into this hit)."
    )


class AskOut(Schema):
    question: str = Field(description="The question as matched (whitespace collapsed).")
    confidence: str = Field(description="high, medium or low, from the best hit.")
    low_confidence: bool = Field(description="True when no answered question covers it well.")
    message: str = Field(description="What to tell the reader when confidence is low.")
    urgent: UrgentOut
    send_to_experts: ExpertsOut
    disclaimer: str
    hits: list[AskHitOut]


class SuggestionOut(Schema):
    title: str
    slug: str
    url: str


class SuggestOut(Schema):
    items: list[SuggestionOut]
