"""The engine wired to the evaluation toolkit: rankers, the RQE match score, `healthqa eval`.

The rest of healthqa.evaluation is pure Python; this module drives the search engine, so it
needs Django set up (the CLI does that) and a database holding the full MedQuAD import.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from healthqa.evaluation.consumer import ConsumerReport, consumer_markdown, messages_read
from healthqa.evaluation.devset import (
    DevSetFiles,
    devset_load,
    devset_make,
    devset_write,
    medquad_corpus_read,
)
from healthqa.evaluation.fairness import (
    FairnessReport,
    demo_loader,
    fairness_evaluate,
    fairness_markdown,
)
from healthqa.evaluation.readers import ask_ranker, consumer_run, topic_first_run
from healthqa.evaluation.report import (
    DevSetReport,
    MatchScorer,
    Ranker,
    RqeReport,
    Run,
    devset_score,
    report_markdown,
    rqe_evaluate,
)
from healthqa.evaluation.rqe import RqePair, rqe_pairs_read
from healthqa.evaluation.topics import TopicFirstReport, misses_write, topic_first_markdown
from healthqa.evaluation.trec import run_write
from healthqa.search.encoder import Encoder

RANKERS = {"lexical": "lexical", "dense": "dense", "fused": "hybrid"}  # report name -> searcher
RQE_TRAIN, RQE_VALIDATION = "rqe-train.xml", "rqe-validation.xml"
TUNING, HELD_OUT = "tuning half", "held-out half"


class NotImported(RuntimeError):
    """The database does not hold the questions the dev set was built from."""


def external_ids() -> dict[int, str]:
    """Question id -> external id, for every question (runs name questions by external id)."""
    from healthqa.kb.models import Question

    return dict(Question.objects.values_list("pk", "external_id"))


def engine_ranker(*, kind: str, names: Mapping[int, str] | None = None) -> Ranker:
    """A dev-set ranker over searcher(kind): external ids and scores, best first."""
    from healthqa.search.engine import searcher

    search = searcher(kind)
    ids = names if names is not None else external_ids()

    def rank(query: str, k: int) -> list[tuple[str, float]]:
        return [(ids[h.question_id], h.score) for h in search.search(query, k=k)]

    return rank


# --- Batch runs, as `healthqa search` writes them ------------------------------------------

@dataclass(frozen=True)
class RankedQuestion:
    """One search result with what a run file or a listing needs of its question."""

    question_id: int
    external_id: str
    title: str
    score: float
    match: float | None


def search_run(*, queries: Mapping[str, str], kind: str = "hybrid", k: int = 10,
               progress: bool = False) -> dict[str, list[RankedQuestion]]:
    """Every query ranked by searcher(kind) ('hybrid' ranks as /ask does), in file order."""
    from healthqa.kb.models import Question
    from healthqa.search.engine import searcher

    search = searcher(kind)
    items: Iterable[tuple[str, str]] = queries.items()
    if progress:
        from tqdm import tqdm

        items = tqdm(items, total=len(queries), desc="searching", unit=" queries")
    hits = {qid: search.search(text, k=k) for qid, text in items}
    wanted = {h.question_id for ranked in hits.values() for h in ranked}
    rows = {pk: (external_id, title) for pk, external_id, title in Question.objects.filter(
        pk__in=wanted).values_list("pk", "external_id", "title")}
    return {qid: [RankedQuestion(question_id=h.question_id, external_id=rows[h.question_id][0],
                                 title=rows[h.question_id][1], score=h.score, match=h.match)
                  for h in ranked if h.question_id in rows]
            for qid, ranked in hits.items()}


# --- RQE: the match score of a consumer question and an FAQ, as ask computes it -------------

def pair_features(*, chq: str, faq: str) -> tuple[float, float]:
    """Type agreement and focus overlap of a consumer question with a candidate question text.

    Ask knows a candidate's question type and focus from the knowledge base; an RQE FAQ is
    bare text, so both are read from it: its type with the same intent rules as the reader's
    question, its focus as its words that do not name a question type.
    """
    from healthqa.search.intent import focus_words, question_types
    from healthqa.search.match import focus_overlap, type_agreement_sets
    from healthqa.search.text import stem_words

    agree = type_agreement_sets(question_types(chq), question_types(faq))
    focus = focus_overlap(set(stem_words(chq)), (focus_words(faq),))
    return agree, focus


def rqe_match_score(*, chq: str, faq: str, encoder: Encoder | None = None) -> float:
    """The match score ask gives `faq` as an answer to `chq` (its confidence is read from it)."""
    from healthqa.search.engine import encoder as engine_encoder
    from healthqa.search.match import match_score

    enc = encoder or engine_encoder()
    a, b = enc.encode([chq.strip(), faq.strip()])
    agree, focus = pair_features(chq=chq, faq=faq)
    return match_score(cosine=float(a @ b), type_agree=agree, focus=focus)


def rqe_scorer(*, pairs: Iterable[RqePair], encoder: Encoder | None = None) -> MatchScorer:
    """rqe_match_score with every text of these pairs embedded up front, in batches."""
    from healthqa.search.engine import encoder as engine_encoder
    from healthqa.search.match import match_score

    enc = encoder or engine_encoder()
    texts = sorted({t.strip() for p in pairs for t in (p.chq, p.faq)})
    vectors = enc.encode(texts) if texts else np.zeros((0, enc.dim), dtype=np.float32)
    row = {t: i for i, t in enumerate(texts)}

    def score(chq: str, faq: str) -> float:
        cosine = float(vectors[row[chq.strip()]] @ vectors[row[faq.strip()]])
        agree, focus = pair_features(chq=chq, faq=faq)
        return match_score(cosine=cosine, type_agree=agree, focus=focus)

    return score


def rqe_run(*, rqe_dir: Path, encoder: Encoder | None = None) -> RqeReport:
    """ROC AUC and accuracy of the match score on the RQE pairs; also at CONFIDENT_AT."""
    from healthqa.search.match import CONFIDENT_AT

    train = rqe_pairs_read(path=Path(rqe_dir) / RQE_TRAIN)
    validation = rqe_pairs_read(path=Path(rqe_dir) / RQE_VALIDATION)
    score = rqe_scorer(pairs=[*train, *validation], encoder=encoder)
    return rqe_evaluate(score=score, train=train, validation=validation, threshold=CONFIDENT_AT)


# --- The dev set -----------------------------------------------------------------------------

def devset_subset(*, devset: DevSetFiles, qids: Iterable[str]) -> DevSetFiles:
    """The same dev set restricted to some queries."""
    keep = [q for q in qids if q in devset.queries]
    return DevSetFiles(queries={q: devset.queries[q] for q in keep},
                       qrels={q: devset.qrels[q] for q in keep},
                       transformations={q: devset.transformations.get(q, ()) for q in keep})


def devset_halves(*, devset: DevSetFiles) -> dict[str, DevSetFiles]:
    """The tuning half (queries 1-2, 5-6, 9-10...) and the held-out half (3-4, 7-8...).

    Alternating pairs rather than odd and even numbers: the dev set wraps every odd-numbered
    query in a story, so an odd/even split would tune on short queries only.
    """
    def number(qid: str) -> int:
        digits = "".join(c for c in qid if c.isdigit())
        return int(digits) if digits else 0

    tuning = [q for q in devset.queries if (number(q) - 1) // 2 % 2 == 0]
    held_out = [q for q in devset.queries if (number(q) - 1) // 2 % 2 == 1]
    return {TUNING: devset_subset(devset=devset, qids=tuning),
            HELD_OUT: devset_subset(devset=devset, qids=held_out)}


def devset_check_imported(*, devset: DevSetFiles, names: Mapping[int, str]) -> None:
    """Fail early, naming the fix, when the database lacks the dev set's source questions."""
    known = set(names.values())
    sources = [next(iter(judged)) for judged in devset.qrels.values() if judged]
    missing = [s for s in sources if s not in known]
    if len(missing) > len(sources) // 100:
        raise NotImported(
            f"{len(missing):,} of the dev set's {len(sources):,} source questions are not in "
            f"this database (e.g. {missing[0]}): run `healthqa import medquad PATH` first")


