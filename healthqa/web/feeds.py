"""An Atom feed per category: its newly answered questions, newest first."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape

from healthqa.kb import selectors
from healthqa.kb.models import Category, Question

FEED_ITEMS = 20


class CategoryAnsweredFeed(Feed):  # type: ignore[type-arg]
    feed_type = Atom1Feed

    def get_object(self, request: HttpRequest, slug: str) -> Category:  # type: ignore[override]
        category = selectors.category_get(slug=slug)
        if category is None:
            raise Http404("No such category")
        return category

    def title(self, obj: Category) -> str:
        return f"{obj.name}: newly answered questions — {settings.SITE_NAME}"

    def link(self, obj: Category) -> str:
        return obj.get_absolute_url()

    def feed_url(self, obj: Category) -> str:
        return reverse("web:category-feed", kwargs={"slug": obj.slug})

    def subtitle(self, obj: Category) -> str:
        return f"Questions in {obj.name} as they get their first answer."

    def items(self, obj: Category) -> list[Question]:
        return selectors.questions_answered_newest(category=obj, limit=FEED_ITEMS)

    def item_title(self, item: Question) -> str:
        return item.title

    def item_description(self, item: Question) -> str:
        # Atom1Feed sends the description as <summary type="html">: readers parse it as HTML.
        # The excerpt is plain text (an answer's `code` or &lt;entities&gt; come out as "<"),
        # so it is escaped to stay text.
        return escape(item.excerpt)

    def item_link(self, item: Question) -> str:
        return item.get_absolute_url()

    def item_pubdate(self, item: Question) -> datetime | None:
        return item.answered_at

    def item_updateddate(self, item: Question) -> datetime | None:
        return item.answered_at
