"""The topics the knowledge base knows, and the one a question names: how a question stored
without a focus gets one (a reader's question as an editor publishes it)."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

from healthqa.kb.models import Question
from healthqa.search.names import focus_plain
from healthqa.search.text import stem_words

LONGEST = 6  # words in the longest topic name looked for
_ACRONYM = re.compile(r"[A-Z0-9]{2,6}")


@dataclass(frozen=True)
class TopicName:
    focus: str  # the focus it stands for, as stored
    synonym: bool = False  # another name of the focus, not the focus itself
    acronym: str = ""  # "PETS": counts only when written so, never as the word "pets"


Lexicon = dict[frozenset[str], TopicName]


def lexicon_build(pairs: list[tuple[str, list[str] | None]]) -> Lexicon:
    """Topic names -> the focus each names, from (focus, synonyms) pairs. A focus's own
    names win over another's synonyms; the first pair wins among equals."""
    own: Lexicon = {}
    others: Lexicon = {}
    for focus, synonyms in pairs:
        focus = " ".join(focus.split())
        if not focus:
            continue
        for name in (focus, focus_plain(focus)):
            key = frozenset(stem_words(name))
            if key and len(key) <= LONGEST:
                own.setdefault(key, TopicName(focus))
        for name in synonyms or []:
            key = frozenset(stem_words(name))
            if key and len(key) <= LONGEST:
                acronym = name.strip() if _ACRONYM.fullmatch(name.strip()) else ""
                others.setdefault(key, TopicName(focus, True, acronym))
    return {**others, **own}


_lock = threading.Lock()
_cached: tuple[int, Lexicon] | None = None


def lexicon() -> Lexicon:
    """The published questions' topic names (rebuilt when the number of foci changes)."""
    global _cached
    rows = Question.objects.filter(status=Question.Status.PUBLISHED).exclude(focus="")
    count = rows.values("focus").distinct().count()
    with _lock:
        if _cached is None or _cached[0] != count:
            pairs = list(rows.order_by("external_id").values_list("focus", "focus_synonyms"))
            _cached = (count, lexicon_build(pairs))
        return _cached[1]


def focus_infer(text: str, *, names: Lexicon | None = None) -> str:
    """The focus of the longest topic name in the text, or "": a focus's own name before
    another's synonym, the first of equals. A synonym written in capitals ("PETS") counts
    only when the text writes it so.
    """
    known = lexicon() if names is None else names
    words = stem_words(text)
    for synonyms in (False, True):
        for n in range(min(LONGEST, len(words)), 0, -1):
            for i in range(len(words) - n + 1):
                found = known.get(frozenset(words[i:i + n]))
                if found is None or found.synonym != synonyms:
                    continue
                if not found.acronym or re.search(rf"\b{re.escape(found.acronym)}\b", text):
                    return found.focus
    return ""
