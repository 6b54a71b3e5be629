"""The community half of the JSON API: personal tokens, 401/403/422/429 as JSON, and the whole
flow (a member asks, an editor publishes, an expert answers, an editor reviews, the reader finds
it) through the API alone.

The refusals are walked from the OpenAPI description itself, so a new operation is covered
without a new row here: every operation that writes (and every one that needs an account)
answers 401 without a token, and every operation naming its action (x-healthqa-action) answers
403 to each role that may not take it.
"""

# The fixtures are imported from tests/web/api_fixtures.py; pytest injects them by argument
# name, which pyflakes reads as a redefinition.
# ruff: noqa: F811

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import hypothesis
import pytest
import schemathesis
from django.contrib.auth.models import User
from django.core.cache import caches
from django.core.handlers.wsgi import WSGIHandler
from django.urls import reverse
from django.utils import timezone

from healthqa.community.accounts import token_issue, tokens_revoke, user_create
from healthqa.community.actions import ACTIONS, user_can
from healthqa.community.models import ApiToken, ExpertAnswer, Submission
from healthqa.community.roles import ROLES
from healthqa.kb.models import Answer, Category
from healthqa.web.api import api
from healthqa.web.api.community_auth import ACTION_KEY
from healthqa.web.limits import LIMITED_MESSAGE
from tests.web.api_fixtures import (  # noqa: F401 (fixtures are used by name)
    api_kb,
    fresh_category_tree,
    slug_of,
)
from tests.web.test_api_contract import CHECKS, wsgi_app  # noqa: F401

API = "/api/v1"
PASSWORD = "a-long-pass-phrase-42"
# Operations that write nothing though they are not GETs: anyone may call them.
PUBLIC_NON_GET = {("post", "/ask")}
COMMUNITY_TAGS = {"accounts", "asking", "answering", "review"}

PHONE_QUESTION = {
    "title": "Can gout come back after ten years without a flare?",
    "text": "My gout came back after ten years. Call me on 020 7946 0958 if you need more.",
}
ANSWER_BODY = ("Yes. Gout can return after many years, because uric acid can build up again "
               "slowly. Keep to the treatment your doctor advised.\n\n"
               "<script>alert(1)</script>[a link](javascript:alert(1))")


# --- set-up ------------------------------------------------------------------------------------

@dataclass
class Person:
    user: User
    token: str
    role: str


@dataclass
class People:
    member: Person
    expert: Person
    other_expert: Person
    editor: Person
    admin: Person

    def of_role(self, role: str) -> Person:
        return {"member": self.member, "expert": self.expert, "editor": self.editor,
                "admin": self.admin}[role]


def person(username: str, role: str, **profile: str) -> Person:
    user = user_create(username=username, password=PASSWORD, role=role, **profile)
    return Person(user=user, token=token_issue(user=user), role=role)


@pytest.fixture
def people(api_kb: Any) -> People:
    return People(
        member=person("mia", "member", display_name="Mia Member"),
        expert=person("eli", "expert", display_name="Dr. Eli Expert",
                      profession="Rheumatologist", speciality="Crystal arthritis"),
        other_expert=person("oda", "expert", display_name="Dr. Oda Other",
                            profession="General practitioner"),
        editor=person("ed", "editor", display_name="Ed Editor", profession="Physician"),
        admin=person("ada", "admin", display_name="Ada Admin"),
    )


def call(client: Any, method: str, path: str, token: str | None = None,
         body: Any = None, content_type: str = "application/json") -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    data = "" if body is None else body if isinstance(body, str | bytes) else json.dumps(body)
    return client.generic(method.upper(), f"{API}{path}", data, content_type=content_type,
                          headers=headers)


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    return response.json()


def joints() -> str:
    return Category.objects.get(name="Joints").slug


# --- the description -----------------------------------------------------------------------------

def operations() -> list[tuple[str, str, dict[str, Any]]]:
    """(method, path without /api/v1, operation) for every documented operation."""
    return [(method, path.removeprefix(API), operation)
            for path, methods in api.get_openapi_schema()["paths"].items()
            for method, operation in methods.items()]


def needs_account(method: str, path: str, operation: dict[str, Any]) -> bool:
    return (method != "get" and (method, path) not in PUBLIC_NON_GET) \
        or bool(COMMUNITY_TAGS & set(operation.get("tags", [])))


