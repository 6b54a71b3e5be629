"""The one tokenizer: words, stop words and plural folding for every searcher, the topic
index and suggestions; and highlighting."""

from __future__ import annotations

import html
import re

_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?", re.UNICODE)

# Function words and the words every question has: they carry no topic. Kept short on
# purpose; BM25's idf already discounts frequent words, this only stops them from
# pulling in every document of an OR query.
STOP_WORDS = frozenset(
    """a about above after again against all am an and any are aren't as at be because been
    before being below between both but by can can't could did do does doing don't down during
    each few for from further had has have having he her here hers herself him himself his how
    i i'm i've if in into is isn't it it's its itself just me more most my myself no nor not
    now of off on once only or other our ours ourselves out over own please same she should so
    some such than that the their theirs them themselves then there these they this those
    through to too under until up very was we were what when where which while who whom why
    will with would you your yours yourself yourselves hi hello thanks thank dear doctor dr
    really also get got know want wondering question questions anyone tell help""".split()
)


def word_tokens(text: str) -> list[str]:
    """Every word of the text, lower-cased, apostrophes kept ("don't"), in order."""
    return _WORD.findall(text.lower())


def is_stop_word(token: str) -> bool:
    """Whether a token (as word_tokens gives it) carries no topic."""
    return token in STOP_WORDS or token.replace("'", "") in STOP_WORDS


def query_words(text: str, *, limit: int = 32) -> list[str]:
    """The distinct content words of a query, lower-cased, in order, at most `limit`."""
    seen: dict[str, None] = {}
    for token in word_tokens(text):
        word = token.replace("'", "")
        if len(word) < 2 and not word.isdigit():
            continue
        if is_stop_word(token):
            continue
        seen.setdefault(word, None)
        if len(seen) >= limit:
            break
    return list(seen)


# Private-use markers survive FTS5's snippet() untouched and can't come from stored text
# that was made to look like markup: the text is escaped first, then the markers become <mark>.
MARK_OPEN, MARK_CLOSE = "\ue000", "\ue001"


def highlight_html(snippet: str) -> str:
    """Escape a snippet and turn the FTS5 match markers into <mark> elements."""
    escaped = html.escape(snippet.replace(MARK_OPEN + MARK_CLOSE, ""))
    return escaped.replace(MARK_OPEN, "<mark>").replace(MARK_CLOSE, "</mark>")


def fold_plural(word: str) -> str:
    """A light plural strip, so "cysts" meets "cyst" and "tumors" meets "tumor"."""
    if len(word) > 4 and word.endswith("es") and not word.endswith("ses"):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def stem_words(text: str) -> list[str]:
    """Content words with plurals folded, for matching a focus named in a query."""
    return [fold_plural(word) for word in query_words(text, limit=64)]
