"""The JSON API: thin endpoints over the selectors, every error as JSON with a clear message."""

from __future__ import annotations

import logging
from typing import Any

from django.core.paginator import EmptyPage, Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from ninja import NinjaAPI, Query, Swagger
from ninja.errors import HttpError, ValidationError

from healthqa.ask.schemas import (
    AskBody,
    AskOut,
    AskQuery,
    SearchPageOut,
    SearchQuery,
    SuggestOut,
    SuggestQuery,
)
from healthqa.ask.search import (
    SEARCH_RESULTS,
    ChosenFilters,
    UnknownFilter,
    search_filters_parse,
    search_hits,
    search_items,
    snippet_parts,
)
from healthqa.ask.services import DISCLAIMER, EXPERTS_MESSAGE, AskResult, ask_question
from healthqa.ask.suggest import questions_suggest
from healthqa.kb import selectors
from healthqa.kb.models import Answer, Question, Source
from healthqa.kb.schemas import (
    CategoryNodeOut,
    CategoryTreeOut,
    ErrorOut,
    QuestionDetailOut,
    QuestionListQuery,
    QuestionPageOut,
    RelatedOut,
    SourceListOut,
    ValidationErrorOut,
)
from healthqa.kb.text import plain_text

logger = logging.getLogger(__name__)

DESCRIPTION = (
    "Read-only access to the published questions and answers of this knowledge base. "
    "Every answer carries its author or source organisation, and every source its licence: "
    "keep them with the content you reuse. Health information, not medical advice."
)

api = NinjaAPI(
    title="healthqa API",
    version="1",
    description=DESCRIPTION,
    # validatorUrl=None: Swagger UI would otherwise send the schema to validator.swagger.io.
    # The UI itself is served from ninja's bundled static files ("ninja" in INSTALLED_APPS).
    docs=Swagger(settings={"validatorUrl": None}),
    urls_namespace="api",
)

NOT_FOUND = {404: ErrorOut}
INVALID = {422: ValidationErrorOut}


def _not_found(message: str) -> HttpError:
    return HttpError(404, message)


def _category_url(slug: str) -> str:
    return reverse("kb:category", kwargs={"slug": slug})


def _source_out(source: Source | None) -> dict[str, str] | None:
    if source is None:
        return None
    return {
        "key": source.key,
        "name": source.name,
        "url": source.url,
        "license_name": source.license_name,
        "license_url": source.license_url,
    }


def _question_item(question: Question) -> dict[str, Any]:
    category = question.category
    return {
        "slug": question.slug,
        "external_id": question.external_id,
        "title": question.title,
        "focus": question.focus,
        "question_type": question.question_type,
        "category": {"slug": category.slug, "name": category.name,
                     "url": _category_url(category.slug)},
        "has_answer": question.has_answer,
        "excerpt": question.excerpt,
        "url": question.get_absolute_url(),
        "source": question.source.key if question.source else None,
    }


def _answer_out(answer: Answer) -> dict[str, Any]:
    author = answer.author
    return {
        "position": answer.position,
        "body_html": answer.body_html,
        "body_text": plain_text(answer.body, answer.body_format),
        "author": {"name": author.display_name, "credentials": author.credentials}
        if author
        else None,
        "source": _source_out(answer.source),
    }


def _page_link(request: HttpRequest, page: int) -> str:
    params = request.GET.copy()
    params["page"] = str(page)
    return f"{request.path}?{params.urlencode()}"


def _published_question(slug: str) -> Question:
    question = selectors.question_get_published(slug=slug)
    if question is None:
        raise _not_found(f"No published question with slug '{slug}'")
    return question


@api.get(
    "/questions",
    response={200: QuestionPageOut, **NOT_FOUND, **INVALID},
    tags=["questions"],
    summary="List published questions",
)
def questions_list(request: HttpRequest, filters: Query[QuestionListQuery]) -> dict[str, Any]:
    """Published questions ordered by title, filtered and paged."""
    category = None
    if filters.category:
        category = selectors.category_get(slug=filters.category)
        if category is None:
            raise _not_found(f"No category with slug '{filters.category}'")
    if filters.source and selectors.source_get(key=filters.source) is None:
        raise _not_found(f"No source with key '{filters.source}'")
    questions = selectors.questions_filter(
        category=category,
        focus=filters.focus or None,
        source_key=filters.source or None,
        has_answer=filters.has_answer,
        external_id=filters.external_id or None,
    )
    paginator = Paginator(questions, filters.page_size)
    try:
        page = paginator.page(filters.page)
    except EmptyPage:
        raise _not_found(
            f"Page {filters.page} does not exist; the last page is {paginator.num_pages}"
        ) from None
    return {
        "count": paginator.count,
        "page": page.number,
        "page_size": filters.page_size,
        "pages": paginator.num_pages,
        "next": _page_link(request, page.number + 1) if page.has_next() else None,
        "previous": _page_link(request, page.number - 1) if page.has_previous() else None,
        "items": [_question_item(q) for q in page.object_list],
    }


