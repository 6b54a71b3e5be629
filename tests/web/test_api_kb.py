"""The JSON API contract: status codes, fields, filters, paging, errors, OpenAPI and docs."""

# The fixtures are imported from tests/web/api_fixtures.py (tests/web/conftest.py belongs to the
# page tests); pytest injects them by argument name, which pyflakes reads as a redefinition.
# ruff: noqa: F811

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.conf import settings as conf
from django.db import connection
from django.test.utils import CaptureQueriesContext

from healthqa.kb import selectors
from healthqa.kb.models import Answer, Question
from healthqa.kb.records import AnswerRecord, AuthorRecord, QuestionRecord
from healthqa.kb.services import questions_import
from healthqa.search import selectors as search_selectors
from tests.web.api_fixtures import (  # noqa: F401 (fixtures are used by name)
    api_kb,
    fresh_category_tree,
    make_questions,
    slug_of,
)

pytestmark = pytest.mark.django_db

API = "/api/v1"
ITEM_FIELDS = {
    "slug": str, "external_id": str, "title": str, "focus": str, "question_type": str,
    "category": dict, "has_answer": bool, "excerpt": str, "url": str, "source": (str, type(None)),
}


def get_json(client: Any, url: str, status: int = 200) -> Any:
    response = client.get(url)
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    return response.json()


def external_ids(page: dict[str, Any]) -> set[str]:
    return {item["external_id"] for item in page["items"]}


# --- the question list -------------------------------------------------------------------


def test_question_list_shows_published_questions_with_typed_fields(client, api_kb):
    page = get_json(client, f"{API}/questions")
    assert page["count"] == 5  # the draft is not listed
    assert "api/gout-draft" not in external_ids(page)
    for item in page["items"]:
        assert set(item) == set(ITEM_FIELDS)
        for name, kind in ITEM_FIELDS.items():
            assert isinstance(item[name], kind), (name, item[name])
        assert set(item["category"]) == {"slug", "name", "url"}
    gout = next(i for i in page["items"] if i["external_id"] == "api/gout-info")
    assert gout["url"] == f"/q/{slug_of('api/gout-info')}/"
    assert gout["category"] == {"slug": "joints", "name": "Joints", "url": "/c/joints/"}
    assert gout["source"] == "GARD"
    assert gout["excerpt"] == "Gout is a painful form of arthritis."


def test_question_list_is_ordered_by_title(client, api_kb):
    titles = [i["title"] for i in get_json(client, f"{API}/questions")["items"]]
    assert titles == sorted(titles)


def test_a_question_without_source_lists_source_as_null(client, api_kb):
    page = get_json(client, f"{API}/questions?external_id=api/pregnancy-back-pain")
    assert page["items"][0]["source"] is None


@pytest.mark.parametrize(
    ("category", "expected"),
    [
        ("joints", {"api/gout-info", "api/gout-causes", "api/arthritis-symptoms"}),
        # a parent category includes the questions of its subcategories
        ("conditions", {"api/gout-info", "api/gout-causes", "api/arthritis-symptoms",
                        "api/asthma-info"}),
        ("pregnancy-and-womens-health", {"api/pregnancy-back-pain"}),
    ],
)
def test_category_filter_includes_subcategories(client, api_kb, category, expected):
    page = get_json(client, f"{API}/questions?category={category}")
    assert external_ids(page) == expected
    assert page["count"] == len(expected)


def test_focus_filter_is_exact_and_ignores_case(client, api_kb):
    assert external_ids(get_json(client, f"{API}/questions?focus=GOUT")) == {
        "api/gout-info", "api/gout-causes"}
    assert get_json(client, f"{API}/questions?focus=gou")["count"] == 0


def test_source_filter_narrows_to_one_source(client, api_kb):
    assert external_ids(get_json(client, f"{API}/questions?source=MPlus")) == {"api/asthma-info"}
    assert get_json(client, f"{API}/questions?source=GARD")["count"] == 3


def test_has_answer_false_finds_the_question_answered_at_its_source(client, api_kb):
    assert external_ids(get_json(client, f"{API}/questions?has_answer=false")) == {
        "api/asthma-info"}
    answered = get_json(client, f"{API}/questions?has_answer=true")
    assert answered["count"] == 4
    assert all(item["has_answer"] for item in answered["items"])


