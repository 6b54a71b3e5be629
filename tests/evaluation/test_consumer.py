"""Real messages: reading them, the fixed halves, and scoring where the summary ranks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from healthqa.evaluation.consumer import (
    CHECKING,
    ID_PREFIX,
    MESSAGE,
    SUMMARY,
    TUNING,
    Message,
    MessagesError,
    consumer_evaluate,
    consumer_markdown,
    messages_halves,
    messages_read,
    scores_of,
)


def write(tmp_path: Path, rows: list[object]) -> Path:
    path = tmp_path / "chq-summaries.jsonl"
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n",
                    encoding="utf-8")
    return path


def row(n: int, **extra: object) -> dict[str, object]:
    return {"id": f"meqsum:{n}", "question": f"SUBJECT: help\nMESSAGE: message {n} about gout",
            "summary": f"How is gout {n} treated?", **extra}


def test_messages_are_read_in_order_with_their_summaries(tmp_path: Path) -> None:
    messages = messages_read(path=write(tmp_path, [row(1), "", row(2)]).parent)
    assert [m.id for m in messages] == ["meqsum:1", "meqsum:2"]
    assert messages[0].external_id == ID_PREFIX + "meqsum:1"
    assert messages[1].summary == "How is gout 2 treated?"


@pytest.mark.parametrize(("bad", "says"), [
    ("{not json", "line 2: not a message"),
    ({"id": "x", "question": "q"}, "line 2: not a message"),
    ({"id": "x", "question": " ", "summary": "s"}, "line 2: empty id, question or summary"),
    (row(1), "line 2: id 'meqsum:1' is repeated"),
])
def test_a_bad_line_is_named_by_file_and_line(tmp_path: Path, bad: object, says: str) -> None:
    path = write(tmp_path, [row(1), bad])
    with pytest.raises(MessagesError, match=says) as caught:
        messages_read(path=path)
    assert str(path) in str(caught.value)


def test_a_missing_file_says_what_it_wanted(tmp_path: Path) -> None:
    with pytest.raises(MessagesError, match="no such file"):
        messages_read(path=tmp_path)


def test_the_halves_are_fixed_disjoint_and_cover_every_message() -> None:
    messages = [Message(id=f"m:{n}", message="m", summary="s") for n in range(101)]
    halves = messages_halves(messages)
    again = messages_halves(list(reversed(messages)))  # file order does not matter
    assert [m.id for m in halves[TUNING]] == [m.id for m in again[TUNING]]
    assert len(halves[TUNING]) == 50 and len(halves[CHECKING]) == 51
    assert {m.id for m in halves[TUNING]} | {m.id for m in halves[CHECKING]} == {
        m.id for m in messages}
    assert not {m.id for m in halves[TUNING]} & {m.id for m in halves[CHECKING]}
    assert [m.id for m in halves[TUNING]] != [m.id for m in messages[:50]]  # shuffled


def test_scores_are_mrr_recall_and_the_standard_error() -> None:
    run = {"a": ["x", "a", "y"], "b": ["b"], "c": ["x", "y"], "d": ["d"]}
    s = scores_of(run=run, wanted={q: q for q in run}, k=10)
    assert (s.queries, s.mrr, s.recall) == (4, pytest.approx(2.5 / 4), 0.75)
    ranks = [0.5, 1.0, 0.0, 1.0]
    mean = sum(ranks) / 4
    se = (sum((r - mean) ** 2 for r in ranks) / 3 / 4) ** 0.5
    assert s.mrr_se == pytest.approx(se)
    assert scores_of(run={"a": ["x"] * 10 + ["a"]}, wanted={"a": "a"}, k=10).mrr == 0.0


def test_messages_and_summaries_are_both_searched_and_reported_by_half() -> None:
    messages = [Message(id=f"m:{n}", message=" ".join(["word"] * (n * 10)),
                        summary=f"summary {n}") for n in range(1, 15)]
    asked: list[str] = []

    def rank(text: str) -> list[str]:
        asked.append(text)
        # A summary finds itself; a message finds its summary second.
        n = text.split()[-1] if text.startswith("summary") else str(len(text.split()) // 10)
        return ["other", ID_PREFIX + f"m:{n}"] if not text.startswith("summary") else [
            ID_PREFIX + f"m:{n}"]

    report = consumer_evaluate(messages=messages, rank=rank)
    assert len(asked) == 28
    for half in (TUNING, CHECKING):
        assert report.halves[half][SUMMARY].mrr == 1.0
        assert report.halves[half][MESSAGE].mrr == 0.5
    assert report.halves[TUNING][MESSAGE].queries == 7
    assert list(report.by_length) == ["0-29 words", "30-59 words", "60-119 words", "120+ words"]
    assert report.by_length["0-29 words"].queries == 2  # 10 and 20 words
    assert "| checking half | message | 7 | 0.500 | 0.000 | 1.000 |" in consumer_markdown(report)
