"""Small MedQuAD and JSONL files made by code, good and bad, for the importer tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

Pair = tuple[str, str, str]  # question, qtype, answer

GOUT_PAIRS: list[Pair] = [
    ("What is (are) Gout ?", "information", "Gout is a kind of arthritis of the joints."),
    ("What causes Gout ?", "causes", "Too much uric acid in the blood."),
]


def medquad_xml(
    *,
    doc_id: str = "0000001",
    source: str = "GARD",
    url: str = "https://rarediseases.info.nih.gov/diseases/0000001/gout",
    focus: str = "Gout",
    synonyms: tuple[str, ...] = (),
    pairs: list[Pair] | None = None,
) -> str:
    """A MedQuAD `<Document>` file, shaped like the real ones."""
    pairs = GOUT_PAIRS if pairs is None else pairs
    synonym_xml = "".join(f"<Synonym>{escape(s)}</Synonym>" for s in synonyms)
    pair_xml = "".join(
        f'<QAPair pid="{n * 2}"><Question qid="{doc_id}-{n}" qtype="{qtype}">{escape(q)}'
        f"</Question><Answer>{escape(a)}</Answer></QAPair>\n"
        for n, (q, qtype, a) in enumerate(pairs, start=1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Document id={quoteattr(doc_id)} source={quoteattr(source)} url={quoteattr(url)}>\n"
        f"<Focus>{escape(focus)}</Focus>\n"
        f"<FocusAnnotations><Category>Disease</Category><Synonyms>{synonym_xml}</Synonyms>"
        "</FocusAnnotations>\n"
        f"<QAPairs>\n{pair_xml}</QAPairs>\n</Document>\n"
    )


def write(path: Path, content: str | bytes) -> Path:
    """Write text (UTF-8) or bytes, creating folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def question_line(external_id: str = "test/q1", **fields: Any) -> dict[str, Any]:
    """One valid JSONL question, with `fields` overriding its parts."""
    line: dict[str, Any] = {
        "external_id": external_id,
        "title": "Why do my ankles swell in pregnancy?",
        "question": "My ankles swell by the evening. Is that normal?",
        "focus": "Swollen ankles in pregnancy",
        "category": "Pregnancy and women's health/Pregnancy",
        "tags": ["pregnancy"],
        "demo": True,
        "answers": [
            {"body": "Mild swelling is common.",
             "author": {"name": "Dr. Ana Demo", "credentials": "MD (demo expert)"}},
        ],
    }
    line.update(fields)
    return line


def jsonl(*lines: dict[str, Any] | str) -> str:
    """A JSONL text: dicts are dumped, strings are written as they are."""
    return "".join(
        (json.dumps(x, ensure_ascii=False) if isinstance(x, dict) else x) + "\n" for x in lines
    )
