"""How long browsers and shared caches may keep a page."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control
from django.views.decorators.cache import cache_control

# Pages whose address carries what a reader typed (search, ask) are kept by no cache at all:
# not by a shared one, and not on a shared computer's disk. So are pages about one person.
typed_text_page = cache_control(private=True, no_store=True)


def public_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Public pages may be kept five minutes by browsers and shared caches: content changes by
    import or review, rarely, and a reader arriving from a search engine should get it fast.
    A signed-in person's copy shows their own marks and forms: private, and checked each time.
    """
    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if request.user.is_authenticated:
            patch_cache_control(response, private=True, no_cache=True, max_age=0)
        else:
            patch_cache_control(response, public=True, max_age=300)
        return response
    return wrapped
