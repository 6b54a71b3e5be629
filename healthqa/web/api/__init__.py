"""The JSON API (/api/v1/): one router per resource, errors as JSON, its OpenAPI description."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from ninja import NinjaAPI, Router, Swagger

from healthqa.web.api import (
    ask,
    community_accounts,
    community_answering,
    community_asking,
    community_review,
    kb,
)
from healthqa.web.api.community_auth import community_errors_install
from healthqa.web.api.errors import errors_install, not_found
from healthqa.web.api.methods import ALL_METHODS, methods_refuse

DESCRIPTION = (
    "The published questions and answers of this knowledge base, read without an account. "
    "Every answer carries its author or source organisation, and every source its licence: "
    "keep them with the content you reuse. Health information, not medical advice.\n\n"
    "Members, experts and editors also send questions to the experts, answer them and review "
    "the answers here, with a personal token (`healthqa user token USERNAME` prints one) sent "
    "as `Authorization: Bearer hqa_...`: without one these answer 401, and 403 for an action "
    "the account's role does not allow."
)

api = NinjaAPI(
    title="healthqa API",
    version="1",
    description=DESCRIPTION,
    # validatorUrl=None: Swagger UI would otherwise send the schema to validator.swagger.io.
    # The UI itself is served from ninja's bundled static files ("ninja" in INSTALLED_APPS).
    docs=Swagger(settings={"validatorUrl": None}),
    urls_namespace="api",
)
errors_install(api)
community_errors_install(api)
api.add_router("", kb.router)
api.add_router("", ask.router)
for community in (community_accounts, community_asking, community_answering, community_review):
    api.add_router("", community.router)


@api.get("/", include_in_schema=False)
def api_index(request: HttpRequest) -> dict[str, str]:
    """Where to start: the docs page and the OpenAPI description."""
    return {
        "name": api.title,
        "version": api.version,
        "docs": reverse("api:openapi-view"),
        "openapi": reverse("api:openapi-json"),
    }


methods_refuse(api.default_router, ["/"], allow="GET",
               hint="the knowledge base is read-only here")

# Added last so every real endpoint matches first: unknown paths under /api/v1/ get a JSON 404
# instead of the site's HTML page.
fallback = Router()


@fallback.api_operation(list(ALL_METHODS), "/{path:rest}", include_in_schema=False)
def unknown_endpoint(request: HttpRequest, rest: str) -> None:
    raise not_found(
        f"No API endpoint at {request.path}; the endpoints are listed at "
        f"{reverse('api:openapi-view')}"
    )


api.add_router("", fallback)
