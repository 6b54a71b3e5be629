"""The topic a question names: the named-topic feature of the ranking, and a topic suggested
for a question stored without one."""

from __future__ import annotations

import pytest

from healthqa.kb.models import Category, Question
from healthqa.search.intent import question_type_of
from healthqa.search.match import topics_named
from healthqa.search.text import stem_words
from healthqa.search.topics import focus_infer, lexicon, lexicon_build


def words(text: str) -> frozenset[str]:
    return frozenset(stem_words(text))


def test_the_widest_named_focus_is_the_topic() -> None:
    query = "Dementia familial British treatment"
    foci = [(words("Dementia"),), (words("Dementia familial British"), words("FBD")),
            (words("British"), words("familial dementia")), (words("Alzheimer disease"),)]
    named = topics_named(set(words(query)), {"dementia", "familial", "british"}, foci)
    assert named == [0.0, 1.0, 0.0, 0.0]


def test_the_topic_counts_by_the_share_of_the_querys_topic_words_it_names() -> None:
    message = "i started lisinopril last month and now i have a dry cough, is that normal"
    topic_words = {"started", "lisinopril", "last", "month", "dry", "cough", "normal"}
    named = topics_named(set(stem_words(message)), topic_words,
                         [(words("Lisinopril"),), (words("Cough"),), (words("Gout"),)])
    assert named == [pytest.approx(1 / 7), pytest.approx(1 / 7), 0.0]
    assert topics_named(set(), set(), [(words("Gout"),), ()]) == [0.0, 0.0]


def test_a_question_stored_without_a_type_gets_the_first_listed_type_it_asks() -> None:
    assert question_type_of("How is gout treated?") == "treatment"
    assert question_type_of("What are the symptoms and treatments of gout?") == "treatment"
    assert question_type_of("Who manufactures cetirizine?") == "information"
    assert question_type_of("Who manufactures cetirizine?", default="") == ""


def test_the_longest_topic_name_in_the_text_is_its_focus() -> None:
    names = lexicon_build([("Dementia", None), ("Dementia familial British", ["FBD"]),
                           ("Nifedipine", ["Adalat"]), ("Drug Reactions", ["Side effects"]),
                           ("Patulous Eustachian Tube", ["PETS"]),
                           ("Parasites - Scabies", None)])
    assert focus_infer("Is dementia familial british inherited?", names=names) == \
        "Dementia familial British"
    assert focus_infer("Do I have dementia?", names=names) == "Dementia"
    # A focus's own name before another focus's synonym, even a longer one.
    assert focus_infer("Are nosebleeds a side effect of nifedipine?", names=names) == \
        "Nifedipine"
    assert focus_infer("Is Adalat safe?", names=names) == "Nifedipine"
    assert focus_infer("How is scabies treated?", names=names) == "Parasites - Scabies"
    # A synonym in capitals counts only when written so: "pets" is not PETS.
    assert focus_infer("Are caladiums poisonous to pets?", names=names) == ""
    assert focus_infer("What is PETS?", names=names) == "Patulous Eustachian Tube"
    assert focus_infer("How do I sleep better?", names=names) == ""


@pytest.mark.django_db
def test_the_lexicon_follows_the_published_questions() -> None:
    category = Category.objects.create(name="Bones", slug="bones")
    Question.objects.create(external_id="a/1", slug="gout", title="What is gout?",
                            focus="Gout", category=category)
    assert focus_infer("my toe hurts, is it gout") == "Gout"
    assert focus_infer("is it lupus") == ""
    Question.objects.create(external_id="a/2", slug="lupus", title="What is lupus?",
                            focus="Lupus", focus_synonyms=["SLE"], category=category)
    assert focus_infer("is it lupus") == "Lupus"
    Question.objects.create(external_id="a/3", slug="x", title="What is x?", focus="Xanthoma",
                            category=category, status=Question.Status.DRAFT)
    assert "xanthoma" not in {w for key in lexicon() for w in key}


def test_a_long_message_ranks_with_lighter_weights_and_the_match_is_not_scaled() -> None:
    from healthqa.search.match import LONG_FROM, WEIGHTS, weights_for_length

    assert weights_for_length(WEIGHTS, LONG_FROM) == WEIGHTS
    at_80 = weights_for_length(WEIGHTS, 4 * LONG_FROM)
    assert at_80.qtype == pytest.approx(WEIGHTS.qtype / 8)  # (1/4) ** 1.5
    assert (at_80.lexical, at_80.topic) == (pytest.approx(WEIGHTS.lexical / 8),
                                            pytest.approx(WEIGHTS.topic / 8))