def test_external_id_filter_finds_exactly_one_question(client, api_kb):
    page = get_json(client, f"{API}/questions?external_id=api/gout-causes")
    assert [i["title"] for i in page["items"]] == ["What causes gout?"]
    assert get_json(client, f"{API}/questions?external_id=api/gout")["count"] == 0


def test_filters_combine(client, api_kb):
    page = get_json(client, f"{API}/questions?category=conditions&source=GARD&focus=arthritis")
    assert external_ids(page) == {"api/arthritis-symptoms"}


def test_unknown_category_is_a_json_404_naming_it(client, api_kb):
    body = get_json(client, f"{API}/questions?category=no-such-thing", status=404)
    assert body == {"detail": "No category with slug 'no-such-thing'"}


def test_unknown_source_is_a_json_404_naming_it(client, api_kb):
    body = get_json(client, f"{API}/questions?source=NOPE", status=404)
    assert body == {"detail": "No source with key 'NOPE'"}


# --- paging ------------------------------------------------------------------------------


def test_paging_counts_pages_and_links_next_and_previous(client, make_questions):
    make_questions(7)
    first = get_json(client, f"{API}/questions?page_size=3")
    assert (first["count"], first["page"], first["page_size"], first["pages"]) == (7, 1, 3, 3)
    assert first["previous"] is None
    assert first["next"] == f"{API}/questions?page_size=3&page=2"
    second = get_json(client, first["next"])
    assert second["page"] == 2
    assert second["previous"] == f"{API}/questions?page_size=3&page=1"
    last = get_json(client, second["next"])
    assert (last["page"], last["next"], len(last["items"])) == (3, None, 1)
    titles = [i["title"] for p in (first, second, last) for i in p["items"]]
    assert titles == [f"Question {i:03d}" for i in range(1, 8)]


def test_paging_links_keep_the_filters(client, make_questions):
    make_questions(4)
    make_questions(2, category=("Elsewhere",), prefix="other")
    page = get_json(client, f"{API}/questions?category=paging&page_size=2&has_answer=true")
    assert page["count"] == 4
    assert page["next"] == f"{API}/questions?category=paging&page_size=2&has_answer=true&page=2"
    assert external_ids(get_json(client, page["next"])) == {"api/page-003", "api/page-004"}


def test_page_size_defaults_to_the_site_page_size(client, make_questions):
    make_questions(conf.PAGE_SIZE + 1)
    page = get_json(client, f"{API}/questions")
    assert page["page_size"] == conf.PAGE_SIZE
    assert len(page["items"]) == conf.PAGE_SIZE
    assert page["pages"] == 2


def test_page_size_may_be_the_maximum(client, make_questions):
    make_questions(3)
    page = get_json(client, f"{API}/questions?page_size={conf.API_MAX_PAGE_SIZE}")
    assert page["page_size"] == conf.API_MAX_PAGE_SIZE
    assert page["pages"] == 1


def test_no_match_is_one_empty_page(client, api_kb):
    page = get_json(client, f"{API}/questions?focus=nothing-like-this")
    assert (page["count"], page["pages"], page["items"], page["next"]) == (0, 1, [], None)


def test_a_page_past_the_last_is_a_json_404(client, make_questions):
    make_questions(3)
    body = get_json(client, f"{API}/questions?page_size=2&page=3", status=404)
    assert body == {"detail": "Page 3 does not exist; the last page is 2"}


# --- validation errors -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        (f"page_size={conf.API_MAX_PAGE_SIZE + 1}", "page_size",
         f"less than or equal to {conf.API_MAX_PAGE_SIZE}"),
        ("page_size=0", "page_size", "greater than or equal to 1"),
        ("page=0", "page", "greater than or equal to 1"),
        ("page=two", "page", "valid integer"),
        ("has_answer=maybe", "has_answer", "valid boolean"),
    ],
)
def test_invalid_parameters_are_a_422_naming_the_field(client, api_kb, query, field, message):
    body = get_json(client, f"{API}/questions?{query}", status=422)
    assert body["detail"].startswith(f"Invalid query parameter '{field}': ")
    assert message in body["detail"]
    assert body["errors"] == [
        {"location": "query", "field": field, "message": body["errors"][0]["message"]}
    ]


def test_every_invalid_parameter_is_reported_at_once(client, api_kb):
    body = get_json(client, f"{API}/questions?page=0&page_size=100000", status=422)
    assert [e["field"] for e in body["errors"]] == ["page", "page_size"]
    assert "'page'" in body["detail"] and "'page_size'" in body["detail"]