@dataclass(frozen=True)
class EvaluationResult:
    devset: DevSetReport
    halves: dict[str, DevSetReport]
    rqe: RqeReport | None
    markdown: str
    report_path: Path
    consumer: ConsumerReport | None = None
    topics: TopicFirstReport | None = None
    fairness: FairnessReport | None = None


def _halves_table(halves: Mapping[str, DevSetReport]) -> list[str]:
    lines = ["### Tuning half and held-out half", "",
             "| half | queries | ranking | MRR@10 | Recall@10 |",
             "| --- | ---: | --- | ---: | ---: |"]
    for half, report in halves.items():
        for ranker, s in report.groups["all queries"].items():
            lines.append(f"| {half} | {s.queries} | {ranker} | {s.mrr:.3f} | {s.recall:.3f} |")
    return [*lines, ""]


def settings_markdown() -> str:
    """What the figures were measured with: encoder, fusion weights, thresholds."""
    from healthqa.search.backends import lexical_backend
    from healthqa.search.engine import encoder
    from healthqa.search.match import CONFIDENT_AT, WEIGHTS

    return (f"Encoder `{encoder().name}`; weights {WEIGHTS}; lexical ranking: "
            f"{lexical_backend().ranking}; CONFIDENT_AT {CONFIDENT_AT}.\n")


