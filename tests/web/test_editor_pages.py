"""The editors' pages: the queue, a sent question, an answer's review, answers due, expert
applications, flags and merges; each for editors only, and the whole flow through them."""

from __future__ import annotations

import datetime
import re

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import resolve, reverse
from django.utils import timezone

from healthqa.community import accounts, answering, asking, marks
from healthqa.community.models import ExpertAnswer, Flag, Profile, Submission
from healthqa.community.roles import user_role
from healthqa.kb.models import Answer, Question
from tests.kb.conftest import KB

GOOD_ANSWER = ("Most airlines accept flights until 36 weeks of a single pregnancy; ask your "
               "midwife for a letter saying you are fit to fly.")
SENT_BODY = ("I am 34 weeks pregnant and fly to Lisbon on Friday. Is that safe? "
             "Call me on 07700 900123 if you need to.")
PAGES = ["editor-queue", "editor-submission", "editor-answer", "editor-due", "editor-experts",
         "editor-flags", "editor-merge"]


@pytest.fixture
def people(db: None) -> dict[str, User]:
    make = accounts.user_create
    return {
        "member": make(username="mia", password="pass phrase one 1", role="member",
                       display_name="Mia Member"),
        "expert": make(username="lee", password="pass phrase two 2", role="expert",
                       display_name="Dr Amy Lee", profession="Obstetrician",
                       speciality="Maternal-fetal medicine"),
        "editor": make(username="ed", password="pass phrase four 4", role="editor",
                       display_name="Sam Reyes", profession="Physician"),
    }


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def sent(people: dict[str, User], title: str = "Flying at 34 weeks",
         body: str = SENT_BODY) -> Submission:
    return asking.submission_send(member=people["member"], title=title, body=body)


def pending_answer(people: dict[str, User], kb: KB) -> ExpertAnswer:
    submission = sent(people)
    question = asking.submission_publish(editor=people["editor"], submission=submission,
                                         title=submission.title, body="Is flying safe?",
                                         category=kb.back_pain.category)
    return answering.answer_submit(expert=people["expert"], question=question, body=GOOD_ANSWER)


def page_url(name: str, people: dict[str, User], kb: KB) -> str:
    if name == "editor-submission":
        return reverse(f"web:{name}", args=[sent(people).pk])
    if name == "editor-answer":
        return reverse(f"web:{name}", args=[pending_answer(people, kb).pk])
    return reverse(f"web:{name}")


# --- Who may see each page ------------------------------------------------------------------

@pytest.mark.parametrize("name", PAGES)
def test_editor_pages_are_for_editors(name: str, people: dict[str, User], kb: KB) -> None:
    url = page_url(name, people, kb)
    response = client_for(people["editor"]).get(url)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    html = response.content.decode()
    assert html.count("<h1") == 1
    assert 'style="' not in html and "<script>" not in html
    for form in re.findall(r'<form[^>]*method="post".*?</form>', html, re.S):
        assert 'name="csrfmiddlewaretoken"' in form
    assert client_for(people["member"]).get(url).status_code == 403
    assert client_for(people["expert"]).get(url).status_code == 403
    anonymous = client_for(None).get(url)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("web:login"))


@pytest.mark.parametrize("name", PAGES)
def test_a_member_cannot_post_to_editor_pages(name: str, people: dict[str, User],
                                              kb: KB) -> None:
    url = page_url(name, people, kb)
    pending = Submission.objects.filter(state=Submission.State.PENDING).count()
    response = client_for(people["member"]).post(url, {
        "do": "publish", "title": "x", "body": "y", "category": str(kb.back_pain.category_id),
        "duplicate": kb.exercise.slug, "into": kb.back_pain.slug})
    assert response.status_code == 403
    assert Submission.objects.filter(state=Submission.State.PENDING).count() == pending
    assert Question.objects.get(pk=kb.exercise.pk).merged_into is None


def test_the_editor_pages_name_their_action() -> None:
    actions = {"/editor/": "moderate", "/editor/submissions/1/": "moderate",
               "/editor/answers/1/": "review", "/editor/due/": "review",
               "/editor/experts/": "verify_expert", "/editor/flags/": "handle_flag",
               "/editor/merge/": "merge"}
    for path, action in actions.items():
        assert resolve(path).func.healthqa_action == action  # type: ignore[attr-defined]


# --- The whole flow through the pages -------------------------------------------------------

