"""A member sends a question to the experts, follows it and sees where it stands; editors
moderate what was sent: publish it as open, edit it, join it to an existing question, or
decline it with a reason the member sees."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from healthqa.community.actions import InvalidInput, NotAllowed, action_check
from healthqa.community.models import ExpertAnswer, Follow, Submission
from healthqa.community.notify import notify
from healthqa.community.text import field_text
from healthqa.kb import editing
from healthqa.kb.models import Category, Question
from healthqa.search.intent import question_type_of
from healthqa.search.topics import focus_infer

TITLE_CHARS = 300
BODY_CHARS = 5000
REASON_CHARS = 1000


def submission_send(*, member: User, title: str, body: str,
                    category: Category | None = None) -> Submission:
    """Send a question to the experts: it waits for an editor and is public only after."""
    action_check(member, "send_question")
    title = field_text(title, field="title", limit=TITLE_CHARS)
    body = field_text(body, field="question", limit=BODY_CHARS, multiline=True)
    return Submission.objects.create(member=member, title=title, body=body, category=category)


def submissions_of(*, member: User) -> QuerySet[Submission]:
    """A member's questions, newest first, with what their page needs."""
    action_check(member, "my_questions")
    return (Submission.objects.filter(member=member).select_related("question")
            .order_by("-created_at", "-id"))


def submissions_pending() -> QuerySet[Submission]:
    """The moderation queue: questions waiting for an editor, oldest first."""
    return (Submission.objects.filter(state=Submission.State.PENDING)
            .select_related("member", "category").order_by("created_at", "id"))


def _pending(submission: Submission) -> None:
    if submission.state != Submission.State.PENDING:
        raise InvalidInput("state", f"this question was already decided "
                                    f"({submission.get_state_display().lower()})")


def _decided(submission: Submission, editor: User, state: str) -> None:
    submission.state = state
    submission.decided_at = timezone.now()
    submission.decided_by = editor


def topic_suggested(*, submission: Submission) -> str:
    """The topic an editor is offered for a sent question: the asker's, else the knowledge
    base's topic its title names ("" when it names none)."""
    return submission.focus or focus_infer(submission.title)


def submission_publish(*, editor: User, submission: Submission, title: str,
                       body: str, category: Category, focus: str = "") -> Question:
    """Publish a sent question as open (its page says it waits for an expert)."""
    action_check(editor, "moderate")
    _pending(submission)
    title = field_text(title, field="title", limit=TITLE_CHARS)
    body = field_text(body, field="question", limit=BODY_CHARS, multiline=True)
    focus = field_text(focus, field="topic", limit=300, required=False)
    with transaction.atomic():
        question = editing.question_create(
            title=title, body=body, category=category, focus=focus,
            question_type=question_type_of(title),
            external_id=f"healthqa/submission/{submission.pk}",
            comment=f"Published from a reader's question by {editor.get_username()}")
        submission.title, submission.body, submission.category = title, body, category
        submission.focus, submission.question = focus, question
        _decided(submission, editor, Submission.State.OPEN)
        submission.save()
        Follow.objects.get_or_create(user=submission.member, question=question)
        notify(users=[submission.member], url=question.get_absolute_url(),
               message=f"Your question “{title[:120]}” is published; experts can answer it now.")
    return question


def submission_reject(*, editor: User, submission: Submission, reason: str
                      ) -> Submission:
    """Decline a sent question; the member sees the reason."""
    action_check(editor, "moderate")
    _pending(submission)
    submission.reason = field_text(reason, field="reason", limit=REASON_CHARS, multiline=True)
    with transaction.atomic():
        _decided(submission, editor, Submission.State.REJECTED)
        submission.save()
        notify(users=[submission.member], url="/me/questions/",
               message=f"Your question “{submission.title[:120]}” was not published: "
                       f"{submission.reason[:120]}")
    return submission


def submission_merge(*, editor: User, submission: Submission, into: Question
                     ) -> Submission:
    """The question is already here: join the sent one to it (the member follows it)."""
    action_check(editor, "moderate")
    _pending(submission)
    if into.status != Question.Status.PUBLISHED:
        raise InvalidInput("into", "join it to a published question")
    with transaction.atomic():
        submission.question = into
        _decided(submission, editor, Submission.State.ANSWERED if into.has_answer
                 else Submission.State.MERGED)
        submission.save()
        Follow.objects.get_or_create(user=submission.member, question=into)
        notify(users=[submission.member], url=into.get_absolute_url(),
               message=f"Your question “{submission.title[:120]}” is already here: "
                       f"“{into.title[:120]}”.")
    return submission


def question_merge(*, editor: User, duplicate: Question, into: Question) -> Question:
    """Merge a published duplicate into another question; the old address redirects."""
    action_check(editor, "merge")
    try:
        with transaction.atomic():
            editing.question_merge(duplicate=duplicate, into=into,
                                   comment=f"Merged by {editor.get_username()}")
            for follow in Follow.objects.filter(question=duplicate):
                Follow.objects.get_or_create(user_id=follow.user_id, question=into)
            Follow.objects.filter(question=duplicate).delete()
            Submission.objects.filter(question=duplicate).update(question=into)
            if into.has_answer:  # the readers behind the duplicate are answered now
                Submission.objects.filter(question=into, state__in=[
                    Submission.State.OPEN, Submission.State.MERGED]).update(
                    state=Submission.State.ANSWERED)
            # Experts' answers follow, unless the expert already answers `into`.
            ExpertAnswer.objects.filter(question=duplicate).exclude(
                expert__in=ExpertAnswer.objects.filter(question=into).values("expert")
            ).update(question=into)
    except ValueError as exc:
        raise InvalidInput("into", str(exc)) from None
    return into


def follow_set(*, member: User, question: Question, on: bool) -> bool:
    """Follow (or stop following) a published question; whether the member now follows it."""
    action_check(member, "follow")
    if on:
        if question.status != Question.Status.PUBLISHED:
            raise NotAllowed("only published questions can be followed")
        Follow.objects.get_or_create(user=member, question=question)
    else:
        Follow.objects.filter(user=member, question=question).delete()
    return on


def follows_of(*, member: User) -> list[Question]:
    return [f.question for f in Follow.objects.filter(user=member).select_related("question")
            .order_by("-created_at")]
