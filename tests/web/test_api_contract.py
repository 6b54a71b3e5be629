"""The API keeps to its OpenAPI description: every status an operation answers is listed in
its `responses`, inputs are constrained there as the validators constrain them (schemathesis
finds no difference), and requests Django refuses (too large, too many fields) or bodies that
are not a JSON object get a JSON answer naming what is wrong, never a 500."""

# The fixtures are imported from tests/web/api_fixtures.py; pytest injects them by argument
# name, which pyflakes reads as a redefinition.
# ruff: noqa: F811

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.conf import settings as conf
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from healthqa.ask.services import MAX_QUESTION_CHARS
from healthqa.web.api import api
from healthqa.web.api.ask_schemas import NOT_BLANK
from tests.web.api_fixtures import (  # noqa: F401 (fixtures are used by name)
    api_kb,
    fresh_category_tree,
)

API = "/api/v1"

# --- schemathesis, in-process ----------------------------------------------------------------

# Every check this version has that needs no credentials or response-time limit.
CHECKS = (
    "not_a_server_error", "status_code_conformance", "content_type_conformance",
    "response_schema_conformance", "response_headers_conformance", "negative_data_rejection",
    "positive_data_acceptance", "missing_required_header", "unsupported_method",
    "allow_header_conformance", "use_after_free", "ensure_resource_availability",
)
CONFIG = schemathesis.Config.from_dict({
    "seed": 1,
    # deterministic: Hypothesis's derandomize, so every run sends the same requests.
    "generation": {"mode": "all", "max-examples": 25, "deterministic": True,
                   "database": "none"},
    "checks": {name: {"enabled": True} for name in CHECKS},
})
schema = schemathesis.openapi.from_dict(api.get_openapi_schema(), config=CONFIG)