# --- one question ------------------------------------------------------------------------


DETAIL_FIELDS = {
    "slug", "external_id", "title", "body", "focus", "question_type", "category", "tags", "url",
    "has_answer", "answer_at_source", "source", "source_url", "is_demo", "created_at",
    "published_at", "updated_at", "last_reviewed_at", "answers",
}


def test_question_detail_has_its_fields_and_ordered_answers(client, api_kb):
    slug = slug_of("api/gout-info")
    q = get_json(client, f"{API}/questions/{slug}")
    assert set(q) == DETAIL_FIELDS
    assert (q["slug"], q["external_id"], q["title"]) == (slug, "api/gout-info", "What is gout?")
    assert q["body"] == "What is gout and who gets it?"
    assert (q["focus"], q["question_type"], q["url"]) == ("Gout", "information", f"/q/{slug}/")
    assert q["tags"] == ["gout", "joints"]
    assert (q["has_answer"], q["answer_at_source"], q["is_demo"]) == (True, False, False)
    assert q["source"] == {
        "key": "GARD",
        "name": "Genetic and Rare Diseases Information Center",
        "url": "https://rarediseases.info.nih.gov/",
        "license_name": "CC BY 4.0",
        "license_url": "https://creativecommons.org/licenses/by/4.0/",
    }
    assert q["source_url"] == "https://rarediseases.info.nih.gov/diseases/gout"
    assert [a["position"] for a in q["answers"]] == [1, 2]
    first, second = q["answers"]
    assert set(first) == {"id", "position", "body_html", "body_text", "author", "source",
                          "reviewed_by", "reviewed_on", "next_review_on", "agree_count",
                          "helpful_count"}
    assert first["author"] == {"name": "Dr. Ana Demo",
                               "credentials": "MD, rheumatology (demo expert)"}
    assert first["source"] is None
    assert first["body_html"] == "<p>Gout is a <strong>painful</strong> form of arthritis.</p>"
    assert first["body_text"] == "Gout is a painful form of arthritis."
    assert second["author"] is None
    assert second["source"]["key"] == "GARD"


def test_question_detail_dates_are_iso_formatted(client, api_kb):
    q = get_json(client, f"{API}/questions/{slug_of('api/gout-info')}")
    stored = Question.objects.get(external_id="api/gout-info")
    # Django's JSON encoder writes times to the millisecond (as ECMAScript does)
    for name in ("created_at", "updated_at", "published_at"):
        sent = datetime.fromisoformat(q[name])
        assert sent.tzinfo is not None
        assert abs(sent - getattr(stored, name)) < timedelta(milliseconds=1), name
    assert date.fromisoformat(q["last_reviewed_at"]) == date(2025, 3, 1)


def test_question_detail_carries_the_category_breadcrumb(client, api_kb):
    q = get_json(client, f"{API}/questions/{slug_of('api/pregnancy-back-pain')}")
    assert q["category"]["slug"] == "pregnancy"
    assert [c["slug"] for c in q["category"]["path"]] == ["pregnancy-and-womens-health",
                                                         "pregnancy"]
    assert q["category"]["path"][0]["url"] == "/c/pregnancy-and-womens-health/"


def test_demo_content_is_marked_as_demo(client, api_kb):
    q = get_json(client, f"{API}/questions/{slug_of('api/pregnancy-back-pain')}")
    assert q["is_demo"] is True
    assert q["source"] is None and q["last_reviewed_at"] is None
    assert [a["author"]["name"] for a in q["answers"]] == ["Sam Demo", "Dr. Ana Demo"]


def test_a_question_without_stored_answer_is_answered_at_its_source(client, api_kb):
    q = get_json(client, f"{API}/questions/{slug_of('api/asthma-info')}")
    assert (q["has_answer"], q["answer_at_source"], q["answers"]) == (False, True, [])
    assert q["source_url"] == "https://medlineplus.gov/asthma.html"
    assert q["source"]["license_name"] == "CC BY 4.0"


