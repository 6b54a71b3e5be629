"""Hostile text in every field a member, expert or editor writes, through the pages and the API.

Each value is either refused, with a message tied to its field (400 on the pages, 422 naming it
in the API; 413 for a form larger than the site reads) and nothing stored, or stored as typed
and then, on every page that can show it (my questions, notifications, the account, the editor
queue and the sent question, the answer review, the experts' pages, the article with its
JSON-LD, the topic pages, ask and search, the category's Atom feed), inert: the audit of
tests/web/test_hostile_content.py finds no script but the site's own, no event attribute, no
javascript: or data: link. A stored value is then spread (published, answered, reviewed, an
applicant verified) so that it reaches the public pages too.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from enum import Enum
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote, urlencode
from xml.etree import ElementTree

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from healthqa.community import accounts, answering, asking
from healthqa.community.models import ExpertAnswer, Flag, Profile, Submission
from healthqa.kb.models import Question
from healthqa.kb.text import tidy_title
from healthqa.search import selectors as search_selectors
from healthqa.web.api import api
from healthqa.web.api.community_auth import ACTION_KEY
from tests.kb.conftest import KB
from tests.web.test_hostile_content import audit
from tests.web.test_permission_matrix import (  # noqa: F401 (an autouse fixture)
    API_PATHS,
    GOOD_ANSWER,
    PAGE_REQUESTS,
    World,
    client_for,
    make_world,
)

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
API = "/api/v1"

# --- the hostile values ---------------------------------------------------------------------

MARKUP = {
    "script": "<script>alert(1)</script>",
    "img onerror": "<img src=x onerror=alert(1)>",
    "svg onload": '"><svg onload=alert(1)>',
    "markdown javascript link": "[x](javascript:alert(1))",
    "javascript autolink": "<javascript:alert(1)>",
    "raw javascript link": '<a href="javascript:alert(1)">x</a>',
    "markdown image tricks": ('![a](x"onerror="alert(1)) ![b](javascript:alert(1)) '
                              "![<img src=x onerror=alert(1)>](x)"),
    "comment and style": "<!-- <script>alert(1)</script> --><style>*{display:none}</style>",
    # Markup as text in Markdown: the answer's plain text (excerpt, JSON-LD) holds it raw.
    "code span": "`<script>alert(1)</script>`",
    "entities": "&lt;img src=x onerror=alert(1)&gt;",
}
BROKEN = {
    "nul": "before\x00after",
    "escape": "before\x1b[2Jafter",
    "wrong encoding": "caf\ufffd au lait",
    "long (100 KB)": "y" * 100_000,
}
HUGE = {"huge (1 MB)": "x" * 1_000_000}  # more than DATA_UPLOAD_MAX_MEMORY_SIZE
EMPTY = {"empty": "", "whitespace": " \t\n \n "}
VALUES = {**MARKUP, **BROKEN, **HUGE, **EMPTY}
# E-mail addresses that are valid (a quoted local part) and hostile all the same.
HOSTILE_EMAILS = {
    "quoted script e-mail": '"<script>alert(1)</script>"@example.org',
    "quoted img e-mail": '"<img/src=x/onerror=alert(1)>"@example.org',
}
# An answer is at least 40 characters: markup is sent inside one long enough to be kept.
PADDING = "Rest, drink water and see your midwife if it lasts. "


class Outcome(Enum):
    STORED = "stored"
    REFUSED = "refused, tied to its field"
    TOO_LARGE = "refused as too large"


# --- the fields -------------------------------------------------------------------------------

Write = Callable[[World, str], Any]


@dataclass(frozen=True)
class Field:
    """One field someone writes: how it is sent, what is stored, where it then shows."""

    name: str
    input: str  # the form input (pages) or body field (API) a refusal must name
    write: Write
    stored: Callable[[World], str | None]  # what the field holds now (None: nothing)
    required: bool = True
    kind: str = "text"  # text | multiline | markdown | username | email
    empty_as: str = ""  # what an empty optional value is stored as
    spread: Callable[[World], None] = lambda w: None  # show it on the public pages too
    shows: tuple[str, ...] = ()  # the pages (by label) that show it as written, escaped
    renders: tuple[str, ...] = ()  # the pages that show it rendered (an answer's Markdown)
    api: bool = False
    tidied: bool = False  # stored as a knowledge-base question's title (tidy_title)

    def value(self, raw: str, name: str) -> str:
        return PADDING + raw if self.kind == "markdown" and name in MARKUP else raw

    def expected(self, name: str) -> Outcome:
        if name in HUGE:
            return Outcome.TOO_LARGE
        if name in BROKEN:
            return Outcome.REFUSED
        if name in EMPTY:
            return Outcome.REFUSED if self.required else Outcome.STORED
        if name in HOSTILE_EMAILS:
            return Outcome.STORED
        return Outcome.REFUSED if self.kind in ("username", "email") else Outcome.STORED

    def cleaned(self, value: str) -> str:
        """As the services store it (healthqa.community.text.field_text)."""
        if self.kind in ("multiline", "markdown"):
            text = value.replace("\r\n", "\n").replace("\r", "\n").strip()
        else:
            text = " ".join(value.split())
        return (tidy_title(text) if self.tidied else text) or self.empty_as


def form_post(client: Client, url: str, data: dict[str, str]) -> Any:
    """POST as a browser sends a form (urlencoded)."""
    return client.post(url, urlencode(data), content_type="application/x-www-form-urlencoded")


def page_writer(role: str, url_name: str, data: Callable[[World, str], dict[str, str]],
                kwargs: Callable[[World], dict[str, Any]] = lambda w: {}) -> Write:
    def write(world: World, value: str) -> Any:
        client = Client() if role == "reader" else client_for(world.users[role])
        return form_post(client, reverse(f"web:{url_name}", kwargs=kwargs(world)),
                         data(world, value))
    write.form = (role, url_name, kwargs)  # type: ignore[attr-defined]
    return write


def api_writer(role: str, path: str, body: Callable[[World, str], dict[str, Any]]) -> Write:
    """POST to the operation at `path` (its parameters filled as the permission matrix
    fills them)."""
    def write(world: World, value: str) -> Any:
        token = accounts.token_issue(user=world.users[role])
        filled = path.format(**API_PATHS[path](world)) if path in API_PATHS else path
        return Client().post(f"{API}{filled}", json.dumps(body(world, value)),
                             content_type="application/json",
                             headers={"Authorization": f"Bearer {token}"})
    write.operation = path  # type: ignore[attr-defined]
    return write


# The new member of the sign-up cases.
NEWCOMER = "newcomer"


def _signup(world: World, **fields: str) -> dict[str, str]:
    return {"username": NEWCOMER, "display_name": "New Comer", "email": "new@example.org",
            "password1": "a long new pass phrase 7", "password2": "a long new pass phrase 7",
            "website": "", **fields}


def _newcomer(world: World) -> User | None:
    return User.objects.filter(username=NEWCOMER).first()


def _newcomer_profile(world: World) -> Profile | None:
    return Profile.objects.filter(user__username=NEWCOMER).select_related("user").first()


def _newcomer_acts(world: World) -> None:
    """The new member sends a question and applies to be an expert: their name and e-mail
    reach the editors' pages."""
    user = _newcomer(world)
    assert user is not None
    world.users["newcomer"] = user
    asking.submission_send(member=user, title="A plain question about flying",
                           body="Can I fly at 30 weeks?")
    profile = accounts.profile_get(user=user)
    accounts.expert_apply(user=user, display_name=profile.display_name, profession="Midwife",
                          speciality="Antenatal care", registration="NMC 1")


