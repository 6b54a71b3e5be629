"""The dev set: reproducible, of the requested size, never verbatim, judged against MedQuAD."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from healthqa.evaluation.devset import (
    QRELS_FILE,
    QUERIES_FILE,
    TRANSFORMATIONS_FILE,
    CorpusQuestion,
    devset_build,
    devset_load,
    devset_make,
    devset_write,
    medquad_corpus_read,
)
from healthqa.evaluation.rewrite import TRANSFORMATIONS, contains_verbatim
from healthqa.evaluation.trec import qrels_read, queries_read
from tests.helpers import REPO_ROOT

FILES = (QUERIES_FILE, QRELS_FILE, TRANSFORMATIONS_FILE)


def folder_bytes(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in FILES}


def test_corpus_ids_count_pairs_by_position_in_their_file(tiny_medquad: Path) -> None:
    corpus = medquad_corpus_read(medquad_dir=tiny_medquad)
    by_id = {c.source.external_id: c for c in corpus}
    # The third pair of GARD file 1 has pid 5 in the XML; its id counts positions.
    third = by_id["2_GARD_QA/0000001#3"].source
    assert (third.focus, third.qtype, third.question) == (
        "Gout", "treatment", "What are the treatments for Gout ?")
    assert third.synonyms == ("Podagra",)
    assert not any(c.answered for c in corpus if c.source.subset == "10_MPlus_ADAM_QA")


def test_building_twice_with_a_seed_gives_the_same_bytes_and_another_seed_differs(
    tiny_medquad: Path, tmp_path: Path
) -> None:
    first = devset_build(medquad_dir=tiny_medquad, out_dir=tmp_path / "a", size=20, seed=5)
    devset_build(medquad_dir=tiny_medquad, out_dir=tmp_path / "b", size=20, seed=5)
    devset_build(medquad_dir=tiny_medquad, out_dir=tmp_path / "c", size=20, seed=6)
    assert folder_bytes(tmp_path / "a") == folder_bytes(tmp_path / "b")
    assert (tmp_path / "a" / QUERIES_FILE).read_bytes() != (tmp_path / "c" / QUERIES_FILE
                                                            ).read_bytes()
    assert (first.size, first.seed, first.long_queries) == (20, 5, 10)
    assert len(queries_read(path=tmp_path / "a" / QUERIES_FILE)) == 20


def test_the_set_does_not_depend_on_the_process_hash_seed(tiny_medquad: Path,
                                                          tmp_path: Path) -> None:
    code = ("import sys; from healthqa.evaluation.devset import devset_build; "
            "devset_build(medquad_dir=sys.argv[1], out_dir=sys.argv[2], size=20, seed=5)")
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        subprocess.run([sys.executable, "-c", code, str(tiny_medquad),
                        str(tmp_path / hash_seed)], check=True, cwd=REPO_ROOT, env=env)
    assert folder_bytes(tmp_path / "1") == folder_bytes(tmp_path / "2")


def test_duplicates_across_files_and_unanswered_copies_are_relevant_too(
    tiny_medquad: Path, tmp_path: Path
) -> None:
    corpus = medquad_corpus_read(medquad_dir=tiny_medquad)
    devset = devset_make(corpus=corpus, size=30, seed=1)
    by_id = {c.source.external_id: c for c in corpus}
    for query in devset.queries:
        group = by_id[query.source.external_id].group
        expected = {c.source.external_id for c in corpus if c.group == group}
        assert query.relevant[0] == query.source.external_id
        assert set(query.relevant) == expected
    # Gout treatment is asked in GARD and A.D.A.M. (never answered there): both are judged.
    gout = [q for q in devset.queries if q.source.focus == "Gout"
            and q.source.qtype == "treatment"]
    assert gout and any(r.startswith("10_MPlus_ADAM_QA/") for r in gout[0].relevant)
    devset_write(devset=devset, out_dir=tmp_path)
    loaded = devset_load(folder=tmp_path)
    assert loaded.qrels[gout[0].qid] == dict.fromkeys(gout[0].relevant, 1)
    assert loaded.transformations[gout[0].qid] == gout[0].transformations


def test_asking_for_more_questions_than_the_corpus_answers_is_an_error(
    tiny_medquad: Path,
) -> None:
    corpus = medquad_corpus_read(medquad_dir=tiny_medquad)
    with pytest.raises(ValueError, match="asked for 500 questions but only"):
        devset_make(corpus=corpus, size=500, seed=1)


# --- the real MedQuAD (../shared) ---------------------------------------------------------


@pytest.mark.shared
def test_the_medquad_dev_set_is_byte_identical_when_built_twice(
    medquad_corpus: list[CorpusQuestion], tmp_path: Path
) -> None:
    for name, seed in (("a", 13), ("b", 13), ("c", 14)):
        devset_write(devset=devset_make(corpus=medquad_corpus, size=1000, seed=seed),
                     out_dir=tmp_path / name)
    assert folder_bytes(tmp_path / "a") == folder_bytes(tmp_path / "b")
    other = folder_bytes(tmp_path / "c")
    assert all(other[name] != folder_bytes(tmp_path / "a")[name] for name in FILES)


@pytest.mark.shared
def test_the_medquad_dev_set_has_its_size_and_every_query_differs_from_its_question(
    medquad_corpus: list[CorpusQuestion], tmp_path: Path
) -> None:
    summary = devset_write(devset=devset_make(corpus=medquad_corpus, size=1000, seed=13),
                           out_dir=tmp_path)
    queries = queries_read(path=tmp_path / QUERIES_FILE)
    qrels = qrels_read(path=tmp_path / QRELS_FILE)
    document = json.loads((tmp_path / TRANSFORMATIONS_FILE).read_text())
    assert len(queries) == len(qrels) == len(document["queries"]) == summary.size == 1000
    assert summary.long_queries == 500
    for entry in document["queries"]:
        assert queries[entry["qid"]] == entry["query"]
        assert not contains_verbatim(query=entry["query"], original=entry["source_question"])
    # Each transformation is common enough to be measured on its own.
    assert set(summary.transformations) == set(TRANSFORMATIONS)
    assert min(summary.transformations.values()) >= 50


@pytest.mark.shared
def test_the_medquad_dev_set_is_judged_with_existing_ids_of_the_same_focus_and_type(
    medquad_corpus: list[CorpusQuestion],
) -> None:
    by_id = {c.source.external_id: c for c in medquad_corpus}
    devset = devset_make(corpus=medquad_corpus, size=1000, seed=13)
    assert len({q.source.external_id for q in devset.queries}) == 1000
    groups = set()
    for query in devset.queries:
        source = by_id[query.source.external_id]
        assert source.answered
        groups.add(source.group)
        assert all(by_id[r].group == source.group for r in query.relevant)
    assert len(groups) == 1000  # one question per duplicate group


@pytest.mark.shared
def test_the_medquad_dev_set_spreads_over_subsets_and_question_types(
    medquad_corpus: list[CorpusQuestion],
) -> None:
    devset = devset_make(corpus=medquad_corpus, size=1000, seed=13)
    answered_subsets = {c.source.subset for c in medquad_corpus if c.answered}
    per_subset = {s: sum(q.source.subset == s for q in devset.queries) for s in answered_subsets}
    # Nine answered subsets, none of them short of questions: 111 or 112 each.
    assert len(per_subset) == 9
    assert set(per_subset.values()) <= {111, 112}
    assert len({q.source.qtype for q in devset.queries}) >= 15
