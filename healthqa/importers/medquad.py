"""MedQuAD XML parser: reads files and yields records or errors; it never touches the database.

MedQuAD (Ben Abacha & Demner-Fushman, 2019) has 12 subsets and three XML shapes:
`<Document id source url>` with Focus / FocusAnnotations / QAPairs / QAPair / Question / Answer
(most files); the same with `<UMLS>` directly under the root and, once, a `<DiseaseFile fid>`
root (9_CDC_QA); and a lower-case `<doc docid corpus url>` with doctitle-focus / qaPairs / pair /
question / answer (four files of 6_NINDS_QA).
"""

from __future__ import annotations

import codecs
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from healthqa.importers.topics import topic_for
from healthqa.importers.units import ParsedUnit, Unit, UnitError
from healthqa.kb.records import AnswerRecord, QuestionRecord, SourceRecord
from healthqa.kb.urls_safe import NotHttpURL, http_url_check

# MedQuAD is published under CC BY 4.0 (see LICENSE.txt beside the subsets).
LICENSE_NAME = "CC BY 4.0"
LICENSE_URL = "https://creativecommons.org/licenses/by/4.0/"


def _source(key: str, name: str, url: str) -> SourceRecord:
    return SourceRecord(
        key=key, name=name, url=url, license_name=LICENSE_NAME, license_url=LICENSE_URL
    )


# The `source` attribute of each subset, with the organisation and site it names.
SOURCES: dict[str, SourceRecord] = {
    s.key: s
    for s in (
        _source("CancerGov", "National Cancer Institute (cancer.gov)", "https://www.cancer.gov/"),
        _source(
            "GARD",
            "Genetic and Rare Diseases Information Center (GARD)",
            "https://rarediseases.info.nih.gov/",
        ),
        _source("GHR", "Genetics Home Reference (MedlinePlus Genetics)",
                "https://medlineplus.gov/genetics/"),
        _source("MPlusHealthTopics", "MedlinePlus Health Topics",
                "https://medlineplus.gov/healthtopics.html"),
        _source(
            "NIDDK",
            "National Institute of Diabetes and Digestive and Kidney Diseases (NIDDK)",
            "https://www.niddk.nih.gov/",
        ),
        _source(
            "NINDS",
            "National Institute of Neurological Disorders and Stroke (NINDS)",
            "https://www.ninds.nih.gov/",
        ),
        _source("NIHSeniorHealth", "NIHSeniorHealth (National Institute on Aging)",
                "https://www.nia.nih.gov/health"),
        _source("NHLBI", "National Heart, Lung, and Blood Institute (NHLBI)",
                "https://www.nhlbi.nih.gov/"),
        _source("CDC", "Centers for Disease Control and Prevention (CDC)", "https://www.cdc.gov/"),
        _source("ADAM", "MedlinePlus (A.D.A.M. Medical Encyclopedia)",
                "https://medlineplus.gov/encyclopedia.html"),
        _source("MPlusDrugs", "MedlinePlus Drug Information",
                "https://medlineplus.gov/druginformation.html"),
        _source("MPlusHerbsSupplements", "MedlinePlus Herbs and Supplements",
                "https://medlineplus.gov/druginfo/herb_All.html"),
    )
}

# Used when a file has no source attribute: its subset folder names the source.
SUBSET_SOURCES = {
    "1_CancerGov_QA": "CancerGov", "2_GARD_QA": "GARD", "3_GHR_QA": "GHR",
    "4_MPlus_Health_Topics_QA": "MPlusHealthTopics", "5_NIDDK_QA": "NIDDK",
    "6_NINDS_QA": "NINDS", "7_SeniorHealth_QA": "NIHSeniorHealth", "8_NHLBI_QA_XML": "NHLBI",
    "9_CDC_QA": "CDC", "10_MPlus_ADAM_QA": "ADAM", "11_MPlusDrugs_QA": "MPlusDrugs",
    "12_MPlusHerbsSupplements_QA": "MPlusHerbsSupplements",
}


@dataclass(frozen=True)
class _Shape:
    source_attrs: tuple[str, ...]
    focus: str
    pairs: str
    pair: str
    question: str
    answer: str


_UPPER = _Shape(("source",), "Focus", "QAPairs", "QAPair", "Question", "Answer")
_LOWER = _Shape(("corpus", "source"), "doctitle-focus", "qaPairs", "pair", "question", "answer")
SHAPES = {"Document": _UPPER, "DiseaseFile": _UPPER, "doc": _LOWER}