def _member_applies(world: World) -> None:
    profile = accounts.profile_get(user=world.users["member"])
    accounts.expert_apply(user=world.users["member"], display_name=profile.display_name,
                          profession="Midwife", speciality="Antenatal care",
                          registration="NMC 1")


def _latest_sent(world: World) -> Submission | None:
    return (Submission.objects.filter(member=world.users["member"])
            .exclude(pk__in=world.extra.setdefault("sent_before", [])).order_by("-id").first())


def _copies_published(world: World) -> None:
    """The member's hostile question, twice more: once published and answered (article, feed,
    ask, notifications), once published and left open (the experts' pages)."""
    sent = _latest_sent(world)
    assert sent is not None
    editor, expert = world.users["editor"], world.users["expert"]
    category = world.kb.back_pain.category
    for answered in (True, False):
        copy = asking.submission_send(member=world.users["member"], title=sent.title,
                                      body=sent.body)
        question = asking.submission_publish(editor=editor, submission=copy, title=copy.title,
                                             body=copy.body, category=category)
        if answered:
            answering.answer_approve(editor=editor, draft=answering.answer_submit(
                expert=expert, question=question, body=GOOD_ANSWER))


def _published_answered(world: World) -> None:
    """The question the editor published (with the hostile edit) is answered and reviewed;
    another is published with the same edit and left open."""
    world.pending.refresh_from_db()
    question = world.pending.question
    assert question is not None
    editor = world.users["editor"]
    answering.answer_approve(editor=editor, draft=answering.answer_submit(
        expert=world.users["expert"], question=question, body=GOOD_ANSWER))
    copy = asking.submission_send(member=world.users["member"], title="Another plain one",
                                  body="Another plain question.")
    asking.submission_publish(editor=editor, submission=copy, title=question.title,
                              body=question.body, category=question.category,
                              focus=question.focus)


