"""A reader opens an article, follows "Next" and a "Recommended" link, in Debian's Chromium."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

BACK_PAIN = "Why do I have back pain after three months of pregnancy?"


def test_a_reader_follows_next_and_a_recommended_link(
    page: Any, site_url: str, screenshot_dir: Path
) -> None:
    page.goto(site_url + "/")
    page.get_by_role("link", name="Pregnancy", exact=True).first.click()
    page.get_by_role("link", name=BACK_PAIN).click()

    assert page.get_by_role("heading", level=1).inner_text() == BACK_PAIN
    assert page.locator("section.answer").count() >= 2
    category_crumb = page.locator("nav[aria-label='Breadcrumb'] a").last.inner_text()
    page.screenshot(path=str(screenshot_dir / "article.png"), full_page=True)

    next_link = page.locator("a[rel='next']")
    next_title = next_link.inner_text().split(":", 1)[1].replace("»", "").strip()
    next_link.click()
    assert page.get_by_role("heading", level=1).inner_text() == next_title
    assert next_title > BACK_PAIN  # "next" follows title order
    # navigation stays inside the category
    assert page.locator("nav[aria-label='Breadcrumb'] a").last.inner_text() == category_crumb

    related = page.locator("section.related a").first
    related_title = related.inner_text().strip()
    related.click()
    assert page.get_by_role("heading", level=1).inner_text() == related_title
    page.screenshot(path=str(screenshot_dir / "related.png"), full_page=True)
    assert (screenshot_dir / "related.png").stat().st_size > 10_000
