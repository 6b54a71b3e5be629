"""Real readers' messages (../shared/data/consumer-questions): each message searched as /ask
searches it, and the rank of the expert's one-line summary of it, put among the knowledge
base's questions as an extra candidate.

Pure Python: reading, splitting into halves and scoring; runner.py puts the summaries in the
database and asks the engine.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from healthqa.evaluation.metrics import mrr_at, recall_at

MESSAGES_FILE = "chq-summaries.jsonl"
SEED = 14  # the halves: fixed, so the tuning half never changes
TUNING, CHECKING = "tuning half", "checking half"
ID_PREFIX = "consumer-eval/"  # external ids of the summaries put in the database
MESSAGE, SUMMARY = "message", "summary"  # what is searched


@dataclass(frozen=True)
class Message:
    id: str  # "<collection>:<original id>"
    message: str  # as the person wrote it
    summary: str  # the expert's one-line question

    @property
    def external_id(self) -> str:
        """The external id of its summary in the database (within the 200 characters)."""
        return (ID_PREFIX + self.id)[:200]


class MessagesError(ValueError):
    """The messages file is missing or malformed (the message names file and line)."""


def messages_read(*, path: Path) -> list[Message]:
    """Every message with its summary, in file order."""
    path = Path(path)
    if path.is_dir():
        path = path / MESSAGES_FILE
    if not path.is_file():
        raise MessagesError(f"{path}: no such file (the consumer questions' {MESSAGES_FILE})")
    out: list[Message] = []
    seen: set[str] = set()
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
                item = Message(id=str(obj["id"]), message=str(obj["question"]),
                               summary=str(obj["summary"]))
            except (ValueError, KeyError, TypeError) as e:
                raise MessagesError(f"{path}, line {n}: not a message with id, question and "
                                    f"summary ({e})") from e
            if not (item.id and item.message.strip() and item.summary.strip()):
                raise MessagesError(f"{path}, line {n}: empty id, question or summary")
            if item.external_id in seen:
                raise MessagesError(f"{path}, line {n}: id {item.id!r} is repeated")
            seen.add(item.external_id)
            out.append(item)
    if not out:
        raise MessagesError(f"{path}: no messages")
    return out


def messages_halves(messages: Sequence[Message], *, seed: int = SEED
                    ) -> dict[str, list[Message]]:
    """The tuning half and the checking half: a shuffle by a fixed seed, cut in two."""
    order = sorted(messages, key=lambda m: m.id)
    random.Random(f"healthqa-consumer/{seed}").shuffle(order)
    half = len(order) // 2
    return {TUNING: order[:half], CHECKING: order[half:]}


@dataclass(frozen=True)
class Scores:
    queries: int
    mrr: float
    mrr_se: float  # standard error of the mean reciprocal rank
    recall: float


def scores_of(*, run: Mapping[str, Sequence[str]], wanted: Mapping[str, str],
              k: int = 10) -> Scores:
    """MRR@k (with its standard error) and Recall@k of each query's one wanted question."""
    qrels = {q: {wanted[q]: 1} for q in run}
    ranks = [1.0 / (ids.index(wanted[q]) + 1) if wanted[q] in ids[:k] else 0.0
             for q, ids in run.items()]
    n = len(ranks)
    mean = sum(ranks) / n if n else 0.0
    var = sum((r - mean) ** 2 for r in ranks) / (n - 1) if n > 1 else 0.0
    return Scores(queries=n, mrr=mrr_at(run=dict(run), qrels=qrels, k=k),
                  mrr_se=math.sqrt(var / n) if n else 0.0,
                  recall=recall_at(run=dict(run), qrels=qrels, k=k))


Ranked = Callable[[str], Sequence[str]]  # query text -> external ids, best first


@dataclass(frozen=True)
class ConsumerReport:
    k: int
    # half -> what is searched (MESSAGE or SUMMARY) -> scores
    halves: dict[str, dict[str, Scores]]
    by_length: dict[str, Scores]  # the messages of both halves by length in words


LENGTHS = ((0, 30), (30, 60), (60, 120), (120, None))


def _length_label(lo: int, hi: int | None) -> str:
    return f"{lo}+ words" if hi is None else f"{lo}-{hi - 1} words"


def consumer_evaluate(*, messages: Sequence[Message], rank: Ranked, k: int = 10,
                      progress: Callable[[Iterable[Message], str], Iterable[Message]]
                      | None = None) -> ConsumerReport:
    """Search every message and every summary; score where its own summary ranks."""
    wanted = {m.external_id: m.external_id for m in messages}
    runs: dict[str, dict[str, list[str]]] = {MESSAGE: {}, SUMMARY: {}}
    for what in (MESSAGE, SUMMARY):
        items = progress(messages, what) if progress is not None else messages
        for m in items:
            runs[what][m.external_id] = list(rank(getattr(m, what)))[:k]
    halves = {name: {what: scores_of(run={m.external_id: runs[what][m.external_id]
                                          for m in part}, wanted=wanted, k=k)
                     for what in (MESSAGE, SUMMARY)}
              for name, part in messages_halves(messages).items()}
    by_length = {}
    for lo, hi in LENGTHS:
        ids = [m.external_id for m in messages
               if lo <= len(m.message.split()) and (hi is None or len(m.message.split()) < hi)]
        if ids:
            by_length[_length_label(lo, hi)] = scores_of(
                run={q: runs[MESSAGE][q] for q in ids}, wanted=wanted, k=k)
    return ConsumerReport(k=k, halves=halves, by_length=by_length)


def consumer_markdown(report: ConsumerReport) -> str:
    """The figures as Markdown tables."""
    k = report.k
    lines = ["### Real messages: where the expert's summary ranks", "",
             f"| half | searched | queries | MRR@{k} | ± se | Recall@{k} |",
             "| --- | --- | ---: | ---: | ---: | ---: |"]
    for half, by in report.halves.items():
        for what, s in by.items():
            lines.append(f"| {half} | {what} | {s.queries} | {s.mrr:.3f} | {s.mrr_se:.3f} | "
                         f"{s.recall:.3f} |")
    lines += ["", f"Messages by length (both halves), MRR@{k}:", "",
              f"| length | messages | MRR@{k} | Recall@{k} |", "| --- | ---: | ---: | ---: |"]
    for label, s in report.by_length.items():
        lines.append(f"| {label} | {s.queries} | {s.mrr:.3f} | {s.recall:.3f} |")
    return "\n".join([*lines, ""])