def _applicant_verified_and_answering(world: World) -> None:
    """Another member applies with the same name and credentials, is verified and answers:
    the article shows them (and the first application still waits on the editors' pages)."""
    editor = world.users["editor"]
    profile = accounts.profile_get(user=world.users["member"])
    copy = accounts.user_create(username="copycat", password="copycat pass phrase 9")
    accounts.expert_apply(user=copy, display_name=profile.display_name,
                          profession=profile.profession, speciality=profile.speciality,
                          registration=profile.registration)
    accounts.expert_verify(editor=editor, profile=accounts.profile_get(user=copy), accept=True)
    copy = User.objects.get(pk=copy.pk)  # without the permissions cached before
    answering.answer_approve(editor=editor, draft=answering.answer_submit(
        expert=copy, question=world.open_question, body=GOOD_ANSWER))


def _expert_draft(world: World) -> ExpertAnswer | None:
    return ExpertAnswer.objects.filter(expert=world.users["expert"],
                                       question=world.open_question).first()


def _draft_approved(world: World) -> None:
    draft = _expert_draft(world)
    assert draft is not None
    answering.answer_approve(editor=world.users["editor"], draft=draft)


def _publish(field: str) -> Callable[[World, str], dict[str, str]]:
    def data(world: World, value: str) -> dict[str, str]:
        values = {"do": "publish", "title": world.pending.title, "body": world.pending.body,
                  "category": str(world.kb.back_pain.category_id), "focus": "Flying"}
        return {**values, field: value}
    return data


def _published_question(world: World) -> Question | None:
    world.pending.refresh_from_db()
    return world.pending.question


def _apply(field: str) -> Callable[[World, str], dict[str, str]]:
    def data(world: World, value: str) -> dict[str, str]:
        return {"display_name": "Mia Midwife", "profession": "Midwife",
                "speciality": "Antenatal care", "registration": "NMC 12A3456E", field: value}
    return data


def _applied(attribute: str) -> Callable[[World], str | None]:
    def stored(world: World) -> str | None:
        profile = Profile.objects.get(user=world.users["member"])
        return getattr(profile, attribute) if profile.expert == Profile.Expert.APPLIED else None
    return stored


def _draft_body(world: World) -> str | None:
    draft = _expert_draft(world)
    return draft.body if draft else None


def _draft_reason(world: World) -> str | None:
    world.draft.refresh_from_db()
    return world.draft.reason if world.draft.state == ExpertAnswer.State.REJECTED else None


def _pending_reason(world: World) -> str | None:
    world.pending.refresh_from_db()
    return world.pending.reason if world.pending.state == Submission.State.REJECTED else None


def _flag_note(world: World) -> str | None:
    flag = Flag.objects.exclude(pk=world.flag.pk).first()
    return flag.note if flag else None


# The pages that show a question's title, its text, and an expert's name and credentials.
QUESTION_TITLE = ("article", "article signed in", "answer form of expert", "editor answer",
                  "experts of expert", "experts of other_expert", "notifications of member",
                  "notifications of expert", "home", "ask", "search", "feed")
QUESTION_TEXT = ("article", "article signed in", "answer form of expert", "editor answer")
CREDENTIALS = ("editor experts", "editor queue", "expert apply", "article", "article signed in",
               "ask", "editor answer")

