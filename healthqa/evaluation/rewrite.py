"""Rewriting a MedQuAD question the way a consumer would type it, by composing transformations.

Every choice comes from the `random.Random` passed in, so a rewrite is reproducible from its
seed. The transformations applied are named (see TRANSFORMATIONS) and returned with the text.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

from healthqa.evaluation import phrasings as ph
from healthqa.evaluation.lay_terms import lay_words_apply

PARAPHRASE = "paraphrase"  # the question type asked in consumer words ("how is X treated")
PLAIN_FOCUS = "plain_focus"  # "Tuberculosis (TB)" -> "Tuberculosis"; "Parasites - X" -> "X"
SYNONYM = "synonym"  # the focus replaced by a <Synonym> of the MedQuAD document
LAY_WORDS = "lay_words"  # medical words replaced by lay words (lay_terms.py)
SUBJECT_LINE = "subject_line"  # "Gout. how do they treat it"
STORY = "story"  # a sentence or two of the asker's situation around the question
PRONOUN = "pronoun"  # the question refers to the focus as "it" after naming it earlier
TYPOS = "typos"  # letters swapped, dropped or doubled
LOWERCASE = "lowercase"  # lower case, punctuation dropped
TRANSFORMATIONS = (PARAPHRASE, PLAIN_FOCUS, SYNONYM, LAY_WORDS, SUBJECT_LINE, STORY, PRONOUN,
                   TYPOS, LOWERCASE)

# How often each optional transformation is drawn (when it applies). Chosen by eye so that
# every transformation is common enough to be measured alone in a 1,000-query set; lay words
# apply whenever a listed term occurs, because few MedQuAD questions contain one.
P_PARAPHRASE, P_SYNONYM, P_LAY, P_SUBJECT, P_PRONOUN, P_TYPOS, P_LOWER = (
    0.85, 0.5, 1.0, 0.35, 0.6, 0.4, 0.5)

_TOKEN = re.compile(r"[a-z0-9]+")
_WORD = re.compile(r"[A-Za-z]{4,}")
_PUNCT = re.compile(r"[?!.,:;]+")
_BROCHURE = re.compile(r"^what i need to know about ", re.IGNORECASE)  # NIDDK booklet titles


@dataclass(frozen=True)
class SourceQuestion:
    """A MedQuAD question to rewrite."""

    external_id: str
    subset: str
    focus: str
    synonyms: tuple[str, ...]
    qtype: str
    question: str


@dataclass(frozen=True)
class Rewrite:
    """A consumer-style query, the transformations that made it, and what each one chose."""

    text: str
    transformations: tuple[str, ...]
    details: dict[str, str | list[str]] = field(default_factory=dict)


def tokens(text: str) -> list[str]:
    """Lower-case letters-and-digits tokens: what 'the same words' means here."""
    return _TOKEN.findall(text.casefold())


def contains_verbatim(*, query: str, original: str) -> bool:
    """True when the original's words appear in the query in order, side by side."""
    q, o = tokens(query), tokens(original)
    return any(q[i:i + len(o)] == o for i in range(len(q) - len(o) + 1))


def typos_apply(*, text: str, rng: random.Random, count: int,
                only: frozenset[str] | None = None) -> tuple[str, list[str]]:
    """The text with `count` words misspelled (first letter kept), and the words changed."""
    words = [m for m in _WORD.finditer(text) if only is None or m.group().lower() in only]
    chosen = sorted(rng.sample(words, min(count, len(words))), key=lambda m: m.start())
    changed: list[str] = []
    for match in reversed(chosen):  # right to left so earlier offsets stay valid
        word = match.group()
        i = rng.randrange(1, len(word) - 1)
        op = rng.choice(("swap", "drop", "double"))
        if op == "swap" and word[i] != word[i + 1]:
            typo = word[:i] + word[i + 1] + word[i] + word[i + 2:]
        elif op == "double":
            typo = word[:i] + word[i] + word[i:]
        else:
            typo = word[:i] + word[i + 1:]
        text = text[:match.start()] + typo + text[match.end():]
        changed.insert(0, f"{word}->{typo}")
    return text, changed


def plain_focus(*, focus: str, rng: random.Random) -> str:
    """The focus as a person would write it: no "Parasites - " prefix, brochure title or acronym.

    Subtitles after a colon stay: in "Kidney Failure: What to Expect" they tell documents apart.
    """
    plain = _BROCHURE.sub("", focus.split(" - ")[-1]).strip()
    inner = re.search(r"\(([^()]+)\)", plain)
    outer = re.sub(r"\s*\([^()]*\)", "", plain).strip()
    # A bracketed name in words ("also known as Whipworm Infection") is what people say; a
    # bracketed acronym ("OHF") mostly is not.
    if inner and " " in inner.group(1) and rng.random() < 0.3:
        plain = inner.group(1).removeprefix("also known as ").strip()
    elif len(outer) >= 3:
        plain = outer
    return plain if len(plain) >= 2 else focus


