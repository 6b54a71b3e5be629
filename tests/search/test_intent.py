"""What a reader's question asks about: question types from consumer wording, typos included."""

from __future__ import annotations

import pytest

from healthqa.search.intent import focus_words, question_types


@pytest.mark.parametrize(("query", "types"), [
    ("how is gout treated", {"treatment"}),
    ("what is metformin for", {"indication", "usage"}),
    ("what medicine helps with psoriasis", {"treatment"}),
    ("what are the signs of glaucoma", {"symptoms"}),
    ("what brings on migraines", {"causes"}),
    ("where does lupus come from", {"causes"}),
    ("how do i get tested for celiac disease", {"exams and tests"}),
    ("which mutations cause cystic fibrosis", {"genetic changes"}),
    ("will my kids get it", {"inheritance", "genetic changes"}),
    ("can anyone get hookworm", {"susceptibility"}),
    ("can you live a normal life with lupus", {"outlook"}),
    ("is anyone studying fabry disease", {"research"}),
    ("what exactly is arthritis", {"information"}),
    ("gout", set()),
])
def test_consumer_wordings_point_to_the_question_types_they_ask_about(query: str,
                                                                      types: set[str]) -> None:
    assert question_types(query) == frozenset(types)


def test_a_specific_question_type_wins_over_what_is() -> None:
    assert question_types("what is the best treatment for gout") == {"treatment"}


def test_misspelt_cue_words_still_count_one_edit_away() -> None:
    assert question_types("how is apraxia tretaed") == {"treatment"}  # swapped letters
    assert question_types("waht are the symptms of asthma") == {"symptoms"}  # dropped letter
    assert question_types("whaat is limb loss") == {"information"}  # doubled letter


def test_real_words_near_a_cue_are_not_taken_for_typos() -> None:
    assert question_types("i want information on cases of measles") == {"information"}
    assert question_types("symptoms present since june") == {"symptoms"}  # not "prevent"


def test_getting_information_or_tested_is_not_asking_what_causes_a_disease() -> None:
    assert "causes" not in question_types("how can i get information on leukemia")
    assert "causes" not in question_types("how do i get tested for hiv")
    assert "causes" in question_types("how does someone get hemophilia")


def test_the_focus_of_a_question_is_what_remains_without_its_type_words() -> None:
    assert focus_words("What are the treatments for gout?") == {"gout"}
    assert focus_words("How is kidney disease diagnosed?") == {"kidney", "disease"}
