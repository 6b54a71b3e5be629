"""The search and ask pages: ranked results, snippets, filters, pages, plain low-confidence
answers, urgent guidance first, hostile input shown as text, and a constant query cost."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext

from healthqa.ask.triage import GUIDANCE
from healthqa.kb.models import Question
from healthqa.kb.records import AnswerRecord, AuthorRecord
from tests.kb.conftest import KB, import_records, record
from tests.web.test_pages import fetch, text_of

pytestmark = pytest.mark.django_db

BACK_PAIN_ASKED = "why do I have back pain, three months pregnant"


def count_queries(client: Any, url: str) -> int:
    client.get(url)  # warm: the vectors are loaded into memory once per process
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


# --- search --------------------------------------------------------------------------------

def test_search_results_show_highlighted_snippets_from_the_answers(client: Any, kb: KB) -> None:
    html, page = fetch(client, "/search/?q=womb+gravity")
    assert page.hrefs().count(kb.back_pain.get_absolute_url()) == 1
    snippet = html.split(kb.back_pain.title, 1)[1].split("</li>", 1)[0]
    assert "<mark>womb</mark>" in snippet and "<mark>gravity</mark>" in snippet


def test_search_ranks_as_ask_ranks(client: Any, kb: KB) -> None:
    _, page = fetch(client, f"/search/?q={BACK_PAIN_ASKED}")
    first_result = next(href for href in page.hrefs() if href.startswith("/q/"))
    assert first_result == kb.back_pain.get_absolute_url()


def test_snippets_escape_stored_text_and_only_add_mark(client: Any, db: None) -> None:
    import_records([record("pages/hostile", "Is a hostile answer safe?", answers=(
        AnswerRecord(body="Zebrafish &lt;script&gt;alert(1)&lt;/script&gt; zebrafish again.",
                     author=AuthorRecord(name="Dr X")),))])
    html, _ = fetch(client, "/search/?q=zebrafish")
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<mark>Zebrafish</mark>" in html


def test_search_results_are_paginated(
        client: Any, many_questions: Callable[..., list[Question]]) -> None:
    many_questions(45)
    html, page = fetch(client, "/search/?q=many+question")
    assert "45 questions found, page 1 of 3" in text_of(html)
    assert '<a href="?q=many+question&amp;page=2" rel="next">' in html
    second, _ = fetch(client, "/search/?q=many+question&page=2")
    assert "page 2 of 3" in text_of(second)
    fetch(client, "/search/?q=many+question&page=4", status=404)
    fetch(client, "/search/?q=many+question&page=x", status=404)


def test_filters_are_labelled_selects_that_keep_their_choice(client: Any, kb: KB) -> None:
    html, page = fetch(client, "/search/?q=pain&category=heart-and-blood&has_answer=true")
    for name, label in (("category", "Category"), ("source", "Source"),
                        ("has_answer", "Answer")):
        select = next(a for t, a in page.tags if t == "select" and a.get("name") == name)
        assert f'<label for="{select["id"]}">{label}</label>' in html
    assert '<option value="heart-and-blood" selected>Heart and blood</option>' in html
    assert '<option value="true" selected>Answered here</option>' in html
    assert ("Pregnancy and women&#x27;s health › Pregnancy</option>") in html
    results = [h for h in page.hrefs() if h.startswith("/q/")]
    assert results == [kb.chest_pain.get_absolute_url()]


def test_filters_narrow_by_source_and_by_answer(client: Any, kb: KB) -> None:
    _, page = fetch(client, "/search/?q=placenta+pregnancy&has_answer=false")
    assert [h for h in page.hrefs() if h.startswith("/q/")] == [
        kb.placenta_previa.get_absolute_url()]
    _, page = fetch(client, "/search/?q=pain+pregnancy&source=GARD")
    found = {h for h in page.hrefs() if h.startswith("/q/")}
    assert found and found <= {kb.placenta_previa.get_absolute_url(),
                               kb.chest_pain.get_absolute_url()}


def test_an_unknown_filter_is_ignored_rather_than_an_error(client: Any, kb: KB) -> None:
    _, page = fetch(client, "/search/?q=womb&category=nope&source=nope&has_answer=maybe")
    assert kb.back_pain.get_absolute_url() in page.hrefs()


def test_nonsense_and_filtered_out_searches_say_nothing_matches(client: Any, kb: KB) -> None:
    html, _ = fetch(client, "/search/?q=asdf+qwer")
    assert "No question matches these words." in text_of(html)
    assert '<a href="/ask/?q=asdf%20qwer">ask it as a question' in html
    html, _ = fetch(client, "/search/?q=womb&category=heart-and-blood")
    assert "No question matches these words with these filters." in text_of(html)


def test_a_whitespace_search_explains_what_to_do(client: Any, kb: KB) -> None:
    html, _ = fetch(client, "/search/?q=%20%0A%09")
    assert "Type a few words in the search box" in html


def test_an_over_long_search_says_how_long_it_may_be(client: Any, kb: KB) -> None:
    html, _ = fetch(client, "/search/?q=" + "pain+" * 600)
    assert ("Your search is 3,000 characters long. Please shorten it to 2,000 characters or "
            "fewer.") in html


def test_hostile_queries_are_shown_as_text(client: Any, kb: KB) -> None:
    html, _ = fetch(client, "/search/?q=%3Cscript%3Ealert(1)%3C/script%3E+%22foo%22+OR+NEAR(")
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &quot;foo&quot; OR NEAR(" in html


def test_a_search_page_costs_the_same_few_queries_however_many_results(
        client: Any, kb: KB, many_questions: Callable[..., list[Question]]) -> None:
    many_questions(30)
    one = count_queries(client, "/search/?q=fibroids")
    page = count_queries(client, "/search/?q=many+question")
    # the index's generation, BM25 + published check, questions, snippets, sources for the
    # filter, and the content's generation (the category tree kept in memory is checked
    # against it, so that no worker process shows another's stale tree)
    assert one == page <= 7


def test_search_and_ask_pages_are_kept_by_no_cache(client: Any, kb: KB) -> None:
    for url in ("/search/?q=pain", f"/ask/?q={BACK_PAIN_ASKED}"):
        response = client.get(url)
        assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


# --- ask -----------------------------------------------------------------------------------

def test_the_ask_page_is_a_labelled_get_form(client: Any, kb: KB) -> None:
    html, page = fetch(client, "/ask/")
    assert page.headings[0] == (1, "Ask a question")
    form = next(a for t, a in page.tags if t == "form" and a.get("class") == "ask-form")
    assert form["action"] == "/ask/" and form["method"] == "get"
    area = next(a for t, a in page.tags if t == "textarea")
    assert area["name"] == "q" and area["maxlength"] == "2000"
    assert area["data-suggest"] == "/api/v1/suggest"
    assert f'<label for="{area["id"]}">Your question</label>' in html
    assert "ask-hint" in area["aria-describedby"]
    assert "what you type is not stored" in html
    assert page.link(href="/ask/")[1] == "Ask a question"  # in the header, on every page


def test_ask_results_are_cards_with_the_answer_its_author_and_the_source(
        client: Any, kb: KB) -> None:
    html, page = fetch(client, f"/ask/?q={BACK_PAIN_ASKED}")
    assert (2, "Answered questions that cover this") in page.headings or (
        2, "Answered questions that may cover this") in page.headings
    card = html.split('class="result-card"', 1)[1].split("</article>", 1)[0]
    assert f'<a href="{kb.back_pain.get_absolute_url()}">{kb.back_pain.title}</a>' in card
    assert kb.back_pain.excerpt.replace("'", "&#x27;") in card
    assert "<details>" in card and "<summary>Read the full answer (1 of 3)</summary>" in card
    assert "Your growing womb moves your centre of gravity forward." in card
    assert "Answered by Dr. Ana Demo, MD, obstetrics (demo expert)." in text_of(card)
    assert 'rel="license">CC BY 4.0</a>' in card
    assert re.search(r'class="match match-(high|medium)">(Strong|Possible) match<', card)
    assert "Demo content" in card
    assert html.count(f'value="{BACK_PAIN_ASKED}"') == 0  # the header search stays empty
    assert f">{BACK_PAIN_ASKED}</textarea>" in html  # and the question stays in the form


def test_a_question_answered_at_its_source_links_there(client: Any, kb: KB) -> None:
    html, page = fetch(client, "/ask/?q=What+are+the+treatments+for+placenta+previa%3F")
    card = html.split('class="result-card"', 1)[1].split("</article>", 1)[0]
    assert kb.placenta_previa.title in card
    href, text = page.link(href=kb.placenta_previa.source_url)
    assert text == "Read the answer at Genetic and Rare Diseases Information Center (GARD)"
    assert "<details>" not in card


def test_low_confidence_says_so_lists_the_closest_and_offers_the_experts(
        client: Any, kb: KB) -> None:
    html, page = fetch(client, "/ask/?q=asdf+qwer")
    headings = [text for _, text in page.headings]
    assert headings[1] == "We couldn't find an answered question that covers this well."
    assert "Questions that might be related" in headings
    assert "Ask our experts" in headings
    # Anonymous readers are asked to sign in first, then come back to send it.
    assert "/accounts/login/?next=%2Fask%2Fsend%2F%3Fq%3Dasdf%2520qwer" in html
    assert 'class="result-card"' not in html  # nothing is presented as the answer
    assert "Answered questions that" not in html


def test_an_emergency_leads_the_page_with_fixed_guidance(client: Any, kb: KB) -> None:
    html, page = fetch(client, "/ask/?q=sudden+chest+pain+and+sweating")
    assert page.headings[0] == (1, "This may be an emergency")
    assert html.index(GUIDANCE["emergency"]) < html.index('class="ask-form"')
    assert "Your question mentions chest pain." in text_of(html)
    levels = [level for level, _ in page.headings]
    assert levels.count(1) == 1 and all(b <= a + 1 for a, b in zip(levels, levels[1:],
                                                                       strict=False))


def test_thoughts_of_self_harm_lead_with_a_crisis_line(client: Any, kb: KB) -> None:
    html, page = fetch(client, "/ask/?q=I+want+to+end+my+life")
    assert page.headings[0] == (1, "Please get support now")
    assert "call your local emergency number or a suicide crisis line now" in html


def test_an_over_long_question_loses_nothing_and_is_still_triaged(client: Any, kb: KB) -> None:
    text = "my baby is not moving " + "and I am worried " * 150
    html, page = fetch(client, f"/ask/?q={text}")
    assert page.headings[0] == (1, "Contact your midwife or maternity unit now")
    assert "Please shorten it to 2,000 characters or fewer." in html
    assert f">{text}</textarea>" in html
    assert 'aria-invalid="true"' in html and "ask-error" in html


def test_an_empty_question_asks_for_one(client: Any, kb: KB) -> None:
    html, _ = fetch(client, "/ask/?q=+++")
    assert "Type your question first: a few words are enough." in html


def test_a_hostile_question_is_shown_as_text(client: Any, kb: KB) -> None:
    html, _ = fetch(client, "/ask/?q=%3C/textarea%3E%3Cscript%3Ealert(1)%3C/script%3E")
    assert "<script>alert(1)" not in html
    assert "&lt;/textarea&gt;&lt;script&gt;alert(1)&lt;/script&gt;</textarea>" in html


def test_the_ask_page_is_canonically_the_empty_form(client: Any, kb: KB) -> None:
    html, _ = fetch(client, f"/ask/?q={BACK_PAIN_ASKED}")
    assert '<link rel="canonical" href="http://testserver/ask/">' in html


def test_the_ask_page_costs_a_small_constant_number_of_queries(
        client: Any, kb: KB, many_questions: Callable[..., list[Question]]) -> None:
    many_questions(20, answers=3)
    few = count_queries(client, "/ask/?q=fibroids")
    many = count_queries(client, "/ask/?q=many+question+topic")
    # SQLite: the vector index's generation, BM25 + published check, the questions, their
    # answers with authors and sources. PostgreSQL: the index's model check, BM25 joined
    # with the questions, dense search in the database, the same two.
    assert few == many == 5


def test_what_a_reader_asks_is_kept_nowhere(client: Any, kb: KB,
                                            caplog: pytest.LogCaptureFixture) -> None:
    secret = "zebra-striped rash on my left elbow"
    with caplog.at_level(logging.INFO):
        response = client.get(f"/ask/?q={secret}")
        client.get(f"/search/?q={secret}")
    # No cookie and no session: the header only looks whether someone is signed in.
    assert not response.cookies
    assert not [r for r in caplog.records if "zebra" in r.getMessage()]
    assert not Session.objects.exists()
