"""The article page once people take part: reviewed answers, experts who agree, helpful
marks, open questions, merged duplicates, the per-category Atom feed and what a signed-in
person's copy may be cached as."""

from __future__ import annotations

import json
import re
from typing import Any
from xml.etree import ElementTree

from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from healthqa.community import answering, asking, marks
from healthqa.kb.models import Question
from tests.kb.conftest import KB
from tests.web.test_pages import ARTICLE_MAX_QUERIES, article_queries

ATOM = "{http://www.w3.org/2005/Atom}"


def answered(people: dict[str, User], kb: KB) -> Question:
    """A reader's question published, answered by an expert and reviewed."""
    sent = asking.submission_send(member=people["member"], title="Can I fly at 34 weeks?",
                                  body="Is it safe to fly at 34 weeks pregnant?")
    question = asking.submission_publish(editor=people["editor"], submission=sent,
                                         title=sent.title, body=sent.body,
                                         category=kb.back_pain.category)
    draft = answering.answer_submit(
        expert=people["expert"], question=question,
        body="Most airlines accept flights until 36 weeks; ask your midwife for a letter.")
    answering.answer_approve(editor=people["editor"], draft=draft)
    question.refresh_from_db()
    return question


def test_a_reviewed_answer_shows_its_expert_the_review_line_and_next_review(
        client: Any, kb: KB, people: dict[str, User]) -> None:
    question = answered(people, kb)
    html = client.get(question.get_absolute_url()).content.decode()
    assert "Dr Amy Lee" in html and "Obstetrician · Maternal-fetal medicine" in html
    line = re.search(r'Medically reviewed by Sam Reyes, Physician on <time datetime="'
                     r'(\d{4}-\d\d-\d\d)">[^<]+</time>\. Next review due <time', html)
    assert line, html
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html,
                                re.S).group(1))  # type: ignore[union-attr]
    page = data["@graph"][0]
    assert page["reviewedBy"]["name"] == "Sam Reyes"
    assert page["mainEntity"]["suggestedAnswer"][0]["upvoteCount"] == 0


def test_experts_who_agree_are_named_and_counted_in_the_structured_data(
        client: Any, kb: KB, people: dict[str, User]) -> None:
    question = answered(people, kb)
    answer = question.answers.get()
    assert answering.answer_agree(expert=people["expert2"], answer=answer, agree=True) == 1
    html = client.get(question.get_absolute_url()).content.decode()
    assert "1 expert agrees" in html and "Dr Chidi Okafor, General practitioner" in html
    assert '"upvoteCount":1' in html
    answering.answer_agree(expert=people["expert2"], answer=answer, agree=False)
    assert "expert agrees" not in client.get(question.get_absolute_url()).content.decode()


def test_helpful_marks_show_as_a_count(client: Any, kb: KB, people: dict[str, User]) -> None:
    question = answered(people, kb)
    marks.helpful_set(member=people["member"], answer=question.answers.get(), on=True)
    html = client.get(question.get_absolute_url()).content.decode()
    assert "1 reader found this helpful" in html


def test_an_anonymous_article_costs_no_more_queries_with_agreements(
        client: Any, kb: KB, people: dict[str, User]) -> None:
    question = answered(people, kb)
    plain = article_queries(client, question)
    answering.answer_agree(expert=people["expert2"], answer=question.answers.get(), agree=True)
    # One more query reads who agrees, only on pages where someone does.
    assert article_queries(client, question) == plain + 1 <= ARTICLE_MAX_QUERIES + 1


def test_an_open_question_says_it_waits_for_an_expert(
        client: Any, kb: KB, people: dict[str, User]) -> None:
    sent = asking.submission_send(member=people["member"], title="Is hay fever worse at night?",
                                  body="My hay fever is worse at night.")
    question = asking.submission_publish(editor=people["editor"], submission=sent,
                                         title=sent.title, body=sent.body,
                                         category=kb.back_pain.category)
    html = client.get(question.get_absolute_url()).content.decode()
    assert "Waiting for an expert's answer" in html
    client.force_login(people["expert"])
    html = client.get(question.get_absolute_url()).content.decode()
    assert "Answer this question" in html


def test_signed_in_copies_are_private_and_show_only_allowed_actions(
        client: Any, kb: KB, people: dict[str, User]) -> None:
    question = answered(people, kb)
    anonymous = client.get(question.get_absolute_url())
    assert "public" in anonymous["Cache-Control"]
    assert "csrfmiddlewaretoken" not in anonymous.content.decode()
    client.force_login(people["member"])
    mine = client.get(question.get_absolute_url())
    assert "private" in mine["Cache-Control"] and "public" not in mine["Cache-Control"]
    html = mine.content.decode()
    assert "Follow this question" not in html  # the asker follows it already
    assert "Stop following this question" in html and ">Helpful<" in html
    assert "I agree" not in html  # members cannot agree
    client.force_login(people["expert2"])
    assert "I agree" in client.get(question.get_absolute_url()).content.decode()
    client.force_login(people["expert"])  # not with their own answer
    assert "I agree" not in client.get(question.get_absolute_url()).content.decode()


def test_a_merged_duplicate_redirects_permanently(
        client: Any, kb: KB, people: dict[str, User]) -> None:
    asking.question_merge(editor=people["editor"], duplicate=kb.sleep_back_pain,
                          into=kb.back_pain)
    response = client.get(kb.sleep_back_pain.get_absolute_url())
    assert response.status_code == 301
    assert response["Location"] == kb.back_pain.get_absolute_url()
    assert client.get(kb.back_pain.get_absolute_url()).status_code == 200


def test_the_category_feed_lists_newly_answered_questions_newest_first(
        client: Any, kb: KB, people: dict[str, User]) -> None:
    question = answered(people, kb)
    category = question.category
    page = client.get(category.get_absolute_url()).content.decode()
    feed_url = f"/c/{category.slug}/feed/"
    assert 'type="application/atom+xml"' in page and feed_url in page
    response = client.get(feed_url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ElementTree.fromstring(response.content)
    titles = [e.findtext(f"{ATOM}title") for e in root.findall(f"{ATOM}entry")]
    assert titles[0] == "Can I fly at 34 weeks?"
    assert all(Question.objects.get(title=t).has_answer for t in titles)
    assert client.get("/c/no-such-category/feed/").status_code == 404


def test_the_feed_escapes_hostile_titles(client: Any, kb: KB, people: dict[str, User]) -> None:
    sent = asking.submission_send(member=people["member"], title="<script>alert(1)</script>?",
                                  body="<img src=x onerror=alert(1)>")
    question = asking.submission_publish(editor=people["editor"], submission=sent,
                                         title=sent.title, body=sent.body,
                                         category=kb.back_pain.category)
    draft = answering.answer_submit(expert=people["expert"], question=question,
                                    body="An answer long enough to be accepted by review.")
    answering.answer_approve(editor=people["editor"], draft=draft)
    with CaptureQueriesContext(connection):
        body = client.get(f"/c/{question.category.slug}/feed/").content
    root = ElementTree.fromstring(body)  # well-formed: the title is text, not markup
    assert "<script>alert(1)</script>?" in [e.findtext(f"{ATOM}title")
                                            for e in root.findall(f"{ATOM}entry")]
    assert b"<script>" not in body
