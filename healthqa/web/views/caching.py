"""How long browsers and shared caches may keep a page."""

from django.views.decorators.cache import cache_control

# Public pages may be kept five minutes by browsers and shared caches: content changes by
# import or review, rarely, and a reader arriving from a search engine should get it fast.
public_page = cache_control(public=True, max_age=300)
# Pages whose address carries what a reader typed (search, ask) are kept by no cache at all:
# not by a shared one, and not on a shared computer's disk.
typed_text_page = cache_control(private=True, no_store=True)
