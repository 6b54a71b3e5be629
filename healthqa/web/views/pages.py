"""The reading pages: home, categories, the A-Z topics and the article page."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from healthqa.community.selectors import ReaderState, reader_state
from healthqa.kb import selectors
from healthqa.kb.text import tidy_title
from healthqa.search import selectors as search_selectors
from healthqa.web.paging import page_or_404
from healthqa.web.structured_data import structured_data
from healthqa.web.views.caching import public_page

NEWEST_ON_HOME = 10
# Up to this many topics the A-Z index is one page with letter anchors (like the NHS A-Z);
# beyond it (MedQuAD has thousands) each letter is its own page.
TOPICS_ON_ONE_PAGE = 1000
LETTERS = [*"ABCDEFGHIJKLMNOPQRSTUVWXYZ", "#"]


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
        url=reverse("web:category", kwargs={"slug": node.slug}),
        count=selectors.category_total(category_id=node.id),
        children=tuple(_category_link(tree, c, depth - 1) for c in node.children)
        if depth > 0 else (),
    )


@require_safe
@public_page
def home(request: HttpRequest) -> HttpResponse:
    """Categories with counts, the newest questions, and the way to the A-Z index."""
    tree = selectors.category_tree()
    categories = [
        _category_link(tree, node.id, depth=1) for node in tree.values() if node.parent_id is None
    ]
    return render(request, "web/home.html", {
        "categories": [c for c in categories if c.count],
        "newest": selectors.questions_newest(limit=NEWEST_ON_HOME),
    })


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
    return render(request, "web/category.html", {
        "category": category,
        "crumbs": selectors.category_ancestors(category_id=category.pk)[:-1],
        "children": [c for c in children if c.count],
        # A listing that invites reading leads with the answers stored here.
        "page": page_or_404(request, selectors.questions_filter(category=category,
                                                                answered_first=True),
                            size=settings.PAGE_SIZE),
    })


@require_safe
@public_page
def topic_index(request: HttpRequest) -> HttpResponse:
    """The A-Z index of topics (the focus of questions: a condition, a drug...)."""
    topics = search_selectors.topic_index().topics
    by_letter: dict[str, list[search_selectors.Topic]] = {}
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
    return render(request, "web/topics.html", {
        "one_page": one_page,
        "letters": letters,
        "sections": [(letter, by_letter[letter]) for letter in shown],
        "topic_count": len(topics),
    })


@require_safe
@public_page
def topic_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """The questions about one topic."""
    topic = search_selectors.topic_get(slug=slug)
    if topic is None:
        raise Http404("No such topic")
    return render(request, "web/topic.html", {
        "topic": topic,
        "page": page_or_404(request, search_selectors.topic_questions(topic=topic),
                            size=settings.PAGE_SIZE),
    })


@require_safe
@public_page
def question_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """The article page: a question, its answers, where they come from and what to read next."""
    question = selectors.question_get_published(slug=slug)
    if question is None:
        merged = selectors.question_merged_target(slug=slug)
        if merged is not None:  # a duplicate an editor merged: its address moved for good
            return HttpResponsePermanentRedirect(merged.get_absolute_url())
        raise Http404("No such question")
    answers = selectors.question_answers(question=question)
    previous, following = selectors.question_neighbours(question=question)
    crumbs = selectors.category_ancestors(category_id=question.category_id)
    # MedQuAD's question text is its title before tidying ("What is (are) Gout ?").
    show_body = _differs(question.body, question.title)
    topic_url = reverse("web:topic", kwargs={
        "slug": search_selectors.topic_slug(question.focus)}) if question.focus else ""
    state = (reader_state(user=request.user, question=question, answers=answers)
             if request.user.is_authenticated else ReaderState())
    return render(request, "web/question.html", {
        "question": question,
        "following": state.following,
        "helpful_ids": state.helpful_ids,
        "agreed_ids": state.agreed_ids,
        "my_author_id": state.my_author_id,
        "show_body": show_body,
        "answers": answers,
        "previous": previous,
        "next": following,
        "related": search_selectors.question_related(question=question),
        "crumbs": crumbs,
        "topic_url": topic_url,
        "structured_data": structured_data(
            request, question, answers, crumbs,
            text=question.body if show_body else question.title),
    })


def _differs(body: str, title: str) -> bool:
    def letters(text: str) -> str:
        return "".join(ch for ch in tidy_title(text).casefold() if ch.isalnum())

    return bool(body.strip()) and letters(body) != letters(title)
