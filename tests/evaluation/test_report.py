"""Evaluation reports: rankers over the dev set, a match scorer over RQE, Markdown tables."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence

import pytest

from healthqa.evaluation.devset import CorpusQuestion, DevSetFiles, devset_make
from healthqa.evaluation.report import (
    ALL,
    Ranker,
    devset_evaluate,
    report_markdown,
    rqe_evaluate,
)
from healthqa.evaluation.rewrite import tokens
from healthqa.evaluation.rqe import RqePair, rqe_pairs_read
from tests.helpers import require_shared

TINY = DevSetFiles(
    queries={"q1": "gout. how do they treat it", "q2": "signs of lupus"},
    qrels={"q1": {"a": 1}, "q2": {"b": 1, "c": 1}},
    transformations={"q1": ("subject_line", "pronoun"), "q2": ("paraphrase",)},
)
FIXED = {"gout. how do they treat it": [("x", 2.0), ("a", 1.0)], "signs of lupus": [("b", 3.0)]}


def fixed(query: str, k: int) -> list[tuple[str, float]]:
    return FIXED[query][:k]


def test_dev_set_scores_are_computed_per_ranker_and_per_transformation() -> None:
    report = devset_evaluate(devset=TINY, rankers={"fixed": fixed, "none": lambda q, k: []})
    # q1: first relevant at rank 2 (1/2), all found; q2: rank 1, one of two relevant found.
    assert report.scores("fixed").mrr == 0.75
    assert report.scores("fixed").recall == 0.75
    assert report.scores("none").mrr == 0.0
    assert report.groups["pronoun"]["fixed"].mrr == 0.5
    assert report.groups["paraphrase"]["fixed"].queries == 1
    assert "typos" not in report.groups  # no query had typos


def test_the_dev_set_report_renders_as_markdown_tables() -> None:
    report = devset_evaluate(devset=TINY, rankers={"fixed": fixed}, k=10)
    text = report_markdown(devset=report)
    assert "| ranking | MRR@10 | Recall@10 | nDCG@10 |" in text
    assert "| fixed | 0.750 | 0.750 | " in text
    assert f"| {ALL} | 2 | 0.750 |" in text
    assert "| pronoun | 1 | 0.500 |" in text


def test_rqe_tunes_the_threshold_on_train_and_reports_on_validation() -> None:
    def pair(pid: str, chq: str, label: bool) -> RqePair:
        return RqePair(pid=pid, chq=chq, faq="", label=label, type=None)

    scores = {"t1": 0.9, "t2": 0.6, "t3": 0.4, "t4": 0.1, "v1": 0.7, "v2": 0.55, "v3": 0.3}
    train = [pair("1", "t1", True), pair("2", "t2", True), pair("3", "t3", False),
             pair("4", "t4", False)]
    validation = [pair("1", "v1", True), pair("2", "v2", False), pair("3", "v3", False)]
    report = rqe_evaluate(score=lambda chq, faq: scores[chq], train=train,
                          validation=validation, threshold=0.65)
    assert report.tuned.value == pytest.approx(0.5)  # between 0.4 and 0.6
    assert (report.tuned.accuracy, report.train_auc) == (1.0, 1.0)
    assert report.validation_auc == 1.0
    assert report.validation_accuracy == pytest.approx(2 / 3)  # 0.55 >= 0.5 is a false positive
    assert report.validation_accuracy_given == 1.0
    text = report_markdown(rqe=report)
    assert "| validation | 3 | 1.000 | 0.667 | 0.5 |" in text
    assert "| validation, given threshold | 3 | 1.000 | 1.000 | 0.65 |" in text


# --- on the shared data --------------------------------------------------------------------

STOP = frozenset("a an and are by can do for how i is of on the to what who with".split())


def overlap_ranker(corpus: Sequence[CorpusQuestion]) -> Ranker:
    """Ranks MedQuAD questions by how many words they share with the query."""
    ids = [c.source.external_id for c in corpus]
    postings: dict[str, list[int]] = {}
    for n, item in enumerate(corpus):
        for token in set(tokens(item.source.question)) - STOP:
            postings.setdefault(token, []).append(n)

    def rank(query: str, k: int) -> list[tuple[str, float]]:
        counts: Counter[int] = Counter()
        for token in set(tokens(query)) - STOP:
            counts.update(postings.get(token, ()))
        best = sorted(counts.items(), key=lambda item: (-item[1], ids[item[0]]))[:k]
        return [(ids[n], float(shared)) for n, shared in best]

    return rank


@pytest.mark.shared
def test_a_word_overlap_ranker_beats_a_random_one_on_the_dev_set(
    medquad_corpus: list[CorpusQuestion],
) -> None:
    made = devset_make(corpus=medquad_corpus, size=300, seed=13)
    devset = DevSetFiles(
        queries={q.qid: q.text for q in made.queries},
        qrels={q.qid: dict.fromkeys(q.relevant, 1) for q in made.queries},
        transformations={q.qid: q.transformations for q in made.queries})
    ids = [c.source.external_id for c in medquad_corpus]
    shuffler = random.Random(0)
    report = devset_evaluate(devset=devset, rankers={
        "overlap": overlap_ranker(medquad_corpus),
        "random": lambda query, k: [(i, 0.0) for i in shuffler.sample(ids, k)]})
    overlap, chance = report.scores("overlap"), report.scores("random")
    assert 0.0 <= chance.mrr < 0.01
    assert 0.2 < overlap.mrr <= 1.0
    assert 0.0 <= overlap.recall <= 1.0
    assert report.groups["story"]["overlap"].queries == 150


@pytest.mark.shared
def test_a_word_overlap_scorer_separates_rqe_pairs_better_than_chance() -> None:
    folder = require_shared("data", "rqe-amia2016")
    train = rqe_pairs_read(path=folder / "rqe-train.xml")
    validation = rqe_pairs_read(path=folder / "rqe-validation.xml")

    def jaccard(chq: str, faq: str) -> float:
        a, b = set(tokens(chq)) - STOP, set(tokens(faq)) - STOP
        return len(a & b) / len(a | b) if a | b else 0.0

    report = rqe_evaluate(score=jaccard, train=train, validation=validation)
    majority = max(sum(p.label for p in train), sum(not p.label for p in train)) / len(train)
    assert report.train_auc > 0.6
    assert report.tuned.accuracy >= majority
    assert 0.0 <= report.validation_auc <= 1.0
    assert 0.0 <= report.validation_accuracy <= 1.0
    assert report.validation_pairs == 302
