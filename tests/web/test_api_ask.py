"""The JSON API of search, ask and suggest: status codes, shapes and clear 422 messages."""

from __future__ import annotations

import json
from typing import Any

import pytest

from healthqa.ask.triage import GUIDANCE
from healthqa.kb.models import Question
from tests.kb.conftest import KB

pytestmark = pytest.mark.django_db

API = "/api/v1"
ITEM_FIELDS = {"slug", "external_id", "title", "focus", "question_type", "category",
               "has_answer", "excerpt", "url", "source"}


def get_json(client: Any, url: str, status: int = 200) -> Any:
    response = client.get(url)
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    return response.json()


def post_json(client: Any, url: str, body: Any, status: int = 200) -> Any:
    response = client.post(url, json.dumps(body), content_type="application/json")
    assert response.status_code == status, response.content
    return response.json()


# --- search --------------------------------------------------------------------------------

def test_search_returns_ranked_items_with_snippets_as_text_offsets_and_html(
        client: Any, kb: KB) -> None:
    page = get_json(client, f"{API}/search?q=womb+gravity")
    assert page["query"] == "womb gravity"
    assert page["count"] >= 1 and page["page"] == 1 and page["capped"] is False
    first = page["items"][0]
    assert first["slug"] == kb.back_pain.slug
    assert set(first) == ITEM_FIELDS | {"score", "match", "confidence", "snippet", "highlights",
                                        "snippet_html"}
    marked = [first["snippet"][a:b].lower() for a, b in first["highlights"]]
    assert "womb" in marked and "gravity" in marked
    assert "<mark>womb</mark>" in first["snippet_html"]
    scores = [item["score"] for item in page["items"]]
    assert scores == sorted(scores, reverse=True)


def test_search_ranks_exactly_as_ask_does(client: Any, kb: KB) -> None:
    searched = get_json(client, f"{API}/search?q=back+pain+in+pregnancy")["items"]
    asked = get_json(client, f"{API}/ask?q=back+pain+in+pregnancy&k=2")["hits"]
    assert [i["slug"] for i in searched[:2]] == [h["question"]["slug"] for h in asked]


def test_search_pages_and_filters(client: Any, kb: KB) -> None:
    everything = get_json(client, f"{API}/search?q=pregnancy&page_size=2")
    assert everything["pages"] > 1 and len(everything["items"]) == 2
    assert everything["next"] == f"{API}/search?q=pregnancy&page_size=2&page=2"
    second = get_json(client, everything["next"])
    assert {i["slug"] for i in second["items"]}.isdisjoint(
        {i["slug"] for i in everything["items"]})
    answered = get_json(client, f"{API}/search?q=placenta+pregnancy&has_answer=true")
    assert kb.placenta_previa.slug not in {i["slug"] for i in answered["items"]}
    at_source = get_json(client, f"{API}/search?q=placenta+pregnancy&has_answer=false")
    assert [i["slug"] for i in at_source["items"]] == [kb.placenta_previa.slug]
    heart = get_json(client, f"{API}/search?q=pain&category=heart-and-blood")
    assert [i["slug"] for i in heart["items"]] == [kb.chest_pain.slug]
    gard = get_json(client, f"{API}/search?q=pain+pregnancy&source=GARD")
    assert {i["source"] for i in gard["items"]} == {"GARD"}


def test_nonsense_searches_find_nothing_rather_than_everything(client: Any, kb: KB) -> None:
    page = get_json(client, f"{API}/search?q=asdf+qwer")
    assert page["count"] == 0 and page["items"] == [] and page["pages"] == 1


