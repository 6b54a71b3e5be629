"""The 400, 404 and 500 pages."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import loader

logger = logging.getLogger(__name__)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """The 404 page in the site's style (no database access)."""
    return render(request, "404.html", {"path": request.path}, status=404)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """A request the site could not read, above all a form larger than it accepts (413),
    said plainly rather than Django's bare "Bad Request". Rendered without the request
    context, as the 500 page is: the request itself may be what is wrong (a bad Host)."""
    status, message = 400, ("What was sent could not be read. Please go back, check the "
                            "form and send it again.")
    if isinstance(exception, RequestDataTooBig):
        status, message = 413, (
            f"What was sent is larger than this site accepts "
            f"({settings.DATA_UPLOAD_MAX_MEMORY_SIZE:,} bytes at most): nothing was saved. "
            f"Please go back, shorten the text and send it again.")
    elif isinstance(exception, TooManyFieldsSent):
        message = (f"The form sent more than {settings.DATA_UPLOAD_MAX_NUMBER_FIELDS:,} "
                   f"fields, more than any form of this site has: nothing was saved.")
    body = loader.get_template("400.html").render({"site_name": settings.SITE_NAME,
                                                   "message": message, "status": status})
    return HttpResponse(body, status=status)


def server_error(request: HttpRequest) -> HttpResponse:
    """The 500 page: rendered without the request context, so it needs no database."""
    try:
        body = loader.get_template("500.html").render({"site_name": settings.SITE_NAME})
    except Exception:  # the error may be in the templates themselves
        logger.exception("the 500 page could not be rendered")
        body = "<!doctype html><title>Server error</title><h1>Something went wrong</h1>"
    return HttpResponse(body, status=500)
