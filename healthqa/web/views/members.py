"""A member's pages: sending a question to the experts (with the closest answered questions
and the personal details in it shown first), "My questions", following a question, marking
an answer helpful and reporting content to the editors.

Every view names its action (healthqa.web.permissions.action_required); the services check
it again and say what is wrong with what was sent (InvalidInput, shown by its field with 400)
or that it is not this account's to do (NotAllowed, the 403 page).
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from healthqa.ask.services import MAX_QUESTION_CHARS, AskInputError, ask_question
from healthqa.ask.triage import question_triage
from healthqa.community import asking, marks, notify
from healthqa.community.actions import InvalidInput, NotAllowed
from healthqa.community.models import Flag, Submission
from healthqa.community.pii import (
    Finding,
    personal_details,
    personal_details_html,
    personal_details_summary,
)
from healthqa.kb import selectors
from healthqa.kb.models import Answer, Question
from healthqa.web.limits import limited, over_limit, rate_limit
from healthqa.web.permissions import action_required, forbidden
from healthqa.web.views.caching import typed_text_page
from healthqa.web.views.public_forms import (
    HONEYPOT_MESSAGE,
    field_error,
    honeypot_filled,
    next_url,
    with_links,
)

# A few: the member has seen the full list on /ask already; these are a last look.
CLOSEST_ANSWERED = 3
# A title is one line; a short question asked on /ask is its own title.
TITLE_FROM_ASKED_CHARS = 150
SEND_FIELDS = {"title": "title", "question": "body"}
FLAG_FIELDS = {"reason": "reason", "note": "note"}
SENT_MESSAGE = ("Your question is sent. An editor reads it before anything is published; "
                "its state is below, and we will tell you here when it changes.")
URGENT_SENT_MESSAGE = ("Your question mentions something that needs care now: do not wait "
                       "for our experts' answer, follow the urgent guidance.")
# Submissions in these states have a public question page to link to.
WITH_PAGE = {state.value for state in (Submission.State.OPEN, Submission.State.ANSWERED,
                                      Submission.State.MERGED)}
PLURALS = {"date of birth": "dates of birth"}


def _me(request: HttpRequest) -> User:
    """The signed-in account (action_required let only those through)."""
    return cast(User, request.user)


def _plural(label: str, count: int) -> str:
    if count == 1:
        return f"1 {label}"
    plural = PLURALS.get(label) or (f"{label}es" if label.endswith(("s", "sh", "ch"))
                                    else f"{label}s")
    return f"{count} {plural}"


def pii_sentence(findings: list[Finding]) -> str:
    """"We found 1 phone number: remove it unless the experts need it." ("" when none)."""
    summary = [_plural(label, count) for label, count in personal_details_summary(findings)]
    if not summary:
        return ""
    listed = summary[0] if len(summary) == 1 else f"{', '.join(summary[:-1])} and {summary[-1]}"
    one = len(findings) == 1
    return (f"We found {listed}: remove {'it' if one else 'them'} unless the experts "
            f"need {'it' if one else 'them'}.")


def _check(title: str, body: str) -> dict[str, Any]:
    """What the member should see before sending: urgent guidance, the closest answered
    questions and the personal details in what they wrote."""
    text = "\n".join(part for part in (title.strip(), body.strip()) if part)
    if not text:
        return {"checked": False}
    try:
        result = ask_question(text=text[:MAX_QUESTION_CHARS], k=CLOSEST_ANSWERED)
        closest, covered = result.hits[:CLOSEST_ANSWERED], not result.low_confidence
    except AskInputError:
        closest, covered = (), False
    findings = personal_details(body)
    if " ".join(title.split()) not in " ".join(body.split()):  # a title copied from the text
        findings = personal_details(title) + findings            # is not counted twice
    return {
        "checked": True,
        "urgent": question_triage(text=text),
        "closest": closest,
        "covered": covered,
        "findings": findings,
        "pii_sentence": pii_sentence(findings),
        "title_html": personal_details_html(title),
        "body_html": personal_details_html(body),
    }


@require_http_methods(["GET", "HEAD", "POST"])
@typed_text_page
@action_required("send_question")
def send_question(request: HttpRequest) -> HttpResponse:
    """Send a question to the experts. "Check again" shows the page again with the personal
    details highlighted and nothing saved; "Send to the experts" stores it for an editor."""
    if request.method == "POST":
        title, body = request.POST.get("title", ""), request.POST.get("body", "")
    else:
        body = request.GET.get("q", "").strip()
        one_line = " ".join(body.split())
        title = one_line if len(one_line) <= TITLE_FROM_ASKED_CHARS else ""
    errors: dict[str, str] = {}
    check = _check(title, body)
    if request.method == "POST":
        if honeypot_filled(request):
            errors["form"] = HONEYPOT_MESSAGE
        elif request.POST.get("do") == "send":
            if over_limit(request, "send_question"):
                return limited(request)
            try:
                asking.submission_send(member=_me(request), title=title, body=body)
            except InvalidInput as exc:
                field_error(errors, exc, SEND_FIELDS)
            except NotAllowed as exc:
                return forbidden(request, f"Your account may not do this: {exc}.")
            else:
                messages.success(request, SENT_MESSAGE)
                if check.get("urgent") and check["urgent"].urgent:
                    messages.warning(request, URGENT_SENT_MESSAGE)
                return redirect("web:my-questions")
    return render(request, "web/members/send_question.html", {
        **check, "title": title, "body": body, "errors": errors,
        "title_chars": asking.TITLE_CHARS, "body_chars": asking.BODY_CHARS,
    }, status=400 if errors else 200)


@require_safe
@typed_text_page
@action_required("my_questions")
def my_questions(request: HttpRequest) -> HttpResponse:
    """The member's questions with their state in words (and the editor's reason when one was
    not published), the questions they follow, and what is new at the top, then marked read."""
    me = _me(request)
    try:
        submissions = list(asking.submissions_of(member=me))
    except NotAllowed as exc:
        return forbidden(request, f"Your account may not do this: {exc}.")
    unread = with_links([n for n in notify.notifications_of(user=me) if n.read_at is None])
    response = render(request, "web/members/my_questions.html", {
        "submissions": submissions, "with_page": WITH_PAGE,
        "follows": asking.follows_of(member=me), "unread": unread,
    })
    if unread:
        notify.notifications_mark_read(user=me)  # shown once, at the top of this page
    return response


@require_http_methods(["GET", "HEAD", "POST"])
@typed_text_page
@action_required("follow")
def follow(request: HttpRequest, slug: str) -> HttpResponse:
    """Follow a question (on=1) to hear when it is answered, or stop (on=0); back to the
    question, or to the page the form came from (`next`)."""
    on = request.POST.get("on", "1") != "0"
    # One can stop following a question that is no longer public; only follow a public one.
    question = (selectors.question_get_published(slug=slug) if on or request.method != "POST"
                else Question.objects.filter(slug=slug).first())
    if question is None:
        raise Http404("No such question")
    back = next_url(request, question.get_absolute_url())
    if request.method != "POST":  # e.g. back here after signing in: nothing to do
        return redirect(question.get_absolute_url())
    try:
        asking.follow_set(member=_me(request), question=question, on=on)
    except NotAllowed as exc:
        return forbidden(request, f"You may not do this: {exc}.")
    messages.success(request, "You follow this question: we will tell you when it is answered."
                     if on else f"You no longer follow “{question.title}”.")
    return redirect(back)


def _answer_url(answer: Answer) -> str:
    return f"{answer.question.get_absolute_url()}#answer-{answer.position}"


@require_http_methods(["GET", "HEAD", "POST"])
@typed_text_page
@action_required("mark_helpful")
@rate_limit("mark_helpful")
def helpful(request: HttpRequest, answer_id: int) -> HttpResponse:
    """Mark a published answer helpful (on=1) or take the mark back (on=0): one mark per
    member per answer; back to the answer on its page."""
    answer = get_object_or_404(Answer.objects.select_related("question"), pk=answer_id,
                               question__status=Question.Status.PUBLISHED)
    if request.method != "POST":
        return HttpResponseRedirect(_answer_url(answer))
    on = request.POST.get("on", "1") != "0"
    try:
        marks.helpful_set(member=_me(request), answer=answer, on=on)
    except NotAllowed as exc:
        return forbidden(request, f"You may not do this: {exc}.")
    messages.success(request, "Thank you: you marked this answer helpful." if on
                     else "Your helpful mark is taken back.")
    return HttpResponseRedirect(_answer_url(answer))


@require_http_methods(["GET", "HEAD", "POST"])
@typed_text_page
@action_required("flag")
@rate_limit("flag")
def flag(request: HttpRequest, slug: str) -> HttpResponse:
    """Report a question, or one of its answers (?answer=<id>), to the editors: a reason and
    an optional note."""
    question = selectors.question_get_published(slug=slug)
    if question is None:
        raise Http404("No such question")
    answer = None
    answer_id = request.POST.get("answer") or request.GET.get("answer") or ""
    if answer_id:
        answer = (Answer.objects.filter(pk=answer_id, question=question).first()
                  if answer_id.isdigit() else None)
        if answer is None:
            raise Http404("No such answer to this question")
    values = {"reason": request.POST.get("reason", ""), "note": request.POST.get("note", "")}
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            marks.flag_create(user=_me(request), question=question, answer=answer,
                              reason=values["reason"], note=values["note"])
        except InvalidInput as exc:
            field_error(errors, exc, FLAG_FIELDS)
        except NotAllowed as exc:
            return forbidden(request, f"You may not do this: {exc}.")
        else:
            messages.success(request, "Thank you for reporting it: an editor will look at it.")
            return HttpResponseRedirect(_answer_url(answer) if answer
                                        else question.get_absolute_url())
    return render(request, "web/members/flag.html", {
        "question": question, "answer": answer, "values": values, "errors": errors,
        "reasons": Flag.Reason.choices,
        "back": _answer_url(answer) if answer else question.get_absolute_url(),
    }, status=400 if errors else 200)
