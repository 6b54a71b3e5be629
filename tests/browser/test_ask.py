"""A reader asks a question on /ask and picks a suggested question with the keyboard, in
Debian's Chromium on a phone-sized page, against a real server running the real model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

BACK_PAIN = "Why do I have back pain after three months of pregnancy?"
ASKED = "my lower back hurts, I'm 4 months pregnant"


def test_a_reader_asks_in_their_own_words_and_sees_the_answered_question(
    page: Any, site_url: str, screenshot_dir: Path
) -> None:
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(site_url + "/")
    page.get_by_role("link", name="Ask a question").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Ask a question"

    page.get_by_label("Your question").fill(ASKED)
    page.get_by_role("button", name="Ask").click()
    page.wait_for_url("**/ask/?q=*")

    first = page.locator("article.result-card").first
    assert first.get_by_role("heading", level=3).inner_text() == BACK_PAIN
    assert first.locator(".match").inner_text() in {"Strong match", "Possible match"}
    first.get_by_text("Read the full answer").click()  # <details> opens
    assert first.locator("details .body").is_visible()
    assert first.locator(".byline").first.inner_text().startswith("Answered by Dr. ")
    page.screenshot(path=str(screenshot_dir / "ask.png"), full_page=True)
    assert (screenshot_dir / "ask.png").stat().st_size > 10_000

    first.get_by_role("link", name=BACK_PAIN).click()
    assert page.get_by_role("heading", level=1).inner_text() == BACK_PAIN
    assert all(url.startswith(site_url) for url in requests), [
        u for u in requests if not u.startswith(site_url)]


def test_an_emergency_is_answered_with_urgent_guidance_first(
    page: Any, site_url: str, screenshot_dir: Path
) -> None:
    page.goto(site_url + "/ask/?q=sudden+chest+pain+spreading+to+my+arm+and+sweating")
    heading = page.get_by_role("heading", level=1)
    assert heading.inner_text() == "This may be an emergency"
    box = page.locator("section.urgent").bounding_box()
    assert box is not None and box["y"] < 400  # on a phone, the first thing on screen
    assert "local emergency number" in page.locator("section.urgent").inner_text()
    page.screenshot(path=str(screenshot_dir / "ask-urgent.png"))


def test_a_suggestion_is_chosen_with_the_keyboard_and_opens_the_article(
    page: Any, site_url: str
) -> None:
    page.goto(site_url + "/")
    box = page.get_by_role("combobox", name="Search questions")
    box.press_sequentially("back p", delay=40)
    listbox = page.get_by_role("listbox", name="Suggested questions")
    listbox.wait_for(state="visible")
    assert box.get_attribute("aria-expanded") == "true"
    options = listbox.get_by_role("option")
    titles = options.all_inner_texts()
    assert BACK_PAIN in titles
    status = page.locator("[role=status]").first
    assert status.inner_text().startswith(f"{len(titles)} suggested question")

    for _ in range(titles.index(BACK_PAIN) + 1):
        box.press("ArrowDown")
    active = box.get_attribute("aria-activedescendant")
    assert page.locator(f"#{active}").inner_text() == BACK_PAIN
    assert page.locator(f"#{active}").get_attribute("aria-selected") == "true"
    box.press("Enter")
    page.wait_for_url("**/q/**")
    assert page.get_by_role("heading", level=1).inner_text() == BACK_PAIN


def test_suggestions_on_the_ask_form_close_with_escape_and_are_debounced(
    page: Any, site_url: str
) -> None:
    suggests: list[str] = []
    page.on("request", lambda r: suggests.append(r.url) if "/api/v1/suggest" in r.url else None)
    page.goto(site_url + "/ask/")
    area = page.get_by_label("Your question")
    typed = "fibroid"
    area.press_sequentially(typed, delay=20)
    listbox = page.locator("#" + area.get_attribute("aria-controls"))
    listbox.wait_for(state="visible")
    assert "What are fibroids, and do they need treatment?" in listbox.inner_text()
    assert len(suggests) < len(typed)  # one request per pause, not one per key
    area.press("Escape")
    assert listbox.is_hidden()
    assert area.input_value() == typed  # nothing typed was lost


def test_the_ask_form_works_without_javascript(browser: Any, site_url: str) -> None:
    context = browser.new_context(java_script_enabled=False,
                                  viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        page.goto(site_url + "/ask/")
        page.get_by_label("Your question").fill(ASKED)
        page.get_by_role("button", name="Ask").click()
        page.wait_for_url("**/ask/?q=*")
        assert page.locator("article.result-card h3").first.inner_text() == BACK_PAIN
        assert page.get_by_role("listbox").count() == 0
    finally:
        context.close()
