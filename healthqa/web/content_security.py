"""The Content-Security-Policy header: the site's policy, with more for a few named views.

django-csp's middleware sends settings.CONTENT_SECURITY_POLICY on every response. The admin
and the API docs are views we do not write, so their additions cannot be given with
django-csp's view decorators; settings.CONTENT_SECURITY_POLICY_VIEW_UPDATES names them by the
URL they resolved to instead. A view's own decorator (csp, csp_replace, csp_update,
csp_exempt from csp.decorators) still takes precedence.
"""

from __future__ import annotations

from typing import Any

from csp.middleware import CSPMiddleware as BaseCSPMiddleware
from csp.middleware import PolicyParts
from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase


def view_update(request: HttpRequest) -> dict[str, Any] | None:
    """The sources settings add to the policy for the view this request resolved to."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return None
    updates: dict[str, dict[str, Any]] = getattr(
        settings, "CONTENT_SECURITY_POLICY_VIEW_UPDATES", {})
    merged: dict[str, list[Any]] = {}
    for key in (match.namespace, match.view_name):  # "admin"; "api:openapi-view"
        if key in updates:
            for directive, sources in updates[key].items():
                merged.setdefault(directive, []).extend(sources)
    return merged or None


class CSPMiddleware(BaseCSPMiddleware):
    """django-csp's middleware, adding CONTENT_SECURITY_POLICY_VIEW_UPDATES for their views."""

    def get_policy_parts(self, request: HttpRequest, response: HttpResponseBase,
                         report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only=report_only)
        # A view's own decorator wins; otherwise the additions apply to the enforced policy
        # and to a report-only one alike (CONTENT_SECURITY_POLICY_REPORT_ONLY, if set).
        if (parts.config, parts.update, parts.replace) == (None, None, None):
            parts.update = view_update(request)
        return parts