@api.get(
    "/questions/{slug}",
    response={200: QuestionDetailOut, **NOT_FOUND},
    tags=["questions"],
    summary="One question with its answers",
)
def question_detail(request: HttpRequest, slug: str) -> dict[str, Any]:
    """A published question with its ordered answers, authors, sources and breadcrumb."""
    question = _published_question(slug)
    answers = selectors.question_answers(question=question)
    trail = selectors.category_ancestors(category_id=question.category_id)
    category = question.category
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
            "slug": category.slug,
            "name": category.name,
            "url": _category_url(category.slug),
            "path": [{"slug": n.slug, "name": n.name, "url": _category_url(n.slug)}
                     for n in trail],
        },
        "tags": selectors.question_tag_names(question=question),
        "answer_at_source": not question.has_answer and bool(question.source_url),
        "source": _source_out(question.source),
        "source_url": question.source_url,
        "is_demo": question.is_demo,
        "created_at": question.created_at,
        "published_at": question.published_at,
        "updated_at": question.updated_at,
        "last_reviewed_at": question.last_reviewed_at,
        "answers": [_answer_out(a) for a in answers],
    }


@api.get(
    "/questions/{slug}/related",
    response={200: RelatedOut, **NOT_FOUND},
    tags=["questions"],
    summary="Questions related to one question",
)
def question_related(request: HttpRequest, slug: str) -> dict[str, Any]:
    """Related questions: the same focus first, then others from the same category."""
    question = _published_question(slug)
    return {
        "slug": question.slug,
        "items": [
            {"slug": r.slug, "title": r.title, "url": r.get_absolute_url(), "focus": r.focus,
             "excerpt": r.excerpt}
            for r in selectors.question_related(question=question)
        ],
    }


@api.get("/categories", response=CategoryTreeOut, tags=["categories"],
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
            url=_category_url(n.slug),
            question_count=n.question_count,
            total_count=n.question_count + sum(c.total_count for c in children),
            children=children,
        )

    return {"items": [node(cid) for cid, n in tree.items() if n.parent_id is None]}


@api.get("/sources", response=SourceListOut, tags=["sources"],
         summary="Source organisations with their licences")
def sources_list(request: HttpRequest) -> dict[str, Any]:
    """Every source organisation with its licence and its number of published questions."""
    return {
        "items": [
            {**(_source_out(s) or {}), "question_count": s.question_count}  # type: ignore[attr-defined]
            for s in selectors.sources_with_counts()
        ]
    }


@api.get("/", include_in_schema=False)
def api_index(request: HttpRequest) -> dict[str, str]:
    """Where to start: the docs page and the OpenAPI description."""
    return {
        "name": api.title,
        "version": api.version,
        "docs": reverse("api:openapi-view"),
        "openapi": reverse("api:openapi-json"),
    }


# --- search, ask and suggest (healthqa.ask) --------------------------------------------------


def _filters_or_404(filters: Any) -> ChosenFilters:
    try:
        return search_filters_parse(
            category=filters.category or "", source=filters.source or "",
            has_answer="" if filters.has_answer is None else str(filters.has_answer),
            strict=True,
        )
    except UnknownFilter as exc:
        raise _not_found(str(exc)) from None


@api.get(
    "/search",
    response={200: SearchPageOut, **NOT_FOUND, **INVALID},
    tags=["search"],
    summary="Search questions",
    url_name="search",
)
def search(request: HttpRequest, params: Query[SearchQuery]) -> dict[str, Any]:
    """Questions ranked exactly as /ask ranks them, kept to those containing a word of the
    query or matching it confidently, with snippets from their answers."""
    chosen = _filters_or_404(params)
    hits = search_hits(text=params.q, filters=chosen.filters)
    paginator = Paginator(hits, params.page_size)
    try:
        page = paginator.page(params.page)
    except EmptyPage:
        raise _not_found(
            f"Page {params.page} does not exist; the last page is {paginator.num_pages}"
        ) from None
    items = []
    for item in search_items(text=params.q, hits=list(page.object_list)):
        text, spans = snippet_parts(item.marked_snippet)
        items.append({
            **_question_item(item.question),
            "score": item.hit.score, "match": item.hit.match, "confidence": item.confidence,
            "snippet": text, "highlights": spans, "snippet_html": item.snippet_html,
        })
    return {
        "query": params.q,
        "count": paginator.count,
        "capped": len(hits) >= SEARCH_RESULTS,
        "page": page.number,
        "page_size": params.page_size,
        "pages": paginator.num_pages,
        "next": _page_link(request, page.number + 1) if page.has_next() else None,
        "previous": _page_link(request, page.number - 1) if page.has_previous() else None,
        "items": items,
    }


