"""Real readers' messages and the named topic, asked of the engine (needs Django set up and
a database holding the full MedQuAD import, like runner.py).

- Message -> summary: the 967 expert summaries are put among the questions for the time of
  the measurement (created, then deleted), each with the question type and topic an editor
  publishing a reader's question gets suggested, and every message is searched as /ask
  searches it (consumer.py scores it).
- The named topic first: every MedQuAD topic in every template (topics.py); an answer is on
  the topic when the names of its own focus meet the topic's.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

from healthqa.evaluation.consumer import (
    ID_PREFIX,
    ConsumerReport,
    Message,
    consumer_evaluate,
    messages_read,
)
from healthqa.evaluation.devset import medquad_corpus_read
from healthqa.evaluation.topics import (
    TEMPLATES,
    Key,
    TopicFirstReport,
    names_keys,
    topic_first_evaluate,
    topics_of,
)
from healthqa.kb.records import QuestionRecord

CATEGORY = ("Consumer questions (evaluation)",)
Progress = Callable[[Iterable, str], Iterable]


def summaries_records(messages: Sequence[Message]) -> list[QuestionRecord]:
    """The summaries as questions, with a suggested topic and the type their text asks."""
    from healthqa.search.intent import question_type_of
    from healthqa.search.topics import focus_infer, lexicon

    names = lexicon()
    return [QuestionRecord(external_id=m.external_id, title=" ".join(m.summary.split())[:300],
                           category_path=CATEGORY, focus=focus_infer(m.summary, names=names),
                           question_type=question_type_of(m.summary))
            for m in messages]


def questions_remove(*, prefix: str) -> int:
    """Delete the questions an evaluation put in under this external-id prefix (also those a
    killed run left)."""
    from healthqa.kb.models import Question

    deleted, _ = Question.objects.filter(external_id__startswith=prefix).delete()
    return deleted


@contextlib.contextmanager
def questions_added(*, records: Sequence[QuestionRecord], prefix: str,
                    comment: str) -> Iterator[None]:
    """These questions (their external ids under `prefix`) in the database for the time of
    the block, and only then."""
    from healthqa.kb.services import questions_import

    questions_remove(prefix=prefix)
    questions_import(records=records, comment=comment)
    try:
        yield
    finally:
        questions_remove(prefix=prefix)


def summaries_added(messages: Sequence[Message]) -> contextlib.AbstractContextManager[None]:
    """The summaries among the questions, for the time of the block."""
    return questions_added(records=summaries_records(messages), prefix=ID_PREFIX,
                           comment="healthqa eval: consumer summaries, removed after the run")


def ask_ranker(*, k: int = 10) -> Callable[[str], list[str]]:
    """text -> external ids of the first k questions, ranked as /ask ranks them."""
    from healthqa.ask.services import AskInputError, question_clean
    from healthqa.kb.models import Question
    from healthqa.search.engine import searcher

    search = searcher("hybrid")
    names: dict[int, str] = {}

    def rank(text: str) -> list[str]:
        try:
            hits = search.search(question_clean(text), k=k)
        except AskInputError:
            return []
        missing = [h.question_id for h in hits if h.question_id not in names]
        names.update(Question.objects.filter(pk__in=missing).values_list("pk", "external_id"))
        return [names[h.question_id] for h in hits]

    return rank


def consumer_run(*, messages_path: Path, progress: Progress | None = None) -> ConsumerReport:
    """Message -> summary and summary -> summary, on both halves."""
    messages = messages_read(path=messages_path)
    with summaries_added(messages):
        return consumer_evaluate(messages=messages, rank=ask_ranker(), progress=progress)


def question_keys() -> dict[str, frozenset[Key]]:
    """External id -> the keys naming its topic, for every question in the database."""
    from healthqa.kb.models import Question

    return {external_id: names_keys(focus, synonyms or []) for external_id, focus, synonyms
            in Question.objects.values_list("external_id", "focus", "focus_synonyms")}


def topic_first_run(*, medquad_dir: Path, limit: int | None = None,
                    progress: Progress | None = None) -> TopicFirstReport:
    """Every MedQuAD topic (or the first `limit` in name order) in every template."""
    topics = topics_of(medquad_corpus_read(medquad_dir=Path(medquad_dir)))
    if limit is not None:
        topics = topics[:: max(1, len(topics) // limit)][:limit]
    rank = ask_ranker(k=1)
    return topic_first_evaluate(topics=topics, keys=question_keys(), templates=TEMPLATES,
                                first=lambda q: next(iter(rank(q)), None), progress=progress)
