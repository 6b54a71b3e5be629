"""sitemap.xml for search engines: the published questions, categories and topic index."""

from __future__ import annotations

from datetime import datetime

from django.contrib.sitemaps import Sitemap
from django.db.models import QuerySet
from django.urls import reverse

from healthqa.kb import selectors
from healthqa.kb.models import Category, Question


class QuestionSitemap(Sitemap):
    changefreq = "monthly"
    priority = 0.8
    limit = 10_000  # sitemap files stay small; the index lists them all

    def items(self) -> QuerySet[Question]:
        return (selectors.questions_published().select_related(None)
                .only("slug", "updated_at").order_by("id"))

    def lastmod(self, item: Question) -> datetime:
        return item.updated_at


class CategorySitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.5

    def items(self) -> list[Category]:
        tree = selectors.category_tree()
        return [Category(pk=node.id, slug=node.slug, name=node.name) for node in tree.values()
                if selectors.category_total(category_id=node.id)]


class PageSitemap(Sitemap):
    changefreq = "daily"
    priority = 0.6

    def items(self) -> list[str]:
        return ["web:home", "web:topics"]

    def location(self, item: str) -> str:
        return reverse(item)


SITEMAPS: dict[str, type[Sitemap]] = {
    "pages": PageSitemap,
    "categories": CategorySitemap,
    "questions": QuestionSitemap,
}
