"""Rewriting MedQuAD questions the way consumers write them."""

from __future__ import annotations

import random

import pytest

from healthqa.evaluation.lay_terms import LAY_TERMS, lay_words_apply
from healthqa.evaluation.phrasings import QUESTION_TYPES
from healthqa.evaluation.rewrite import (
    LAY_WORDS,
    PARAPHRASE,
    PRONOUN,
    STORY,
    SUBJECT_LINE,
    SYNONYM,
    TRANSFORMATIONS,
    TYPOS,
    SourceQuestion,
    contains_verbatim,
    plain_focus,
    question_rewrite,
    typos_apply,
    usable_synonyms,
)

GOUT = SourceQuestion(external_id="2_GARD_QA/0000001#3", subset="2_GARD_QA", focus="Gout",
                      synonyms=("Podagra", "Gout, familial"), qtype="treatment",
                      question="What are the treatments for Gout ?")


def rewrites(source: SourceQuestion, n: int = 300) -> list:
    return [question_rewrite(source=source, rng=random.Random(i), long=i % 2 == 0)
            for i in range(n)]


def test_verbatim_means_the_same_words_in_order_whatever_the_case_and_punctuation() -> None:
    original = "What are the treatments for Gout ?"
    assert contains_verbatim(query="Hi. what are the treatments for gout", original=original)
    assert not contains_verbatim(query="what are the treatmnets for gout", original=original)
    assert not contains_verbatim(query="what are treatments for gout", original=original)


def test_lay_words_replace_the_longest_medical_term_and_keep_fixed_names() -> None:
    assert lay_words_apply(text="Is Hypertension inherited ?") == (
        "Is high blood pressure inherited ?", ["hypertension"])
    assert lay_words_apply(text="atopic dermatitis and renal failure") == (
        "eczema and kidney failure", ["atopic dermatitis", "renal"])
    assert lay_words_apply(text="What causes Cerebral palsy ?") == ("What causes Cerebral palsy ?",
                                                                    [])


def test_the_lay_table_has_one_lower_case_entry_per_term() -> None:
    terms = [term for term, _ in LAY_TERMS]
    assert len(terms) == len(set(terms))
    assert all(term == term.lower() for term in terms)


def test_typos_change_the_asked_number_of_words_and_keep_their_first_letter() -> None:
    text = "what are the treatments for gout please"
    changed, words = typos_apply(text=text, rng=random.Random(3), count=2)
    assert len(words) == 2
    assert changed != text
    before, after = text.split(), changed.split()
    assert len(before) == len(after)
    differing = [(b, a) for b, a in zip(before, after, strict=True) if a != b]
    assert len(differing) == 2
    assert all(a[0] == b[0] and abs(len(a) - len(b)) <= 1 for b, a in differing)
    assert typos_apply(text=text, rng=random.Random(3), count=2) == (changed, words)


def test_plain_focus_drops_prefixes_and_bracketed_acronyms() -> None:
    assert plain_focus(focus="Parasites - Loiasis", rng=random.Random(1)) == "Loiasis"
    assert plain_focus(focus="What I need to know about Gas", rng=random.Random(1)) == "Gas"
    assert plain_focus(focus="Kidney Failure: What to Expect", rng=random.Random(1)) == (
        "Kidney Failure: What to Expect")
    assert {plain_focus(focus="Tuberculosis (TB)", rng=random.Random(i)) for i in range(50)} == {
        "Tuberculosis"}
    named = {plain_focus(focus="Trichuriasis (also known as Whipworm Infection)",
                         rng=random.Random(i)) for i in range(50)}
    assert named == {"Trichuriasis", "Whipworm Infection"}


def test_synonyms_written_backwards_or_equal_to_the_focus_are_not_used() -> None:
    assert usable_synonyms(focus="Gout", synonyms=("Podagra", "Gout, familial", "GOUT")) == [
        "Podagra"]


def test_every_medquad_template_is_recognised_with_its_focus() -> None:
    examples = {
        "information": "What is (are) Gout ?", "symptoms": "What are the symptoms of Gout ?",
        "susceptibility": "Who is at risk for Gout? ?", "inheritance": "Is Gout inherited ?",
        "research": "what research (or clinical trials) is being done for Gout ?",
    }
    for qtype, question in examples.items():
        match = next(m for m in (t.match(question) for t in QUESTION_TYPES[qtype].medquad) if m)
        assert match.group("x") == "Gout"


def test_a_rewrite_never_contains_the_original_question() -> None:
    for rewrite in rewrites(GOUT):
        assert not contains_verbatim(query=rewrite.text, original=GOUT.question), rewrite
        assert set(rewrite.transformations) <= set(TRANSFORMATIONS)
        assert len(rewrite.transformations) == len(set(rewrite.transformations))


def test_a_rewrite_is_the_same_for_the_same_seed() -> None:
    first = question_rewrite(source=GOUT, rng=random.Random(42), long=True)
    assert question_rewrite(source=GOUT, rng=random.Random(42), long=True) == first
    assert question_rewrite(source=GOUT, rng=random.Random(43), long=True) != first


def test_long_rewrites_tell_a_story_and_are_longer() -> None:
    all_rewrites = rewrites(GOUT)
    long = [r for i, r in enumerate(all_rewrites) if i % 2 == 0]
    short = [r for i, r in enumerate(all_rewrites) if i % 2 == 1]
    assert all(STORY in r.transformations for r in long)
    assert not any(STORY in r.transformations for r in short)
    assert min(len(r.text.split()) for r in long) > 10
    assert max(len(r.text.split()) for r in short) < 12


def test_every_transformation_that_applies_to_a_question_shows_up() -> None:
    seen = {t for r in rewrites(GOUT) for t in r.transformations}
    # plain_focus and lay_words do not apply to "Gout"; all the others must occur.
    assert seen == set(TRANSFORMATIONS) - {"plain_focus", LAY_WORDS}
    hypertension = SourceQuestion(
        external_id="x/1#1", subset="5_NIDDK_QA", focus="Hypertension", synonyms=(),
        qtype="causes", question="What causes Hypertension ?")
    assert all("high blood pressure" in r.text.lower() or TYPOS in r.transformations
               for r in rewrites(hypertension, 50))


def test_a_paraphrased_treatment_question_asks_in_consumer_words() -> None:
    consumer = {p.format(x="gout") for p in QUESTION_TYPES["treatment"].consumer}
    plain = [r for r in rewrites(GOUT) if set(r.transformations) <= {PARAPHRASE, "lowercase"}
             and PARAPHRASE in r.transformations]
    assert plain
    assert all(r.text.lower().rstrip("?") in consumer for r in plain)


@pytest.mark.parametrize("transformation", [SUBJECT_LINE, PRONOUN, SYNONYM])
def test_focus_transformations_say_what_they_chose(transformation: str) -> None:
    chosen = [r for r in rewrites(GOUT) if transformation in r.transformations]
    assert chosen
    for rewrite in chosen:
        assert rewrite.details["focus"] in ("Gout", "Podagra")
        if transformation == SYNONYM:
            assert rewrite.details["focus"] == "Podagra"
            assert "gout" not in rewrite.text.lower()
        if transformation == PRONOUN:  # named before the question, not in it
            focus = str(rewrite.details["focus"]).lower()
            assert focus in rewrite.text.lower() or TYPOS in rewrite.transformations
            assert focus not in str(rewrite.details["question"]).lower()