def test_sent_question_to_reviewed_answer_through_the_pages(people: dict[str, User],
                                                            kb: KB) -> None:
    submission = sent(people, title="Flying <b>at</b> 34 weeks")
    editor, expert = client_for(people["editor"]), client_for(people["expert"])

    # The queue shows it with the phone number marked, and the text escaped.
    html = editor.get(reverse("web:editor-queue")).content.decode()
    assert "Flying &lt;b&gt;at&lt;/b&gt; 34 weeks" in html
    assert re.search(r'<mark class="pii" data-kind="phone"[^>]*>07700 900123</mark>', html)
    assert "1 phone number" in html

    # The editor removes the number, edits the title and publishes it as open.
    url = reverse("web:editor-submission", args=[submission.pk])
    html = editor.get(url).content.decode()
    assert 'data-kind="phone"' in html
    response = editor.post(url, {
        "do": "publish", "title": "Is it safe to fly at 34 weeks pregnant?",
        "body": "I am 34 weeks pregnant and fly on Friday. Is that safe?",
        "category": str(kb.back_pain.category_id), "focus": "Flying in pregnancy"},
        follow=True)
    assert response.redirect_chain == [(reverse("web:editor-queue"), 302)]
    assert "Published as open" in response.content.decode()
    submission.refresh_from_db()
    assert submission.state == Submission.State.OPEN
    question = submission.question
    assert question is not None
    assert (question.title, question.status) == ("Is it safe to fly at 34 weeks pregnant?",
                                                 Question.Status.PUBLISHED)
    assert "07700" not in question.body and not question.has_answer

    # Its page is public and open.
    page = client_for(None).get(question.get_absolute_url())
    assert page.status_code == 200
    assert question.title in page.content.decode()

    # The expert finds it, previews an answer with hostile Markdown, then sends a good one.
    assert question.title in expert.get(reverse("web:experts")).content.decode()
    answer_url = reverse("web:answer", args=[question.slug])
    preview = expert.post(answer_url, {"do": "preview", "body": (
        "See your **midwife**.\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1))")})
    html = preview.content.decode()
    assert "<strong>midwife</strong>" in html
    assert "<script>alert(1)" not in html and 'href="javascript:' not in html
    assert not ExpertAnswer.objects.exists()
    response = expert.post(answer_url, {"do": "submit", "body": GOOD_ANSWER})
    assert response.status_code == 302
    draft = ExpertAnswer.objects.get()

    # The editor sees it in the queue, with the expert's credentials, and approves it.
    assert reverse("web:editor-answer", args=[draft.pk]) in editor.get(
        reverse("web:editor-queue")).content.decode()
    review_url = reverse("web:editor-answer", args=[draft.pk])
    html = editor.get(review_url).content.decode()
    assert "Dr Amy Lee" in html and "Maternal-fetal medicine" in html
    assert "Most airlines accept flights" in html
    next_year = timezone.localdate() + datetime.timedelta(days=365)
    assert f'value="{next_year.isoformat()}"' in html
    response = editor.post(review_url, {"do": "approve",
                                        "next_review_on": next_year.isoformat()})
    assert response.status_code == 302

    # Published, attributed and reviewed.
    answer = Answer.objects.get(question=question)
    expert_author = accounts.author_for(user=people["expert"])
    editor_author = accounts.author_for(user=people["editor"])
    assert (answer.author, answer.reviewed_by) == (expert_author, editor_author)
    assert answer.reviewed_on == timezone.localdate() and answer.next_review_on == next_year
    submission.refresh_from_db()
    assert submission.state == Submission.State.ANSWERED
    page = client_for(None).get(question.get_absolute_url())
    html = page.content.decode()
    assert page.status_code == 200 and "Dr Amy Lee" in html
    if "Medically reviewed by" in html:
        assert "Medically reviewed by Sam Reyes" in html


def test_editing_a_published_answer_shows_the_published_text_beside(
        people: dict[str, User], kb: KB) -> None:
    draft = pending_answer(people, kb)
    answering.answer_approve(editor=people["editor"], draft=draft)
    draft = answering.answer_submit(expert=people["expert"], question=draft.question,
                                    body=GOOD_ANSWER.replace("36 weeks", "37 weeks"))
    html = client_for(people["editor"]).get(
        reverse("web:editor-answer", args=[draft.pk])).content.decode()
    assert "The new text" in html and "Published now" in html
    assert "37 weeks" in html and "36 weeks" in html


def test_an_answer_returned_with_a_reason_reaches_its_expert(people: dict[str, User],
                                                             kb: KB) -> None:
    draft = pending_answer(people, kb)
    url = reverse("web:editor-answer", args=[draft.pk])
    editor = client_for(people["editor"])
    response = editor.post(url, {"do": "return", "reason": "  "})
    assert response.status_code == 400
    assert 'id="field-reason-error"' in response.content.decode()
    assert editor.post(url, {"do": "return",
                             "reason": "Say which airlines."}).status_code == 302
    draft.refresh_from_db()
    assert (draft.state, draft.reason) == (ExpertAnswer.State.REJECTED, "Say which airlines.")
    assert "Say which airlines." in client_for(people["expert"]).get(
        reverse("web:experts")).content.decode()
    # Decided: no more forms, and a second decision is refused.
    assert editor.post(url, {"do": "approve"}).status_code == 400


