"""Hostile content on every page: imported text is shown as text, answers keep no active
markup, and no stored link reaches an `href` unless it is http(s) — not even from rows
written before the links were validated.

Every text field a page shows holds markup that would run if it were not escaped, the
answers carry the usual sanitiser bypasses, and a second run rewrites the stored links to
`javascript:`/`data:`/`vbscript:` behind the validators' back (`QuerySet.update()`), as rows
imported before `healthqa.kb.urls_safe` existed would be. Each page is parsed and audited
(`Audit`); a new page type is one row of `PAGES` (or `API`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote
from xml.etree import ElementTree

import pytest
from django.utils.html import escape

from healthqa.kb.models import Question, Source
from healthqa.kb.records import AnswerRecord, AuthorRecord, QuestionRecord, SourceRecord
from healthqa.search import selectors as search_selectors
from tests.kb.conftest import import_records

pytestmark = pytest.mark.django_db

# --- the hostile content -------------------------------------------------------------------

XSS = "</script><script>alert(1)</script>"  # closes the JSON-LD block if not escaped there
IMG = "<img src=x onerror=alert(2)>"
SVG = "<svg onload=alert(3)>"

CATEGORY_TOP = f"Cat {XSS}"
CATEGORY_SUB = f"Sub {IMG}"
FOCUS = f"Zebrafish {XSS}"
TAG = f"tag {SVG}"
AUTHOR = AuthorRecord(name=f"Dr {XSS}", credentials=f"MD {IMG}")
# Valid http(s) links that try to break out of the attribute they are written into.
SOURCE = SourceRecord(
    key="evil", name=f"Source {XSS}",
    url='https://example.org/src?x="><script>alert(4)</script>',
    license_name=f"Licence {IMG}",
    license_url="https://example.org/licence'onmouseover='alert(5)",
)
ANSWER_SOURCE = SourceRecord(
    key="evil-answers", name=f"Answer source {SVG}",
    url="https://example.org/answers?<x>", license_name=f"Answer licence {XSS}",
    license_url="https://example.org/answers-licence",
)
SOURCE_URL = 'https://example.org/page?q="><svg/onload=alert(6)>'

# Each line tries a different way past the sanitiser; the last one must survive as a link.
ATTACKS = (
    "Zebrafish answer. <script>alert(101)</script>",
    "<img src=x onerror=alert(102)>",
    '<a href="javascript:alert(103)">raw link</a>',
    "[md link](javascript:alert(104))",
    "[mixed case](JaVaScRiPt:alert(105))",
    "[data link](data:text/html;base64,PHNjcmlwdD5hbGVydCgxMDYpPC9zY3JpcHQ+)",
    "[space link]( javascript:alert(107))",
    "[tab link](java\tscript:alert(108))",
    "[reference link][evil]",
    "<javascript:alert(109)>",
    "<svg onload=alert(110)></svg>",
    '<iframe src="javascript:alert(111)"></iframe>',
    "<style>body { display: none }</style>",
    '<a href="&#106;avascript:alert(112)">entity link</a>',
    "[entity md](&#106;avascript:alert(113))",
    '<p style="position: fixed" onclick="alert(114)">styled</p>',
    '<a href="vbscript:msgbox(115)">vb link</a>',
    '<object data="javascript:alert(116)"></object><embed src="javascript:alert(117)">',
    '<form action="javascript:alert(118)"><button formaction="javascript:alert(119)">go'
    "</button></form>",
    '<math><mi xlink:href="javascript:alert(120)">x</mi></math>',
    '<base href="javascript:alert(121)//">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(122)">',
    "A [good link](https://example.org/ok) stays.",
    "[evil]: javascript:alert(123)",
)
MARKDOWN_BODY = "\n\n".join(ATTACKS)
TEXT_BODY = "Plain zebrafish answer.\n\n" + "\n\n".join(ATTACKS[:-2])

MAIN_ID, AT_SOURCE_ID = "hostile/main", "hostile/at-source"
BEFORE_ID, AFTER_ID = "hostile/before", "hostile/after"


def hostile_records() -> list[QuestionRecord]:
    """The main question with every field hostile, two neighbours and one answered only at
    its source, all in one subcategory and about one topic."""
    common: dict[str, Any] = {
        "category_path": (CATEGORY_TOP, CATEGORY_SUB), "focus": FOCUS, "source": SOURCE,
    }
    return [
        QuestionRecord(
            external_id=MAIN_ID, title=f"Is zebrafish {XSS} safe?",
            body=f"My question about zebrafish {XSS} {IMG}",
            focus_synonyms=(XSS, IMG), tags=(TAG, f"tag {XSS}"), source_url=SOURCE_URL,
            answers=(
                AnswerRecord(body=MARKDOWN_BODY, author=AUTHOR),
                AnswerRecord(body=TEXT_BODY, body_format="text", source=ANSWER_SOURCE),
            ),
            **common,
        ),
        # Neighbours in title order: previous and next links show their titles.
        QuestionRecord(external_id=BEFORE_ID, title=f"Are zebrafish {IMG} calm?",
                       answers=(AnswerRecord(body=f"Zebrafish yes {SVG}", author=AUTHOR),),
                       **common),
        QuestionRecord(external_id=AFTER_ID, title=f"Was zebrafish {SVG} known?",
                       answers=(AnswerRecord(body=MARKDOWN_BODY, source=ANSWER_SOURCE),),
                       **common),
        QuestionRecord(external_id=AT_SOURCE_ID, title=f"What treats zebrafish {XSS}?",
                       source_url=SOURCE_URL, **common),
    ]


# What rows written before validation could hold: each a different spelling of a bad link.
LEGACY_QUESTION_URLS = {
    MAIN_ID: "javascript:alert(document.domain)",
    AT_SOURCE_ID: "JaVaScRiPt:alert(document.domain)",
    BEFORE_ID: "data:text/html,<script>alert(document.domain)</script>",
    AFTER_ID: " javascript:alert(document.domain)",
}
LEGACY_SOURCE_URLS = {
    "evil": {"url": "javascript:alert(document.domain)", "license_url": "vbscript:msgbox(1)"},
    "evil-answers": {"url": "java\tscript:alert(document.domain)",
                     "license_url": "\x01javascript:alert(document.domain)"},
}


def legacy_rows_write() -> None:
    """Store links no validator would let through, as `update()` does without checks."""
    for external_id, url in LEGACY_QUESTION_URLS.items():
        assert Question.objects.filter(external_id=external_id).update(source_url=url) == 1
    for key, fields in LEGACY_SOURCE_URLS.items():
        assert Source.objects.filter(key=key).update(**fields) == 1


@dataclass(frozen=True)
class Site:
    legacy: bool
    main: Question
    at_source: Question
    before: Question
    after: Question

    @property
    def top_url(self) -> str:
        return self.main.category.parent.get_absolute_url()  # type: ignore[union-attr]

    @property
    def sub_url(self) -> str:
        return self.main.category.get_absolute_url()

    @property
    def topic_url(self) -> str:
        return f"/topics/{search_selectors.topic_slug(FOCUS)}/"


def site_make(*, legacy: bool) -> Site:
    """The hostile questions, imported through the service; with `legacy` their links then
    rewritten as rows from before validation."""
    import_records(hostile_records())
    if legacy:
        legacy_rows_write()
    by_id = {q.external_id: q for q in
             Question.objects.select_related("category__parent", "source")}
    return Site(legacy=legacy, main=by_id[MAIN_ID], at_source=by_id[AT_SOURCE_ID],
                before=by_id[BEFORE_ID], after=by_id[AFTER_ID])


@pytest.fixture(autouse=True)
def fresh_topics() -> Iterator[None]:
    """The topic index outlives a request: no test may see another's."""
    search_selectors.topic_index_clear()
    yield
    search_selectors.topic_index_clear()


