"""API of a member's side of the flow: send a question to the experts (personal details found in
it are listed so they can be removed), see where one's questions stand, follow questions, mark
answers helpful and flag content for the editors."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from healthqa.ask.triage import question_triage
from healthqa.community.actions import user_can
from healthqa.community.asking import follow_set, submission_send, submissions_of
from healthqa.community.marks import flag_create, helpful_set
from healthqa.community.models import Submission
from healthqa.kb.models import Answer
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
    flag_data,
    published_answer,
    published_question,
    submission_data,
)
from healthqa.web.api.community_schemas import (
    FlagIn,
    FlagOut,
    FollowOut,
    HelpfulOut,
    SentSubmissionOut,
    SubmissionIn,
    SubmissionOut,
    SubmissionPageOut,
)
from healthqa.web.api.errors import ALWAYS, INVALID, JSON_BODY, NOT_FOUND, not_found
from healthqa.web.api.kb_schemas import PageQuery
from healthqa.web.api.methods import methods_refuse
from healthqa.web.api.paged import paged

router = Router(tags=["asking"])

SUBMISSION_EXAMPLE = '{"title": "Can gout come back?", "text": "..."}'
FLAG_EXAMPLE = '{"question": "what-is-gout", "reason": "inaccurate"}'


@router.post("/submissions",
             response={200: SentSubmissionOut, **ROLE, **JSON_BODY, **LIMITED, **ALWAYS},
             auth=token_auth, summary="Send a question to the experts")
@requires("send_question", body=SUBMISSION_EXAMPLE, limit=True)
def submission_create(request: HttpRequest, body: SubmissionIn) -> dict[str, Any]:
    """The question waits for an editor: nothing is public before one publishes it. The answer
    lists the personal details found in it (names, phone numbers, e-mail and postal addresses,
    dates of birth, record numbers) so the member can be shown them, and, when it mentions an
    emergency, the urgent-care guidance to lead with: an urgent question is never only
    queued. Counted against the send_question rate (429 over it)."""
    member = signed_in(request)
    with fields_named(question="body.text"):
        submission = submission_send(member=member, title=body.title, body=body.text)
    triage = question_triage(text=f"{submission.title}\n{submission.body}")
    return {**submission_data(submission), "urgent": {
        "urgent": triage.urgent, "headline": triage.headline, "reasons": list(triage.reasons),
        "guidance": list(triage.guidance)}}


@router.get("/submissions", response={200: SubmissionPageOut, **LISTED},
            auth=token_auth, summary="One's questions sent to the experts")
@requires("my_questions")
def submission_list(request: HttpRequest, params: Query[PageQuery]) -> dict[str, Any]:
    """The member's questions, newest first, each with its state (and the reason when it was
    not published, the published question when it was)."""
    member = signed_in(request)
    page, fields = paged(request, submissions_of(member=member).select_related("category"),
                         params)
    return {**fields, "items": [submission_data(s) for s in page.object_list]}


@router.get("/submissions/{submission_id}",
            response={200: SubmissionOut, **ROLE, **NOT_FOUND, **INVALID, **ALWAYS},
            auth=token_auth, summary="One question sent to the experts")
@requires("my_questions")
def submission_detail(request: HttpRequest, submission_id: int) -> dict[str, Any]:
    """One's own sent question; editors may read any."""
    user = signed_in(request)
    submission = (Submission.objects.select_related("category", "question", "member")
                  .filter(pk=submission_id).first())
    if submission is None or (submission.member_id != user.pk
                              and not user_can(user, "moderate")):
        raise not_found(f"No question {submission_id} sent by you")
    return submission_data(submission)


def _follow(request: HttpRequest, slug: str, on: bool) -> dict[str, Any]:
    member = signed_in(request)
    return {"slug": slug, "following": follow_set(member=member,
                                                  question=published_question(slug), on=on)}


@router.post("/questions/{slug}/follow", response={200: FollowOut, **ROLE, **NOT_FOUND, **ALWAYS},
             auth=token_auth, summary="Follow a question")
@requires("follow")
def follow(request: HttpRequest, slug: str) -> dict[str, Any]:
    """Be told when it gets an answer. Takes no body."""
    return _follow(request, slug, True)


@router.delete("/questions/{slug}/follow",
               response={200: FollowOut, **ROLE, **NOT_FOUND, **ALWAYS}, auth=token_auth,
               summary="Stop following a question")
@requires("follow")
def unfollow(request: HttpRequest, slug: str) -> dict[str, Any]:
    return _follow(request, slug, False)


def _helpful(request: HttpRequest, answer_id: int, on: bool) -> dict[str, Any]:
    member = signed_in(request)
    count = helpful_set(member=member, answer=published_answer(answer_id), on=on)
    return {"answer_id": answer_id, "helpful": on, "helpful_count": count}


@router.post("/answers/{answer_id}/helpful",
             response={200: HelpfulOut, **ROLE, **NOT_FOUND, **INVALID, **LIMITED, **ALWAYS},
             auth=token_auth, summary="Mark an answer helpful")
@requires("mark_helpful", limit=True)
def helpful(request: HttpRequest, answer_id: int) -> dict[str, Any]:
    """One mark per member per answer (marking again changes nothing). Takes no body.
    Counted against the mark_helpful rate."""
    return _helpful(request, answer_id, True)


@router.delete("/answers/{answer_id}/helpful",
               response={200: HelpfulOut, **ROLE, **NOT_FOUND, **INVALID, **LIMITED, **ALWAYS},
               auth=token_auth, summary="Take back a helpful mark")
@requires("mark_helpful", limit=True)
def unhelpful(request: HttpRequest, answer_id: int) -> dict[str, Any]:
    return _helpful(request, answer_id, False)


@router.post("/flags", response={200: FlagOut, **ROLE, **NOT_FOUND, **JSON_BODY, **LIMITED,
                                 **ALWAYS},
             auth=token_auth, summary="Flag a question or an answer for the editors")
@requires("flag", body=FLAG_EXAMPLE, limit=True)
def flag(request: HttpRequest, body: FlagIn) -> dict[str, Any]:
    """Report something inaccurate, harmful, personal or spam; it joins the editors' queue.
    Counted against the flag rate."""
    user = signed_in(request)
    question = published_question(body.question)
    answer = None
    if body.answer is not None:
        answer = Answer.objects.filter(pk=body.answer, question=question).first()
        if answer is None:
            raise not_found(f"No answer {body.answer} to the question '{body.question}'")
    with fields_named():
        created = flag_create(user=user, question=question, answer=answer,
                              reason=body.reason, note=body.note)
    return flag_data(created)


methods_refuse(router, ["/submissions"], allow="GET, POST", hint="use GET or POST")
methods_refuse(router, ["/submissions/{submission_id}"], allow="GET",
               hint="questions sent are changed by the editors")
methods_refuse(router, ["/questions/{slug}/follow"], allow="POST, DELETE",
               hint="use POST to follow, DELETE to stop")
methods_refuse(router, ["/answers/{answer_id}/helpful"], allow="POST, DELETE",
               hint="use POST to mark, DELETE to take the mark back")
methods_refuse(router, ["/flags"], allow="POST", hint="use POST")
