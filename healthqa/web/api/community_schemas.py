"""Input and output schemas of the community endpoints: accounts, asking, answering, review.

Bodies are strict (JSON values must have their documented types). Text is checked by the
services (healthqa.community.text.field_text: its length, not blank, no control characters),
whose refusals are 422s naming the field; the limits are in the descriptions.
"""

from __future__ import annotations

from datetime import date, datetime

from ninja import Schema
from pydantic import ConfigDict, Field

from healthqa.community.asking import BODY_CHARS, REASON_CHARS, TITLE_CHARS
from healthqa.community.models import Flag
from healthqa.web.api.ask_schemas import UrgentOut
from healthqa.web.api.kb_schemas import AuthorOut, CategoryRefOut, PageOut

# --- accounts ---------------------------------------------------------------------------------


class ExpertStateOut(Schema):
    state: str = Field(description="none, applied, verified or declined.")
    label: str


class MeOut(Schema):
    username: str
    role: str = Field(description="member, expert, editor or admin.")
    display_name: str = Field(description="The name shown on answers and reviews.")
    profession: str
    speciality: str
    credentials: str = Field(description="As shown under an expert's name.")
    expert: ExpertStateOut
    actions: list[str] = Field(description="What this account may do (the action names the "
                                           "403 answers refer to).")
    unread_notifications: int


class NotificationOut(Schema):
    id: int
    message: str
    url: str = Field(description="A path on this site, or ''.")
    created_at: datetime
    read_at: datetime | None


class NotificationListOut(Schema):
    unread: int
    items: list[NotificationOut] = Field(description="The 50 newest, newest first.")


class NotificationsReadOut(Schema):
    marked: int = Field(description="How many were unread and are now read.")
    unread: int


# --- questions sent to the experts ---------------------------------------------------------------


class Body(Schema):
    """A JSON body: its values must have their documented types."""

    model_config = ConfigDict(strict=True)


class SubmissionIn(Body):
    title: str = Field(description=f"The question in a line (at most {TITLE_CHARS} "
                                   "characters).")
    text: str = Field(description=f"The question with what the experts need to know (at most "
                                  f"{BODY_CHARS:,} characters). Leave out names, phone numbers "
                                  "and other personal details: they are listed in the answer.")


class PersonalDetailOut(Schema):
    kind: str = Field(description="phone, email, address, date_of_birth, record_number or "
                                  "name.")
    label: str = Field(description="The kind in words, e.g. 'phone number'.")
    start: int = Field(description="Where it starts in `text`, in Unicode code points.")
    end: int
    text: str


class QuestionRefOut(Schema):
    slug: str
    title: str
    url: str


class SubmissionOut(Schema):
    id: int
    title: str
    text: str
    state: str = Field(description="pending, rejected, open, answered or merged.")
    state_label: str = Field(description="The state in words, as the member sees it.")
    reason: str = Field(description="Why it was not published ('' unless rejected).")
    category: CategoryRefOut | None
    topic: str
    question: QuestionRefOut | None = Field(
        description="The published question it became or was joined to.")
    created_at: datetime
    decided_at: datetime | None
    personal_details: list[PersonalDetailOut] = Field(
        description="Personal details found in the title and text (offsets into `text`; "
                    "those of the title are in `title_personal_details`).")
    title_personal_details: list[PersonalDetailOut]


class SentSubmissionOut(SubmissionOut):
    urgent: UrgentOut = Field(description="When the question mentions an emergency: the "
                                          "urgent-care guidance to show before anything else "
                                          "(the question is queued all the same).")


class QueuedSubmissionOut(SubmissionOut):
    member: str = Field(description="The sender's display name (never shown publicly).")


class SubmissionPageOut(PageOut):
    items: list[SubmissionOut]


class QueuedSubmissionPageOut(PageOut):
    items: list[QueuedSubmissionOut]