@pytest.fixture(params=["imported", "legacy-rows"])
def site(request: pytest.FixtureRequest, db: None) -> Site:
    """Each test runs on the imported content, then with its links made legacy rows."""
    return site_make(legacy=request.param == "legacy-rows")


@pytest.fixture
def imported_site(db: None) -> Site:
    return site_make(legacy=False)


@pytest.fixture
def legacy_site(db: None) -> Site:
    return site_make(legacy=True)


# --- the audit -----------------------------------------------------------------------------

URL_ATTRIBUTES = {"href", "src", "action", "formaction", "srcset", "data", "poster",
                  "xlink:href", "background", "cite", "longdesc", "ping", "manifest", "icon"}
SAFE_SCHEMES = {"http", "https", "mailto"}
# Elements no page has, so any of them came from content.
FOREIGN_ELEMENTS = {"iframe", "frame", "frameset", "object", "embed", "applet", "svg", "math",
                    "img", "video", "audio", "base", "template", "portal"}
# The site's own exceptions: the empty favicon that saves a request.
SITE_OWN = {("link", "href", "data:,")}
_SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.\-]*):")


def link_problem(value: str) -> str | None:
    """Why a URL attribute value is unsafe, read as a browser reads it, or None."""
    # Browsers drop tabs and newlines anywhere and leading control characters and spaces.
    url = re.sub(r"[\t\n\r]", "", value).lstrip("".join(chr(c) for c in range(0x21)))
    scheme = _SCHEME.match(url)
    if scheme:
        if scheme.group(1).lower() not in SAFE_SCHEMES:
            return f"scheme {scheme.group(1)!r}"
        return None
    if url.startswith(("//", "/\\", "\\")):
        return "another site (scheme-relative)"
    return None  # a path, ?query or #fragment of this site


