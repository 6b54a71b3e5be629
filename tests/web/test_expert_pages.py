"""The experts' pages: open questions, the answer form with its sanitised preview, "I agree"
and the application to be verified; each for the right role only."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import resolve, reverse

from healthqa.community import answering, asking
from healthqa.community.models import ExpertAnswer, Profile
from healthqa.kb.models import Answer, Category, Question
from tests.kb.conftest import KB

GOOD_ANSWER = ("Most airlines accept flights until 36 weeks of a single pregnancy; ask your "
               "midwife for a letter saying you are fit to fly.")


def open_question(people: dict[str, User], category: Category,
                  title: str = "Can I fly at 34 weeks?") -> Question:
    """A reader's question, published by an editor and waiting for an expert."""
    sent = asking.submission_send(member=people["member"], title=title,
                                  body=f"{title} I am pregnant with my first child.")
    return asking.submission_publish(editor=people["editor"], submission=sent, title=title,
                                     body=sent.body, category=category)


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def published_answer(people: dict[str, User], question: Question, expert: str) -> Answer:
    draft = answering.answer_submit(expert=people[expert], question=question, body=GOOD_ANSWER)
    return answering.answer_approve(editor=people["editor"], draft=draft)


# --- Who may see each page ------------------------------------------------------------------

@pytest.mark.parametrize("name", ["experts", "answer"])
def test_expert_pages_are_for_experts(name: str, people: dict[str, User], kb: KB) -> None:
    question = open_question(people, kb.back_pain.category)
    url = reverse(f"web:{name}", args=[question.slug] if name == "answer" else [])
    response = client_for(people["expert"]).get(url)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert client_for(people["member"]).get(url).status_code == 403
    assert client_for(people["editor"]).get(url).status_code == 403
    anonymous = client_for(None).get(url)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("web:login"))


def test_the_application_page_is_for_signed_in_people(people: dict[str, User], kb: KB) -> None:
    url = reverse("web:expert-apply")
    response = client_for(people["member"]).get(url)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert 'name="csrfmiddlewaretoken"' in response.content.decode()
    assert client_for(None).get(url)["Location"].startswith(reverse("web:login"))
    # A verified expert is told so rather than shown the form.
    assert "You are a verified expert" in client_for(people["expert"]).get(url).content.decode()


def test_agree_needs_an_expert(people: dict[str, User], kb: KB) -> None:
    answer = kb.back_pain.answers.first()
    assert answer is not None
    url = reverse("web:agree", args=[answer.pk])
    assert client_for(people["member"]).post(url, {"on": "1"}).status_code == 403
    assert client_for(None).post(url, {"on": "1"})["Location"].startswith(
        reverse("web:login"))
    assert client_for(people["expert"]).get(url).status_code == 405


def test_the_expert_pages_name_their_action() -> None:
    actions = {"/experts/": "answer", "/experts/apply/": "apply_expert",
               "/experts/answer/some-question/": "answer", "/a/1/agree/": "agree"}
    for path, action in actions.items():
        assert resolve(path).func.healthqa_action == action  # type: ignore[attr-defined]


# --- The open questions ---------------------------------------------------------------------

def test_open_questions_in_the_experts_categories_come_first(people: dict[str, User],
                                                             kb: KB) -> None:
    heart = kb.chest_pain.category
    first = open_question(people, kb.back_pain.category, "Is it safe to fly at 34 weeks?")
    second = open_question(people, heart, "Why does my heart race at night?")
    Profile.objects.get(user=people["expert"]).categories.set([heart])
    html = client_for(people["expert"]).get(reverse("web:experts")).content.decode()
    assert html.index(second.title) < html.index(first.title)
    assert reverse("web:answer", args=[first.slug]) in html
    # An answered question is no longer open.
    assert kb.back_pain.title not in html


def test_a_returned_answer_shows_the_editors_reason(people: dict[str, User], kb: KB) -> None:
    question = open_question(people, kb.back_pain.category)
    draft = answering.answer_submit(expert=people["expert"], question=question,
                                    body=GOOD_ANSWER)
    answering.answer_return(editor=people["editor"], draft=draft,
                            reason="Please cite the airline <rules> you mean.")
    html = client_for(people["expert"]).get(reverse("web:experts")).content.decode()
    assert "Returned by the editor" in html
    assert "Please cite the airline &lt;rules&gt; you mean." in html
    # The answer form shows it too, prefilled with the answer.
    html = client_for(people["expert"]).get(
        reverse("web:answer", args=[question.slug])).content.decode()
    assert "Please cite the airline &lt;rules&gt; you mean." in html
    assert "Most airlines accept flights" in html


# --- The answer form ------------------------------------------------------------------------

HOSTILE_MARKDOWN = (
    "Rest, drink water and **see your midwife** if it lasts.\n\n"
    "<script>alert('answer')</script>\n\n"
    "[more](javascript:alert('link')) and <a href=\"javascript:alert(2)\">this</a> "
    "<img src=x onerror=\"alert(3)\">"
)


