"""What a reader's question asks about: the MedQuAD question types it points to."""

from __future__ import annotations

import re

from healthqa.search.text import stem_words

# Patterns over the lower-cased query, each naming the question types (MedQuAD's qtype
# values) a reader means with it, and the types it overrides when both are found ("which
# mutations cause X" asks about genetic changes, not causes in general). A query may point
# to several types. Tuned on the even half of the dev set and checked on RQE
# (docs/evaluation.md).
# "get" as in catching a disease, not "get tested", "get rid of" or "get information".
_GET = (r"(get|catch|develop)\b(?! (tested|checked|diagnosed|rid|treated|better|help|"
        r"information|info|more|advice|an? |in touch|through|over|to\b))")
_RULES: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    (r"\b(treat\w*|cure[sd]?|curable|therap\w*|manag\w*|get rid of|remed\w*|what can (i|we|"
     r"you) do|(medicines?|medications?|drugs?) (for|helps?|to take)|what (medicine|medication"
     r"|drug)s?|what helps|surgery|heal)\b", ("treatment",), ()),
    (r"\b(symptom\w*|signs?|feel like|look like|how do (i|you) know|warning|tell (if|whether)|"
     r"know if)\b", ("symptoms",), ()),
    (r"\b(caus\w*|why do|why does|why did|why am|why is|reason\w*|triggers?|what makes|"
     r"brings? on|comes? from|how (do|does|did|can) (you|i|someone|somebody|people|one|anyone"
     r"|a person) " + _GET + r")", ("causes",), ()),
    (r"\b(diagnos\w*|test\w*|exam\w*|scan|screen\w*|check for|detect\w*|find out if)\b",
     ("exams and tests",), ()),
    (r"\b(prevent\w*|avoid\w*|reduce (the|my) risk|lower (the|my) risk|protect)\b",
     ("prevention",), ()),
    (r"\b(outlook|prognos\w*|life expectancy|surviv\w*|go away|recover\w*|fatal|die|"
     r"how long|will it|long[- ]term|get better|normal life)\b", ("outlook",), ()),
    (r"\b(inherit\w*|genetic\w*|hereditary|passed down|run in (the )?famil\w*|gene|"
     r"(kids|children|child|baby|son|daughter) (get|have)|pass\w* (it |this )?(on|down))\b",
     ("inheritance", "genetic changes"), ()),
    (r"\b(mutat\w*|(which|what) genes?)\b", ("genetic changes",), ("causes",)),
    (r"\b(how (many|common|rare|often)|prevalen\w*|frequen\w*|rare)\b", ("frequency",), ()),
    (r"\b(at risk|risk factors?|who gets|who is likely|susceptib\w*|more likely|likely to get|"
     r"(can|could) (anyone|i|someone|people|my \w+) " + _GET + r")", ("susceptibility",),
     ()),
    (r"\b(complications?|lead to|worse|consequences|dangerous|life[- ]threatening)\b",
     ("complications",), ()),
    (r"\b(side[- ]effects?|adverse|reaction)\b", ("side effects",), ()),
    # Consumers who mention research mostly want the treatment it may bring: both types.
    (r"\b(research\w*|clinical trials?|any trials|trials? (for|i could)|stud(y|ies|ying)|"
     r"new treatments?|being tested|experimental)\b", ("research",), ("exams and tests",)),
    (r"\b(forg[eo]t\w* (a |to take |my )?(dose|pill)|missed (a )?dose)\b", ("forget a dose",),
     ()),
    (r"\b(overdose|too much|took too many)\b", ("emergency or overdose",), ()),
    (r"\b(stor(e|age|ing)|dispos\w*|throw away)\b", ("storage and disposal",), ()),
    (r"\b(stages?|staging|progress\w*)\b", ("stages",), ()),
    (r"\b(support groups?|support for|organi[sz]ations?)\b", ("support groups",), ()),
    (r"\b(tips|living with|cope|coping|at home)\b", ("considerations",), ()),
    (r"\b(what (to|should i|should we) do)\b", ("considerations", "treatment"), ()),
    (r"\b(when (should|to) (i )?(see|call|contact)|see a doctor|go to the (er|hospital))\b",
     ("when to contact a medical professional",), ()),
    (r"\b(diet\w*|eat\w*|food|foods)\b", ("dietary",), ()),
    (r"\b(used for|what is [\w-]+ for|indicat\w*|why (is|was) .* prescribed)\b",
     ("indication", "usage"), ()),
    (r"\b(how (should|do) i (take|use)|how to (take|use))\b", ("usage",), ()),
    (r"\b(precautions?|before (taking|using)|safe to take|pregnan\w* .*(take|use))\b",
     ("precautions",), ()),
    (r"\b(what (exactly )?(is|are)|what.s|whats|information|info|explain|tell me about|"
     r"meaning|mean|know more|learn more|overview|definition)\b", ("information",), ()),
)
_COMPILED = tuple((re.compile(p), types, overrides) for p, types, overrides in _RULES)

