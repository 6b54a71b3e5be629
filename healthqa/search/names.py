"""A focus as people name it: MedQuAD's headings and brackets dropped ("Parasites - Scabies"
is "Scabies"; "Tuberculosis (TB)" is "Tuberculosis")."""

from __future__ import annotations

import re

_BROCHURE = re.compile(r"^what i need to know about ", re.IGNORECASE)
_BRACKETS = re.compile(r"\s*\([^()]*\)")


def focus_plain(focus: str) -> str:
    """The focus as a person names it: "Parasites - Scabies" -> "Scabies", "Amylase - urine"
    -> "Amylase urine", "Insulin Glulisine (rDNA origin) Injection" -> "Insulin Glulisine
    Injection"; the focus itself (spaces collapsed) when that leaves too little."""
    parts = focus.split(" - ")
    # CDC files its parasites under a heading ("Parasites - Lice - Head Lice"); elsewhere the
    # parts after the first qualify it ("Abortion - surgical - aftercare").
    plain = parts[-1] if parts[0].strip().casefold() == "parasites" else " ".join(parts)
    plain = _BROCHURE.sub("", plain).strip()
    outer = _BRACKETS.sub("", plain).strip()
    name = outer if len(outer) >= 3 else plain
    return " ".join(name.split()) if len(name) >= 2 else " ".join(focus.split())
