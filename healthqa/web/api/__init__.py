"""The JSON API (/api/v1/): one router per resource, errors as JSON, its OpenAPI description."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from ninja import NinjaAPI, Router, Swagger

from healthqa.web.api import ask, kb
from healthqa.web.api.errors import errors_install, not_found
from healthqa.web.api.methods import ALL_METHODS, methods_refuse

DESCRIPTION = (
    "Read-only access to the published questions and answers of this knowledge base. "
    "Every answer carries its author or source organisation, and every source its licence: "
    "keep them with the content you reuse. Health information, not medical advice."
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
api.add_router("", kb.router)
api.add_router("", ask.router)


@api.get("/", include_in_schema=False)
def api_index(request: HttpRequest) -> dict[str, str]:
    """Where to start: the docs page and the OpenAPI description."""
    return {
        "name": api.title,
        "version": api.version,
        "docs": reverse("api:openapi-view"),
        "openapi": reverse("api:openapi-json"),
    }


methods_refuse(api.default_router, ["/"], allow="GET", hint="this API is read-only")

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