@pytest.fixture
def wsgi_app(db: None) -> Iterator[WSGIHandler]:
    """The site as a WSGI application, called in this thread and so in the test's transaction
    (as Django's test client does, its end of request must not close the connection)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


# One test per operation: its coverage phase (boundaries, unexpected methods, each kind of
# invalid input) and fuzzing phase (positive and negative cases). The knowledge base is set up
# once per operation, not per case: without a token nothing is written.
@schema.parametrize()
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
def test_api_keeps_to_its_openapi_description(case: Any, api_kb: Any, wsgi_app: Any) -> None:
    case.call_and_validate(app=wsgi_app)


def test_the_contract_test_runs_every_check_it_names() -> None:
    checks = schema.config.checks_config_for(operation=None, phase=None)
    assert all(checks.get_by_name(name=name).enabled for name in CHECKS)


# --- the OpenAPI description -----------------------------------------------------------------

STATUSES = {
    ("get", "/questions"): {"200", "400", "404", "405", "422", "500"},
    ("get", "/questions/{slug}"): {"200", "404", "405", "500"},
    ("get", "/questions/{slug}/related"): {"200", "404", "405", "500"},
    ("get", "/categories"): {"200", "405", "500"},
    ("get", "/sources"): {"200", "405", "500"},
    ("get", "/search"): {"200", "400", "404", "405", "422", "500"},
    ("get", "/ask"): {"200", "400", "404", "405", "422", "500"},
    ("post", "/ask"): {"200", "404", "405", "413", "415", "422", "500"},
    ("get", "/suggest"): {"200", "400", "405", "422", "500"},
}
# The community operations (tests/web/test_api_community.py): a token (401), a role (403), a
# page of a list (400, 404, 422), a JSON body (413, 415, 422), a number in the path (422), an
# unknown item (404), a rate (429).
SIGNED_IN = {"200", "401", "405", "500"}
ROLE = SIGNED_IN | {"403"}
LIST = ROLE | {"400", "404", "422"}
BODY = ROLE | {"413", "415", "422"}
ITEM = ROLE | {"404", "422"}
DECIDE = BODY | {"404"}
STATUSES.update({
    ("get", "/me"): SIGNED_IN,
    ("get", "/me/notifications"): SIGNED_IN,
    ("post", "/me/notifications/read"): SIGNED_IN,
    ("post", "/submissions"): BODY | {"429"},
    ("get", "/submissions"): LIST,
    ("get", "/submissions/{submission_id}"): ITEM,
    ("post", "/questions/{slug}/follow"): ROLE | {"404"},
    ("delete", "/questions/{slug}/follow"): ROLE | {"404"},
    ("post", "/answers/{answer_id}/helpful"): ITEM | {"429"},
    ("delete", "/answers/{answer_id}/helpful"): ITEM | {"429"},
    ("post", "/flags"): DECIDE | {"429"},
    ("get", "/open-questions"): LIST,
    ("post", "/questions/{slug}/answers"): DECIDE | {"429"},
    ("post", "/answers/preview"): BODY,
    ("get", "/my-answers"): LIST,
    ("post", "/answers/{answer_id}/agree"): ITEM,
    ("delete", "/answers/{answer_id}/agree"): ITEM,
    ("get", "/queue/submissions"): LIST,
    ("post", "/submissions/{submission_id}/publish"): DECIDE,
    ("post", "/submissions/{submission_id}/reject"): DECIDE,
    ("post", "/submissions/{submission_id}/merge"): DECIDE,
    ("post", "/questions/{slug}/merge"): DECIDE,
    ("get", "/queue/answers"): LIST,
    ("post", "/expert-answers/{draft_id}/approve"): DECIDE,
    ("post", "/expert-answers/{draft_id}/return"): DECIDE,
    ("get", "/review-due"): LIST,
    ("get", "/queue/flags"): LIST,
    ("post", "/flags/{flag_id}/resolve"): ITEM,
})


def openapi(client: Any) -> Any:
    """The document as served (its status keys are strings)."""
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    return response.json()


def error_schema(response: Any) -> str:
    return response["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]


def test_every_operation_lists_each_status_it_answers_with_its_error_schema(client: Any
                                                                            ) -> None:
    doc = openapi(client)
    listed = {(method, path.removeprefix(API)): set(operation["responses"])
              for path, operations in doc["paths"].items()
              for method, operation in operations.items()}
    assert listed == STATUSES
    for (method, path), statuses in STATUSES.items():
        responses = doc["paths"][API + path][method]["responses"]
        for status in statuses - {"200"}:
            expected = "ValidationErrorOut" if status == "422" else "ErrorOut"
            assert error_schema(responses[status]) == expected, (method, path, status)


@pytest.mark.parametrize(("method", "path", "name"), [
    ("get", "/search", "q"), ("get", "/ask", "q"), ("post", "/ask", "question"),
])
def test_the_question_s_constraints_are_in_the_schema(client: Any, method: str, path: str,
                                                      name: str) -> None:
    doc = openapi(client)
    operation = doc["paths"][API + path][method]
    if method == "get":
        field = next(p["schema"] for p in operation["parameters"] if p["name"] == name)
    else:
        field = doc["components"]["schemas"]["AskBody"]["properties"][name]
    assert field["type"] == "string"
    assert field["minLength"] == 1 and field["maxLength"] == MAX_QUESTION_CHARS == 2000
    assert field["pattern"] == NOT_BLANK


def test_the_pattern_refuses_exactly_what_the_validator_calls_whitespace() -> None:
    """str.split() (question_clean) and the pattern agree on every code point."""
    pattern = re.compile(NOT_BLANK)
    disagree = [hex(c) for c in range(0x110000)
                if (pattern.search(chr(c)) is None) != chr(c).isspace()]
    assert disagree == []


def test_the_json_body_statuses_are_documented_on_post_ask(client: Any) -> None:
    post = openapi(client)["paths"][f"{API}/ask"]["post"]
    assert post["requestBody"]["content"].keys() == {"application/json"}
    assert {"413", "415", "422"} <= set(post["responses"])


# --- what Django refuses, as JSON ------------------------------------------------------------

def post_ask(client: Any, body: str | bytes, content_type: str = "application/json") -> Any:
    return client.post(f"{API}/ask", body, content_type=content_type)


def assert_json_error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    assert isinstance(body["detail"], str) and body["detail"]
    return body


def test_a_body_over_the_upload_limit_is_a_json_413(client: Any, db: None) -> None:
    body = json.dumps({"question": "a" * 1_200_000})
    assert len(body) > conf.DATA_UPLOAD_MAX_MEMORY_SIZE
    got = assert_json_error(post_ask(client, body), 413)
    assert got == {"detail": "The request body is larger than 1,000,000 bytes, the most this "
                             "API accepts."}


def test_too_many_query_fields_are_a_json_400_not_a_500(client: Any, api_kb: Any) -> None:
    fields = "&".join(f"a{i}=x" for i in range(1500))
    for path in ("/search?q=x", "/ask?q=x", "/questions?page=1", "/suggest?q=x"):
        got = assert_json_error(client.get(f"{API}{path}&{fields}"), 400)
        assert got == {"detail": "Too many query parameters: at most 1,000 are accepted."}


@pytest.mark.parametrize(("body", "message"), [
    (b"not json", "The body is not JSON (Expecting value at line 1, column 1); send a JSON "
                  'object such as {"question": "What causes gout?"}.'),
    (b"question=hi", "The body is not JSON (Expecting value at line 1, column 1)"),
    (b'{"question": "gout"', "The body is not JSON (Expecting ',' delimiter"),
    (b'{"question": NaN}', "The body is not JSON (NaN is not a JSON value)"),
    (b'{"question": "caf\xe9"}', "The body is not UTF-8 text (byte 0xe9 at position 17)"),
    (b"", 'The body is empty; send a JSON object such as {"question": "What causes gout?"}.'),
    (b'["gout"]', 'The body must be a JSON object such as {"question": "What causes gout?"}, '
                  "not an array."),
    (b"42", "The body must be a JSON object such as {\"question\": \"What causes gout?\"}, "
            "not a number."),
    (b'"gout"', "The body must be a JSON object such as"),
    (b"null", "The body must be a JSON object such as"),
    (b"[" * 100_000, "The body is not JSON"),
])
def test_a_body_that_is_not_a_json_object_is_a_422_saying_so(
        client: Any, api_kb: Any, body: bytes, message: str) -> None:
    got = assert_json_error(post_ask(client, body), 422)
    assert got["detail"].startswith(message), got["detail"]
    assert got["errors"] == [{"location": "body", "field": "body", "message": got["detail"]}]


@pytest.mark.parametrize(("body", "field"), [
    ({"question": "gout", "k": "5"}, "k"),
    ({"question": "gout", "k": True}, "k"),
    ({"question": "gout", "has_answer": 0}, "has_answer"),
    ({"question": "gout", "category": 5}, "category"),
])
def test_body_values_must_have_their_json_types(client: Any, api_kb: Any, body: Any,
                                                field: str) -> None:
    got = assert_json_error(post_ask(client, json.dumps(body)), 422)
    assert got["detail"].startswith(f"Invalid body parameter '{field}'"), got["detail"]


def test_an_integral_number_is_an_integer_as_json_schema_says(client: Any, api_kb: Any
                                                              ) -> None:
    response = post_ask(client, json.dumps({"question": "gout", "k": 2.0}))
    assert response.status_code == 200 and len(response.json()["hits"]) == 2


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded",
                                          "application/xml"])
def test_a_body_that_is_not_sent_as_json_is_a_415(client: Any, api_kb: Any,
                                                  content_type: str) -> None:
    got = assert_json_error(post_ask(client, '{"question": "gout"}', content_type), 415)
    assert got["detail"] == (f"POST {API}/ask takes a JSON body: send it with Content-Type: "
                             f"application/json, not {content_type}.")


@pytest.mark.parametrize("content_type", ["application/json; charset=utf-8",
                                          "application/vnd.api+json", "APPLICATION/JSON"])
def test_json_media_types_are_taken(client: Any, api_kb: Any, content_type: str) -> None:
    assert post_ask(client, '{"question": "gout"}', content_type).status_code == 200


@pytest.mark.parametrize(("method", "url", "message"), [
    ("get", f"{API}/search?q=%20%20%20", "Invalid query parameter 'q': Type your search first"),
    ("get", f"{API}/ask?q=%E2%80%83%0A%09", "Invalid query parameter 'q': Type your question"),
    ("get", f"{API}/search?q={'a' * 2001}", "Invalid query parameter 'q': Your search is 2,001"),
    ("get", f"{API}/ask?q={'a' * 2001}", "Invalid query parameter 'q': Your question is 2,001"),
    ("post", json.dumps({"question": "   "}), "Invalid body parameter 'question': Type your"),
    ("post", json.dumps({"question": "a" * 2001}),
     "Invalid body parameter 'question': Your question is 2,001 characters long"),
])
def test_blank_or_over_long_text_is_a_422_with_the_friendly_message(
        client: Any, api_kb: Any, method: str, url: str, message: str) -> None:
    response = client.get(url) if method == "get" else post_ask(client, url)
    got = assert_json_error(response, 422)
    assert got["detail"].startswith(message), got["detail"]


def test_text_at_the_limit_is_taken(client: Any, api_kb: Any) -> None:
    text = "gout " * (MAX_QUESTION_CHARS // 5)
    assert len(text) == MAX_QUESTION_CHARS
    assert client.get(f"{API}/search?q={text.replace(' ', '+')}").status_code == 200
    assert post_ask(client, json.dumps({"question": text})).status_code == 200


@pytest.mark.parametrize(("method", "path", "allow"), [
    ("options", "/ask", "GET, POST"), ("head", "/ask", "GET, POST"),
    ("options", "/questions", "GET"), ("head", "/sources", "GET"),
    ("trace", "/categories", "GET"), ("query", "/search", "GET"),
])
def test_other_methods_are_a_json_405_with_the_allowed_ones(
        client: Any, method: str, path: str, allow: str) -> None:
    response = client.generic(method.upper(), f"{API}{path}")
    assert response.status_code == 405
    assert response["Allow"] == allow
    assert response["Content-Type"].startswith("application/json")
    if method != "head":
        assert response.json() == {
            "detail": f"{method.upper()} is not allowed on {API}{path}; use {allow}"}
