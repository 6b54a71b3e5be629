"""`healthqa search`, `healthqa ask` and `healthqa reindex` over the crafted knowledge base."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from healthqa.ask.services import DISCLAIMER, LOW_CONFIDENCE_MESSAGE
from healthqa.cli import main
from healthqa.evaluation.trec import run_read
from healthqa.kb.models import Question
from healthqa.search.engine import searcher
from healthqa.search.models import IndexMeta
from healthqa.search.vectors import vector_matrix_forget
from tests.evaluation.crafted_kb import UNANSWERED_URL

QUERIES = ("q1\thow is gout treated\n"
           "q2\tmy eyes feel pressure, could it be glaucoma? what are the signs\n"
           "q3\twheezing at night asthma inhaler\n")


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def test_a_trec_batch_run_ranks_exactly_as_the_hybrid_searcher(crafted_kb: int,
                                                                tmp_path: Path) -> None:
    queries = tmp_path / "queries.tsv"
    queries.write_text(QUERIES, encoding="utf-8")
    code, output = invoke("search", "--queries", str(queries), "--top", "5", "--format", "trec",
                          "--output", str(tmp_path / "run.trec"))
    assert code == 0, output
    run = run_read(path=tmp_path / "run.trec")
    names = dict(Question.objects.values_list("pk", "external_id"))
    for line in QUERIES.splitlines():
        qid, text = line.split("\t")
        expected = [(names[h.question_id], h.score)
                    for h in searcher("hybrid").search(text, k=5)]
        assert [d for d, _ in run[qid]] == [d for d, _ in expected]
        assert [s for _, s in run[qid]] == pytest.approx([s for _, s in expected])
    assert all(len(run[qid]) == 5 for qid in ("q1", "q2", "q3"))


def test_a_trec_run_names_its_tag_and_goes_to_standard_output_by_default(
        crafted_kb: int, tmp_path: Path) -> None:
    queries = tmp_path / "queries.tsv"
    queries.write_text("a1\tgout\n", encoding="utf-8")
    code, output = invoke("search", "--queries", str(queries), "--top", "3", "--tag", "mine")
    assert code == 0, output
    lines = [line.split() for line in output.splitlines()]
    assert len(lines) == 3
    assert [(f[0], f[1], f[3], f[5]) for f in lines] == [("a1", "Q0", str(r), "mine")
                                                          for r in (1, 2, 3)]


def test_one_query_prints_a_ranked_list_in_each_mode(crafted_kb: int) -> None:
    for mode in ("hybrid", "lexical", "dense"):
        code, output = invoke("search", "psoriasis patches", "--mode", mode, "--top", "2")
        assert code == 0, output
        assert output.splitlines()[0].startswith("  1. ")
        assert "Psoriasis" in output.splitlines()[0]
        assert len(output.splitlines()) == 2


def test_a_missing_queries_file_is_named(db: None, tmp_path: Path) -> None:
    code, output = invoke("search", "--queries", str(tmp_path / "nowhere.tsv"))
    assert code == 2
    assert "nowhere.tsv" in output and "does not exist" in output


def test_a_line_without_a_tab_is_reported_with_its_file_and_line(db: None,
                                                                   tmp_path: Path) -> None:
    queries = tmp_path / "queries.tsv"
    queries.write_text("q1\tgout\n\nq2 no tab here\n", encoding="utf-8")
    code, output = invoke("search", "--queries", str(queries))
    assert code == 1
    assert f"Error: {queries}:3: expected 'qid<TAB>text'" in output


def test_an_empty_queries_file_is_an_error_naming_it(db: None, tmp_path: Path) -> None:
    queries = tmp_path / "empty.tsv"
    queries.write_text("\n", encoding="utf-8")
    code, output = invoke("search", "--queries", str(queries))
    assert code == 1
    assert f"Error: {queries}:1: no queries" in output


def test_search_wants_a_query_or_a_queries_file_but_not_both(db: None, tmp_path: Path) -> None:
    assert invoke("search")[0] == 2
    queries = tmp_path / "q.tsv"
    queries.write_text("q1\tgout\n", encoding="utf-8")
    code, output = invoke("search", "gout", "--queries", str(queries))
    assert code == 2 and "either a QUERY or --queries FILE" in output


def test_ask_prints_answers_sources_licences_and_a_confidence(crafted_kb: int) -> None:
    code, output = invoke("ask", "what are the treatments for gout", "--top", "2")
    assert code == 0, output
    first = output.split("\n\n")[0].splitlines()
    assert first[0].startswith("1. What are the treatments for Gout?  [")
    assert any(label in first[0] for label in ("Strong match", "Possible match", "Weak match"))
    assert "allopurinol lowers uric acid" in first[1]
    assert first[2] == ("   source: Genetic and Rare Diseases Information Center · "
                        "licence: Public domain (US government work)")
    assert output.rstrip().endswith(DISCLAIMER)


def test_ask_points_to_the_source_when_the_answer_is_not_stored_here(crafted_kb: int) -> None:
    code, output = invoke("ask", "what causes gout", "--top", "5", "--json")
    assert code == 0, output
    result = json.loads(output)
    assert result["confidence"] in {"high", "medium", "low"}
    first = result["hits"][0]
    assert first["question"]["title"] == "What causes Gout?"
    assert (first["answer_at_source"], first["source_url"]) == (True, UNANSWERED_URL)
    assert len(result["hits"]) == 5
    code, output = invoke("ask", "what causes gout", "--top", "1")
    assert f"   answer at the source: {UNANSWERED_URL}" in output


def test_ask_says_so_plainly_when_nothing_covers_the_question(crafted_kb: int) -> None:
    code, output = invoke("ask", "xylophone quartz", "--top", "2")
    assert code == 0, output
    assert output.startswith(LOW_CONFIDENCE_MESSAGE)
    assert "The closest questions we have:" in output


def test_ask_refuses_an_empty_question_with_what_to_do(db: None) -> None:
    code, output = invoke("ask", "   ")
    assert code == 1
    assert "Error: Type your question first" in output


def test_an_index_built_with_another_model_says_to_run_reindex(crafted_kb: int,
                                                               tmp_path: Path) -> None:
    IndexMeta.objects.filter(key="model").update(value="someone/other-model")
    vector_matrix_forget()  # as a fresh process would find it
    queries = tmp_path / "q.tsv"
    queries.write_text("q1\tgout\n", encoding="utf-8")
    for args in (("ask", "how is gout treated"), ("search", "gout"),
                 ("search", "--queries", str(queries))):
        code, output = invoke(*args)
        assert code == 1, args
        assert "'someone/other-model'" in output
        assert "run `healthqa reindex`" in output
    code, output = invoke("reindex")
    assert code == 0, output
    assert f"reindexed {crafted_kb} questions: {crafted_kb} vectors" in output
    assert invoke("search", "gout")[0] == 0