class Audit(HTMLParser):
    """Everything active on a page that did not come from the site's own templates."""

    def __init__(self, *, fragment: bool = False) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.hrefs: list[str] = []
        self.json_ld: list[Any] = []
        self.title = ""
        self._in_body = fragment
        self._text: list[str] = []
        self._raw: tuple[str, dict[str, str], list[str]] | None = None  # script/style/title
        self._styles = 0

    @property
    def text(self) -> str:
        """The visible text, whitespace collapsed."""
        return " ".join("".join(self._text).split())

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {name: value or "" for name, value in attrs}
        where = f"<{tag} {a}>"
        if tag == "body":
            self._in_body = True
        if tag in FOREIGN_ELEMENTS:
            self.problems.append(f"element {where}")
        if tag in {"link", "meta"} and self._in_body:
            self.problems.append(f"element in the body {where}")
        if tag == "meta" and "http-equiv" in a:
            self.problems.append(f"http-equiv {where}")
        if tag == "style":
            self._styles += 1
            # The site's stylesheet, and on the working pages theirs (web/desk.css); their
            # texts are pinned by hash in the CSP (tests/web/test_csp.py).
            if self._in_body or self._styles > 2:
                self.problems.append(f"style element not the site's own {where}")
        if tag == "script":
            own = (a.get("src", "").startswith("/static/") and set(a) <= {"src", "defer"}) or (
                a == {"type": "application/ld+json"})
            if self._in_body or not own:
                self.problems.append(f"script not the site's own {where}")
        for name, value in a.items():
            if name.startswith("on"):
                self.problems.append(f"event handler {name} in {where}")
            elif name in {"style", "srcdoc"}:
                self.problems.append(f"{name} attribute in {where}")
            elif name in URL_ATTRIBUTES and (tag, name, value) not in SITE_OWN:
                why = link_problem(value)
                if why:
                    self.problems.append(f"{name} with {why} in {where}")
        if tag == "a" and "href" in a:
            self.hrefs.append(a["href"])
        if tag in {"script", "style", "title"}:
            self._raw = (tag, a, [])

    def handle_data(self, data: str) -> None:
        if self._raw is not None:
            self._raw[2].append(data)
        else:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if self._raw is None or self._raw[0] != tag:
            return
        _, a, parts = self._raw
        self._raw = None
        content = "".join(parts)
        if tag == "title":
            self.title = " ".join(content.split())
            self._text.append(f" {content} ")
        elif tag == "script" and a.get("type") == "application/ld+json":
            self._json_ld(content)
        elif tag == "script" and content.strip():
            self.problems.append(f"inline script {content[:80]!r}")

    def _json_ld(self, content: str) -> None:
        if re.search(r"</script|<!--", content, re.IGNORECASE):
            self.problems.append(f"JSON-LD could end its element: {content[:80]!r}")
        data = json.loads(content)
        self.json_ld.append(data)
        for key, value in _items(data):
            if key in {"url", "item", "@id", "sameAs"} and not value.startswith(
                    ("http://", "https://")):
                self.problems.append(f"JSON-LD {key} {value!r} is not http(s)")


