"""Text helpers: rendering answers to safe HTML, excerpts, titles and slugs."""

from __future__ import annotations

import hashlib
import html
import re
from typing import Any

import markdown
import nh3
from django.db.models import CharField, Func
from django.utils.text import slugify

# Tags an answer may use once rendered; everything else is stripped (nh3 = ammonia).
ALLOWED_TAGS = {
    "p", "br", "ul", "ol", "li", "strong", "em", "b", "i", "blockquote", "code", "pre",
    "h3", "h4", "table", "thead", "tbody", "tr", "th", "td", "a", "abbr", "sub", "sup",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}}
_WS = re.compile(r"\s+")
_BULLET = re.compile(r"\s{2,}-\s+|^\s*-\s+")


def sanitize_html(raw: str) -> str:
    """Strip every tag, attribute and URL scheme not on the allow-list."""
    return nh3.clean(
        raw,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener noreferrer",
    )


def markdown_to_html(text: str) -> str:
    """Render Markdown written by a person to sanitised HTML."""
    return sanitize_html(markdown.markdown(text, extensions=["sane_lists"]))


def plain_text_to_html(text: str) -> str:
    """Render imported plain text (e.g. MedQuAD) as paragraphs and bullet lists."""
    blocks = [b for b in re.split(r"\n\s*\n", text.strip()) if b.strip()]
    parts: list[str] = []
    for block in blocks:
        pieces = [_WS.sub(" ", p).strip() for p in _BULLET.split(block)]
        pieces = [p for p in pieces if p]
        if not pieces:
            continue
        if len(pieces) > 1 and _BULLET.search(block):
            lead, items = (pieces[0], pieces[1:]) if not block.lstrip().startswith("-") else (
                "", pieces)
            if lead:
                parts.append(f"<p>{html.escape(lead)}</p>")
            parts.append("<ul>" + "".join(f"<li>{html.escape(i)}</li>" for i in items) + "</ul>")
        else:
            parts.append(f"<p>{html.escape(pieces[0])}</p>")
    return sanitize_html("".join(parts))


def render_answer(body: str, body_format: str) -> str:
    """Sanitised HTML for an answer body in the given format."""
    return plain_text_to_html(body) if body_format == "text" else markdown_to_html(body)


def plain_text(body: str, body_format: str = "text") -> str:
    """The words of an answer with markup and extra whitespace removed."""
    if body_format == "markdown":
        body = nh3.clean(markdown.markdown(body), tags=set())
        body = html.unescape(body)
    body = re.sub(r"(^|\s)-\s+", r"\1", body)
    return _WS.sub(" ", body).strip()


def excerpt(text: str, limit: int = 220) -> str:
    """The start of `text`, at most `limit` characters, cut at a word boundary with an ellipsis."""
    text = _WS.sub(" ", text).strip()
    if len(text) <= limit:
        return text
    cut = text[: limit + 1]
    space = cut.rfind(" ")
    cut = cut[:space] if space > 0 else text[:limit]
    return cut.rstrip(" ,;:.-–—(") + "…"


_ARE = re.compile(r"\s*\((are|is)\)\s*", re.I)


def tidy_title(raw: str) -> str:
    """Readable question title: 'What is (are) Gout ?' becomes 'What is Gout?'."""
    title = _WS.sub(" ", raw).strip()
    title = _ARE.sub(" ", title)
    title = re.sub(r"\s+([?.!,;:])", r"\1", title)
    title = re.sub(r"\?+(\s*\?)*", "?", title)
    if title and title[0].islower():
        title = title[0].upper() + title[1:]
    return title


def title_key(title: str) -> str:
    """What makes two titles "the same question": MedQuAD asks "What is Gout?" once per
    source, and lists, search and related questions show it once."""
    return " ".join(title.casefold().split())


def question_slug(title: str, external_id: str, taken: bool) -> str:
    """A URL slug from the title; a short hash of the external id keeps it unique."""
    base = slugify(title)[:100].strip("-") or "question"
    if not taken:
        return base
    digest = hashlib.sha1(external_id.encode()).hexdigest()[:8]
    return f"{base[:100]}-{digest}"


class CodePointOrder(Func):
    """A text column for ORDER BY in code-point order: SQLite's BINARY collation, PostgreSQL's
    "C". Lists sorted by title come out the same on every database, whatever collation it was
    created with (en_US.UTF-8 would put "a" beside "A" and skip punctuation)."""

    template = "%(expressions)s COLLATE BINARY"
    output_field = CharField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template='%(expressions)s COLLATE "C"',
                           **extra)

