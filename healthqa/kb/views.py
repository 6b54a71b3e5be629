"""HTML pages: each view parses the request, calls selectors and renders one template."""

from __future__ import annotations

import html
import json
import logging
from dataclasses import dataclass
from typing import Any

import nh3
from django.conf import settings
from django.core.paginator import InvalidPage, Page, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import loader
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.cache import cache_control
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
from healthqa.kb import selectors
from healthqa.kb.models import Answer, Question
from healthqa.kb.text import tidy_title

logger = logging.getLogger(__name__)

# Public pages may be kept five minutes by browsers and shared caches: content changes by
# import or review, rarely, and a reader arriving from a search engine should get it fast.
public_page = cache_control(public=True, max_age=300)
# Pages whose address carries what a reader typed (search, ask) are kept by no cache at all:
# not by a shared one, and not on a shared computer's disk.
typed_text_page = cache_control(private=True, no_store=True)

NEWEST_ON_HOME = 10
# Up to this many topics the A-Z index is one page with letter anchors (like the NHS A-Z);
# beyond it (MedQuAD has thousands) each letter is its own page.
TOPICS_ON_ONE_PAGE = 1000
LETTERS = [*"ABCDEFGHIJKLMNOPQRSTUVWXYZ", "#"]
# Characters that would let text close a <script> element; the same escapes as json_script.
_JSON_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


@dataclass(frozen=True)
class CategoryLink:
    name: str
    url: str
    count: int
    children: tuple[CategoryLink, ...] = ()


def _category_link(tree: dict[int, selectors.CategoryNode], node_id: int, depth: int
                   ) -> CategoryLink:
    node = tree[node_id]
    return CategoryLink(
        name=node.name,
        url=reverse("kb:category", kwargs={"slug": node.slug}),
        count=selectors.category_total(category_id=node.id),
        children=tuple(_category_link(tree, c, depth - 1) for c in node.children)
        if depth > 0 else (),
    )


def _page(request: HttpRequest, queryset: QuerySet[Question]) -> Page:
    """The requested page of a list; an unknown or out-of-range page is a 404, not page 1."""
    paginator = Paginator(queryset, settings.PAGE_SIZE)
    try:
        return paginator.page(request.GET.get("page") or 1)
    except InvalidPage:
        raise Http404("No such page") from None


@require_safe
@public_page
def home(request: HttpRequest) -> HttpResponse:
    """Categories with counts, the newest questions, and the way to the A-Z index."""
    tree = selectors.category_tree()
    categories = [
        _category_link(tree, node.id, depth=1) for node in tree.values() if node.parent_id is None
    ]
    return render(request, "kb/home.html", {
        "categories": [c for c in categories if c.count],
        "newest": selectors.questions_newest(limit=NEWEST_ON_HOME),
    })


@require_safe
@typed_text_page
def search(request: HttpRequest) -> HttpResponse:
    """Questions ranked as /ask ranks them, with highlighted snippets, filters and pages."""
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
            paginator = Paginator(hits, settings.PAGE_SIZE)
            try:
                page = paginator.page(request.GET.get("page") or 1)
            except InvalidPage:
                raise Http404("No such page") from None
            context.update(page=page, capped=len(hits) >= SEARCH_RESULTS,
                           items=search_items(text=query, hits=list(page.object_list)))
    return render(request, "kb/search.html", context)


# Enough to see the best answers and the closest others at a glance on a phone.
ASK_PAGE_RESULTS = 8


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
            result = ask_question(text=text, k=ASK_PAGE_RESULTS)
        except AskInputError as exc:
            # Triage still runs: an emergency in an over-long question must not wait.
            context.update(error=str(exc), urgent=question_triage(text=text))
        else:
            context.update(result=result, urgent=result.urgent)
    return render(request, "kb/ask.html", context)


@require_safe
@public_page
def category_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """One category: its subcategories and its questions (with those below it), paginated."""
    category = selectors.category_get(slug=slug)
    if category is None:
        raise Http404("No such category")
    tree = selectors.category_tree()
    node = tree.get(category.pk)
    children = [_category_link(tree, c, depth=0) for c in node.children] if node else []
    return render(request, "kb/category.html", {
        "category": category,
        "crumbs": selectors.category_ancestors(category_id=category.pk)[:-1],
        "children": [c for c in children if c.count],
        "page": _page(request, selectors.questions_filter(category=category)),
    })


