"""How MedQuAD phrases each question type, and how consumers ask the same thing.

The MedQuAD templates are those of Ben Abacha & Demner-Fushman (2019), one per question type
(two for "information"). The consumer phrasings are modelled on the consumer questions of the
RQE data: short, lower-case, often starting with a subject line or a story. `{x}` stands for
the focus (the condition); pronoun phrasings are used once the focus was already named.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Phrasings:
    medquad: tuple[re.Pattern[str], ...]  # how MedQuAD asks; group "x" is the focus
    consumer: tuple[str, ...]  # how consumers ask, with {x}
    pronoun: tuple[str, ...]  # how consumers ask once {x} was named earlier


def _templates(*patterns: str) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p, re.IGNORECASE) for p in patterns)


QUESTION_TYPES: dict[str, Phrasings] = {
    "information": Phrasings(
        _templates(r"^what is \(are\) (?P<x>.+?) \?$",
                   r"^do you have information about (?P<x>.+)$"),
        ("what is {x}", "what does {x} mean", "can you explain {x} to me", "tell me about {x}",
         "i'd like to know more about {x}", "what exactly is {x}", "info on {x} please"),
        ("what is it", "what does that mean", "can someone explain what this is",
         "what is it exactly", "i need information"),
    ),
    "symptoms": Phrasings(
        _templates(r"^what are the symptoms of (?P<x>.+?) \?$"),
        ("signs of {x}", "what are the signs of {x}", "how do i know if i have {x}",
         "what does {x} feel like", "{x} symptoms?", "how can you tell if someone has {x}"),
        ("what are the signs", "how do i know if i have it", "what does it feel like",
         "what symptoms should i look for"),
    ),
    "treatment": Phrasings(
        _templates(r"^what are the treatments for (?P<x>.+?) \?$"),
        ("how is {x} treated", "what can i do about {x}", "how do you treat {x}",
         "is there a cure for {x}", "best treatment for {x}", "what medicine helps with {x}"),
        ("how do they treat it", "what can i do about it", "is there a cure",
         "how is it treated", "what are the options for treatment"),
    ),
    "causes": Phrasings(
        _templates(r"^what causes (?P<x>.+?) \?$"),
        ("why do people get {x}", "what is the cause of {x}", "what brings on {x}",
         "where does {x} come from", "how does someone get {x}"),
        ("what causes it", "why did this happen", "how do you get it"),
    ),
    "exams and tests": Phrasings(
        _templates(r"^how to diagnose (?P<x>.+?) \?$"),
        ("how do doctors find out if you have {x}", "how is {x} diagnosed",
         "what tests are there for {x}", "how do i get tested for {x}"),
        ("how is it diagnosed", "what tests should i ask for", "how do they test for it"),
    ),
    "outlook": Phrasings(
        _templates(r"^what is the outlook for (?P<x>.+?) \?$"),
        ("what are the chances of recovering from {x}", "can you live a normal life with {x}",
         "prognosis for {x}", "will {x} get better", "life expectancy with {x}"),
        ("will it get better", "what is the prognosis", "can you live a normal life with it"),
    ),
    "susceptibility": Phrasings(
        _templates(r"^who is at risk for (?P<x>.+?)\? \?$"),
        ("who gets {x}", "am i at risk of {x}", "who is likely to get {x}",
         "can anyone get {x}", "risk factors for {x}"),
        ("am i at risk", "who gets it", "could i get it too"),
    ),
    "stages": Phrasings(
        _templates(r"^what are the stages of (?P<x>.+?) \?$"),
        ("how does {x} progress", "{x} stages explained", "what stage of {x} is the worst"),
        ("what are the stages", "how does it progress"),
    ),
    "research": Phrasings(
        _templates(r"^what research \(or clinical trials\) is being done for (?P<x>.+?) \?$"),
        ("any new research on {x}", "are there clinical trials for {x}",
         "is anyone studying {x}", "new treatments being tested for {x}"),
        ("is there any new research", "are there any trials i could join"),
    ),
    "genetic changes": Phrasings(
        _templates(r"^what are the genetic changes related to (?P<x>.+?) \?$"),
        ("what gene causes {x}", "which mutations cause {x}", "is {x} caused by a gene"),
        ("which gene is it", "what mutation causes it"),
    ),
    "prevention": Phrasings(
        _templates(r"^how to prevent (?P<x>.+?) \?$"),
        ("how can i avoid getting {x}", "can {x} be prevented", "how do i prevent {x}",
         "ways to avoid {x}"),
        ("how can i avoid it", "can it be prevented"),
    ),
    "inheritance": Phrasings(
        _templates(r"^is (?P<x>.+?) inherited \?$"),
        ("is {x} genetic", "can {x} be passed down from parents", "will my kids get {x}",
         "does {x} run in families"),
        ("is it genetic", "will my children get it", "does it run in families"),
    ),
    "frequency": Phrasings(
        _templates(r"^how many people are affected by (?P<x>.+?) \?$"),
        ("how common is {x}", "how rare is {x}", "how many people have {x}"),
        ("how common is it", "how rare is it"),
    ),
    "considerations": Phrasings(
        _templates(r"^what to do for (?P<x>.+?) \?$"),
        ("what should i do if i have {x}", "tips for living with {x}",
         "what can i do for {x} at home"),
        ("what should i do", "any tips for living with it"),
    ),
    "complications": Phrasings(
        _templates(r"^what are the complications of (?P<x>.+?) \?$"),
        ("what problems can {x} cause", "can {x} lead to other problems",
         "is {x} dangerous"),
        ("what problems can it cause", "is it dangerous"),
    ),
    "support groups": Phrasings(
        _templates(r"^where to find support for people with (?P<x>.+?) \?$"),
        ("where can i find support for {x}", "support groups for {x}"),
        ("is there a support group",),
    ),
}

# Question types that imply a condition: a story of someone diagnosed with it makes sense.
CONDITION_TYPES = frozenset({
    "symptoms", "treatment", "causes", "exams and tests", "outlook", "susceptibility",
    "stages", "genetic changes", "inheritance", "complications",
})
# Subsets whose focus is nearly always a disease (others mix in topics like "Exercise").
DISEASE_SUBSETS = frozenset({"1_CancerGov_QA", "2_GARD_QA", "3_GHR_QA", "6_NINDS_QA"})

DIAGNOSIS_STORIES = (
    "I'm {age} and my {relative} was just diagnosed with {x}.",
    "My {relative} has had {x} for {years} years now.",
    "My doctor thinks I might have {x}.",
    "I was diagnosed with {x} {when}.",
    "My {relative} is {age} and was told last week it is {x}.",
    "We just found out our {child} has {x} and we are trying to learn everything we can.",
)
NEUTRAL_STORIES = (
    "I keep reading about {x} online and I'm confused.",
    "My {relative} and I were talking about {x} the other day.",
    "At my last check-up the doctor mentioned {x}.",
    "I'm {age} and a bit worried about {x}.",
    "A friend of mine told me about {x}.",
)
ASIDES = (
    "I'm really worried.", "We live far from a big hospital.", "Sorry for my english.",
    "I have searched everywhere but can't find a clear answer.",
    "The doctor didn't explain much.", "",
)
CLOSINGS = ("Thanks in advance.", "Any advice is appreciated.", "Please help.", "thank you",
            "Thanks!", "")
RELATIVES = ("mom", "dad", "husband", "wife", "sister", "brother", "son", "daughter",
             "grandmother", "grandfather", "aunt", "best friend")
CHILDREN = ("son", "daughter", "baby", "little boy", "little girl")
WHEN = ("last month", "a few weeks ago", "two years ago", "yesterday", "in March")
