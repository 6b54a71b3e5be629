"""JSON 405 answers for the methods an operation does not take (ninja's own are plain text).

Registered on the router that owns the path: Django routes a path to its first pattern, so a
method answered by another router would never be reached.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable

from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import Router
from ninja.signature.utils import get_path_param_names

# HEAD, OPTIONS, TRACE and QUERY too: ninja would answer them with a 405 that is not JSON and
# whose Allow header lists every method registered on the path, these refusals included.
ALL_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "QUERY")
READS = ("HEAD", "OPTIONS", "TRACE", "QUERY")  # refused with "use GET", not "read-only"


def methods_refuse(router: Router, paths: Iterable[str], *, allow: str, hint: str) -> None:
    """Answer every method not in `allow` on these paths with 405, JSON and an Allow header."""
    refused = [m for m in ALL_METHODS if m not in allow.replace(" ", "").split(",")]

    def refuse(request: HttpRequest) -> HttpResponse:
        writes = request.method not in READS
        response = JsonResponse(
            {"detail": f"{request.method} is not allowed on {request.path}; "
                       f"{hint if writes else 'use ' + allow}"},
            status=405,
        )
        response["Allow"] = allow
        return response

    for path in paths:
        router.api_operation(refused, path, include_in_schema=False)(_taking(path, refuse))


def _taking(path: str, view: Callable[[HttpRequest], HttpResponse]
            ) -> Callable[..., HttpResponse]:
    """`view` with the path's parameters (as text) in its signature, where ninja looks for
    them: "/questions/{slug}" or "/submissions/{submission_id}/publish"."""
    names = sorted(get_path_param_names(path))
    if not names:
        return view

    def refuse_with_params(request: HttpRequest, **params: str) -> HttpResponse:
        return view(request)

    keyword = inspect.Parameter.KEYWORD_ONLY
    refuse_with_params.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD,
                           annotation=HttpRequest)]
        + [inspect.Parameter(name, keyword, annotation=str) for name in names])
    return refuse_with_params
