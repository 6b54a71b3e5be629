"""The JSONL parser follows docs/jsonl-format.md and names file:line and field for bad lines."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from healthqa.importers.jsonl import FIELDS, jsonl_parse_line, jsonl_read
from healthqa.importers.units import ParsedUnit, UnitError
from tests.helpers import REPO_ROOT
from tests.importers.crafted import jsonl, question_line, write

DOC = REPO_ROOT / "docs" / "jsonl-format.md"


def test_the_example_in_the_format_document_parses() -> None:
    example = re.search(r"```json\n(.*?)```", DOC.read_text(), re.S)
    assert example, "docs/jsonl-format.md has a ```json example"
    record = jsonl_parse_line(json.dumps(json.loads(example.group(1))))
    assert record.external_id == "demo/pregnancy-back-pain"
    assert record.category_path == ("Pregnancy and women's health", "Pregnancy")
    assert record.last_reviewed == date(2026, 10, 1)
    assert record.is_demo and all(a.author and a.author.is_demo for a in record.answers)
    assert record.source and record.source.license_name == "CC BY 4.0"


def test_the_format_document_lists_exactly_the_fields_the_parser_reads() -> None:
    documented = set(re.findall(r"^\| `(\w+)` \|", DOC.read_text(), re.M))
    assert documented == FIELDS


def test_a_demo_question_marks_its_authors_as_demo() -> None:
    record = jsonl_parse_line(json.dumps(question_line()))
    (answer,) = record.answers
    assert record.is_demo and answer.author and answer.author.is_demo
    assert answer.body_format == "markdown"
    not_demo = jsonl_parse_line(json.dumps(question_line(demo=False)))
    assert not_demo.answers[0].author and not not_demo.answers[0].author.is_demo


def test_optional_fields_take_their_defaults() -> None:
    record = jsonl_parse_line(json.dumps(
        {"external_id": "x/1", "title": "What is gout?", "category": "Bones, joints and muscles"}
    ))
    assert (record.status, record.question_type, record.answers, record.body) == (
        "published", "information", (), "")
    assert record.source is None and record.last_reviewed is None


def test_a_question_without_a_type_takes_the_type_its_title_asks() -> None:
    def qtype(title: str, **extra: str) -> str:
        return jsonl_parse_line(json.dumps({"external_id": "x/1", "title": title,
                                            "category": "Bones", **extra})).question_type

    assert qtype("How is gout treated?") == "treatment"
    assert qtype("Who manufactures cetirizine?") == "information"  # none found
    assert qtype("How is gout treated?", question_type="outlook") == "outlook"  # as given


BAD_LINES: list[tuple[str, dict[str, Any] | str, str]] = [
    ("not json", '{"external_id": "x/1", "title": ', "not valid JSON"),
    ("not an object", "[1, 2]", "a line must be a JSON object, not a list"),
    ("missing title", question_line(title=None), 'field "title" is missing'),
    ("empty id", question_line(external_id="  "), 'field "external_id" is empty'),
    ("title too long", question_line(title="Why? " * 70), 'field "title" is 349 characters'),
    ("title a number", question_line(title=12), 'field "title" must be a string, not a number'),
    ("bad status", question_line(status="live"), 'field "status" must be one of published'),
    ("bad date", question_line(last_reviewed="01/10/2026"), 'field "last_reviewed" must be an'
     " ISO date"),
    ("impossible date", question_line(last_reviewed="2026-02-30"), '"last_reviewed" must be'),
    ("empty category part", question_line(category="Pregnancy//Back pain"),
     'field "category" has an empty part'),
    ("tags not a list", question_line(tags="pregnancy"), 'field "tags" must be a list'),
    ("blank tag", question_line(tags=["ok", ""]), 'field "tags[1]" must be a non-empty string'),
    ("demo a string", question_line(demo="yes"), 'field "demo" must be true or false'),
    ("unknown field", question_line(catgory="x"), 'field "catgory" is not part of the format'),
    ("source url", question_line(source_url="www.cdc.gov"), "field \"source_url\" 'www.cdc.gov'"
     " is not an http(s) URL: it has no scheme; write it in full, e.g. 'https://www.cdc.gov'"),
    ("source without name", question_line(source={"url": "https://x.org"}),
     'field "source.name" is missing'),
    ("answer without author", question_line(answers=[{"body": "Rest."}]),
     'field "answers[0]" needs an "author" or a "source"'),
    ("answer without body", question_line(answers=[{"author": {"name": "A"}}]),
     'field "answers[0].body" is missing'),
    ("author without name", question_line(answers=[{"body": "x", "author": {"credentials": "MD"}}]),
     'field "answers[0].author.name" is missing'),
    ("NUL in an answer", question_line(answers=[{"body": "Rest\u0000.", "source": {"name": "A"}}]),
     'field "answers[0].body" contains a control character (U+0000) at character 5'),
    ("escape in a title", question_line(title="Gout\u001b[31m?"),
     'field "title" contains a control character (U+001B) at character 5'),
    ("control in a tag", question_line(tags=["ok", "gout\u0007"]),
     'field "tags[1]" contains a control character (U+0007) at character 5'),
    ("lone surrogate", '{"external_id": "x/2", "title": "Gout \\ud800?", "category": "C"}',
     'field "title" contains half of a surrogate pair (U+D800) at character 6'),
]


@pytest.mark.parametrize(("kind", "line", "reason"), BAD_LINES, ids=[b[0] for b in BAD_LINES])
def test_a_bad_line_names_file_line_and_field(
    tmp_path: Path, kind: str, line: dict[str, Any] | str, reason: str
) -> None:
    if isinstance(line, dict):
        line = {k: v for k, v in line.items() if v is not None}
    path = write(tmp_path / "content.jsonl", jsonl(question_line("ok/1"), line))
    good, bad = list(jsonl_read(path))
    assert isinstance(good, ParsedUnit) and good.path == f"{path}:1"
    assert isinstance(bad, UnitError) and bad.path == f"{path}:2"
    assert reason in bad.reason


HOSTILE_URLS = [
    "javascript:alert(document.domain)", " JaVaScRiPt:alert(1)", "data:text/html,<script>x",
    "vbscript:msgbox(1)", "\u0001javascript:alert(1)", "\u0000https://www.cdc.gov/",
    "java\tscript:alert(1)", "\u200bjavascript:alert(1)", "//evil.example.org/",
]
URL_FIELDS: list[tuple[str, Any]] = [
    ("source_url", lambda url: {"source_url": url}),
    ("source.url", lambda url: {"source": {"name": "CDC", "url": url}}),
    ("source.license_url", lambda url: {"source": {"name": "CDC", "license_url": url}}),
    ("answers[0].source.url",
     lambda url: {"answers": [{"body": "Rest.", "source": {"name": "CDC", "url": url}}]}),
]


@pytest.mark.parametrize("url", HOSTILE_URLS)
@pytest.mark.parametrize(("field", "fields"), URL_FIELDS, ids=[f[0] for f in URL_FIELDS])
def test_a_link_that_is_not_http_refuses_its_line_naming_line_and_field(
    tmp_path: Path, field: str, fields: Any, url: str
) -> None:
    path = write(tmp_path / "content.jsonl", jsonl(
        question_line("ok/1"), question_line("bad/2", **fields(url)), question_line("ok/3")))
    first, bad, third = list(jsonl_read(path))
    assert isinstance(first, ParsedUnit) and isinstance(third, ParsedUnit)
    assert isinstance(bad, UnitError) and bad.path == f"{path}:2"
    assert bad.reason.startswith(f'field "{field}" {url.strip()!r} is not an http(s) URL: ')


def test_http_links_are_kept_without_the_spaces_around_them() -> None:
    record = jsonl_parse_line(json.dumps(question_line(
        source_url=" https://www.cdc.gov/gout ",
        source={"name": "CDC", "url": "HTTPS://WWW.CDC.GOV/", "license_url": ""})))
    assert record.source_url == "https://www.cdc.gov/gout"
    assert record.source and (record.source.url, record.source.license_url) == (
        "HTTPS://WWW.CDC.GOV/", "")


def test_blank_lines_and_comments_are_skipped_and_lines_keep_their_numbers(
    tmp_path: Path,
) -> None:
    path = write(tmp_path / "c.jsonl", jsonl("// demo content", "", question_line("a/1")))
    (unit,) = list(jsonl_read(path))
    assert unit.path == f"{path}:3"


def test_a_duplicate_external_id_is_refused_on_its_second_line(tmp_path: Path) -> None:
    path = write(tmp_path / "c.jsonl", jsonl(question_line("a/1"), question_line("a/1")))
    first, second = list(jsonl_read(path))
    assert isinstance(first, ParsedUnit)
    assert isinstance(second, UnitError) and second.path == f"{path}:2"
    assert second.reason == f"field \"external_id\": 'a/1' is already used at {path}:1"


def test_latin_1_bytes_are_refused_on_their_line_only(tmp_path: Path) -> None:
    good = jsonl(question_line("a/1")).encode()
    bad = jsonl(question_line("a/2", title="Qu'est-ce que la maladie de Ménière?"))
    path = write(tmp_path / "c.jsonl", good + bad.encode("latin-1"))
    first, second = list(jsonl_read(path))
    assert isinstance(first, ParsedUnit)
    assert isinstance(second, UnitError) and second.path == f"{path}:2"
    assert "not valid UTF-8 (byte 0xe9" in second.reason


def test_a_utf16_file_is_refused_as_a_whole(tmp_path: Path) -> None:
    path = write(tmp_path / "c.jsonl", jsonl(question_line("a/1")).encode("utf-16"))
    (unit,) = list(jsonl_read(path))
    assert unit == UnitError(str(path), "the file is UTF-16 encoded; JSONL files must be UTF-8")
