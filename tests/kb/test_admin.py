"""Editors work in the admin: their edits are sanitised, derived fields kept, revisions kept."""

from __future__ import annotations

from typing import Any

import pytest
from reversion.models import Version

from healthqa.kb.models import Answer, Author, Category, Question, Source
from tests.kb.conftest import KB

pytestmark = pytest.mark.django_db

HOSTILE = "Drink water.<script>alert(1)</script><img src=x onerror=alert(2)> **Rest** well."


def question_form(question: Question | None, *, category: Category, answers: list[dict[str, Any]],
                  initial_answers: int = 0, **fields: Any) -> dict[str, Any]:
    """The POST data of the question change form, with its answers inline."""
    data: dict[str, Any] = {
        "title": question.title if question else "Can I drink coffee when pregnant?",
        "slug": question.slug if question else "can-i-drink-coffee-when-pregnant",
        "body": question.body if question else "Is one cup a day safe?",
        "category": category.pk,
        "status": "published",
        "last_reviewed_at": "2025-05-01",
        "focus": "Caffeine in pregnancy",
        "focus_synonyms": "[]",
        "question_type": "information",
        "external_id": question.external_id if question else "local/coffee",
        "source": "",
        "source_url": "",
        "answers-TOTAL_FORMS": str(len(answers)),
        "answers-INITIAL_FORMS": str(initial_answers),
        "answers-MIN_NUM_FORMS": "0",
        "answers-MAX_NUM_FORMS": "1000",
        **fields,
    }
    for i, answer in enumerate(answers):
        for name, value in answer.items():
            data[f"answers-{i}-{name}"] = value
    return data


