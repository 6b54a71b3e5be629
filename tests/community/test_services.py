"""The community services end to end on the small knowledge base: a member sends, an editor
publishes, an expert answers, an editor approves; the answered question is an article found by
ask at once. Also what each service refuses, and why (InvalidInput names the field)."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.core import mail
from django.utils import timezone
from reversion.models import Version

from healthqa.ask.services import ask_question
from healthqa.community import accounts, answering, asking, marks
from healthqa.community.actions import InvalidInput, NotAllowed
from healthqa.community.models import (
    ApiToken,
    ExpertAnswer,
    Flag,
    Follow,
    HelpfulMark,
    Notification,
    Profile,
    Submission,
)
from healthqa.community.text import field_text
from healthqa.kb import editing
from healthqa.kb.models import Answer, AnswerAgreement, Question
from healthqa.search.engine import lexical_searcher
from tests.community.conftest import PASSWORD, MakeUser
from tests.kb.conftest import KB

pytestmark = pytest.mark.django_db

TITLE = "How long does pelvic girdle pain last after giving birth?"
BODY = "My baby is six weeks old and my pelvic girdle still hurts when I climb stairs."
ANSWER = ("Pelvic girdle pain usually **eases within weeks** of the birth. A women's health "
          "physiotherapist can help if it does not.")


def found_ids(text: str) -> list[int]:
    """Questions ask would show for `text`, best first."""
    return [h.question.pk for h in ask_question(text=text, k=10).hits]


def lexical_ids(text: str) -> list[int]:
    return [h.question_id for h in lexical_searcher().search(text, k=20)]


def send(member: User, title: str = TITLE, body: str = BODY) -> Submission:
    return asking.submission_send(member=member, title=title, body=body)


def publish(editor: User, submission: Submission, kb: KB, *, category: Any = None
            ) -> Question:
    return asking.submission_publish(editor=editor, submission=submission,
                                     title=submission.title, body=submission.body,
                                     category=category or kb.back_pain.category,
                                     focus="Pelvic girdle pain")


def answered(kb: KB, member: User, expert: User, editor: User, *, body: str = ANSWER,
             title: str = TITLE) -> tuple[Question, Answer]:
    """A question sent, published, answered and approved."""
    question = publish(editor, send(member, title), kb)
    draft = answering.answer_submit(expert=expert, question=question, body=body)
    return question, answering.answer_approve(editor=editor, draft=draft)


# ---------------------------------------------------------------------------------------------
# Text every field goes through


def test_field_text_trims_collapses_and_keeps_paragraphs() -> None:
    assert field_text("  a \t title\n here ", field="title", limit=50) == "a title here"
    assert field_text(" one\r\n\r\ntwo\t! ", field="question", limit=50, multiline=True) \
        == "one\n\ntwo\t!"
    assert field_text(None, field="note", limit=5, required=False) == ""
    assert field_text("12345", field="note", limit=5) == "12345"


@pytest.mark.parametrize(("value", "says"), [
    ("", "the title is empty"),
    ("   \n\t ", "the title is empty"),
    ("x" * 11, "the title is 11 characters long: please shorten it to 10 or fewer"),
    ("nul\x00", "U+0000"),
    ("bell\x07", "U+0007"),
    ("replacement \ufffd char", "U+FFFD"),
    ("lone \ud800 surrogate", "U+D800"),
    ("private \ue000 use", "U+E000"),
    ("non-character \uffff", "U+FFFF"),
])
def test_field_text_refuses_with_the_field_named(value: str, says: str) -> None:
    with pytest.raises(InvalidInput, match="title") as refused:
        field_text(value, field="title", limit=10)
    assert refused.value.field == "title"
    assert says in refused.value.message


@dataclass
class Desk:
    """What the writers below act on."""

    kb: KB
    member: User
    expert: User
    editor: User
    submission: Submission
    question: Question
    draft: ExpertAnswer


@pytest.fixture
def desk(kb: KB, member: User, expert: User, editor: User, make_user: MakeUser) -> Desk:
    opened = send(member, "Is it safe to fly at 30 weeks?", "I want to fly home.")
    question = publish(editor, opened, kb)
    draft = answering.answer_submit(expert=make_user("drx", "expert"), question=question,
                                    body="Most airlines let you fly until 36 weeks. " * 3)
    return Desk(kb=kb, member=member, expert=expert, editor=editor,
                submission=send(member, "Soft cheese?", "Is brie safe?"),
                question=question, draft=draft)


Writer = Callable[[Desk, str], object]

# Every field a person writes: (how it is written, its name in messages, limit, required).
FIELDS: dict[str, tuple[Writer, str, int, bool]] = {
    "send title": (lambda d, v: asking.submission_send(member=d.member, title=v, body="Text"),
                   "title", asking.TITLE_CHARS, True),
    "send body": (lambda d, v: asking.submission_send(member=d.member, title="T", body=v),
                  "question", asking.BODY_CHARS, True),
    "publish title": (lambda d, v: asking.submission_publish(
        editor=d.editor, submission=d.submission, title=v, body="Text",
        category=d.kb.back_pain.category), "title", asking.TITLE_CHARS, True),
    "publish body": (lambda d, v: asking.submission_publish(
        editor=d.editor, submission=d.submission, title="T", body=v,
        category=d.kb.back_pain.category), "question", asking.BODY_CHARS, True),
    "publish focus": (lambda d, v: asking.submission_publish(
        editor=d.editor, submission=d.submission, title="T", body="Text",
        category=d.kb.back_pain.category, focus=v), "topic", 300, False),
    "reject reason": (lambda d, v: asking.submission_reject(
        editor=d.editor, submission=d.submission, reason=v), "reason",
        asking.REASON_CHARS, True),
    "answer": (lambda d, v: answering.answer_submit(expert=d.expert, question=d.question,
                                                    body=v), "answer",
               answering.ANSWER_CHARS, True),
    "preview": (lambda d, v: answering.answer_preview(body=v), "answer",
                answering.ANSWER_CHARS, True),
    "return reason": (lambda d, v: answering.answer_return(editor=d.editor, draft=d.draft,
                                                           reason=v), "reason", 1000, True),
    "flag note": (lambda d, v: marks.flag_create(user=d.member, question=d.kb.back_pain,
                                                 answer=None, reason="other", note=v),
                  "note", 1000, False),
    "apply name": (lambda d, v: accounts.expert_apply(
        user=d.member, display_name=v, profession="Nurse", speciality="Care",
        registration="RN 1"), "name", 160, True),
    "apply profession": (lambda d, v: accounts.expert_apply(
        user=d.member, display_name="Dr. M", profession=v, speciality="Care",
        registration="RN 1"), "profession", 120, True),
    "apply speciality": (lambda d, v: accounts.expert_apply(
        user=d.member, display_name="Dr. M", profession="Nurse", speciality=v,
        registration="RN 1"), "speciality", 120, True),
    "apply registration": (lambda d, v: accounts.expert_apply(
        user=d.member, display_name="Dr. M", profession="Nurse", speciality="Care",
        registration=v), "registration number", 120, True),
    "username": (lambda d, v: accounts.user_create(username=v, password=PASSWORD),
                 "username", 150, True),
    "email": (lambda d, v: accounts.user_create(username="newbie", password=PASSWORD,
                                                email=v), "email", 254, False),
    "display name": (lambda d, v: accounts.user_create(username="newbie", password=PASSWORD,
                                                       display_name=v), "display name", 160,
                     False),
    "profession": (lambda d, v: accounts.user_create(username="newbie", password=PASSWORD,
                                                     profession=v), "profession", 120, False),
    "speciality": (lambda d, v: accounts.user_create(username="newbie", password=PASSWORD,
                                                     speciality=v), "speciality", 120, False),
}


def state_of_everything() -> list[object]:
    """Row counts and states: a refused write leaves all of them as they were."""
    return [User.objects.count(), Question.objects.count(), Answer.objects.count(),
            Flag.objects.count(), Notification.objects.count(),
            sorted(Submission.objects.values_list("pk", "state", "title")),
            sorted(ExpertAnswer.objects.values_list("pk", "state", "body")),
            sorted(Profile.objects.values_list("pk", "expert", "display_name"))]


@pytest.mark.parametrize("kind", ["empty", "too long", "nul", "replacement", "escape"])
@pytest.mark.parametrize("name", sorted(FIELDS))
def test_every_field_refuses_bad_text_naming_it_and_changes_nothing(
        name: str, kind: str, desk: Desk) -> None:
    write, field, limit, required = FIELDS[name]
    value = {"empty": "   ", "too long": "a" * (limit + 1), "nul": "bad\x00text",
             "replacement": "bad \ufffd text", "escape": "bad \x1b[31m text"}[kind]
    if kind == "empty" and not required:
        return  # optional: empty is fine (checked in the flows)
    before = state_of_everything()
    with pytest.raises(InvalidInput) as refused:
        write(desk, value)
    assert refused.value.field == field
    assert field in refused.value.message
    assert state_of_everything() == before


# ---------------------------------------------------------------------------------------------
# Accounts


def test_user_create_refuses_a_taken_name_a_weak_password_and_an_unknown_role(
        make_user: MakeUser) -> None:
    make_user("ana")
    cases = [
        ({"username": "ANA"}, "username", "taken"),
        ({"username": "bo b"}, "username", "letters, digits"),
        ({"username": "bob", "password": "short"}, "password", "too short"),
        ({"username": "bob", "password": "password123"}, "password", "too common"),
        ({"username": "bob", "password": "8917263548"}, "password", "entirely numeric"),
        ({"username": "bob", "role": "superhero"}, "role", "must be one of"),
        ({"username": "bob", "email": "bob-at-example"}, "email", "not an e-mail"),
    ]
    for fields, field, says in cases:
        with pytest.raises(InvalidInput) as refused:
            accounts.user_create(**{"password": PASSWORD, **fields})
        assert (refused.value.field, says in refused.value.message) == (field, True), fields
    assert list(User.objects.values_list("username", flat=True)) == ["ana"]
    assert not Profile.objects.exclude(user__username="ana").exists()


def test_user_create_makes_the_profile_and_an_author_for_experts(make_user: MakeUser) -> None:
    plain = make_user("plain")
    assert plain.profile.display_name == "plain" and plain.profile.author is None
    expert = make_user("dr-cho", "expert", display_name="Dr. Cho", profession="Cardiologist",
                       speciality="Heart failure")
    profile = Profile.objects.get(user=expert)
    assert profile.expert == Profile.Expert.VERIFIED and profile.verified_at is not None
    assert profile.author is not None
    assert (profile.author.display_name, profile.author.credentials) == (
        "Dr. Cho", "Cardiologist · Heart failure")
    profile.speciality = "Arrhythmia"
    profile.save()
    assert accounts.author_for(user=expert).credentials == "Cardiologist · Arrhythmia"
    # Two people with one name get two authors.
    twin = make_user("dr-cho-2", "expert", display_name="Dr. Cho")
    assert accounts.author_for(user=twin).slug != profile.author.slug


def test_profile_get_makes_a_profile_for_accounts_made_elsewhere() -> None:
    user = User.objects.create_superuser(username="boss", password=PASSWORD)
    assert accounts.profile_get(user=user).display_name == "boss"
    assert accounts.profile_get(user=user).pk == Profile.objects.get(user=user).pk


def test_an_expert_applies_and_an_editor_verifies(
        member: User, other_member: User, editor: User, kb: KB) -> None:
    profile = accounts.expert_apply(user=member, display_name="Dr. Mia", profession="Nurse",
                                    speciality="Midwifery", registration="RN 42",
                                    categories=[kb.back_pain.category])
    declined = accounts.expert_apply(user=other_member, display_name="Noel",
                                     profession="Herbalist", speciality="Teas",
                                     registration="none")
    assert [p.pk for p in accounts.experts_applied()] == [profile.pk, declined.pk]
    assert not member.has_perm("community.answer_question")
    accounts.expert_verify(editor=editor, profile=profile, accept=True)
    member = User.objects.get(pk=member.pk)  # permissions are cached per instance
    assert member.has_perm("community.answer_question")
    profile.refresh_from_db()
    assert (profile.expert, profile.verified_by) == (Profile.Expert.VERIFIED, editor)
    assert profile.author is not None and profile.author.credentials == "Nurse · Midwifery"
    assert list(profile.categories.all()) == [kb.back_pain.category]
    accounts.expert_verify(editor=editor, profile=declined, accept=False)
    declined.refresh_from_db()
    assert declined.expert == Profile.Expert.DECLINED
    assert not User.objects.get(pk=other_member.pk).has_perm("community.answer_question")
    assert accounts.experts_applied() == []
    with pytest.raises(InvalidInput, match="no application"):
        accounts.expert_verify(editor=editor, profile=declined, accept=True)
    with pytest.raises(InvalidInput, match="already a verified expert"):
        accounts.expert_apply(user=member, display_name="Dr. Mia", profession="Nurse",
                              speciality="Midwifery", registration="RN 42")


def test_an_editor_cannot_verify_their_own_application(editor: User) -> None:
    profile = accounts.expert_apply(user=editor, display_name="Eddie", profession="GP",
                                    speciality="Family medicine", registration="GMC 1")
    with pytest.raises(NotAllowed, match="own application"):
        accounts.expert_verify(editor=editor, profile=profile, accept=True)
    profile.refresh_from_db()
    assert profile.expert == Profile.Expert.APPLIED


def test_tokens_sign_in_their_active_user_only_and_are_stored_hashed(
        member: User, expert: User) -> None:
    raw = accounts.token_issue(user=member)
    other = accounts.token_issue(user=member)
    assert raw.startswith(accounts.TOKEN_PREFIX) and raw != other
    assert accounts.token_user(raw=raw) == member
    stored = ApiToken.objects.get(prefix=raw[:10])
    assert raw not in stored.digest and stored.last_used_at is not None
    for bogus in ("", raw[:-1], raw + "x", raw[len(accounts.TOKEN_PREFIX):], "hqa_" + "a" * 200):
        assert accounts.token_user(raw=bogus) is None
    member.is_active = False
    member.save()
    assert accounts.token_user(raw=raw) is None
    accounts.token_issue(user=expert)
    assert accounts.tokens_revoke(user=member) == 2
    assert accounts.token_user(raw=other) is None
    assert ApiToken.objects.filter(user=expert).count() == 1


# ---------------------------------------------------------------------------------------------
# Sending and moderating


def test_a_pending_question_is_not_public(kb: KB, member: User) -> None:
    questions = Question.objects.count()
    sent = send(member, "Quokka zygomatic fever in pregnancy?",
                "Can a quokka zygomatic fever harm the baby?")
    assert sent.state == Submission.State.PENDING and sent.question is None
    assert Question.objects.count() == questions
    assert lexical_ids("quokka zygomatic") == []
    assert all("Quokka" not in h.question.title
               for h in ask_question(text="quokka zygomatic fever").hits)
    assert [s.pk for s in asking.submissions_pending()] == [sent.pk]
    assert [s.pk for s in asking.submissions_of(member=member)] == [sent.pk]


def test_publishing_makes_an_open_question_found_by_search_at_once(
        kb: KB, member: User, editor: User, django_capture_on_commit_callbacks: Any) -> None:
    sent = send(member, "pelvic grdle pain after birth??", BODY)
    with django_capture_on_commit_callbacks(execute=True):
        question = asking.submission_publish(
            editor=editor, submission=sent, title="  How long does pelvic girdle pain last "
            "after giving birth?  ", body=BODY, category=kb.back_pain.category,
            focus="Pelvic girdle pain")
    assert (question.title, question.status, question.has_answer) == (
        TITLE, Question.Status.PUBLISHED, False)
    assert question.question_type == "outlook"  # "how long": the type its title asks
    assert question.answered_at is None and question.published_at is not None
    assert question.external_id == f"healthqa/submission/{sent.pk}"
    sent.refresh_from_db()
    assert (sent.state, sent.question, sent.decided_by, sent.title) == (
        Submission.State.OPEN, question, editor, TITLE)
    assert Follow.objects.filter(user=member, question=question).exists()
    [note] = Notification.objects.filter(user=member)
    assert "is published" in note.message and note.url == question.get_absolute_url()
    assert [m.to for m in mail.outbox] == [[member.email]]
    assert lexical_ids("pelvic girdle")[:1] == [question.pk]
    assert found_ids("pelvic girdle pain after birth")[:1] == [question.pk]
    assert Version.objects.get_for_object(question).count() == 1
    with pytest.raises(InvalidInput, match="already decided") as refused:
        publish(editor, sent, kb)
    assert refused.value.field == "state"


def test_a_rejected_question_tells_the_member_why_and_stays_private(
        kb: KB, member: User, editor: User, django_capture_on_commit_callbacks: Any) -> None:
    sent = send(member)
    questions = Question.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        asking.submission_reject(editor=editor, submission=sent,
                                 reason="  Please ask your midwife: this needs an exam. ")
    sent.refresh_from_db()
    assert (sent.state, sent.reason, sent.question) == (
        Submission.State.REJECTED, "Please ask your midwife: this needs an exam.", None)
    assert Question.objects.count() == questions
    note = Notification.objects.get(user=member)
    assert "was not published" in note.message and "ask your midwife" in note.message
    assert "ask your midwife" in mail.outbox[0].body
    assert asking.submissions_pending().count() == 0
    for decide in (lambda: asking.submission_reject(editor=editor, submission=sent, reason="x"),
                   lambda: publish(editor, sent, kb),
                   lambda: asking.submission_merge(editor=editor, submission=sent,
                                                   into=kb.exercise)):
        with pytest.raises(InvalidInput, match="already decided"):
            decide()


def test_a_question_joined_to_an_answered_one_is_answered_and_followed(
        kb: KB, member: User, editor: User, expert: User) -> None:
    sent = send(member, "Is exercise OK when pregnant?")
    asking.submission_merge(editor=editor, submission=sent, into=kb.exercise)
    sent.refresh_from_db()
    assert (sent.state, sent.question) == (Submission.State.ANSWERED, kb.exercise)
    assert Follow.objects.filter(user=member, question=kb.exercise).exists()
    assert "is already here" in Notification.objects.get(user=member).message


def test_a_question_joined_to_an_open_one_hears_when_it_is_answered(
        kb: KB, member: User, other_member: User, editor: User, expert: User) -> None:
    question = publish(editor, send(member), kb)
    again = send(other_member, "Pelvic pain weeks after birth")
    asking.submission_merge(editor=editor, submission=again, into=question)
    again.refresh_from_db()
    assert (again.state, again.question) == (Submission.State.MERGED, question)
    draft = answering.answer_submit(expert=expert, question=question, body=ANSWER)
    answering.answer_approve(editor=editor, draft=draft)
    again.refresh_from_db()
    assert again.state == Submission.State.ANSWERED
    assert Notification.objects.filter(user=other_member,
                                       message__startswith="Your question has an answer").exists()


def test_a_question_cannot_be_joined_to_an_unpublished_one(
        kb: KB, member: User, editor: User) -> None:
    sent = send(member)
    with pytest.raises(InvalidInput, match="published question") as refused:
        asking.submission_merge(editor=editor, submission=sent, into=kb.dizzy_draft)
    assert refused.value.field == "into"
    sent.refresh_from_db()
    assert sent.state == Submission.State.PENDING


def test_follow_set_follows_published_questions_only(kb: KB, member: User) -> None:
    assert asking.follow_set(member=member, question=kb.back_pain, on=True) is True
    asking.follow_set(member=member, question=kb.back_pain, on=True)
    assert asking.follows_of(member=member) == [kb.back_pain]
    with pytest.raises(NotAllowed, match="published"):
        asking.follow_set(member=member, question=kb.dizzy_draft, on=True)
    assert asking.follow_set(member=member, question=kb.back_pain, on=False) is False
    assert asking.follows_of(member=member) == []


# ---------------------------------------------------------------------------------------------
# Merging duplicates


def test_question_merge_moves_answers_and_followers_and_retires_the_duplicate(
        kb: KB, member: User, editor: User) -> None:
    duplicate, into = kb.sleep_back_pain, kb.back_pain
    moved = list(duplicate.answers.values_list("pk", flat=True))
    kept = list(into.answers.order_by("position").values_list("pk", flat=True))
    asking.follow_set(member=member, question=duplicate, on=True)
    assert duplicate.pk in lexical_ids("sleep with back pain")
    assert asking.question_merge(editor=editor, duplicate=duplicate, into=into) == into
    duplicate.refresh_from_db()
    into.refresh_from_db()
    assert (duplicate.status, duplicate.merged_into, duplicate.has_answer) == (
        Question.Status.ARCHIVED, into, False)
    assert list(into.answers.order_by("position").values_list("pk", flat=True)) \
        == kept + moved
    assert list(into.answers.order_by("position").values_list("position", flat=True)) \
        == [1, 2, 3, 4]
    assert into.has_answer and into.status == Question.Status.PUBLISHED
    assert asking.follows_of(member=member) == [into]
    # The duplicate leaves search and ask; the target is found with all its answers.
    assert duplicate.pk not in lexical_ids("sleep with back pain")
    result = ask_question(text="How can I sleep with back pain in pregnancy?")
    assert duplicate.pk not in [h.question.pk for h in result.hits]
    [hit] = [h for h in result.hits if h.question.pk == into.pk]
    assert [a.pk for a in hit.answers] == kept + moved
    assert Version.objects.get_for_object(duplicate).exists()


def test_merges_never_chain_and_refuse_loops(kb: KB, editor: User) -> None:
    first, middle, last = kb.morning_sickness, kb.sleep_back_pain, kb.back_pain
    asking.question_merge(editor=editor, duplicate=first, into=middle)
    asking.question_merge(editor=editor, duplicate=middle, into=last)
    first.refresh_from_db()
    middle.refresh_from_db()
    assert first.merged_into == last and middle.merged_into == last
    assert last.answers.count() == 5
    with pytest.raises(InvalidInput, match="itself") as refused:
        asking.question_merge(editor=editor, duplicate=last, into=last)
    assert refused.value.field == "into"
    with pytest.raises(InvalidInput, match="was itself merged"):
        asking.question_merge(editor=editor, duplicate=kb.exercise, into=middle)
    assert kb.exercise.status == Question.Status.PUBLISHED


def test_a_question_is_not_merged_into_an_unpublished_one(kb: KB, editor: User) -> None:
    answers = kb.exercise.answers.count()
    with pytest.raises(InvalidInput, match="published") as refused:
        asking.question_merge(editor=editor, duplicate=kb.exercise, into=kb.dizzy_draft)
    assert refused.value.field == "into"
    kb.exercise.refresh_from_db()
    assert kb.exercise.status == Question.Status.PUBLISHED
    assert kb.exercise.answers.count() == answers


def test_merging_an_open_question_into_an_answered_one_answers_its_reader(
        kb: KB, member: User, editor: User, expert: User) -> None:
    sent = send(member)
    question = publish(editor, sent, kb)
    pending = answering.answer_submit(expert=expert, question=question, body=ANSWER)
    asking.question_merge(editor=editor, duplicate=question, into=kb.back_pain)
    sent.refresh_from_db()
    assert (sent.question, sent.state) == (kb.back_pain, Submission.State.ANSWERED)
    assert question.pk not in answering.questions_open(expert=expert).values_list("pk",
                                                                                  flat=True)
    # The expert's pending answer follows the question it now answers.
    pending.refresh_from_db()
    assert pending.question == kb.back_pain
    answer = answering.answer_approve(editor=editor, draft=pending)
    assert answer.question == kb.back_pain


def test_an_answer_to_a_question_no_longer_published_is_not_approved(
        kb: KB, member: User, editor: User, expert: User, other_expert: User) -> None:
    question = publish(editor, send(member), kb)
    kept = answering.answer_submit(expert=expert, question=kb.back_pain, body=ANSWER)
    stranded = answering.answer_submit(expert=expert, question=question, body=ANSWER + " More.")
    asking.question_merge(editor=editor, duplicate=question, into=kb.back_pain)
    stranded.refresh_from_db()
    assert stranded.question == question  # the expert already answers the target
    with pytest.raises(InvalidInput, match="not published") as refused:
        answering.answer_approve(editor=editor, draft=stranded)
    assert refused.value.field == "question"
    assert not Answer.objects.filter(question=question).exists()
    answering.answer_approve(editor=editor, draft=kept)


# ---------------------------------------------------------------------------------------------
# Answering and review


def test_the_full_flow_from_sending_to_an_answered_article(
        kb: KB, member: User, other_member: User, expert: User, editor: User,
        django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        sent = send(member)
        question = publish(editor, sent, kb)
    asking.follow_set(member=other_member, question=question, on=True)
    assert [q.pk for q in answering.questions_open(expert=expert)] == [question.pk]
    [hit] = [h for h in ask_question(text=TITLE).hits if h.question.pk == question.pk]
    assert hit.answers == ()

    draft = answering.answer_submit(expert=expert, question=question, body=ANSWER)
    assert draft.state == ExpertAnswer.State.PENDING
    assert not question.answers.exists()
    assert [d.pk for d in answering.answers_pending()] == [draft.pk]
    assert [d.pk for d in answering.answers_of(expert=expert)] == [draft.pk]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        answer = answering.answer_approve(editor=editor, draft=draft)

    today = timezone.localdate()
    answer.refresh_from_db()
    assert answer.question == question and answer.position == 1
    assert answer.author == Profile.objects.get(user=expert).author
    assert answer.author.credentials == "Obstetrician · Maternal-fetal medicine"
    assert answer.reviewed_by == Profile.objects.get(user=editor).author
    assert answer.reviewed_by.display_name == "Eddie Editor"
    assert (answer.reviewed_on, answer.next_review_on) == (
        today, today + answering.REVIEW_INTERVAL)
    assert "<strong>eases within weeks</strong>" in answer.body_html
    question.refresh_from_db()
    assert question.has_answer and question.answered_at is not None
    assert question.excerpt.startswith("Pelvic girdle pain usually eases within weeks")
    assert question.last_reviewed_at == today
    sent.refresh_from_db()
    draft.refresh_from_db()
    assert sent.state == Submission.State.ANSWERED
    assert (draft.state, draft.answer, draft.reviewed_by) == (
        ExpertAnswer.State.PUBLISHED, answer, editor)
    assert answering.answers_pending().count() == 0
    assert list(answering.questions_open(expert=expert)) == []
    # Everyone hears: the member and the follower on the site, by e-mail those with one.
    for user in (member, other_member):
        assert Notification.objects.filter(
            user=user, message__startswith="Your question has an answer",
            url=question.get_absolute_url()).exists()
    assert Notification.objects.filter(user=expert, message__contains="is published").exists()
    assert sorted(to for m in mail.outbox for to in m.to) == sorted([member.email,
                                                                     expert.email])
    assert other_member.email == ""  # told on the site only
    # Found by ask at once, answered (no reindex).
    result = ask_question(text="pelvic girdle pain after birth")
    assert result.hits[0].question.pk == question.pk
    assert [a.pk for a in result.hits[0].answers] == [answer.pk]


def test_an_approved_answer_can_be_set_to_be_reviewed_on_a_given_day(
        kb: KB, expert: User, editor: User) -> None:
    draft = answering.answer_submit(expert=expert, question=kb.back_pain, body=ANSWER)
    with pytest.raises(InvalidInput, match="future") as refused:
        answering.answer_approve(editor=editor, draft=draft,
                                 next_review_on=timezone.localdate())
    assert refused.value.field == "next_review_on"
    due = timezone.localdate() + datetime.timedelta(days=90)
    answer = answering.answer_approve(editor=editor, draft=draft, next_review_on=due)
    assert answer.next_review_on == due and answer.position == 4
    with pytest.raises(InvalidInput, match="not waiting"):
        answering.answer_approve(editor=editor, draft=draft)


def test_an_edit_of_a_published_answer_waits_and_then_replaces_it(
        kb: KB, member: User, expert: User, editor: User) -> None:
    question, answer = answered(kb, member, expert, editor)
    draft = answering.answer_submit(expert=expert, question=question,
                                    body=ANSWER + " See your GP if it gets worse.")
    assert draft.state == ExpertAnswer.State.PENDING and draft.answer == answer
    answer.refresh_from_db()
    assert "GP" not in answer.body  # the public text waits for review
    again = answering.answer_approve(editor=editor, draft=draft)
    assert again.pk == answer.pk and question.answers.count() == 1
    assert "GP" in again.body
    assert ExpertAnswer.objects.filter(expert=expert).count() == 1


def test_a_returned_answer_tells_the_expert_why_and_can_be_sent_again(
        kb: KB, expert: User, editor: User) -> None:
    draft = answering.answer_submit(expert=expert, question=kb.back_pain, body=ANSWER)
    answering.answer_return(editor=editor, draft=draft, reason="Please cite a source.")
    draft.refresh_from_db()
    assert (draft.state, draft.reason) == (ExpertAnswer.State.REJECTED, "Please cite a source.")
    assert "Please cite a source." in Notification.objects.get(user=expert).message
    with pytest.raises(InvalidInput, match="not waiting"):
        answering.answer_approve(editor=editor, draft=draft)
    again = answering.answer_submit(expert=expert, question=kb.back_pain, body=ANSWER + " [1]")
    assert (again.pk, again.state, again.reason) == (draft.pk, ExpertAnswer.State.PENDING, "")


def test_an_answer_is_long_enough_and_only_for_a_published_question(
        kb: KB, expert: User) -> None:
    with pytest.raises(InvalidInput, match="at least 40") as refused:
        answering.answer_submit(expert=expert, question=kb.back_pain, body="Rest.")
    assert refused.value.field == "answer"
    with pytest.raises(InvalidInput, match="not published") as refused:
        answering.answer_submit(expert=expert, question=kb.dizzy_draft, body=ANSWER)
    assert refused.value.field == "question"
    assert not ExpertAnswer.objects.exists()


def test_a_pending_answer_is_not_public(kb: KB, expert: User) -> None:
    answering.answer_submit(expert=expert, question=kb.back_pain,
                            body="Quokka zygomatic physiotherapy helps most people. " * 2)
    assert not Answer.objects.filter(body__contains="Quokka").exists()
    assert lexical_ids("quokka zygomatic") == []


def test_the_preview_is_sanitised_markdown() -> None:
    html = answering.answer_preview(
        body="**Rest** <script>alert(1)</script> [link](javascript:alert(1)) "
             "<img src=x onerror=alert(1)>")
    assert "<strong>Rest</strong>" in html
    assert "<script" not in html and "javascript:" not in html and "onerror" not in html


@pytest.mark.parametrize("who", ["admin", "editor who is also an expert"])
def test_nobody_approves_their_own_answer(
        kb: KB, who: str, admin: User, editor: User, make_user: MakeUser) -> None:
    author = admin
    if who != "admin":
        author = make_user("ed-expert", "editor", display_name="Dr. Ed")
        author.groups.add(Group.objects.get(name="expert"))
        author = User.objects.get(pk=author.pk)
    draft = answering.answer_submit(expert=author, question=kb.back_pain, body=ANSWER)
    with pytest.raises(NotAllowed, match="own answer"):
        answering.answer_approve(editor=author, draft=draft)
    draft.refresh_from_db()
    assert draft.state == ExpertAnswer.State.PENDING
    assert kb.back_pain.answers.count() == 3
    answering.answer_approve(editor=editor, draft=draft)  # another editor may
    assert kb.back_pain.answers.count() == 4


def test_experts_see_open_questions_in_their_categories_first(
        kb: KB, member: User, expert: User, editor: User) -> None:
    pregnancy = publish(editor, send(member, "Pelvic pain after birth?"), kb)
    heart = publish(editor, send(member, "Palpitations after birth?"), kb,
                    category=kb.chest_pain.category)
    assert [q.pk for q in answering.questions_open(expert=expert)] == [pregnancy.pk, heart.pk]
    expert.profile.categories.set([kb.chest_pain.category])
    assert [q.pk for q in answering.questions_open(expert=expert)] == [heart.pk, pregnancy.pk]
    # Imported questions without a reader behind them are not "open".
    assert kb.placenta_previa.pk not in [q.pk for q in answering.questions_open(expert=expert)]


def test_answers_due_for_review_oldest_first_and_rereviewed(
        kb: KB, expert: User, other_expert: User, editor: User) -> None:
    today = timezone.localdate()
    later = answering.answer_approve(
        editor=editor, next_review_on=today + datetime.timedelta(days=20),
        draft=answering.answer_submit(expert=expert, question=kb.back_pain, body=ANSWER))
    sooner = answering.answer_approve(
        editor=editor, next_review_on=today + datetime.timedelta(days=5),
        draft=answering.answer_submit(expert=other_expert, question=kb.exercise, body=ANSWER))
    answering.answer_approve(
        editor=editor, next_review_on=today + datetime.timedelta(days=200),
        draft=answering.answer_submit(expert=expert, question=kb.fibroids, body=ANSWER))
    assert [a.pk for a in answering.answers_due()] == [sooner.pk, later.pk]
    answering.answer_rereview(editor=editor, answer=sooner)
    sooner.refresh_from_db()
    assert sooner.reviewed_on == today
    assert sooner.next_review_on == today + answering.REVIEW_INTERVAL
    assert [a.pk for a in answering.answers_due()] == [later.pk]


# ---------------------------------------------------------------------------------------------
# Agreements and helpful marks


def test_agreements_count_once_and_can_be_withdrawn(
        kb: KB, member: User, expert: User, other_expert: User, editor: User,
        make_user: MakeUser) -> None:
    _, answer = answered(kb, member, expert, editor)
    third = make_user("dr-cy", "expert", display_name="Dr. Cy")
    assert answering.answer_agree(expert=other_expert, answer=answer, agree=True) == 1
    assert answering.answer_agree(expert=other_expert, answer=answer, agree=True) == 1
    assert answering.answer_agree(expert=third, answer=answer, agree=True) == 2
    assert AnswerAgreement.objects.filter(answer=answer).count() == 2
    assert answering.answer_agree(expert=other_expert, answer=answer, agree=False) == 1
    assert answering.answer_agree(expert=other_expert, answer=answer, agree=False) == 1
    with pytest.raises(NotAllowed, match="own answer"):
        answering.answer_agree(expert=expert, answer=answer, agree=True)
    answer.refresh_from_db()
    assert answer.agree_count == 1
    # An imported answer by someone else can be agreed with too.
    imported = kb.back_pain.answers.order_by("position").first()
    assert imported is not None
    assert answering.answer_agree(expert=expert, answer=imported, agree=True) == 1


def test_helpful_marks_count_once_per_member(
        kb: KB, member: User, other_member: User) -> None:
    answer = kb.back_pain.answers.order_by("position").first()
    assert answer is not None
    assert marks.helpful_set(member=member, answer=answer, on=True) == 1
    assert marks.helpful_set(member=member, answer=answer, on=True) == 1
    assert marks.helpful_set(member=other_member, answer=answer, on=True) == 2
    assert HelpfulMark.objects.filter(answer=answer).count() == 2
    assert marks.helpful_set(member=member, answer=answer, on=False) == 1
    assert marks.helpful_set(member=member, answer=answer, on=False) == 1
    answer.refresh_from_db()
    assert answer.helpful_count == 1


def test_flags_go_to_the_editors_and_are_resolved_once(
        kb: KB, member: User, editor: User) -> None:
    answer = kb.back_pain.answers.order_by("position").first()
    with pytest.raises(InvalidInput, match="choose one of") as refused:
        marks.flag_create(user=member, question=kb.back_pain, answer=answer, reason="boring")
    assert refused.value.field == "reason"
    with pytest.raises(InvalidInput, match="another question") as refused:
        marks.flag_create(user=member, question=kb.exercise, answer=answer, reason="spam")
    assert refused.value.field == "answer"
    flag = marks.flag_create(user=member, question=kb.back_pain, answer=answer,
                             reason="inaccurate", note="  The dose is out of date. ")
    assert flag.note == "The dose is out of date."
    assert [f.pk for f in marks.flags_open()] == [flag.pk]
    marks.flag_resolve(editor=editor, flag=flag)
    assert flag.resolved_by == editor and list(marks.flags_open()) == []
    with pytest.raises(InvalidInput, match="already resolved"):
        marks.flag_resolve(editor=editor, flag=flag)


# ---------------------------------------------------------------------------------------------
# kb/editing.py: the single-item writes under the services


def test_question_create_gives_the_same_title_two_slugs(kb: KB) -> None:
    category = kb.back_pain.category
    first = editing.question_create(title="Is tea safe?", body="", category=category,
                                    comment="test")
    second = editing.question_create(title="Is tea safe?", body="", category=category,
                                     comment="test")
    assert first.slug != second.slug and first.external_id != second.external_id
    assert Version.objects.get_for_object(first).get().revision.comment == "test"


def test_question_edit_and_answer_remove_keep_search_and_derived_fields_in_step(
        kb: KB, member: User, expert: User, editor: User) -> None:
    question, answer = answered(kb, member, expert, editor)
    editing.question_edit(question=question, title="Quokka pain after birth?", body=BODY,
                          category=kb.chest_pain.category, focus="Quokka pain",
                          comment="retitled")
    assert lexical_ids("quokka")[:1] == [question.pk]
    editing.answer_remove(answer=answer, comment="removed")
    question.refresh_from_db()
    assert (question.has_answer, question.excerpt) == (False, "")
    assert [h.answers for h in ask_question(text="quokka pain after birth").hits
            if h.question.pk == question.pk] == [()]


def test_an_editor_is_offered_the_topic_the_question_names(
        kb: KB, member: User, editor: User, django_capture_on_commit_callbacks: Any) -> None:
    sent = send(member, "pelvic grdle pain after birth??", BODY)
    with django_capture_on_commit_callbacks(execute=True):
        asking.submission_publish(editor=editor, submission=sent, title=TITLE, body=BODY,
                                  category=kb.back_pain.category, focus="Pelvic girdle pain")
    later = send(member, "Does pelvic girdle pain come back in a second pregnancy?", BODY)
    assert asking.topic_suggested(submission=later) == "Pelvic girdle pain"
    later.focus = "Second pregnancy"  # the asker's own topic comes first
    assert asking.topic_suggested(submission=later) == "Second pregnancy"
    assert asking.topic_suggested(submission=send(member, "Can I fly at 30 weeks?", BODY)) == ""