def test_a_bad_review_date_is_refused_by_its_field(people: dict[str, User], kb: KB) -> None:
    draft = pending_answer(people, kb)
    url = reverse("web:editor-answer", args=[draft.pk])
    editor = client_for(people["editor"])
    for value, message in [("next spring", "YYYY-MM-DD"), ("2000-01-01", "in the future")]:
        response = editor.post(url, {"do": "approve", "next_review_on": value})
        assert response.status_code == 400
        html = response.content.decode()
        assert 'id="field-next_review_on-error"' in html and message in html
    draft.refresh_from_db()
    assert draft.state == ExpertAnswer.State.PENDING


# --- Rejecting and joining sent questions ---------------------------------------------------

def test_a_rejected_question_tells_the_member_why(people: dict[str, User], kb: KB) -> None:
    submission = sent(people)
    url = reverse("web:editor-submission", args=[submission.pk])
    editor = client_for(people["editor"])
    response = editor.post(url, {"do": "reject", "reason": ""})
    assert response.status_code == 400
    assert "reason is empty" in response.content.decode()
    response = editor.post(url, {"do": "reject", "reason": "Please ask your midwife <today>."})
    assert response.status_code == 302
    submission.refresh_from_db()
    assert submission.state == Submission.State.REJECTED
    assert submission.reason == "Please ask your midwife <today>."
    assert not Question.objects.filter(external_id__startswith="healthqa/submission/").exists()
    mine = client_for(people["member"]).get(reverse("web:my-questions"))
    if mine.status_code == 200:
        assert "Please ask your midwife &lt;today&gt;." in mine.content.decode()
    # The decided question shows its decision and no forms.
    html = editor.get(url).content.decode()
    assert "Reason given: Please ask your midwife &lt;today&gt;." in html
    assert 'value="publish"' not in html


def test_publishing_needs_a_category(people: dict[str, User], kb: KB) -> None:
    submission = sent(people)
    response = client_for(people["editor"]).post(
        reverse("web:editor-submission", args=[submission.pk]),
        {"do": "publish", "title": "Flying", "body": "Is it safe?", "category": ""})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="field-category-error"' in html and "Choose a category from the list" in html
    submission.refresh_from_db()
    assert submission.state == Submission.State.PENDING


@pytest.mark.parametrize("address", ["{url}", "http://testserver{url}", "{slug}"])
def test_a_sent_question_joins_an_existing_one_by_its_address(
        address: str, people: dict[str, User], kb: KB) -> None:
    submission = sent(people)
    into = kb.back_pain
    response = client_for(people["editor"]).post(
        reverse("web:editor-submission", args=[submission.pk]),
        {"do": "merge", "into": address.format(url=into.get_absolute_url(), slug=into.slug)})
    assert response.status_code == 302
    submission.refresh_from_db()
    assert (submission.question, submission.state) == (into, Submission.State.ANSWERED)


@pytest.mark.parametrize("address", ["", "/topics/", "/q/no-such-question/",
                                     "javascript:alert(1)"])
def test_joining_to_a_bad_address_is_refused(address: str, people: dict[str, User],
                                             kb: KB) -> None:
    submission = sent(people)
    response = client_for(people["editor"]).post(
        reverse("web:editor-submission", args=[submission.pk]), {"do": "merge", "into": address})
    assert response.status_code == 400
    assert 'id="field-into-error"' in response.content.decode()
    submission.refresh_from_db()
    assert submission.state == Submission.State.PENDING


# --- Merging duplicates ---------------------------------------------------------------------

def test_merging_a_duplicate_makes_its_address_redirect(people: dict[str, User],
                                                        kb: KB) -> None:
    old_url, new_url = kb.sleep_back_pain.get_absolute_url(), kb.back_pain.get_absolute_url()
    response = client_for(people["editor"]).post(
        reverse("web:editor-merge"), {"duplicate": old_url, "into": new_url}, follow=True)
    assert response.redirect_chain == [(reverse("web:editor-merge"), 302)]
    assert f"{old_url} now redirects to {new_url}" in response.content.decode()
    moved = client_for(None).get(old_url)
    assert moved.status_code == 301 and moved["Location"] == new_url
    # Merged once: it cannot be merged again.
    response = client_for(people["editor"]).post(
        reverse("web:editor-merge"), {"duplicate": old_url, "into": new_url})
    assert response.status_code == 400
    assert "merged into another already" in response.content.decode()