def test_a_question_written_in_the_admin_is_sanitised_excerpted_and_versioned(
        admin_client: Any, client: Any, kb: KB) -> None:
    author = Author.objects.get(display_name="Dr. Ana Demo")
    data = question_form(None, category=kb.back_pain.category, answers=[
        {"position": "1", "body": HOSTILE, "body_format": "markdown", "author": author.pk},
    ])
    response = admin_client.post("/admin/kb/question/add/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    question = Question.objects.get(external_id="local/coffee")
    answer = question.answers.get()
    assert "<script" not in answer.body_html and "onerror" not in answer.body_html
    assert "<strong>Rest</strong>" in answer.body_html
    assert question.has_answer and question.excerpt.startswith("Drink water.")
    assert "alert" not in question.excerpt
    assert Version.objects.get_for_object(question).count() == 1
    assert Version.objects.get_for_object(answer).count() == 1
    page = client.get(question.get_absolute_url()).content.decode()
    assert "<strong>Rest</strong> well." in page and "<script>alert" not in page


def test_editing_an_answer_in_the_admin_updates_the_page_and_keeps_the_history(
        admin_client: Any, client: Any, kb: KB) -> None:
    question = kb.exercise
    answer = question.answers.get()
    before = Version.objects.get_for_object(question).count()
    data = question_form(question, category=question.category, initial_answers=1, answers=[
        {"id": answer.pk, "question": question.pk, "position": "1",
         "body": "Yes: walking and swimming are *good* choices.", "body_format": "markdown",
         "author": answer.author_id or ""},
    ])
    response = admin_client.post(f"/admin/kb/question/{question.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    question.refresh_from_db()
    assert question.excerpt == "Yes: walking and swimming are good choices."
    assert Answer.objects.get(pk=answer.pk).body_html == (
        "<p>Yes: walking and swimming are <em>good</em> choices.</p>")
    assert Version.objects.get_for_object(question).count() == before + 1
    history = admin_client.get(f"/admin/kb/question/{question.pk}/history/")
    assert history.status_code == 200 and "page test fixture" in history.content.decode()
    assert "<em>good</em>" in client.get(question.get_absolute_url()).content.decode()


def test_removing_the_last_answer_in_the_admin_leaves_a_question_without_an_answer(
        admin_client: Any, kb: KB) -> None:
    question = kb.exercise
    answer = question.answers.get()
    data = question_form(question, category=question.category, initial_answers=1, answers=[
        {"id": answer.pk, "question": question.pk, "position": "1", "body": answer.body,
         "body_format": answer.body_format, "author": answer.author_id or "", "DELETE": "on"},
    ])
    assert admin_client.post(f"/admin/kb/question/{question.pk}/change/", data).status_code == 302
    question.refresh_from_db()
    assert not question.has_answer and question.excerpt == ""


def test_saving_an_answer_on_its_own_refreshes_its_question(admin_client: Any, kb: KB) -> None:
    question = kb.ankles
    answer = question.answers.get()
    data = {"question": question.pk, "position": "1", "body": "Raise your feet <b>often</b>.",
            "body_format": "text", "author": answer.author_id or "", "source": ""}
    response = admin_client.post(f"/admin/kb/answer/{answer.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    answer.refresh_from_db()
    question.refresh_from_db()
    assert answer.body_html == "<p>Raise your feet &lt;b&gt;often&lt;/b&gt;.</p>"
    assert question.excerpt == "Raise your feet <b>often</b>."  # text, escaped on the page
    assert Version.objects.get_for_object(answer).count() == 2


@pytest.mark.parametrize("url", [
    "/admin/kb/question/",
    "/admin/kb/question/?status__exact=draft&has_answer__exact=1&q=dizzy",
    "/admin/kb/question/add/",
    "/admin/kb/answer/",
    "/admin/kb/category/",
    "/admin/kb/source/",
    "/admin/kb/author/",
    "/admin/kb/tag/",
])
def test_every_admin_list_and_form_opens(admin_client: Any, kb: KB, url: str) -> None:
    assert admin_client.get(url).status_code == 200


def test_the_question_list_filters_by_status_and_searches_external_ids(
        admin_client: Any, kb: KB) -> None:
    drafts = admin_client.get("/admin/kb/question/?status__exact=draft").content.decode()
    assert kb.dizzy_draft.title in drafts and kb.back_pain.title not in drafts
    found = admin_client.get("/admin/kb/question/?q=pages/ankles").content.decode()
    assert kb.ankles.title in found and kb.back_pain.title not in found


def test_the_public_site_never_links_to_the_admin(client: Any, kb: KB) -> None:
    assert "/admin/" not in client.get(kb.back_pain.get_absolute_url()).content.decode()


def test_a_source_link_typed_without_a_scheme_is_kept_as_https(admin_client: Any,
                                                               kb: KB) -> None:
    data = question_form(None, category=kb.back_pain.category, answers=[],
                         source_url="medlineplus.gov/gout.html")
    response = admin_client.post("/admin/kb/question/add/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    question = Question.objects.get(external_id="local/coffee")
    assert question.source_url == "https://medlineplus.gov/gout.html"


# Links a page would put in an href: the admin refuses all but http(s), with a form error.
HOSTILE_URLS = [
    "javascript:alert(document.domain)", " JaVaScRiPt:alert(1)", "data:text/html,<script>x",
    "vbscript:msgbox(1)", "java\tscript:alert(1)", "ftp://ftp.example.org/file",
]


@pytest.mark.parametrize("url", HOSTILE_URLS)
def test_the_question_form_refuses_a_source_link_that_is_not_http(
        admin_client: Any, kb: KB, url: str) -> None:
    data = question_form(None, category=kb.back_pain.category, answers=[], source_url=url)
    response = admin_client.post("/admin/kb/question/add/", data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert list(errors) == ["source_url"], errors
    assert not Question.objects.filter(external_id="local/coffee").exists()
    # And on a change of an existing question, which keeps its link.
    question = kb.placenta_previa
    data = question_form(question, category=question.category, answers=[], source_url=url)
    response = admin_client.post(f"/admin/kb/question/{question.pk}/change/", data)
    assert response.status_code == 200
    assert list(response.context["adminform"].form.errors) == ["source_url"]
    question.refresh_from_db()
    assert question.source_url == "https://rarediseases.info.nih.gov/diseases/placenta-previa"


@pytest.mark.parametrize("field", ["url", "license_url"])
@pytest.mark.parametrize("url", HOSTILE_URLS)
def test_the_source_form_refuses_a_link_that_is_not_http(
        admin_client: Any, kb: KB, field: str, url: str) -> None:
    source = Source.objects.get(key="GARD")
    data = {"key": source.key, "name": source.name, "url": source.url,
            "license_name": source.license_name, "license_url": source.license_url, field: url}
    response = admin_client.post(f"/admin/kb/source/{source.pk}/change/", data)
    assert response.status_code == 200
    assert list(response.context["adminform"].form.errors) == [field]
    source.refresh_from_db()
    assert getattr(source, field).startswith("https://")


def test_the_source_form_saves_http_links(admin_client: Any, kb: KB) -> None:
    source = Source.objects.get(key="GARD")
    data = {"key": source.key, "name": source.name, "url": "http://www.cdc.gov/",
            "license_name": source.license_name, "license_url": "creativecommons.org/x"}
    response = admin_client.post(f"/admin/kb/source/{source.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    source.refresh_from_db()
    assert (source.url, source.license_url) == ("http://www.cdc.gov/",
                                                "https://creativecommons.org/x")
