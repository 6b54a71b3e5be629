"""The search page and API: the ask ranking, kept to real matches, with highlighted snippets."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from healthqa.kb import selectors
from healthqa.kb.models import Question, Source
from healthqa.search.backends import lexical_backend
from healthqa.search.engine import searcher
from healthqa.search.match import CONFIDENT_AT, confidence
from healthqa.search.text import MARK_CLOSE, MARK_OPEN, highlight_html
from healthqa.search.types import Hit, SearchFilters

# The hybrid searcher fuses 100 lexical and 100 dense candidates; beyond the best hundred a
# reader refines the words or the filters rather than paging on.
SEARCH_RESULTS = 100


@dataclass(frozen=True)
class SearchItem:
    """One result: the question, how it was ranked, and its snippet with match markers."""

    question: Question
    hit: Hit
    marked_snippet: str  # text around the query's words, MARK_OPEN/MARK_CLOSE around each

    @property
    def snippet_html(self) -> str:
        """The snippet escaped, its matches in <mark> (safe to insert as HTML)."""
        return highlight_html(self.marked_snippet)

    @property
    def confidence(self) -> str:
        return confidence(self.hit.match if self.hit.match is not None else self.hit.score)


def search_hits(*, text: str, filters: SearchFilters | None = None,
                limit: int = SEARCH_RESULTS) -> list[Hit]:
    """The ask ranking, keeping the questions that contain a word of the query or that match
    it confidently: a search page that lists everything for nonsense finds nothing."""
    hits = searcher("hybrid").search(text, k=limit, filters=filters)
    return [h for h in hits
            if h.lexical is not None or (h.match is not None and h.match >= CONFIDENT_AT)]


def search_items(*, text: str, hits: Sequence[Hit]) -> list[SearchItem]:
    """The questions of one page of hits with their snippets, in two queries."""
    ids = [h.question_id for h in hits]
    if not ids:
        return []
    questions = Question.objects.select_related("category", "source").in_bulk(ids)
    marked = lexical_backend().snippets(text, ids)
    return [SearchItem(question=questions[h.question_id], hit=h,
                       marked_snippet=marked.get(h.question_id, ""))
            for h in hits if h.question_id in questions]


def snippet_parts(marked: str) -> tuple[str, list[tuple[int, int]]]:
    """Plain snippet text and the [start, end) offsets of its matches (in code points)."""
    text: list[str] = []
    spans: list[tuple[int, int]] = []
    length, start = 0, None
    for ch in marked:
        if ch == MARK_OPEN:
            start = length
        elif ch == MARK_CLOSE:
            if start is not None and length > start:
                spans.append((start, length))
            start = None
        else:
            text.append(ch)
            length += 1
    return "".join(text), spans


class UnknownFilter(LookupError):
    """A filter names a category or source that does not exist."""


@dataclass(frozen=True)
class ChosenFilters:
    """The filters as chosen on the page (for the form) and as the searcher takes them."""

    category: str = ""  # category slug, "" for all
    source: str = ""  # source key, "" for all
    has_answer: bool | None = None  # False: answered only at the source
    category_ids: tuple[int, ...] | None = None  # the category and those below it

    @property
    def filters(self) -> SearchFilters | None:
        if not (self.category or self.source or self.has_answer is not None):
            return None
        return SearchFilters(category_ids=self.category_ids, source_key=self.source or None,
                             has_answer=self.has_answer)


_TRUE, _FALSE = {"true", "1", "yes", "on"}, {"false", "0", "no", "off"}


def search_filters_parse(*, category: str = "", source: str = "", has_answer: str = "",
                         strict: bool = False) -> ChosenFilters:
    """Filters from request parameters; unknown values are dropped, or raise UnknownFilter
    when `strict` (the API says what was wrong, the page just shows everything)."""
    category, source, answered = category.strip(), source.strip(), has_answer.strip().lower()
    found = selectors.category_get(slug=category) if category else None
    if category and found is None:
        if strict:
            raise UnknownFilter(f"No category with slug '{category}'")
        category = ""
    if source and selectors.source_get(key=source) is None:
        if strict:
            raise UnknownFilter(f"No source with key '{source}'")
        source = ""
    return ChosenFilters(
        category=category, source=source,
        has_answer=True if answered in _TRUE else False if answered in _FALSE else None,
        category_ids=tuple(selectors.category_descendant_ids(category=found)) if found else None,
    )


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


def search_filter_choices() -> dict[str, list[Choice]]:
    """The categories (with questions, as paths) and sources a search can be narrowed to."""
    tree = selectors.category_tree()
    categories: list[Choice] = []

    def walk(node_id: int, path: tuple[str, ...]) -> None:
        node = tree[node_id]
        if selectors.category_total(category_id=node_id):
            label = " › ".join((*path, node.name))
            categories.append(Choice(value=node.slug, label=label))
            for child in node.children:
                walk(child, (*path, node.name))

    for node in tree.values():
        if node.parent_id is None:
            walk(node.id, ())
    sources = [Choice(value=key, label=name)
               for key, name in Source.objects.order_by("name", "key").values_list("key", "name")]
    return {"categories": categories, "sources": sources}
