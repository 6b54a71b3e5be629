"""JSON request bodies: a JSON object in UTF-8, or an answer saying what is wrong with it.

ninja answers a body it cannot parse with a bare 400 ("Cannot parse request body"), reads a
list or a number as an object missing every field, and ignores the Content-Type. An operation
decorated with `json_object_body` checks its body first instead:

- 415 when the Content-Type is not JSON (application/json or application/...+json; a request
  without one is read as JSON);
- 413 when the body is larger than settings.DATA_UPLOAD_MAX_MEMORY_SIZE;
- 422 (ValidationErrorOut, location and field "body") when it is empty, not UTF-8, not JSON,
  or JSON but not an object.

Its fields are then validated by ninja as usual (422 naming each one). The statuses are in
errors.JSON_BODY, for the operation's OpenAPI `responses`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponseBase

from healthqa.web.api.errors import error_response, too_large_message

Run = Callable[..., HttpResponseBase]


def is_json_media_type(media_type: str) -> bool:
    media_type = media_type.strip().lower()
    return media_type in ("", "application/json") or (
        media_type.startswith("application/") and media_type.endswith("+json"))


def _kind(value: Any) -> str:
    """What a JSON value is, in the words of JSON."""
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return f"the literal {json.dumps(value)}"
    if isinstance(value, int | float):
        return "a number"
    return "null"


def _not_json_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def body_problem(request: HttpRequest, example: str) -> HttpResponseBase | None:
    """The answer to a request whose body is not a JSON object, or None when it is one."""
    if not is_json_media_type(request.content_type or ""):
        response = error_response(
            415,
            f"{request.method} {request.path} takes a JSON body: send it with "
            f"Content-Type: application/json, not {request.content_type}.",
        )
        response["Accept-Post"] = "application/json"
        return response
    try:
        raw = request.body
    except RequestDataTooBig:
        return error_response(413, too_large_message())
    send = f"send a JSON object such as {example}"
    problem = None
    if not raw.strip():
        problem = f"The body is empty; {send}."
    else:
        try:
            data = json.loads(raw.decode("utf-8"), parse_constant=_not_json_constant)
        except UnicodeDecodeError as exc:
            problem = (f"The body is not UTF-8 text (byte 0x{raw[exc.start]:02x} at position "
                       f"{exc.start}); {send}, encoded in UTF-8.")
        except json.JSONDecodeError as exc:
            problem = (f"The body is not JSON ({exc.msg} at line {exc.lineno}, column "
                       f"{exc.colno}); {send}.")
        except (ValueError, RecursionError) as exc:
            problem = f"The body is not JSON ({exc}); {send}."
        else:
            if not isinstance(data, dict):
                problem = f"The body must be a JSON object such as {example}, not {_kind(data)}."
    if problem is None:
        return None
    return error_response(422, problem,
                          errors=[{"location": "body", "field": "body", "message": problem}])


def json_object_body(example: str) -> Callable[[Run], Run]:
    """For ninja's decorate_view: refuse a body that is not a JSON object before ninja reads
    it. `example` is a JSON object shown in the messages."""

    def decorate(run: Run) -> Run:
        @wraps(run)
        def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            return body_problem(request, example) or run(request, *args, **kwargs)

        return checked

    return decorate
