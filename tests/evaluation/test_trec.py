"""TREC runs, qrels and query files: round trips, and errors that point at the line."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from healthqa.evaluation.trec import (
    TrecFormatError,
    qrels_read,
    qrels_write,
    queries_read,
    queries_write,
    run_read,
    run_write,
)

RUN = {
    "d0001": [("2_GARD_QA/0000004#1", 12.5), ("3_GHR_QA/0000010#2", 0.1)],
    "d0002": [("9_CDC_QA/0000001_2#3", -1e-05)],
}


def test_a_run_is_written_in_trec_format_and_reads_back_the_same(tmp_path: Path) -> None:
    path = tmp_path / "run.txt"
    run_write(run=RUN, tag="fused", out=path)
    assert path.read_text().splitlines() == [
        "d0001 Q0 2_GARD_QA/0000004#1 1 12.5 fused",
        "d0001 Q0 3_GHR_QA/0000010#2 2 0.1 fused",
        "d0002 Q0 9_CDC_QA/0000001_2#3 1 -1e-05 fused",
    ]
    assert run_read(path=path) == RUN


def test_a_run_reads_in_rank_order_whatever_the_line_order(tmp_path: Path) -> None:
    path = tmp_path / "run.txt"
    path.write_text("q1 Q0 b 2 0.5 t\nq1 Q0 a 1 0.9 t\n\n")
    assert run_read(path=path) == {"q1": [("a", 0.9), ("b", 0.5)]}


def test_a_run_can_be_written_to_an_open_stream() -> None:
    out = io.StringIO()
    run_write(run={"q": [("a", 1.0)]}, tag="lexical", out=out)
    assert out.getvalue() == "q Q0 a 1 1.0 lexical\n"


def test_qrels_and_queries_round_trip(tmp_path: Path) -> None:
    qrels = {"d0001": {"2_GARD_QA/0000004#1": 1, "3_GHR_QA/0000010#2": 0}, "d0002": {"x": 2}}
    qrels_write(qrels=qrels, out=tmp_path / "qrels.txt")
    assert (tmp_path / "qrels.txt").read_text().startswith("d0001 0 2_GARD_QA/0000004#1 1\n")
    assert qrels_read(path=tmp_path / "qrels.txt") == qrels
    queries = {"d0001": "gout. how do they treat it", "d0002": "fièvre? my café-au-lait spots"}
    queries_write(queries=queries, out=tmp_path / "queries.tsv")
    assert queries_read(path=tmp_path / "queries.tsv") == queries


@pytest.mark.parametrize(
    ("reader", "content", "message"),
    [
        (run_read, "q1 Q0 a 1 0.5 t\nq1 Q0 b 2 0.4\n",
         ":2: expected 'qid Q0 docid rank score tag'"),
        (run_read, "q1 Q0 a first 0.5 t\n", ":1: rank 'first' or score '0.5' is not a number"),
        (run_read, "q1 Q0 a 1 0.5 t\nq1 Q0 a 2 0.4 t\n", ":2: document a ranked twice for q1"),
        (qrels_read, "q1 0 a 1\n\nq1 0 b yes\n", ":3: relevance 'yes' is not an integer"),
        (qrels_read, "q1 0 a\n", ":1: expected 'qid 0 docid rel'"),
        (queries_read, "q1\tfine\nq2 no tab here\n", ":2: expected 'qid<TAB>text'"),
        (queries_read, "q1\tone\nq1\ttwo\n", ":2: query id q1 appears twice"),
    ],
)
def test_a_malformed_line_is_reported_with_its_file_and_line_number(
    tmp_path: Path, reader: object, content: str, message: str
) -> None:
    path = tmp_path / "input.txt"
    path.write_text(content)
    with pytest.raises(TrecFormatError, match=re.escape(f"{path}{message}")):
        reader(path=path)  # type: ignore[operator]


def test_writers_refuse_what_would_not_read_back_and_leave_no_half_file(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="document id 'a b'"):
        run_write(run={"q": [("ok", 1.0), ("a b", 0.5)]}, tag="t", out=tmp_path / "run.txt")
    with pytest.raises(ValueError, match="not finite"):
        run_write(run={"q": [("a", float("nan"))]}, tag="t", out=tmp_path / "run.txt")
    with pytest.raises(ValueError, match="tab or line break"):
        queries_write(queries={"q": "one\ttwo"}, out=tmp_path / "queries.tsv")
    assert not (tmp_path / "run.txt").exists()
    assert not (tmp_path / "queries.tsv").exists()
