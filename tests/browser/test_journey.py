"""The living half end to end in Debian's Chromium, as the people do it: a member signs up,
asks, sends the question with a phone number in it and sees it highlighted; an editor
publishes it (without the number); an expert answers it after a preview; an editor approves
it; a reader opens the answered article page, with the expert's credentials and the review
line, and finds it from /ask in other words. Each person has their own browser context.

Screenshots of each step at phone and desktop widths go to test-results/. With
HEALTHQA_UPDATE_SCREENSHOTS=1 the chosen few in docs/screenshots/ (shown in the README) are
taken again from the same run.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import PASSWORD, CommunitySite, sign_in
from tests.helpers import REPO_ROOT

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
DOCS_SCREENSHOTS = REPO_ROOT / "docs" / "screenshots"

NUMBER = "555-123-4567"
ASKED = f"Can I go scuba diving with a pacemaker? Call me on {NUMBER}"
MORE = "I had the pacemaker fitted two years ago and I would like to dive on holiday in June."
TITLE = "Can I go scuba diving with a pacemaker?"
BODY = ("I had a pacemaker fitted two years ago. Can I go scuba diving on holiday, "
        "and is there a depth I should stay above?")
ANSWER = """Many people with a pacemaker dive safely, but **ask your cardiologist first**:
it depends on why you have one and on your pacemaker's model.

- Most modern pacemakers are tested to a pressure of about 30 metres; some less.
- Keep the pacemaker away from tight straps, and avoid heavy lifting of tanks on that side.
- A diving medical before the holiday is wise, with your device card.

See your doctor at once if you feel dizzy, faint or breathless when you dive."""
# How a reader might ask the same thing later, in their own words.
READER_ASKS = "is it ok to dive under water if I have a pacemaker fitted"


class Person:
    """A person's browser context and page, with what went wrong on their pages: dialogs,
    page errors and console errors other than the status line of a 400 or 429 answer (a
    refused form says so on purpose)."""

    def __init__(self, browser: Any, name: str, viewport: dict[str, int]) -> None:
        self.name = name
        self.context = browser.new_context(viewport=viewport)
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.page.on("dialog", self._dialog)
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))

    def _dialog(self, dialog: Any) -> None:
        self.problems.append(f"dialog {dialog.type}: {dialog.message}")
        dialog.dismiss()

    def _console(self, message: Any) -> None:
        refused = re.search(r"status of (400|429) ", message.text) is not None
        if message.type == "error" and not refused:
            self.problems.append(f"console error at {self.page.url}: {message.text}")


@pytest.fixture
def people(browser: Any) -> Iterator[Callable[[str, dict[str, int]], Person]]:
    """Makes a Person (their own browser context); closes them all at the end."""
    made: dict[str, Person] = {}

    def person(name: str, viewport: dict[str, int]) -> Person:
        made[name] = Person(browser, name, viewport)
        return made[name]

    yield person
    for one in made.values():
        one.context.close()


class Camera:
    """Screenshots of a step at both widths, numbered in the journey's order."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.count = 0
        self.update_docs = os.environ.get("HEALTHQA_UPDATE_SCREENSHOTS") == "1"

    def shoot(self, person: Person, step: str, *, docs: str = "", focus: str = "") -> None:
        """Full pages into test-results/; with `docs`, the screen around `focus` (a
        selector) at each width into docs/screenshots/<docs>-<width>.png as well."""
        self.count += 1
        page = person.page
        before = page.viewport_size
        for width, size in (("phone", PHONE), ("desktop", DESKTOP)):
            page.set_viewport_size(size)
            name = f"journey-{self.count:02d}-{step}-{width}.png"
            page.screenshot(path=str(self.directory / name), full_page=True)
            assert (self.directory / name).stat().st_size > 5_000
            if docs and self.update_docs:
                if focus:  # at the top of the screen, with a little room above it
                    page.evaluate("(s) => { document.querySelector(s).scrollIntoView();"
                                  " window.scrollBy(0, -12); }", focus)
                DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(DOCS_SCREENSHOTS / f"{docs}-{width}.png"))
                page.evaluate("() => window.scrollTo(0, 0)")
        page.set_viewport_size(before)


