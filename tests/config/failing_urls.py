"""The project's URL map plus one page that fails, to see what a 500 leaves in the logs."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path

from healthqa.web import urls as project

BOOM = "deliberate failure for the 500 logging test"


def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError(BOOM)


urlpatterns = [path("test-only/boom/", boom), *project.urlpatterns]

# The project's own error pages, wherever healthqa.web.urls points them.
handler404 = project.handler404
handler500 = project.handler500