def _items(data: Any) -> Iterator[tuple[str, str]]:
    """Every (key, string value) in nested JSON."""
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(value, str):
                yield key, value
            else:
                yield from _items(value)
    elif isinstance(data, list):
        for value in data:
            yield from _items(value)


def audit(html: str, *, fragment: bool = False) -> Audit:
    page = Audit(fragment=fragment)
    page.feed(html)
    page.close()
    return page


def test_the_audit_catches_what_it_looks_for() -> None:
    """The checks themselves: each bad page is caught, the site's own shell is not."""
    shell = ('<html><head><title>t</title><link rel="icon" href="data:,"><style>a{}</style>'
             '<script src="/static/web/suggest.js" defer></script>'
             '<script type="application/ld+json">{"url": "https://x.org/"}</script></head>'
             '<body><a href="/q/x/">x</a><a href="https://x.org/">y</a><a href="#main">z</a>'
             '<a href="mailto:a@b.org">m</a><form action="/search/"></form></body></html>')
    assert audit(shell).problems == []
    bad = [
        '<a href="javascript:alert(1)">x</a>', '<a href=" JaVaScRiPt:alert(1)">x</a>',
        '<a href="java&#9;script:alert(1)">x</a>', '<a href="&#x01;javascript:x">x</a>',
        '<a href="data:text/html,x">x</a>', '<a href="//evil.example/">x</a>',
        '<form action="javascript:x"></form>', '<button formaction="vbscript:x">',
        '<p onclick="x">', '<p style="color: red">', '<iframe></iframe>', '<svg></svg>',
        '<style>p{}</style>', '<script>alert(1)</script>', '<script src="/static/x.js">',
        '<img src=x>', '<script type="application/ld+json">{"url": "javascript:x"}</script>',
        '<script type="application/ld+json">{"a": "</script\\u003E"}</script>',
    ]
    for html in bad:
        assert audit(html, fragment=True).problems, html


# --- the pages -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Page:
    name: str
    url: Callable[[Site], str]
    # Hostile text the page shows (as text: the audit found no markup from it).
    shows: Callable[[Site], tuple[str, ...]] = lambda s: ()
    status: int = 200


def _q(text: str) -> str:
    return quote(text, safe="")


PAGES = [
    Page("home", lambda s: "/", lambda s: (s.main.title, CATEGORY_TOP, CATEGORY_SUB)),
    Page("category", lambda s: s.top_url,
         lambda s: (CATEGORY_TOP, CATEGORY_SUB, s.main.title, s.before.title)),
    Page("subcategory", lambda s: s.sub_url,
         lambda s: (CATEGORY_TOP, CATEGORY_SUB, s.main.title, s.at_source.title)),
    Page("topic index", lambda s: "/topics/", lambda s: (FOCUS,)),
    Page("topic", lambda s: s.topic_url, lambda s: (FOCUS, s.main.title, s.after.title)),
    Page("article", lambda s: s.main.get_absolute_url(), lambda s: (
        s.main.title, s.main.body, FOCUS, CATEGORY_TOP, CATEGORY_SUB, SOURCE.name,
        SOURCE.license_name, AUTHOR.name, AUTHOR.credentials, ANSWER_SOURCE.name,
        ANSWER_SOURCE.license_name, s.before.title, s.after.title, "Plain zebrafish answer.",
        ATTACKS[3])),  # the text answer shows the attacks as text
    Page("article answered at its source", lambda s: s.at_source.get_absolute_url(),
         lambda s: (s.at_source.title, SOURCE.name, SOURCE.license_name)),
    Page("article with an answer by a source", lambda s: s.after.get_absolute_url(),
         lambda s: (s.after.title, ANSWER_SOURCE.name, ANSWER_SOURCE.license_name)),
    Page("search", lambda s: "/search/?q=zebrafish", lambda s: (
        s.main.title, s.at_source.title, SOURCE.name, f"{CATEGORY_TOP} › {CATEGORY_SUB}")),
    Page("search, page 1 of a filter", lambda s: (
        f"/search/?q=zebrafish&source=evil&category={s.main.category.slug}"),
        lambda s: (s.main.title,)),
    Page("search for hostile words", lambda s: f"/search/?q={_q(XSS + ' zebrafish')}",
         lambda s: (XSS,)),
    Page("search finding nothing", lambda s: f"/search/?q={_q(XSS + ' ' + IMG)}",
         lambda s: (XSS,)),
    Page("ask with a hostile question", lambda s: f"/ask/?q={_q('<script>alert(1)</script>')}",
         lambda s: ("<script>alert(1)</script>",)),
    Page("ask finding the hostile questions", lambda s: f"/ask/?q={_q(s.main.title)}",
         lambda s: (s.main.title, AUTHOR.name)),
    Page("ask for an answer at its source", lambda s: f"/ask/?q={_q(s.at_source.title)}",
         lambda s: (s.at_source.title,)),
    Page("not found", lambda s: f"/q/{_q(XSS)}/", status=404),
]


