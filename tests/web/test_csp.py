"""The Content-Security-Policy: sent on every page, and the pages need nothing it forbids.

The public pages run only /static/ scripts (JSON-LD is a data block: never executed, so CSP
does not apply to it), and their one inline <style> is allowed by its sha256, which the
settings compute from web/site.css: the tests hash the bytes actually served. The API docs
(Swagger UI) and the admin load their stylesheets from /static/ too, and get 'self' added to
style-src for it; no page gets 'unsafe-inline' or another host.
"""

from __future__ import annotations

import base64
import hashlib
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.templatetags.static import static
from django.test import RequestFactory

from healthqa.config.settings import inline_style_hash
from healthqa.web.views import errors
from tests.helpers import REPO_ROOT
from tests.kb.conftest import KB

pytestmark = pytest.mark.django_db

# The site's stylesheet and the working pages' (accounts, members, experts, editors).
STYLE_HASHES = [settings.SITE_CSS_HASH, settings.DESK_CSS_HASH]
SITE_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": STYLE_HASHES,
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
    "base-uri": ["'none'"],
    "object-src": ["'none'"],
}

PAGES = {
    "home": lambda kb: "/",
    "article": lambda kb: kb.back_pain.get_absolute_url(),
    "category": lambda kb: "/c/pregnancy/",
    "topics": lambda kb: "/topics/",
    "search": lambda kb: "/search/?q=back+pain",
    "ask": lambda kb: "/ask/?q=" + quote("my lower back hurts, I'm 4 months pregnant"),
    "not found": lambda kb: "/q/no-such-question/",
}


def policy(response: Any) -> dict[str, list[str]]:
    """The Content-Security-Policy header as {directive: [sources]}."""
    header = response["Content-Security-Policy"]
    directives = [part.split() for part in header.split(";") if part.strip()]
    parsed = {d[0]: d[1:] for d in directives}
    assert len(parsed) == len(directives), header  # no directive twice
    return parsed


def sha256_source(text: bytes) -> str:
    return f"'sha256-{base64.b64encode(hashlib.sha256(text).digest()).decode('ascii')}'"


def inline_styles(content: bytes) -> list[bytes]:
    """The exact bytes between each <style ...> and its </style>, as a browser hashes them."""
    return re.findall(rb"<style\b[^>]*>(.*?)</style\s*>", content, re.S | re.I)


