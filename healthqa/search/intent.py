"""What a reader's question asks about: the MedQuAD question types it points to."""

from __future__ import annotations

import re

# Patterns over the lower-cased query, each naming the question types (MedQuAD's qtype
# values) a reader means with it. Order does not matter; a query may point to several.
_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (r"\b(treat\w*|cure[sd]?|curable|therap\w*|manag\w*|get rid of|remed\w*|what can (i|we|"
     r"you) do|medication for|medicine for|surgery|heal)\b", ("treatment",)),
    (r"\b(symptom\w*|signs?|feel like|look like|how do (i|you) know|warning)\b", ("symptoms",)),
    (r"\b(caus\w*|why do|why does|why am|why is|reason\w*|how do (you|i|people) get|"
     r"triggers?|what makes)\b", ("causes",)),
    (r"\b(diagnos\w*|test\w*|exam\w*|scan|screen\w*|check for|detect\w*|find out if)\b",
     ("exams and tests",)),
    (r"\b(prevent\w*|avoid\w*|reduce (the|my) risk|lower (the|my) risk|protect)\b",
     ("prevention",)),
    (r"\b(outlook|prognos\w*|life expectancy|surviv\w*|go away|recover\w*|fatal|die|"
     r"how long|will it|long[- ]term)\b", ("outlook",)),
    (r"\b(inherit\w*|genetic\w*|hereditary|passed down|run in (the )?famil\w*|gene)\b",
     ("inheritance", "genetic changes")),
    (r"\b(how (many|common)|prevalen\w*|frequen\w*|rare)\b", ("frequency",)),
    (r"\b(at risk|risk factors?|who gets|who is likely|susceptib\w*|more likely)\b",
     ("susceptibility",)),
    (r"\b(complications?|lead to|worse|consequences)\b", ("complications",)),
    (r"\b(side[- ]effects?|adverse|reaction)\b", ("side effects",)),
    (r"\b(research|clinical trials?|studies|study)\b", ("research",)),
    (r"\b(forg[eo]t\w* (a |to take |my )?(dose|pill)|missed (a )?dose)\b", ("forget a dose",)),
    (r"\b(overdose|too much|took too many)\b", ("emergency or overdose",)),
    (r"\b(stor(e|age|ing)|dispos\w*|throw away)\b", ("storage and disposal",)),
    (r"\b(stages?|staging)\b", ("stages",)),
    (r"\b(support groups?|organi[sz]ations?)\b", ("support groups",)),
    (r"\b(when (should|to) (i )?(see|call|contact)|see a doctor|go to the (er|hospital))\b",
     ("when to contact a medical professional",)),
    (r"\b(diet\w*|eat\w*|food|foods)\b", ("dietary",)),
    (r"\b(used for|what is .* for|indicat\w*|why (is|was) .* prescribed)\b",
     ("indication", "usage")),
    (r"\b(how (should|do) i (take|use)|how to (take|use))\b", ("usage",)),
    (r"\b(precautions?|before (taking|using)|safe to take|pregnan\w* .*(take|use))\b",
     ("precautions",)),
    (r"\b(what is|what are|what's|whats|information|explain|tell me about|meaning)\b",
     ("information",)),
)
_COMPILED = tuple((re.compile(p), types) for p, types in _RULES)


def question_types(query: str) -> frozenset[str]:
    """The question types a query asks about (empty when nothing points anywhere)."""
    text = query.lower()
    found: set[str] = set()
    for pattern, types in _COMPILED:
        if pattern.search(text):
            found.update(types)
    if len(found) > 1:
        found.discard("information")  # "what is the treatment for X" asks about treatment
    return frozenset(found)
