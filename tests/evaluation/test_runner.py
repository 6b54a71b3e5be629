"""The engine over the evaluation toolkit: rankers, the RQE match score, `healthqa eval`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from healthqa.cli import main
from healthqa.evaluation.consumer import ID_PREFIX
from healthqa.evaluation.rqe import RqePair
from healthqa.evaluation.runner import (
    HELD_OUT,
    TUNING,
    devset_halves,
    evaluation_run,
    rqe_match_score,
    rqe_scorer,
)
from healthqa.evaluation.trec import run_read
from healthqa.importers.api import medquad_import
from healthqa.kb.models import Question
from healthqa.search.engine import searcher
from healthqa.search.vectors import vector_matrix_forget
from tests.evaluation.crafted_kb import crafted_kb_write

pytestmark = pytest.mark.django_db

RQE = """<?xml version="1.0" encoding="UTF-8"?>
<pairs>
<pair pid="1" value="true"><chq>Gout. how do they treat it</chq>
<faq>What are the treatments for gout?</faq></pair>
<pair pid="2" value="false"><chq>Gout. how do they treat it</chq>
<faq>What is migraine?</faq></pair>
<pair pid="3" value="true"><chq>my son wheezes at night, is it asthma</chq>
<faq>What are the symptoms of asthma?</faq></pair>
<pair pid="4" value="false"><chq>my son wheezes at night, is it asthma</chq>
<faq>How is glaucoma treated?</faq></pair>
</pairs>
"""


@pytest.fixture
def rqe_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "rqe"
    folder.mkdir()
    for name in ("rqe-train.xml", "rqe-validation.xml"):
        (folder / name).write_text(RQE, encoding="utf-8")
    return folder


@pytest.fixture
def imported_tiny_medquad(tiny_medquad: Path) -> Path:
    vector_matrix_forget()
    report = medquad_import(path=tiny_medquad)
    assert not report.errors
    return tiny_medquad


def test_the_rqe_match_score_is_the_match_ask_gives_a_question_whose_text_shows_its_type(
) -> None:
    vector_matrix_forget()
    crafted_kb_write()
    chq = "how is gout treated, my father has it"
    hits = searcher("hybrid").search(chq, k=20)
    titles = {h.question_id: Question.objects.get(pk=h.question_id).title for h in hits}
    for title in ("What are the treatments for Gout?", "What are the symptoms of Asthma?"):
        assert title in titles.values(), (Question.objects.count(), hits, titles)
        hit = next(h for h in hits if titles[h.question_id] == title)
        assert rqe_match_score(chq=chq, faq=title) == pytest.approx(hit.match, abs=1e-6)


def test_the_batched_rqe_scorer_gives_the_same_scores_as_one_pair_at_a_time() -> None:
    pairs = [RqePair(pid="1", chq="Gout. how do they treat it", faq="Treating gout?",
                     label=True, type=None),
             RqePair(pid="2", chq="signs of asthma", faq="What is glaucoma?", label=False,
                     type=None)]
    score = rqe_scorer(pairs=pairs)
    for p in pairs:
        assert score(p.chq, p.faq) == pytest.approx(rqe_match_score(chq=p.chq, faq=p.faq))


def test_the_dev_set_halves_alternate_in_pairs_so_each_half_has_its_share_of_stories(
        tiny_medquad: Path, tmp_path: Path) -> None:
    from healthqa.evaluation.devset import devset_build, devset_load

    devset_build(medquad_dir=tiny_medquad, out_dir=tmp_path, size=8)
    devset = devset_load(folder=tmp_path)
    halves = devset_halves(devset=devset)
    assert sorted(halves[TUNING].queries) == ["d0001", "d0002", "d0005", "d0006"]
    assert sorted(halves[HELD_OUT].queries) == ["d0003", "d0004", "d0007", "d0008"]
    for half in halves.values():
        stories = [q for q in half.queries if "story" in devset.transformations[q]]
        assert len(stories) == 2  # the dev set tells a story around every odd-numbered query


def test_an_evaluation_run_writes_the_dev_set_the_runs_and_the_tables(
        imported_tiny_medquad: Path, rqe_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "eval"
    result = evaluation_run(medquad_dir=imported_tiny_medquad, rqe_dir=rqe_dir, out_dir=out,
                            size=6, seed=13)
    assert (out / "devset" / "queries.tsv").exists()
    assert result.report_path.read_text(encoding="utf-8") == result.markdown
    assert set(result.devset.groups["all queries"]) == {"lexical", "dense", "fused"}
    assert {h: r.groups["all queries"]["fused"].queries for h, r in result.halves.items()} == {
        TUNING: 4, HELD_OUT: 2}  # queries 1, 2, 5, 6 and 3, 4
    fused = run_read(path=out / "runs" / "fused.trec")
    assert len(fused) == 6 and all(1 <= len(ranked) <= 10 for ranked in fused.values())
    for heading in ("| ranking | MRR@10 | Recall@10 | nDCG@10 |", "| fused | ",
                    "| transformation | queries | lexical | dense | fused |",
                    "### RQE: consumer question / FAQ entailment",
                    "| validation, given threshold | 4 |", f"| {HELD_OUT} | 2 | fused |"):
        assert heading in result.markdown
    assert result.rqe is not None and result.rqe.validation_pairs == 4


def test_the_eval_command_prints_the_tables_and_names_the_report_file(
        imported_tiny_medquad: Path, rqe_dir: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, [
        "eval", "--medquad", str(imported_tiny_medquad), "--rqe", str(rqe_dir),
        "--size", "4", "--out", str(tmp_path / "eval"), "--tune"])
    assert result.exit_code == 0, result.output
    assert "## healthqa evaluation (dev set: 4 queries, seed 13)" in result.output
    assert "### Fusion weights: grid of 1,764 on the tuning half" in result.output
    assert "| before tuning | 0.1 | 0.06 | 0.12 | 0.25 |" in result.output
    assert f"written to {tmp_path / 'eval' / 'evaluation.md'}" in result.output


def test_the_eval_command_says_to_import_medquad_first_when_the_database_lacks_it(
        tiny_medquad: Path, rqe_dir: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, [
        "eval", "--medquad", str(tiny_medquad), "--rqe", str(rqe_dir), "--size", "4",
        "--out", str(tmp_path / "eval")])
    assert result.exit_code == 1
    assert "source questions are not in this database" in result.output
    assert "run `healthqa import medquad PATH` first" in result.output


def test_the_report_names_the_lexical_ranking_of_the_database_it_measured() -> None:
    from healthqa.evaluation.runner import settings_markdown
    from tests.pg import on_postgresql

    line = settings_markdown()
    assert ("ts_rank (english stemmer)" in line) if on_postgresql() else (
        "FTS5 bm25, column weights (title, focus, question, answers) (6.0, 8.0, 2.0, 1.0)"
        in line)


def test_the_eval_command_measures_real_messages_and_the_named_topic_and_cleans_up(
        imported_tiny_medquad: Path, rqe_dir: Path, tmp_path: Path) -> None:
    messages = tmp_path / "chq"
    messages.mkdir()
    rows = [{"id": f"meqsum:{n}", "question": text, "summary": summary} for n, (text, summary)
            in enumerate([("My toe is swollen and red, the doctor said gout. How do they "
                           "treat it? Thanks", "How is gout treated?"),
                          ("hi, what is glaucoma exactly", "What is glaucoma?")])]
    (messages / "chq-summaries.jsonl").write_text(
        "\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    before = Question.objects.count()
    result = CliRunner().invoke(main, [
        "eval", "--medquad", str(imported_tiny_medquad), "--rqe", str(rqe_dir), "--size", "4",
        "--out", str(tmp_path / "eval"), "--messages", str(messages), "--topics", "all"])
    assert result.exit_code == 0, result.output
    assert "### Real messages: where the expert's summary ranks" in result.output
    assert "| checking half | summary | 1 |" in result.output
    assert "### The named topic first:" in result.output
    assert "| side effects | X side effects? |" in result.output
    assert (tmp_path / "eval" / "topic-misses.tsv").read_text().startswith("template\tquery")
    assert "### Fairness between articles: the demo content beside the questions (6 queries)" \
        in result.output  # the 4 dev-set queries and the 2 messages
    assert Question.objects.count() == before  # the summaries and the demo were taken out
    assert not Question.objects.filter(external_id__startswith=ID_PREFIX).exists()

    bad = CliRunner().invoke(main, ["eval", "--medquad", str(imported_tiny_medquad),
                                    "--topics", "some"])
    assert bad.exit_code == 2 and "'some': give 'all' or a number of topics" in bad.output


def test_eval_leaves_out_the_messages_when_the_default_folder_is_missing(
        imported_tiny_medquad: Path, rqe_dir: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # ../shared/data/consumer-questions is not there
    result = CliRunner().invoke(main, [
        "eval", "--medquad", str(imported_tiny_medquad), "--rqe", str(rqe_dir), "--size", "4",
        "--out", str(tmp_path / "eval"), "--topics", "0", "--no-fairness"])
    assert result.exit_code == 0, result.output
    assert "no real messages at ../shared/data/consumer-questions" in result.output
    assert "### Real messages" not in result.output and "### The named topic" not in result.output
    missing = CliRunner().invoke(main, ["eval", "--medquad", str(imported_tiny_medquad),
                                        "--rqe", str(rqe_dir),
                                        "--messages", str(tmp_path / "nowhere")])
    assert missing.exit_code == 2 and "nowhere: no such file or folder" in missing.output


def test_a_malformed_messages_file_is_refused_by_line_before_any_ranking(
        imported_tiny_medquad: Path, rqe_dir: Path, tmp_path: Path) -> None:
    messages = tmp_path / "chq-summaries.jsonl"
    messages.write_text('{"id": "a", "question": "q", "summary": "s"}\n{"id": 3\n',
                        encoding="utf-8")
    result = CliRunner().invoke(main, [
        "eval", "--medquad", str(imported_tiny_medquad), "--rqe", str(rqe_dir), "--size", "4",
        "--out", str(tmp_path / "eval"), "--messages", str(messages)])
    assert result.exit_code == 1
    assert f"{messages}, line 2: not a message with id, question and summary" in result.output
    assert not (tmp_path / "eval" / "devset").exists()  # nothing was built first