PAGE_FIELDS = [
    Field("sign-up username", "username", kind="username",
          write=page_writer("reader", "signup", lambda w, v: _signup(w, username=v)),
          stored=lambda w: "stored" if User.objects.count() != w.extra["users"] else None),
    Field("sign-up display name", "display_name", required=False, empty_as=NEWCOMER,
          write=page_writer("reader", "signup", lambda w, v: _signup(w, display_name=v)),
          stored=lambda w: (p := _newcomer_profile(w)) and p.display_name,
          spread=_newcomer_acts,
          shows=("account of newcomer", "editor queue", "editor experts",
                 "editor submission")),
    Field("sign-up e-mail", "email", kind="email", required=False,
          write=page_writer("reader", "signup", lambda w, v: _signup(w, email=v)),
          stored=lambda w: (u := _newcomer(w)) and u.email, spread=_newcomer_acts,
          shows=("account of newcomer", "editor experts")),
    Field("account display name", "display_name",
          write=page_writer("member", "account", lambda w, v: {
              "do": "profile", "display_name": v, "email": "mia@example.org"}),
          stored=lambda w: Profile.objects.get(user=w.users["member"]).display_name,
          spread=_member_applies,
          shows=("account of member", "editor submission", "editor experts", "editor queue",
                 "expert apply")),
    Field("account e-mail", "email", kind="email", required=False,
          write=page_writer("member", "account", lambda w, v: {
              "do": "profile", "display_name": "Mia Member", "email": v}),
          stored=lambda w: User.objects.get(pk=w.users["member"].pk).email,
          spread=_member_applies, shows=("account of member", "editor experts")),
    Field("sent question's title", "title",
          write=page_writer("member", "send-question", lambda w, v: {
              "title": v, "body": "Is it safe to fly?", "do": "send", "website": ""}),
          stored=lambda w: (s := _latest_sent(w)) and s.title, spread=_copies_published,
          shows=(*QUESTION_TITLE, "my questions", "editor queue", "editor submission")),
    Field("sent question's text", "body", kind="multiline",
          write=page_writer("member", "send-question", lambda w, v: {
              "title": "Is it safe to fly?", "body": v, "do": "send", "website": ""}),
          stored=lambda w: (s := _latest_sent(w)) and s.body, spread=_copies_published,
          shows=(*QUESTION_TEXT, "editor queue", "editor submission")),
    Field("editor's title", "title",
          write=page_writer("editor", "editor-submission", _publish("title"),
                            lambda w: {"pk": w.pending.pk}),
          stored=lambda w: (q := _published_question(w)) and q.title, tidied=True,
          spread=_published_answered,
          shows=(*QUESTION_TITLE, "my questions", "editor submission", "topic")),
    Field("editor's text", "body", kind="multiline",
          write=page_writer("editor", "editor-submission", _publish("body"),
                            lambda w: {"pk": w.pending.pk}),
          stored=lambda w: (q := _published_question(w)) and q.body,
          spread=_published_answered, shows=(*QUESTION_TEXT, "editor submission")),
    Field("editor's topic", "focus", required=False,
          write=page_writer("editor", "editor-submission", _publish("focus"),
                            lambda w: {"pk": w.pending.pk}),
          stored=lambda w: (q := _published_question(w)) and q.focus,
          spread=_published_answered,
          shows=("article", "article signed in", "topics", "topic")),
    Field("editor's reason to reject", "reason", kind="multiline",
          write=page_writer("editor", "editor-submission", lambda w, v: {
              "do": "reject", "reason": v}, lambda w: {"pk": w.pending.pk}),
          stored=_pending_reason,
          shows=("my questions", "notifications of member", "editor submission")),
    *[Field(f"expert application's {label}", name,
            write=page_writer("member", "expert-apply", _apply(name)),
            stored=_applied(attribute), spread=_applicant_verified_and_answering,
            shows=shows)
      for label, name, attribute, shows in (
          ("name", "display_name", "display_name",
           (*CREDENTIALS, "account of member", "editor submission")),
          ("profession", "profession", "profession", CREDENTIALS),
          ("speciality", "speciality", "speciality", CREDENTIALS),
          ("registration number", "registration", "registration",
           ("editor experts", "expert apply", "editor answer")))],
    Field("answer", "body", kind="markdown",
          write=page_writer("expert", "answer", lambda w, v: {"body": v, "do": "submit"},
                            lambda w: {"slug": w.open_question.slug}),
          stored=_draft_body, spread=_draft_approved, shows=("answer form of expert",),
          renders=("article", "article signed in", "editor answer", "ask", "search", "feed")),
    Field("reason to return an answer", "reason", kind="multiline",
          write=page_writer("editor", "editor-answer", lambda w, v: {
              "do": "return", "reason": v}, lambda w: {"pk": w.draft.pk}),
          stored=_draft_reason,
          shows=("experts of other_expert", "notifications of other_expert",
                 "answer form of other_expert", "editor answer")),
    Field("flag note", "note", kind="multiline", required=False,
          write=page_writer("member", "flag", lambda w, v: {"reason": "inaccurate", "note": v},
                            lambda w: {"slug": w.answered.slug}),
          stored=_flag_note, shows=("editor flags",)),
]


def _as_api(page_field: str, input_name: str, write: Write) -> Field:
    field = next(f for f in PAGE_FIELDS if f.name == page_field)
    return replace(field, name=f"API {field.name}", input=input_name, write=write, api=True)


def _api_publish(name: str) -> Callable[[World, str], dict[str, Any]]:
    return lambda w, v: {"category": w.kb.back_pain.category.slug, "topic": "Flying", name: v}