def test_answer_html_is_the_sanitised_html_as_stored(client, db):
    questions_import(
        records=[
            QuestionRecord(
                external_id="api/unsafe",
                title="Is this answer safe to show?",
                category_path=("Tests",),
                answers=(
                    AnswerRecord(
                        body="<script>alert(1)</script>**Yes**, [see](javascript:alert(2)).",
                        author=AuthorRecord(name="Someone"),
                    ),
                ),
            )
        ],
        comment="unsafe answer",
    )
    q = get_json(client, f"{API}/questions/{slug_of('api/unsafe')}")
    html = q["answers"][0]["body_html"]
    assert html == Answer.objects.get(question__external_id="api/unsafe").body_html
    assert "<strong>Yes</strong>" in html
    assert "<script" not in html and "javascript:" not in html
    assert q["answers"][0]["author"] == {"name": "Someone", "credentials": ""}


def test_unknown_question_is_a_json_404_naming_the_slug(client, api_kb):
    body = get_json(client, f"{API}/questions/x", status=404)
    assert body == {"detail": "No published question with slug 'x'"}


def test_a_draft_question_is_not_found(client, api_kb):
    slug = slug_of("api/gout-draft")
    body = get_json(client, f"{API}/questions/{slug}", status=404)
    assert body == {"detail": f"No published question with slug '{slug}'"}


# --- related questions -------------------------------------------------------------------


def test_related_questions_are_the_selector_s_with_their_excerpts(client, api_kb):
    question = Question.objects.get(external_id="api/gout-info")
    body = get_json(client, f"{API}/questions/{question.slug}/related")
    expected = search_selectors.question_related(question=question)
    assert body["slug"] == question.slug
    assert [i["slug"] for i in body["items"]] == [r.slug for r in expected]
    slugs = {i["slug"] for i in body["items"]}
    assert question.slug not in slugs and slug_of("api/gout-draft") not in slugs
    causes = next(i for i in body["items"] if i["slug"] == slug_of("api/gout-causes"))
    assert causes == {
        "slug": slug_of("api/gout-causes"),
        "title": "What causes gout?",
        "url": f"/q/{slug_of('api/gout-causes')}/",
        "focus": "gout",
        "excerpt": "Too much uric acid in the blood.",
    }


def test_related_questions_of_an_unknown_question_is_a_json_404(client, api_kb):
    assert get_json(client, f"{API}/questions/nope/related", status=404) == {
        "detail": "No published question with slug 'nope'"}


# --- categories and sources --------------------------------------------------------------


def test_categories_are_a_nested_tree_with_counts(client, api_kb):
    tree = get_json(client, f"{API}/categories")["items"]
    assert [c["slug"] for c in tree] == ["conditions", "pregnancy-and-womens-health"]
    conditions = tree[0]
    assert (conditions["question_count"], conditions["total_count"]) == (1, 4)
    assert conditions["url"] == "/c/conditions/"
    [joints] = conditions["children"]
    assert (joints["slug"], joints["name"]) == ("joints", "Joints")
    # the draft in Joints is not counted
    assert (joints["question_count"], joints["total_count"], joints["children"]) == (3, 3, [])


def test_sources_list_their_licences_and_published_questions(client, api_kb):
    items = get_json(client, f"{API}/sources")["items"]
    assert [(s["key"], s["question_count"]) for s in items] == [("GARD", 3), ("MPlus", 1)]
    assert items[1] == {
        "key": "MPlus",
        "name": "MedlinePlus",
        "url": "https://medlineplus.gov/",
        "license_name": "CC BY 4.0",
        "license_url": "https://creativecommons.org/licenses/by/4.0/",
        "question_count": 1,
    }


# --- errors anywhere under /api/v1/ ------------------------------------------------------


@pytest.mark.parametrize("path", ["/nope", "/questions/", "/questions/a/b/c"])
def test_unknown_api_paths_are_a_json_404(client, path):
    body = get_json(client, f"{API}{path}", status=404)
    assert body["detail"] == (
        f"No API endpoint at {API}{path}; the endpoints are listed at {API}/docs")


@pytest.mark.parametrize(
    ("method", "path"),
    [("post", "/questions"), ("delete", "/questions/x"), ("put", "/questions/x/related"),
     ("patch", "/categories"), ("post", "/sources")],
)
def test_writing_is_a_json_405(client, method, path):
    response = getattr(client, method)(f"{API}{path}")
    assert response.status_code == 405
    assert response["Allow"] == "GET"
    assert response.json() == {
        "detail": f"{method.upper()} is not allowed on {API}{path}; "
                  "the knowledge base is read-only here"}


