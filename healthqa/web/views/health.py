"""For a load balancer and a metrics scraper: /healthz, /readyz and /metrics.

/healthz says the process answers, touching nothing else (no database, no session, no
cookie): a liveness probe that fails only when the process must be restarted. /readyz says
whether this process can serve: the database answers and the search index is consistent
(healthqa.search.health), in a few cheap queries. Neither is kept by any cache.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from healthqa.search.health import OK, index_health
from healthqa.web.metrics import metrics_allowed, metrics_text


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """200 {"status": "alive"}."""
    return JsonResponse({"status": "alive"})


@never_cache
@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    """200 {"status": "ready", "checks": {...}} when every check is "ok"; else 503, with
    "failing" naming the checks that are not and "checks" saying what is wrong."""
    checks = index_health()
    failing = [name for name, result in checks.items() if result != OK]
    if failing:
        response = JsonResponse(
            {"status": "not ready", "failing": failing, "checks": checks}, status=503)
        # Not an error of the request: without this Django's django.request would log one
        # (a 5xx) at every probe, every few seconds. The request's own line names the 503.
        response._has_been_logged = True  # type: ignore[attr-defined]
        return response
    return JsonResponse({"status": "ready", "checks": checks})


@never_cache
@require_safe
def metrics(request: HttpRequest) -> HttpResponse:
    """This process's metrics in Prometheus's text format, for the addresses allowed
    (HEALTHQA_METRICS_ALLOW); 404 for everyone else, as if there were no such page."""
    if not metrics_allowed(request):
        raise Http404("no such page")
    body, content_type = metrics_text()
    return HttpResponse(body, content_type=content_type)