@pytest.mark.parametrize(("url", "message"), [
    (f"{API}/search", "Invalid query parameter 'q': Field required"),
    (f"{API}/search?q=+++", "Invalid query parameter 'q': Type your search first"),
    (f"{API}/search?q={'a' * 2001}", "Invalid query parameter 'q': Your search is 2,001 "
                                      "characters long. Please shorten it to 2,000"),
    (f"{API}/search?q=pain&page=0", "Invalid query parameter 'page'"),
    (f"{API}/search?q=pain&page_size=1000", "Invalid query parameter 'page_size'"),
    (f"{API}/search?q=pain&has_answer=maybe", "Invalid query parameter 'has_answer'"),
])
def test_bad_search_parameters_are_422_naming_the_field(
        client: Any, kb: KB, url: str, message: str) -> None:
    body = get_json(client, url, status=422)
    assert body["detail"].startswith(message), body["detail"]


def test_unknown_filters_and_pages_are_404_saying_what_is_missing(client: Any, kb: KB) -> None:
    assert get_json(client, f"{API}/search?q=pain&category=nope", 404)["detail"] == (
        "No category with slug 'nope'")
    assert get_json(client, f"{API}/search?q=pain&source=nope", 404)["detail"] == (
        "No source with key 'nope'")
    assert "last page is" in get_json(client, f"{API}/search?q=pain&page=99", 404)["detail"]


# --- ask -----------------------------------------------------------------------------------

def test_ask_returns_hits_with_answers_sources_confidence_and_triage(client: Any, kb: KB) -> None:
    body = get_json(client, f"{API}/ask?q=why+do+I+have+back+pain,+three+months+pregnant&k=3")
    assert set(body) == {"question", "confidence", "low_confidence", "message", "urgent",
                         "send_to_experts", "disclaimer", "hits"}
    assert body["question"] == "why do I have back pain, three months pregnant"
    assert len(body["hits"]) == 3
    hit = body["hits"][0]
    assert hit["question"]["slug"] == kb.back_pain.slug
    assert set(hit) == {"question", "score", "match", "confidence", "confidence_label",
                        "answer_at_source", "source_url", "source", "answers", "also_from"}
    assert hit["source"]["license_name"] == "CC BY 4.0"
    assert [a["author"]["name"] for a in hit["answers"]] == ["Dr. Ana Demo", "Sam Demo",
                                                             "Lee Demo"]
    assert hit["answers"][0]["author"]["credentials"] == "MD, obstetrics (demo expert)"
    assert body["confidence"] == hit["confidence"] and body["low_confidence"] is False
    assert body["urgent"] == {"urgent": False, "headline": "", "reasons": [], "guidance": []}
    experts = body["send_to_experts"]
    assert experts["available"] is True
    assert experts["url"].startswith("/ask/send/?q=")
    assert experts["api"] in client.get("/api/v1/openapi.json").json()["paths"]


def test_ask_by_post_takes_a_json_body_and_answers_the_same(client: Any, kb: KB) -> None:
    got = get_json(client, f"{API}/ask?q=morning+sickness&k=2")
    posted = post_json(client, f"{API}/ask", {"question": "morning sickness", "k": 2})
    assert posted == got


def test_an_answer_at_the_source_comes_with_its_link(client: Any, kb: KB) -> None:
    body = get_json(client, f"{API}/ask?q=treatments+for+placenta+previa&k=1")
    hit = body["hits"][0]
    assert hit["question"]["slug"] == kb.placenta_previa.slug
    assert hit["answer_at_source"] is True and hit["answers"] == []
    assert hit["source_url"] == kb.placenta_previa.source_url


def test_nonsense_is_low_confidence_with_the_plain_message(client: Any, kb: KB) -> None:
    body = get_json(client, f"{API}/ask?q=asdf+qwer")
    assert body["low_confidence"] is True and body["confidence"] == "low"
    assert body["message"] == "We couldn't find an answered question that covers this well."


def test_an_emergency_comes_back_with_fixed_urgent_guidance(client: Any, kb: KB) -> None:
    body = post_json(client, f"{API}/ask", {"question": "I want to kill myself"})
    assert body["urgent"]["urgent"] is True
    assert body["urgent"]["reasons"] == ["thoughts of suicide or self-harm"]
    assert body["urgent"]["guidance"][0] == GUIDANCE["crisis"]


