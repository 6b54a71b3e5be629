"""Experts answer and agree; editors review: an approved answer is published at once,
attributed, with "medically reviewed by … on …", and the people following hear of it."""

from __future__ import annotations

import datetime

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.utils import timezone

from healthqa.community.accounts import author_for, profile_get
from healthqa.community.actions import InvalidInput, NotAllowed, action_check
from healthqa.community.models import ExpertAnswer, Submission
from healthqa.community.notify import notify, notify_followers
from healthqa.community.text import field_text
from healthqa.kb import editing
from healthqa.kb.models import Answer, Question
from healthqa.kb.text import render_answer

ANSWER_MIN_CHARS = 40
ANSWER_CHARS = 20_000
REVIEW_INTERVAL = datetime.timedelta(days=365)
DUE_WITHIN = datetime.timedelta(days=30)


def questions_open(*, expert: User) -> QuerySet[Question]:
    """Published questions sent by readers and not answered yet: those in the expert's
    categories first, then the oldest first."""
    action_check(expert, "answer")
    mine = list(profile_get(user=expert).categories.values_list("pk", flat=True))
    return (Question.objects.filter(status=Question.Status.PUBLISHED, has_answer=False,
                                    submissions__state=Submission.State.OPEN)
            .distinct().select_related("category")
            .annotate(theirs=Case(When(category_id__in=mine, then=Value(0)),
                                  default=Value(1), output_field=IntegerField()))
            .order_by("theirs", "published_at", "id"))


def answer_preview(*, body: str) -> str:
    """The answer as its page would show it (Markdown, sanitised)."""
    body = field_text(body, field="answer", limit=ANSWER_CHARS, multiline=True)
    return render_answer(body, Answer.Format.MARKDOWN)


def answer_submit(*, expert: User, question: Question, body: str) -> ExpertAnswer:
    """An expert's answer (or new text for their answer) goes to review."""
    action_check(expert, "answer")
    if question.status != Question.Status.PUBLISHED:
        raise InvalidInput("question", "this question is not published")
    body = field_text(body, field="answer", limit=ANSWER_CHARS, multiline=True)
    if len(body) < ANSWER_MIN_CHARS:
        raise InvalidInput("answer", f"the answer is {len(body)} characters long: write at "
                                     f"least {ANSWER_MIN_CHARS}")
    draft, _ = ExpertAnswer.objects.get_or_create(question=question, expert=expert,
                                                  defaults={"body": body})
    draft.body = body
    draft.state = ExpertAnswer.State.PENDING
    draft.reason = ""
    draft.save()
    return draft


def answers_of(*, expert: User) -> QuerySet[ExpertAnswer]:
    action_check(expert, "answer")
    return (ExpertAnswer.objects.filter(expert=expert).select_related("question")
            .order_by("-updated_at"))


def answers_pending() -> QuerySet[ExpertAnswer]:
    """Answers waiting for review, oldest first."""
    return (ExpertAnswer.objects.filter(state=ExpertAnswer.State.PENDING)
            .select_related("question", "expert__profile").order_by("updated_at", "id"))


def answer_approve(*, editor: User, draft: ExpertAnswer,
                   next_review_on: datetime.date | None = None) -> Answer:
    """Publish an expert's answer as medically reviewed by `editor` today."""
    action_check(editor, "review")
    if draft.state != ExpertAnswer.State.PENDING:
        raise InvalidInput("state", "this answer is not waiting for review")
    if draft.question.status != Question.Status.PUBLISHED:  # merged or archived since
        raise InvalidInput("question", "this question is not published")
    if draft.expert_id == editor.pk:
        raise NotAllowed("an editor may not review their own answer")
    today = timezone.localdate()
    next_review_on = next_review_on or today + REVIEW_INTERVAL
    if next_review_on <= today:
        raise InvalidInput("next_review_on", "the next review date must be in the future")
    question = draft.question
    first = not question.has_answer
    with transaction.atomic():
        answer = editing.answer_publish(
            question=question, body=draft.body, author=author_for(user=draft.expert),
            reviewed_by=author_for(user=editor), reviewed_on=today,
            next_review_on=next_review_on, answer=draft.answer,
            comment=f"Answer by {draft.expert.get_username()} reviewed by "
                    f"{editor.get_username()}")
        draft.answer = answer
        draft.state = ExpertAnswer.State.PUBLISHED
        draft.reviewed_by, draft.reviewed_at = editor, timezone.now()
        draft.save()
        Submission.objects.filter(question=question).exclude(
            state=Submission.State.REJECTED).update(state=Submission.State.ANSWERED)
        notify(users=[draft.expert], url=question.get_absolute_url(),
               message=f"Your answer to “{question.title[:120]}” is published.")
        notify_followers(question=question, exclude=[draft.expert_id], message=(
            f"{'Your question has an answer' if first else 'A new answer'}: "
            f"“{question.title[:120]}”"))
    return answer


def answer_return(*, editor: User, draft: ExpertAnswer, reason: str) -> ExpertAnswer:
    """Send an answer back to its expert with the reason (a published one stays as it was)."""
    action_check(editor, "review")
    if draft.state != ExpertAnswer.State.PENDING:
        raise InvalidInput("state", "this answer is not waiting for review")
    draft.reason = field_text(reason, field="reason", limit=1000, multiline=True)
    draft.state = ExpertAnswer.State.REJECTED
    draft.reviewed_by, draft.reviewed_at = editor, timezone.now()
    draft.save()
    notify(users=[draft.expert], url="/experts/",
           message=f"Your answer to “{draft.question.title[:120]}” was returned: "
                   f"{draft.reason[:120]}")
    return draft


def answers_due(*, within: datetime.timedelta = DUE_WITHIN) -> QuerySet[Answer]:
    """Published answers due for review within `within`, the most overdue first."""
    return (Answer.objects.filter(next_review_on__lte=timezone.localdate() + within,
                                  question__status=Question.Status.PUBLISHED)
            .select_related("question", "author", "reviewed_by")
            .order_by("next_review_on", "id"))


def answer_rereview(*, editor: User, answer: Answer,
                    next_review_on: datetime.date | None = None) -> Answer:
    """Mark a published answer reviewed again today, unchanged."""
    action_check(editor, "review")
    today = timezone.localdate()
    return editing.answer_review_mark(
        answer=answer, reviewed_by=author_for(user=editor), reviewed_on=today,
        next_review_on=next_review_on or today + REVIEW_INTERVAL,
        comment=f"Reviewed again by {editor.get_username()}")


def answer_agree(*, expert: User, answer: Answer, agree: bool) -> int:
    """An expert agrees with (or withdraws from) another's published answer: the new count."""
    action_check(expert, "agree")
    author = author_for(user=expert)
    if answer.author_id == author.pk:
        raise NotAllowed("experts cannot agree with their own answer")
    if agree:
        editing.answer_agree(answer=answer, author=author)
    else:
        editing.answer_agree_withdraw(answer=answer, author=author)
    answer.refresh_from_db(fields=["agree_count"])
    return answer.agree_count
