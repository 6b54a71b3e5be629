"""What people type, checked once: length, emptiness and characters no text should hold.

Text is stored as typed (escaped or sanitised when rendered); what cannot be stored sensibly
is refused with a message naming the field and what to change.
"""

from __future__ import annotations

import unicodedata

from healthqa.community.actions import InvalidInput

# Control characters other than tab and newlines, and the Unicode "non-characters": a sign of
# a wrong encoding or of text made to confuse, never of a health question.
_ALLOWED_CONTROLS = {"\t", "\n", "\r"}


def field_text(value: str | None, *, field: str, limit: int, required: bool = True,
               multiline: bool = False) -> str:
    """`value` trimmed (one line unless `multiline`), or InvalidInput saying what is wrong."""
    text = value if isinstance(value, str) else ""
    for ch in text:
        if (unicodedata.category(ch) in ("Cc", "Cs", "Co") and ch not in _ALLOWED_CONTROLS) \
                or ch == "\ufffd" or unicodedata.category(ch) == "Cn":
            raise InvalidInput(field, f"the {field} holds a character that is not text "
                                      f"(U+{ord(ch):04X}); was it pasted from another program?")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.strip() if multiline else " ".join(text.split())
    if required and not text:
        raise InvalidInput(field, f"the {field} is empty: please write it")
    if len(text) > limit:
        raise InvalidInput(field, f"the {field} is {len(text):,} characters long: please "
                                  f"shorten it to {limit:,} or fewer")
    return text
