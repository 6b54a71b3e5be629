"""API of an editor's side of the flow: the queue of questions sent (publish, reject, join to an
existing question), merging duplicates, reviewing experts' answers ("medically reviewed by ...
on ..." with the next review date), what is due for review, and flags."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from healthqa.community.answering import answer_approve, answer_return, answers_due, answers_pending
from healthqa.community.asking import (
    question_merge,
    submission_merge,
    submission_publish,
    submission_reject,
    submissions_pending,
)
from healthqa.community.marks import flag_resolve, flags_open
from healthqa.community.models import ExpertAnswer, Flag, Submission
from healthqa.kb import selectors
from healthqa.web.api.community_auth import (
    LISTED,
    ROLE,
    fields_named,
    requires,
    signed_in,
    token_auth,
)
from healthqa.web.api.community_data import (
    author_data,
    due_answer_data,
    expert_answer_data,
    flag_data,
    published_question,
    question_ref_data,
    submission_data,
)
from healthqa.web.api.community_schemas import (
    ApprovedOut,
    ApproveIn,
    DueAnswerPageOut,
    ExpertAnswerOut,
    ExpertAnswerPageOut,
    FlagOut,
    MergeIn,
    PublishIn,
    QuestionMergedOut,
    QueuedFlagPageOut,
    QueuedSubmissionPageOut,
    ReasonIn,
    SubmissionOut,
)
from healthqa.web.api.errors import ALWAYS, INVALID, JSON_BODY, NOT_FOUND, not_found
from healthqa.web.api.kb_schemas import PageQuery
from healthqa.web.api.methods import methods_refuse
from healthqa.web.api.paged import paged

router = Router(tags=["review"])

# A decision on one item: unknown (404), or its id not a number or the item already decided
# (422 naming the id: `state` refusals of the services are put on the path parameter).
DECIDE = {**ROLE, **NOT_FOUND, **JSON_BODY, **ALWAYS}


def _submission(submission_id: int) -> Submission:
    submission = (Submission.objects.select_related("member", "category")
                  .filter(pk=submission_id).first())
    if submission is None:
        raise not_found(f"No question {submission_id} was sent to the experts")
    return submission


def _draft(draft_id: int) -> ExpertAnswer:
    draft = (ExpertAnswer.objects.select_related("question", "expert")
             .filter(pk=draft_id).first())
    if draft is None:
        raise not_found(f"No expert's answer {draft_id}")
    return draft


# --- questions sent to the experts ------------------------------------------------------------

@router.get("/queue/submissions",
            response={200: QueuedSubmissionPageOut, **LISTED},
            auth=token_auth, summary="Questions waiting for an editor")
@requires("moderate")
def submission_queue(request: HttpRequest, params: Query[PageQuery]) -> dict[str, Any]:
    """The moderation queue, oldest first, with the personal details found in each."""
    page, fields = paged(request, submissions_pending(), params)
    return {**fields, "items": [submission_data(s, queued=True) for s in page.object_list]}


@router.post("/submissions/{submission_id}/publish", response={200: SubmissionOut, **DECIDE},
             auth=token_auth, summary="Publish a sent question as open")
@requires("moderate", body='{"category": "joints", "topic": "Gout"}')
def submission_publish_op(request: HttpRequest, submission_id: int, body: PublishIn
                          ) -> dict[str, Any]:
    """The question gets its article page, waiting for an expert's answer; edit its title and
    text on the way (remove personal details), choose its category and topic. The member is
    told and follows it."""
    editor = signed_in(request)
    submission = _submission(submission_id)
    category = selectors.category_get(slug=body.category)
    if category is None:
        raise not_found(f"No category with slug '{body.category}'")
    with fields_named(question="body.text", state="path.submission_id"):
        submission_publish(
            editor=editor, submission=submission, category=category, focus=body.topic,
            title=submission.title if body.title is None else body.title,
            body=submission.body if body.text is None else body.text)
    return submission_data(submission)


@router.post("/submissions/{submission_id}/reject", response={200: SubmissionOut, **DECIDE},
             auth=token_auth, summary="Decline a sent question")
@requires("moderate", body='{"reason": "..."}')
def submission_reject_op(request: HttpRequest, submission_id: int, body: ReasonIn
                         ) -> dict[str, Any]:
    """Nothing is published; the member sees the reason."""
    editor = signed_in(request)
    submission = _submission(submission_id)
    with fields_named(state="path.submission_id"):
        submission_reject(editor=editor, submission=submission, reason=body.reason)
    return submission_data(submission)


@router.post("/submissions/{submission_id}/merge", response={200: SubmissionOut, **DECIDE},
             auth=token_auth, summary="Join a sent question to an existing one")
@requires("moderate", body='{"into": "what-is-gout"}')
def submission_merge_op(request: HttpRequest, submission_id: int, body: MergeIn
                        ) -> dict[str, Any]:
    """The question is already here: the member is pointed to it and follows it."""
    editor = signed_in(request)
    submission = _submission(submission_id)
    into = published_question(body.into)
    with fields_named(state="path.submission_id"):
        submission_merge(editor=editor, submission=submission, into=into)
    return submission_data(submission)


@router.post("/questions/{slug}/merge", response={200: QuestionMergedOut, **DECIDE},
             auth=token_auth, summary="Merge a duplicate question into another")
@requires("merge", body='{"into": "what-is-gout"}')
def question_merge_op(request: HttpRequest, slug: str, body: MergeIn) -> dict[str, Any]:
    """The duplicate's answers move to `into`; its page redirects there permanently (301)
    and its followers follow `into`."""
    editor = signed_in(request)
    duplicate = published_question(slug)
    into = question_merge(editor=editor, duplicate=duplicate,
                          into=published_question(body.into))
    return {"slug": slug, "into": question_ref_data(into)}


# --- experts' answers -----------------------------------------------------------------------

@router.get("/queue/answers", response={200: ExpertAnswerPageOut, **LISTED},
            auth=token_auth, summary="Experts' answers waiting for review")
@requires("review")
def answer_queue(request: HttpRequest, params: Query[PageQuery]) -> dict[str, Any]:
    """Oldest first, each with its sanitised HTML as it will be shown."""
    page, fields = paged(request, answers_pending(), params)
    return {**fields, "items": [expert_answer_data(d) for d in page.object_list]}


@router.post("/expert-answers/{draft_id}/approve", response={200: ApprovedOut, **DECIDE},
             auth=token_auth, summary="Approve an expert's answer")
@requires("review", body='{"next_review_on": "2030-01-31"}')
def answer_approve_op(request: HttpRequest, draft_id: int, body: ApproveIn) -> dict[str, Any]:
    """Publish it at once, attributed to the expert, "medically reviewed by" this editor
    today, due for review again on `next_review_on` (send {} for a year from today). Search,
    ask and related lists include it at once; the expert and the question's followers are
    told. Not one's own answer (403)."""
    editor = signed_in(request)
    draft = _draft(draft_id)
    with fields_named(state="path.draft_id"):
        answer = answer_approve(editor=editor, draft=draft, next_review_on=body.next_review_on)
    return {**expert_answer_data(draft), "reviewed_by": author_data(answer.reviewed_by),
            "reviewed_on": answer.reviewed_on, "next_review_on": answer.next_review_on}


