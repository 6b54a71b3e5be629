"""Prometheus metrics (prometheus-client): requests by view, ask latency, the index's size.

Labels are bounded on purpose: a view is named by its URL pattern ("web:question",
"api:ask"), never by its path (one series per article, or per address a scanner tries), and
methods outside the standard ones count as "other". What readers type appears in no label.

Under `healthqa serve --workers N` the workers share their counts through files
(prometheus-client's multiprocess mode, PROMETHEUS_MULTIPROC_DIR): any worker's /metrics
gives the whole server's.
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator

from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from healthqa.search.health import index_sizes

log = logging.getLogger(__name__)

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

REQUESTS = Counter(
    "healthqa_http_requests", "Requests answered, by view, method and status.",
    ["view", "method", "status"])
REQUEST_SECONDS = Histogram(
    "healthqa_http_request_duration_seconds",
    "Time from the request reaching the app to its response, by view.", ["view"])
# /ask answers in tens of milliseconds; a cold process loads the model and vectors first.
ASK_SECONDS = Histogram(
    "healthqa_ask_duration_seconds",
    "Time to answer a reader's question (ranking, confidence, triage), by page or API.",
    ["via"], buckets=(0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0))

# Headers a reverse proxy adds: a request carrying one came through the proxy, whose own
# address (often 127.0.0.1) says nothing about the client's.
FORWARDED = ("HTTP_FORWARDED", "HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO",
             "HTTP_X_FORWARDED_HOST", "HTTP_X_REAL_IP")


def view_name(request: HttpRequest) -> str:
    """The name of the URL pattern the request resolved to, "static" for a static file
    (whitenoise answers before URLs are resolved), else "unresolved"."""
    match = getattr(request, "resolver_match", None)
    if match is not None:
        return str(match.view_name)
    if request.path.startswith(settings.STATIC_URL):
        return "static"
    return "unresolved"


def method_label(request: HttpRequest) -> str:
    method = request.method or ""
    return method if method in METHODS else "other"


class MetricsMiddleware:
    """Counts each response and times it, by view name (set once the URL is resolved)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        start = time.perf_counter()
        response = self.get_response(request)
        elapsed = time.perf_counter() - start
        view = view_name(request)
        REQUESTS.labels(view, method_label(request), str(response.status_code)).inc()
        REQUEST_SECONDS.labels(view).observe(elapsed)
        return response


@contextlib.contextmanager
def ask_timed(via: str) -> Iterator[None]:
    """Around a call of healthqa.ask.services.ask_question: its time goes to ASK_SECONDS
    when it answers (a question refused as too long or empty is not an answer's time)."""
    start = time.perf_counter()
    yield
    ASK_SECONDS.labels(via).observe(time.perf_counter() - start)


class IndexSizeCollector(Collector):
    """The index's size, counted when Prometheus scrapes (three COUNTs)."""

    GAUGES = {
        "published_questions": ("healthqa_index_published_questions",
                                "Published questions."),
        "vectors": ("healthqa_index_vectors", "Questions with a stored sentence vector."),
        "lexical_rows": ("healthqa_index_lexical_rows", "Rows of the full-text index."),
    }

    def describe(self) -> Iterable[GaugeMetricFamily]:
        # Registering asks for the names: given here, so that needs no database.
        return [GaugeMetricFamily(name, help) for name, help in self.GAUGES.values()]

    def collect(self) -> Iterable[GaugeMetricFamily]:
        try:
            sizes = index_sizes()
        except Exception:  # the request metrics are still worth a scrape
            log.warning("could not count the index for /metrics", exc_info=True)
            return []
        return [GaugeMetricFamily(name, help, value=sizes[key])
                for key, (name, help) in self.GAUGES.items()]


INDEX_SIZES = IndexSizeCollector()
REGISTRY.register(INDEX_SIZES)


def metrics_allowed(request: HttpRequest) -> bool:
    """Whether the client may read /metrics: its address is in HEALTHQA_METRICS_ALLOW and
    no proxy forwarded the request (behind a proxy on the same machine every visitor's
    request would come from 127.0.0.1)."""
    if any(header in request.META for header in FORWARDED):
        return False
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # ::ffff:127.0.0.1 on a dual-stack socket
    return any(address in network for network in settings.METRICS_ALLOW)


def metrics_text() -> tuple[bytes, str]:
    """The metrics in Prometheus's text format, and its content type: this process's, or
    every worker's added up in multiprocess mode."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    registry.register(INDEX_SIZES)
    return generate_latest(registry), CONTENT_TYPE_LATEST
