"""A development set built reproducibly from MedQuAD: consumer-style queries and their qrels.

Each query rewrites one answered MedQuAD question (rewrite.py). Relevant to it are all MedQuAD
questions with the same focus and question type: the source and its duplicates across files
and subsets, answered or not (an unanswered one still leads the reader to the answer at its
source). Sampling is stratified over subsets, then question types, as evenly as the corpus
allows, so the set is not eleven parts GARD and GHR; one question is drawn per duplicate group.

Reproducible: every random choice comes from `random.Random` seeded with strings (hashed with
SHA-512 by Python, not with the per-process `hash()`), and every collection is iterated in
sorted order.
"""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from healthqa.evaluation.rewrite import SourceQuestion, question_rewrite
from healthqa.evaluation.trec import qrels_read, qrels_write, queries_read, queries_write

QUERIES_FILE, QRELS_FILE, TRANSFORMATIONS_FILE = "queries.tsv", "qrels.txt", "transformations.json"


@dataclass(frozen=True)
class CorpusQuestion:
    """What the dev set needs to know of one MedQuAD question."""

    source: SourceQuestion
    answered: bool

    @property
    def group(self) -> tuple[str, str]:
        """Questions sharing focus and question type ask the same thing."""
        return (re.sub(r"\s+", " ", self.source.focus).strip().casefold(), self.source.qtype)


@dataclass(frozen=True)
class DevQuery:
    qid: str
    text: str
    source: SourceQuestion
    transformations: tuple[str, ...]
    details: dict[str, str | list[str]]
    relevant: tuple[str, ...]  # external ids, the source first


@dataclass(frozen=True)
class DevSet:
    seed: int
    queries: tuple[DevQuery, ...]


@dataclass(frozen=True)
class DevSetSummary:
    out_dir: Path
    size: int
    seed: int
    long_queries: int
    judgements: int
    transformations: dict[str, int] = field(default_factory=dict)
    subsets: dict[str, int] = field(default_factory=dict)
    question_types: dict[str, int] = field(default_factory=dict)


def medquad_corpus_read(*, medquad_dir: Path) -> list[CorpusQuestion]:
    """Every MedQuAD question, read with the importer's parser so external ids agree."""
    from healthqa.importers.medquad import medquad_read
    from healthqa.importers.units import UnitError

    corpus: list[CorpusQuestion] = []
    for unit in medquad_read(Path(medquad_dir)):
        if isinstance(unit, UnitError):
            raise ValueError(f"{unit.path}: {unit.reason}")
        for record in unit.records:
            corpus.append(CorpusQuestion(
                source=SourceQuestion(
                    external_id=record.external_id, subset=record.external_id.split("/")[0],
                    focus=record.focus, synonyms=record.focus_synonyms,
                    qtype=record.question_type, question=record.title),
                answered=bool(record.answers)))
    if not corpus:
        raise ValueError(f"no MedQuAD questions under {medquad_dir}")
    return corpus


def _allocate(total: int, capacity: Mapping[str, int], rng: random.Random) -> dict[str, int]:
    """Split `total` over the keys as evenly as their capacities allow (water-filling)."""
    share = dict.fromkeys(sorted(capacity), 0)
    left = total
    while left > 0:
        open_keys = [k for k in share if share[k] < capacity[k]]
        if not open_keys:
            raise ValueError(f"asked for {total} questions but only {sum(share.values())} fit")
        each, extra = divmod(left, len(open_keys))
        lucky = set(rng.sample(open_keys, extra)) if each == 0 else set()
        for key in open_keys:
            give = min(max(each, 1 if key in lucky else 0), capacity[key] - share[key])
            share[key] += give
            left -= give
    return share


def _sample(
    corpus: Sequence[CorpusQuestion], size: int, rng: random.Random
) -> list[SourceQuestion]:
    """One answered representative per duplicate group, stratified by subset then type."""
    groups: dict[tuple[str, str], list[CorpusQuestion]] = {}
    for item in corpus:
        if item.answered and item.group[0]:
            groups.setdefault(item.group, []).append(item)
    strata: dict[str, dict[str, list[SourceQuestion]]] = {}
    for key in sorted(groups):
        members = sorted(groups[key], key=lambda c: c.source.external_id)
        chosen = rng.choice(members).source
        strata.setdefault(chosen.subset, {}).setdefault(chosen.qtype, []).append(chosen)
    per_subset = _allocate(size, {s: sum(map(len, t.values())) for s, t in strata.items()}, rng)
    picked: list[SourceQuestion] = []
    for subset, count in per_subset.items():
        by_type = strata[subset]
        per_type = _allocate(count, {t: len(q) for t, q in by_type.items()}, rng)
        for qtype, n in per_type.items():
            picked.extend(rng.sample(by_type[qtype], n))
    return sorted(picked, key=lambda s: s.external_id)


