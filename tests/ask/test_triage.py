"""Triage: every emergency pattern leads with urgent guidance; ordinary questions do not."""

from __future__ import annotations

import pytest

from healthqa.ask.triage import CRISIS, EMERGENCY, GUIDANCE, MATERNITY, RULES, question_triage

# Each rule's key with questions that must trigger it, as readers write them.
POSITIVES: dict[str, list[str]] = {
    "pregnancy-bleeding": [
        "I'm 20 weeks pregnant and bleeding heavily",
        "Heavy bleeding with clots at 8 weeks pregnant, is this a miscarriage?",
        "soaking a pad with blood every hour, 3 months pregnant",
        "postpartum haemorrhage signs",
    ],
    "bleeding": ["My cut won't stop bleeding", "bleeding heavily from a wound on my leg"],
    "chest-pain": [
        "chest pain and sweating",
        "I have a crushing pain in my chest that spreads to my left arm",
        "tightness in my chest and I'm short of breath",
        "chest pain after a cold, mild",  # errs on the side of caution
        "Am I having a heart attack?",
        "My chest hurts when I breathe in",
    ],
    "stroke": [
        "my dad's face is drooping on one side and his speech is slurred",
        "sudden weakness in my left arm",
        "she suddenly can't speak properly",
        "could this be a mini stroke?",
    ],
    "self-harm": [
        "I have thoughts of suicide",
        "I want to kill myself",
        "sometimes I think about hurting myself",
        "I don't want to live anymore",
        "is self-harm common in teenagers",
        "everyone would be better off dead without me",
    ],
    "anaphylaxis": [
        "anaphylaxis after a bee sting",
        "my throat is swelling after eating peanuts",
        "allergic reaction and my lips are swollen and I feel dizzy",
        "we used his EpiPen, what now?",
    ],
    "breathing": [
        "I can't breathe",
        "my son is struggling to breathe",
        "baby choking on food",
        "her lips are turning blue",
    ],
    "unconscious": [
        "my husband collapsed and is unresponsive",
        "I can't wake him up",
        "she lost consciousness for a minute",
    ],
    "seizure": ["my child is having a seizure", "convulsions with a high fever",
                "he had a fit at school"],
    "poisoning": [
        "I think I took an overdose of paracetamol",
        "took too many sleeping pills",
        "my toddler swallowed a button battery",
        "the kids drank bleach",
        "is carbon monoxide poisoning possible at home?",
    ],
    "head-injury": [
        "he fell and hit his head and keeps vomiting",
        "knocked out playing rugby",
        "severe head injury after a car crash",
    ],
    "baby-movements": [
        "my baby is moving less than usual at 34 weeks",
        "baby hasn't moved today",
        "I can't feel the baby kicking",
        "reduced fetal movements",
    ],
}

ORDINARY = [
    "Why do I have back pain after three months of pregnancy?",
    "What are the treatments for gout?",
    "How can I ease morning sickness?",
    "How do I know if my periods are too heavy?",
    "What blood pressure reading counts as high?",
    "I'm pregnant and my blood pressure is a lot higher than before",
    "What is irritable bowel syndrome and how is it treated?",
    "Should I take paracetamol or ibuprofen for a headache?",
    "I hurt my back lifting a box",
    "How can I sleep better?",
    "I can't wake up in the morning, I'm always tired",
    "When will I feel my baby move?",
    "What are fibroids, and do they need treatment?",
    "Can I take too much vitamin D?",
]

# Near-misses: they look like an emergency pattern but are not one.
NEAR_MISSES = [
    "pain in my chest of drawers",  # the joke
    "I had food poisoning last week, what should I eat now?",
    "How do I treat a poison ivy rash?",
    "I can't breathe through my nose at night",
    "Can I drive while taking seizure medication?",
    "How can I prevent a heart attack?",
    "how to avoid heat stroke in summer",
]


def rule(key: str) -> object:
    return next(r for r in RULES if r.key == key)


def test_every_rule_has_positive_examples() -> None:
    assert set(POSITIVES) == {r.key for r in RULES}


@pytest.mark.parametrize(("key", "text"), [(k, t) for k, ts in POSITIVES.items() for t in ts])
def test_each_emergency_pattern_leads_to_urgent_guidance(key: str, text: str) -> None:
    triage = question_triage(text=text)
    assert triage.urgent
    assert rule(key).label in triage.reasons  # type: ignore[attr-defined]
    assert rule(key).kind in triage.kinds  # type: ignore[attr-defined]


@pytest.mark.parametrize("text", ORDINARY + NEAR_MISSES)
def test_ordinary_questions_and_near_misses_get_no_urgent_guidance(text: str) -> None:
    triage = question_triage(text=text)
    assert not triage.urgent, triage.reasons
    assert triage.guidance == () and triage.headline == ""


def test_a_near_miss_does_not_hide_a_real_emergency_in_the_same_question() -> None:
    assert question_triage(text="I can't breathe through my nose and now I can't breathe at "
                                "all").urgent
    assert question_triage(text="he is having a seizure, should I give his seizure "
                                "medication?").urgent


def test_self_harm_leads_with_a_crisis_line_before_other_guidance() -> None:
    triage = question_triage(text="I took too many pills because I want to die")
    assert triage.kinds == (CRISIS, EMERGENCY)
    assert "suicide crisis line" in triage.guidance[0]
    assert "local emergency number" in triage.guidance[0]
    assert triage.headline == "Please get support now"


def test_the_guidance_is_fixed_text_and_never_echoes_the_question() -> None:
    text = "chest pain <script>alert(1)</script> and my baby is not moving"
    triage = question_triage(text=text)
    assert triage.kinds == (EMERGENCY, MATERNITY)
    assert triage.guidance == (GUIDANCE[EMERGENCY], GUIDANCE[MATERNITY])
    assert all("script" not in g for g in triage.guidance)


def test_the_guidance_stays_country_neutral() -> None:
    for text in GUIDANCE.values():
        assert "local emergency number" in text
        for number in ("911", "999", "112", "000", "988"):
            assert number not in text


def test_curly_apostrophes_and_capitals_are_read_like_plain_ones() -> None:
    assert question_triage(text="I CAN\u2019T BREATHE").urgent


def test_hostile_and_huge_input_is_triaged_without_trouble() -> None:
    assert not question_triage(text='"foo" OR NEAR( ' * 2000).urgent
    assert question_triage(text="a " * 5000 + "chest pain").urgent
