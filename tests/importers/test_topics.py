"""Categories come from what a document is about, with its source only as a hint."""

from __future__ import annotations

from collections import Counter

import pytest

from healthqa.importers.medquad import medquad_read
from healthqa.importers.topics import (
    CANCER,
    GENETIC,
    HERBS,
    MEDICINES,
    OTHER,
    PREGNANCY,
    RULES,
    TESTS,
    WOMEN,
    question_subjects,
    topic_for,
)
from healthqa.importers.units import ParsedUnit
from tests.helpers import require_shared


@pytest.mark.parametrize(
    ("source", "focus", "expected"),
    [
        ("ADAM", "Gout", ("Bones, joints and muscles",)),
        ("MPlusHealthTopics", "Breastfeeding", PREGNANCY),
        ("ADAM", "Uterine fibroids", WOMEN),
        ("ADAM", "Cervical cancer", CANCER),
        ("ADAM", "Cervical spine CT scan", TESTS),
        ("ADAM", "Heartburn", ("Digestive health",)),
        ("ADAM", "Heat stroke", ("Injuries, poisoning and first aid",)),
        ("ADAM", "Charcot-Marie-Tooth disease", ("Brain and nerves",)),
        ("NIHSeniorHealth", "High Blood Pressure", ("Heart and blood vessels",)),
        ("ADAM", "Lyme disease - what to ask your doctor", ("Infections",)),
    ],
)
def test_the_focus_decides_the_topic_whatever_the_website(
    source: str, focus: str, expected: tuple[str, ...]
) -> None:
    synonyms = ("peripheral nerve disorder",) if "Charcot" in focus else ()
    assert topic_for(source_key=source, focus=focus, synonyms=synonyms) == expected


def test_drug_and_herb_leaflets_are_medicines_whatever_they_treat() -> None:
    assert topic_for(source_key="MPlusDrugs", focus="Tamoxifen",
                     answer_start="used to treat breast cancer") == MEDICINES
    assert topic_for(source_key="MPlusHerbsSupplements", focus="Ginger") == HERBS


def test_the_source_is_the_fallback_when_no_word_matches() -> None:
    assert topic_for(source_key="GARD", focus="Aicardi-Goutieres type 2") == GENETIC
    assert topic_for(source_key="CancerGov", focus="Thymoma") == CANCER
    assert topic_for(source_key="ADAM", focus="Anterior") == OTHER


def test_a_rare_condition_named_after_an_organ_goes_to_that_organ() -> None:
    assert topic_for(source_key="GHR", focus="Retinitis pigmentosa") == ("Eyes and ears", "Eyes")


def test_question_templates_do_not_count_only_what_they_ask_about() -> None:
    questions = ["Do I need to see a doctor for Gout ?", "Is Gout inherited ?",
                 "how vaccines prevent disease"]
    assert question_subjects(questions, focus="Gout") == ["how vaccines prevent disease"]


def test_every_rule_names_a_path_of_one_or_two_levels() -> None:
    assert all(1 <= len(rule.path) <= 2 for rule in RULES)
    assert len({rule.path for rule in RULES}) == len(RULES)


@pytest.mark.shared
def test_no_topic_holds_more_than_35_percent_of_medquad() -> None:
    units = medquad_read(require_shared("data", "medquad"))
    tops = Counter(
        r.category_path[0] for u in units if isinstance(u, ParsedUnit) for r in u.records
    )
    total = sum(tops.values())
    assert total == 47_457
    assert max(tops.values()) / total <= 0.35, tops.most_common(3)
    assert tops[OTHER[0]] / total <= 0.05
    assert len(tops) >= 15
