"""A request id on every request, and one log line per request.

The id is the incoming X-Request-ID when it is a short, plain token (a proxy or load balancer
that made one keeps its id across both logs), else a new one; it is sent back in the
response's X-Request-ID and bound with structlog.contextvars, so every line logged while the
request is served carries it (healthqa.config.observability renders it).

The request's line (logger healthqa.request, INFO) names the view, never the path or the
query string: what a reader types in /ask and /search is private. The probes a load balancer
and Prometheus send every few seconds are logged at DEBUG when they succeed (at INFO when
they do not), so they do not bury the readers' requests.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from structlog.contextvars import bound_contextvars

from healthqa.web.metrics import method_label, view_name

log = logging.getLogger("healthqa.request")

HEADER = "X-Request-ID"
# Letters, digits, "-", "_" and "." only, up to 64: a UUID, nginx's $request_id, a W3C trace
# id. Anything else (a newline, quotes, a long text) is replaced, never echoed or logged.
SAFE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
PROBES = frozenset({"healthz", "readyz", "metrics"})


def request_id(request: HttpRequest) -> str:
    incoming = request.META.get("HTTP_X_REQUEST_ID", "")
    if SAFE_ID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """Gives each request its id (request.request_id), and logs the request's line."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        rid = request_id(request)
        request.request_id = rid  # type: ignore[attr-defined]
        start = time.perf_counter()
        with bound_contextvars(request_id=rid):
            response = self.get_response(request)
            duration_ms = round((time.perf_counter() - start) * 1000, 1)
            response[HEADER] = rid
            view = view_name(request)
            quiet = view in PROBES and response.status_code < 400
            log.log(logging.DEBUG if quiet else logging.INFO, "request", extra={
                "method": method_label(request), "view": view,
                "status": response.status_code, "duration_ms": duration_ms,
            })
        return response