ANSWER_START_CHARS = 400  # enough of the first answer to say what a document is about
_DECLARED = re.compile(rb"""^<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_DIGITS = re.compile(r"(\d+)")


def _natural(path: Path) -> list[tuple[int, str]]:
    """Sort key putting 2_GARD_QA before 10_MPlus_ADAM_QA (numbers compare as numbers)."""
    return [
        (int(piece), "") if piece.isdigit() else (-1, piece)
        for part in path.parts
        for piece in (*_DIGITS.split(part), "/")
    ]


def medquad_files(path: Path) -> list[Path]:
    """The XML files to read: `path` itself, or every *.xml under it, subsets in their order."""
    if path.is_file():
        return [path]
    found = (p for p in path.rglob("*.xml") if p.is_file() and not p.name.startswith("."))
    return sorted(found, key=_natural)


def medquad_read(path: Path) -> Iterator[Unit]:
    """Parse every MedQuAD file under `path`, one unit (records or error) per file."""
    for file in medquad_files(path):
        yield medquad_parse_file(file)


def medquad_parse_file(path: Path) -> Unit:
    """The question records of one MedQuAD XML file, or why it cannot be imported."""
    name = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        return UnitError(name, f"cannot read the file: {exc.strerror or exc}")
    problem = _encoding_problem(data)
    if problem:
        return UnitError(name, problem)
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        return UnitError(name, _parse_error_reason(data, exc))
    try:
        records = _records(path, root)
    except _Refused as exc:
        return UnitError(name, str(exc))
    return ParsedUnit(name, records)


class _Refused(Exception):
    """A well-formed file that is not a usable MedQuAD document."""


def _encoding_problem(data: bytes) -> str | None:
    if not data.strip():
        return "the file is empty"
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "the file is UTF-32 encoded; MedQuAD files are UTF-8 (re-save it as UTF-8)"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "the file is UTF-16 encoded; MedQuAD files are UTF-8 (re-save it as UTF-8)"
    if b"\x00" in data[:512]:
        return (
            "the file contains NUL bytes: it looks UTF-16 encoded without a byte-order mark;"
            " MedQuAD files are UTF-8 (re-save it as UTF-8)"
        )
    body = data.removeprefix(codecs.BOM_UTF8)
    if not body.lstrip().startswith(b"<"):
        return "not an XML file (it does not start with '<')"
    declared = _DECLARED.match(body)
    encoding = declared.group(1).decode().lower() if declared else "utf-8"
    if encoding in {"utf-8", "utf8"}:
        try:
            body.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = body.count(b"\n", 0, exc.start) + 1
            return (
                f"not valid UTF-8 (byte 0x{body[exc.start]:02x} on line {line}) although it is"
                " read as UTF-8; is it Latin-1 or Windows-1252? Re-save it as UTF-8"
            )
    return None


def _parse_error_reason(data: bytes, exc: ET.ParseError) -> str:
    line, _column = getattr(exc, "position", (0, 0))
    last_line = data.rstrip().count(b"\n") + 1
    message = str(exc)
    if message.startswith("no element found") or line >= last_line:
        return f"truncated or malformed XML: {message} (the file ends too early)"
    return f"malformed XML: {message}"


def _text(element: ET.Element | None) -> str:
    return "".join(element.itertext()).strip() if element is not None else ""


def _records(path: Path, root: ET.Element) -> tuple[QuestionRecord, ...]:
    shape = SHAPES.get(root.tag)
    if shape is None:
        raise _Refused(
            f"unexpected root element <{root.tag}>: not a MedQuAD document"
            " (expected <Document>, <DiseaseFile> or <doc>)"
        )
    container = root.find(shape.pairs)
    if container is None:
        raise _Refused(f"no <{shape.pairs}> element: not a MedQuAD document")
    source = _source_of(path, root, shape)
    focus = _text(root.find(shape.focus))
    synonyms = tuple(dict.fromkeys(s for s in (_text(e) for e in root.iter("Synonym")) if s))
    semantic_types = {
        _text(e) for tag in ("SemanticType", "semanticType") for e in root.iter(tag)
    } - {""}
    try:
        # Pages link to it ("Original page"): not an http(s) URL, and the whole file is refused.
        source_url = http_url_check(root.get("url", ""), field=f"{root.tag} url")
    except NotHttpURL as exc:
        raise _Refused(str(exc)) from None

    pairs: list[tuple[str, str, str]] = []  # (question, qtype, answer)
    for n, pair in enumerate(container.findall(shape.pair), start=1):
        question_el = pair.find(shape.question)
        question = _text(question_el)
        if not question:
            raise _Refused(f"pair {n} (pid {pair.get('pid', '?')}) has no question text")
        qtype = (question_el.get("qtype", "") if question_el is not None else "").strip()
        pairs.append((question, qtype or "information", _text(pair.find(shape.answer))))

    first_answer = next((a for _, _, a in pairs if a), "")
    category = topic_for(
        source_key=source.key,
        focus=focus,
        synonyms=synonyms,
        questions=[q for q, _, _ in pairs],
        answer_start=first_answer[:ANSWER_START_CHARS],
        semantic_types=semantic_types,
    )
    prefix = f"{path.parent.name}/{path.stem}"
    return tuple(
        QuestionRecord(
            external_id=f"{prefix}#{n}",
            title=question,
            body=question,
            category_path=category,
            focus=focus,
            focus_synonyms=synonyms,
            question_type=qtype,
            source=source,
            source_url=source_url,
            # ADAM, MPlusDrugs and MPlusHerbsSupplements answers were removed for copyright:
            # no answer, and the page links to source_url ("answer at the source").
            answers=(AnswerRecord(body=answer, body_format="text", source=source),)
            if answer
            else (),
        )
        for n, (question, qtype, answer) in enumerate(pairs, start=1)
    )


def _source_of(path: Path, root: ET.Element, shape: _Shape) -> SourceRecord:
    key = next((root.get(a, "").strip() for a in shape.source_attrs if root.get(a)), "")
    key = key or SUBSET_SOURCES.get(path.parent.name, "")
    if not key:
        raise _Refused(
            f"<{root.tag}> has no {shape.source_attrs[0]!r} attribute and the folder"
            f" {path.parent.name!r} is not a MedQuAD subset"
        )
    return SOURCES.get(key) or _source(key, key, "")