def fetch(client: Any, url: str, status: int = 200) -> tuple[str, Audit]:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    return html, audit(html)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_page_shows_hostile_text_as_text_and_runs_none_of_it(
        client: Any, site: Site, page: Page) -> None:
    html, found = fetch(client, page.url(site), page.status)
    assert found.problems == []
    for text in page.shows(site):
        assert " ".join(text.split()) in found.text, (page.name, text)
    # Escaped in the source, as the reader's browser receives it.
    for text in page.shows(site):
        if "<" in text and "\t" not in text:
            assert escape(text) in html, (page.name, text)
    assert "<script>alert" not in html.lower()


def test_the_hostile_pages_are_the_ones_meant(client: Any, site: Site) -> None:
    """The rows above look at real content: the ask and search pages show the questions."""
    _, found = fetch(client, f"/ask/?q={_q(site.main.title)}")
    assert site.main.get_absolute_url() in found.hrefs
    assert "Read the full answer" in found.text  # the answer card, with its sources
    _, found = fetch(client, f"/ask/?q={_q(site.at_source.title)}")
    # A legacy row's javascript: link is no source to send a reader to: no such claim.
    assert ("is not reproduced here" in found.text) is not site.legacy
    _, found = fetch(client, "/search/?q=zebrafish")
    for question in (site.main, site.at_source, site.before, site.after):
        assert question.get_absolute_url() in found.hrefs


def test_the_title_element_escapes_the_question(client: Any, site: Site) -> None:
    html, found = fetch(client, site.main.get_absolute_url())
    assert found.title.startswith(site.main.title)
    assert f"<title>{escape(site.main.title)} — " in html
    assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_json_ld_keeps_hostile_text_inside_its_element(client: Any, site: Site) -> None:
    _, found = fetch(client, site.main.get_absolute_url())
    [data] = found.json_ld
    question, crumbs = data["@graph"][0]["mainEntity"], data["@graph"][1]["itemListElement"]
    assert question["name"] == site.main.title
    assert question["text"] == site.main.body
    assert [c["name"] for c in crumbs] == ["Home", CATEGORY_TOP, CATEGORY_SUB, site.main.title]
    authors = [a["author"] for a in question["suggestedAnswer"]]
    assert authors[0] == {"@type": "Person", "name": AUTHOR.name,
                          "description": AUTHOR.credentials}
    assert authors[1]["name"] == ANSWER_SOURCE.name
    # A source's link is given only when it is http(s).
    assert ("url" in authors[1]) is not site.legacy
    answer_text = question["suggestedAnswer"][0]["text"]
    assert "alert('script')" not in answer_text and "good link" in answer_text


def test_answers_keep_only_their_safe_links(client: Any, site: Site) -> None:
    html, found = fetch(client, site.main.get_absolute_url())
    assert "https://example.org/ok" in found.hrefs  # the one good Markdown link survives
    for label in ("raw link", "md link", "mixed case", "data link", "space link",
                  "reference link", "entity link", "entity md", "vb link"):
        # The link text stays; its target is gone.
        assert f'<a rel="nofollow noopener noreferrer">{label}</a>' in html, label
    # The Markdown answer keeps none of the attacks' code; only the text answer shows them,
    # escaped, once (the JSON-LD in the head repeats the answers' text).
    # Markdown turns the tab of "java<TAB>script:" into a space: what is left is a relative
    # link ("java script:" is no scheme to a browser, the audit checks it as one reads it).
    body = html.split("<body>", 1)[1]
    for number in (n for n in range(101, 124) if n != 108):
        assert body.count(f"alert({number})") <= 1, number
    for gone in ("body { display: none }", "position: fixed"):
        assert body.count(gone) <= 1, gone


