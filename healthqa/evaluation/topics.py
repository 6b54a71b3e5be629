"""The named topic first: everyday questions built from MedQuAD's own topics, and whether the
best answer is about the topic the question names.

Each MedQuAD focus is one topic (its decorations dropped: "Parasites - Scabies" is "Scabies");
foci whose names have the same words, in any order and case, are one topic ("Diabetes Type 2",
"type 2 diabetes"). A question about a topic is asked in several templates ("{topic} side
effects?"), and the best-ranked question counts as on the topic when its focus or one of its
focus's synonyms names the same topic, or the topic's own synonyms name it. Pure Python: the
runner (runner.py) asks the engine.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from healthqa.evaluation.devset import CorpusQuestion
from healthqa.search.names import focus_plain
from healthqa.search.text import stem_words

# Everyday ways of asking about a topic; each is asked of every topic.
TEMPLATES: dict[str, str] = {
    "what is": "What is {topic}?",
    "side effects": "{topic} side effects?",
    "is it serious": "Is {topic} serious?",
    "my doctor said": "My doctor said I have {topic}. What does that mean for me?",
    "treatment": "{topic} treatment",
}

Key = frozenset[str]


def topic_name(focus: str) -> str:
    """The name a topic is asked by (healthqa.search.names.focus_plain)."""
    return focus_plain(focus)


def topic_key(name: str) -> Key:
    """The words of a name, plurals folded, in no order: names with the same key are one."""
    return frozenset(stem_words(name))


def names_keys(focus: str, synonyms: Iterable[str]) -> frozenset[Key]:
    """The keys of a focus and its synonyms, each as written and as topic_name gives it."""
    keys = {topic_key(n) for name in (focus, *synonyms) for n in (name, topic_name(name))}
    return frozenset(k for k in keys if k)


@dataclass(frozen=True)
class Topic:
    key: Key
    name: str  # as asked: topic_name of its first focus, in external-id order
    same: frozenset[Key]  # keys that name this topic: its foci's and their synonyms'


def topics_of(corpus: Sequence[CorpusQuestion]) -> list[Topic]:
    """Every topic of the corpus, in order of name."""
    names: dict[Key, str] = {}
    same: dict[Key, set[Key]] = {}
    for item in sorted(corpus, key=lambda c: c.source.external_id):
        name = topic_name(item.source.focus)
        key = topic_key(name)
        if not key:
            continue
        names.setdefault(key, name)
        same.setdefault(key, {key}).update(names_keys(item.source.focus, item.source.synonyms))
    topics = [Topic(key=k, name=names[k], same=frozenset(same[k])) for k in names]
    return sorted(topics, key=lambda t: (t.name.casefold(), t.name))


def question_keys(corpus: Sequence[CorpusQuestion]) -> dict[str, frozenset[Key]]:
    """External id -> the keys that name its topic."""
    return {c.source.external_id: names_keys(c.source.focus, c.source.synonyms) for c in corpus}


@dataclass(frozen=True)
class TopicMiss:
    template: str
    query: str
    topic: str
    first: str  # external id of the question ranked first ("" when nothing was found)


@dataclass(frozen=True)
class TopicFirstReport:
    topics: int
    at_one: dict[str, float]  # template -> share of topics whose first answer is on the topic
    misses: dict[str, list[TopicMiss]]  # template -> the misses, in topic order


TopRanker = Callable[[str], str | None]  # query -> external id of the first question, if any


def topic_first_evaluate(*, topics: Sequence[Topic], keys: Mapping[str, frozenset[Key]],
                         first: TopRanker, templates: Mapping[str, str] = TEMPLATES,
                         progress: Callable[[Iterable[Topic], str], Iterable[Topic]]
                         | None = None) -> TopicFirstReport:
    """Ask every template of every topic; count those whose first answer is on the topic.

    An answer is on the topic when the keys naming its own topic meet the topic's keys.
    """
    at_one: dict[str, float] = {}
    misses: dict[str, list[TopicMiss]] = {}
    for template, pattern in templates.items():
        hits, missed = 0, []
        items = progress(topics, template) if progress is not None else topics
        for topic in items:
            query = pattern.format(topic=topic.name)
            best = first(query) or ""
            if keys.get(best, frozenset()) & topic.same:
                hits += 1
            else:
                missed.append(TopicMiss(template=template, query=query, topic=topic.name,
                                        first=best))
        at_one[template] = hits / len(topics) if topics else 0.0
        misses[template] = missed
    return TopicFirstReport(topics=len(topics), at_one=at_one, misses=misses)


def topic_first_markdown(report: TopicFirstReport) -> str:
    """Share of topics whose first answer is on the topic, per template."""
    lines = [f"### The named topic first: {report.topics:,} MedQuAD topics", "",
             "| template | asked as | first answer on the topic | misses |",
             "| --- | --- | ---: | ---: |"]
    for template, share in report.at_one.items():
        example = TEMPLATES.get(template, "").format(topic="X")
        lines.append(f"| {template} | {example} | {share:.3f} | "
                     f"{len(report.misses[template]):,} |")
    return "\n".join([*lines, ""])


def misses_write(*, report: TopicFirstReport, out: Path) -> None:
    """Every miss as template, query and the external id ranked first (tab-separated)."""
    rows = ["template\tquery\tfirst"] + [
        f"{m.template}\t{m.query}\t{m.first}" for misses in report.misses.values()
        for m in misses]
    Path(out).write_text("\n".join(rows) + "\n", encoding="utf-8")
