"""Hostile text written by people, once in Chromium: a member sends questions full of markup,
an editor publishes one with a hostile topic, an expert answers it in hostile Markdown (seen
in the preview first) and an editor approves it. The article page, the editor's queue (with
the other question still waiting) and "My questions" then run nothing: no dialog, no console
error, no page error, only the site's own scripts, and every link http(s) or on this site.

The server is this module's own (demo content, accounts made by `healthqa user add`), so the
questions left waiting do not reach the journey's queue (tests/browser/test_journey.py).
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import ACCOUNTS, PASSWORD, CommunitySite, sign_in
from tests.browser.test_hostile_content import FIRE_JS, LINKS_JS, OWN_SCRIPT, SCRIPTS_JS
from tests.helpers import REPO_ROOT, healthqa_command, healthqa_serve, site_env

pytestmark = pytest.mark.browser

TITLE = 'Is <script>alert("title")</script> safe? <img src=x onerror=alert("img")> "><svg>'
BODY = ('I read <a href="javascript:alert(\'body\')">this</a> and [that](javascript:alert(1)).'
        "\n\n<!-- <script>alert('comment')</script> --><style>body{display:none}</style>")
WAITING = '"><svg onload=alert("waiting")> Can I <b>fly</b> at 30 weeks?'
TOPIC = '<svg onload=alert("topic")>'
ANSWER = (
    "Rest and see your **midwife** if it lasts.\n\n"
    "<script>alert('answer')</script>\n\n"
    "[a link](javascript:alert('link')) <javascript:alert('autolink')> "
    "<a href=\"javascript:alert('raw')\">raw</a>\n\n"
    "![img](x\"onerror=\"alert('img')) <img src=x onerror=alert('img2')>\n\n"
    "<!-- <script>alert('comment')</script> --><style>body{display:none}</style>\n\n"
    "`<script>alert('code')</script>` &lt;img src=x onerror=alert('entity')&gt;\n\n"
    "A [good link](https://example.org/ok)."
)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CommunitySite]:
    """A real server over the demo content with an editor, an expert and a member."""
    data_dir = tmp_path_factory.mktemp("hostile-community-site")
    env = site_env(data_dir, HF_HUB_OFFLINE="1")
    env.pop("DJANGO_SETTINGS_MODULE", None)
    subprocess.run([*healthqa_command(), "demo"], env=env, check=True, cwd=REPO_ROOT,
                   capture_output=True)
    for args in ACCOUNTS.values():
        subprocess.run([*healthqa_command(), "user", "add", *args], env=env, check=True,
                       cwd=REPO_ROOT, capture_output=True, input=PASSWORD + "\n", text=True)
    with healthqa_serve(data_dir, env) as url:
        yield CommunitySite(url=url, data_dir=data_dir, env=env)


class Person:
    """A person's own browser context (signed in as `role`, or a reader), and what went
    wrong on their pages."""

    def __init__(self, browser: Any, site: CommunitySite, role: str | None,
                 viewport: dict[str, int] | None = None) -> None:
        self.context = browser.new_context(viewport=viewport or {"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.page.on("dialog", self._dialog)
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        if role is not None:
            sign_in(self.page, site, role)

    def _dialog(self, dialog: Any) -> None:
        self.problems.append(f"dialog {dialog.type}: {dialog.message}")
        dialog.dismiss()

    def _console(self, message: Any) -> None:
        if message.type in ("error", "warning"):
            self.problems.append(f"console {message.type} at {self.page.url}: {message.text}")


def inert(person: Person, site: CommunitySite) -> None:
    """Nothing ran on the page, even with every event fired at every element; its scripts are
    the site's own; its links are http(s) or paths on this site."""
    page = person.page
    page.wait_for_load_state("load")
    page.evaluate(FIRE_JS)
    page.wait_for_timeout(200)  # a dialog a timer would open
    assert person.problems == [], page.url
    scripts = page.evaluate(SCRIPTS_JS)
    assert all(OWN_SCRIPT.fullmatch(s) for s in scripts), scripts
    for tag, value, protocol in page.evaluate(LINKS_JS):
        assert protocol in ("http:", "https:"), (page.url, tag, value)
        same_site = value.startswith(("/", "#", "?")) and not value.startswith("//")
        assert same_site or re.match(r"https?://", value), (page.url, tag, value)
        if not re.match(r"https?://", value) or value.startswith(site.url):
            continue
        assert tag == "A", (page.url, tag, value)  # only links lead to other sites
    assert page.evaluate("() => document.querySelectorAll("
                         "'iframe, object, embed, svg, math, img, [style]').length") == 0
    data = page.evaluate("() => [...document.querySelectorAll("
                         "'script[type=\"application/ld+json\"]')].map(s => s.textContent)")
    for text in data:
        assert text.strip().startswith("{")  # JSON, still whole (parsed below by the page)
    page.evaluate("() => [...document.querySelectorAll('script[type=\"application/ld+json\"]')]"
                  ".forEach(s => JSON.parse(s.textContent))")


