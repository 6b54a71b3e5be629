"""Triage of urgent cases: a question that mentions an emergency gets fixed urgent-care guidance
before anything else.

The rules are a table of regular expressions over the lower-cased question, read top to
bottom. They err on the side of caution: "chest pain after a cold, mild" still triggers, because
a needless banner costs a reader a few seconds and a missed one may cost much more. `unless`
phrases are blanked out before matching, for the near-misses that are not emergencies ("pain
in my chest of drawers", "food poisoning", "can't breathe through my nose").

The guidance is written by us, fixed and country-neutral; it is never generated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

EMERGENCY = "emergency"
CRISIS = "crisis"
MATERNITY = "maternity"

# Shown most urgent first; the texts never change with the question.
GUIDANCE: dict[str, str] = {
    CRISIS: (
        "If you are thinking about suicide or about harming yourself, call your local "
        "emergency number or a suicide crisis line now. You do not have to face this alone: "
        "if you can, tell someone you trust and stay with them."
    ),
    EMERGENCY: (
        "Call your local emergency number now, or go to the nearest emergency department. "
        "Do not wait for an answer online."
    ),
    MATERNITY: (
        "If your baby is moving less than usual, or you cannot feel them moving, contact your "
        "midwife or maternity unit now. Do not wait until tomorrow. If you cannot reach them, "
        "call your local emergency number."
    ),
}
HEADLINES: dict[str, str] = {
    CRISIS: "Please get support now",
    EMERGENCY: "This may be an emergency",
    MATERNITY: "Contact your midwife or maternity unit now",
}
_ORDER = (CRISIS, EMERGENCY, MATERNITY)

_PREGNANT = (
    r"\b(pregnan\w*|expecting a baby|trimester|\d+ (weeks?|months?) (pregnant|gone)|"
    r"miscarr\w*|post-?partum|(just )?(had|given) birth|gave birth)\b",
)
_HEAVY = (
    r"(heav(y|ily)|a lot of|lots of|so much|soak\w*|gush\w*|pour\w*|clots?|won't stop|"
    r"will not stop|not stopping|severe)"
)
_BLEED = r"(bleed\w*|blood)"
_SELF = r"(my ?self|myself)"


@dataclass(frozen=True)
class Rule:
    """One emergency: any of `patterns` (and one of `context`, when given) after `unless`."""

    key: str
    label: str  # completes "Your question mentions ..."
    kind: str  # which fixed guidance it leads to
    patterns: tuple[str, ...]
    context: tuple[str, ...] = ()
    unless: tuple[str, ...] = ()
    _compiled: tuple[re.Pattern[str], ...] = field(init=False, repr=False, compare=False)
    _context: tuple[re.Pattern[str], ...] = field(init=False, repr=False, compare=False)
    _unless: tuple[re.Pattern[str], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for name, source in (("_compiled", self.patterns), ("_context", self.context),
                             ("_unless", self.unless)):
            object.__setattr__(self, name, tuple(re.compile(p) for p in source))

    def matches(self, text: str) -> bool:
        """True when the normalised text mentions this emergency."""
        for near_miss in self._unless:
            text = near_miss.sub(" ", text)
        if not any(p.search(text) for p in self._compiled):
            return False
        return not self._context or any(p.search(text) for p in self._context)


RULES: tuple[Rule, ...] = (
    Rule(
        "pregnancy-bleeding", "heavy bleeding in pregnancy", EMERGENCY,
        patterns=(
            rf"\b{_HEAVY}\b[^.?!]{{0,40}}\b{_BLEED}",
            rf"\b{_BLEED}\b[^.?!]{{0,40}}\b{_HEAVY}",
            r"\b(ha)?emorrhag\w*",
        ),
        context=_PREGNANT,
        unless=(r"\bblood (pressure|sugars?|tests?|type|group|count|glucose|levels?)\b",),
    ),
    Rule(
        "bleeding", "bleeding that will not stop", EMERGENCY,
        patterns=(
            r"\b(won't|will not|can't|cannot|doesn't|does not) stop bleeding\b",
            r"\bbleeding (heavily )?(and )?(won't|will not|doesn't|does not) stop\b",
            r"\b(spurting|pumping) blood\b", r"\bbleeding (profusely|heavily from)\b",
        ),
    ),
    Rule(
        "chest-pain", "chest pain", EMERGENCY,
        patterns=(
            r"\bchest\b[^.?!]{0,30}\b(pain\w*|hurt\w*|ache\w*|aching|tight\w*|pressure|"
            r"heav(y|iness)|squeez\w*|crush\w*|discomfort)",
            r"\b(pain\w*|hurt\w*|ache\w*|aching|tight\w*|heaviness|squeez\w*|crush\w*|"
            r"discomfort)\b[^.?!]{0,20}\bchest\b",
            r"\bheart attack\b",
        ),
        unless=(r"\bchest of drawers\b", r"\btreasure chests?\b",
                r"\b(prevent\w*|avoid\w*)( having)? (a |another )?heart attacks?\b"),
    ),
    Rule(
        "stroke", "signs of a stroke", EMERGENCY,
        patterns=(
            r"\b(face|mouth|smile)\b[^.?!]{0,20}\b(droop\w*|drop\w*|lopsided|numb\w*)",
            r"\bdroop\w*\b[^.?!]{0,15}\b(face|mouth|smile)\b",
            r"\bslurr\w*",
            r"\bspeech\b[^.?!]{0,15}\b(garbled|muddled|jumbled|strange)\b",
            r"\b(suddenly )?(can't|cannot|unable to) (speak|talk) (properly|clearly|normally)\b",
            r"\b(sudden\w* )?(weakness|numbness|paralys\w*)\b[^.?!]{0,25}\b(one side|left side|"
            r"right side|arm|leg|face)\b",
            r"\b(arm|leg)s? (is |are |feels? |went |has gone )?(suddenly )?(weak|numb|"
            r"paralys\w*|dead)\b",
            r"\b(can't|cannot) (lift|raise) (my|his|her|their|one) arm",
            r"\b(having|had|is this|could (it|this) be|think\b[^.?!]{0,25}) a (mini[- ])?stroke\b",
            r"\bsigns? of (a )?stroke\b",
        ),
        unless=(r"\bheat ?stroke\b",),
    ),
    Rule(
        "self-harm", "thoughts of suicide or self-harm", CRISIS,
        patterns=(
            r"\bsuicid\w*", rf"\bkill(ing)? {_SELF}\b", r"\bend(ing)? (it all|my (own )?life)\b",
            r"\btake my (own )?life\b", r"\bself[- ]?harm\w*",
            rf"\b(want\w*|going|think\w* (about|of)|thoughts? (about|of)|urges? to|feel like)\b"
            rf"[^.?!]{{0,12}}\b(hurt\w*|harm\w*|cut\w*|burn\w*) {_SELF}\b",
            r"\b(don't|do not) want to (live|be alive|be here anymore|wake up)\b",
            r"\bbetter off dead\b", r"\bwant(ed)? to die\b",
            r"\bwish (i|that i) (was|were|had been) dead\b",
            r"\bno (reason|point) (to|in) (live|living|going on)\b", r"\bcan't go on\b",
        ),
    ),
    Rule(
        "anaphylaxis", "a severe allergic reaction", EMERGENCY,
        patterns=(
            r"\banaphyla\w*", r"\bsevere allerg\w*",
            r"\b(throat|tongue)\b[^.?!]{0,20}\b(swell\w*|swollen|clos\w*|tight\w*)",
            r"\b(swell\w*|swollen)\b[^.?!]{0,20}\b(throat|tongue)\b",
            r"\ballergic reaction\b[^.?!]{0,40}\b(breath\w*|throat|tongue|lips?|swell\w*|"
            r"swollen|wheez\w*|faint\w*|dizzy)",
            r"\b(used|use|need\w*|give|gave) (an |my |his |her |the )?(epi-?pen|adrenaline "
            r"(auto-?)?injector)",
        ),
    ),
    Rule(
        "breathing", "trouble breathing", EMERGENCY,
        patterns=(
            r"\b(can't|cannot|can not|couldn't|unable to|struggling to|fighting to) "
            r"(breathe|breath|catch (my|his|her|their) breath)\b",
            r"\b(not|stopped|isn't|is not|wasn't) breathing\b", r"\bdifficulty breathing\b",
            r"\bgasping\b", r"\bchok(ing|ed|es)\b", r"\b(turning|turned|going) blue\b",
            r"\b(lips|face|skin) (are |is )?(turning |going )?blue\b",
            r"\bsevere(ly)? (short(ness)? of breath|breathless\w*)\b",
        ),
        unless=(r"\bbreathe? (properly |well )?through (my|the|his|her|their|one) "
                r"(nose|nostrils?)\b",),
    ),
    Rule(
        "unconscious", "someone unconscious or unresponsive", EMERGENCY,
        patterns=(
            r"\bunconscious\b", r"\bunresponsive\b", r"\bcollapsed\b",
            r"\b(lost|losing|loss of) consciousness\b",
            r"\b(won't|will not|can't|cannot|couldn't) (wake|rouse) (him|her|them|my|up my)\b",
            r"\b(he|she|they|baby|child|son|daughter|husband|wife|partner|mum|mom|dad|father|"
            r"mother) (won't|will not|isn't|is not|can't be) (wake|waking|woken)",
        ),
    ),
    Rule(
        "seizure", "a seizure", EMERGENCY,
        patterns=(
            r"\bseiz(ure|ures|ing)\b", r"\bconvuls\w*", r"\b(having|had|has) a fit\b",
            r"\b(epileptic|febrile) fits?\b",
        ),
        unless=(r"\b(anti-?)?seizure (medicines?|medications?|meds|drugs?|tablets?)\b",),
    ),
    Rule(
        "poisoning", "an overdose or poisoning", EMERGENCY,
        patterns=(
            r"\boverdos\w*",
            r"\b(took|taken|swallowed|ate|eaten|drank|drunk)\b[^.?!]{0,25}\btoo (many|much)\b",
            r"\btoo (many|much) (pills|tablets|paracetamol|acetaminophen|tylenol|ibuprofen|"
            r"aspirin|insulin)\b",
            r"\bpoison\w*",
            r"\b(swallowed|ate|eaten|drank|drunk)\b[^.?!]{0,25}\b(bleach|batter(y|ies)|"
            r"magnets?|detergent|chemicals?|antifreeze|pesticides?|weed ?killer|"
            r"cleaning (fluid|product)s?|laundry pods?)\b",
        ),
        unless=(r"\bfood poisoning\b", r"\bpoison (ivy|oak|sumac)\b"),
    ),
    Rule(
        "head-injury", "a serious head injury", EMERGENCY,
        patterns=(
            r"\b(serious|severe|bad) head injur\w*", r"\bknocked (out|unconscious)\b",
            r"\bskull fracture\w*", r"\bfractured (my |his |her |their )?skull\b",
            r"\b(fell|fall\w*|hit|bang\w*|knock\w*|struck|smack\w*)\b[^.?!]{0,30}\bhead\b"
            r"[^.?!]{0,60}\b(vomit\w*|being sick|throw\w* up|drows\w*|confus\w*|blood|"
            r"bleed\w*|fluid|seiz\w*|sleepy|hard|blurr\w*|can't remember|unconscious)",
            r"\bhead injur\w*[^.?!]{0,60}\b(vomit\w*|being sick|drows\w*|confus\w*|bleed\w*|"
            r"seiz\w*|unconscious|blurr\w*)",
        ),
    ),
    Rule(
        "baby-movements", "a baby moving less or not at all", MATERNITY,
        patterns=(
            r"\bbab(y|y's|ies)\b[^.?!]{0,30}\b(not|isn't|hasn't|haven't|stopped|no longer|"
            r"less|fewer|reduced)\b[^.?!]{0,20}\b(mov\w*|kick\w*)",
            r"\bbab(y|ies)\b[^.?!]{0,20}\b(mov\w*|kick\w*)\b[^.?!]{0,15}\b(less|slow\w*|"
            r"stopped)\b",
            r"\b(reduced|fewer|less|decreased|no) (fetal|foetal|baby'?s?)? ?(movements?|kicks?)\b",
            r"\b(can't|cannot|haven't|hasn't|not|don't|didn't) (feel|felt|feeling) "
            r"(the|my|our) baby\b",
        ),
    ),
)


@dataclass(frozen=True)
class Triage:
    """What a question mentions that needs urgent care (empty when nothing does)."""

    reasons: tuple[str, ...] = ()  # the labels of the rules that matched, in table order
    kinds: tuple[str, ...] = ()  # which guidance to show, most urgent first

    @property
    def urgent(self) -> bool:
        return bool(self.kinds)

    @property
    def headline(self) -> str:
        return HEADLINES[self.kinds[0]] if self.kinds else ""

    @property
    def guidance(self) -> tuple[str, ...]:
        return tuple(GUIDANCE[kind] for kind in self.kinds)


def _normalise(text: str) -> str:
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    return " ".join(text.split())


# More than any question the ask form takes; bounds the work on hostile input.
MAX_TRIAGE_CHARS = 20_000


def question_triage(*, text: str) -> Triage:
    """The emergencies a reader's question mentions, with the guidance to lead with."""
    normalised = _normalise(text[:MAX_TRIAGE_CHARS])
    matched = [rule for rule in RULES if rule.matches(normalised)]
    kinds = {rule.kind for rule in matched}
    return Triage(
        reasons=tuple(dict.fromkeys(rule.label for rule in matched)),
        kinds=tuple(kind for kind in _ORDER if kind in kinds),
    )