def test_preview_is_sanitised_and_saves_nothing(people: dict[str, User], kb: KB) -> None:
    question = open_question(people, kb.back_pain.category)
    response = client_for(people["expert"]).post(
        reverse("web:answer", args=[question.slug]), {"body": HOSTILE_MARKDOWN, "do": "preview"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Preview (not saved)" in html
    preview = html[html.index('id="preview-title"'):]
    preview = preview[:preview.index("</section>")]
    assert "<strong>see your midwife</strong>" in preview
    assert "<script" not in preview and "javascript:" not in preview
    assert "onerror" not in preview
    assert "<script>alert" not in html and 'href="javascript:' not in html
    # The textarea keeps what was typed, escaped.
    assert "&lt;script&gt;alert(&#x27;answer&#x27;)&lt;/script&gt;" in html
    assert not ExpertAnswer.objects.exists()


def test_submit_sends_the_answer_to_review(people: dict[str, User], kb: KB) -> None:
    question = open_question(people, kb.back_pain.category)
    client = client_for(people["expert"])
    response = client.post(reverse("web:answer", args=[question.slug]),
                           {"body": GOOD_ANSWER, "do": "submit"}, follow=True)
    assert response.redirect_chain == [(reverse("web:experts"), 302)]
    html = response.content.decode()
    assert "Your answer waits for an editor&#x27;s review" in html
    assert "Waiting for review" in html
    draft = ExpertAnswer.objects.get()
    assert (draft.expert, draft.question, draft.state) == (people["expert"], question,
                                                           ExpertAnswer.State.PENDING)
    assert not question.answers.exists()  # nothing public before review


def test_a_too_short_answer_is_refused_by_its_field(people: dict[str, User], kb: KB) -> None:
    question = open_question(people, kb.back_pain.category)
    response = client_for(people["expert"]).post(
        reverse("web:answer", args=[question.slug]), {"body": "Rest.", "do": "submit"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="answer-error"' in html and "write at least 40" in html
    assert 'aria-invalid="true"' in html
    assert not ExpertAnswer.objects.exists()


def test_answering_is_rate_limited(people: dict[str, User], kb: KB, settings: Any) -> None:
    settings.HEALTHQA_RATES = {**settings.HEALTHQA_RATES, "answer": "2/h"}
    question = open_question(people, kb.back_pain.category)
    client = client_for(people["expert"])
    url = reverse("web:answer", args=[question.slug])
    for _ in range(2):
        assert client.post(url, {"body": GOOD_ANSWER, "do": "submit"}).status_code == 302
    # Previews are not counted; a third answer is.
    assert client.post(url, {"body": GOOD_ANSWER, "do": "preview"}).status_code == 200
    assert client.post(url, {"body": GOOD_ANSWER, "do": "submit"}).status_code == 429


def test_an_unpublished_question_cannot_be_answered(people: dict[str, User], kb: KB) -> None:
    url = reverse("web:answer", args=[kb.dizzy_draft.slug])
    assert client_for(people["expert"]).get(url).status_code == 404


# --- I agree --------------------------------------------------------------------------------

def test_an_expert_agrees_with_another_experts_answer(people: dict[str, User], kb: KB) -> None:
    question = open_question(people, kb.back_pain.category)
    answer = published_answer(people, question, "expert2")
    client = client_for(people["expert"])
    response = client.post(reverse("web:agree", args=[answer.pk]), {"on": "1"})
    assert response.status_code == 302
    assert response["Location"] == f"{question.get_absolute_url()}#answer-{answer.position}"
    answer.refresh_from_db()
    assert answer.agree_count == 1
    client.post(reverse("web:agree", args=[answer.pk]), {"on": "1"})  # once per expert
    answer.refresh_from_db()
    assert answer.agree_count == 1
    client.post(reverse("web:agree", args=[answer.pk]), {"on": "0"})
    answer.refresh_from_db()
    assert answer.agree_count == 0


def test_an_expert_cannot_agree_with_their_own_answer(people: dict[str, User], kb: KB) -> None:
    question = open_question(people, kb.back_pain.category)
    answer = published_answer(people, question, "expert")
    response = client_for(people["expert"]).post(reverse("web:agree", args=[answer.pk]),
                                                 {"on": "1"})
    assert response.status_code == 403
    assert "own answer" in response.content.decode()
    answer.refresh_from_db()
    assert answer.agree_count == 0


# --- Applying to be an expert ---------------------------------------------------------------

def test_a_member_applies_with_credentials_and_categories(people: dict[str, User],
                                                          kb: KB) -> None:
    women = kb.back_pain.category.parent
    assert women is not None and women.parent is None
    client = client_for(people["member"])
    html = client.get(reverse("web:expert-apply")).content.decode()
    assert f'value="{women.pk}"' in html  # top-level categories only
    assert f'value="{kb.back_pain.category.pk}"' not in html
    response = client.post(reverse("web:expert-apply"), {
        "display_name": "Dr Mia <b>Smith</b>", "profession": "Midwife",
        "speciality": "Antenatal care", "registration": "NMC 12A3456E",
        "categories": [str(women.pk)]}, follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert "waits for an editor" in html
    assert "Dr Mia &lt;b&gt;Smith&lt;/b&gt;" in html  # kept as typed, shown escaped
    profile = Profile.objects.get(user=people["member"])
    assert profile.expert == Profile.Expert.APPLIED
    assert profile.registration == "NMC 12A3456E"
    assert list(profile.categories.all()) == [women]


@pytest.mark.parametrize(("error_id", "fields", "message"), [
    ("field-registration-error", {"registration": "  "}, "registration number is empty"),
    ("field-display_name-error", {"display_name": ""}, "name is empty"),
    ("categories-error", {"categories": ["999999"]}, "Choose categories from the list"),
])
def test_an_application_with_a_problem_says_where(error_id: str, fields: dict[str, Any],
                                                  message: str, people: dict[str, User],
                                                  kb: KB) -> None:
    data = {"display_name": "Mia", "profession": "Midwife", "speciality": "Antenatal care",
            "registration": "NMC 1", **fields}
    response = client_for(people["member"]).post(reverse("web:expert-apply"), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert f'id="{error_id}"' in html and message in html
    assert Profile.objects.get(user=people["member"]).expert == Profile.Expert.NONE