def devset_make(*, corpus: Sequence[CorpusQuestion], size: int = 1000, seed: int = 13) -> DevSet:
    """The dev set for this corpus, size and seed: the same inputs give the same set."""
    rng = random.Random(f"healthqa-devset/{seed}")
    sources = _sample(corpus, size, rng)
    rng.shuffle(sources)  # so any prefix of the set is itself a random sample
    members: dict[tuple[str, str], list[str]] = {}
    for item in corpus:
        members.setdefault(item.group, []).append(item.source.external_id)
    by_id = {item.source.external_id: item for item in corpus}
    queries = []
    for n, source in enumerate(sources, start=1):
        # Per-question generator: one question's rewrite does not shift every later one.
        rewrite = question_rewrite(source=source, long=n % 2 == 1,
                                   rng=random.Random(f"healthqa-devset/{seed}/{source.external_id}"))
        duplicates = sorted(set(members[by_id[source.external_id].group]) - {source.external_id})
        queries.append(DevQuery(
            qid=f"d{n:04d}", text=rewrite.text, source=source,
            transformations=rewrite.transformations, details=rewrite.details,
            relevant=(source.external_id, *duplicates)))
    return DevSet(seed=seed, queries=tuple(queries))


def _counts(values: Iterable[str]) -> dict[str, int]:
    return dict(sorted(Counter(values).items()))


def devset_summarize(*, devset: DevSet, out_dir: Path) -> DevSetSummary:
    """Counts of what the dev set holds."""
    qs = devset.queries
    return DevSetSummary(
        out_dir=Path(out_dir), size=len(qs), seed=devset.seed,
        long_queries=sum("story" in q.transformations for q in qs),
        judgements=sum(len(q.relevant) for q in qs),
        transformations=_counts(t for q in qs for t in q.transformations),
        subsets=_counts(q.source.subset for q in qs),
        question_types=_counts(q.source.qtype for q in qs))


def devset_write(*, devset: DevSet, out_dir: Path) -> DevSetSummary:
    """Write queries.tsv, qrels.txt (TREC) and transformations.json into out_dir."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    queries_write(queries={q.qid: q.text for q in devset.queries}, out=out_dir / QUERIES_FILE)
    qrels_write(qrels={q.qid: dict.fromkeys(q.relevant, 1) for q in devset.queries},
                out=out_dir / QRELS_FILE)
    summary = devset_summarize(devset=devset, out_dir=out_dir)
    document = {
        "seed": devset.seed, "size": summary.size, "long_queries": summary.long_queries,
        "transformation_counts": summary.transformations,
        "queries": [{
            "qid": q.qid, "query": q.text, "transformations": list(q.transformations),
            "details": q.details, "source_id": q.source.external_id,
            "source_question": q.source.question, "subset": q.source.subset,
            "question_type": q.source.qtype, "focus": q.source.focus,
            "relevant": list(q.relevant)} for q in devset.queries],
    }
    text = json.dumps(document, indent=1, ensure_ascii=False, sort_keys=True) + "\n"
    (out_dir / TRANSFORMATIONS_FILE).write_text(text, encoding="utf-8", newline="\n")
    return summary


def devset_build(*, medquad_dir: Path, out_dir: Path, size: int = 1000,
                 seed: int = 13) -> DevSetSummary:
    """Read MedQuAD, make the dev set and write it into out_dir."""
    corpus = medquad_corpus_read(medquad_dir=Path(medquad_dir))
    return devset_write(devset=devset_make(corpus=corpus, size=size, seed=seed), out_dir=out_dir)


@dataclass(frozen=True)
class DevSetFiles:
    """A dev set as read back from its folder: what evaluation needs."""

    queries: dict[str, str]
    qrels: dict[str, dict[str, int]]
    transformations: dict[str, tuple[str, ...]]


def devset_load(*, folder: Path) -> DevSetFiles:
    """Read a dev set written by devset_write."""
    folder = Path(folder)
    queries = queries_read(path=folder / QUERIES_FILE)
    qrels = qrels_read(path=folder / QRELS_FILE)
    document = json.loads((folder / TRANSFORMATIONS_FILE).read_text(encoding="utf-8"))
    transformations = {q["qid"]: tuple(q["transformations"]) for q in document["queries"]}
    missing = sorted(set(queries) - set(qrels))
    if missing:
        raise ValueError(f"{folder / QRELS_FILE}: no judgements for {', '.join(missing[:5])}")
    return DevSetFiles(queries=queries, qrels=qrels, transformations=transformations)