def filled(path: str) -> str:
    """A path with its parameters filled in (values that exist nowhere)."""
    return (path.replace("{slug}", "no-such-question").replace("{submission_id}", "999999")
            .replace("{draft_id}", "999999").replace("{answer_id}", "999999")
            .replace("{flag_id}", "999999"))


def example_body(operation: dict[str, Any]) -> Any:
    """A body every operation taking one reads as a JSON object (its fields may be wrong)."""
    return {} if "requestBody" in operation else None


def test_every_writing_or_community_operation_is_documented_as_needing_a_token() -> None:
    needing = [(m, p, o) for m, p, o in operations() if needs_account(m, p, o)]
    assert len(needing) >= 28
    for method, path, operation in needing:
        assert operation.get("security") == [{"TokenAuth": []}], (method, path)
        statuses = {str(status) for status in operation["responses"]}
        assert {"401", "405", "500"} <= statuses, (method, path)
        assert operation.get(ACTION_KEY) in ACTIONS, (method, path)
        if operation[ACTION_KEY] != "account":
            assert "403" in statuses, (method, path)
    public = [(m, p) for m, p, o in operations() if not needs_account(m, p, o)]
    assert all(m == "get" for m, p in public if (m, p) not in PUBLIC_NON_GET)
    assert api.get_openapi_schema()["components"]["securitySchemes"] == {
        "TokenAuth": {"type": "http", "scheme": "bearer"}}


def anonymous_cases() -> list[Any]:
    return [pytest.param(m, p, o, id=f"{m.upper()} {p}") for m, p, o in operations()
            if needs_account(m, p, o)]


@pytest.mark.parametrize(("method", "path", "operation"), anonymous_cases())
def test_without_a_token_every_such_operation_is_a_json_401(
        client: Any, api_kb: Any, method: str, path: str, operation: dict[str, Any]) -> None:
    got = ok(call(client, method, filled(path), body=example_body(operation)), 401)
    assert got["detail"].startswith("This needs an account: send a personal token as "
                                    "`Authorization: Bearer hqa_...`")
    response = call(client, method, filled(path))  # and before the body is looked at
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="healthqa"'


@pytest.mark.parametrize("header", [
    "Bearer hqa_unknown", "Bearer not-even-a-token", "Bearer ", "Basic bWlhOnB3", "hqa_x",
])
def test_an_unknown_or_malformed_token_is_a_401(client: Any, people: People,
                                                header: str) -> None:
    for method, path in (("get", "/me"), ("post", "/submissions")):
        response = client.generic(method.upper(), f"{API}{path}", "not json",
                                  content_type="text/plain", headers={"Authorization": header})
        assert response.status_code == 401, (header, response.content)
        assert response["WWW-Authenticate"].startswith('Bearer realm="healthqa"')


def test_a_revoked_token_or_a_disabled_account_is_a_401(client: Any, people: People) -> None:
    token = people.member.token
    assert ok(call(client, "get", "/me", token))["username"] == "mia"
    tokens_revoke(user=people.member.user)
    got = ok(call(client, "get", "/me", token), 401)
    assert got["detail"].startswith("The token is unknown or was revoked")
    assert call(client, "get", "/me", token)["WWW-Authenticate"] == (
        'Bearer realm="healthqa", error="invalid_token"')
    fresh = token_issue(user=people.member.user)
    assert call(client, "get", "/me", fresh).status_code == 200
    people.member.user.is_active = False
    people.member.user.save()
    assert call(client, "get", "/me", fresh).status_code == 401


def test_a_signed_in_page_session_is_not_an_api_account(client: Any, people: People) -> None:
    """The API takes tokens only (so it needs no CSRF token)."""
    client.force_login(people.member.user)
    assert call(client, "get", "/me").status_code == 401
    assert call(client, "post", "/submissions", body=PHONE_QUESTION).status_code == 401


# --- 403: every role against every operation's action ------------------------------------------

def matrix_cases() -> list[Any]:
    return [pytest.param(m, p, o, role, id=f"{role} {m.upper()} {p}")
            for m, p, o in operations() if ACTION_KEY in o for role in ROLES]


@pytest.mark.parametrize(("method", "path", "operation", "role"), matrix_cases())
def test_each_role_is_refused_exactly_the_actions_it_may_not_take(
        client: Any, people: People, method: str, path: str, operation: dict[str, Any],
        role: str) -> None:
    who = people.of_role(role)
    action = operation[ACTION_KEY]
    response = call(client, method, filled(path), who.token, body=example_body(operation))
    if user_can(who.user, action):
        assert response.status_code not in (401, 403), response.content
    else:
        got = ok(response, 403)
        assert got == {"detail": f"Your {role} account may not "
                                 f"{ACTIONS[action].description}."}