def _progress(enabled: bool, unit: str) -> Callable[[Iterable, str], Iterable] | None:
    if not enabled:
        return None
    from tqdm import tqdm

    return lambda items, label: tqdm(items, desc=f"{label}", unit=unit)


def evaluation_run(*, medquad_dir: Path, rqe_dir: Path | None, out_dir: Path, size: int = 1000,
                   seed: int = 13, progress: bool = False, tune: bool = False,
                   messages: Path | None = None, topics: int | None = 0,
                   fairness: bool = False,
                   echo: Callable[[str], None] | None = None) -> EvaluationResult:
    """Build the dev set, rank it with lexical, dense and fused search, score RQE, then real
    messages (when `messages` names them) and the named topic (every topic when `topics` is
    None, that many when a number, not at all when 0) and, with `fairness`, whether the demo
    content's long answers give it an edge; write it all up."""
    say = echo or (lambda _: None)
    out_dir = Path(out_dir)
    if messages is not None:
        messages_read(path=Path(messages))  # a malformed file is refused before the long work
    say(f"building the dev set ({size:,} queries, seed {seed}) from {medquad_dir}")
    corpus = medquad_corpus_read(medquad_dir=Path(medquad_dir))
    devset_write(devset=devset_make(corpus=corpus, size=size, seed=seed),
                 out_dir=out_dir / "devset")
    devset = devset_load(folder=out_dir / "devset")
    names = external_ids()
    devset_check_imported(devset=devset, names=names)

    runs: dict[str, Run] = {}
    (out_dir / "runs").mkdir(parents=True, exist_ok=True)
    for name, kind in RANKERS.items():
        rank = engine_ranker(kind=kind, names=names)
        items: Iterable[tuple[str, str]] = devset.queries.items()
        if progress:
            from tqdm import tqdm

            items = tqdm(items, total=len(devset.queries), desc=f"{name} ranking", unit=" queries")
        runs[name] = {qid: list(rank(text, 10)) for qid, text in items}
        run_write(run=runs[name], tag=f"healthqa-{name}", out=out_dir / "runs" / f"{name}.trec")
    report = devset_score(devset=devset, runs=runs)
    parts = devset_halves(devset=devset)
    halves = {half: devset_score(devset=part, runs=runs) for half, part in parts.items()}
    tuning = ""
    if tune:
        from healthqa.evaluation.tuning import tuning_markdown

        say("grid-searching the fusion weights on the tuning half")
        tuning = tuning_markdown(devset=devset, halves=parts, progress=progress)

    rqe = None
    if rqe_dir is not None:
        say(f"scoring the RQE pairs in {rqe_dir}")
        rqe = rqe_run(rqe_dir=Path(rqe_dir))
    consumer = None
    if messages is not None:
        say(f"searching the real messages in {messages}, their summaries among the questions")
        consumer = consumer_run(messages_path=Path(messages),
                                progress=_progress(progress, " messages"))
    topic_report = None
    if topics != 0:
        say("asking every template of " + ("every MedQuAD topic" if topics is None
                                           else f"{topics:,} MedQuAD topics"))
        topic_report = topic_first_run(medquad_dir=Path(medquad_dir), limit=topics,
                                       progress=_progress(progress, " topics"))
    fair = None
    if fairness:
        say("ranking the dev set and the messages beside the demo content, long and cut short")
        queries = dict(devset.queries)
        if messages is not None:
            queries.update({f"message:{m.id}": m.message
                            for m in messages_read(path=Path(messages))})
        fair = fairness_evaluate(queries=queries, qrels=devset.qrels, rank=ask_ranker(),
                                 load=demo_loader)
    markdown = "\n".join([
        f"## healthqa evaluation (dev set: {size:,} queries, seed {seed})", "",
        settings_markdown(), report_markdown(devset=report, rqe=rqe), *_halves_table(halves),
        consumer_markdown(consumer) if consumer else "",
        topic_first_markdown(topic_report) if topic_report else "",
        fairness_markdown(fair, judged=len(devset.queries)) if fair else "", tuning])
    path = out_dir / "evaluation.md"
    path.write_text(markdown, encoding="utf-8")
    if topic_report is not None:
        misses_write(report=topic_report, out=out_dir / "topic-misses.tsv")
    return EvaluationResult(devset=report, halves=halves, rqe=rqe, markdown=markdown,
                            report_path=path, consumer=consumer, topics=topic_report,
                            fairness=fair)
