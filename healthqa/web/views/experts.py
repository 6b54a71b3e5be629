"""The experts' pages: open questions to answer, the answer form with its preview, agreeing
with another expert's answer, and a member's application to be verified as an expert.

Every view names its action (healthqa.web.permissions.action_required); the services check
it again and say what is wrong with what was sent (InvalidInput, shown by its field with 400)
or that it is not this account's to do (NotAllowed, the 403 page).
"""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from healthqa.community import accounts, answering
from healthqa.community.actions import InvalidInput, NotAllowed
from healthqa.community.models import Profile
from healthqa.kb.models import Answer, Category, Question
from healthqa.web.limits import limited, over_limit
from healthqa.web.paging import page_or_404
from healthqa.web.permissions import action_required, forbidden
from healthqa.web.views.caching import typed_text_page

SUBMITTED_MESSAGE = "Your answer waits for an editor's review."


def _me(request: HttpRequest) -> User:
    """The signed-in account (action_required let only those through)."""
    return cast(User, request.user)


@typed_text_page
@action_required("answer")
@require_safe
def experts_home(request: HttpRequest) -> HttpResponse:
    """Open questions (those in the expert's categories first), paged, and the expert's own
    answers with where each stands and the editor's reason when one was returned."""
    questions = answering.questions_open(expert=_me(request))
    return render(request, "web/experts/home.html", {
        "page": page_or_404(request, questions, size=settings.PAGE_SIZE),
        "drafts": list(answering.answers_of(expert=_me(request)).select_related("answer")),
    })


# The service names fields in words; the form's inputs have names.
_APPLY_INPUTS = {"name": "display_name", "registration number": "registration"}


def _top_categories() -> list[Category]:
    return list(Category.objects.filter(parent__isnull=True).order_by("position", "name"))


def _chosen_categories(request: HttpRequest, choices: list[Category]) -> list[Category]:
    by_pk = {str(c.pk): c for c in choices}
    chosen = request.POST.getlist("categories")
    if any(value not in by_pk for value in chosen):
        raise InvalidInput("categories", "choose categories from the list")
    return [by_pk[value] for value in dict.fromkeys(chosen)]


@typed_text_page
@action_required("apply_expert")
@require_http_methods(["GET", "HEAD", "POST"])
def expert_apply(request: HttpRequest) -> HttpResponse:
    """A member gives their name, profession, speciality and registration number for an
    editor to verify, and the categories whose questions they want to see first."""
    profile = accounts.profile_get(user=_me(request))
    choices = _top_categories()
    values: dict[str, Any] = {
        "display_name": profile.display_name, "profession": profile.profession,
        "speciality": profile.speciality, "registration": profile.registration,
        "categories": {str(pk) for pk in profile.categories.values_list("pk", flat=True)},
    }
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = {name: request.POST.get(name, "") for name in
                  ("display_name", "profession", "speciality", "registration")}
        values["categories"] = set(request.POST.getlist("categories"))
        try:
            accounts.expert_apply(
                user=_me(request),
                display_name=values["display_name"], profession=values["profession"],
                speciality=values["speciality"], registration=values["registration"],
                categories=_chosen_categories(request, choices))
        except InvalidInput as exc:
            errors[_APPLY_INPUTS.get(exc.field, exc.field)] = exc.message
        except NotAllowed as exc:
            return forbidden(request, f"Your account may not do this: {exc}.")
        else:
            messages.success(request, "Thank you: your application waits for an editor, who "
                                      "will check your registration.")
            return redirect("web:expert-apply")
    return render(request, "web/experts/apply.html", {
        "profile": profile, "verified": profile.expert == Profile.Expert.VERIFIED,
        "applied": profile.expert == Profile.Expert.APPLIED,
        "declined": profile.expert == Profile.Expert.DECLINED,
        "choices": choices, "values": values, "errors": errors,
    }, status=400 if errors else 200)


@typed_text_page
@action_required("answer")
@require_http_methods(["GET", "HEAD", "POST"])
def answer_write(request: HttpRequest, slug: str) -> HttpResponse:
    """The answer form: Markdown, a preview rendered (and sanitised) as the article page
    would show it without saving, and "submit", which sends it to an editor's review."""
    question = (Question.objects.filter(slug=slug, status=Question.Status.PUBLISHED)
                .select_related("category").first())
    if question is None:
        raise Http404("No such question")
    draft = answering.answers_of(expert=_me(request)).filter(question=question).first()
    body = draft.body if draft else ""
    preview, error = "", ""
    if request.method == "POST":
        body = request.POST.get("body", "")
        try:
            if request.POST.get("do") == "submit":
                if over_limit(request, "answer"):
                    return limited(request)
                answering.answer_submit(expert=_me(request), question=question, body=body)
                messages.success(request, SUBMITTED_MESSAGE)
                return redirect("web:experts")
            preview = answering.answer_preview(body=body)
        except InvalidInput as exc:
            error = exc.message
        except NotAllowed as exc:
            return forbidden(request, f"Your account may not do this: {exc}.")
    return render(request, "web/experts/answer.html", {
        "question": question, "draft": draft, "body": body, "preview": preview,
        "error": error, "min_chars": answering.ANSWER_MIN_CHARS,
        "max_chars": answering.ANSWER_CHARS,
    }, status=400 if error else 200)


@typed_text_page
@action_required("agree")
@require_POST
def answer_agree(request: HttpRequest, answer_id: int) -> HttpResponse:
    """"I agree" with another expert's published answer (on=1), or withdraw it (on=0); back
    to the answer on its page."""
    answer = get_object_or_404(Answer.objects.select_related("question"), pk=answer_id,
                               question__status=Question.Status.PUBLISHED)
    try:
        answering.answer_agree(expert=_me(request),
                               answer=answer, agree=request.POST.get("on", "1") != "0")
    except NotAllowed as exc:
        return forbidden(request, f"You may not do this: {exc}.")
    return HttpResponseRedirect(f"{answer.question.get_absolute_url()}#answer-{answer.position}")