class PublishIn(Body):
    category: str = Field(description="Slug of the category it is published in.")
    title: str | None = Field(None, description=f"The title as published (at most "
                                                f"{TITLE_CHARS}); null keeps the member's.")
    text: str | None = Field(None, description="The question as published, personal details "
                                               "removed; null keeps the member's.")
    topic: str = Field("", description="The condition or topic (focus), e.g. 'Gout'.")


class ReasonIn(Body):
    reason: str = Field(description=f"Why, in words the reader sees (at most "
                                    f"{REASON_CHARS:,} characters).")


class MergeIn(Body):
    into: str = Field(description="Slug of the published question to join it to.")


class QuestionMergedOut(Schema):
    slug: str = Field(description="The duplicate: its page now redirects to `into`.")
    into: QuestionRefOut


class FollowOut(Schema):
    slug: str
    following: bool


# --- answering -------------------------------------------------------------------------------


class OpenQuestionOut(Schema):
    slug: str
    title: str
    body: str
    topic: str
    category: CategoryRefOut
    url: str
    published_at: datetime | None
    mine: bool = Field(description="In one of the expert's categories (these come first).")


class OpenQuestionPageOut(PageOut):
    items: list[OpenQuestionOut]


class AnswerIn(Body):
    body: str = Field(description="The answer in Markdown (40 to 20,000 characters); "
                                  "sanitised when shown.")


class PreviewOut(Schema):
    body_html: str = Field(description="The answer as its page will show it: sanitised HTML.")


class ExpertAnswerOut(Schema):
    id: int = Field(description="The answer under review (the {draft_id} of approve/return).")
    question: QuestionRefOut
    expert: AuthorOut
    body: str = Field(description="The answer as written (Markdown).")
    body_html: str = Field(description="The answer as it will be shown: sanitised HTML.")
    state: str = Field(description="pending, published or rejected (returned).")
    state_label: str
    reason: str = Field(description="Why it was returned ('' unless returned).")
    answer_id: int | None = Field(description="The published answer (its {answer_id}), once "
                                              "approved.")
    created_at: datetime
    updated_at: datetime
    reviewed_at: datetime | None


class ExpertAnswerPageOut(PageOut):
    items: list[ExpertAnswerOut]


class ApproveIn(Body):
    # JSON has no dates: an ISO date string, read as one (not strict).
    next_review_on: date | None = Field(
        None, strict=False, description="When it is due for review again (ISO date, in the "
                                         "future); null: a year from today.")


class ApprovedOut(ExpertAnswerOut):
    reviewed_by: AuthorOut
    reviewed_on: date
    next_review_on: date


class AgreeOut(Schema):
    answer_id: int
    agreeing: bool = Field(description="Whether this expert now agrees with the answer.")
    agree_count: int


class HelpfulOut(Schema):
    answer_id: int
    helpful: bool = Field(description="Whether this member now marks the answer helpful.")
    helpful_count: int


class DueAnswerOut(Schema):
    answer_id: int
    question: QuestionRefOut
    author: AuthorOut | None
    reviewed_by: AuthorOut | None
    reviewed_on: date | None
    next_review_on: date
    overdue: bool


class DueAnswerPageOut(PageOut):
    items: list[DueAnswerOut]


# --- flags -----------------------------------------------------------------------------------


class FlagIn(Body):
    question: str = Field(description="Slug of the published question.")
    answer: int | None = Field(None, description="The answer flagged (its id), or null for "
                                                 "the question itself.")
    reason: str = Field(description="Why: " + ", ".join(Flag.Reason.values) + ".",
                        json_schema_extra={"enum": list(Flag.Reason.values)})
    note: str = Field("", description="What the editors should know (at most 1,000 "
                                      "characters).")


class FlagOut(Schema):
    id: int
    question: QuestionRefOut
    answer_id: int | None
    reason: str
    reason_label: str
    note: str
    created_at: datetime
    resolved_at: datetime | None


class QueuedFlagOut(FlagOut):
    by: str = Field(description="Display name of who flagged it.")


class QueuedFlagPageOut(PageOut):
    items: list[QueuedFlagOut]