def test_a_question_cannot_be_merged_into_itself(people: dict[str, User], kb: KB) -> None:
    url = kb.back_pain.get_absolute_url()
    response = client_for(people["editor"]).post(reverse("web:editor-merge"),
                                                 {"duplicate": url, "into": url})
    assert response.status_code == 400
    assert 'id="field-into-error"' in response.content.decode()


# --- Answers due for review -----------------------------------------------------------------

def test_due_answers_are_listed_oldest_first_and_can_be_reviewed_again(
        people: dict[str, User], kb: KB) -> None:
    today = timezone.localdate()
    soon, overdue, later = (kb.exercise.answers.get(), kb.ankles.answers.get(),
                            kb.fibroids.answers.get())
    for answer, days in [(soon, 10), (overdue, -40), (later, 20)]:
        Answer.objects.filter(pk=answer.pk).update(next_review_on=today
                                                   + datetime.timedelta(days=days))
    editor = client_for(people["editor"])
    html = editor.get(reverse("web:editor-due")).content.decode()
    positions = [html.index(q.title) for q in (kb.ankles, kb.exercise, kb.fibroids)]
    assert positions == sorted(positions)
    assert "(overdue)" in html
    assert kb.back_pain.title not in html  # not due

    response = editor.post(reverse("web:editor-due"), {"answer": str(overdue.pk)}, follow=True)
    assert response.redirect_chain == [(reverse("web:editor-due"), 302)]
    overdue.refresh_from_db()
    assert overdue.reviewed_on == today
    assert overdue.next_review_on == today + answering.REVIEW_INTERVAL
    assert overdue.reviewed_by == accounts.author_for(user=people["editor"])
    html = response.content.decode()
    assert "Reviewed again today: answer 1 to" in html
    assert f"{kb.ankles.get_absolute_url()}#answer-" not in html


# --- Expert applications and flags ----------------------------------------------------------

def test_verifying_an_applicant_makes_them_an_expert(people: dict[str, User], kb: KB) -> None:
    member = people["member"]
    accounts.expert_apply(user=member, display_name="Mia Midwife", profession="Midwife",
                          speciality="Antenatal care", registration="NMC 12A3456E")
    profile = Profile.objects.get(user=member)
    editor = client_for(people["editor"])
    html = editor.get(reverse("web:editor-experts")).content.decode()
    assert "Mia Midwife" in html and "NMC 12A3456E" in html
    queue = editor.get(reverse("web:editor-queue")).content.decode()
    assert "<strong>1</strong> expert application" in queue
    response = editor.post(reverse("web:editor-experts"),
                           {"profile": str(profile.pk), "do": "verify"}, follow=True)
    assert "Mia Midwife is now a verified expert" in response.content.decode()
    member = User.objects.get(pk=member.pk)
    assert user_role(member) == "expert"
    assert client_for(member).get(reverse("web:experts")).status_code == 200
    # Decided: a second decision is refused by the service.
    response = editor.post(reverse("web:editor-experts"),
                           {"profile": str(profile.pk), "do": "decline"})
    assert response.status_code == 400


def test_declining_an_applicant_leaves_them_a_member(people: dict[str, User], kb: KB) -> None:
    member = people["member"]
    profile = accounts.expert_apply(user=member, display_name="Mia", profession="Healer",
                                    speciality="Crystals", registration="none")
    response = client_for(people["editor"]).post(reverse("web:editor-experts"),
                                                 {"profile": str(profile.pk), "do": "decline"})
    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.expert == Profile.Expert.DECLINED
    assert user_role(User.objects.get(pk=member.pk)) == "member"


def test_open_flags_are_listed_and_resolved(people: dict[str, User], kb: KB) -> None:
    answer = kb.back_pain.answers.first()
    flag = marks.flag_create(user=people["member"], question=kb.back_pain, answer=answer,
                             reason="inaccurate", note="Out of date <since 2020>.")
    editor = client_for(people["editor"])
    html = editor.get(reverse("web:editor-flags")).content.decode()
    assert "Inaccurate or out of date" in html and "Out of date &lt;since 2020&gt;." in html
    queue = editor.get(reverse("web:editor-queue")).content.decode()
    assert "<strong>1</strong> open flag" in queue
    response = editor.post(reverse("web:editor-flags"), {"flag": str(flag.pk)})
    assert response.status_code == 302
    flag = Flag.objects.get(pk=flag.pk)
    assert flag.resolved_by == people["editor"] and flag.resolved_at is not None
    assert "No open flag." in editor.get(reverse("web:editor-flags")).content.decode()
