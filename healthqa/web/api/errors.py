"""Every error of the API as JSON with a clear message, and the statuses each may return."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, TooManyFieldsSent
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from ninja import NinjaAPI
from ninja.errors import HttpError, ValidationError

from healthqa.web.api.kb_schemas import ErrorOut, ValidationErrorOut

# The API's errors are logged where the pages' are (healthqa.config.settings.LOGGING).
logger = logging.getLogger(__name__)

# The statuses of each operation, for its OpenAPI `responses` (with 200 and its output).
NOT_FOUND = {404: ErrorOut}
INVALID = {422: ValidationErrorOut}
# Any operation: a method the path does not take (methods.py), an unexpected error.
ALWAYS = {405: ErrorOut, 500: ErrorOut}
# Operations that read a query string: too many fields (400), an invalid value (422).
QUERY = {400: ErrorOut, **INVALID}
# Operations that read a JSON body (body.py): too large, not JSON, not valid.
JSON_BODY = {413: ErrorOut, 415: ErrorOut, **INVALID}


def not_found(message: str) -> HttpError:
    """A 404 saying what was not found."""
    return HttpError(404, message)


def too_large_message() -> str:
    return (f"The request body is larger than {settings.DATA_UPLOAD_MAX_MEMORY_SIZE:,} bytes, "
            "the most this API accepts.")


def too_many_fields_message() -> str:
    return (f"Too many query parameters: at most {settings.DATA_UPLOAD_MAX_NUMBER_FIELDS:,} "
            "are accepted.")


def error_response(status: int, detail: str, errors: list[dict[str, Any]] | None = None
                   ) -> JsonResponse:
    """An error answered before ninja takes over (body.py): ErrorOut, or
    ValidationErrorOut when `errors` are given."""
    data: dict[str, Any] = {"detail": detail}
    if errors is not None:
        data["errors"] = errors
    return JsonResponse(data, status=status)


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

    # Django's limits on what a request may carry (settings.DATA_UPLOAD_*): answered here, as
    # JSON, before the catch-all below turns them into 500s.
    @api.exception_handler(RequestDataTooBig)
    def too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        logger.warning("API request refused on %s %s: %s", request.method, request.path, exc)
        return api.create_response(request, {"detail": too_large_message()}, status=413)

    @api.exception_handler(TooManyFieldsSent)
    def too_many_fields(request: HttpRequest, exc: TooManyFieldsSent) -> HttpResponse:
        logger.warning("API request refused on %s %s: %s", request.method, request.path, exc)
        return api.create_response(request, {"detail": too_many_fields_message()}, status=400)

    @api.exception_handler(SuspiciousOperation)
    def bad_request(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
        """Other requests Django refuses as malformed: 400, as its pages answer them."""
        logger.warning("API request refused on %s %s: %s", request.method, request.path, exc)
        return api.create_response(
            request, {"detail": "Bad request; it has been logged."}, status=400
        )

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
