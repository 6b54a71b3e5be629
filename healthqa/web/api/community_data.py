"""The published questions and answers the community endpoints act on (a JSON 404 when there
is none), and the community's work in progress as plain data for the API: questions sent to
the experts, answers under review, flags. Personal details are listed with each sent question
so a front end can highlight them (healthqa.community.pii)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from healthqa.community.accounts import profile_get
from healthqa.community.models import ExpertAnswer, Flag, Submission
from healthqa.community.pii import personal_details
from healthqa.kb.data import category_ref_data
from healthqa.kb.models import Answer, Author, Question
from healthqa.kb.text import render_answer
from healthqa.web.api.errors import not_found

# --- lookups: a published question or answer, or a JSON 404 ---------------------------------

def published_question(slug: str) -> Question:
    question = Question.objects.filter(slug=slug, status=Question.Status.PUBLISHED).first()
    if question is None:
        raise not_found(f"No published question with slug '{slug}'")
    return question


def published_answer(answer_id: int) -> Answer:
    answer = (Answer.objects.filter(pk=answer_id, question__status=Question.Status.PUBLISHED)
              .select_related("question").first())
    if answer is None:
        raise not_found(f"No published answer {answer_id}")
    return answer


# --- data ------------------------------------------------------------------------------------

def question_ref_data(question: Question) -> dict[str, str]:
    return {"slug": question.slug, "title": question.title, "url": question.get_absolute_url()}


def author_data(author: Author | None) -> dict[str, str] | None:
    if author is None:
        return None
    return {"name": author.display_name, "credentials": author.credentials}


def details_data(text: str) -> list[dict[str, Any]]:
    return [{"kind": f.kind, "label": f.label, "start": f.start, "end": f.end, "text": f.text}
            for f in personal_details(text)]


def submission_data(submission: Submission, *, queued: bool = False) -> dict[str, Any]:
    """A sent question with its state and the personal details found in it; `queued` adds
    the sender's name, for editors."""
    data = {
        "id": submission.pk,
        "title": submission.title,
        "text": submission.body,
        "state": submission.state,
        "state_label": submission.get_state_display(),
        "reason": submission.reason,
        "category": category_ref_data(submission.category) if submission.category else None,
        "topic": submission.focus,
        "question": question_ref_data(submission.question) if submission.question else None,
        "created_at": submission.created_at,
        "decided_at": submission.decided_at,
        "personal_details": details_data(submission.body),
        "title_personal_details": details_data(submission.title),
    }
    if queued:
        data["member"] = profile_get(user=submission.member).display_name
    return data


def expert_answer_data(draft: ExpertAnswer) -> dict[str, Any]:
    profile = profile_get(user=draft.expert)
    return {
        "id": draft.pk,
        "question": question_ref_data(draft.question),
        "expert": {"name": profile.display_name, "credentials": profile.credentials},
        "body": draft.body,
        "body_html": render_answer(draft.body, Answer.Format.MARKDOWN),
        "state": draft.state,
        "state_label": draft.get_state_display(),
        "reason": draft.reason,
        "answer_id": draft.answer_id,
        "created_at": draft.created_at,
        "updated_at": draft.updated_at,
        "reviewed_at": draft.reviewed_at,
    }


def due_answer_data(answer: Answer) -> dict[str, Any]:
    return {
        "answer_id": answer.pk,
        "question": question_ref_data(answer.question),
        "author": author_data(answer.author),
        "reviewed_by": author_data(answer.reviewed_by),
        "reviewed_on": answer.reviewed_on,
        "next_review_on": answer.next_review_on,
        "overdue": answer.next_review_on is not None
                   and answer.next_review_on < timezone.localdate(),
    }


def flag_data(flag: Flag, *, queued: bool = False) -> dict[str, Any]:
    data = {
        "id": flag.pk,
        "question": question_ref_data(flag.question),
        "answer_id": flag.answer_id,
        "reason": flag.reason,
        "reason_label": flag.get_reason_display(),
        "note": flag.note,
        "created_at": flag.created_at,
        "resolved_at": flag.resolved_at,
    }
    if queued:
        data["by"] = profile_get(user=flag.user).display_name
    return data
