"""Hostile content in a real browser: a server over content imported with
`healthqa import jsonl` (every shown field hostile, answers full of sanitiser bypasses), then
its links rewritten to `javascript:` as rows from before validation. Chromium opens the pages
and nothing runs: no dialog, no console error, no page error, only the site's own scripts,
and every link is one the browser itself reads as http(s) or mailto."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from healthqa.kb.records import AnswerRecord, QuestionRecord, SourceRecord
from healthqa.kb.text import question_slug, tidy_title
from tests.helpers import REPO_ROOT, healthqa_command, healthqa_serve, site_env
from tests.web.test_hostile_content import (
    AT_SOURCE_ID,
    IMG,
    MAIN_ID,
    SVG,
    XSS,
    hostile_records,
)

pytestmark = pytest.mark.browser

# A category path is written "parent/child" in JSONL: names without "/" here.
CATEGORY = f"Hostile {SVG}/Sub {IMG}"
# Run in the server's environment once the import is done: the web tests' legacy rows.
LEGACY_ROWS = (
    "from healthqa.cli import setup_django; setup_django()\n"
    "from tests.web.test_hostile_content import legacy_rows_write; legacy_rows_write()\n"
)


def _source(record: SourceRecord) -> dict[str, str]:
    return {"key": record.key, "name": record.name, "url": record.url,
            "license": record.license_name, "license_url": record.license_url}


def _answer(record: AnswerRecord) -> dict[str, Any]:
    line: dict[str, Any] = {"body": record.body}
    if record.author:
        line["author"] = {"name": record.author.name, "credentials": record.author.credentials}
    if record.source:
        line["source"] = _source(record.source)
    return line


def jsonl_line(record: QuestionRecord) -> str:
    """The web tests' hostile record as a line of docs/jsonl-format.md."""
    line: dict[str, Any] = {
        "external_id": record.external_id, "title": record.title, "category": CATEGORY,
        "focus": record.focus, "focus_synonyms": list(record.focus_synonyms),
        "tags": list(record.tags), "source_url": record.source_url,
        "answers": [_answer(a) for a in record.answers],
    }
    if record.body:
        line["question"] = record.body
    if record.source:
        line["source"] = _source(record.source)
    return json.dumps(line)


RECORDS = {r.external_id: r for r in hostile_records()}


def article(external_id: str) -> str:
    title = tidy_title(RECORDS[external_id].title)
    return f"/q/{question_slug(title, external_id, taken=False)}/"


