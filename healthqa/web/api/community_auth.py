"""Who is calling the community endpoints and what they may do: personal tokens
(`Authorization: Bearer hqa_...`), and the refusals as JSON: 401 without a valid token, 403 for
an action the account's role does not allow, 422 naming the field a service refused, 429 over a
rate limit.

Each operation names its action with `requires`, which answers 401 and 403 before anything
else is read. The services (healthqa.community) check permissions and input again and raise
NotAllowed (e.g. reviewing one's own answer) or InvalidInput; the handlers installed here turn
those into 403 and 422 answers, so an endpoint cannot forget one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any

from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from ninja import NinjaAPI
from ninja.decorators import decorate_view
from ninja.errors import AuthenticationError
from ninja.operation import Operation
from ninja.security import HttpBearer
from ninja.utils import contribute_operation_callback

from healthqa.community.accounts import token_user
from healthqa.community.actions import ACTIONS, InvalidInput, NotAllowed, user_can
from healthqa.community.roles import user_role
from healthqa.web.api.body import body_problem
from healthqa.web.api.errors import ALWAYS, NOT_FOUND, QUERY, error_response
from healthqa.web.api.kb_schemas import ErrorOut
from healthqa.web.limits import LIMITED_MESSAGE, over_limit

# The statuses of an operation that needs an account, for its OpenAPI `responses`.
SIGNED_IN = {401: ErrorOut}
ROLE = {401: ErrorOut, 403: ErrorOut}
LIMITED = {429: ErrorOut}
# A paged list for an account with a role: a page past the last (404), bad paging (400, 422).
LISTED = {**ROLE, **NOT_FOUND, **QUERY, **ALWAYS}
RETRY_AFTER = 60  # seconds; django-ratelimit's windows are a minute or an hour

_CACHED = "_healthqa_token_user"
ACTION_KEY = "x-healthqa-action"
View = Callable[..., Any]
Run = Callable[..., HttpResponseBase]


class TokenAuth(HttpBearer):
    """A personal token (`healthqa user token USERNAME` prints one). The account becomes
    request.user, so per-account rate limits and permission checks see it."""

    def __call__(self, request: HttpRequest) -> Any:
        if hasattr(request, _CACHED):  # checked already (by `requires`)
            return getattr(request, _CACHED)
        user = super().__call__(request)
        setattr(request, _CACHED, user)
        return user

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = token_user(raw=token.strip())
        if user is None:
            request.healthqa_token_refused = True  # type: ignore[attr-defined]
            return None
        request.user = user
        return user


token_auth = TokenAuth()


class FieldRefused(Exception):
    """A service refused a value (InvalidInput), named as the API names it."""

    def __init__(self, location: str, field: str, message: str) -> None:
        super().__init__(message)
        self.location, self.field, self.message = location, field, message


def signed_in(request: HttpRequest) -> User:
    """The account of an operation's token (checked by its `requires`)."""
    return request.auth  # type: ignore[attr-defined, no-any-return]


def requires(action: str, *, body: str | None = None, limit: bool = False
             ) -> Callable[[View], View]:
    """An operation takes `action` (a key of ACTIONS): put below its @router decorator, with
    auth=token_auth on it. Before ninja reads anything the operation is answered, in order:
    401 without a valid token; 403 when the account's role does not allow the action; with
    `body` (an example JSON object for the messages), 413/415/422 when the body is not a JSON
    object (body.py); with `limit`, 429 over the action's rate. So a caller hears first that
    they need an account, then that their role may not, and only then about what they sent.

    The action is in the operation's OpenAPI description (x-healthqa-action), which the tests
    walk against every role."""
    if action not in ACTIONS:
        raise KeyError(f"unknown action {action!r}: add it to healthqa.community.actions")

    def checks(run: Run) -> Run:
        @wraps(run)
        def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            try:
                refused = _refused(request)
            except Exception as exc:  # answered as ninja answers the operation's own errors
                return run.__self__.api.on_exception(request, exc)  # type: ignore[attr-defined]
            return refused or run(request, *args, **kwargs)

        return checked

    def _refused(request: HttpRequest) -> HttpResponseBase | None:
        user = token_auth(request)
        if not user:
            return None  # ninja answers 401
        if not user_can(user, action):
            return error_response(403, refusal(user, action))
        problem = body_problem(request, body) if body is not None else None
        if problem is not None:
            return problem
        if limit and over_limit(request, action):
            return limited_response()
        return None

    def document(operation: Operation) -> None:
        operation.openapi_extra = {**(operation.openapi_extra or {}), ACTION_KEY: action}

    def decorate(view: View) -> View:
        contribute_operation_callback(view, document)
        return decorate_view(checks)(view)

    return decorate


@contextmanager
def fields_named(**names: str) -> Iterator[None]:
    """Name a service's InvalidInput as the API names the field: `fields_named(question=
    "body.text")` turns the service's "question" into the body field "text", and
    `fields_named(state="path.draft_id")` puts "already decided" on the item's id. Unnamed
    fields are body fields of the same name."""
    try:
        yield
    except InvalidInput as exc:
        where = names.get(exc.field, f"body.{exc.field}")
        location, _, field = where.partition(".")
        raise FieldRefused(location, field, exc.message) from None


def refusal(user: User, action: str) -> str:
    """403's message: what the account may not do."""
    return f"Your {user_role(user)} account may not {ACTIONS[action].description}."


def limited_response() -> HttpResponse:
    response = error_response(429, LIMITED_MESSAGE)
    response["Retry-After"] = str(RETRY_AFTER)
    return response


def _first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def community_errors_install(api: NinjaAPI) -> None:
    """Answer missing accounts, refused actions and refused values as JSON."""

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        if getattr(request, "healthqa_token_refused", False):
            detail = ("The token is unknown or was revoked: ask for a new one "
                      "(`healthqa user token USERNAME`).")
            challenge = 'Bearer realm="healthqa", error="invalid_token"'
        else:
            detail = ("This needs an account: send a personal token as "
                      "`Authorization: Bearer hqa_...` (`healthqa user token USERNAME` "
                      "prints one).")
            challenge = 'Bearer realm="healthqa"'
        response = api.create_response(request, {"detail": detail}, status=401)
        response["WWW-Authenticate"] = challenge
        return response

    @api.exception_handler(NotAllowed)
    def forbidden(request: HttpRequest, exc: NotAllowed) -> HttpResponse:
        return api.create_response(request, {"detail": _first_upper(f"{exc}.")}, status=403)

    @api.exception_handler(FieldRefused)
    def refused(request: HttpRequest, exc: FieldRefused) -> HttpResponse:
        detail = f"Invalid {exc.location} parameter '{exc.field}': {exc.message}"
        return api.create_response(request, {"detail": detail, "errors": [
            {"location": exc.location, "field": exc.field, "message": exc.message}]},
            status=422)

    @api.exception_handler(InvalidInput)
    def invalid(request: HttpRequest, exc: InvalidInput) -> HttpResponse:
        """A service's refusal outside fields_named: its own name for the field."""
        return refused(request, FieldRefused("body", exc.field, exc.message))
