"""schema.org QAPage and BreadcrumbList of an article page, as JSON-LD."""

from __future__ import annotations

import html
import json
from typing import Any

import nh3
from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from healthqa.kb.models import Answer, Question
from healthqa.kb.selectors import CategoryNode
from healthqa.kb.urls_safe import http_url_shown

# Characters that would let text close a <script> element; the same escapes as json_script.
_JSON_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def _answer_author(answer: Answer, question: Question) -> dict[str, str]:
    if answer.author is not None:
        person = {"@type": "Person", "name": answer.author.display_name}
        if answer.author.credentials:
            person["description"] = answer.author.credentials
        return person
    source = answer.source or question.source
    if source is not None:
        org = {"@type": "Organization", "name": source.name}
        url = http_url_shown(source.url)  # a row from before links were checked may hold another
        return {**org, "url": url} if url else org
    return {"@type": "Organization", "name": settings.SITE_NAME}


def structured_data(request: HttpRequest, question: Question, answers: list[Answer],
                     crumbs: list[CategoryNode], *, text: str) -> SafeString:
    """schema.org QAPage and BreadcrumbList as JSON-LD, safe inside a <script> element."""
    url = request.build_absolute_uri(question.get_absolute_url())
    main: dict[str, Any] = {
        "@type": "Question",
        "name": question.title,
        "text": text,
        "answerCount": len(answers),
    }
    if question.published_at:
        main["datePublished"] = question.published_at.isoformat()
    main["suggestedAnswer"] = [
        {
            "@type": "Answer",
            "text": html.unescape(nh3.clean(answer.body_html, tags=set())).strip(),
            "url": f"{url}#answer-{answer.position}",
            "author": _answer_author(answer, question),
            # The experts who agree with it (healthqa's "I agree"), as schema.org's votes.
            "upvoteCount": answer.agree_count,
            **({"dateModified": answer.reviewed_on.isoformat()} if answer.reviewed_on else {}),
        }
        for answer in answers
    ]
    trail = [("Home", reverse("web:home"))] + [
        (node.name, reverse("web:category", kwargs={"slug": node.slug})) for node in crumbs
    ]
    page: dict[str, Any] = {"@type": "QAPage", "url": url, "mainEntity": main}
    if question.last_reviewed_at:
        page["lastReviewed"] = question.last_reviewed_at.isoformat()
    reviewed = [a for a in answers if a.reviewed_by is not None and a.reviewed_on]
    if reviewed:  # the latest medical review of the page's answers
        latest = max(reviewed, key=lambda a: a.reviewed_on)  # type: ignore[arg-type,return-value]
        reviewer = latest.reviewed_by
        assert reviewer is not None
        page["reviewedBy"] = {"@type": "Person", "name": reviewer.display_name,
                              **({"description": reviewer.credentials}
                                 if reviewer.credentials else {})}
    data = {
        "@context": "https://schema.org",
        "@graph": [
            page,
            {
                "@type": "BreadcrumbList",
                "itemListElement": [
                    {"@type": "ListItem", "position": i, "name": name,
                     "item": request.build_absolute_uri(path)}
                    for i, (name, path) in enumerate(trail, start=1)
                ] + [{"@type": "ListItem", "position": len(trail) + 1, "name": question.title}],
            },
        ],
    }
    encoded = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return mark_safe(encoded.translate(_JSON_SCRIPT_ESCAPES))  # safe: <, > and & escaped
