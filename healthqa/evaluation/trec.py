"""TREC files: runs (`qid Q0 docid rank score tag`), qrels (`qid 0 docid rel`), queries.

Queries are `qid<TAB>text` lines, the format of pyserini's topic files and of
`healthqa search --queries`. Errors name the file and line so a bad file is easy to fix.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TextIO

Ranking = Sequence[tuple[str, float]]


class TrecFormatError(ValueError):
    """A line of a TREC file does not have the expected shape."""

    def __init__(self, path: Path | str, line_no: int, message: str) -> None:
        super().__init__(f"{path}:{line_no}: {message}")


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    """Non-blank lines with their 1-based numbers, without the line ending."""
    with open(path, encoding="utf-8", newline="") as handle:
        for line_no, line in enumerate(handle, start=1):
            line = line.rstrip("\r\n")
            if line.strip():
                yield line_no, line


def _check_token(value: str, what: str) -> None:
    if not value or any(c.isspace() for c in value):
        raise ValueError(f"{what} {value!r} must be non-empty and contain no whitespace")


def run_lines(*, run: Mapping[str, Ranking], tag: str) -> Iterator[str]:
    """The lines of a TREC run, ranks numbered from 1 in the order given, scores as repr."""
    _check_token(tag, "run tag")
    for qid, ranking in run.items():
        _check_token(qid, "query id")
        for rank, (docid, score) in enumerate(ranking, start=1):
            _check_token(docid, "document id")
            if not math.isfinite(score):
                raise ValueError(f"score of {docid!r} for query {qid!r} is not finite")
            # repr() is the shortest text that reads back as the same float.
            yield f"{qid} Q0 {docid} {rank} {float(score)!r} {tag}\n"


def run_write(*, run: Mapping[str, Ranking], tag: str, out: Path | str | TextIO) -> None:
    """Write a TREC run to a path or an open text stream (e.g. sys.stdout)."""
    _write(run_lines(run=run, tag=tag), out)


def run_read(*, path: Path | str) -> dict[str, list[tuple[str, float]]]:
    """Read a TREC run: per query, (docid, score) in rank order."""
    path = Path(path)
    rows: dict[str, list[tuple[int, str, float]]] = {}
    seen: set[tuple[str, str]] = set()
    for line_no, line in _lines(path):
        parts = line.split()
        if len(parts) != 6:
            raise TrecFormatError(
                path, line_no, f"expected 'qid Q0 docid rank score tag', got {len(parts)} fields")
        qid, _, docid, rank_text, score_text, _ = parts
        try:
            rank = int(rank_text)
            score = float(score_text)
        except ValueError:
            raise TrecFormatError(path, line_no,
                                  f"rank {rank_text!r} or score {score_text!r} is not a number"
                                  ) from None
        if (qid, docid) in seen:
            raise TrecFormatError(path, line_no, f"document {docid} ranked twice for {qid}")
        seen.add((qid, docid))
        rows.setdefault(qid, []).append((rank, docid, score))
    return {qid: [(docid, score) for _, docid, score in sorted(ranked, key=lambda r: r[0])]
            for qid, ranked in rows.items()}


def qrels_write(*, qrels: Mapping[str, Mapping[str, int]], out: Path | str | TextIO) -> None:
    """Write relevance judgements as `qid 0 docid rel` lines."""
    def lines() -> Iterator[str]:
        for qid, judged in qrels.items():
            _check_token(qid, "query id")
            for docid, rel in judged.items():
                _check_token(docid, "document id")
                yield f"{qid} 0 {docid} {int(rel)}\n"

    _write(lines(), out)


def qrels_read(*, path: Path | str) -> dict[str, dict[str, int]]:
    """Read relevance judgements: per query, docid -> relevance grade."""
    path = Path(path)
    qrels: dict[str, dict[str, int]] = {}
    for line_no, line in _lines(path):
        parts = line.split()
        if len(parts) != 4:
            raise TrecFormatError(path, line_no,
                                  f"expected 'qid 0 docid rel', got {len(parts)} fields")
        qid, _, docid, rel_text = parts
        try:
            rel = int(rel_text)
        except ValueError:
            raise TrecFormatError(path, line_no,
                                  f"relevance {rel_text!r} is not an integer") from None
        judged = qrels.setdefault(qid, {})
        if docid in judged:
            raise TrecFormatError(path, line_no, f"document {docid} judged twice for {qid}")
        judged[docid] = rel
    return qrels


def queries_write(*, queries: Mapping[str, str], out: Path | str | TextIO) -> None:
    """Write `qid<TAB>text` lines; text may not contain tabs or line breaks."""
    def lines() -> Iterator[str]:
        for qid, text in queries.items():
            _check_token(qid, "query id")
            if not text.strip() or any(c in text for c in "\t\r\n"):
                raise ValueError(f"query {qid!r} is empty or has a tab or line break")
            yield f"{qid}\t{text}\n"

    _write(lines(), out)


def queries_read(*, path: Path | str) -> dict[str, str]:
    """Read `qid<TAB>text` lines into an ordered qid -> text mapping."""
    path = Path(path)
    queries: dict[str, str] = {}
    for line_no, line in _lines(path):
        qid, tab, text = line.partition("\t")
        qid, text = qid.strip(), text.strip()
        if not tab or not qid or not text:
            raise TrecFormatError(path, line_no, "expected 'qid<TAB>text'")
        if qid in queries:
            raise TrecFormatError(path, line_no, f"query id {qid} appears twice")
        queries[qid] = text
    return queries


def _write(lines: Iterable[str], out: Path | str | TextIO) -> None:
    if isinstance(out, (str, Path)):
        text = "".join(lines)  # build fully first: a bad row must not leave half a file
        with open(out, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
    else:
        for line in lines:
            out.write(line)
