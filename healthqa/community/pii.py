"""Personal details in a member's text, found so they can be highlighted and removed.

Before a member sends a health question to the experts, and when an editor moderates it, the
text is scanned for details that identify a person: phone numbers, e-mail addresses, postal
addresses, dates of birth, record numbers (medical record, NHS, social security, insurance)
and names. Only regular expressions and small word lists: no network, no model.

Health questions are full of numbers (doses, years, ages, blood pressure) and capitalised
medical words, so every pattern asks for a shape or a keyword that those do not have: the aim
is to flag what is very likely personal, and to say little about the rest.

The text may be hostile. Every pattern starts at the beginning of a run (a look-behind) and
uses bounded repetitions with no nested ambiguity, so a scan stays linear on 10,000 characters
of anything; the HTML form escapes the whole text before marking it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

LABELS = {
    "phone": "phone number",
    "email": "e-mail address",
    "address": "postal address",
    "date_of_birth": "date of birth",
    "record_number": "record number",
    "name": "name",
}

# Two findings starting at the same place and as long: the earlier kind wins. An NHS number
# "943 476 5919" after "NHS number" is a record number, though shaped like a phone number.
_PRIORITY = ["record_number", "email", "date_of_birth", "phone", "address", "name"]


@dataclass(frozen=True)
class Finding:
    """One personal detail: its kind and where it is (text == the_text[start:end])."""

    kind: str
    start: int
    end: int
    text: str

    @property
    def label(self) -> str:
        """The kind in words, for the reader ("phone number")."""
        return LABELS[self.kind]


# --- Numbers -------------------------------------------------------------------------------

# A number starts a run: not inside a word or a longer number, nor after "/" "." "-" (the
# second half of "140/90", a decimal, a range or a date). And it ends the run.
_NUM_START = r"(?<![\w+/.-])"
_NUM_END = r"(?![\w/]|[.-]\d)"

_PHONE = re.compile(
    _NUM_START + r"(?:"
    # International: "+", a country code, then digits unbroken or in separated groups
    # ("+44 20 7946 0958", "+1 (555) 123-4567", "+44 (0)20 ..."); digits are counted below.
    r"\+(?:\d{7,15}|\d{1,3}(?:[ .-]?\(\d{1,4}\)[ .-]?\d{1,5})?(?:[ .-]\d{1,5}){1,5})"
    # North American 3-3-4, optionally after "1" (the grouping keeps "2019 2020 2021" out);
    # an area code never starts with 0 or 1.
    r"|(?:1[ .-]?)?(?:\([2-9]\d{2}\)[ .-]?|[2-9]\d{2}[ .-]?)\d{3}[ .-]?\d{4}"
    # A national trunk "0" (UK and most of Europe): "07700 900123", "020 7946 0958".
    r"|0\d{2,4}(?:[ .-]?\d{3,4}){1,2}"
    # French style pairs: "06 12 34 56 78".
    r"|0\d(?:[ .-]\d{2}){4}"
    r")" + _NUM_END
)


def _phone_ok(number: str) -> bool:
    """International numbers hold 8 to 15 digits (E.164); national ones 10 or 11."""
    digits = sum(ch.isdigit() for ch in number)
    return 8 <= digits <= 15 if number.startswith("+") else 10 <= digits <= 11


# Local part, "@", dot-separated domain labels and a top-level domain of letters. Starting only
# at the beginning of a run keeps a long run without "@" from being rescanned at every letter.
_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@"
    r"(?:[A-Za-z0-9-]{1,63}\.){1,8}[A-Za-z]{2,24}(?![A-Za-z0-9-])"
)

# Social security numbers have their own shape, 3-2-4, found with or without a keyword.
_SSN = re.compile(r"(?<![\w-])\d{3}-\d{2}-\d{4}(?![\w-])")

# Otherwise an identifier is a record number only after a word saying what it is.
_RECORD_WORDS = (
    r"medical[ \t]+record(?:[ \t]+(?:number|no\.?))?"
    r"|mrn"
    r"|(?:patient|hospital|chart|case)[ \t]+(?:id|identifier|number|no\.?)"
    r"|nhs(?:[ \t]+(?:number|no\.?))?"
    r"|ssn|social[ \t]+security(?:[ \t]+(?:number|no\.?))?"
    r"|(?:insurance|policy|member|membership|subscriber|medicare|medicaid|claim|account)"
    r"(?:[ \t]+(?:policy|member))?(?:[ \t]+(?:id|number|no\.?)|(?=[ \t]*\#))"
)
_RECORD = re.compile(
    rf"\b(?:{_RECORD_WORDS})(?!\w)[ \t]*(?:[:#=][ \t]*)?(?:(?:is|was)[ \t]+)?(?:[:#][ \t]*)?"
    r"(?P<value>"
    # The NHS (3-3-4) and spaced social security (3-2-4) shapes.
    r"\d{3}[ -]\d{3}[ -]\d{4}(?!\w)|\d{3}[ -]\d{2}[ -]\d{4}(?!\w)"
    # Or one token of at least four letters, digits and dashes, holding a digit: "00123456",
    # "ABC-12345". Four keeps "NHS 111" (the helpline) out.
    r"|(?=[A-Za-z0-9-]{0,24}\d)[A-Za-z0-9][A-Za-z0-9-]{3,24}(?!\w))",
    re.IGNORECASE,
)

# --- Postal addresses ----------------------------------------------------------------------

_STREET_TYPES = (
    "Street|street|St|Avenue|avenue|Ave|Road|road|Rd|Lane|lane|Ln|Drive|drive|Dr|Boulevard|Blvd"
    "|Court|Ct|Place|Pl|Way|Terrace|Close|Crescent|Square|Sq|Parkway|Pkwy|Highway|Hwy|Circle"
    "|Row|Gardens|Grove|Mews"
)
# House number, one to three capitalised street-name words (or "5th"), a street word, and an
# optional flat or suite: "742 Evergreen Terrace", "221B Baker St., Apt 4". The capitals keep
# "walk 5 blocks down the road" out.
_STREET = re.compile(
    r"(?<![\w/.-])\d{1,5}[A-Za-z]?"
    r"(?:[ \t]+(?:[A-Z][\w'’-]{0,30}|\d{1,3}(?:st|nd|rd|th))){1,3}"
    rf"[ \t]+(?:{_STREET_TYPES})\b\.?"
    r"(?:,?[ \t]*(?:Apt|Apartment|Suite|Ste|Unit|Flat|\#)\.?[ \t]*\#?[A-Za-z0-9-]{1,6}\b)?"
)
# A US ZIP code counts only after a state abbreviation ("IL 62704"): a bare five-digit number
# is as likely a dose or a count.
_US_STATES = (
    "AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH"
    "|NJ|NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY"
)
_US_ZIP = re.compile(rf"\b(?:{_US_STATES}),?[ \t]+\d{{5}}(?:-\d{{4}})?(?![\w-])")
# Or after the word itself: "zip code 62704", "postcode: 90210".
_ZIP_AFTER_WORD = re.compile(
    r"\b(?:zip|(?:zip|postal|post)[ \t]?code)[ \t]*(?:is[ \t]+|[:#][ \t]*)?"
    r"(?P<value>\d{5}(?:-\d{4})?)(?![\w-])",
    re.IGNORECASE,
)
# A UK postcode, with the letters the Royal Mail allows in each place: the inward part never
# uses C, I, K, M, O or V, which keeps "B12 5MG" (a vitamin dose) out.
_UK_POSTCODE = re.compile(r"\b[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]?[ \t]?\d[ABD-HJLNP-UW-Z]{2}\b")

# Between two parts of one address: a comma, a line break, perhaps a town ("..., Springfield,").
_ADDRESS_GAP = re.compile(
    r"[ \t]*,?[ \t]*\n?[ \t]*(?:[A-Z][\w'’-]*(?:[ \t]+[A-Z][\w'’-]*){0,2}[ \t]*,?[ \t]*\n?[ \t]*)?"
)

# --- Dates -----------------------------------------------------------------------------------

_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\b\.?"
)
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?(?!\d)"
_YEAR = r"(?:19|20)\d{2}(?!\d)"
_NUMERIC_DATE = r"\d{1,2}[/.-]\d{1,2}[/.-](?:19|20)\d{2}|(?:19|20)\d{2}[/.-]\d{1,2}[/.-]\d{1,2}"

# A full date (day, month and year) may well be a date of birth, whatever surrounds it.
_FULL_DATE = re.compile(
    r"(?<![\w/.-])(?:"
    rf"(?:{_NUMERIC_DATE}){_NUM_END}"                    # 03/14/1985, 14.03.1985, 1985-03-14
    rf"|{_MONTH}[ \t]+{_DAY},?[ \t]+{_YEAR}"             # March 14, 1985
    rf"|{_DAY}[ \t]+(?:of[ \t]+)?{_MONTH},?[ \t]+{_YEAR}"  # 14 March 1985, 14th of March 1985
    r")",
    re.IGNORECASE,
)
# After "born", "DOB", "date of birth" or "birthday", part of a date is enough: "born in
# March 1985", "DOB 3/14/85", "my birthday is June 2nd", "born in 1985".
_DOB_AFTER_WORD = re.compile(
    r"\b(?:born|d\.?o\.?b|date[ \t]+of[ \t]+birth|birth[ \t]?date|birthday)\b\.?"
    r"[ \t]*[:=-]?[ \t]*(?:(?:is|was|on|in|of|the)[ \t]+){0,3}"
    r"(?P<value>"
    rf"(?:\d{{1,2}}[/.-]\d{{1,2}}[/.-](?:\d{{4}}|\d{{2}})|{_NUMERIC_DATE}){_NUM_END}"
    rf"|{_MONTH}[ \t]+(?:{_DAY}(?:,?[ \t]+{_YEAR})?|{_YEAR})"
    rf"|{_DAY}[ \t]+(?:of[ \t]+)?{_MONTH}(?:,?[ \t]+{_YEAR})?"
    rf"|{_YEAR}"
    r")",
    re.IGNORECASE,
)


def _date_ok(date: str) -> bool:
    """A numeric date uses one separator and a real day and month, in either order (named
    months and lone years are already checked by the pattern)."""
    if not re.fullmatch(r"\d+[/.-]\d+[/.-]\d+", date):
        return True
    if len(set(re.findall(r"[/.-]", date))) > 1:  # "3.5-2019" is not a date
        return False
    first, second, third = (int(part) for part in re.split(r"[/.-]", date))
    if first > 31:  # year first: month, then day
        return 1 <= second <= 12 and 1 <= third <= 31
    return (1 <= first <= 12 and 1 <= second <= 31) or (1 <= first <= 31 and 1 <= second <= 12)


# --- Names -----------------------------------------------------------------------------------

# Names appear only in a few phrasings, and only as capitalised words that are not ordinary or
# medical ones: a capital alone means nothing (sentence starts, "Metformin", "Type 2").
# A word: letters, with inner apostrophes or hyphens ("O'Brien", "Mary-Jane"), any script.
_WORD = r"[^\W\d_]+(?:['’-][^\W\d_]+)*"
# Up to three words not starting with an ASCII small letter ("Jane Doe and" stops at "and");
# _looks_like_name checks capitals in other scripts.
_NAME_WORD = r"[^\W\d_a-z][^\W\d_]*(?:['’-][^\W\d_]+)*"
_NAME = rf"(?P<name>{_NAME_WORD}(?:[ \t]+{_NAME_WORD}){{0,2}})"
_WORD_RE = re.compile(_WORD)
_POSSESSIVE = re.compile(r"['’]s$")

# Capitalised words that are not names here: function words, greetings, feelings, days and
# months (so "my daughter May" is missed: conservative), titles, family words ("Love, Mum"),
# common conditions and self-descriptions ("I am Diabetic", "I'm British").
_NOT_NAMES = frozenset(
    """a an the and or but so if of in on at to for from with by as is was be been am are not
    no yes very really just still also too now then here there this that these those it its he
    she they we you i me my his her our their who what when where why how which hi hello hey
    dear thanks thank please sorry sure fine okay ok well good glad happy sad worried concerned
    scared afraid anxious nervous confused tired sick ill unwell healthy going trying taking
    having getting feeling looking wondering asking writing hoping new old young retired single
    married divorced widowed pregnant male female everyone everybody all anyone doctor doctors
    doc nurse sir madam team mr mrs ms mx miss dr prof professor monday tuesday wednesday
    thursday friday saturday sunday january february march april may june july august september
    october november december today tomorrow yesterday type stage grade level diabetic diabetes
    asthmatic asthma epileptic epilepsy cancer covid allergic anemic anaemic hypertensive
    insulin metformin vegan vegetarian celiac coeliac autistic disabled deaf blind british
    english scottish welsh irish american canadian australian indian chinese african asian
    european hispanic latino latina black white jewish muslim christian catholic hindu mum mom
    dad mother father son daughter husband wife anonymous""".split()
)

# "my name is Jane Doe", "my son's name is Tom", "I am Jane Doe", "I'm Jane", "call me Jo".
_INTRO = re.compile(
    r"(?i:\b(?:(?:my|his|her|their|our)[ \t]+(?:[a-z]+['’]s[ \t]+)?name[ \t]+is"
    r"|my[ \t]+name['’]s|i[ \t]+am|i['’]m|call[ \t]+me))[ \t]+" + _NAME
)
# "my son Tom", "my husband, John Smith": a relative, then the name.
_RELATIVE = re.compile(
    r"(?i:\bmy[ \t]+(?:(?:little|baby|older|younger|eldest|oldest|youngest|elder|big|twin|late"
    r"|teenage)[ \t]+)?(?:son|daughter|husband|wife|partner|mother|mom|mum|father|dad|brother"
    r"|sister|child|kid|baby|boyfriend|girlfriend|fianc[eé]e?|grandson|granddaughter"
    r"|grandmother|grandma|gran|grandfather|grandpa|aunt|uncle|niece|nephew|cousin|friend"
    r"|neighbou?r|carer|stepson|stepdaughter|stepmother|stepfather))(?:[ \t]*,)?[ \t]+" + _NAME
)
# "Dr. Smith", "Mrs Jones", "Mr. John Smith": the title is kept in the finding.
_TITLE = re.compile(
    r"\b(?:Dr|Mr|Mrs|Ms|Mx|Miss|Prof|Doctor|Professor)\b(?:\.[ \t]*|[ \t]+)" + _NAME
)
# A sign-off at a line or sentence start, then only a name up to the end of the message:
# "Thanks, Jane Doe", "Kind regards,\nJohn Smith", "Thank you in advance! Jane".
_SIGN_OFF = re.compile(
    r"(?:^|(?<=[.!?]))[ \t]*(?i:(?:(?:many|kind|best|warm|warmest)[ \t]+)?"
    r"(?:thanks|thank[ \t]+you|regards|wishes|cheers|sincerely|yours[ \t]+(?:sincerely|truly"
    r"|faithfully)|best|love|take[ \t]+care)(?:[ \t]+(?:in[ \t]+advance|again|so[ \t]+much"
    r"|a[ \t]+lot))?)[ \t]*[,.!:-]{0,3}[ \t]*(?:\n[ \t]*){0,3}" + _NAME + r"[ \t]*[.!]?\s*\Z",
    re.MULTILINE,
)
# Or a dashed name on the last line: "...\n- Jane".
_DASH_SIGNATURE = re.compile(r"\n[ \t]*[-–—~]{1,2}[ \t]*" + _NAME + r"[ \t]*\s*\Z")


def _looks_like_name(word: str) -> bool:
    """Capitalised, not all capitals (an acronym), and not an ordinary word."""
    return (len(word) >= 2 and word[0].isupper() and not word.isupper()
            and word.lower() not in _NOT_NAMES)


def _name_end(match: re.Match[str], *, whole: bool) -> int | None:
    """Where the name in `match` ends: after its leading name-like words (all of them if
    `whole`, else None), a possessive "'s" left out ("Emma's rash"); None if there is none."""
    start = match.start("name")
    end = None
    for word in _WORD_RE.finditer(match.group("name")):
        base = _POSSESSIVE.sub("", word.group())
        if not _looks_like_name(base):
            return None if whole else end
        end = start + word.start() + len(base)
        if base != word.group():  # a possessive ends the name
            break
    return end


def _names(text: str) -> Iterable[tuple[int, int]]:
    for pattern, whole, with_prefix in ((_INTRO, False, False), (_RELATIVE, False, False),
                                        (_TITLE, False, True), (_SIGN_OFF, True, False),
                                        (_DASH_SIGNATURE, True, False)):
        # Search again right after each name (not after the match's last word), so "Mrs Jones
        # Mr. Smith" finds both.
        position = 0
        while (match := pattern.search(text, position)) is not None:
            end = _name_end(match, whole=whole)
            if end is not None:
                yield (match.start() if with_prefix else match.start("name")), end
            position = end if end is not None else match.start("name")


# --- Finding and merging ---------------------------------------------------------------------

# (kind, pattern, the group holding the detail, an extra check on its text)
_RULES: list[tuple[str, re.Pattern[str], int | str, Callable[[str], bool] | None]] = [
    ("phone", _PHONE, 0, _phone_ok),
    ("email", _EMAIL, 0, None),
    ("record_number", _SSN, 0, None),
    ("record_number", _RECORD, "value", None),
    ("address", _STREET, 0, None),
    ("address", _US_ZIP, 0, None),
    ("address", _ZIP_AFTER_WORD, "value", None),
    ("address", _UK_POSTCODE, 0, None),
    ("date_of_birth", _FULL_DATE, 0, _date_ok),
    ("date_of_birth", _DOB_AFTER_WORD, "value", _date_ok),
]


def personal_details(text: str) -> list[Finding]:
    """The personal details in `text`, in order; where two overlap, the one starting first
    (or, starting together, the longer) is kept."""
    found: list[Finding] = []
    for kind, pattern, group, check in _RULES:
        for match in pattern.finditer(text):
            start, end = match.span(group)
            if check is None or check(text[start:end]):
                found.append(Finding(kind, start, end, text[start:end]))
    found.extend(Finding("name", start, end, text[start:end]) for start, end in _names(text))

    found.sort(key=lambda f: (f.start, f.start - f.end, _PRIORITY.index(f.kind)))
    kept: list[Finding] = []
    for finding in found:
        if kept and finding.start < kept[-1].end:
            continue
        last = kept[-1] if kept else None
        # A street, a town and a ZIP code or postcode are one address, highlighted as one.
        if (last is not None and last.kind == finding.kind == "address"
                and _ADDRESS_GAP.fullmatch(text, last.end, finding.start)):
            kept[-1] = Finding("address", last.start, finding.end, text[last.start:finding.end])
            continue
        kept.append(finding)
    return kept


def personal_details_html(text: str) -> SafeString:
    """The whole text escaped, each personal detail in <mark class="pii" data-kind=...>.

    Newlines are kept as they are: the caller shows the result with white-space: pre-wrap.
    """
    parts: list[str] = []
    position = 0
    for finding in personal_details(text):
        parts.append(escape(text[position:finding.start]))
        parts.append(f'<mark class="pii" data-kind="{finding.kind}" '
                     f'title="{escape(finding.label)}">{escape(finding.text)}</mark>')
        position = finding.end
    parts.append(escape(text[position:]))
    return mark_safe("".join(parts))  # every piece of the text was escaped above


def personal_details_summary(findings: Iterable[Finding]) -> list[tuple[str, int]]:
    """(label, count) for each kind found, in first-seen order: [("phone number", 1), ...]."""
    counts: dict[str, int] = {}
    for finding in findings:
        counts[finding.label] = counts.get(finding.label, 0) + 1
    return list(counts.items())
