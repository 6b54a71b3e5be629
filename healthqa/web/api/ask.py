"""API of the answer engine: search, ask (in the query string or a JSON body) and suggest."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router
from ninja.decorators import decorate_view

from healthqa.ask.search import (
    SEARCH_RESULTS,
    ChosenFilters,
    UnknownFilter,
    search_filters_parse,
    search_hits,
    search_items,
    snippet_parts,
)
from healthqa.ask.services import ask_question, ask_result_data
from healthqa.ask.suggest import questions_suggest
from healthqa.kb.data import question_item_data
from healthqa.web.api.ask_schemas import (
    AskBody,
    AskOut,
    AskQuery,
    SearchPageOut,
    SearchQuery,
    SuggestOut,
    SuggestQuery,
)
from healthqa.web.api.body import json_object_body
from healthqa.web.api.errors import ALWAYS, JSON_BODY, NOT_FOUND, QUERY, not_found
from healthqa.web.api.kb_schemas import FilterQuery
from healthqa.web.api.methods import methods_refuse
from healthqa.web.api.paged import paged
from healthqa.web.metrics import ask_timed

router = Router()


def _filters_or_404(filters: FilterQuery) -> ChosenFilters:
    try:
        return search_filters_parse(
            category=filters.category or "", source=filters.source or "",
            has_answer="" if filters.has_answer is None else str(filters.has_answer),
            strict=True,
        )
    except UnknownFilter as exc:
        raise not_found(str(exc)) from None


@router.get(
    "/search",
    response={200: SearchPageOut, **NOT_FOUND, **QUERY, **ALWAYS},
    tags=["search"],
    summary="Search questions",
    url_name="search",
)
def search(request: HttpRequest, params: Query[SearchQuery]) -> dict[str, Any]:
    """Questions ranked as /ask ranks them (without folding a title repeated by several
    sources into one hit: each copy is listed), kept to those containing a word of the query
    or matching it confidently, with snippets from their answers."""
    chosen = _filters_or_404(params)
    hits = search_hits(text=params.q, filters=chosen.filters)
    page, fields = paged(request, hits, params)
    items = []
    for item in search_items(text=params.q, hits=list(page.object_list)):
        text, spans = snippet_parts(item.marked_snippet)
        items.append({
            **question_item_data(item.question),
            "score": item.hit.score, "match": item.hit.match, "confidence": item.confidence,
            "snippet": text, "highlights": spans, "snippet_html": item.snippet_html,
        })
    return {"query": params.q, "capped": len(hits) >= SEARCH_RESULTS, **fields, "items": items}


def _ask(text: str, k: int, filters: FilterQuery) -> dict[str, Any]:
    chosen = _filters_or_404(filters)
    with ask_timed("api"):
        result = ask_question(text=text, k=k, filters=chosen.filters)
    return ask_result_data(result)


@router.get(
    "/ask",
    response={200: AskOut, **NOT_FOUND, **QUERY, **ALWAYS},
    tags=["ask"],
    summary="Ask a question (in the query string)",
    url_name="ask",
)
def ask(request: HttpRequest, params: Query[AskQuery]) -> dict[str, Any]:
    """The answered questions that cover a reader's question, with their answers, sources and
    a confidence; urgent guidance when it mentions an emergency. Nothing asked is stored."""
    return _ask(params.q, params.k, params)


@router.post(
    "/ask",
    response={200: AskOut, **NOT_FOUND, **JSON_BODY, **ALWAYS},
    tags=["ask"],
    summary="Ask a question (in a JSON body)",
)
@decorate_view(json_object_body('{"question": "What causes gout?"}'))
def ask_post(request: HttpRequest, body: AskBody) -> dict[str, Any]:
    """As GET /ask, with the question in a JSON body: {"question": "..."} (kept out of URLs
    and the logs that record them). The body must be a UTF-8 JSON object sent as
    application/json: another Content-Type is 415, a body over 1,000,000 bytes 413, one that
    is not a JSON object 422."""
    return _ask(body.question, body.k, body)


@router.get(
    "/suggest",
    response={200: SuggestOut, **QUERY, **ALWAYS},
    tags=["ask"],
    summary="Question titles for what is typed so far",
    url_name="suggest",
)
def suggest(request: HttpRequest, params: Query[SuggestQuery]) -> dict[str, Any]:
    """Published question titles containing the words typed, the last one as a prefix."""
    return {"items": [{"title": s.title, "slug": s.slug, "url": s.url}
                      for s in questions_suggest(text=params.q, limit=params.limit)]}


methods_refuse(router, ["/search", "/suggest"], allow="GET",
               hint="the knowledge base is read-only here")
methods_refuse(router, ["/ask"], allow="GET, POST", hint="ask with GET ?q= or POST a JSON body")