API_FIELDS = [
    _as_api("sent question's title", "title", api_writer(
        "member", "/submissions",
        lambda w, v: {"title": v, "text": "Is it safe to fly?"})),
    _as_api("sent question's text", "text", api_writer(
        "member", "/submissions",
        lambda w, v: {"title": "Is it safe to fly?", "text": v})),
    *[_as_api(page, name, api_writer(
        "editor", "/submissions/{submission_id}/publish", _api_publish(name)))
      for page, name in (("editor's title", "title"), ("editor's text", "text"),
                         ("editor's topic", "topic"))],
    _as_api("editor's reason to reject", "reason", api_writer(
        "editor", "/submissions/{submission_id}/reject",
        lambda w, v: {"reason": v})),
    _as_api("answer", "body", api_writer(
        "expert", "/questions/{slug}/answers",
        lambda w, v: {"body": v})),
    _as_api("reason to return an answer", "reason", api_writer(
        "editor", "/expert-answers/{draft_id}/return",
        lambda w, v: {"reason": v})),
    _as_api("flag note", "note", api_writer(
        "member", "/flags",
        lambda w, v: {"question": w.answered.slug, "reason": "inaccurate", "note": v})),
]


# --- where it shows ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Shown:
    label: str
    url: str
    viewer: str | None  # a key of world.users, None: anonymous
    feed: bool = False


def community_questions(world: World | None = None) -> list[Question]:
    """The questions published from members' questions (but the world's answered one, which
    no case writes to: its pages are the reading pages of test_hostile_content.py)."""
    questions = (Question.objects.filter(external_id__startswith="healthqa/submission/",
                                         status=Question.Status.PUBLISHED)
                 .select_related("category"))
    if world is not None:
        questions = questions.exclude(pk=world.answered.pk)
    return list(questions)


def pages_showing(world: World) -> list[Shown]:
    """Every page that shows what members, experts and editors write, as the person who
    sees it (and the public pages as an anonymous reader)."""
    pages = [
        Shown("my questions", reverse("web:my-questions"), "member"),
        Shown("editor queue", reverse("web:editor-queue"), "editor"),
        Shown("editor experts", reverse("web:editor-experts"), "editor"),
        Shown("editor flags", reverse("web:editor-flags"), "editor"),
        Shown("expert apply", reverse("web:expert-apply"), "member"),
        Shown("topics", reverse("web:topics"), None),
        Shown("home", reverse("web:home"), None),
    ]
    for who in ("member", "expert", "other_expert", "newcomer"):
        if who in world.users:
            pages += [Shown(f"notifications of {who}", reverse("web:notifications"), who),
                      Shown(f"account of {who}", reverse("web:account"), who)]
    for who in ("expert", "other_expert"):
        pages.append(Shown(f"experts of {who}", reverse("web:experts"), who))
    pages += [Shown("editor submission", reverse("web:editor-submission", args=[s.pk]),
                    "editor") for s in Submission.objects.all()]
    pages += [Shown("editor answer", reverse("web:editor-answer", args=[d.pk]), "editor")
              for d in ExpertAnswer.objects.all()]
    pages.append(Shown("answer form of other_expert",
                       reverse("web:answer", args=[world.open_question.slug]), "other_expert"))
    categories = set()
    for question in community_questions(world):
        url = question.get_absolute_url()
        pages += [Shown("article", url, None), Shown("article signed in", url, "member"),
                  Shown("answer form of expert", reverse("web:answer", args=[question.slug]),
                        "expert"),
                  Shown("ask", f"{reverse('web:ask')}?q={quote(question.title[:200])}", None),
                  Shown("search", f"{reverse('web:search')}?q={quote(question.title[:150])}",
                        None)]
        if question.focus:
            pages.append(Shown("topic", reverse("web:topic", kwargs={
                "slug": search_selectors.topic_slug(question.focus)}), None))
        categories.add(question.category)
    pages += [Shown("feed", reverse("web:category-feed", kwargs={"slug": c.slug}), None,
                    feed=True) for c in categories]
    return pages


def feed_problems(xml: bytes) -> tuple[list[str], str]:
    """What is active in an Atom feed read by a feed reader, and its text: the titles are
    text, the summaries HTML (type="html"), so each summary is audited as a page."""
    root = ElementTree.fromstring(xml)  # well-formed: nothing broke out of its element
    problems, texts = [], []
    for entry in root.iter(f"{ATOM}entry"):
        for element in entry:
            kind = element.get("type", "text")
            text = element.text or ""
            if kind == "html":
                found = audit(text, fragment=True)
                problems += [f"{element.tag}: {p}" for p in found.problems]
                texts.append(found.text)
            elif kind == "text":
                texts.append(text)
            else:
                problems.append(f"{element.tag} of type {kind}")
        for link in entry.iter(f"{ATOM}link"):
            if not link.get("href", "").startswith(("http://", "https://", "/")):
                problems.append(f"link {link.get('href')!r}")
    return problems, " ".join(" ".join(texts).split())


# Every page is audited for this value of each field, and must show it (escaped) exactly on
# the pages of the field's `shows`: so `shows` lists every page that shows it. The other values
# are audited on those pages (and the `renders` ones).
SWEEP = "script"