def test_the_roles_are_refused_what_the_issue_says(people: People) -> None:
    """The matrix above reads user_can; this pins what it must say for the API's roles."""
    may = {role: {a for a in ACTIONS if user_can(people.of_role(role).user, a)}
           for role in ROLES}
    assert {"send_question", "mark_helpful", "flag", "follow"} <= may["member"]
    assert not {"answer", "agree", "moderate", "review", "merge"} & may["member"]
    assert {"answer", "agree"} <= may["expert"] and not {"moderate", "review"} & may["expert"]
    assert {"moderate", "review", "merge", "handle_flag"} <= may["editor"]
    assert not {"answer", "agree"} & may["editor"]
    assert may["admin"] == set(ACTIONS)


def test_a_service_s_own_refusal_is_a_403_too(client: Any, people: People) -> None:
    """An expert may agree with answers, but not with their own."""
    slug = publish(client, people)
    draft = ok(call(client, "post", f"/questions/{slug}/answers", people.expert.token,
                    {"body": ANSWER_BODY}))
    approved = ok(call(client, "post", f"/expert-answers/{draft['id']}/approve",
                       people.editor.token, {}))
    got = ok(call(client, "post", f"/answers/{approved['answer_id']}/agree",
                  people.expert.token), 403)
    assert got == {"detail": "Experts cannot agree with their own answer."}


def test_an_urgent_question_is_answered_with_the_urgent_guidance_first(
        client: Any, people: People) -> None:
    sent = ok(call(client, "post", "/submissions", people.member.token, {
        "title": "Crushing chest pain", "text": "I have crushing chest pain right now and my "
                                                "left arm is numb."}))
    assert sent["urgent"]["urgent"] is True
    assert sent["urgent"]["headline"] and sent["urgent"]["guidance"]
    assert sent["state"] == "pending"  # queued all the same


def test_another_member_s_question_is_not_found_but_an_editor_reads_it(
        client: Any, people: People) -> None:
    sent = ok(call(client, "post", "/submissions", people.member.token, PHONE_QUESTION))
    stranger = person("sam", "member")
    got = ok(call(client, "get", f"/submissions/{sent['id']}", stranger.token), 404)
    assert got["detail"] == f"No question {sent['id']} sent by you"
    assert ok(call(client, "get", "/submissions", stranger.token))["count"] == 0
    assert ok(call(client, "get", f"/submissions/{sent['id']}",
                   people.editor.token))["title"] == PHONE_QUESTION["title"]


# --- 422: the field named --------------------------------------------------------------------

@pytest.mark.parametrize(("body", "location", "field", "message"), [
    ({"title": "   ", "text": "Why?"}, "body", "title", "the title is empty"),
    ({"title": "Gout", "text": ""}, "body", "text", "the question is empty"),
    ({"title": "Gout" * 100, "text": "Why?"}, "body", "title",
     "the title is 400 characters long"),
    ({"title": "Gout\x00", "text": "Why?"}, "body", "title", "holds a character that is not"),
    ({"title": 5, "text": "Why?"}, "body", "title", "Input should be a valid string"),
    ({"text": "Why?"}, "body", "title", "Field required"),
])
def test_a_refused_value_is_a_422_naming_its_field(client: Any, people: People, body: Any,
                                                    location: str, field: str,
                                                    message: str) -> None:
    got = ok(call(client, "post", "/submissions", people.member.token, body), 422)
    assert got["errors"][0]["location"] == location
    assert got["errors"][0]["field"] == field
    assert message in got["errors"][0]["message"], got
    assert got["detail"].startswith(f"Invalid {location} parameter '{field}'")
    assert not Submission.objects.exists()


def test_bodies_are_checked_after_the_account(client: Any, people: People) -> None:
    token = people.member.token
    got = ok(call(client, "post", "/submissions", token, "not json"), 422)
    assert got["errors"] == [{"location": "body", "field": "body", "message": got["detail"]}]
    assert call(client, "post", "/submissions", token, "{}", "text/plain").status_code == 415
    # a role that may not act hears that first
    got = ok(call(client, "post", "/answers/preview", token, "not json"), 403)
    assert "may not answer a question" in got["detail"]


