"""HTML pages (placeholder until written)."""

from django.http import HttpRequest, HttpResponse


def home(request: HttpRequest) -> HttpResponse:
    return HttpResponse("healthqa")


def question_detail(request: HttpRequest, slug: str) -> HttpResponse:
    return HttpResponse(slug)


def category_detail(request: HttpRequest, slug: str) -> HttpResponse:
    return HttpResponse(slug)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return HttpResponse("not found", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    return HttpResponse("error", status=500)
