"""One way to cut a list into pages, for the pages (404 past the end) and the API."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.paginator import InvalidPage, Page, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest


class NoSuchPage(LookupError):
    """The page asked for does not exist; the message names the last one."""


def page_get(items: Sequence[Any] | QuerySet[Any], *, number: int | str | None, size: int) -> Page:
    """Page `number` (1-based; empty means 1) of `items`, or NoSuchPage."""
    paginator = Paginator(items, size)
    try:
        return paginator.page(number or 1)
    except InvalidPage:
        raise NoSuchPage(
            f"Page {number} does not exist; the last page is {paginator.num_pages}"
        ) from None


def page_or_404(request: HttpRequest, items: Sequence[Any] | QuerySet[Any], *, size: int) -> Page:
    """The page named by ?page= of a page's list; an unknown one is a 404, never page 1."""
    try:
        return page_get(items, number=request.GET.get("page"), size=size)
    except NoSuchPage:
        raise Http404("No such page") from None


def _link(request: HttpRequest, number: int) -> str:
    params = request.GET.copy()
    params["page"] = str(number)
    return f"{request.path}?{params.urlencode()}"


def page_fields(request: HttpRequest, page: Page) -> dict[str, Any]:
    """What every paged API answer says about its page: counts and the links around it."""
    return {
        "count": page.paginator.count,
        "page": page.number,
        "page_size": page.paginator.per_page,
        "pages": page.paginator.num_pages,
        "next": _link(request, page.number + 1) if page.has_next() else None,
        "previous": _link(request, page.number - 1) if page.has_previous() else None,
    }
