"""The editors' pages under /editor/: the queue, a sent question to publish, reject or join
to an existing one, an expert's answer to approve or return, answers due for review, expert
applications, flags, and merging duplicates.

Every view names its action (healthqa.web.permissions.action_required); the services check
it again. What was sent and cannot be accepted (InvalidInput) is shown by its field with 400;
what is not this editor's to do (NotAllowed, such as reviewing their own answer) is a 403.
"""

from __future__ import annotations

import datetime
from typing import Any, cast
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from healthqa.community import accounts, answering, asking, marks
from healthqa.community.actions import InvalidInput, NotAllowed
from healthqa.community.models import ExpertAnswer, Flag, Profile, Submission
from healthqa.community.pii import (
    personal_details,
    personal_details_html,
    personal_details_summary,
)
from healthqa.kb import selectors
from healthqa.kb.models import Answer, Category, Question
from healthqa.web.paging import page_or_404
from healthqa.web.permissions import action_required, forbidden
from healthqa.web.views.caching import typed_text_page

# How many of each list the queue shows before linking to the page that has them all.
QUEUE_PREVIEW = 10
GET_POST = ["GET", "HEAD", "POST"]


def _me(request: HttpRequest) -> User:
    """The signed-in editor (action_required let only those through)."""
    return cast(User, request.user)


def _not_allowed(request: HttpRequest, exc: NotAllowed) -> HttpResponse:
    return forbidden(request, f"You may not do this: {exc}.")


def _sent_text(submission: Submission) -> str:
    """What the member wrote: the title and the text, or the text alone when the title is a
    copy of its start (as when sent straight from /ask)."""
    if " ".join(submission.title.split()) in " ".join(submission.body.split()):
        return submission.body
    return f"{submission.title}\n\n{submission.body}"


def _sent(text: str) -> dict[str, Any]:
    """A member's text with its personal details marked, and what was found."""
    return {"html": personal_details_html(text),
            "found": personal_details_summary(personal_details(text))}


def question_from_address(text: str, *, field: str) -> Question:
    """The question at an address on this site ("https://…/q/slug/", "/q/slug/" or the slug
    alone), or InvalidInput naming `field`."""
    text = text.strip()
    if not text:
        raise InvalidInput(field, "give the question's address, such as /q/its-name/")
    slug = text
    if "/" in text:
        path = urlsplit(text).path or "/"
        try:
            match = resolve(path if path.endswith("/") else f"{path}/")
        except Resolver404:
            match = None
        if match is None or match.view_name != "web:question":
            raise InvalidInput(field, "this is not the address of a question on this site "
                                      "(it looks like /q/its-name/)")
        slug = match.kwargs["slug"]
    question = Question.objects.filter(slug=slug).first()
    if question is None:
        raise InvalidInput(field, "there is no question at this address")
    if question.merged_into_id is not None:
        raise InvalidInput(field, "this question was merged into another already: use the "
                                  "address it redirects to")
    if question.status != Question.Status.PUBLISHED:
        raise InvalidInput(field, "this question is not published")
    return question


@typed_text_page
@action_required("moderate")
@require_safe
def editor_queue(request: HttpRequest) -> HttpResponse:
    """What waits for an editor: sent questions (oldest first, personal details marked),
    answers to review, open flags and expert applications."""
    pending = asking.submissions_pending()
    page = page_or_404(request, pending, size=settings.PAGE_SIZE)
    answers = answering.answers_pending()
    flags = marks.flags_open()
    applications = accounts.experts_applied()
    return render(request, "web/editors/queue.html", {
        "page": page,
        "submissions": [(s, _sent(_sent_text(s))) for s in page.object_list],
        "submission_count": page.paginator.count,
        "answers": list(answers[:QUEUE_PREVIEW]), "answer_count": answers.count(),
        "flags": list(flags[:QUEUE_PREVIEW]), "flag_count": flags.count(),
        "applications": applications[:QUEUE_PREVIEW], "application_count": len(applications),
        "due_count": answering.answers_due().count(),
    })


def _category_choices() -> list[tuple[int, str]]:
    """Every category as (pk, "Parent › Child"), in tree order."""
    tree = selectors.category_tree()
    choices: list[tuple[int, str]] = []

    def walk(pk: int, trail: str) -> None:
        node = tree[pk]
        label = f"{trail} › {node.name}" if trail else node.name
        choices.append((node.id, label))
        for child in node.children:
            walk(child, label)

    for node in tree.values():
        if node.parent_id is None:
            walk(node.id, "")
    return choices


