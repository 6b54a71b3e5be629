"""Input and output schemas of the search, ask and suggest API endpoints."""

from __future__ import annotations

from typing import Any

from ninja import Schema
from pydantic import ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from healthqa.ask.services import (
    ASK_RESULTS,
    MAX_QUESTION_CHARS,
    AskInputError,
    question_clean,
)
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


# Python's whitespace (str.isspace, what question_clean splits on), spelled out so that the
# OpenAPI pattern means the same in every regex dialect (ECMAScript's \s differs: it lacks
# \x1c-\x1f and \x85 and has \ufeff). tests/web/test_api_contract.py checks the list.
WHITESPACE = r"\t\n\v\f\r \x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
NOT_BLANK = f"[^{WHITESPACE}]"


def text_field(description: str) -> Any:
    """A question or query: its constraints in the OpenAPI schema as the validator enforces
    them (1 to MAX_QUESTION_CHARS characters, at least one of them not whitespace)."""
    return Field(min_length=1, max_length=MAX_QUESTION_CHARS, pattern=NOT_BLANK,
                 description=description)


def _checked(value: Any, noun: str) -> Any:
    """Run before pydantic's own checks, so that their messages are the friendly ones."""
    if not isinstance(value, str):
        return value  # pydantic says it should be a string
    try:
        return question_clean(value, noun=noun)
    except AskInputError as exc:
        # A custom error type keeps the message as written (no "Value error, " prefix).
        raise PydanticCustomError("invalid_text", str(exc)) from None


class SearchQuery(FilterQuery, PageQuery):
    q: str = text_field("What to search for (at most 2,000 characters, not only whitespace; "
                        "whitespace is collapsed).")

    @field_validator("q", mode="before")
    @classmethod
    def _q(cls, value: Any) -> Any:
        return _checked(value, "search")


class AskQuery(FilterQuery):
    q: str = text_field("The reader's question as they would say it (at most 2,000 "
                        "characters, not only whitespace).")
    k: int = Field(ASK_RESULTS, ge=1, le=MAX_ASK_RESULTS, description="How many questions.")

    @field_validator("q", mode="before")
    @classmethod
    def _q(cls, value: Any) -> Any:
        return _checked(value, "question")


class AskBody(FilterQuery):
    # JSON has types: a body's values must have the documented ones (no "k": "5" or
    # "has_answer": 0), while a query string's are text, parsed into them.
    model_config = ConfigDict(strict=True)

    question: str = text_field("The reader's question as they would say it (at most 2,000 "
                               "characters, not only whitespace).")
    k: int = Field(ASK_RESULTS, ge=1, le=MAX_ASK_RESULTS, description="How many questions.")

    @field_validator("question", mode="before")
    @classmethod
    def _question(cls, value: Any) -> Any:
        return _checked(value, "question")

    @field_validator("k", mode="before")
    @classmethod
    def _k(cls, value: Any) -> Any:
        # 5.0 is an integer to JSON Schema, though not to pydantic's strict mode.
        if isinstance(value, float) and value.is_integer():
            return int(value)
        return value


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
    available: bool = Field(description="Whether questions can be sent to the experts.")
    message: str
    url: str = Field(description="The page where a signed-in member sends this question.")
    api: str = Field(description="The API operation that sends a question (needs a token).")


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
