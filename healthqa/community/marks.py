"""Community signals: helpful marks (one per member per answer) and flags to the editors."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from healthqa.community.actions import InvalidInput, action_check
from healthqa.community.models import Flag, HelpfulMark
from healthqa.community.text import field_text
from healthqa.kb import editing
from healthqa.kb.models import Answer, Question


def helpful_set(*, member: User, answer: Answer, on: bool) -> int:
    """Mark an answer helpful (or take the mark back); the answer's new count."""
    action_check(member, "mark_helpful")
    with transaction.atomic():
        if on:
            try:
                with transaction.atomic():
                    HelpfulMark.objects.create(user=member, answer=answer)
                editing.answer_helpful_count_add(answer=answer, delta=1)
            except IntegrityError:
                pass  # marked already: one mark per member per answer
        else:
            deleted, _ = HelpfulMark.objects.filter(user=member, answer=answer).delete()
            if deleted:
                editing.answer_helpful_count_add(answer=answer, delta=-1)
    answer.refresh_from_db(fields=["helpful_count"])
    return answer.helpful_count


def flag_create(*, user: User, question: Question, answer: Answer | None,
                reason: str, note: str = "") -> Flag:
    """Report a question or one of its answers to the editors."""
    action_check(user, "flag")
    if reason not in Flag.Reason.values:
        raise InvalidInput("reason", f"choose one of: {', '.join(Flag.Reason.values)}")
    if answer is not None and answer.question_id != question.pk:
        raise InvalidInput("answer", "that answer belongs to another question")
    note = field_text(note, field="note", limit=1000, required=False, multiline=True)
    return Flag.objects.create(user=user, question=question, answer=answer, reason=reason,
                               note=note)


def flags_open() -> QuerySet[Flag]:
    """Flags waiting for an editor, oldest first."""
    return (Flag.objects.filter(resolved_at__isnull=True)
            .select_related("question", "answer", "user").order_by("created_at", "id"))


def flag_resolve(*, editor: User, flag: Flag) -> Flag:
    action_check(editor, "handle_flag")
    if flag.resolved_at is not None:
        raise InvalidInput("state", "this flag was already resolved")
    flag.resolved_at, flag.resolved_by = timezone.now(), editor
    flag.save(update_fields=["resolved_at", "resolved_by"])
    return flag
