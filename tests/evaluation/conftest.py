"""Fixtures for the evaluation toolkit: a tiny MedQuAD made by code, and the real one."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from healthqa.evaluation.devset import CorpusQuestion, medquad_corpus_read
from tests.helpers import require_shared

# (qtype, MedQuAD template) as MedQuAD words them.
TEMPLATES = {
    "information": "What is (are) {x} ?",
    "symptoms": "What are the symptoms of {x} ?",
    "treatment": "What are the treatments for {x} ?",
    "causes": "What causes {x} ?",
    "inheritance": "Is {x} inherited ?",
}
FOCI = ("Gout", "Hypertension", "Tuberculosis (TB)", "Cystic fibrosis", "Migraine",
        "Atopic dermatitis", "Parasites - Loiasis", "Kidney stones")


def medquad_xml(*, focus: str, synonyms: Sequence[str], pairs: Sequence[tuple[int, str, str]],
                source: str = "GARD") -> str:
    """One MedQuAD document; pairs are (pid, qtype, answer) and pids may skip numbers."""
    synonym_xml = "".join(f"<Synonym>{escape(s)}</Synonym>" for s in synonyms)
    pair_xml = "".join(
        f'<QAPair pid="{pid}"><Question qid="1-{pid}" qtype="{qtype}">'
        f"{escape(TEMPLATES[qtype].format(x=focus))}</Question>"
        f"<Answer>{escape(answer)}</Answer></QAPair>"
        for pid, qtype, answer in pairs)
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<Document id="1" source="{source}" '
            f'url="https://example.org/x"><Focus>{escape(focus)}</Focus><FocusAnnotations>'
            f"<Synonyms>{synonym_xml}</Synonyms></FocusAnnotations>"
            f"<QAPairs>{pair_xml}</QAPairs></Document>\n")


def tiny_medquad_write(root: Path) -> Path:
    """Two answered subsets and one without answers (like A.D.A.M.), with duplicates across."""
    for subset, source, answered in (("2_GARD_QA", "GARD", True), ("3_GHR_QA", "GHR", True),
                                     ("10_MPlus_ADAM_QA", "ADAM", False)):
        folder = root / subset
        folder.mkdir(parents=True)
        for n, focus in enumerate(FOCI, start=1):
            # pids skip (1, 2, 5, ...) as in MedQuAD: external ids count positions instead.
            # GHR asks only some question types of each focus, the others all of them.
            types = list(TEMPLATES)[n % 2::2] if subset == "3_GHR_QA" else list(TEMPLATES)
            pairs = [(pid, qtype, f"About {focus}: {qtype}." if answered else "")
                     for pid, qtype in zip((1, 2, 5, 6, 9), types, strict=False)]
            (folder / f"{n:07d}.xml").write_text(
                medquad_xml(focus=focus, synonyms=("Podagra",) if focus == "Gout" else (),
                            pairs=pairs, source=source), encoding="utf-8")
    return root


@pytest.fixture
def tiny_medquad(tmp_path: Path) -> Path:
    """A MedQuAD folder of 24 files written by code."""
    return tiny_medquad_write(tmp_path / "medquad")


@pytest.fixture(scope="session")
def medquad_corpus() -> list[CorpusQuestion]:
    """The real MedQuAD from ../shared, read once per test session (about 15 s)."""
    return medquad_corpus_read(medquad_dir=require_shared("data", "medquad"))