@router.post("/expert-answers/{draft_id}/return", response={200: ExpertAnswerOut, **DECIDE},
             auth=token_auth, summary="Return an expert's answer with a reason")
@requires("review", body='{"reason": "..."}')
def answer_return_op(request: HttpRequest, draft_id: int, body: ReasonIn) -> dict[str, Any]:
    """The expert sees the reason and may send new text; a published answer stays as it
    was."""
    editor = signed_in(request)
    draft = _draft(draft_id)
    with fields_named(state="path.draft_id"):
        answer_return(editor=editor, draft=draft, reason=body.reason)
    return expert_answer_data(draft)


@router.get("/review-due", response={200: DueAnswerPageOut, **LISTED},
            auth=token_auth, summary="Answers due for review")
@requires("review")
def review_due(request: HttpRequest, params: Query[PageQuery]) -> dict[str, Any]:
    """Published answers due for review within 30 days, the most overdue first."""
    page, fields = paged(request, answers_due(), params)
    return {**fields, "items": [due_answer_data(a) for a in page.object_list]}


# --- flags -----------------------------------------------------------------------------------

@router.get("/queue/flags", response={200: QueuedFlagPageOut, **LISTED},
            auth=token_auth, summary="Flags waiting for an editor")
@requires("handle_flag")
def flag_queue(request: HttpRequest, params: Query[PageQuery]) -> dict[str, Any]:
    """Oldest first."""
    page, fields = paged(request, flags_open(), params)
    return {**fields, "items": [flag_data(f, queued=True) for f in page.object_list]}


@router.post("/flags/{flag_id}/resolve",
             response={200: FlagOut, **ROLE, **NOT_FOUND, **INVALID, **ALWAYS},
             auth=token_auth, summary="Resolve a flag")
@requires("handle_flag")
def flag_resolve_op(request: HttpRequest, flag_id: int) -> dict[str, Any]:
    """The flag leaves the queue (what was done about it is done where the content is).
    Takes no body."""
    editor = signed_in(request)
    found = Flag.objects.select_related("question").filter(pk=flag_id).first()
    if found is None:
        raise not_found(f"No flag {flag_id}")
    with fields_named(state="path.flag_id"):
        return flag_data(flag_resolve(editor=editor, flag=found))


methods_refuse(router, ["/queue/submissions", "/queue/answers", "/review-due", "/queue/flags"],
               allow="GET", hint="these are read with GET")
methods_refuse(router, ["/submissions/{submission_id}/publish",
                        "/submissions/{submission_id}/reject",
                        "/submissions/{submission_id}/merge", "/questions/{slug}/merge",
                        "/expert-answers/{draft_id}/approve", "/expert-answers/{draft_id}/return",
                        "/flags/{flag_id}/resolve"], allow="POST", hint="use POST")