def usable_synonyms(*, focus: str, synonyms: tuple[str, ...]) -> list[str]:
    """Synonyms a person might type: short, not inverted ("Anemia, aplastic"), not the focus."""
    return [s for s in synonyms
            if 3 <= len(s) <= 50 and "," not in s and "(" not in s
            and s.casefold() != focus.casefold()]


def _story(source: SourceQuestion, focus: str, rng: random.Random) -> tuple[str, str]:
    """An opening (situation, maybe an aside) and a closing around the question."""
    diagnosis = source.qtype in ph.CONDITION_TYPES or source.subset in ph.DISEASE_SUBSETS
    opening = rng.choice(ph.DIAGNOSIS_STORIES if diagnosis else ph.NEUTRAL_STORIES).format(
        x=focus, age=rng.randrange(19, 81), relative=rng.choice(ph.RELATIVES),
        years=rng.randrange(2, 15), when=rng.choice(ph.WHEN), child=rng.choice(ph.CHILDREN))
    aside = rng.choice(ph.ASIDES)
    return " ".join(p for p in (opening, aside) if p), rng.choice(ph.CLOSINGS)


def question_rewrite(*, source: SourceQuestion, rng: random.Random, long: bool) -> Rewrite:
    """A consumer-style rewrite of one MedQuAD question; `long` wraps it in a story."""
    applied: list[str] = []
    details: dict[str, str | list[str]] = {}
    phrasings = ph.QUESTION_TYPES.get(source.qtype)
    question = re.sub(r"\s+", " ", source.question).strip()
    match = next((m for m in (t.match(question) for t in phrasings.medquad) if m), None) \
        if phrasings else None
    written = match.group("x") if match else source.focus

    focus = plain_focus(focus=written, rng=rng)
    if focus != written:
        applied.append(PLAIN_FOCUS)
    synonyms = usable_synonyms(focus=written, synonyms=source.synonyms)
    if synonyms and rng.random() < P_SYNONYM:
        focus = rng.choice(synonyms)
        applied.append(SYNONYM)
    details["focus"] = focus

    subject = rng.random() < P_SUBJECT
    if phrasings and match and rng.random() < P_PARAPHRASE:
        applied.append(PARAPHRASE)
        if (subject or long) and rng.random() < P_PRONOUN:
            applied.append(PRONOUN)
            body = rng.choice(phrasings.pronoun)
        else:
            body = rng.choice(phrasings.consumer).format(x=focus)
        body += "?" if rng.random() < 0.6 and not body.endswith("?") else ""
    else:
        body = re.sub(re.escape(written), lambda _: focus, question, count=1, flags=re.I)
        body = body.replace(" ?", "?")
    details["question"] = body  # before lay words, typos and lower case

    parts = []
    if subject:
        applied.append(SUBJECT_LINE)
        parts.append(rng.choice(("{x}.", "{x} -", "Question about {x}:")).format(
            x=focus[0].upper() + focus[1:]))
    if long:
        applied.append(STORY)
        opening, closing = _story(source, focus, rng)
        parts.extend([opening, body, closing])
    else:
        parts.append(body)
    text = " ".join(p for p in parts if p)

    if rng.random() < P_LAY:
        text, replaced = lay_words_apply(text=text)
        if replaced:
            applied.append(LAY_WORDS)
            details[LAY_WORDS] = replaced
    if rng.random() < P_TYPOS:
        text, changed = typos_apply(text=text, rng=rng, count=1 + len(text.split()) // 12)
        if changed:
            applied.append(TYPOS)
            details[TYPOS] = changed
    if rng.random() < P_LOWER:
        applied.append(LOWERCASE)
        text = re.sub(r"\s+", " ", _PUNCT.sub("", text.lower())).strip()

    # Never hand the engine the question it indexed: misspell one of its words until the
    # original wording is broken.
    original_words = frozenset(tokens(question))
    while contains_verbatim(query=text, original=question):
        text, changed = typos_apply(text=text, rng=rng, count=1, only=original_words)
        if not changed:
            raise ValueError(f"cannot rewrite {source.external_id}: {question!r}")
        if TYPOS not in applied:
            applied.append(TYPOS)
        earlier = details.get(TYPOS, [])
        details[TYPOS] = [*(earlier if isinstance(earlier, list) else []), *changed]
    return Rewrite(text=text, transformations=tuple(applied), details=details)