def shown_in(stored: str, content: str, *, feed: bool = False) -> bool:
    """Whether a page (or a feed's text) shows `stored`, as written or as a question's title
    is tidied (healthqa.kb.text.tidy_title)."""
    variants = {stored, tidy_title(stored)}
    if feed:
        return any(" ".join(v.split()) in content for v in variants)
    return any(escape(v) in content for v in variants)


def audit_pages(world: World, stored: str | None, field: Field, *, everywhere: bool) -> None:
    """The pages are inert; the stored value shows, escaped, on the pages of `shows`."""
    search_selectors.topic_index_clear()
    pages = pages_showing(world)
    if not everywhere:
        wanted = {*field.shows, *field.renders}
        pages = [p for p in pages if p.label in wanted]
    clients: dict[str | None, Client] = {}
    showing: set[str] = set()
    for page in pages:
        if page.viewer not in clients:
            clients[page.viewer] = client_for(world.users[page.viewer] if page.viewer else None)
        response = clients[page.viewer].get(page.url)
        where = f"{field.name}: {page.label} {page.url} as {page.viewer or 'reader'}"
        assert response.status_code == 200, (where, response.status_code)
        if page.feed:
            problems, text = feed_problems(response.content)
            assert problems == [], (where, problems)
        else:
            text = response.content.decode()
            problems = audit(text).problems  # parses the JSON-LD too
            assert problems == [], (where, problems)
            assert "<script>alert" not in text.lower(), where
        if stored and shown_in(stored, text, feed=page.feed):
            showing.add(page.label)
    if not stored:
        return
    missing = [label for label in field.shows if label not in showing]
    assert not missing, f"{field.name}: {stored[:80]!r} is not shown, escaped, on {missing}"
    if everywhere:
        more = sorted(showing - set(field.shows))
        assert not more, f"{field.name}: {stored[:80]!r} is shown on {more} too: add them " \
                         f"to its `shows`"


def json_ld_shows(world: World, stored: str, field: Field) -> None:
    """The articles' JSON-LD carries what was written as text: the question's title and
    text, the expert's name and credentials."""
    titles, texts, names, descriptions = set(), set(), set(), set()
    for question in community_questions(world):
        html = Client().get(question.get_absolute_url()).content.decode()
        [data] = audit(html).json_ld
        main = data["@graph"][0]["mainEntity"]
        titles.add(main["name"])
        texts.add(main["text"])
        names |= {a["author"].get("name", "") for a in main["suggestedAnswer"]}
        descriptions |= {a["author"].get("description", "") for a in main["suggestedAnswer"]}
    if field.input == "title":
        assert tidy_title(stored) in titles, (field.name, titles)
    elif field.input in ("body", "text") and field.kind == "multiline":
        assert stored in texts, (field.name, texts)
    elif field.name.endswith("application's name"):
        assert stored in names, (field.name, names)
    elif field.name.endswith(("application's profession", "application's speciality")):
        assert any(stored in d for d in descriptions), (field.name, descriptions)


# --- refusals -----------------------------------------------------------------------------------

class FieldErrors(HTMLParser):
    """Each form control marked invalid, with the text of the errors it points to."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.invalid: dict[str, list[str]] = {}  # input name -> ids it is described by
        self.errors: dict[str, str] = {}  # id -> text of a form-error element
        self._error: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag in ("input", "textarea", "select") and a.get("aria-invalid") == "true":
            self.invalid[a.get("name", "")] = a.get("aria-describedby", "").split()
        if "form-error" in a.get("class", "").split() and a.get("id"):
            self._error = a["id"]
            self.errors[self._error] = ""

    def handle_data(self, data: str) -> None:
        if self._error:
            self.errors[self._error] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "p":
            self._error = None


def refused_on_the_page(response: Any, field: Field) -> str:
    """The 400 page ties a message to the field: the input is marked invalid and described by
    the error. The message, returned."""
    assert response.status_code == 400, (field.name, response.status_code)
    html = response.content.decode()
    parsed = FieldErrors()
    parsed.feed(html)
    assert field.input in parsed.invalid, (field.name, parsed.invalid, parsed.errors)
    messages = [parsed.errors[i] for i in parsed.invalid[field.input] if i in parsed.errors]
    assert messages and all(m.strip() for m in messages), (field.name, parsed.errors)
    assert audit(html).problems == []
    return messages[0]


def refused_by_the_api(response: Any, field: Field) -> str:
    assert response.status_code == 422, (field.name, response.status_code, response.content)
    data = response.json()
    assert data["errors"][0]["field"] == field.input, (field.name, data)
    assert data["errors"][0]["location"] == "body"
    assert data["detail"].startswith(f"Invalid body parameter '{field.input}'"), data
    return str(data["errors"][0]["message"])


def too_large(response: Any, field: Field) -> None:
    assert response.status_code in (400, 413), (field.name, response.status_code)
    if field.api:
        assert "larger than" in response.json()["detail"]
    else:
        html = response.content.decode()
        assert "larger than this site accepts" in html, html[:500]
        assert audit(html).problems == []


# --- the tests ------------------------------------------------------------------------------------

@pytest.fixture
def world(kb: KB, settings: Any) -> Iterator[World]:
    """The permission matrix's world, sign-up open and rates high enough for many posts."""
    settings.SIGNUP_OPEN = True
    settings.HEALTHQA_RATES = {name: "1000/m" for name in settings.HEALTHQA_RATES}
    search_selectors.topic_index_clear()
    world = make_world(kb)
    world.extra["users"] = User.objects.count()
    world.extra["sent_before"] = list(Submission.objects.values_list("pk", flat=True))
    yield world
    search_selectors.topic_index_clear()