def test_state_and_field_refusals_of_the_review_name_the_right_parameter(
        client: Any, people: People) -> None:
    sent = ok(call(client, "post", "/submissions", people.member.token, PHONE_QUESTION))
    editor = people.editor.token
    got = ok(call(client, "post", f"/submissions/{sent['id']}/reject", editor,
                  {"reason": " "}), 422)
    assert got["errors"][0]["field"] == "reason"
    ok(call(client, "post", f"/submissions/{sent['id']}/reject", editor,
            {"reason": "Please ask your own doctor about this."}))
    got = ok(call(client, "post", f"/submissions/{sent['id']}/publish", editor,
                  {"category": joints()}), 422)
    assert got["errors"][0] == {"location": "path", "field": "submission_id",
                                "message": "this question was already decided (not published)"}
    mine = ok(call(client, "get", f"/submissions/{sent['id']}", people.member.token))
    assert (mine["state"], mine["reason"]) == ("rejected", "Please ask your own doctor about "
                                                           "this.")
    got = ok(call(client, "post", "/flags", people.member.token,
                  {"question": slug_of("api/gout-info"), "reason": "boring"}), 422)
    assert got["errors"][0]["field"] == "reason"
    got = ok(call(client, "post", "/expert-answers/abc/approve", editor, {}), 422)
    assert got["errors"][0]["location"] == "path"
    got = ok(call(client, "post", "/questions/no-such/answers", people.expert.token,
                  {"body": "too short"}), 404)
    slug = slug_of("api/gout-info")
    got = ok(call(client, "post", f"/questions/{slug}/answers", people.expert.token,
                  {"body": "too short"}), 422)
    assert got["errors"][0]["field"] == "body"
    assert "write at least 40" in got["errors"][0]["message"]


# --- 429 -----------------------------------------------------------------------------------------

def test_over_the_rate_is_a_429_with_retry_after(client: Any, people: People,
                                                 settings: Any) -> None:
    settings.HEALTHQA_RATES = {**settings.HEALTHQA_RATES, "send_question": "2/m",
                               "mark_helpful": "3/m"}
    caches[settings.RATELIMIT_USE_CACHE].clear()  # the counters every process shares
    for _ in range(2):
        ok(call(client, "post", "/submissions", people.member.token, PHONE_QUESTION))
    response = call(client, "post", "/submissions", people.member.token, PHONE_QUESTION)
    assert ok(response, 429) == {"detail": LIMITED_MESSAGE}
    assert response["Retry-After"] == "60"
    assert Submission.objects.count() == 2
    answer = Answer.objects.filter(question__external_id="api/gout-info").first()
    assert answer is not None
    for on in ("post", "delete", "post"):
        ok(call(client, on, f"/answers/{answer.pk}/helpful", people.editor.token))
    assert call(client, "delete", f"/answers/{answer.pk}/helpful",
                people.editor.token).status_code == 429


def test_the_limit_counts_per_account_as_well_as_per_address(
        client: Any, people: People, settings: Any) -> None:
    settings.HEALTHQA_RATES = {**settings.HEALTHQA_RATES, "flag": "1/m"}
    caches[settings.RATELIMIT_USE_CACHE].clear()  # the counters every process shares
    body = {"question": slug_of("api/gout-info"), "reason": "inaccurate"}
    ok(call(client, "post", "/flags", people.member.token, body))
    other = client.generic("POST", f"{API}/flags", json.dumps(body),
                           content_type="application/json", REMOTE_ADDR="10.9.8.7",
                           headers={"Authorization": f"Bearer {people.member.token}"})
    assert other.status_code == 429  # same account, another address


# --- the journey ------------------------------------------------------------------------------

def publish(client: Any, people: People) -> str:
    """A member's question, published by an editor: its slug."""
    sent = ok(call(client, "post", "/submissions", people.member.token, PHONE_QUESTION))
    published = ok(call(client, "post", f"/submissions/{sent['id']}/publish",
                        people.editor.token, {"category": joints(), "topic": "Gout"}))
    return str(published["question"]["slug"])


