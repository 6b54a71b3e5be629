"""`http_url`: a stored link as an `href` only when it is http(s).

The importers, the import service and the model fields refuse other links
(healthqa/kb/urls_safe.py), but rows written before that check existed, or by a raw
`update()`, may still hold `javascript:` or `data:` links. Pages pass every stored link
through this filter and show no link at all when it gives "": defence in depth, with the
same rule as on the way in.
"""

from __future__ import annotations

from django import template

from healthqa.kb.urls_safe import http_url_shown

register = template.Library()
register.filter("http_url", http_url_shown)