def test_a_question_goes_from_a_member_through_editor_and_expert_to_readers(
        community_site: CommunitySite, people: Callable[[str, dict[str, int]], Person],
        screenshot_dir: Path) -> None:
    site, camera = community_site.url, Camera(screenshot_dir)

    # A member signs up, as a person fills the form; the honeypot stays empty.
    member = people("member", PHONE)
    page = member.page
    page.goto(site + "/accounts/signup/")
    page.get_by_label("Username").fill("sam_asks")
    page.get_by_label("Name shown on the site").fill("Sam")
    page.get_by_label("E-mail address").fill("sam@example.org")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    assert page.locator("input[name=website]").input_value() == ""
    camera.shoot(member, "signup")
    page.get_by_role("button", name="Create my account").click()
    page.wait_for_url("**/me/questions/")
    assert "Welcome, Sam" in page.locator("main").inner_text()

    # They ask; nothing answered covers it, so the page offers the experts.
    page.goto(site + "/ask/")
    page.get_by_label("Your question").fill(ASKED)
    page.get_by_role("button", name="Ask").click()
    page.wait_for_url("**/ask/?q=*")
    camera.shoot(member, "ask-not-covered")
    page.get_by_role("link", name="Send your question to our experts").click()
    page.wait_for_url("**/ask/send/?q=*")

    # The phone number is highlighted before anything is sent.
    assert page.get_by_label("Title").input_value() == ASKED
    marked = page.locator("mark.pii", has_text=NUMBER)
    assert marked.count() >= 2  # in the list of findings and in the text
    # The asked text fills both the title and the question: the number is in each.
    # The title copied from the asked text is not counted again.
    assert "We found 1 phone number" in page.locator(".pii-summary").inner_text()
    camera.shoot(member, "send-highlighted", docs="send-question", focus=".pii-check")
    # They add a detail, check again (the number still marked), and send it as it is.
    body = page.get_by_label("Your question", exact=True)
    body.fill(f"{body.input_value()}\n\n{MORE}")
    page.get_by_role("button", name="Check again").click()
    page.wait_for_load_state("load")
    assert page.locator(".pii-preview mark.pii", has_text=NUMBER).count() >= 1
    page.get_by_role("button", name="Send to the experts").click()
    page.wait_for_url("**/me/questions/")
    sent = page.locator("ul.submissions li", has_text=ASKED)
    assert sent.locator(".badge").inner_text() == "Waiting for an editor"
    camera.shoot(member, "my-questions-sent")

    # An editor sees it in the queue with the number marked, edits it out and publishes.
    editor = people("editor", DESKTOP)
    page = editor.page
    sign_in(page, community_site, "editor")
    page.goto(site + "/editor/")
    waiting = page.locator("section[aria-labelledby=sent-title] li", has_text=ASKED)
    # Once: the title is a copy of the text's start, so the queue shows the text alone.
    assert waiting.locator("mark.pii", has_text=NUMBER).count() == 1
    camera.shoot(editor, "editor-queue", docs="editor-queue", focus="main")
    waiting.get_by_role("link", name=ASKED).click()
    page.wait_for_url(re.compile(r".*/editor/submissions/\d+/$"))
    # The text alone: its title is a copy of its start.
    assert page.locator(".sent-text mark.pii", has_text=NUMBER).count() == 1
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Question text").fill(BODY)
    page.get_by_label("Category").select_option(label="Heart and blood vessels")
    page.get_by_label("Topic (optional)").fill("Pacemakers")
    camera.shoot(editor, "editor-submission")
    page.get_by_role("button", name="Publish as open").click()
    page.wait_for_url("**/editor/")
    assert f"Published as open: “{TITLE}”" in page.locator("main").inner_text()

    # An expert finds it among the open questions, previews an answer, sends it for review.
    expert = people("expert", PHONE)
    page = expert.page
    sign_in(page, community_site, "expert")
    page.goto(site + "/experts/")
    page.get_by_role("link", name=TITLE).click()
    page.wait_for_url("**/experts/answer/*/")
    page.get_by_label("Your answer").fill(ANSWER)
    page.get_by_role("button", name="Preview").click()
    page.wait_for_load_state("load")
    preview = page.locator("section.desk-preview")
    assert preview.get_by_role("heading", name="Preview (not saved)").is_visible()
    assert preview.locator("strong", has_text="ask your cardiologist first").count() == 1
    assert preview.locator("li").count() == 3
    assert page.get_by_label("Your answer").input_value() == ANSWER
    camera.shoot(expert, "answer-preview", docs="answer-preview", focus="section.desk-preview")
    page.get_by_role("button", name="Send for review").click()
    page.wait_for_url("**/experts/")
    assert "Your answer waits for an editor's review." in page.locator("main").inner_text()

    # The editor reviews it and approves it.
    page = editor.page
    page.goto(site + "/editor/")
    page.locator("section[aria-labelledby=answers-title]").get_by_role(
        "link", name=TITLE).click()
    page.wait_for_url(re.compile(r".*/editor/answers/\d+/$"))
    article = page.locator("section[aria-labelledby=question-title]").get_by_role(
        "link", name=TITLE).get_attribute("href")
    assert article and article.startswith("/q/")
    assert "Cardiologist" in page.locator("section[aria-labelledby=expert-title]").inner_text()
    camera.shoot(editor, "editor-review")
    page.get_by_role("button", name="Approve and publish").click()
    page.wait_for_url("**/editor/")
    assert "Published, reviewed by you" in page.locator("main").inner_text()

    # A reader (signed out) reads the article: the expert, their credentials, the review.
    reader = people("reader", PHONE)
    page = reader.page
    page.goto(site + article)
    assert page.get_by_role("heading", level=1).inner_text() == TITLE
    answer = page.locator("section.answer").first
    assert answer.get_by_role("heading", level=3).inner_text() == "Dr. Ana Ruiz"
    credentials = answer.locator(".credentials").inner_text()
    assert "Cardiologist" in credentials and "Heart rhythm and pacemakers" in credentials
    reviewed = answer.locator(".reviewed").inner_text()
    assert re.match(r"Medically reviewed by Eda Okafor(, Pharmacist)? on \d{1,2} \w+ \d{4}\. "
                    r"Next review due \w+ \d{4}\.$", reviewed), reviewed
    assert answer.locator("strong", has_text="ask your cardiologist first").count() == 1
    assert NUMBER not in page.content()
    camera.shoot(reader, "article", docs="answered-article", focus="#question-title")

    # ... and finds it from /ask, typing the question their own way.
    page.goto(site + "/ask/")
    field = page.get_by_label("Your question")
    field.press_sequentially(READER_ASKS, delay=15)
    field.press("Escape")  # close the suggestions, if any, and ask
    page.get_by_role("button", name="Ask").click()
    page.wait_for_url("**/ask/?q=*")
    first = page.locator("article.result-card").first
    assert first.get_by_role("heading", level=3).inner_text() == TITLE
    assert first.locator(".byline").first.inner_text().startswith(
        "Answered by Dr. Ana Ruiz, Cardiologist")
    camera.shoot(reader, "ask-finds-it")

    # The member hears back on "My questions": their question, as the editor published it.
    page = member.page
    page.goto(site + "/me/questions/")
    assert "Your question has an answer" in page.locator("section.news").inner_text()
    mine = page.locator("ul.submissions li", has_text=TITLE)
    assert mine.locator(".badge").inner_text() == "Answered"
    assert mine.get_by_role("link", name=TITLE).get_attribute("href") == article
    camera.shoot(member, "my-questions-answered")

    for person in (member, editor, expert, reader):
        assert person.problems == [], person.name