# Cue words of the rules, so a misspelt cue still counts ("tretaed" -> "treated"). Only one
# edit away, same first letter (the letter people rarely get wrong: Yannakoudakis & Fawthrop
# 1983), and only words of five letters or more plus "what": shorter words are too close to
# others ("cure"/"care", "risk"/"rise").
_CUES = frozenset("""what treat treated treating treatment treatments therapy medicine medication
    remedy symptom symptoms signs cause causes caused causing diagnose diagnosed diagnosis
    tested tests testing screening prevent prevented prevention avoid outlook prognosis survive
    survival recover better normal inherited inherit genetic hereditary mutation mutations
    common often research studying study studies trials clinical complications dangerous stages
    progress support explain information anyone someone living children brings""".split())
# Real words one edit from a cue, which must stay as they are.
_NOT_TYPOS = frozenset("""that want wait when whet whit cases clause texts tasted present
    presents loving bitter sighs stapes studio""".split())
_LETTERS = re.compile(r"[a-z]+")


def _one_edit(a: str, b: str) -> bool:
    """True when a and b differ by one insertion, deletion, substitution or adjacent swap."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1
                                  and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])
    short, long = (a, b) if len(a) < len(b) else (b, a)
    i = next((i for i in range(len(short)) if short[i] != long[i]), len(short))
    return short[i:] == long[i + 1:]


def _cue(word: str) -> str:
    if len(word) < 3 or word in _CUES or word in _NOT_TYPOS:
        return word
    for cue in _CUES:
        if cue[0] == word[0] and (len(cue) >= 5 or cue == "what") and _one_edit(word, cue):
            return cue
    return word


def _cues_spelt(text: str) -> str:
    """The lower-cased text with misspelt cue words corrected."""
    return _LETTERS.sub(lambda m: _cue(m.group(0)), text.lower())


def question_types(query: str) -> frozenset[str]:
    """The question types a query asks about (empty when nothing points anywhere)."""
    text = _cues_spelt(query)
    found: set[str] = set()
    overridden: set[str] = set()
    for pattern, types, overrides in _COMPILED:
        if pattern.search(text):
            found.update(types)
            overridden.update(overrides)
    if found - overridden:
        found -= overridden
    if len(found) > 1:
        found.discard("information")  # "what is the treatment for X" asks about treatment
    return frozenset(found)


def question_type_of(question: str, *, default: str = "information") -> str:
    """The one question type a question's own text asks ("How is gout treated?" ->
    "treatment"), for a question stored without one: of the types found, the one whose rule
    is listed first; `default` when none is found."""
    found = question_types(question)
    for _, types, _ in _RULES:
        for qtype in types:
            if qtype in found:
                return qtype
    return default


def focus_words(question: str) -> frozenset[str]:
    """The words of a question that name what it is about, not what kind of question it is.

    For question texts without a recorded focus (the RQE FAQs): "What are the treatments for
    gout?" -> {"gout"}.
    """
    text = _cues_spelt(question)
    for pattern, _, _ in _COMPILED:
        text = pattern.sub(" ", text)
    return frozenset(stem_words(text))
