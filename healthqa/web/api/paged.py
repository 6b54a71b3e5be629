"""Paging for API lists: the page asked for, or a JSON 404 naming the last one."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.paginator import Page
from django.db.models import QuerySet
from django.http import HttpRequest

from healthqa.web.api.errors import not_found
from healthqa.web.api.kb_schemas import PageQuery
from healthqa.web.paging import NoSuchPage, page_fields, page_get


def paged(request: HttpRequest, items: Sequence[Any] | QuerySet[Any], params: PageQuery
          ) -> tuple[Page, dict[str, Any]]:
    """The page of `items` that `params` asks for, and the fields describing it."""
    try:
        page = page_get(items, number=params.page, size=params.page_size)
    except NoSuchPage as exc:
        raise not_found(str(exc)) from None
    return page, page_fields(request, page)
