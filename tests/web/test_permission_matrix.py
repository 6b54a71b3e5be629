"""The permission matrix: one table says which role may take each action, and every page and
every API operation is checked against it, allowed and denied, with real objects.

The table must name exactly the actions of healthqa.community.actions.ACTIONS; every URL of
the site (namespace "web") is either a public page listed in PUBLIC or names an action of the
table (healthqa_action, set by @action_required) and has a request in PAGE_REQUESTS; every API
operation naming an action (x-healthqa-action) has its requests in API_PATHS/API_BODIES. So a
new action, page or operation without a row here fails, saying which.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from healthqa.community import accounts, answering, asking, marks
from healthqa.community.actions import ACTIONS, user_can
from healthqa.community.models import (
    ExpertAnswer,
    Flag,
    Follow,
    Notification,
    Profile,
    Submission,
)
from healthqa.community.roles import ROLES, user_role
from healthqa.kb.models import Answer, Question
from healthqa.web.api import api
from healthqa.web.api.community_auth import ACTION_KEY
from tests.kb.conftest import KB

pytestmark = pytest.mark.django_db

# --- the table -------------------------------------------------------------------------------

COLUMNS = ("reader", *ROLES)  # reader is the anonymous visitor
_ = False
Y = True
#                  reader member expert editor admin
TABLE: dict[str, tuple[bool, bool, bool, bool, bool]] = {
    "account":       (_, Y, Y, Y, Y),
    "send_question": (_, Y, Y, Y, Y),
    "my_questions":  (_, Y, Y, Y, Y),
    "follow":        (_, Y, Y, Y, Y),
    "mark_helpful":  (_, Y, Y, Y, Y),
    "flag":          (_, Y, Y, Y, Y),
    "apply_expert":  (_, Y, Y, Y, Y),
    "answer":        (_, _, Y, _, Y),
    "agree":         (_, _, Y, _, Y),
    "moderate":      (_, _, _, Y, Y),
    "review":        (_, _, _, Y, Y),
    "verify_expert": (_, _, _, Y, Y),
    "handle_flag":   (_, _, _, Y, Y),
    "merge":         (_, _, _, Y, Y),
}


def allowed(action: str, role: str) -> bool:
    return TABLE[action][COLUMNS.index(role)]


# Pages anyone may open: reading, searching and asking, signing up and in, resetting a
# password, feeds and sitemaps. Everything else must name its action.
PUBLIC = {
    "home", "search", "ask", "topics", "topic", "question", "category", "category-feed",
    "signup", "login", "logout", "password-reset", "password-reset-done",
    "password-reset-complete", "password-reset-confirm", "sitemap", "sitemap-section",
}
# Outside the pages' namespace: what a load balancer and Prometheus ask (healthqa.web.views.
# health), open to anyone with no account and naming no action; /metrics answers only the
# addresses in HEALTHQA_METRICS_ALLOW (404 for others: tests/web/test_metrics.py).
OPERATIONS = {"healthz", "readyz", "metrics"}


# --- the site's URLs ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Route:
    name: str  # without the namespace
    route: str  # the pattern, e.g. "editor/answers/<int:pk>/"
    action: str | None


def _walk(resolver: URLResolver, prefix: str = "", namespace: tuple[str, ...] = ()
          ) -> Iterator[tuple[tuple[str, ...], str, URLPattern]]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = (*namespace, entry.namespace) if entry.namespace else namespace
            yield from _walk(entry, prefix + str(entry.pattern), inner)
        else:
            yield namespace, prefix + str(entry.pattern), entry


def web_routes() -> list[Route]:
    """Every URL pattern of the pages (namespace "web"), with the action its view names."""
    return [Route(name=str(pattern.name), route=route,
                  action=getattr(pattern.callback, "healthqa_action", None))
            for namespace, route, pattern in _walk(get_resolver()) if namespace == ("web",)]


# --- the world the requests act on --------------------------------------------------------

PASSWORD = "matrix pass phrase 42"
GOOD_ANSWER = ("Most airlines accept flights until 36 weeks of a single pregnancy; ask your "
               "midwife for a letter saying you are fit to fly.")


@dataclass
class World:
    """One account per role, and one real object of each kind an action needs."""

    kb: KB
    users: dict[str, User]
    pending: Submission  # sent by the member, waiting for an editor
    open_question: Question  # published from a member's question, no answer yet
    draft: ExpertAnswer  # another expert's answer to it, waiting for review
    answered: Question  # published, with `published` as its answer
    published: Answer  # by another expert, reviewed
    flag: Flag  # open, by the member
    applicant: Profile  # a member who applied to be an expert
    extra: dict[str, Any] = field(default_factory=dict)

    def user(self, role: str) -> User | None:
        return None if role == "reader" else self.users[role]


def make_world(kb: KB) -> World:
    make = accounts.user_create
    users = {
        "member": make(username="mia", password=PASSWORD, role="member",
                       email="mia@example.org", display_name="Mia Member"),
        "expert": make(username="lee", password=PASSWORD, role="expert",
                       display_name="Dr Amy Lee", profession="Obstetrician",
                       speciality="Maternal-fetal medicine"),
        "other_expert": make(username="okafor", password=PASSWORD, role="expert",
                             display_name="Dr Chidi Okafor", profession="General practitioner"),
        "editor": make(username="ed", password=PASSWORD, role="editor",
                       display_name="Sam Reyes", profession="Physician"),
        "admin": make(username="root", password=PASSWORD, role="admin", display_name="Ada Admin"),
        "applicant": make(username="appl", password=PASSWORD, role="member",
                          display_name="Pat Applicant"),
    }
    member, editor, other = users["member"], users["editor"], users["other_expert"]
    category = kb.back_pain.category
    pending = asking.submission_send(member=member, title="Can I fly at 34 weeks?",
                                     body="I am 34 weeks pregnant and fly on Friday.")
    sent = asking.submission_send(member=member, title="Is swimming safe at 30 weeks?",
                                  body="I swim every morning. Should I stop?")
    open_question = asking.submission_publish(editor=editor, submission=sent, title=sent.title,
                                              body=sent.body, category=category)
    draft = answering.answer_submit(expert=other, question=open_question, body=GOOD_ANSWER)
    sent = asking.submission_send(member=member, title="Can I dye my hair when pregnant?",
                                  body="Is hair dye safe in pregnancy?")
    answered = asking.submission_publish(editor=editor, submission=sent, title=sent.title,
                                         body=sent.body, category=category)
    published = answering.answer_approve(
        editor=editor, draft=answering.answer_submit(expert=other, question=answered,
                                                     body=GOOD_ANSWER.replace("fly", "dye")))
    flag = marks.flag_create(user=member, question=answered, answer=published,
                             reason="inaccurate", note="Out of date?")
    applicant = accounts.expert_apply(user=users["applicant"], display_name="Pat Applicant",
                                      profession="Midwife", speciality="Antenatal care",
                                      registration="NMC 12A3456E")
    return World(kb=kb, users=users, pending=pending, open_question=open_question, draft=draft,
                 answered=answered, published=published, flag=flag, applicant=applicant)


@pytest.fixture
def world(kb: KB) -> World:
    return make_world(kb)


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


# --- what each acting page is asked ---------------------------------------------------------

@dataclass(frozen=True)
class PageRequest:
    """How to request one acting page: its URL's arguments, whether it answers GET, and the
    minimal valid-looking form it takes by POST (None: it takes no POST)."""

    kwargs: Callable[[World], dict[str, Any]] = lambda w: {}
    get: bool = True
    post: Callable[[World], dict[str, str]] | None = None


PAGE_REQUESTS: dict[str, PageRequest] = {
    "account": PageRequest(post=lambda w: {"do": "profile", "display_name": "A New Name",
                                           "email": "new@example.org"}),
    "notifications": PageRequest(post=lambda w: {}),
    "send-question": PageRequest(post=lambda w: {
        "title": "Can I take paracetamol at 20 weeks?", "body": "For a headache.",
        "do": "send", "website": ""}),
    "my-questions": PageRequest(),
    "follow": PageRequest(kwargs=lambda w: {"slug": w.answered.slug},
                          post=lambda w: {"on": "1"}),
    "flag": PageRequest(kwargs=lambda w: {"slug": w.answered.slug},
                        post=lambda w: {"reason": "spam", "note": ""}),
    "helpful": PageRequest(kwargs=lambda w: {"answer_id": w.published.pk},
                           post=lambda w: {"on": "1"}),
    "experts": PageRequest(),
    "expert-apply": PageRequest(post=lambda w: {
        "display_name": "Dr New", "profession": "Midwife", "speciality": "Antenatal care",
        "registration": "NMC 1"}),
    "answer": PageRequest(kwargs=lambda w: {"slug": w.open_question.slug},
                          post=lambda w: {"body": GOOD_ANSWER, "do": "submit"}),
    "agree": PageRequest(kwargs=lambda w: {"answer_id": w.published.pk}, get=False,
                         post=lambda w: {"on": "1"}),
    "editor-queue": PageRequest(),
    "editor-submission": PageRequest(kwargs=lambda w: {"pk": w.pending.pk}, post=lambda w: {
        "do": "publish", "title": w.pending.title, "body": w.pending.body,
        "category": str(w.kb.back_pain.category_id), "focus": "Flying in pregnancy"}),
    "editor-answer": PageRequest(kwargs=lambda w: {"pk": w.draft.pk},
                                 post=lambda w: {"do": "approve", "next_review_on": ""}),
    "editor-due": PageRequest(post=lambda w: {"answer": str(w.published.pk)}),
    "editor-experts": PageRequest(post=lambda w: {"profile": str(w.applicant.pk),
                                                  "do": "verify"}),
    "editor-flags": PageRequest(post=lambda w: {"flag": str(w.flag.pk)}),
    "editor-merge": PageRequest(post=lambda w: {
        "duplicate": w.kb.sleep_back_pain.get_absolute_url(),
        "into": w.kb.back_pain.get_absolute_url()}),
}


# --- (a) the table is the actions ------------------------------------------------------------

def test_the_table_has_a_row_for_every_action_and_no_other() -> None:
    missing = sorted(set(ACTIONS) - set(TABLE))
    unknown = sorted(set(TABLE) - set(ACTIONS))
    assert not missing, f"actions without a row in TABLE: {missing}"
    assert not unknown, f"rows of TABLE naming no action in ACTIONS: {unknown}"
    assert all(len(row) == len(COLUMNS) for row in TABLE.values())


def test_the_anonymous_reader_may_take_no_action() -> None:
    assert not any(allowed(action, "reader") for action in TABLE)
    assert not any(user_can(AnonymousUser(), action) for action in ACTIONS)


@pytest.mark.parametrize("role", ROLES)
def test_the_roles_grant_exactly_the_table(world: World, role: str) -> None:
    user = world.users[role]
    assert user_role(user) == role
    for action in ACTIONS:
        assert user_can(user, action) is allowed(action, role), (action, role)


# --- (b) every page is public or names an action of the table -------------------------------

ROUTES = web_routes()
ACTING = [r for r in ROUTES if r.action is not None]


def test_every_page_is_public_or_names_an_action_of_the_table() -> None:
    assert ROUTES, "no URL in namespace web"
    names = {r.name for r in ROUTES}
    assert not PUBLIC - names, f"PUBLIC names no URL: {sorted(PUBLIC - names)}"
    for route in ROUTES:
        if route.name in PUBLIC:
            assert route.action is None, f"{route.route} ({route.name}) is PUBLIC yet names " \
                                         f"the action {route.action!r}"
        else:
            assert route.action is not None, (
                f"/{route.route} (web:{route.name}) is not in PUBLIC and names no action: "
                f"decorate its view with @action_required(...)")
            assert route.action in TABLE, f"/{route.route} names {route.action!r}, not in TABLE"


def test_every_url_outside_a_namespace_is_an_operation_open_to_anyone(client: Client) -> None:
    """The pages are namespace "web", the API "api", the admin "admin"; anything else is a
    probe listed in OPERATIONS, which takes no action and answers a reader without an account
    (from the test client's address, 127.0.0.1, which may read /metrics)."""
    outside = [(route, pattern) for namespace, route, pattern in _walk(get_resolver())
               if not namespace]
    assert {str(pattern.name) for _, pattern in outside} == OPERATIONS
    for route, pattern in outside:
        assert getattr(pattern.callback, "healthqa_action", None) is None, route
        response = client.get(reverse(str(pattern.name)))
        assert response.status_code in (200, 503), route  # 503: /readyz, not ready
        assert not response.cookies, route


def test_every_acting_page_has_its_requests() -> None:
    acting = {r.name for r in ACTING}
    assert not acting - set(PAGE_REQUESTS), \
        f"acting pages without a PageRequest: {sorted(acting - set(PAGE_REQUESTS))}"
    assert not set(PAGE_REQUESTS) - acting, \
        f"PageRequests for no acting page: {sorted(set(PAGE_REQUESTS) - acting)}"
    # Every action a page takes is reached by some page (or the API: checked below).
    assert {r.action for r in ACTING} | api_actions() == set(ACTIONS)


# --- (c) every acting page x every role --------------------------------------------------------

def page_cases() -> list[Any]:
    cases = []
    for route in ACTING:
        spec = PAGE_REQUESTS.get(route.name)
        if spec is None:
            continue  # test_every_acting_page_has_its_requests fails
        methods = (["get"] if spec.get else []) + (["post"] if spec.post else [])
        for method in methods:
            for role in COLUMNS:
                cases.append(pytest.param(
                    route, method, role,
                    id=f"{route.action} {method.upper()} /{route.route} {role}"))
    return cases


def sign_in_url() -> str:
    return reverse("web:login")


def snapshot() -> tuple[Any, ...]:
    """What the acting pages change: a denied request must change none of it."""
    return (
        sorted(Submission.objects.values_list("id", "state", "title")),
        sorted(ExpertAnswer.objects.values_list("id", "state", "body")),
        sorted(Flag.objects.values_list("id", "resolved_at")),
        sorted(Profile.objects.values_list("id", "expert", "display_name")),
        sorted(Answer.objects.values_list("id", "helpful_count", "agree_count", "reviewed_on")),
        sorted(Question.objects.values_list("id", "status", "merged_into")),
        Follow.objects.count(), Notification.objects.filter(read_at__isnull=True).count(),
        sorted(User.objects.values_list("id", "email")),
    )


@pytest.mark.parametrize(("route", "method", "role"), page_cases())
def test_each_page_allows_and_denies_as_the_table_says(world: World, route: Route, method: str,
                                                       role: str) -> None:
    assert route.action is not None
    spec = PAGE_REQUESTS[route.name]
    url = reverse(f"web:{route.name}", kwargs=spec.kwargs(world))
    client = client_for(world.user(role))
    before = snapshot()
    if method == "post":
        assert spec.post is not None
        response = client.post(url, spec.post(world))
    else:
        response = client.get(url)
    where = f"{route.action}: {method.upper()} {url} as {role} -> {response.status_code}"
    location = response.get("Location", "")
    to_sign_in = response.status_code == 302 and location.startswith(sign_in_url())
    if allowed(route.action, role):
        assert response.status_code != 403 and not to_sign_in, where
        assert response.status_code not in (405, 500), where
    elif role == "reader":
        assert to_sign_in, where
        assert location.startswith(f"{sign_in_url()}?next="), where
        assert snapshot() == before, f"{where}: changed something"
    else:
        assert response.status_code == 403, where
        assert "may not" in response.content.decode(), where
        assert snapshot() == before, f"{where}: changed something"


def test_a_page_refuses_the_methods_it_does_not_take(world: World) -> None:
    """PAGE_REQUESTS says which methods each page takes: the others answer 405 to an admin,
    so the matrix above requested every method a page acts on."""
    admin = client_for(world.users["admin"])
    for route in ACTING:
        spec = PAGE_REQUESTS[route.name]
        url = reverse(f"web:{route.name}", kwargs=spec.kwargs(world))
        if not spec.get:
            assert admin.get(url).status_code == 405, url
        if spec.post is None:
            assert admin.post(url, {}).status_code == 405, url
        assert admin.put(url).status_code == 405, url


# --- (d) every API operation x every role ----------------------------------------------------

API = "/api/v1"


def api_operations() -> list[tuple[str, str, dict[str, Any]]]:
    """(method, path without /api/v1, operation) of every operation naming an action."""
    return [(method, path.removeprefix(API), operation)
            for path, methods in api.get_openapi_schema()["paths"].items()
            for method, operation in methods.items() if ACTION_KEY in operation]


def api_actions() -> set[str]:
    return {operation[ACTION_KEY] for _, _, operation in api_operations()}


# Path parameters, by operation path, filled with the world's objects.
API_PATHS: dict[str, Callable[[World], dict[str, Any]]] = {
    "/questions/{slug}/answers": lambda w: {"slug": w.open_question.slug},
    "/questions/{slug}/follow": lambda w: {"slug": w.answered.slug},
    "/questions/{slug}/merge": lambda w: {"slug": w.kb.sleep_back_pain.slug},
    "/submissions/{submission_id}": lambda w: {"submission_id": w.pending.pk},
    "/submissions/{submission_id}/publish": lambda w: {"submission_id": w.pending.pk},
    "/submissions/{submission_id}/reject": lambda w: {"submission_id": w.pending.pk},
    "/submissions/{submission_id}/merge": lambda w: {"submission_id": w.pending.pk},
    "/expert-answers/{draft_id}/approve": lambda w: {"draft_id": w.draft.pk},
    "/expert-answers/{draft_id}/return": lambda w: {"draft_id": w.draft.pk},
    "/answers/{answer_id}/helpful": lambda w: {"answer_id": w.published.pk},
    "/answers/{answer_id}/agree": lambda w: {"answer_id": w.published.pk},
    "/flags/{flag_id}/resolve": lambda w: {"flag_id": w.flag.pk},
}
# Minimal valid-looking bodies, by (method, path), for the operations that take one.
API_BODIES: dict[tuple[str, str], Callable[[World], dict[str, Any]]] = {
    ("post", "/submissions"): lambda w: {"title": "Can I take paracetamol at 20 weeks?",
                                         "text": "For a headache."},
    ("post", "/submissions/{submission_id}/publish"): lambda w: {
        "category": w.kb.back_pain.category.slug, "topic": "Flying in pregnancy"},
    ("post", "/submissions/{submission_id}/reject"): lambda w: {
        "reason": "Please ask your midwife."},
    ("post", "/submissions/{submission_id}/merge"): lambda w: {"into": w.kb.back_pain.slug},
    ("post", "/questions/{slug}/merge"): lambda w: {"into": w.kb.back_pain.slug},
    ("post", "/questions/{slug}/answers"): lambda w: {"body": GOOD_ANSWER},
    ("post", "/answers/preview"): lambda w: {"body": GOOD_ANSWER},
    ("post", "/expert-answers/{draft_id}/approve"): lambda w: {},
    ("post", "/expert-answers/{draft_id}/return"): lambda w: {"reason": "Cite a source."},
    ("post", "/flags"): lambda w: {"question": w.answered.slug, "answer": w.published.pk,
                                   "reason": "spam"},
}


def test_the_served_description_is_the_one_walked(client: Client) -> None:
    served = client.get(f"{API}/openapi.json").json()
    walked = {(m, f"{API}{p}", o[ACTION_KEY]) for m, p, o in api_operations()}
    assert walked == {(m, p, o[ACTION_KEY]) for p, methods in served["paths"].items()
                      for m, o in methods.items() if ACTION_KEY in o}
    assert len(walked) >= 28


def test_every_operation_has_its_requests() -> None:
    for method, path, operation in api_operations():
        params = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
        if params:
            assert path in API_PATHS, f"{method.upper()} {path}: add its path to API_PATHS"
        if "requestBody" in operation:
            assert (method, path) in API_BODIES, \
                f"{method.upper()} {path}: add a body to API_BODIES"
        assert operation[ACTION_KEY] in TABLE, (method, path)


def api_cases() -> list[Any]:
    return [pytest.param(method, path, operation, role,
                         id=f"{operation[ACTION_KEY]} {method.upper()} {path} {role}")
            for method, path, operation in api_operations() for role in COLUMNS]


def api_call(client: Client, world: World, method: str, path: str, token: str | None
             ) -> Any:
    filled = path.format(**API_PATHS[path](world)) if path in API_PATHS else path
    body = API_BODIES.get((method, path))
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.generic(method.upper(), f"{API}{filled}",
                          "" if body is None else json.dumps(body(world)),
                          content_type="application/json", headers=headers)


@pytest.mark.parametrize(("method", "path", "operation", "role"), api_cases())
def test_each_operation_allows_and_denies_as_the_table_says(
        client: Client, world: World, method: str, path: str, operation: dict[str, Any],
        role: str) -> None:
    action = operation[ACTION_KEY]
    user = world.user(role)
    token = accounts.token_issue(user=user) if user is not None else None
    before = snapshot()
    response = api_call(client, world, method, path, token)
    where = f"{action}: {method.upper()} {path} as {role} -> {response.status_code} " \
            f"{response.content[:200]!r}"
    assert response["Content-Type"].startswith("application/json"), where
    if role == "reader":
        assert response.status_code == 401, where
        assert response.json()["detail"].startswith("This needs an account"), where
    elif allowed(action, role):
        assert response.status_code not in (401, 403, 405, 500), where
    else:
        assert response.status_code == 403, where
        assert response.json() == {"detail": f"Your {role} account may not "
                                             f"{ACTIONS[action].description}."}, where
    if not allowed(action, role):
        assert snapshot() == before, f"{where}: changed something"
