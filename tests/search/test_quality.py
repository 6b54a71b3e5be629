"""Effectiveness with the real model: question type wins on a crafted knowledge base, and the
figures of docs/evaluation.md hold (within a tolerance) on the ../shared data.

The ../shared tests index six NIH subsets of MedQuAD (5,348 questions) in the test database
rather than all 47,457, so they run in a few minutes; their figures are pinned here, those
of the full corpus are in docs/evaluation.md.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connection

from healthqa.evaluation.devset import devset_load, devset_make, devset_write, medquad_corpus_read
from healthqa.evaluation.report import devset_evaluate
from healthqa.evaluation.runner import engine_ranker, rqe_run
from healthqa.importers.api import medquad_import
from healthqa.kb.models import Question
from healthqa.kb.records import QuestionRecord
from healthqa.kb.services import questions_import
from healthqa.search import encoder as encoders
from healthqa.search.encoder import OnnxEncoder
from healthqa.search.engine import searcher
from healthqa.search.match import CONFIDENT_AT
from healthqa.search.vectors import vector_matrix_forget
from tests.evaluation.crafted_kb import CONDITIONS, crafted_kb_write
from tests.helpers import require_shared

NIH_SUBSETS = ("1_CancerGov_QA", "5_NIDDK_QA", "6_NINDS_QA", "7_SeniorHealth_QA",
               "8_NHLBI_QA_XML", "9_CDC_QA")
# Measured with `pytest tests/search/test_quality.py` (seed 13, 300 queries); a change to the
# engine that moves a figure by more than the tolerance must update docs/evaluation.md too.
PINNED_MRR = {"lexical": 0.543, "dense": 0.825, "fused": 0.931}
# On PostgreSQL (ts_rank over a weighted tsvector, pgvector's HNSW index): lexical ranks
# better on these subsets, fused within 0.02 of SQLite's, as the issue asks of it.
PINNED_MRR_POSTGRESQL = {"lexical": 0.587, "dense": 0.825, "fused": 0.921}
MRR_TOLERANCE = 0.03
# The full RQE sets, so these are the very figures of docs/evaluation.md.
PINNED_RQE_AUC, PINNED_RQE_ACCURACY = 0.927, 0.834


@pytest.fixture
def real_model(monkeypatch: pytest.MonkeyPatch, minilm_onnx: OnnxEncoder) -> OnnxEncoder:
    """The engine uses all-MiniLM-L6-v2 (exported once per session) instead of hashing."""
    monkeypatch.setenv("HEALTHQA_ENCODER", "minilm-onnx")
    monkeypatch.setitem(encoders._instances, "minilm-onnx", minilm_onnx)
    vector_matrix_forget()
    yield minilm_onnx
    vector_matrix_forget()


def _top_title(query: str) -> str:
    hits = searcher("hybrid").search(query, k=1)
    return Question.objects.get(pk=hits[0].question_id).title


@pytest.mark.django_db
def test_how_is_x_treated_puts_the_treatments_first_not_what_is_x(real_model: OnnxEncoder
                                                                   ) -> None:
    crafted_kb_write()
    for x in CONDITIONS:
        assert _top_title(f"how is {x.lower()} treated") == f"What are the treatments for {x}?"
        assert _top_title(f"what are the signs of {x.lower()}") == \
            f"What are the symptoms of {x}?"
        assert _top_title(f"what is {x.lower()}") == f"What is {x}?"  # tidied title


@pytest.mark.django_db
def test_a_story_around_the_question_does_not_hide_its_type(real_model: OnnxEncoder) -> None:
    crafted_kb_write()
    story = ("My dad is 67 and his big toe swelled up overnight, the doctor says it is gout. "
             "He hates pills. How do they treat it?")
    assert _top_title(story) == "What are the treatments for Gout?"


@pytest.mark.django_db
def test_the_topic_a_question_names_comes_before_other_topics_of_the_asked_type(
        real_model: OnnxEncoder) -> None:
    """The issue's misses: "Cystoscopy side effects?" ranked drugs' side effects first."""
    crafted_kb_write()
    drugs = [QuestionRecord(
        external_id=f"crafted/drug-{n}", title=f"What are the side effects or risks of {d} ?",
        category_path=("Drugs",), focus=d, question_type="side effects")
        for n, d in enumerate(("Azithromycin", "Bisacodyl", "Aprepitant", "Baclofen oral"))]
    topics = [QuestionRecord(external_id=f"crafted/topic-{n}", title=f"What is (are) {t} ?",
                             category_path=("Conditions",), focus=t)
              for n, t in enumerate(("Cystoscopy", "Norrie disease", "Oral mucositis"))]
    questions_import(records=[*drugs, *topics], comment="the named topic")
    for topic in ("Cystoscopy", "Norrie disease", "Oral mucositis", "Gout", "Asthma"):
        assert topic in _top_title(f"{topic} side effects?"), topic
        assert topic in _top_title(f"My doctor said I have {topic.lower()}. Is it serious?")
    assert "Bisacodyl" in _top_title("bisacodyl side effects?")


@pytest.mark.shared
@pytest.mark.django_db
def test_fused_ranking_beats_lexical_and_dense_on_a_dev_set_of_nih_medquad(
        real_model: OnnxEncoder, tmp_path: Path) -> None:
    medquad = require_shared("data", "medquad")
    corpus = []
    for subset in NIH_SUBSETS:
        report = medquad_import(path=medquad / subset)
        assert not report.errors
        corpus.extend(medquad_corpus_read(medquad_dir=medquad / subset))
    devset_write(devset=devset_make(corpus=corpus, size=300, seed=13), out_dir=tmp_path)
    devset = devset_load(folder=tmp_path)
    report = devset_evaluate(devset=devset, rankers={
        name: engine_ranker(kind=kind)
        for name, kind in (("lexical", "lexical"), ("dense", "dense"), ("fused", "hybrid"))})
    mrr = {name: report.scores(name).mrr for name in PINNED_MRR}
    print("dev-set MRR@10 on the NIH subsets:", mrr)
    assert mrr["fused"] > mrr["dense"] + 0.03
    assert mrr["fused"] > mrr["lexical"] + 0.1
    pins = PINNED_MRR_POSTGRESQL if connection.vendor == "postgresql" else PINNED_MRR
    for name, pinned in pins.items():
        assert mrr[name] == pytest.approx(pinned, abs=MRR_TOLERANCE), name
    # Whatever the database, what /ask uses is as good as on SQLite within 0.02.
    assert mrr["fused"] >= PINNED_MRR["fused"] - 0.02


@pytest.mark.shared
def test_the_match_score_separates_entailed_rqe_pairs_as_documented(
        minilm_onnx: OnnxEncoder) -> None:
    report = rqe_run(rqe_dir=require_shared("data", "rqe-amia2016"), encoder=minilm_onnx)
    print("RQE validation:", report)
    assert report.validation_pairs == 302
    assert report.validation_auc == pytest.approx(PINNED_RQE_AUC, abs=0.01)
    assert report.given_threshold == CONFIDENT_AT
    assert report.validation_accuracy_given == pytest.approx(PINNED_RQE_ACCURACY, abs=0.02)
