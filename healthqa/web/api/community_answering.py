"""API of an expert's side of the flow: open questions, answering in Markdown with a preview
(sanitised as every answer is), one's answers and their review, agreeing with other experts."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from healthqa.community.answering import (
    answer_agree,
    answer_preview,
    answer_submit,
    answers_of,
    questions_open,
)
from healthqa.kb.data import category_ref_data
from healthqa.web.api.community_auth import (
    LIMITED,
    LISTED,
    ROLE,
    fields_named,
    requires,
    signed_in,
    token_auth,
)
from healthqa.web.api.community_data import (
    expert_answer_data,
    published_answer,
    published_question,
)
from healthqa.web.api.community_schemas import (
    AgreeOut,
    AnswerIn,
    ExpertAnswerOut,
    ExpertAnswerPageOut,
    OpenQuestionPageOut,
    PreviewOut,
)
from healthqa.web.api.errors import ALWAYS, INVALID, JSON_BODY, NOT_FOUND
from healthqa.web.api.kb_schemas import PageQuery
from healthqa.web.api.methods import methods_refuse
from healthqa.web.api.paged import paged

router = Router(tags=["answering"])

ANSWER_EXAMPLE = '{"body": "Gout is caused by ..."}'


@router.get("/open-questions", response={200: OpenQuestionPageOut, **LISTED},
            auth=token_auth, summary="Questions waiting for an expert's answer")
@requires("answer")
def open_questions(request: HttpRequest, params: Query[PageQuery]) -> dict[str, Any]:
    """Published questions sent by readers and not answered yet: those in the expert's
    categories first, then the oldest first."""
    expert = signed_in(request)
    page, fields = paged(request, questions_open(expert=expert), params)
    return {**fields, "items": [
        {"slug": q.slug, "title": q.title, "body": q.body, "topic": q.focus,
         "category": category_ref_data(q.category), "url": q.get_absolute_url(),
         "published_at": q.published_at, "mine": q.theirs == 0}  # type: ignore[attr-defined]
        for q in page.object_list]}


@router.post("/questions/{slug}/answers",
             response={200: ExpertAnswerOut, **ROLE, **NOT_FOUND, **JSON_BODY, **LIMITED,
                       **ALWAYS},
             auth=token_auth, summary="Answer a question (or change one's answer)")
@requires("answer", body=ANSWER_EXAMPLE, limit=True)
def answer_create(request: HttpRequest, slug: str, body: AnswerIn) -> dict[str, Any]:
    """The answer (Markdown) waits for an editor's review; sending again replaces the text
    under review (a published answer stays as it is until the new text is approved). Counted
    against the answer rate."""
    expert = signed_in(request)
    question = published_question(slug)
    with fields_named(answer="body.body"):
        draft = answer_submit(expert=expert, question=question, body=body.body)
    return expert_answer_data(draft)


@router.post("/answers/preview", response={200: PreviewOut, **ROLE, **JSON_BODY, **ALWAYS},
             auth=token_auth, summary="Preview an answer")
@requires("answer", body=ANSWER_EXAMPLE)
def preview(request: HttpRequest, body: AnswerIn) -> dict[str, Any]:
    """The answer as its page would show it: Markdown rendered and sanitised. Nothing is
    stored."""
    with fields_named(answer="body.body"):
        return {"body_html": answer_preview(body=body.body)}


@router.get("/my-answers", response={200: ExpertAnswerPageOut, **LISTED},
            auth=token_auth, summary="One's answers and their review")
@requires("answer")
def my_answers(request: HttpRequest, params: Query[PageQuery]) -> dict[str, Any]:
    """The expert's answers, most recently changed first: waiting for review, published, or
    returned with the editor's reason."""
    expert = signed_in(request)
    page, fields = paged(request, answers_of(expert=expert).select_related("expert"), params)
    return {**fields, "items": [expert_answer_data(d) for d in page.object_list]}


def _agree(request: HttpRequest, answer_id: int, on: bool) -> dict[str, Any]:
    expert = signed_in(request)
    count = answer_agree(expert=expert, answer=published_answer(answer_id), agree=on)
    return {"answer_id": answer_id, "agreeing": on, "agree_count": count}


@router.post("/answers/{answer_id}/agree",
             response={200: AgreeOut, **ROLE, **NOT_FOUND, **INVALID, **ALWAYS},
             auth=token_auth, summary="Agree with another expert's answer")
@requires("agree")
def agree(request: HttpRequest, answer_id: int) -> dict[str, Any]:
    """The answer then shows how many experts agree, with their names and credentials. Not
    one's own answer (403). Takes no body."""
    return _agree(request, answer_id, True)


@router.delete("/answers/{answer_id}/agree",
               response={200: AgreeOut, **ROLE, **NOT_FOUND, **INVALID, **ALWAYS},
               auth=token_auth, summary="Withdraw one's agreement")
@requires("agree")
def disagree(request: HttpRequest, answer_id: int) -> dict[str, Any]:
    return _agree(request, answer_id, False)


methods_refuse(router, ["/open-questions", "/my-answers"], allow="GET",
               hint="these are read with GET")
methods_refuse(router, ["/questions/{slug}/answers", "/answers/preview"], allow="POST",
               hint="use POST")
methods_refuse(router, ["/answers/{answer_id}/agree"], allow="POST, DELETE",
               hint="use POST to agree, DELETE to withdraw")
