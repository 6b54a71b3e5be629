"""Reads about one signed-in person, for the pages they see."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.models import User

from healthqa.community.models import Follow, HelpfulMark, Profile
from healthqa.kb.models import Answer, AnswerAgreement, Question


@dataclass(frozen=True)
class ReaderState:
    """What a signed-in person has already done on one article page."""

    following: bool = False
    helpful_ids: frozenset[int] = field(default_factory=frozenset)
    agreed_ids: frozenset[int] = field(default_factory=frozenset)
    my_author_id: int | None = None


def reader_state(*, user: User, question: Question, answers: list[Answer]) -> ReaderState:
    """Whether `user` follows `question`, which of `answers` they marked helpful or agree
    with, and their own author identity (experts may not agree with themselves)."""
    ids = [a.pk for a in answers]
    author_id = (Profile.objects.filter(user=user).values_list("author_id", flat=True)
                 .first())
    return ReaderState(
        following=Follow.objects.filter(user=user, question=question).exists(),
        helpful_ids=frozenset(HelpfulMark.objects.filter(user=user, answer_id__in=ids)
                              .values_list("answer_id", flat=True)),
        agreed_ids=frozenset(AnswerAgreement.objects.filter(author_id=author_id,
                                                            answer_id__in=ids)
                             .values_list("answer_id", flat=True)) if author_id else frozenset(),
        my_author_id=author_id,
    )