def _category(value: str) -> Category:
    category = Category.objects.filter(pk=value).first() if value.isdigit() else None
    if category is None:
        raise InvalidInput("category", "choose a category from the list")
    return category


@typed_text_page
@action_required("moderate")
@require_http_methods(GET_POST)
def editor_submission(request: HttpRequest, pk: int) -> HttpResponse:
    """One sent question: publish it (edited) as open, reject it with a reason the member
    sees, or join it to an existing question."""
    submission = get_object_or_404(Submission.objects.select_related("member__profile",
                                                                     "category", "question"),
                                   pk=pk)
    values = {"title": submission.title, "body": submission.body,
              "category": str(submission.category_id or ""),
              "focus": asking.topic_suggested(submission=submission),
              "reason": "", "into": ""}
    errors: dict[str, str] = {}
    if request.method == "POST":
        values.update({name: request.POST.get(name, "") for name in values
                       if name in request.POST})
        do = request.POST.get("do")
        editor = _me(request)
        try:
            if do == "publish":
                question = asking.submission_publish(
                    editor=editor, submission=submission, title=values["title"],
                    body=values["body"], category=_category(values["category"]),
                    focus=values["focus"])
                messages.success(request, f"Published as open: “{question.title}”.")
            elif do == "reject":
                asking.submission_reject(editor=editor, submission=submission,
                                         reason=values["reason"])
                messages.success(request, f"Not published: “{submission.title}”. The member "
                                          f"sees your reason.")
            elif do == "merge":
                into = question_from_address(values["into"], field="into")
                asking.submission_merge(editor=editor, submission=submission, into=into)
                messages.success(request, f"Joined to “{into.title}”; the member follows it.")
            else:
                raise InvalidInput("do", "choose publish, reject or join")
            return redirect("web:editor-queue")
        except InvalidInput as exc:
            errors[exc.field] = exc.message
        except NotAllowed as exc:
            return _not_allowed(request, exc)
    return render(request, "web/editors/submission.html", {
        "submission": submission, "pending": submission.state == Submission.State.PENDING,
        "sent": _sent(_sent_text(submission)),
        "values": values, "errors": errors, "categories": _category_choices(),
        "decided_error": errors.get("state") or errors.get("do"),
    }, status=400 if errors else 200)


def _review_date(value: str) -> datetime.date | None:
    if not value.strip():
        return None
    try:
        return datetime.date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput("next_review_on", "give the date as YYYY-MM-DD") from None


@typed_text_page
@action_required("review")
@require_http_methods(GET_POST)
def editor_answer(request: HttpRequest, pk: int) -> HttpResponse:
    """An expert's answer beside who wrote it (and the published text it would replace):
    approve it with the next review date, or return it with a reason."""
    draft = get_object_or_404(ExpertAnswer.objects.select_related(
        "question", "expert__profile", "answer"), pk=pk)
    default_next = timezone.localdate() + answering.REVIEW_INTERVAL
    values = {"next_review_on": default_next.isoformat(), "reason": ""}
    errors: dict[str, str] = {}
    if request.method == "POST":
        values.update({name: request.POST.get(name, "") for name in values
                       if name in request.POST})
        do = request.POST.get("do")
        try:
            if do == "approve":
                answering.answer_approve(editor=_me(request), draft=draft,
                                         next_review_on=_review_date(values["next_review_on"]))
                messages.success(request, f"Published, reviewed by you: the answer to "
                                          f"“{draft.question.title}”.")
            elif do == "return":
                answering.answer_return(editor=_me(request), draft=draft,
                                        reason=values["reason"])
                messages.success(request, f"Returned to its expert: the answer to "
                                          f"“{draft.question.title}”.")
            else:
                raise InvalidInput("do", "choose approve or return")
            return redirect("web:editor-queue")
        except InvalidInput as exc:
            errors[exc.field] = exc.message
        except NotAllowed as exc:
            return _not_allowed(request, exc)
    try:
        preview = answering.answer_preview(body=draft.body)
    except InvalidInput as exc:
        preview, errors["body"] = "", exc.message
    return render(request, "web/editors/answer.html", {
        "draft": draft, "question": draft.question,
        "profile": accounts.profile_get(user=draft.expert),
        "preview": preview, "published": draft.answer,
        "pending": draft.state == ExpertAnswer.State.PENDING,
        "values": values, "errors": errors,
        "decided_error": errors.get("state") or errors.get("do"),
    }, status=400 if errors else 200)