def cases(fields: list[Field]) -> list[Any]:
    out = []
    for field in fields:
        values = {**VALUES, **(HOSTILE_EMAILS if field.kind == "email" else {})}
        for name, raw in values.items():
            out.append(pytest.param(field, name, raw, id=f"{field.name}: {name}"))
    return out


def check(world: World, field: Field, name: str, raw: str) -> None:
    value = field.value(raw, name)
    before = field.stored(world)
    response = field.write(world, value)
    outcome = field.expected(name)
    after = field.stored(world)
    if outcome is Outcome.TOO_LARGE:
        too_large(response, field)
        assert after == before, f"{field.name}: stored although refused"
        return
    if outcome is Outcome.REFUSED:
        if field.api:
            refused_by_the_api(response, field)
        else:
            refused_on_the_page(response, field)
        assert after == before, f"{field.name}: stored although refused"
        return
    assert response.status_code in (200, 302), (field.name, name, response.status_code,
                                                response.content[:600])
    assert after == field.cleaned(value), (field.name, after, field.cleaned(value))
    field.spread(world)
    audit_pages(world, after, field, everywhere=name == SWEEP or field.kind == "markdown")
    if after:
        json_ld_shows(world, after, field)


@pytest.mark.parametrize(("field", "name", "raw"), cases(PAGE_FIELDS))
def test_hostile_text_through_the_pages_is_refused_or_inert(world: World, field: Field,
                                                            name: str, raw: str) -> None:
    check(world, field, name, raw)


@pytest.mark.parametrize(("field", "name", "raw"), cases(API_FIELDS))
def test_hostile_text_through_the_api_is_refused_or_inert(world: World, field: Field,
                                                          name: str, raw: str) -> None:
    check(world, field, name, raw)


# Inputs of the writing forms that store no text: the honeypot, the header's search box,
# passwords, choices, and the addresses of questions (looked up, refused unless a question's:
# tests/web/test_editor_pages.py) and a review date (a date or a refusal).
NOT_TEXT = {"website", "q", "into", "next_review_on", "csrfmiddlewaretoken"}


class TextInputs(HTMLParser):
    """The names of a page's text inputs and text areas."""

    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if (tag == "textarea" or (tag == "input" and a.get("type", "text") in (
                "text", "email", "search", "url", "tel"))) and a.get("name"):
            self.names.add(a["name"])


def test_every_text_input_of_the_writing_forms_is_a_field_here(world: World) -> None:
    """A new input on a form that writes is a new row of PAGE_FIELDS."""
    covered: dict[tuple[str, str], set[str]] = {}
    forms = {}
    for field in PAGE_FIELDS:
        role, url_name, kwargs = field.write.form  # type: ignore[attr-defined]
        covered.setdefault((role, url_name), set()).add(field.input)
        forms[(role, url_name)] = kwargs
    assert {name for _, name in forms} == {
        "signup", "account", "send-question", "editor-submission", "expert-apply", "answer",
        "editor-answer", "flag"}
    for (role, url_name), kwargs in forms.items():
        client = Client() if role == "reader" else client_for(world.users[role])
        response = client.get(reverse(f"web:{url_name}", kwargs=kwargs(world)))
        assert response.status_code == 200, url_name
        inputs = TextInputs()
        inputs.feed(response.content.decode())
        assert inputs.names - NOT_TEXT == covered[(role, url_name)], url_name


# Body fields of the API's acting operations that store no text: slugs of categories and
# questions, a choice of reason for a flag, an answer's id, a review date, and the preview
# (stored nowhere; its HTML is audited below).
API_NOT_TEXT = {("/answers/preview", "body"),("/submissions/{submission_id}/publish", "category"),
                ("/submissions/{submission_id}/merge", "into"), ("/questions/{slug}/merge", "into"),
                ("/flags", "question"), ("/flags", "reason"), ("/flags", "answer"),
                ("/expert-answers/{draft_id}/approve", "next_review_on")}