def test_the_whole_flow_through_the_api(client: Any, people: People) -> None:
    member, expert, editor = people.member.token, people.expert.token, people.editor.token

    # A member sends a question with a phone number: the answer lists it.
    sent = ok(call(client, "post", "/submissions", member, PHONE_QUESTION))
    assert (sent["state"], sent["question"]) == ("pending", None)
    phone = "020 7946 0958"
    at = PHONE_QUESTION["text"].index(phone)
    assert sent["personal_details"] == [{"kind": "phone", "label": "phone number",
                                         "start": at, "end": at + len(phone), "text": phone}]
    assert sent["urgent"]["urgent"] is False
    assert [s["id"] for s in ok(call(client, "get", "/submissions", member))["items"]] == [
        sent["id"]]
    assert ok(call(client, "get", "/me", member))["role"] == "member"

    # Nothing is public yet.
    hits = ok(call(client, "post", "/ask", body={"question": PHONE_QUESTION["title"]}))["hits"]
    assert all("ten years" not in h["question"]["title"] for h in hits)

    # An editor sees it in the queue with the phone number found, and publishes it without.
    queue = ok(call(client, "get", "/queue/submissions", editor))
    assert [(s["id"], s["member"]) for s in queue["items"]] == [(sent["id"], "Mia Member")]
    assert queue["items"][0]["personal_details"][0]["text"] == phone
    text = "My gout came back after ten years. Can it return after so long?"
    published = ok(call(client, "post", f"/submissions/{sent['id']}/publish", editor,
                        {"category": joints(), "topic": "Gout", "text": text}))
    assert published["state"] == "open" and published["personal_details"] == []
    slug = published["question"]["slug"]
    assert ok(call(client, "get", "/queue/submissions", editor))["count"] == 0
    page = ok(call(client, "get", f"/questions/{slug}"))
    assert (page["body"], page["has_answer"], page["answers"]) == (text, False, [])
    me = ok(call(client, "get", "/me", member))
    assert me["unread_notifications"] == 1

    # An expert finds it among the open questions, previews an answer and sends it.
    open_questions = ok(call(client, "get", "/open-questions", expert))["items"]
    assert [q["slug"] for q in open_questions] == [slug]
    preview = ok(call(client, "post", "/answers/preview", expert, {"body": ANSWER_BODY}))
    assert "<script" not in preview["body_html"] and "javascript:" not in preview["body_html"]
    draft = ok(call(client, "post", f"/questions/{slug}/answers", expert,
                    {"body": ANSWER_BODY}))
    assert (draft["state"], draft["answer_id"]) == ("pending", None)
    assert draft["expert"] == {"name": "Dr. Eli Expert",
                               "credentials": "Rheumatologist · Crystal arthritis"}
    assert ok(call(client, "get", f"/questions/{slug}"))["answers"] == []  # not reviewed yet

    # An editor approves it, with the next review date.
    queued = ok(call(client, "get", "/queue/answers", editor))["items"]
    assert [d["id"] for d in queued] == [draft["id"]]
    next_review = (timezone.localdate() + timedelta(days=200)).isoformat()
    approved = ok(call(client, "post", f"/expert-answers/{draft['id']}/approve", editor,
                       {"next_review_on": next_review}))
    today = timezone.localdate().isoformat()
    assert approved["state"] == "published"
    assert approved["reviewed_by"] == {"name": "Ed Editor", "credentials": "Physician"}
    assert (approved["reviewed_on"], approved["next_review_on"]) == (today, next_review)

    # Another expert agrees; the member finds it helpful and hears of the answer.
    answer_id = approved["answer_id"]
    assert ok(call(client, "post", f"/answers/{answer_id}/agree",
                   people.other_expert.token))["agree_count"] == 1
    assert ok(call(client, "post", f"/answers/{answer_id}/helpful", member)) == {
        "answer_id": answer_id, "helpful": True, "helpful_count": 1}
    notes = ok(call(client, "get", "/me/notifications", member))
    assert notes["unread"] == 2
    assert notes["items"][0]["message"].startswith("Your question has an answer")
    assert ok(call(client, "post", "/me/notifications/read", member)) == {"marked": 2,
                                                                         "unread": 0}
    mine = ok(call(client, "get", f"/submissions/{sent['id']}", member))
    assert (mine["state"], mine["question"]["slug"]) == ("answered", slug)

    # The reader's article shows the answer, the expert, the review.
    page = ok(call(client, "get", f"/questions/{slug}"))
    assert page["has_answer"] is True
    (answer,) = page["answers"]
    assert answer["id"] == answer_id
    assert answer["author"] == {"name": "Dr. Eli Expert",
                                "credentials": "Rheumatologist · Crystal arthritis"}
    assert answer["reviewed_by"] == {"name": "Ed Editor", "credentials": "Physician"}
    assert (answer["reviewed_on"], answer["next_review_on"]) == (today, next_review)
    assert (answer["agree_count"], answer["helpful_count"]) == (1, 1)
    assert "<script" not in answer["body_html"]
    assert page["last_reviewed_at"] == today

    # ... and ask finds it.
    asked = ok(call(client, "post", "/ask", body={"question": "Can gout come back after "
                                                              "ten years?"}))
    first = asked["hits"][0]
    assert first["question"]["slug"] == slug
    assert first["answers"][0]["reviewed_by"]["name"] == "Ed Editor"

    # What is due for review lists it once its date is near (not yet: 200 days).
    assert ok(call(client, "get", "/review-due", editor))["count"] == 0
    assert ExpertAnswer.objects.get(pk=draft["id"]).answer_id == answer_id


