"""The RQE (recognising question entailment) pairs of Ben Abacha & Demner-Fushman, AMIA 2016.

Each pair holds a consumer health question (chq), a frequently asked question (faq) and
whether answering the faq answers the chq. The XML pads texts with spaces and line breaks;
texts here have their whitespace collapsed to single spaces.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

_WS = re.compile(r"\s+")
_LABELS = {"true": True, "false": False}


@dataclass(frozen=True)
class RqePair:
    """One consumer question / FAQ pair and its entailment label."""

    pid: str
    chq: str
    faq: str
    label: bool
    type: str | None  # e.g. "originalQ-shortQ" in the training set; absent in validation


def _text(pair: ET.Element, tag: str, where: str) -> str:
    element = pair.find(tag)
    if element is None:
        raise ValueError(f"{where}: no <{tag}>")
    # Kept even when empty: train pair 5860 has an empty <faq>, and dropping it would change
    # the published pair count (8,588).
    return _WS.sub(" ", "".join(element.itertext())).strip()


def rqe_pairs_read(*, path: Path | str) -> list[RqePair]:
    """The pairs of one RQE XML file, in file order."""
    path = Path(path)
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as error:
        raise ValueError(f"{path}: not well-formed XML ({error})") from None
    pairs: list[RqePair] = []
    for element in root.iter("pair"):
        pid = element.get("pid", "")
        where = f"{path}: pair pid={pid!r}"
        value = (element.get("value") or "").strip().lower()
        if value not in _LABELS:
            raise ValueError(f"{where}: value {element.get('value')!r} is not true or false")
        pairs.append(RqePair(pid=pid, chq=_text(element, "chq", where),
                             faq=_text(element, "faq", where), label=_LABELS[value],
                             type=element.get("type")))
    return pairs