def test_the_api_root_points_to_the_docs(client):
    assert get_json(client, f"{API}/") == {"name": "healthqa API", "version": "1",
                                          "docs": f"{API}/docs", "openapi": f"{API}/openapi.json"}


@pytest.mark.parametrize("debug", [False, True])
def test_an_unexpected_error_is_a_json_500_without_traceback(client, monkeypatch, settings,
                                                             debug):
    settings.DEBUG = debug

    def broken() -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(selectors, "category_tree", broken)
    response = client.get(f"{API}/categories")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"detail": "Internal server error; it has been logged."}
    assert b"secret" not in response.content and b"Traceback" not in response.content


# --- OpenAPI and the docs page -----------------------------------------------------------


def test_openapi_document_lists_every_endpoint_with_components(client):
    doc = get_json(client, f"{API}/openapi.json")
    assert doc["openapi"].startswith("3.")
    assert doc["info"]["title"] == "healthqa API"
    # The community operations (tests/web/test_api_community.py) need a token.
    public = {path: operations for path, operations in doc["paths"].items()
              if not any(op.get("security") for op in operations.values())}
    assert set(public) == {
        f"{API}/questions",
        f"{API}/questions/{{slug}}",
        f"{API}/questions/{{slug}}/related",
        f"{API}/categories",
        f"{API}/sources",
        f"{API}/search",
        f"{API}/ask",
        f"{API}/suggest",
    }
    for path, operations in public.items():
        assert set(operations) == ({"get", "post"} if path == f"{API}/ask" else {"get"}), path
        assert "200" in operations["get"]["responses"], path
    schemas = doc["components"]["schemas"]
    for name in ("QuestionPageOut", "QuestionItemOut", "QuestionDetailOut", "AnswerOut",
                 "RelatedOut", "CategoryNodeOut", "SourceListOut", "ErrorOut"):
        assert name in schemas, name
    list_params = {p["name"] for p in doc["paths"][f"{API}/questions"]["get"]["parameters"]}
    assert list_params == {"category", "focus", "source", "has_answer", "external_id", "page",
                           "page_size"}
    # the JSON round-trips: nothing in it that json cannot represent
    assert json.loads(json.dumps(doc)) == doc


def test_docs_page_loads_nothing_from_third_parties(client):
    response = client.get(f"{API}/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert re.findall(r"https?://|(?<![:\w])//\w", html) == []
    references = re.findall(r'(?:src|href)="([^"]*)"', html)
    assert references, "the docs page should load Swagger UI"
    assert all(ref.startswith("/static/") for ref in references), references
    # Swagger UI posts the schema to validator.swagger.io unless told not to
    assert '"validatorUrl": null' in html


def test_docs_page_assets_are_served_by_the_site(client):
    html = client.get(f"{API}/docs").content.decode()
    for ref in re.findall(r'src="([^"]*)"', html):
        assert client.get(ref).status_code == 200, ref


# --- query counts ------------------------------------------------------------------------


def count_queries(client: Any, url: str) -> int:
    selectors.category_tree_clear()  # measure the cold case: the tree cache is empty
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_question_list_costs_the_same_few_queries_whatever_the_page_size(
    client, make_questions, django_assert_max_num_queries
):
    make_questions(30)
    filters = "category=paging&source=GARD&has_answer=true"
    small = count_queries(client, f"{API}/questions?{filters}&page_size=2")
    large = count_queries(client, f"{API}/questions?{filters}&page_size=30")
    assert small == large
    selectors.category_tree_clear()
    # category + source lookups, the content generation and the category tree (2) built at
    # it, count, page
    with django_assert_max_num_queries(7):
        client.get(f"{API}/questions?{filters}&page_size=30")


def test_question_detail_costs_the_same_few_queries_whatever_the_answers(
    client, make_questions, django_assert_max_num_queries
):
    make_questions(1, prefix="one", answers=1)
    make_questions(1, prefix="many", answers=12)
    one, many = slug_of("api/one-001"), slug_of("api/many-001")
    assert count_queries(client, f"{API}/questions/{one}") == count_queries(
        client, f"{API}/questions/{many}")
    selectors.category_tree_clear()
    # question, answers, tags, the content generation and the category tree (2) built at it
    with django_assert_max_num_queries(6):
        client.get(f"{API}/questions/{many}")