@typed_text_page
@action_required("review")
@require_http_methods(GET_POST)
def editor_due(request: HttpRequest) -> HttpResponse:
    """Published answers due for review, the most overdue first; each can be marked reviewed
    again today, unchanged."""
    error = ""
    if request.method == "POST":
        value = request.POST.get("answer", "")
        answer = get_object_or_404(Answer.objects.select_related("question"),
                                   pk=value if value.isdigit() else 0)
        try:
            answering.answer_rereview(editor=_me(request), answer=answer)
        except InvalidInput as exc:
            error = exc.message
        except NotAllowed as exc:
            return _not_allowed(request, exc)
        else:
            messages.success(request, f"Reviewed again today: answer {answer.position} to "
                                      f"“{answer.question.title}”.")
            return redirect("web:editor-due")
    return render(request, "web/editors/due.html", {
        "page": page_or_404(request, answering.answers_due(), size=settings.PAGE_SIZE),
        "today": timezone.localdate(), "error": error,
    }, status=400 if error else 200)


@typed_text_page
@action_required("verify_expert")
@require_http_methods(GET_POST)
def editor_experts(request: HttpRequest) -> HttpResponse:
    """Applications to be an expert, oldest first: verify or decline each."""
    error = ""
    if request.method == "POST":
        value = request.POST.get("profile", "")
        profile = get_object_or_404(Profile.objects.select_related("user"),
                                    pk=value if value.isdigit() else 0)
        accept = request.POST.get("do") == "verify"
        try:
            accounts.expert_verify(editor=_me(request), profile=profile, accept=accept)
        except InvalidInput as exc:
            error = exc.message
        except NotAllowed as exc:
            return _not_allowed(request, exc)
        else:
            messages.success(request, f"{profile.display_name} is "
                                      f"{'now a verified expert' if accept else 'not verified'}.")
            return redirect("web:editor-experts")
    return render(request, "web/editors/experts.html", {
        "applications": accounts.experts_applied(), "error": error,
    }, status=400 if error else 200)


@typed_text_page
@action_required("handle_flag")
@require_http_methods(GET_POST)
def editor_flags(request: HttpRequest) -> HttpResponse:
    """Open flags, oldest first, each with the content it points at; resolve when handled."""
    error = ""
    if request.method == "POST":
        value = request.POST.get("flag", "")
        flag = get_object_or_404(Flag, pk=value if value.isdigit() else 0)
        try:
            marks.flag_resolve(editor=_me(request), flag=flag)
        except InvalidInput as exc:
            error = exc.message
        except NotAllowed as exc:
            return _not_allowed(request, exc)
        else:
            messages.success(request, "The flag is resolved.")
            return redirect("web:editor-flags")
    return render(request, "web/editors/flags.html", {
        "page": page_or_404(request, marks.flags_open(), size=settings.PAGE_SIZE),
        "error": error,
    }, status=400 if error else 200)


@typed_text_page
@action_required("merge")
@require_http_methods(GET_POST)
def editor_merge(request: HttpRequest) -> HttpResponse:
    """Merge a published duplicate into another question: its answers move there and its
    address redirects there for good (301)."""
    values = {"duplicate": request.GET.get("duplicate", ""), "into": ""}
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = {name: request.POST.get(name, "") for name in values}
        try:
            duplicate = question_from_address(values["duplicate"], field="duplicate")
            into = question_from_address(values["into"], field="into")
            if duplicate.pk == into.pk:
                raise InvalidInput("into", "a question cannot be merged into itself")
            asking.question_merge(editor=_me(request), duplicate=duplicate, into=into)
        except InvalidInput as exc:
            errors[exc.field] = exc.message
        except NotAllowed as exc:
            return _not_allowed(request, exc)
        else:
            messages.success(request, f"Merged: {duplicate.get_absolute_url()} now redirects "
                                      f"to {into.get_absolute_url()}.")
            return redirect("web:editor-merge")
    return render(request, "web/editors/merge.html", {"values": values, "errors": errors},
                  status=400 if errors else 200)