@require_safe
@public_page
def topic_index(request: HttpRequest) -> HttpResponse:
    """The A-Z index of topics (the focus of questions: a condition, a drug...)."""
    topics = selectors.topic_index().topics
    by_letter: dict[str, list[selectors.Topic]] = {}
    for topic in topics:
        by_letter.setdefault(topic.letter, []).append(topic)
    one_page = len(topics) <= TOPICS_ON_ONE_PAGE
    if one_page:
        shown = [letter for letter in LETTERS if letter in by_letter]
    else:
        wanted = request.GET.get("letter", "").upper() or next(iter(by_letter), "A")
        if wanted not in by_letter:
            raise Http404("No topics under this letter")
        shown = [wanted]
    letters = [
        {
            "letter": letter,
            "anchor": "num" if letter == "#" else letter.lower(),
            "present": letter in by_letter,
            "current": not one_page and letter in shown,
        }
        for letter in LETTERS
    ]
    return render(request, "kb/topics.html", {
        "one_page": one_page,
        "letters": letters,
        "sections": [(letter, by_letter[letter]) for letter in shown],
        "topic_count": len(topics),
    })


@require_safe
@public_page
def topic_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """The questions about one topic."""
    topic = selectors.topic_get(slug=slug)
    if topic is None:
        raise Http404("No such topic")
    return render(request, "kb/topic.html", {
        "topic": topic,
        "page": _page(request, selectors.topic_questions(topic=topic)),
    })


@require_safe
@public_page
def question_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """The article page: a question, its answers, where they come from and what to read next."""
    question = selectors.question_get_published(slug=slug)
    if question is None:
        raise Http404("No such question")
    answers = selectors.question_answers(question=question)
    previous, following = selectors.question_neighbours(question=question)
    crumbs = selectors.category_ancestors(category_id=question.category_id)
    # MedQuAD's question text is its title before tidying ("What is (are) Gout ?").
    show_body = _differs(question.body, question.title)
    return render(request, "kb/question.html", {
        "question": question,
        "show_body": show_body,
        "answers": answers,
        "previous": previous,
        "next": following,
        "related": selectors.question_related(question=question),
        "crumbs": crumbs,
        "topic_url": reverse("kb:topic", kwargs={"slug": selectors.topic_slug(question.focus)})
        if question.focus else "",
        "structured_data": _structured_data(
            request, question, answers, crumbs,
            text=question.body if show_body else question.title),
    })


def _differs(body: str, title: str) -> bool:
    def letters(text: str) -> str:
        return "".join(ch for ch in tidy_title(text).casefold() if ch.isalnum())

    return bool(body.strip()) and letters(body) != letters(title)


def _answer_author(answer: Answer, question: Question) -> dict[str, str]:
    if answer.author is not None:
        person = {"@type": "Person", "name": answer.author.display_name}
        if answer.author.credentials:
            person["description"] = answer.author.credentials
        return person
    source = answer.source or question.source
    if source is not None:
        org = {"@type": "Organization", "name": source.name}
        return {**org, "url": source.url} if source.url else org
    return {"@type": "Organization", "name": settings.SITE_NAME}


def _structured_data(request: HttpRequest, question: Question, answers: list[Answer],
                     crumbs: list[selectors.CategoryNode], *, text: str) -> SafeString:
    """schema.org QAPage and BreadcrumbList as JSON-LD, safe inside a <script> element."""
    url = request.build_absolute_uri(question.get_absolute_url())
    main: dict[str, Any] = {
        "@type": "Question",
        "name": question.title,
        "text": text,
        "answerCount": len(answers),
    }
    if question.published_at:
        main["datePublished"] = question.published_at.isoformat()
    main["suggestedAnswer"] = [
        {
            "@type": "Answer",
            "text": html.unescape(nh3.clean(answer.body_html, tags=set())).strip(),
            "url": f"{url}#answer-{answer.position}",
            "author": _answer_author(answer, question),
        }
        for answer in answers
    ]
    trail = [("Home", reverse("kb:home"))] + [
        (node.name, reverse("kb:category", kwargs={"slug": node.slug})) for node in crumbs
    ]
    page: dict[str, Any] = {"@type": "QAPage", "url": url, "mainEntity": main}
    if question.last_reviewed_at:
        page["lastReviewed"] = question.last_reviewed_at.isoformat()
    data = {
        "@context": "https://schema.org",
        "@graph": [
            page,
            {
                "@type": "BreadcrumbList",
                "itemListElement": [
                    {"@type": "ListItem", "position": i, "name": name,
                     "item": request.build_absolute_uri(path)}
                    for i, (name, path) in enumerate(trail, start=1)
                ] + [{"@type": "ListItem", "position": len(trail) + 1, "name": question.title}],
            },
        ],
    }
    encoded = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return mark_safe(encoded.translate(_JSON_SCRIPT_ESCAPES))  # safe: <, > and & escaped


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """The 404 page in the site's style (no database access)."""
    return render(request, "404.html", {"path": request.path}, status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    """The 500 page: rendered without the request context, so it needs no database."""
    try:
        body = loader.get_template("500.html").render({"site_name": settings.SITE_NAME})
    except Exception:  # the error may be in the templates themselves
        logger.exception("the 500 page could not be rendered")
        body = "<!doctype html><title>Server error</title><h1>Something went wrong</h1>"
    return HttpResponse(body, status=500)