def ask_out(result: AskResult) -> dict[str, Any]:
    triage = result.urgent
    return {
        "question": result.text,
        "confidence": result.confidence,
        "low_confidence": result.low_confidence,
        "message": result.message,
        "urgent": {"urgent": triage.urgent, "headline": triage.headline,
                   "reasons": list(triage.reasons), "guidance": list(triage.guidance)},
        "send_to_experts": {"available": False, "message": EXPERTS_MESSAGE},
        "disclaimer": DISCLAIMER,
        "hits": [
            {
                "question": _question_item(hit.question),
                "score": hit.score,
                "match": hit.match,
                "confidence": hit.confidence,
                "confidence_label": hit.confidence_label,
                "answer_at_source": hit.answer_at_source,
                "source_url": hit.question.source_url,
                "source": _source_out(hit.question.source),
                "answers": [_answer_out(a) for a in hit.answers],
                "also_from": [{"slug": q.slug, "url": q.get_absolute_url(),
                               "source": q.source.name if q.source else None}
                              for q in hit.others],
            }
            for hit in result.hits
        ],
    }


def _ask(text: str, k: int, filters: Any) -> dict[str, Any]:
    chosen = _filters_or_404(filters)
    return ask_out(ask_question(text=text, k=k, filters=chosen.filters))


@api.get(
    "/ask",
    response={200: AskOut, **NOT_FOUND, **INVALID},
    tags=["ask"],
    summary="Ask a question (in the query string)",
    url_name="ask",
)
def ask(request: HttpRequest, params: Query[AskQuery]) -> dict[str, Any]:
    """The answered questions that cover a reader's question, with their answers, sources and
    a confidence; urgent guidance when it mentions an emergency. Nothing asked is stored."""
    return _ask(params.q, params.k, params)


@api.post(
    "/ask",
    response={200: AskOut, **NOT_FOUND, **INVALID},
    tags=["ask"],
    summary="Ask a question (in a JSON body)",
)
def ask_post(request: HttpRequest, body: AskBody) -> dict[str, Any]:
    """As GET /ask, with the question in a JSON body: {"question": "..."} (kept out of URLs
    and the logs that record them)."""
    return _ask(body.question, body.k, body)


@api.get(
    "/suggest",
    response={200: SuggestOut, **INVALID},
    tags=["ask"],
    summary="Question titles for what is typed so far",
    url_name="suggest",
)
def suggest(request: HttpRequest, params: Query[SuggestQuery]) -> dict[str, Any]:
    """Published question titles containing the words typed, the last one as a prefix."""
    return {"items": [{"title": s.title, "slug": s.slug, "url": s.url}
                      for s in questions_suggest(text=params.q, limit=params.limit)]}


WRITE_METHODS = ["POST", "PUT", "PATCH", "DELETE"]


def read_only(request: HttpRequest) -> HttpResponse:
    """405 as JSON: ninja's own answer to a method it has no operation for is plain text."""
    response = api.create_response(
        request,
        {"detail": f"{request.method} is not allowed on {request.path}; this API is read-only"},
        status=405,
    )
    response["Allow"] = "GET"
    return response


def read_only_question(request: HttpRequest, slug: str) -> HttpResponse:
    return read_only(request)


for _path in ("/questions", "/categories", "/sources", "/search", "/suggest", "/"):
    api.api_operation(WRITE_METHODS, _path, include_in_schema=False)(read_only)


@api.api_operation(["PUT", "PATCH", "DELETE"], "/ask", include_in_schema=False)
def ask_other_methods(request: HttpRequest) -> HttpResponse:
    response = api.create_response(
        request, {"detail": f"{request.method} is not allowed on {request.path}; "
                            "ask with GET ?q= or POST a JSON body"}, status=405,
    )
    response["Allow"] = "GET, POST"
    return response
for _path in ("/questions/{slug}", "/questions/{slug}/related"):
    api.api_operation(WRITE_METHODS, _path, include_in_schema=False)(read_only_question)


# Registered last so every real endpoint matches first: unknown paths under /api/v1/ get
# a JSON 404 instead of the site's HTML page.
@api.api_operation(
    ["GET", *WRITE_METHODS], "/{path:rest}", include_in_schema=False
)
def unknown_endpoint(request: HttpRequest, rest: str) -> None:
    raise _not_found(
        f"No API endpoint at {request.path}; the endpoints are listed at "
        f"{reverse('api:openapi-view')}"
    )


@api.exception_handler(ValidationError)
def invalid_input(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    """422 naming each invalid parameter, e.g. "page_size: Input should be ... 100"."""
    errors = []
    for error in exc.errors:
        location, *rest = [str(part) for part in error.get("loc", ())] or ["request"]
        if location == "body" and len(rest) > 1:
            rest = rest[1:]  # the name of the view's parameter, not a field of the JSON body
        errors.append(
            {"location": location, "field": ".".join(rest) or location, "message": error["msg"]}
        )
    detail = "; ".join(
        f"Invalid {e['location']} parameter '{e['field']}': {e['message']}" for e in errors
    )
    return api.create_response(request, {"detail": detail, "errors": errors}, status=422)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, {"detail": "Not found"}, status=404)


@api.exception_handler(Exception)
def server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    """Unexpected errors: logged with their traceback, answered without it."""
    logger.exception("API error on %s %s", request.method, request.path)
    return api.create_response(
        request, {"detail": "Internal server error; it has been logged."}, status=500
    )