class Elements(HTMLParser):
    """Every start tag with its attributes, and each <script>'s text."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.scripts: list[tuple[dict[str, str], str]] = []
        self._script: tuple[dict[str, str], list[str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self.tags.append((tag, a))
        if tag == "script":
            self._script = (a, [])

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._script[1].append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            self.scripts.append((self._script[0], "".join(self._script[1])))
            self._script = None


def elements(content: bytes) -> Elements:
    parsed = Elements()
    parsed.feed(content.decode())
    parsed.close()
    return parsed


def assert_same_origin_only(sources: dict[str, list[str]]) -> None:
    """No host, scheme but data:, 'unsafe-*' keyword or wildcard anywhere in the policy."""
    for directive, values in sources.items():
        for value in values:
            assert not value.startswith("'unsafe-"), (directive, value)
            assert value in {"'self'", "'none'", "data:"} or value.startswith("'sha256-"), (
                directive, value)


def assert_page_obeys(content: bytes, sources: dict[str, list[str]],
                      data_block_types: set[str]) -> None:
    """The page's scripts are this site's files or data blocks; its inline styles hashed."""
    page = elements(content)
    for attrs, text in page.scripts:
        if "src" in attrs:
            src = attrs["src"]
            assert src.startswith("/") and not src.startswith("//"), attrs  # same origin
            assert not text.strip(), attrs
        else:
            assert attrs.get("type") in data_block_types, (attrs, text[:80])
    styles = inline_styles(content)
    for text in styles:
        assert sha256_source(text) in sources["style-src"], text[:80]
    for tag, attrs in page.tags:
        assert "style" not in attrs, (tag, attrs)  # a hash never allows a style attribute
        handlers = [name for name in attrs if name.startswith("on")]
        assert handlers == [], (tag, attrs)  # nor an event handler
        for name in ("href", "src", "action", "formaction"):
            assert not attrs.get(name, "").lower().startswith("javascript:"), (tag, attrs)


# --- the public pages ------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_is_sent_the_site_policy_and_needs_nothing_it_forbids(
        client: Any, kb: KB, name: str) -> None:
    response = client.get(PAGES[name](kb))
    assert response.status_code == (404 if name == "not found" else 200)
    sources = policy(response)
    assert sources == SITE_POLICY
    assert "'unsafe-inline'" not in sources["script-src"]
    assert_page_obeys(response.content, sources, data_block_types={"application/ld+json"})
    # The stylesheet is inlined, whole, once: the hash in the header is of these bytes.
    [style] = inline_styles(response.content)
    assert sha256_source(style) == settings.SITE_CSS_HASH
    scripts = {attrs["src"] for attrs, _ in elements(response.content).scripts if "src" in attrs}
    # The plain name, or the hashed one once `healthqa serve` has collected the static files
    # into this data folder.
    assert scripts == {static("web/suggest.js")}


def test_working_pages_add_their_own_stylesheet_and_public_pages_do_not(
        client: Any, kb: KB) -> None:
    signin = client.get("/accounts/login/")
    assert [sha256_source(s) for s in inline_styles(signin.content)] == STYLE_HASHES
    assert_page_obeys(signin.content, policy(signin), data_block_types=set())
    article = client.get(kb.back_pain.get_absolute_url())
    assert [sha256_source(s) for s in inline_styles(article.content)] == [
        settings.SITE_CSS_HASH]


def test_the_article_keeps_its_json_ld_as_a_data_block(client: Any, kb: KB) -> None:
    page = elements(client.get(kb.back_pain.get_absolute_url()).content)
    types = [attrs.get("type") or attrs["src"] for attrs, _ in page.scripts]
    assert types == ["application/ld+json", static("web/suggest.js")]


def test_an_unknown_address_and_the_500_page_get_the_policy_too(client: Any, kb: KB) -> None:
    response = client.get("/no/such/page/")
    assert response.status_code == 404 and policy(response) == SITE_POLICY
    # The 500 page goes through the same middleware; here its body is checked on its own.
    body = errors.server_error(RequestFactory().get("/")).content
    assert_page_obeys(body, SITE_POLICY, data_block_types=set())
    assert [sha256_source(s) for s in inline_styles(body)] == [settings.SITE_CSS_HASH]


def test_the_site_policy_names_no_other_host_and_nothing_unsafe() -> None:
    assert_same_origin_only(SITE_POLICY)


def test_the_style_hash_is_of_the_file_as_the_template_renders_it(tmp_path: Path) -> None:
    css = REPO_ROOT / "healthqa" / "web" / "templates" / "web" / "site.css"
    assert settings.SITE_CSS_HASH == sha256_source(css.read_bytes())
    desk = REPO_ROOT / "healthqa" / "web" / "templates" / "web" / "desk.css"
    assert settings.DESK_CSS_HASH == sha256_source(desk.read_bytes())
    templated = tmp_path / "site.css"
    templated.write_text("body { color: red; }\n/* {{ colour }} */\n")
    with pytest.raises(ImproperlyConfigured, match="template syntax"):
        inline_style_hash(templated)


# Templates are checked as written too, so a page no test fetches cannot bring in inline
# script, a style attribute or a second <style> unseen (the browser would block them).
TEMPLATES = sorted((REPO_ROOT / "healthqa").glob("**/templates/**/*.html"))


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_no_template_has_inline_script_or_style_attributes(path: Path) -> None:
    text = path.read_text()
    assert not re.search(r"\sstyle\s*=", text, re.I), "style= attribute: use a site.css class"
    assert not re.search(r"\son[a-z]+\s*=", text, re.I), "inline event handler"
    assert "javascript:" not in text.lower()
    for tag in re.findall(r"<script\b[^>]*>", text, re.I):
        assert "src=" in tag or 'type="application/ld+json"' in tag, tag
    styles = re.findall(r"<style\b[^>]*>(.*?)</style>", text, re.S | re.I)
    allowed = {"base.html": ['{% include "web/site.css" %}'],
               "desk_base.html": ['{% include "web/desk.css" %}']}.get(path.name, [])
    assert styles == allowed, "an inline <style> needs its hash in the policy"


# --- the API docs and the admin ---------------------------------------------------------------

def test_the_api_docs_get_the_site_policy_with_stylesheets_from_this_site(client: Any) -> None:
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    sources = policy(response)
    assert sources == {**SITE_POLICY, "style-src": [*STYLE_HASHES, "'self'"]}
    assert_same_origin_only(sources)
    # Swagger UI's settings are a JSON data block read by ninja's swagger-ui-init.js.
    assert_page_obeys(response.content, sources, data_block_types={"application/json"})
    page = elements(response.content)
    scripts = [attrs.get("src") for attrs, _ in page.scripts if "src" in attrs]
    assert scripts == [static("ninja/swagger-ui-bundle.js"), static("ninja/swagger-ui-init.js")]
    sheets = [a["href"] for t, a in page.tags if t == "link" and a.get("rel") == "stylesheet"]
    assert sheets == [static("ninja/swagger-ui.css")]


def test_only_the_docs_view_of_the_api_gets_more(client: Any) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and policy(response) == SITE_POLICY


@pytest.mark.parametrize("url", ["/admin/login/"])
def test_the_admin_sign_in_gets_stylesheets_from_this_site_and_no_inline_script(
        client: Any, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 200
    sources = policy(response)
    assert sources == {**SITE_POLICY, "style-src": [*STYLE_HASHES, "'self'"]}
    assert_same_origin_only(sources)
    assert_page_obeys(response.content, sources, data_block_types=set())


@pytest.mark.parametrize("url", [
    "/admin/", "/admin/kb/question/", "/admin/kb/question/add/", "/admin/kb/answer/",
    "/admin/auth/user/",
])
def test_admin_pages_need_nothing_the_admin_policy_forbids(
        admin_client: Any, kb: KB, url: str) -> None:
    response = admin_client.get(url)
    assert response.status_code == 200
    sources = policy(response)
    assert "'self'" in sources["style-src"] and sources["script-src"] == ["'self'"]
    assert_page_obeys(response.content, sources, data_block_types=set())


def test_a_view_decorator_still_decides_over_the_settings(rf: RequestFactory) -> None:
    from csp.decorators import csp_update
    from django.http import HttpResponse
    from django.urls import resolve

    from healthqa.web.content_security import CSPMiddleware

    def served(view: Any) -> dict[str, list[str]]:
        request = rf.get("/admin/")
        request.resolver_match = resolve("/admin/")  # an admin view, as the settings name it
        middleware = CSPMiddleware(view)
        middleware.process_request(request)
        return policy(middleware.process_response(request, view(request)))

    def plain(request: Any) -> HttpResponse:
        return HttpResponse("ok")

    assert served(plain)["style-src"] == [*STYLE_HASHES, "'self'"]
    decorated = served(csp_update({"img-src": ["'none'"]})(plain))
    assert decorated["img-src"] == ["'self'", "data:", "'none'"]
    assert decorated["style-src"] == STYLE_HASHES