def test_valid_links_are_written_escaped_into_their_attributes(
        client: Any, imported_site: Site) -> None:
    site = imported_site
    _, found = fetch(client, site.main.get_absolute_url())
    for url in (SOURCE.url, SOURCE.license_url, ANSWER_SOURCE.url, ANSWER_SOURCE.license_url,
                SOURCE_URL):
        assert url in found.hrefs, url
    _, found = fetch(client, site.at_source.get_absolute_url())
    assert SOURCE_URL in found.hrefs


def test_links_stored_before_validation_are_never_linked(
        client: Any, legacy_site: Site) -> None:
    site = legacy_site
    legacy = {*LEGACY_QUESTION_URLS.values(),
              *(url for fields in LEGACY_SOURCE_URLS.values() for url in fields.values())}
    for page in PAGES:
        _, found = fetch(client, page.url(site), page.status)
        assert not legacy & set(found.hrefs), page.name
    # The names stay, as text; the question answered at its source says it has no answer.
    _, found = fetch(client, site.main.get_absolute_url())
    assert SOURCE.name in found.text and ANSWER_SOURCE.license_name in found.text
    assert "Original page" not in found.text
    _, found = fetch(client, site.at_source.get_absolute_url())
    assert "Read the answer" not in found.text


# --- sitemap and JSON API ------------------------------------------------------------------

@pytest.mark.parametrize("url", ["/sitemap.xml", "/sitemap-pages.xml",
                                 "/sitemap-categories.xml", "/sitemap-questions.xml"])
def test_the_sitemap_names_only_this_sites_pages(client: Any, site: Site, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 200
    xml = response.content.decode()
    locations = [element.text or "" for element in ElementTree.fromstring(xml).iter()
                 if element.tag.endswith("}loc")]
    # Slugs only: whatever the names held, a location is this site's path in plain letters.
    assert locations and all(re.fullmatch(r"http://testserver/[a-z0-9/._-]*", loc)
                             for loc in locations), locations
    if url == "/sitemap-questions.xml":
        assert f"http://testserver{site.main.get_absolute_url()}" in locations


@dataclass(frozen=True)
class Api:
    name: str
    url: Callable[[Site], str]


API = [
    Api("questions", lambda s: "/api/v1/questions?page_size=50"),
    Api("question", lambda s: f"/api/v1/questions/{s.main.slug}"),
    Api("question answered by a source", lambda s: f"/api/v1/questions/{s.after.slug}"),
    Api("question answered at its source", lambda s: f"/api/v1/questions/{s.at_source.slug}"),
    Api("related", lambda s: f"/api/v1/questions/{s.main.slug}/related"),
    Api("categories", lambda s: "/api/v1/categories"),
    Api("sources", lambda s: "/api/v1/sources"),
    Api("search", lambda s: "/api/v1/search?q=zebrafish"),
    Api("search for hostile words", lambda s: f"/api/v1/search?q={_q(XSS + ' zebrafish')}"),
    Api("ask", lambda s: f"/api/v1/ask?q={_q(s.main.title)}"),
    Api("suggest", lambda s: "/api/v1/suggest?q=zebrafi"),
]


@pytest.mark.parametrize("api", API, ids=lambda a: a.name)
def test_the_api_is_json_and_its_html_is_sanitised(client: Any, site: Site, api: Api) -> None:
    response = client.get(api.url(site))
    assert response.status_code == 200, response.content[:300]
    # Never read as HTML by a browser, whatever the text inside.
    assert response["Content-Type"].startswith("application/json")
    assert response["X-Content-Type-Options"] == "nosniff"
    data = response.json()
    html_fields = [(key, value) for key, value in _items(data) if key.endswith("_html")]
    for key, value in html_fields:
        assert audit(value, fragment=True).problems == [], (key, value)
    if api.name == "question":
        bodies = [a["body_html"] for a in data["answers"]]
        assert len(bodies) == 2 and '<a href="https://example.org/ok"' in bodies[0]
        assert data["title"] == site.main.title  # JSON carries the text as it is
