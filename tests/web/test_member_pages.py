"""The members' pages: sending a question to the experts (closest answers, urgent guidance
first, personal details highlighted, honeypot, rate limit), "My questions", following,
helpful marks, flags, and who may do each."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import resolve

from healthqa.community import asking, notify
from healthqa.community.models import Flag, Follow, HelpfulMark, Submission
from healthqa.kb.models import Answer, Category
from tests.kb.conftest import KB
from tests.web.test_account_pages import (
    PASSWORD,
    csrf_token,
    make_user,
    private,
    signed_in,
    signup_data,
)
from tests.web.test_pages import fetch, text_of

pytestmark = pytest.mark.django_db

PHONE_QUESTION = ("I am 14 weeks pregnant and my lower back aches every evening. Is that "
                  "normal? You can reach me on 07700 900123.")
PHONE_TITLE = "Lower back ache every evening at 14 weeks"


def no_role_user() -> User:
    """A signed-in account in no role group: it may see its account, nothing else."""
    return User.objects.create_user(username="norole", password=PASSWORD)


def send(client: Client, title: str = PHONE_TITLE, body: str = PHONE_QUESTION,
         do: str = "send", **extra: str) -> Any:
    return client.post("/ask/send/", {"title": title, "body": body, "do": do, "website": "",
                                      **extra})


# --- who may see and do what ---------------------------------------------------------------

@pytest.mark.parametrize(("url", "action"), [
    ("/ask/send/", "send_question"),
    ("/me/questions/", "my_questions"),
    ("/q/some-question/follow/", "follow"),
    ("/a/1/helpful/", "mark_helpful"),
    ("/q/some-question/flag/", "flag"),
])
def test_each_page_names_its_action(url: str, action: str) -> None:
    assert resolve(url).func.healthqa_action == action  # type: ignore[attr-defined]


@pytest.mark.parametrize("url", ["/ask/send/?q=hello", "/me/questions/"])
def test_anonymous_readers_are_sent_to_sign_in(client: Client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_anonymous_posts_are_sent_to_sign_in_and_change_nothing(client: Client, kb: KB) -> None:
    answer = Answer.objects.filter(question=kb.back_pain).first()
    assert answer is not None
    for url, data in ((f"/q/{kb.back_pain.slug}/follow/", {"on": "1"}),
                      (f"/a/{answer.pk}/helpful/", {"on": "1"}),
                      (f"/q/{kb.back_pain.slug}/flag/", {"reason": "spam"}),
                      ("/ask/send/", {"title": "t", "body": "b", "do": "send"})):
        response = client.post(url, data)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
    assert not (Follow.objects.exists() or HelpfulMark.objects.exists()
                or Flag.objects.exists() or Submission.objects.exists())


@pytest.mark.parametrize("role", ["member", "expert", "editor", "admin"])
def test_every_role_has_the_member_pages(role: str, kb: KB) -> None:
    client = signed_in(make_user("maria", role=role))
    for url in ("/ask/send/", "/me/questions/", f"/q/{kb.back_pain.slug}/flag/"):
        response = client.get(url)
        assert response.status_code == 200, (role, url)
        assert private(response)


def test_an_account_without_the_member_role_gets_403(kb: KB) -> None:
    client = signed_in(no_role_user())
    answer = Answer.objects.filter(question=kb.back_pain).first()
    assert answer is not None
    for method, url in (("get", "/ask/send/"), ("get", "/me/questions/"),
                        ("get", f"/q/{kb.back_pain.slug}/flag/"),
                        ("post", f"/q/{kb.back_pain.slug}/follow/"),
                        ("post", f"/a/{answer.pk}/helpful/")):
        response = getattr(client, method)(url, {"on": "1"} if method == "post" else None)
        assert response.status_code == 403, url
        assert "Your account may not" in response.content.decode()
    assert client.get("/accounts/").status_code == 200


# --- sending a question --------------------------------------------------------------------

def test_the_journey_sign_up_send_with_a_phone_number_and_see_it_waiting(
        client: Client, kb: KB) -> None:
    assert client.post("/accounts/signup/", signup_data()).status_code == 302
    # From /ask: the question prefilled, the closest answered questions shown again.
    html, page = fetch(client, f"/ask/send/?q={PHONE_QUESTION}")
    assert kb.back_pain.get_absolute_url() in page.hrefs()
    assert f">{PHONE_QUESTION}</textarea>" in html
    # "Check again": highlighted, nothing saved.
    response = send(client, do="check")
    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(r'<mark class="pii" data-kind="phone" title="phone number">'
                     r'07700 900123</mark>', html)
    assert "We found 1 phone number: remove it unless the experts need it." in html
    assert not Submission.objects.exists()
    # "Send to the experts": stored, waiting for an editor, not public.
    response = send(client)
    assert response.status_code == 302 and response["Location"] == "/me/questions/"
    submission = Submission.objects.get()
    assert submission.state == Submission.State.PENDING and submission.question is None
    assert submission.member.username == "newmember" and "07700 900123" in submission.body
    html, _ = fetch(client, "/me/questions/")
    assert PHONE_TITLE in html and "Waiting for an editor" in html
    assert "Your question is sent." in html
    anonymous = Client()
    assert PHONE_TITLE not in anonymous.get("/").content.decode()
    search = anonymous.get("/search/?q=lower+back+ache+every+evening+14+weeks").content.decode()
    assert PHONE_TITLE not in search and "07700" not in search


def test_the_closest_answered_questions_come_before_the_form(kb: KB) -> None:
    client = signed_in(make_user("maria"))
    html, page = fetch(client, "/ask/send/?q=why+do+I+have+back+pain,+three+months+pregnant")
    closest = html.index('id="closest-title"')
    assert closest < html.index('class="form-stack send-form"')
    assert html.index(kb.back_pain.title) > closest
    assert len(re.findall(r'<a class="title" href="/q/', html)) <= 3
    assert page.headings[0][0] == 1


def test_an_urgent_question_leads_with_the_guidance_and_can_still_be_sent(kb: KB) -> None:
    client = signed_in(make_user("maria"))
    text = "Sudden chest pain and sweating, what should I do?"
    html, page = fetch(client, f"/ask/send/?q={text}")
    assert page.headings[0] == (1, "This may be an emergency")
    assert html.index('class="urgent"') < html.index('class="form-stack send-form"')
    assert "Don't wait for an answer from our experts" in html
    assert "Send to the experts" in html
    response = send(client, title="Chest pain and sweating", body=text)
    assert response.status_code == 302 and Submission.objects.count() == 1
    html, _ = fetch(client, "/me/questions/")
    assert "do not wait for our experts" in html


def test_nothing_found_is_said_too(kb: KB) -> None:
    client = signed_in(make_user("maria"))
    html = send(client, title="A plain question about back pain",
                body="Does swimming help?", do="check").content.decode()
    assert "We found no names, phone numbers" in html


def test_what_is_wrong_is_said_next_to_the_field(kb: KB) -> None:
    client = signed_in(make_user("maria"))
    response = send(client, title="   ")
    html = response.content.decode()
    assert response.status_code == 400
    assert '<p class="form-error" id="send-title-error">The title is empty: please write it.' \
           in html
    assert re.search(r'id="send-title"[^>]*aria-invalid="true"', html)
    response = send(client, body="x" * (asking.BODY_CHARS + 1))
    assert response.status_code == 400 and 'id="send-body-error"' in response.content.decode()
    assert not Submission.objects.exists()


def test_hostile_text_is_shown_as_text(kb: KB) -> None:
    client = signed_in(make_user("maria"))
    hostile = '<script>alert(1)</script><img src=x onerror="alert(2)"> call 07700 900123'
    html = send(client, title=hostile, body=hostile, do="check").content.decode()
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'data-kind="phone"' in html


def test_the_honeypot_refuses_a_question(kb: KB) -> None:
    client = signed_in(make_user("maria"))
    response = send(client, website="http://spam.example")
    assert response.status_code == 400
    assert "a field that people leave empty was filled in" in response.content.decode()
    assert not Submission.objects.exists()


def test_sending_is_rate_limited_and_checking_is_not(kb: KB, settings: Any) -> None:
    settings.HEALTHQA_RATES = {**settings.HEALTHQA_RATES, "send_question": "2/m"}
    client = signed_in(make_user("maria"))
    for _ in range(3):
        assert send(client, do="check").status_code == 200
    assert send(client).status_code == 302
    assert send(client).status_code == 302
    response = send(client)
    assert response.status_code == 429 and response["Retry-After"] == "60"
    assert Submission.objects.count() == 2


def test_sending_needs_the_csrf_token(kb: KB) -> None:
    client = signed_in(make_user("maria"), csrf=True)
    assert send(client).status_code == 403
    token = csrf_token(client, "/ask/send/")
    assert send(client, csrfmiddlewaretoken=token).status_code == 302


# --- the ask page offers the experts ------------------------------------------------------

def test_ask_offers_the_experts_when_nothing_covers_the_question(client: Client, kb: KB) -> None:
    html = client.get("/ask/?q=asdf+qwer").content.decode()
    assert "/accounts/login/?next=%2Fask%2Fsend%2F%3Fq%3Dasdf%2520qwer" in html
    member = signed_in(make_user("maria"))
    html, page = fetch(member, "/ask/?q=asdf+qwer")
    href, text = page.link(href="/ask/send/?q=asdf%20qwer")
    assert text == "Send your question to our experts"
    # A question the site covers is not sent on.
    html = member.get("/ask/?q=why+do+I+have+back+pain,+three+months+pregnant"
                      ).content.decode()
    assert "/ask/send/" not in html


# --- my questions ---------------------------------------------------------------------------

def test_my_questions_shows_states_reasons_links_and_news_once(kb: KB) -> None:
    member = make_user("maria")
    editor = make_user("ed", role="editor")
    rejected = asking.submission_send(member=member, title="Declined one", body="Text here.")
    asking.submission_reject(editor=editor, submission=rejected,
                             reason="It asks for a <b>diagnosis</b>.")
    published = asking.submission_send(member=member, title="Published one", body="Text.")
    question = asking.submission_publish(editor=editor, submission=published,
                                         title="Published one", body="Text.",
                                         category=Category.objects.first())  # type: ignore[arg-type]
    asking.submission_send(member=member, title="Pending one", body="Text.")
    client = signed_in(member)
    html, page = fetch(client, "/me/questions/")
    text = text_of(html)
    assert "Not published" in text and "&lt;b&gt;diagnosis&lt;/b&gt;" in html
    assert "The editor's reason: It asks for a" in html
    assert question.get_absolute_url() in page.hrefs()
    assert "Published, waiting for an expert&#x27;s answer" in text
    assert "Waiting for an editor" in text
    assert html.index('id="news-title"') < html.index('id="sent-title"')
    assert "is published; experts can answer it now" in html
    # Seen once: read now, not shown again at the top.
    html, _ = fetch(client, "/me/questions/")
    assert 'id="news-title"' not in html
    # The published question is followed, with a button to stop.
    assert f'action="/q/{question.slug}/follow/"' in html


def test_only_ones_own_questions_are_listed(kb: KB) -> None:
    asking.submission_send(member=make_user("other"), title="Someone else's", body="Text.")
    html, _ = fetch(signed_in(make_user("maria")), "/me/questions/")
    assert "Someone else" not in html


# --- follow ---------------------------------------------------------------------------------

def test_following_and_unfollowing(kb: KB) -> None:
    member = make_user("maria")
    client = signed_in(member)
    url = f"/q/{kb.back_pain.slug}/follow/"
    response = client.post(url, {"on": "1"})
    assert response.status_code == 302
    assert response["Location"] == kb.back_pain.get_absolute_url()
    assert Follow.objects.filter(user=member, question=kb.back_pain).count() == 1
    client.post(url, {"on": "1"})
    assert Follow.objects.filter(user=member).count() == 1
    html, _ = fetch(client, "/me/questions/")
    assert kb.back_pain.title in html and "Stop following" in html
    response = client.post(url, {"on": "0", "next": "/me/questions/"})
    assert response["Location"] == "/me/questions/"
    assert not Follow.objects.filter(user=member).exists()
    response = client.post(url, {"on": "1", "next": "https://evil.example/"})
    assert response["Location"] == kb.back_pain.get_absolute_url()


def test_follow_by_get_only_goes_back_to_the_question(kb: KB) -> None:
    client = signed_in(make_user("maria"))
    response = client.get(f"/q/{kb.back_pain.slug}/follow/")
    assert response.status_code == 302 and not Follow.objects.exists()


def test_a_draft_or_missing_question_cannot_be_followed(kb: KB) -> None:
    client = signed_in(make_user("maria"))
    assert client.post(f"/q/{kb.dizzy_draft.slug}/follow/", {"on": "1"}).status_code == 404
    assert client.post("/q/no-such-question/follow/", {"on": "1"}).status_code == 404


# --- helpful --------------------------------------------------------------------------------

def test_helpful_marks_count_once_per_member(kb: KB) -> None:
    answer = Answer.objects.filter(question=kb.back_pain).order_by("position").last()
    assert answer is not None
    maria, sam = signed_in(make_user("maria")), signed_in(make_user("sam"))
    url = f"/a/{answer.pk}/helpful/"
    response = maria.post(url, {"on": "1"})
    assert response.status_code == 302
    assert response["Location"] == (f"{kb.back_pain.get_absolute_url()}"
                                    f"#answer-{answer.position}")
    maria.post(url, {"on": "1"})
    answer.refresh_from_db()
    assert answer.helpful_count == 1 and HelpfulMark.objects.count() == 1
    sam.post(url, {"on": "1"})
    answer.refresh_from_db()
    assert answer.helpful_count == 2
    maria.post(url, {"on": "0"})
    answer.refresh_from_db()
    assert answer.helpful_count == 1


def test_helpful_marks_are_rate_limited(kb: KB, settings: Any) -> None:
    settings.HEALTHQA_RATES = {**settings.HEALTHQA_RATES, "mark_helpful": "2/m"}
    answer = Answer.objects.filter(question=kb.back_pain).first()
    assert answer is not None
    client = signed_in(make_user("maria"))
    for on in ("1", "0"):
        assert client.post(f"/a/{answer.pk}/helpful/", {"on": on}).status_code == 302
    assert client.post(f"/a/{answer.pk}/helpful/", {"on": "1"}).status_code == 429


def test_an_answer_to_a_draft_cannot_be_marked(kb: KB) -> None:
    answer = Answer.objects.filter(question=kb.dizzy_draft).first()
    assert answer is not None
    client = signed_in(make_user("maria"))
    assert client.post(f"/a/{answer.pk}/helpful/", {"on": "1"}).status_code == 404
    assert client.post("/a/999999/helpful/", {"on": "1"}).status_code == 404


# --- flag -----------------------------------------------------------------------------------

def test_a_question_is_flagged_with_a_reason(kb: KB) -> None:
    member = make_user("maria")
    client = signed_in(member)
    html, page = fetch(client, f"/q/{kb.back_pain.slug}/flag/")
    for value, label in Flag.Reason.choices:
        assert f'<label for="flag-reason-{value}">{label}</label>' in html
    assert "<legend>What is wrong?</legend>" in html
    response = client.post(f"/q/{kb.back_pain.slug}/flag/",
                           {"reason": "inaccurate", "note": "The dose <b>is</b> wrong."})
    assert response.status_code == 302
    assert response["Location"] == kb.back_pain.get_absolute_url()
    flag = Flag.objects.get()
    assert (flag.user, flag.question, flag.answer, flag.reason) == (
        member, kb.back_pain, None, "inaccurate")
    assert flag.note == "The dose <b>is</b> wrong."


def test_an_answer_is_flagged(kb: KB) -> None:
    answer = Answer.objects.filter(question=kb.back_pain).order_by("position").last()
    assert answer is not None
    client = signed_in(make_user("maria"))
    url = f"/q/{kb.back_pain.slug}/flag/?answer={answer.pk}"
    html, _ = fetch(client, url)
    assert f'name="answer" value="{answer.pk}"' in html
    response = client.post(url, {"reason": "harmful", "answer": str(answer.pk)})
    assert response["Location"].endswith(f"#answer-{answer.position}")
    assert Flag.objects.get().answer == answer


def test_a_flag_needs_a_reason_and_the_answer_of_that_question(kb: KB) -> None:
    client = signed_in(make_user("maria"))
    response = client.post(f"/q/{kb.back_pain.slug}/flag/", {"reason": "", "note": "x"})
    assert response.status_code == 400
    assert 'id="flag-reason-error"' in response.content.decode()
    other = Answer.objects.filter(question=kb.exercise).first()
    assert other is not None
    assert client.get(f"/q/{kb.back_pain.slug}/flag/?answer={other.pk}").status_code == 404
    assert client.get(f"/q/{kb.back_pain.slug}/flag/?answer=x").status_code == 404
    assert client.get(f"/q/{kb.dizzy_draft.slug}/flag/").status_code == 404
    assert not Flag.objects.exists()


def test_flags_are_rate_limited(kb: KB, settings: Any) -> None:
    settings.HEALTHQA_RATES = {**settings.HEALTHQA_RATES, "flag": "2/m"}
    client = signed_in(make_user("maria"))
    url = f"/q/{kb.back_pain.slug}/flag/"
    for _ in range(2):
        assert client.post(url, {"reason": "spam"}).status_code == 302
    assert client.post(url, {"reason": "spam"}).status_code == 429
    assert Flag.objects.count() == 2


def test_member_actions_need_the_csrf_token(kb: KB) -> None:
    answer = Answer.objects.filter(question=kb.back_pain).first()
    assert answer is not None
    client = signed_in(make_user("maria"), csrf=True)
    for url, data in ((f"/q/{kb.back_pain.slug}/follow/", {"on": "1"}),
                      (f"/a/{answer.pk}/helpful/", {"on": "1"}),
                      (f"/q/{kb.back_pain.slug}/flag/", {"reason": "spam"})):
        assert client.post(url, data).status_code == 403, url
    assert not (Follow.objects.exists() or HelpfulMark.objects.exists()
                or Flag.objects.exists())


def test_notifications_from_services_reach_my_questions(kb: KB) -> None:
    member = make_user("maria")
    notify.notify(users=[member], message="Something happened.", url="/me/questions/")
    html, _ = fetch(signed_in(member), "/me/questions/")
    assert '<a href="/me/questions/">Something happened.</a>' in html
