"""The pages where a reader types: search, and ask in your own words."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from healthqa.ask.search import (
    SEARCH_RESULTS,
    search_filter_choices,
    search_filters_parse,
    search_hits,
    search_items,
)
from healthqa.ask.services import (
    EXPERTS_MESSAGE,
    MAX_QUESTION_CHARS,
    AskInputError,
    ask_question,
    question_clean,
)
from healthqa.ask.triage import question_triage
from healthqa.web.metrics import ask_timed
from healthqa.web.paging import page_or_404
from healthqa.web.views.caching import typed_text_page

# Enough to see the best answers and the closest others at a glance on a phone.
ASK_PAGE_RESULTS = 8


@require_safe
@typed_text_page
def search(request: HttpRequest) -> HttpResponse:
    """Questions ranked as /ask ranks them (repeated titles not folded: each source's copy is
    its own result), with highlighted snippets, filters and pages."""
    text = request.GET.get("q", "")
    query = " ".join(text.split())
    chosen = search_filters_parse(
        category=request.GET.get("category", ""), source=request.GET.get("source", ""),
        has_answer=request.GET.get("has_answer", ""),
    )
    context: dict[str, Any] = {"query": query, "chosen": chosen,
                               "choices": search_filter_choices() if query else None}
    if query:
        try:
            question_clean(text, noun="search")
        except AskInputError as exc:
            context["error"] = str(exc)
        else:
            hits = search_hits(text=query, filters=chosen.filters)
            page = page_or_404(request, hits, size=settings.PAGE_SIZE)
            context.update(page=page, capped=len(hits) >= SEARCH_RESULTS,
                           items=search_items(text=query, hits=list(page.object_list)))
    return render(request, "web/search.html", context)


@require_safe
@typed_text_page
def ask(request: HttpRequest) -> HttpResponse:
    """A reader's own question: urgent guidance first, then the answered questions that cover
    it, or a plain "we couldn't find" with the closest ones."""
    text = request.GET.get("q")
    context: dict[str, Any] = {"text": text or "", "max_chars": MAX_QUESTION_CHARS,
                               "experts_message": EXPERTS_MESSAGE}
    if text is not None:
        try:
            with ask_timed("page"):
                result = ask_question(text=text, k=ASK_PAGE_RESULTS)
        except AskInputError as exc:
            # Triage still runs: an emergency in an over-long question must not wait.
            context.update(error=str(exc), urgent=question_triage(text=text))
        else:
            context.update(result=result, urgent=result.urgent)
    return render(request, "web/ask.html", context)