def send(person: Person, site: CommunitySite, title: str, body: str) -> None:
    page = person.page
    page.goto(site.url + "/ask/send/")
    page.get_by_label("Title").fill(title)
    page.get_by_label("Your question", exact=True).fill(body)
    page.get_by_role("button", name="Send to the experts").click()
    page.wait_for_url("**/me/questions/")


def test_hostile_text_people_write_runs_nowhere(browser: Any, site: CommunitySite,
                                                screenshot_dir: Path) -> None:
    member = Person(browser, site, "member")
    editor = Person(browser, site, "editor")
    expert = Person(browser, site, "expert")
    people = [member, editor, expert]
    try:
        # The member sends two questions full of markup; one will stay waiting.
        send(member, site, TITLE, BODY)
        send(member, site, WAITING, BODY)
        assert TITLE in member.page.locator("ul.submissions").inner_text()

        # The editor publishes the first, as written, with a hostile topic.
        page = editor.page
        page.goto(site.url + "/editor/")
        page.locator("section[aria-labelledby=sent-title]").get_by_role(
            "link", name=TITLE).click()
        page.wait_for_url(re.compile(r".*/editor/submissions/\d+/$"))
        inert(editor, site)
        assert page.get_by_label("Title").input_value() == TITLE
        page.get_by_label("Category").select_option(index=1)
        page.get_by_label("Topic (optional)").fill(TOPIC)
        page.get_by_role("button", name="Publish as open").click()
        page.wait_for_url("**/editor/")

        # The expert answers it in hostile Markdown, previewed first.
        page = expert.page
        page.goto(site.url + "/experts/")
        inert(expert, site)
        page.get_by_role("link", name=TITLE).first.click()
        page.wait_for_url("**/experts/answer/*/")
        page.get_by_label("Your answer").fill(ANSWER)
        page.get_by_role("button", name="Preview").click()
        page.wait_for_load_state("load")
        preview = page.locator("section.desk-preview")
        assert preview.locator("strong", has_text="midwife").count() == 1
        inert(expert, site)
        assert page.get_by_label("Your answer").input_value() == ANSWER
        page.get_by_role("button", name="Send for review").click()
        page.wait_for_url("**/experts/")

        # The editor reviews it (the review page runs nothing either) and approves it.
        page = editor.page
        page.goto(site.url + "/editor/")
        page.locator("section[aria-labelledby=answers-title]").get_by_role(
            "link", name=TITLE).click()
        page.wait_for_url(re.compile(r".*/editor/answers/\d+/$"))
        inert(editor, site)
        article = page.locator("section[aria-labelledby=question-title]").get_by_role(
            "link", name=TITLE).get_attribute("href")
        assert article and article.startswith("/q/")
        page.get_by_role("button", name="Approve and publish").click()
        page.wait_for_url("**/editor/")

        # The article page, read signed out: the text as text, the answer without its tricks.
        reader = Person(browser, site, None, viewport={"width": 390, "height": 844})
        people.append(reader)
        page = reader.page
        page.goto(site.url + article)
        assert page.get_by_role("heading", level=1).inner_text() == TITLE
        answer = page.locator("section.answer").first
        assert answer.locator("strong", has_text="midwife").count() == 1
        assert answer.get_by_role("link", name="good link").get_attribute("href") == (
            "https://example.org/ok")
        assert "<script>alert('code')</script>" in answer.inner_text()  # the code, as text
        assert TOPIC in page.locator("main").inner_text()
        inert(reader, site)
        page.screenshot(path=str(screenshot_dir / "hostile-community-article.png"),
                        full_page=True)

        # The editor's queue, with the other question waiting, and the member's questions.
        page = editor.page
        page.goto(site.url + "/editor/")
        waiting = page.locator("section[aria-labelledby=sent-title]")
        assert WAITING in waiting.inner_text()
        inert(editor, site)
        page.screenshot(path=str(screenshot_dir / "hostile-community-queue.png"),
                        full_page=True)
        page = member.page
        page.goto(site.url + "/me/questions/")
        texts = page.locator("ul.submissions").inner_text()
        assert TITLE in texts and WAITING in texts
        inert(member, site)
        page.screenshot(path=str(screenshot_dir / "hostile-community-my-questions.png"),
                        full_page=True)
    finally:
        for person in people:
            person.context.close()
