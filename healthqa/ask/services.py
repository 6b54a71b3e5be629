"""Ask: a reader's own question in, the answered questions that cover it out, with their
answers, sources, a confidence said in words, and urgent cases triaged first.

Nothing here stores or logs what the reader typed: the text lives as long as the request.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse

from healthqa.ask.triage import Triage, question_triage
from healthqa.kb.data import answer_data, question_item_data, source_data
from healthqa.kb.models import Answer, Question
from healthqa.kb.text import title_key
from healthqa.kb.urls_safe import http_url_shown
from healthqa.search.engine import searcher
from healthqa.search.match import confidence
from healthqa.search.types import Hit, SearchFilters

# Long enough for a story around a question (a long forum post is ~1,500 characters); the
# encoder reads only the first 256 tokens (~1,000 characters) anyway.
MAX_QUESTION_CHARS = 2000
ASK_RESULTS = 10

CONFIDENCE_WORDS = {
    "high": "Strong match",
    "medium": "Possible match",
    "low": "Weak match",
}
LOW_CONFIDENCE_MESSAGE = "We couldn't find an answered question that covers this well."
DISCLAIMER = (
    "General health information, not medical advice: the answers are quoted from their "
    "authors and sources. Talk to a doctor, nurse or pharmacist about your own situation."
)
EXPERTS_MESSAGE = (
    "Our experts answer questions that are not covered yet: sign in and send yours. An editor "
    "reads it first, and you hear back when it is answered. For your own health today, a "
    "doctor, nurse or pharmacist can help."
)


# Where the JSON API takes a question for the experts (POST, with a member's token).
SUBMISSIONS_API = "/api/v1/submissions"


class AskInputError(ValueError):
    """The question can't be asked as it is; the message says what to change."""


def question_clean(text: str, *, limit: int = MAX_QUESTION_CHARS, noun: str = "question"
                   ) -> str:
    """The text with its whitespace collapsed, or AskInputError saying what to change."""
    if len(text) > limit:
        raise AskInputError(
            f"Your {noun} is {len(text):,} characters long. Please shorten it to "
            f"{limit:,} characters or fewer."
        )
    cleaned = " ".join(text.split())
    if not cleaned:
        raise AskInputError(f"Type your {noun} first: a few words are enough.")
    return cleaned


@dataclass(frozen=True)
class AskHit:
    """One answered question found for the reader's question, ready to show."""

    question: Question  # with its category and source loaded
    answers: tuple[Answer, ...]  # in order, with their authors and sources loaded
    score: float
    match: float
    confidence: str
    # The same question (same title) from other sources, ranked lower: offered as links.
    others: tuple[Question, ...] = ()

    @property
    def confidence_label(self) -> str:
        return CONFIDENCE_WORDS[self.confidence]

    @property
    def answer_at_source(self) -> bool:
        """The answer is not stored here (copyright) but can be read at the source."""
        return not self.answers and bool(http_url_shown(self.question.source_url))

    @property
    def first_answer(self) -> Answer | None:
        return self.answers[0] if self.answers else None


@dataclass(frozen=True)
class AskResult:
    """Ranked hits, the overall confidence (read from the best hit) and the triage."""

    text: str
    hits: tuple[AskHit, ...]
    confidence: str
    urgent: Triage

    @property
    def low_confidence(self) -> bool:
        return self.confidence == "low"

    @property
    def message(self) -> str:
        """What the page says plainly when nothing covers the question well."""
        return LOW_CONFIDENCE_MESSAGE if self.low_confidence else ""

    @property
    def matches(self) -> tuple[AskHit, ...]:
        """The hits that cover the question (none when confidence is low)."""
        if self.low_confidence:
            return ()
        return tuple(h for h in self.hits if h.confidence != "low")

    @property
    def related(self) -> tuple[AskHit, ...]:
        """The closest of the rest: shown as "might be related", never as an answer."""
        shown = {h.question.pk for h in self.matches}
        return tuple(h for h in self.hits if h.question.pk not in shown)


