"""Writes by people, one item at a time: a question published from a reader, an expert's
answer, its review, an expert's agreement, a merge of duplicates.

Each write keeps a revision (django-reversion) and announces the questions it changed
(`questions_changed`, inside the transaction), so the search index and related lists follow at
once, as after an import; those that change what the category tree and topic index count
start a new content generation in the same transaction, which every process sees.
"""

from __future__ import annotations

import datetime
import uuid

import reversion
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from healthqa.kb.generation import content_changed
from healthqa.kb.models import Answer, AnswerAgreement, Author, Category, Question
from healthqa.kb.services import question_refresh
from healthqa.kb.signals import questions_changed
from healthqa.kb.text import question_slug, render_answer, tidy_title


def _revision(comment: str, *objects: object) -> None:
    reversion.set_comment(comment)
    for obj in objects:
        reversion.add_to_revision(obj)


def question_create(*, title: str, body: str, category: Category, focus: str = "",
                    question_type: str = "information", external_id: str = "",
                    comment: str) -> Question:
    """A published question without an answer yet ("open"), with a unique slug."""
    title = tidy_title(title)[:300]
    external_id = external_id or f"healthqa/{uuid.uuid4().hex}"
    slug = question_slug(title, external_id, taken=False)
    if Question.objects.filter(slug=slug).exists():
        slug = question_slug(title, external_id, taken=True)
    with transaction.atomic(), reversion.create_revision():
        question = Question.objects.create(
            external_id=external_id, slug=slug, title=title, body=body, focus=focus[:300],
            question_type=question_type, category=category,
            status=Question.Status.PUBLISHED, published_at=timezone.now(),
        )
        _revision(comment, question)
        questions_changed.send(sender=Question, question_ids=[question.pk], bulk=False)
        content_changed()
    return question


def question_edit(*, question: Question, title: str, body: str, category: Category,
                  focus: str, comment: str) -> Question:
    """Change a question's title, text, category or topic."""
    with transaction.atomic(), reversion.create_revision():
        question.title = tidy_title(title)[:300]
        question.body = body
        question.category = category
        question.focus = focus[:300]
        question.save()
        _revision(comment, question)
        questions_changed.send(sender=Question, question_ids=[question.pk], bulk=False)
        content_changed()
    return question


def answer_publish(*, question: Question, body: str, author: Author, reviewed_by: Author,
                   reviewed_on: datetime.date, next_review_on: datetime.date,
                   answer: Answer | None = None, comment: str) -> Answer:
    """Publish an answer (a new one after the others, or new text for `answer`) as reviewed."""
    with transaction.atomic(), reversion.create_revision():
        if answer is None:
            last = question.answers.aggregate(last=Max("position"))["last"] or 0
            answer = Answer(question=question, position=last + 1, author=author)
        answer.body = body
        answer.body_format = Answer.Format.MARKDOWN
        answer.body_html = render_answer(body, Answer.Format.MARKDOWN)
        answer.reviewed_by = reviewed_by
        answer.reviewed_on = reviewed_on
        answer.next_review_on = next_review_on
        answer.save()
        if question.last_reviewed_at is None or question.last_reviewed_at < reviewed_on:
            question.last_reviewed_at = reviewed_on
            question.save(update_fields=["last_reviewed_at", "updated_at"])
        _revision(comment, answer, question)
        # Excerpt, has_answer, answered_at; announced to search. The content generation
        # stays: the category tree and topic index count published questions, not answers.
        question_refresh(question=question)
    return answer


def answer_review_mark(*, answer: Answer, reviewed_by: Author, reviewed_on: datetime.date,
                       next_review_on: datetime.date, comment: str) -> Answer:
    """Mark a published answer reviewed again, unchanged."""
    with transaction.atomic(), reversion.create_revision():
        answer.reviewed_by = reviewed_by
        answer.reviewed_on = reviewed_on
        answer.next_review_on = next_review_on
        answer.save(update_fields=["reviewed_by", "reviewed_on", "next_review_on",
                                   "updated_at"])
        Question.objects.filter(pk=answer.question_id).update(last_reviewed_at=reviewed_on)
        _revision(comment, answer)
    return answer


def answer_remove(*, answer: Answer, comment: str) -> None:
    """Take an answer off its question (an editor's decision); the revision keeps it."""
    question = answer.question
    with transaction.atomic(), reversion.create_revision():
        _revision(comment, question)
        answer.delete()
        question_refresh(question=question)


def question_merge(*, duplicate: Question, into: Question, comment: str) -> Question:
    """Move a duplicate's answers to `into` and retire it: its page redirects there for good."""
    if duplicate.pk == into.pk:
        raise ValueError("a question cannot be merged into itself")
    if into.merged_into_id is not None:
        raise ValueError(f"{into.title!r} was itself merged into another question")
    if into.status != Question.Status.PUBLISHED:
        raise ValueError(f"{into.title!r} is not published: merge into a published question")
    with transaction.atomic(), reversion.create_revision():
        last = into.answers.aggregate(last=Max("position"))["last"] or 0
        moved = list(duplicate.answers.order_by("position", "id"))
        for offset, answer in enumerate(moved, start=1):
            answer.question = into
            answer.position = last + offset
            answer.save(update_fields=["question", "position", "updated_at"])
        duplicate.status = Question.Status.ARCHIVED
        duplicate.merged_into = into
        duplicate.has_answer = False
        duplicate.save(update_fields=["status", "merged_into", "has_answer", "updated_at"])
        # Earlier duplicates of the duplicate now lead straight to `into` (no redirect chains).
        Question.objects.filter(merged_into=duplicate).update(merged_into=into)
        _revision(comment, duplicate, into, *moved)
        questions_changed.send(sender=Question, question_ids=[duplicate.pk], bulk=False)
        question_refresh(question=into)
        content_changed()
    return into


def answer_agree(*, answer: Answer, author: Author) -> bool:
    """`author` agrees with `answer`; False if they already did."""
    with transaction.atomic():
        _, created = AnswerAgreement.objects.get_or_create(answer=answer, author=author)
        if created:
            Answer.objects.filter(pk=answer.pk).update(agree_count=F("agree_count") + 1)
    return created


def answer_agree_withdraw(*, answer: Answer, author: Author) -> bool:
    """`author` no longer agrees with `answer`; False if they had not."""
    with transaction.atomic():
        deleted, _ = AnswerAgreement.objects.filter(answer=answer, author=author).delete()
        if deleted:
            Answer.objects.filter(pk=answer.pk).update(agree_count=F("agree_count") - 1)
    return bool(deleted)


def answer_helpful_count_add(*, answer: Answer, delta: int) -> None:
    """Add to (or take from) the helpful marks an answer shows."""
    Answer.objects.filter(pk=answer.pk).update(helpful_count=F("helpful_count") + delta)