def test_an_answer_returned_then_sent_again(client: Any, people: People) -> None:
    slug = publish(client, people)
    draft = ok(call(client, "post", f"/questions/{slug}/answers", people.expert.token,
                    {"body": ANSWER_BODY}))
    returned = ok(call(client, "post", f"/expert-answers/{draft['id']}/return",
                       people.editor.token, {"reason": "Please cite a source."}))
    assert (returned["state"], returned["reason"]) == ("rejected", "Please cite a source.")
    again = ok(call(client, "post", f"/expert-answers/{draft['id']}/return",
                    people.editor.token, {"reason": "Twice"}), 422)
    assert again["errors"][0]["field"] == "draft_id"
    mine = ok(call(client, "get", "/my-answers", people.expert.token))["items"]
    assert [(a["id"], a["state"]) for a in mine] == [(draft["id"], "rejected")]
    resent = ok(call(client, "post", f"/questions/{slug}/answers", people.expert.token,
                     {"body": ANSWER_BODY + "\n\nSource: a guideline."}))
    assert (resent["id"], resent["state"], resent["reason"]) == (draft["id"], "pending", "")


def test_merging_flags_and_follows(client: Any, people: People) -> None:
    editor, member = people.editor.token, people.member.token
    sent = ok(call(client, "post", "/submissions", member, PHONE_QUESTION))
    gout = slug_of("api/gout-info")
    merged = ok(call(client, "post", f"/submissions/{sent['id']}/merge", editor,
                     {"into": gout}))
    assert (merged["state"], merged["question"]["slug"]) == ("answered", gout)

    causes = slug_of("api/gout-causes")
    assert ok(call(client, "post", f"/questions/{causes}/follow", member)) == {
        "slug": causes, "following": True}
    got = ok(call(client, "post", f"/questions/{causes}/merge", editor, {"into": gout}))
    assert got["into"]["slug"] == gout
    page = client.get(reverse("web:question", kwargs={"slug": causes}))
    assert (page.status_code, page["Location"]) == (301, got["into"]["url"])
    assert call(client, "get", f"/questions/{causes}").status_code == 404
    assert ok(call(client, "delete", f"/questions/{gout}/follow", member))["following"] is False
    self_merge = ok(call(client, "post", f"/questions/{gout}/merge", editor, {"into": gout}),
                    422)
    assert self_merge["errors"][0]["field"] == "into"

    answer = Answer.objects.filter(question__slug=gout).first()
    assert answer is not None
    flagged = ok(call(client, "post", "/flags", member,
                      {"question": gout, "answer": answer.pk, "reason": "inaccurate",
                       "note": "Out of date?"}))
    assert (flagged["answer_id"], flagged["reason_label"]) == (answer.pk,
                                                               "Inaccurate or out of date")
    wrong = ok(call(client, "post", "/flags", member,
                    {"question": slug_of("api/arthritis-symptoms"), "answer": answer.pk,
                     "reason": "spam"}), 404)
    assert "No answer" in wrong["detail"]
    queue = ok(call(client, "get", "/queue/flags", editor))["items"]
    assert [(f["id"], f["by"]) for f in queue] == [(flagged["id"], "Mia Member")]
    resolved = ok(call(client, "post", f"/flags/{flagged['id']}/resolve", editor))
    assert resolved["resolved_at"] is not None
    assert ok(call(client, "get", "/queue/flags", editor))["count"] == 0
    assert ok(call(client, "post", f"/flags/{flagged['id']}/resolve", editor),
              422)["errors"][0]["field"] == "flag_id"


