"""With DEBUG off, every server error is logged with its traceback, pages' and API's alike."""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client

from tests.config.failing_urls import BOOM

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} ", re.MULTILINE)


def _console_handlers(logger: str) -> list[logging.Handler]:
    """The handlers settings.LOGGING put on a logger (pytest adds its own beside them)."""
    return [h for h in logging.getLogger(logger).handlers if type(h) is logging.StreamHandler]


@pytest.fixture
def console() -> Iterator[io.StringIO]:
    """What the configured console handler writes (stderr in production), as text."""
    [handler] = _console_handlers("healthqa")
    assert isinstance(handler, logging.StreamHandler)
    out = io.StringIO()
    previous = handler.setStream(out)
    try:
        yield out
    finally:
        handler.setStream(previous)


def test_django_request_and_healthqa_log_to_the_same_handler() -> None:
    config: dict[str, Any] = dict(django_settings.LOGGING)
    loggers = config["loggers"]
    assert loggers["django.request"]["handlers"] == loggers["healthqa"]["handlers"]
    assert loggers["django.request"]["level"] == "ERROR"
    handlers = config["handlers"]
    assert all("formatter" in handlers[name] for name in loggers["healthqa"]["handlers"])
    # The live logging configuration, not only the dict: one handler object for both.
    [page_handler] = _console_handlers("django.request")
    assert _console_handlers("healthqa") == [page_handler]


@pytest.mark.urls("tests.config.failing_urls")
def test_a_500_in_a_page_is_logged_with_its_traceback(console: io.StringIO) -> None:
    assert not django_settings.DEBUG
    response = Client(raise_request_exception=False).get("/test-only/boom/")
    assert response.status_code == 500
    assert BOOM not in response.content.decode()  # the visitor sees the 500 page only

    logged = console.getvalue()
    assert "ERROR django.request: Internal Server Error: /test-only/boom/" in logged
    assert "Traceback (most recent call last):" in logged
    assert f"RuntimeError: {BOOM}" in logged
    assert TIMESTAMP.search(logged), logged


def test_api_errors_reach_the_same_handler(console: io.StringIO) -> None:
    # The API logs its 500s under healthqa. (healthqa.web.api.errors) with the traceback.
    try:
        raise ValueError("api failure")
    except ValueError:
        logging.getLogger("healthqa.web.api.errors").exception("API error on GET /api/v1/x")
    logged = console.getvalue()
    assert "ERROR healthqa.web.api.errors: API error on GET /api/v1/x" in logged
    assert "ValueError: api failure" in logged
    assert TIMESTAMP.search(logged), logged


def test_404s_are_not_logged_as_errors(console: io.StringIO) -> None:
    response = Client().get("/no-such-page-at-all/")
    assert response.status_code == 404
    assert "django.request" not in console.getvalue()
