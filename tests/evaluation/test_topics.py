"""The named-topic check: topics from MedQuAD foci, the templates, and judging the first answer."""

from __future__ import annotations

from pathlib import Path

from healthqa.evaluation.devset import CorpusQuestion
from healthqa.evaluation.rewrite import SourceQuestion
from healthqa.evaluation.topics import (
    TEMPLATES,
    misses_write,
    names_keys,
    topic_first_evaluate,
    topic_first_markdown,
    topic_key,
    topic_name,
    topics_of,
)


def q(external_id: str, focus: str, *synonyms: str, qtype: str = "information") -> CorpusQuestion:
    return CorpusQuestion(source=SourceQuestion(
        external_id=external_id, subset=external_id.split("/")[0], focus=focus,
        synonyms=synonyms, qtype=qtype, question=f"What is {focus}?"), answered=True)


def test_a_topic_is_named_as_people_name_it() -> None:
    assert topic_name("Parasites - Scabies") == "Scabies"
    assert topic_name("Parasites - Lice - Head Lice") == "Head Lice"
    assert topic_name("Amylase - urine") == "Amylase urine"
    assert topic_name("Tuberculosis (TB)") == "Tuberculosis"
    assert topic_name("What I need to know about Kidney Stones") == "Kidney Stones"
    assert topic_name("(TB)") == "(TB)"  # nothing left without the brackets
    assert topic_key("Diabetes Type 2") == topic_key("type 2 diabetes")


def test_foci_with_the_same_words_are_one_topic_with_all_their_names() -> None:
    corpus = [q("GHR/1", "Type 2 diabetes", "T2D"), q("CDC/2", "Diabetes Type 2"),
              q("GARD/3", "Gout", "Podagra"), q("ADAM/4", "Gout (Gouty arthritis)")]
    topics = topics_of(corpus)
    # Named as the first focus in external-id order names it; listed by name.
    assert [t.name for t in topics] == ["Diabetes Type 2", "Gout"]
    gout = topics[1]
    assert topic_key("Podagra") in gout.same and topic_key("Gouty arthritis") not in gout.same
    assert topic_key("Gout Gouty arthritis") in gout.same  # the ADAM focus as written


def test_the_first_answer_counts_when_its_names_meet_the_topics() -> None:
    corpus = [q("A/1", "Cystoscopy"), q("A/2", "Azithromycin", qtype="side effects"),
              q("A/3", "Oral mucositis", "Mouth sores"), q("A/4", "Baclofen oral")]
    topics = topics_of(corpus)
    keys = {c.source.external_id: names_keys(c.source.focus, c.source.synonyms)
            for c in corpus}
    keys["X/9"] = names_keys("mouth sores", [])  # another source's name for it
    first = {"Cystoscopy side effects?": "A/2", "What is Cystoscopy?": "A/1",
             "Oral mucositis side effects?": "A/4", "What is Oral mucositis?": "X/9"}
    report = topic_first_evaluate(
        topics=topics, keys=keys, templates={k: TEMPLATES[k] for k in ("what is",
                                                                       "side effects")},
        first=lambda query: first.get(query))
    assert report.topics == 4
    # Azithromycin and Baclofen oral are asked about and found nothing (None): misses too.
    assert report.at_one == {"what is": 0.5, "side effects": 0.0}
    assert [(m.topic, m.first) for m in report.misses["side effects"]][:2] == [
        ("Azithromycin", ""), ("Baclofen oral", "")]
    assert ("Cystoscopy", "A/2") in [(m.topic, m.first) for m in report.misses["side effects"]]
    table = topic_first_markdown(report)
    assert "| side effects | X side effects? | 0.000 | 4 |" in table


def test_misses_are_written_one_a_line(tmp_path: Path) -> None:
    corpus = [q("A/1", "Cystoscopy")]
    report = topic_first_evaluate(topics=topics_of(corpus), keys={}, templates={
        "what is": TEMPLATES["what is"]}, first=lambda query: "B/7")
    misses_write(report=report, out=tmp_path / "m.tsv")
    assert (tmp_path / "m.tsv").read_text().splitlines() == [
        "template\tquery\tfirst", "what is\tWhat is Cystoscopy?\tB/7"]
