"""Fairness between articles: the demo content as shipped and cut short, ranked alike."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest

from healthqa.evaluation.fairness import (
    ID_PREFIX,
    SHORT,
    demo_added,
    demo_records,
    fairness_evaluate,
    fairness_markdown,
)
from healthqa.kb.models import Question


def test_the_short_demo_has_one_short_answer_per_question_under_evaluation_ids() -> None:
    shipped, short = demo_records(short=False), demo_records(short=True)
    assert len(shipped) == len(short) == 53
    assert all(r.external_id.startswith(ID_PREFIX) for r in shipped)
    assert sum(len(r.answers) for r in shipped) > 2 * len(shipped)
    assert all(len(r.answers) == 1 and len(r.answers[0].body) <= SHORT for r in short)
    assert [r.title for r in short] == [r.title for r in shipped]
    assert short[0].answers[0].body and shipped[0].answers[0].body.startswith(
        short[0].answers[0].body)


@pytest.mark.django_db
def test_the_demo_is_in_the_database_only_within_the_block() -> None:
    with demo_added(short=True):
        assert Question.objects.filter(external_id__startswith=ID_PREFIX).count() == 53
    assert not Question.objects.filter(external_id__startswith=ID_PREFIX).exists()


def test_a_length_advantage_shows_as_demo_articles_ranking_higher_with_long_answers() -> None:
    state = {"demo": "not loaded"}

    @contextlib.contextmanager
    def load(demo: str) -> Iterator[None]:
        state["demo"] = demo
        yield
        state["demo"] = "not loaded"

    def rank(text: str) -> list[str]:
        ranked = ["m/1", "m/2"]
        if state["demo"] == "as shipped" and "pregnancy" in text:
            return [ID_PREFIX + "demo/a", *ranked]  # long answers win
        if state["demo"] != "not loaded":
            return [*ranked, ID_PREFIX + "demo/a"]
        return ranked

    queries = {"q1": "back pain in pregnancy", "q2": "gout", "q3": "pregnancy sleep"}
    qrels = {"q1": {"m/1": 1}, "q2": {"m/2": 1}, "q3": {"m/1": 1}}
    report = fairness_evaluate(queries=queries, qrels=qrels, rank=rank, load=load)
    rows = {r.demo: (round(r.dev_mrr, 3), r.demo_first) for r in report.rows}
    assert rows == {"not loaded": (0.833, 0), "as shipped": (0.5, 2),
                    "one short answer": (0.833, 0)}
    assert (report.higher_long, report.higher_short) == (2, 0)
    assert "for 2 queries, and lower for 0." in fairness_markdown(report, judged=3)