@pytest.fixture(scope="session")
def hostile_site_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of a real healthqa server over the hostile content and its legacy rows."""
    data_dir = tmp_path_factory.mktemp("hostile-site")
    content = data_dir / "hostile.jsonl"
    content.write_text("".join(jsonl_line(r) + "\n" for r in RECORDS.values()))
    env = site_env(data_dir, HF_HUB_OFFLINE="1")
    env.pop("DJANGO_SETTINGS_MODULE", None)
    imported = subprocess.run([*healthqa_command(), "import", "jsonl", "--strict", str(content)],
                              env=env, cwd=REPO_ROOT, capture_output=True, text=True)
    assert imported.returncode == 0, imported.stdout + imported.stderr
    subprocess.run([sys.executable, "-c", LEGACY_ROWS], env=env, cwd=REPO_ROOT, check=True,
                   capture_output=True)
    with healthqa_serve(data_dir, env) as url:
        yield url


@pytest.fixture
def watched(page: Any) -> tuple[Any, list[str]]:
    """The page, and what it did that it should not: dialogs, console errors, page errors."""
    problems: list[str] = []

    def on_dialog(dialog: Any) -> None:
        problems.append(f"dialog {dialog.type}: {dialog.message}")
        dialog.dismiss()

    def on_console(message: Any) -> None:
        # The one error a page may log is its own status when it is the 404 page.
        own_404 = (message.text.endswith("status of 404 (Not Found)")
                   and message.location.get("url") == page.url)
        if message.type in {"error", "warning"} and not own_404:
            problems.append(f"console {message.type}: {message.text}")

    page.on("dialog", on_dialog)
    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    return page, problems


# Every element that names a URL, as the browser resolved it; and every inline-handler event
# fired at every element, in case a handler got through.
LINKS_JS = """() => [...document.querySelectorAll('[href], [src], [action], [formaction]')]
  .filter(el => !(el.tagName === 'LINK' && el.rel === 'icon'))
  .map(el => {
    const value = el.getAttribute('href') ?? el.getAttribute('src') ??
                  el.getAttribute('action') ?? el.getAttribute('formaction');
    return [el.tagName, value, new URL(value, document.baseURI).protocol];
  })"""
FIRE_JS = """() => {
  for (const el of document.querySelectorAll('body *')) {
    for (const type of ['mouseover', 'mouseenter', 'focus', 'load', 'error', 'animationstart']) {
      el.dispatchEvent(new Event(type, {bubbles: true}));
    }
  }
}"""
SCRIPTS_JS = "() => [...document.scripts].map(s => s.type || new URL(s.src).pathname)"
# The site's own scripts: JSON-LD data and suggest.js, named with its content's hash by
# `healthqa serve`.
OWN_SCRIPT = re.compile(r"application/ld\+json|/static/web/suggest\.[0-9a-f]{12}\.js")


def audit(page: Any, problems: list[str]) -> None:
    page.wait_for_load_state("load")
    page.evaluate(FIRE_JS)
    page.wait_for_timeout(200)  # a dialog a timer would open
    assert problems == []
    scripts = page.evaluate(SCRIPTS_JS)
    assert all(OWN_SCRIPT.fullmatch(s) for s in scripts), scripts
    bad = [link for link in page.evaluate(LINKS_JS)
           if link[2] not in {"http:", "https:", "mailto:"}]
    assert bad == []
    assert page.evaluate("() => document.querySelectorAll("
                         "'iframe, object, embed, svg, math, img, [style]').length") == 0


def test_the_hostile_article_runs_nothing(
        watched: tuple[Any, list[str]], hostile_site_url: str, screenshot_dir: Path) -> None:
    page, problems = watched
    page.goto(hostile_site_url + article(MAIN_ID))
    title = tidy_title(RECORDS[MAIN_ID].title)
    assert page.get_by_role("heading", level=1).inner_text() == title
    assert page.title().startswith(title)
    data = page.evaluate("() => JSON.parse(document.querySelector("
                         "'script[type=\"application/ld+json\"]').textContent)")
    assert data["@graph"][0]["mainEntity"]["name"] == title
    assert page.get_by_role("link", name="good link").get_attribute("href") == (
        "https://example.org/ok")
    # The legacy javascript: links are not links: the names are shown as text.
    about = page.locator("section.panel")
    assert XSS in about.inner_text() and about.get_by_role("link").count() == 0
    assert page.get_by_text("Original page").count() == 0
    audit(page, problems)
    page.screenshot(path=str(screenshot_dir / "hostile-article.png"), full_page=True)


@pytest.mark.parametrize("path", [
    "/", "/topics/", "/search/?q=zebrafish", f"/ask/?q={quote('<script>alert(1)</script>')}",
    f"/ask/?q={quote(tidy_title(RECORDS[MAIN_ID].title))}", f"/q/{quote(XSS, safe='')}/",
])
def test_other_pages_with_hostile_content_run_nothing(
        watched: tuple[Any, list[str]], hostile_site_url: str, path: str) -> None:
    page, problems = watched
    response = page.goto(hostile_site_url + path)
    assert response.status == (404 if path.startswith("/q/") else 200)
    audit(page, problems)


def test_an_article_answered_at_a_legacy_link_offers_no_link(
        watched: tuple[Any, list[str]], hostile_site_url: str) -> None:
    page, problems = watched
    page.goto(hostile_site_url + article(AT_SOURCE_ID))
    assert page.get_by_role("link", name="Read the answer").count() == 0
    audit(page, problems)


def test_suggestions_of_hostile_titles_are_text(
        watched: tuple[Any, list[str]], hostile_site_url: str) -> None:
    page, problems = watched
    page.goto(hostile_site_url + "/")
    page.locator("#site-search").press_sequentially("zebrafish", delay=20)
    options = page.get_by_role("option")
    options.first.wait_for()
    shown = options.all_inner_texts()
    assert tidy_title(RECORDS[MAIN_ID].title) in shown, shown
    audit(page, problems)
