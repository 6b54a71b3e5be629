"""Request ids and log lines: one line per request, every line of a request carrying its id,
JSON lines that parse, and nothing a reader typed in any of them."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import structlog
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import path

from healthqa.config.observability import logging_config
from healthqa.search.indexing import related_mark_stale
from healthqa.web import urls as project_urls
from tests.config.failing_urls import BOOM
from tests.helpers import REPO_ROOT
from tests.kb.conftest import KB

pytestmark = pytest.mark.django_db

UUID_HEX = re.compile(r"[0-9a-f]{32}")
SECRET = "secret-words about my lump"


@pytest.fixture
def logs() -> Iterator[Callable[[str], io.StringIO]]:
    """logs("json") or logs("plain"): what the formatter settings.LOGGING builds for that
    format writes, for healthqa's loggers and django.request, from now on."""
    added: list[tuple[logging.Logger, logging.Handler]] = []

    def capture(log_format: str) -> io.StringIO:
        spec = dict(logging_config(log_format=log_format, level="INFO")["formatters"][log_format])
        factory = spec.pop("()")
        out = io.StringIO()
        handler = logging.StreamHandler(out)
        handler.setFormatter(factory(**spec))
        for name in ("healthqa", "django.request"):
            logger = logging.getLogger(name)
            logger.addHandler(handler)
            added.append((logger, handler))
        return out

    yield capture
    for logger, handler in added:
        logger.removeHandler(handler)


def json_lines(out: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.getvalue().splitlines()]


# --- the request id ---------------------------------------------------------------------------

def test_every_response_has_a_new_request_id(client: Client, kb: KB) -> None:
    first = client.get("/")["X-Request-ID"]
    second = client.get(kb.back_pain.get_absolute_url())["X-Request-ID"]
    assert UUID_HEX.fullmatch(first) and UUID_HEX.fullmatch(second)
    assert first != second
    assert UUID_HEX.fullmatch(client.get("/no/such/page/")["X-Request-ID"])  # 404s too


@pytest.mark.parametrize("incoming", [
    "3f1c2e4a-7b8d-4c1e-9f0a-1b2c3d4e5f60", "abc123", "lb.request_id-42_x",
    "0af7651916cd43dd8448eb211c80319c",
])
def test_a_safe_incoming_request_id_is_kept(client: Client, incoming: str) -> None:
    assert client.get("/healthz", HTTP_X_REQUEST_ID=incoming)["X-Request-ID"] == incoming


@pytest.mark.parametrize("hostile", [
    "abc\ndef", "abc\r\nSet-Cookie: x=1", "a" * 500, "<script>alert(1)</script>",
    "with space", 'quote"d', "", "ü-nicode", "a" * 65,
], ids=["newline", "crlf", "500 chars", "html", "space", "quote", "empty", "unicode", "65"])
def test_a_hostile_incoming_request_id_is_replaced(client: Client, hostile: str,
                                                    logs: Callable[[str], io.StringIO]) -> None:
    out = logs("json")
    rid = client.get("/healthz", HTTP_X_REQUEST_ID=hostile)["X-Request-ID"]
    assert UUID_HEX.fullmatch(rid), rid
    if hostile:
        assert hostile not in out.getvalue()


# --- one line per request -----------------------------------------------------------------------

def test_each_request_logs_one_json_line_with_its_id(
        client: Client, kb: KB, logs: Callable[[str], io.StringIO]) -> None:
    out = logs("json")
    response = client.get(kb.back_pain.get_absolute_url(), HTTP_X_REQUEST_ID="req-1")
    [line] = json_lines(out)
    assert line["event"] == "request" and line["logger"] == "healthqa.request"
    assert line["level"] == "info"
    assert line["request_id"] == "req-1" == response["X-Request-ID"]
    assert (line["method"], line["view"], line["status"]) == ("GET", "web:question", 200)
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z", line["timestamp"])
    assert kb.back_pain.slug not in out.getvalue()  # the view's name, not the path


def test_the_plain_line_carries_the_same_fields(
        client: Client, kb: KB, logs: Callable[[str], io.StringIO]) -> None:
    out = logs("plain")
    client.get("/no/such/page/", HTTP_X_REQUEST_ID="req-2")
    text = out.getvalue()
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO healthqa\.request: request "
        r"request_id=req-2 method=GET view=unresolved status=404 duration_ms=[\d.]+\n", text)


def test_probes_that_succeed_are_logged_at_debug_only(
        client: Client, kb: KB, logs: Callable[[str], io.StringIO]) -> None:
    out = logs("json")
    client.get("/healthz")
    client.get("/metrics")
    assert out.getvalue() == ""  # the healthqa loggers are at INFO
    related_mark_stale()
    assert client.get("/readyz").status_code == 503
    [line] = json_lines(out)  # the failing probe, and no django.request error for it
    assert (line["logger"], line["view"], line["status"]) == ("healthqa.request", "readyz", 503)


def view_that_logs(request: HttpRequest) -> HttpResponse:
    logging.getLogger("healthqa.web.views.pages").warning("a view's own line")
    structlog.stdlib.get_logger("healthqa.test").warning("structlog's line", answer=42)
    return HttpResponse("ok")