def test_every_text_field_of_the_api_is_a_field_here() -> None:
    """A new text field in an operation's body is a new row of API_FIELDS."""
    schema = api.get_openapi_schema()
    components = schema["components"]["schemas"]
    covered = {(f.write.operation, f.input) for f in API_FIELDS}  # type: ignore[attr-defined]
    text = set()
    for path, methods in schema["paths"].items():
        for operation in methods.values():
            if ACTION_KEY not in operation:
                continue  # public: /ask stores nothing
            content = operation.get("requestBody", {}).get("content", {})
            for media in content.values():
                ref = media["schema"]["$ref"].rsplit("/", 1)[1]
                for prop in components[ref]["properties"]:
                    text.add((path.removeprefix(API), prop))
    assert text - API_NOT_TEXT == covered


# --- a form larger than the site reads --------------------------------------------------------

FORMS = {
    "signup": ("reader", lambda w: {}),
    "login": ("reader", lambda w: {}),
    "password-reset": ("reader", lambda w: {}),
    **{name: ("admin", spec.kwargs) for name, spec in PAGE_REQUESTS.items() if spec.post},
}


@pytest.mark.parametrize("url_name", list(FORMS))
def test_a_form_larger_than_the_site_reads_is_a_clear_413(world: World, url_name: str) -> None:
    """As a browser sends it (with its CSRF token, which the middleware reads first)."""
    role, kwargs = FORMS[url_name]
    client = Client(enforce_csrf_checks=True)
    if role != "reader":
        client.force_login(world.users[role],
                           backend="django.contrib.auth.backends.ModelBackend")
    url = reverse(f"web:{url_name}", kwargs=kwargs(world))
    data = {"title": "x" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE, "body": "y", "do": "send"}
    client.get(reverse("web:signup") if role == "reader" else reverse("web:account"))
    data["csrfmiddlewaretoken"] = client.cookies["csrftoken"].value
    counts = (Submission.objects.count(), ExpertAnswer.objects.count(), Flag.objects.count(),
              User.objects.count())
    response = form_post(client, url, data)
    assert response.status_code == 413, (url, response.status_code)
    html = response.content.decode()
    assert "larger than this site accepts (1,000,000 bytes at most): nothing was saved" in html
    assert audit(html).problems == []
    assert (Submission.objects.count(), ExpertAnswer.objects.count(), Flag.objects.count(),
            User.objects.count()) == counts


def test_a_form_with_too_many_fields_is_a_clear_400(world: World) -> None:
    client = client_for(world.users["member"])
    fields = "&".join(f"f{i}=1" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1))
    response = client.post(reverse("web:send-question"), fields,
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert "more than any form of this site has" in response.content.decode()


def test_the_answer_preview_of_hostile_markdown_is_inert(world: World) -> None:
    client = client_for(world.users["expert"])
    body = PADDING + " ".join(MARKUP.values())
    response = form_post(client, reverse("web:answer", args=[world.open_question.slug]),
                         {"body": body, "do": "preview"})
    assert response.status_code == 200
    html = response.content.decode()
    assert audit(html).problems == []
    assert "Preview (not saved)" in html


def test_the_api_preview_of_hostile_markdown_is_inert(world: World) -> None:
    token = accounts.token_issue(user=world.users["expert"])
    body = PADDING + " ".join(MARKUP.values())
    response = Client().post(f"{API}/answers/preview", json.dumps({"body": body}),
                             content_type="application/json",
                             headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert audit(response.json()["body_html"], fragment=True).problems == []


def test_text_in_another_encoding_is_refused(world: World) -> None:
    """A form sent as Latin-1 is read as UTF-8 with U+FFFD in place of the bytes it cannot
    decode: refused by its field. The API says its body is not UTF-8."""
    client = client_for(world.users["member"])
    response = client.post(reverse("web:send-question"),
                           b"title=caf%E9+au+lait&body=Is+it+safe%3F&do=send&website=",
                           content_type="application/x-www-form-urlencoded")
    field = next(f for f in PAGE_FIELDS if f.name == "sent question's title")
    assert "U+FFFD" in refused_on_the_page(response, field)
    token = accounts.token_issue(user=world.users["member"])
    response = Client().post(f"{API}/submissions",
                             '{"title": "café", "text": "Is it safe?"}'.encode("latin-1"),
                             content_type="application/json",
                             headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 422
    assert "not UTF-8" in response.json()["detail"]
    assert Submission.objects.count() == len(world.extra["sent_before"])
