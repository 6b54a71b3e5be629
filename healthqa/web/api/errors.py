"""Every error of the API as JSON with a clear message, and the statuses each may return."""

from __future__ import annotations

import logging

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import HttpError, ValidationError

from healthqa.web.api.kb_schemas import ErrorOut, ValidationErrorOut

# The API's errors are logged where the pages' are (healthqa.config.settings.LOGGING).
logger = logging.getLogger(__name__)

NOT_FOUND = {404: ErrorOut}
INVALID = {422: ValidationErrorOut}


def not_found(message: str) -> HttpError:
    """A 404 saying what was not found."""
    return HttpError(404, message)


def errors_install(api: NinjaAPI) -> None:
    """Answer invalid input, unknown things and server errors as JSON."""

    @api.exception_handler(ValidationError)
    def invalid_input(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        """422 naming each invalid parameter, e.g. "page_size: Input should be ... 100"."""
        errors = []
        for error in exc.errors:
            location, *rest = [str(part) for part in error.get("loc", ())] or ["request"]
            if location == "body" and len(rest) > 1:
                rest = rest[1:]  # the name of the view's parameter, not a field of the body
            errors.append({"location": location, "field": ".".join(rest) or location,
                           "message": error["msg"]})
        detail = "; ".join(
            f"Invalid {e['location']} parameter '{e['field']}': {e['message']}" for e in errors
        )
        return api.create_response(request, {"detail": detail, "errors": errors}, status=422)

    @api.exception_handler(Http404)
    def missing(request: HttpRequest, exc: Http404) -> HttpResponse:
        return api.create_response(request, {"detail": "Not found"}, status=404)

    @api.exception_handler(Exception)
    def server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
        """Unexpected errors: logged with their traceback, answered without it."""
        logger.exception("API error on %s %s", request.method, request.path)
        return api.create_response(
            request, {"detail": "Internal server error; it has been logged."}, status=500
        )