@pytest.mark.parametrize(("method", "url", "body", "message"), [
    ("get", f"{API}/ask", None, "Invalid query parameter 'q': Field required"),
    ("get", f"{API}/ask?q=%20%20", None, "Invalid query parameter 'q': Type your question"),
    ("get", f"{API}/ask?q={'a' * 2001}", None, "Invalid query parameter 'q': Your question is "
                                                "2,001 characters long"),
    ("get", f"{API}/ask?q=pain&k=0", None, "Invalid query parameter 'k'"),
    ("get", f"{API}/ask?q=pain&k=51", None, "Invalid query parameter 'k'"),
    ("post", f"{API}/ask", {}, "Invalid body parameter 'question': Field required"),
    ("post", f"{API}/ask", {"question": ""}, "Invalid body parameter 'question': Type your"),
    ("post", f"{API}/ask", {"question": "x" * 10_000},
     "Invalid body parameter 'question': Your question is 10,000 characters long"),
    ("post", f"{API}/ask", {"question": 42}, "Invalid body parameter 'question'"),
])
def test_bad_ask_input_is_422_naming_the_field(
        client: Any, kb: KB, method: str, url: str, body: Any, message: str) -> None:
    if method == "get":
        got = get_json(client, url, status=422)
    else:
        got = post_json(client, url, body, status=422)
    assert got["detail"].startswith(message), got["detail"]
    assert got["errors"][0]["field"] in {"q", "k", "question"}


def test_a_body_that_is_not_json_is_a_clear_error(client: Any, kb: KB) -> None:
    response = client.post(f"{API}/ask", "question=hi", content_type="application/json")
    assert response.status_code in {400, 422}
    assert response["Content-Type"].startswith("application/json")


def test_hostile_questions_are_answered_as_data(client: Any, kb: KB) -> None:
    for text in ["<script>alert(1)</script>", '"foo" OR NEAR(', "title: * ^ {body}"]:
        body = post_json(client, f"{API}/ask", {"question": text})
        assert body["question"] == text
    assert Question.objects.count() == 10


def test_other_methods_on_ask_are_405_naming_the_allowed_ones(client: Any, kb: KB) -> None:
    response = client.put(f"{API}/ask")
    assert response.status_code == 405 and response["Allow"] == "GET, POST"
    for url in (f"{API}/search", f"{API}/suggest"):
        assert client.post(url).status_code == 405


# --- suggest -------------------------------------------------------------------------------

def test_suggest_api_contract(client: Any, kb: KB) -> None:
    body = get_json(client, f"{API}/suggest?q=back+pa")
    assert {i["title"] for i in body["items"]} == {kb.back_pain.title, kb.sleep_back_pain.title}
    for item in body["items"]:
        assert set(item) == {"title", "slug", "url"}
        assert item["url"] == f"/q/{item['slug']}/"
    assert get_json(client, f"{API}/suggest?q=")["items"] == []
    assert get_json(client, f"{API}/suggest")["items"] == []
    assert len(get_json(client, f"{API}/suggest?q=pregnan&limit=1")["items"]) == 1
    too_long = get_json(client, f"{API}/suggest?q={'a' * 501}", status=422)
    assert too_long["detail"].startswith("Invalid query parameter 'q'")
    assert get_json(client, f"{API}/suggest?q=%22foo%22+OR+NEAR(")["items"] == []


def test_the_new_endpoints_are_in_the_openapi_description(client: Any) -> None:
    schema = get_json(client, f"{API}/openapi.json")
    assert {"/api/v1/search", "/api/v1/ask", "/api/v1/suggest"} <= set(schema["paths"])
    assert set(schema["paths"]["/api/v1/ask"]) == {"get", "post"}