# This module is the URL map of the test below: the site's, plus a view that logs.
urlpatterns = [path("test-only/logs/", view_that_logs), *project_urls.urlpatterns]


@pytest.mark.urls(__name__)
def test_every_line_of_a_request_carries_its_id(
        client: Client, logs: Callable[[str], io.StringIO]) -> None:
    """Lines logged by a view (by the standard library's logging and by structlog's own
    loggers) and the request's line carry the request's id; a line outside a request none."""
    out = logs("json")
    client.get("/test-only/logs/", HTTP_X_REQUEST_ID="req-3")
    logging.getLogger("healthqa.other").warning("outside any request")
    lines = json_lines(out)
    assert [line["event"] for line in lines] == [
        "a view's own line", "structlog's line", "request", "outside any request"]
    assert [line.get("request_id") for line in lines] == ["req-3", "req-3", "req-3", None]
    assert lines[1]["answer"] == 42 and lines[1]["logger"] == "healthqa.test"


@pytest.mark.urls("tests.config.failing_urls")
def test_a_500_keeps_its_traceback_as_a_field_and_its_id(
        logs: Callable[[str], io.StringIO]) -> None:
    out = logs("json")
    response = Client(raise_request_exception=False).get(
        f"/test-only/boom/?q={quote(SECRET)}", HTTP_X_REQUEST_ID="req-4")
    assert response.status_code == 500
    error, request = json_lines(out)
    assert error["logger"] == "django.request" and error["level"] == "error"
    assert error["event"] == "Internal Server Error: /test-only/boom/"
    assert error["status_code"] == 500
    assert "Traceback (most recent call last):" in error["exception"]
    assert f"RuntimeError: {BOOM}" in error["exception"]
    assert error["request_id"] == request["request_id"] == "req-4"
    assert request["status"] == 500
    assert "secret" not in out.getvalue()  # Django passes the request, query string and all


@pytest.mark.urls("tests.config.failing_urls")
def test_a_500_in_plain_lines_keeps_its_traceback_below_the_line(
        logs: Callable[[str], io.StringIO]) -> None:
    out = logs("plain")
    Client(raise_request_exception=False).get("/test-only/boom/", HTTP_X_REQUEST_ID="req-5")
    text = out.getvalue()
    assert re.search(r"ERROR django\.request: Internal Server Error: /test-only/boom/ "
                     r"request_id=req-5 status_code=500\nTraceback \(most recent call last\):",
                     text), text
    assert f"RuntimeError: {BOOM}" in text


# --- what readers type is logged nowhere ----------------------------------------------------

@pytest.mark.parametrize("log_format", ["json", "plain"])
def test_what_a_reader_asks_appears_in_no_log_line(
        client: Client, kb: KB, logs: Callable[[str], io.StringIO], log_format: str,
        caplog: pytest.LogCaptureFixture) -> None:
    out = logs(log_format)
    with caplog.at_level(logging.DEBUG):
        client.get(f"/ask/?q={quote(SECRET)}")
        client.get(f"/search/?q={quote(SECRET)}")
        client.get(f"/api/v1/ask?q={quote(SECRET)}")
        client.post("/api/v1/ask", {"question": SECRET}, content_type="application/json")
        client.get(f"/api/v1/suggest?q={quote(SECRET)}")
        client.get(f"/no/such/page/?q={quote(SECRET)}")
    text = out.getvalue()
    assert text.count("healthqa.request") == 6  # each request's line, all there
    assert "secret" not in text and "lump" not in text
    assert not [r for r in caplog.records if "secret" in r.getMessage()]


# --- the setting --------------------------------------------------------------------------------

def _python(code: str, data_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    keep = {"HEALTHQA_MODEL_DIR", "HEALTHQA_ENCODER"}
    clean = {k: v for k, v in os.environ.items() if not k.startswith("HEALTHQA_") or k in keep}
    return subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True,
        timeout=300, env={**clean, "DJANGO_SETTINGS_MODULE": "healthqa.config.settings",
                          "HEALTHQA_DATA_DIR": str(data_dir), **env})


def test_healthqa_log_format_json_makes_the_server_log_json_lines(tmp_path: Path) -> None:
    code = ("import django; django.setup(); from django.test import Client; "
            "Client().get('/nowhere/?q=secret-words', HTTP_X_REQUEST_ID='req-6')")
    out = _python(code, tmp_path, HEALTHQA_LOG_FORMAT="json")
    assert out.returncode == 0, out.stderr[-2000:]
    [line] = [json.loads(line) for line in out.stderr.splitlines()]
    assert line["request_id"] == "req-6" and line["status"] == 404
    assert "secret" not in out.stderr
    default = _python(code, tmp_path)
    assert "INFO healthqa.request: request request_id=req-6" in default.stderr


def test_an_unknown_log_format_stops_the_start_naming_it(tmp_path: Path) -> None:
    out = _python("import django; django.setup()", tmp_path, HEALTHQA_LOG_FORMAT="xml")
    assert out.returncode != 0
    assert "HEALTHQA_LOG_FORMAT='xml': use plain or json" in out.stderr
