"""Rate limits (django-ratelimit) on the actions people can repeat: signing up, signing in,
asking the experts, answering, marking helpful, flagging, resetting a password.

Each action is counted twice, per account (when signed in) and per address, against the
rate in settings.HEALTHQA_RATES; either one over its rate refuses the request with 429.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django_ratelimit import ALL
from django_ratelimit.core import is_ratelimited

LIMITED_MESSAGE = ("You have done this too many times in a short while. Please wait a little "
                   "and try again.")


def _address(group: str, request: HttpRequest) -> str:
    """The client's address (behind a proxy, the proxy's WSGI server sets it from the
    trusted forwarding header); a request without one shares a single bucket."""
    return str(request.META.get("REMOTE_ADDR") or "unknown")


def over_limit(request: HttpRequest, action: str) -> bool:
    """Count one `action` by this request's account and address; True when over the rate."""
    rate = settings.HEALTHQA_RATES[action]
    limited = is_ratelimited(request, group=f"healthqa.{action}.ip", key=_address, rate=rate,
                             method=ALL, increment=True)
    if request.user.is_authenticated:
        limited = is_ratelimited(request, group=f"healthqa.{action}.user", key="user",
                                 rate=rate, method=ALL, increment=True) or limited
    return bool(limited)


def limited(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """The 429 page (also django-ratelimit's RATELIMIT_VIEW)."""
    response = render(request, "web/limited.html", {"message": LIMITED_MESSAGE}, status=429)
    response["Retry-After"] = "60"
    return response


def rate_limit(action: str) -> Callable[[Callable[..., HttpResponse]],
                                        Callable[..., HttpResponse]]:
    """A page view's POSTs count against `action`'s rate; over it, the 429 page."""
    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method == "POST" and over_limit(request, action):
                return limited(request)
            return view(request, *args, **kwargs)
        return wrapped
    return decorate
