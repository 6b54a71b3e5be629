"""Fairness between articles: an article with several long answers (the demo content) must not
outrank a better match only because it has more text.

The demo content is put among the questions twice, once as shipped (two or three long answers
each) and once cut to one short answer each, and the same queries are ranked with each. Were
length an advantage, the demo articles would rank higher with their long answers. Needs Django
set up, like runner.py; the demo questions are removed afterwards.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from importlib import resources

from healthqa.evaluation.metrics import mrr_at
from healthqa.evaluation.readers import questions_added
from healthqa.kb.records import QuestionRecord

ID_PREFIX = "fairness-eval/"
SHORT = 300  # characters of the one short answer


def demo_records(*, short: bool) -> list[QuestionRecord]:
    """The demo content's questions under evaluation ids, as shipped or cut short."""
    from healthqa.importers.jsonl import jsonl_parse_line

    text = resources.files("healthqa.demo").joinpath("content.jsonl").read_text("utf-8")
    records = []
    for line in text.splitlines():
        if not line.strip():
            continue
        record = jsonl_parse_line(line)
        answers = record.answers
        if short and answers:
            first = answers[0].body.split("\n\n")[0][:SHORT]
            answers = (replace(answers[0], body=first),)
        records.append(replace(record, external_id=(ID_PREFIX + record.external_id)[:200],
                               answers=answers))
    return records


def demo_added(*, short: bool) -> contextlib.AbstractContextManager[None]:
    """The demo content, as shipped or cut short, among the questions for the block."""
    return questions_added(records=demo_records(short=short), prefix=ID_PREFIX,
                           comment="healthqa eval: fairness")


@dataclass(frozen=True)
class FairnessRow:
    demo: str  # "not loaded", "as shipped", "one short answer"
    dev_mrr: float
    demo_first: int  # queries whose first answer is a demo article


@dataclass(frozen=True)
class FairnessReport:
    queries: int
    rows: list[FairnessRow]
    higher_long: int  # queries where a demo article ranks higher with its long answers
    higher_short: int  # ... with one short answer


Ranker = Callable[[str], Sequence[str]]


def _best_demo_rank(ids: Sequence[str]) -> int:
    return next((i for i, e in enumerate(ids) if e.startswith(ID_PREFIX)), len(ids))


def fairness_evaluate(*, queries: Mapping[str, str], qrels: Mapping[str, Mapping[str, int]],
                      rank: Ranker, load: Callable[[str], contextlib.AbstractContextManager]
                      ) -> FairnessReport:
    """Rank the queries with no demo, the demo as shipped and the demo cut short."""
    runs: dict[str, dict[str, list[str]]] = {}
    for demo in ("not loaded", "as shipped", "one short answer"):
        with load(demo):
            runs[demo] = {q: list(rank(text)) for q, text in queries.items()}
    judged = {q: dict(qrels[q]) for q in queries if q in qrels}
    rows = [FairnessRow(demo=demo, dev_mrr=mrr_at(run={q: run[q] for q in judged},
                                                  qrels=judged, k=10),
                        demo_first=sum(1 for ids in run.values()
                                       if ids and ids[0].startswith(ID_PREFIX)))
            for demo, run in runs.items()]
    long, short = runs["as shipped"], runs["one short answer"]
    higher_long = sum(_best_demo_rank(long[q]) < _best_demo_rank(short[q]) for q in queries)
    higher_short = sum(_best_demo_rank(short[q]) < _best_demo_rank(long[q]) for q in queries)
    return FairnessReport(queries=len(queries), rows=rows, higher_long=higher_long,
                          higher_short=higher_short)


def demo_loader(demo: str) -> contextlib.AbstractContextManager:
    """The database with the demo content as `demo` says (fairness_evaluate's rows)."""
    if demo == "not loaded":
        return contextlib.nullcontext()
    return demo_added(short=demo == "one short answer")


def fairness_markdown(report: FairnessReport, *, judged: int) -> str:
    lines = [f"### Fairness between articles: the demo content beside the questions "
             f"({report.queries:,} queries)", "",
             f"| demo content | dev-set MRR@10 ({judged:,} judged queries) | "
             "queries answered first by a demo article |", "| --- | ---: | ---: |"]
    lines += [f"| {r.demo} | {r.dev_mrr:.3f} | {r.demo_first:,} |" for r in report.rows]
    lines += ["", f"A demo article ranks higher with its long answers than with one short "
              f"answer for {report.higher_long:,} queries, and lower for "
              f"{report.higher_short:,}.", ""]
    return "\n".join(lines)
