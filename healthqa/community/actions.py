"""Every action a person can take, the permission it needs, and the errors services raise.

Pages and API endpoints name their action (`ACTIONS`); the permission matrix test walks this
table against every role, so an action without a row here cannot be added unnoticed.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser, User


class NotAllowed(PermissionError):
    """The person may not do this (their role, or it is not theirs)."""


class InvalidInput(ValueError):
    """What was sent cannot be accepted; `field` names where, the message says why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Action:
    permission: str | None  # None: any signed-in person
    description: str


ACTIONS: dict[str, Action] = {
    "account": Action(None, "see and change one's own account, notifications and tokens"),
    "send_question": Action("community.send_question", "send a question to the experts"),
    "my_questions": Action("community.send_question", "see one's questions and their state"),
    "follow": Action("community.send_question", "follow or unfollow a question"),
    "mark_helpful": Action("community.mark_helpful", "mark an answer helpful"),
    "flag": Action("community.flag_content", "flag a question or answer for the editors"),
    "apply_expert": Action("community.send_question", "apply to be verified as an expert"),
    "answer": Action("community.answer_question", "answer a question, edit one's answer"),
    "agree": Action("community.agree_answer", "agree with another expert's answer"),
    "moderate": Action("community.moderate_submission",
                       "publish, edit, merge or reject questions sent to the experts"),
    "review": Action("community.review_answer", "review experts' answers, see what is due"),
    "verify_expert": Action("community.verify_expert", "verify an expert's credentials"),
    "handle_flag": Action("community.handle_flag", "resolve flags"),
    "merge": Action("kb.merge_question", "merge a duplicate question into another"),
}


def user_can(user: User | AnonymousUser, action: str) -> bool:
    """Whether `user` may take `action` (a KeyError for an action not in ACTIONS)."""
    needed = ACTIONS[action]
    if not user.is_authenticated or not user.is_active:
        return False
    return needed.permission is None or user.has_perm(needed.permission)


def action_check(user: User | AnonymousUser, action: str) -> None:
    """Raise NotAllowed unless `user` may take `action`."""
    if not user_can(user, action):
        raise NotAllowed(f"your account may not {ACTIONS[action].description}")