def test_the_account_says_what_it_may_do(client: Any, people: People) -> None:
    me = ok(call(client, "get", "/me", people.expert.token))
    assert me == {
        "username": "eli", "role": "expert", "display_name": "Dr. Eli Expert",
        "profession": "Rheumatologist", "speciality": "Crystal arthritis",
        "credentials": "Rheumatologist · Crystal arthritis",
        "expert": {"state": "verified", "label": "Verified expert"},
        "actions": [a for a in ACTIONS if user_can(people.expert.user, a)],
        "unread_notifications": 0,
    }
    assert "answer" in me["actions"] and "review" not in me["actions"]


def test_an_unexpected_error_before_the_operation_is_a_json_500(
        client: Any, people: People, monkeypatch: Any) -> None:
    def broken(request: Any, action: str) -> bool:
        raise RuntimeError("the cache is down")

    monkeypatch.setattr("healthqa.web.api.community_auth.over_limit", broken)
    got = ok(call(client, "post", "/submissions", people.member.token, PHONE_QUESTION), 500)
    assert got == {"detail": "Internal server error; it has been logged."}


@pytest.mark.parametrize(("method", "path", "allow"), [
    ("put", "/submissions", "GET, POST"), ("options", "/me", "GET"),
    ("get", "/submissions/1/publish", "POST"), ("patch", "/answers/1/agree", "POST, DELETE"),
    ("head", "/queue/answers", "GET"), ("get", "/questions/x/follow", "POST, DELETE"),
])
def test_other_methods_are_a_json_405_before_the_account(client: Any, method: str, path: str,
                                                         allow: str) -> None:
    response = client.generic(method.upper(), f"{API}{path}")
    assert response.status_code == 405
    assert response["Allow"] == allow
    assert response["Content-Type"].startswith("application/json")


# --- the description, signed in ----------------------------------------------------------------

# tests/web/test_api_contract.py runs schemathesis without a token, so every community
# operation answers it 401. Here it calls them as an admin (who may take every action), so
# their 200s, 404s and 422s are checked against the description too, and none is a 500.
# Values the schema allows can still be refused by the services with a 422 naming the field
# (a title of control characters, an answer under 40 characters, a question decided already):
# positive data may be answered 422 here.
# A fixed token, so that schemathesis sends it as the description's TokenAuth (and knows that a
# case without it is meant to be refused); the fixture stores it for an admin.
ADMIN_TOKEN = "hqa_contract-test-admin-token"
SIGNED_IN_CONFIG = schemathesis.Config.from_dict({
    "seed": 1,
    "generation": {"mode": "all", "max-examples": 15, "deterministic": True,
                   "database": "none"},
    "auth": {"openapi": {"TokenAuth": {"bearer": ADMIN_TOKEN}}},
    "checks": {**{name: {"enabled": True} for name in CHECKS},
               "positive_data_acceptance": {"enabled": True, "expected-statuses": [
                   "2xx", "401", "403", "404", "409", "422", "429"]}},
})
signed_in_schema = schemathesis.openapi.from_dict(
    api.get_openapi_schema(), config=SIGNED_IN_CONFIG).include(tag=sorted(COMMUNITY_TAGS))


def with_address(app: Any) -> Any:
    """schemathesis's WSGI client sends no REMOTE_ADDR, which servers do and the per-address
    rate limits read."""
    def call_app(environ: dict[str, Any], start_response: Any) -> Any:
        environ.setdefault("REMOTE_ADDR", "127.0.0.1")
        return app(environ, start_response)
    return call_app


# The checks' own probes (e.g. a GET after a DELETE answered 2xx) go to the schema's app.
signed_in_schema.app = with_address(WSGIHandler())


@signed_in_schema.parametrize()
@hypothesis.settings(suppress_health_check=[hypothesis.HealthCheck.function_scoped_fixture],
                     deadline=None)
def test_signed_in_the_community_operations_keep_to_the_description(
        case: Any, api_kb: Any, wsgi_app: Any, admin: User) -> None:
    case.call_and_validate(app=with_address(wsgi_app))


@pytest.fixture
def admin(api_kb: Any, settings: Any) -> User:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    user = person("root", "admin", display_name="Ada Admin").user
    ApiToken.objects.create(user=user, digest=hashlib.sha256(ADMIN_TOKEN.encode()).hexdigest(),
                            prefix=ADMIN_TOKEN[:10])
    return user