def hits_load(*, hits: Sequence[Hit], k: int | None = None) -> list[AskHit]:
    """The questions of these hits with answers, authors and sources, in two queries; with
    `k`, the first k distinct questions (see hits_fold), answers loaded for those only."""
    ids = [h.question_id for h in hits]
    if not ids:
        return []
    questions = Question.objects.select_related("category", "source").in_bulk(ids)
    loaded = []
    for hit in hits:
        question = questions.get(hit.question_id)
        if question is None:  # deleted since it was ranked
            continue
        match = hit.match if hit.match is not None else hit.score
        loaded.append(AskHit(question=question, answers=(), score=hit.score, match=match,
                             confidence=confidence(match)))
    if k is not None:
        loaded = hits_fold(loaded, k=k)
    answers: dict[int, list[Answer]] = {}
    for answer in (Answer.objects.filter(question_id__in=[h.question.pk for h in loaded])
                   .select_related("author", "source", "reviewed_by")
                   .order_by("question_id", "position", "id")):
        answers.setdefault(answer.question_id, []).append(answer)
    return [replace(h, answers=tuple(answers.get(h.question.pk, ()))) for h in loaded]


def hits_fold(hits: Sequence[AskHit], *, k: int) -> list[AskHit]:
    """The first k distinct questions: a title asked again by another source (MedQuAD asks
    "What are the treatments for Gout?" three times) is folded into its best-ranked copy."""
    folded: dict[str, AskHit] = {}
    for hit in hits:
        key = title_key(hit.question.title)
        first = folded.get(key)
        if first is None:
            if len(folded) < k:
                folded[key] = hit
        elif hit.question.source_id not in {q.source_id for q in (first.question, *first.others)}:
            folded[key] = replace(first, others=(*first.others, hit.question))
    return list(folded.values())


def ask_question(*, text: str, k: int = ASK_RESULTS, filters: SearchFilters | None = None
                 ) -> AskResult:
    """Rank answered questions for a reader's question, as /ask, the API and the CLI do."""
    cleaned = question_clean(text)
    # Twice as many as shown, so that k distinct questions remain after folding repeats.
    ranked = searcher("hybrid").search(cleaned, k=2 * k, filters=filters)
    hits = hits_load(hits=ranked, k=k)
    overall = hits[0].confidence if hits else "low"
    return AskResult(text=cleaned, hits=tuple(hits), confidence=overall,
                     urgent=question_triage(text=cleaned))


def ask_result_data(result: AskResult) -> dict[str, Any]:
    """The JSON of an ask, as the API answers it and `healthqa ask --json` prints it."""
    triage = result.urgent
    return {
        "question": result.text,
        "confidence": result.confidence,
        "low_confidence": result.low_confidence,
        "message": result.message,
        "urgent": {"urgent": triage.urgent, "headline": triage.headline,
                   "reasons": list(triage.reasons), "guidance": list(triage.guidance)},
        "send_to_experts": {
            "available": True, "message": EXPERTS_MESSAGE,
            "url": f"{reverse('web:send-question')}?{urlencode({'q': result.text})}",
            "api": SUBMISSIONS_API,
        },
        "disclaimer": DISCLAIMER,
        "hits": [
            {
                "question": question_item_data(hit.question),
                "score": hit.score,
                "match": hit.match,
                "confidence": hit.confidence,
                "confidence_label": hit.confidence_label,
                "answer_at_source": hit.answer_at_source,
                "source_url": http_url_shown(hit.question.source_url),
                "source": source_data(hit.question.source),
                "answers": [answer_data(a) for a in hit.answers],
                "also_from": [{"slug": q.slug, "url": q.get_absolute_url(),
                               "source": q.source.name if q.source else None}
                              for q in hit.others],
            }
            for hit in result.hits
        ],
    }
