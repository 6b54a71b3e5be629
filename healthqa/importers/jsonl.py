"""JSONL parser (docs/jsonl-format.md): one question per line; reads only, never writes.

Each line becomes one unit; a bad line becomes an error naming `file:line` and the field.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

from django.utils.text import slugify

from healthqa.importers.units import ParsedUnit, Unit, UnitError
from healthqa.kb.records import AnswerRecord, AuthorRecord, QuestionRecord, SourceRecord
from healthqa.kb.urls_safe import NotHttpURL, http_url_check
from healthqa.search.intent import question_type_of

# Lengths follow the model fields (healthqa/kb/models.py).
MAX = {
    "external_id": 200, "title": 300, "focus": 300, "focus_synonym": 300, "question_type": 80,
    "category": 120, "tag": 80, "source_url": 500, "source.key": 80, "source.name": 200,
    "source.url": 200, "source.license": 120, "source.license_url": 200, "author.name": 160,
    "author.credentials": 240,
}
STATUSES = ("published", "draft", "archived")
FIELDS = {
    "external_id", "title", "question", "focus", "focus_synonyms", "question_type", "category",
    "tags", "status", "last_reviewed", "source", "source_url", "demo", "answers",
}
SOURCE_FIELDS = {"key", "name", "url", "license", "license_url"}
ANSWER_FIELDS = {"body", "author", "source"}
AUTHOR_FIELDS = {"name", "credentials"}
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class LineError(Exception):
    """What is wrong with one line, naming the field."""


def jsonl_files(path: Path) -> list[Path]:
    """`path` itself, or every *.jsonl file under it in name order."""
    if path.is_file():
        return [path]
    return sorted(p for p in path.rglob("*.jsonl") if p.is_file() and not p.name.startswith("."))


def jsonl_count_lines(files: list[Path]) -> int:
    """Lines in all files, for a progress bar's total."""
    total = 0
    for file in files:
        try:
            with file.open("rb") as handle:
                total += sum(1 for _ in handle)
        except OSError:
            total += 1
    return total


def jsonl_read(path: Path) -> Iterator[Unit]:
    """One unit per question line of every JSONL file under `path`; ids must be unique."""
    seen: dict[str, str] = {}
    for file in jsonl_files(path):
        yield from jsonl_parse_file(file, seen=seen)


def jsonl_parse_file(path: Path, *, seen: dict[str, str] | None = None) -> Iterator[Unit]:
    """Parse one JSONL file; `seen` maps external ids already read to where they were."""
    seen = {} if seen is None else seen
    try:
        data = path.read_bytes()
    except OSError as exc:
        yield UnitError(str(path), f"cannot read the file: {exc.strerror or exc}")
        return
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in data[:512]:
        yield UnitError(str(path), "the file is UTF-16 encoded; JSONL files must be UTF-8")
        return
    data = data.removeprefix(codecs.BOM_UTF8)
    for number, raw in enumerate(data.split(b"\n"), start=1):
        where = f"{path}:{number}"
        try:
            line = raw.decode("utf-8").strip()
        except UnicodeDecodeError as exc:
            yield UnitError(
                where,
                f"not valid UTF-8 (byte 0x{raw[exc.start]:02x} at column {exc.start + 1});"
                " is the file Latin-1 or Windows-1252? Re-save it as UTF-8",
            )
            continue
        if not line or line.startswith("//"):
            continue
        try:
            record = jsonl_parse_line(line)
        except LineError as exc:
            yield UnitError(where, str(exc))
            continue
        if record.external_id in seen:
            yield UnitError(
                where,
                f'field "external_id": {record.external_id!r} is already used at'
                f" {seen[record.external_id]}",
            )
            continue
        seen[record.external_id] = where
        yield ParsedUnit(where, (record,))


def jsonl_parse_line(line: str) -> QuestionRecord:
    """One question record from one JSON line, or LineError naming the field."""
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        raise LineError(f"not valid JSON: {exc.msg} (column {exc.colno})") from None
    if not isinstance(obj, dict):
        raise LineError(f"a line must be a JSON object, not {_kind(obj)}")
    _no_unknown(obj, FIELDS, "")
    demo = _bool(obj, "demo")
    status = _str(obj, "status", default="published")
    if status not in STATUSES:
        raise LineError(f'field "status" must be one of {", ".join(STATUSES)}, not {status!r}')
    title = _str(obj, "title", required=True, limit=MAX["title"])
    return QuestionRecord(
        external_id=_str(obj, "external_id", required=True, limit=MAX["external_id"]),
        title=title,
        body=_str(obj, "question"),
        category_path=_category(obj),
        focus=_str(obj, "focus", limit=MAX["focus"]),
        focus_synonyms=tuple(_str_list(obj, "focus_synonyms", limit=MAX["focus_synonym"])),
        # Without one, the type its title asks ("How is gout treated?" -> "treatment"): a
        # question filed as "information" would be ranked down for every other kind asked.
        question_type=_str(obj, "question_type", limit=MAX["question_type"])
        or question_type_of(title),
        tags=tuple(_str_list(obj, "tags", limit=MAX["tag"])),
        status=status,
        last_reviewed=_date(obj, "last_reviewed"),
        source=_source(obj.get("source"), "source"),
        source_url=_url(obj, "source_url", limit=MAX["source_url"]),
        is_demo=demo,
        answers=_answers(obj, demo=demo),
    )


def _kind(value: Any) -> str:
    return {
        dict: "an object", list: "a list", str: "a string", bool: "true/false",
        int: "a number", float: "a number", type(None): "null",
    }.get(type(value), type(value).__name__)


def _no_unknown(obj: dict[str, Any], allowed: set[str], prefix: str) -> None:
    unknown = sorted(set(obj) - allowed)
    if unknown:
        raise LineError(f'field "{prefix}{unknown[0]}" is not part of the format (a typo?)')


def _str(obj: dict[str, Any], field: str, *, required: bool = False, default: str = "",
         limit: int | None = None, prefix: str = "", printable: bool = True) -> str:
    name = f"{prefix}{field}"
    value = obj.get(field)
    if value is None:
        if required:
            raise LineError(f'field "{name}" is missing')
        return default
    if not isinstance(value, str):
        raise LineError(f'field "{name}" must be a string, not {_kind(value)}')
    if printable:
        _printable(value, name)
    value = value.strip()
    if required and not value:
        raise LineError(f'field "{name}" is empty')
    if limit is not None and len(value) > limit:
        raise LineError(f'field "{name}" is {len(value)} characters long (at most {limit})')
    return value or default


# Characters no text of ours holds: C0 controls but tab and line breaks (PostgreSQL's text cannot
# hold NUL at all; SQLite would store them), and halves of surrogate pairs (JSON's "\ud800"
# escapes decode to them; they cannot be written as UTF-8).
_UNPRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")


def _printable(value: str, name: str) -> None:
    bad = _UNPRINTABLE.search(value)
    if bad is not None:
        what = ("half of a surrogate pair" if "\ud800" <= bad.group() <= "\udfff"
                else "a control character")
        raise LineError(f'field "{name}" contains {what} (U+{ord(bad.group()):04X}) at '
                        f"character {bad.start() + 1}")


def _bool(obj: dict[str, Any], field: str) -> bool:
    value = obj.get(field, False)
    if not isinstance(value, bool):
        raise LineError(f'field "{field}" must be true or false, not {_kind(value)}')
    return value


def _str_list(obj: dict[str, Any], field: str, *, limit: int) -> list[str]:
    value = obj.get(field, [])
    if not isinstance(value, list):
        raise LineError(f'field "{field}" must be a list of strings, not {_kind(value)}')
    items = []
    for i, item in enumerate(value):
        if not isinstance(item, str) or not item.strip():
            raise LineError(f'field "{field}[{i}]" must be a non-empty string')
        _printable(item, f"{field}[{i}]")
        if len(item.strip()) > limit:
            raise LineError(f'field "{field}[{i}]" is longer than {limit} characters')
        items.append(item.strip())
    return list(dict.fromkeys(items))


def _date(obj: dict[str, Any], field: str) -> date | None:
    value = _str(obj, field)
    if not value:
        return None
    try:
        if not _ISO_DATE.fullmatch(value):
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise LineError(
            f'field "{field}" must be an ISO date (YYYY-MM-DD), not {value!r}'
        ) from None


def _url(obj: dict[str, Any], field: str, *, limit: int, prefix: str = "") -> str:
    # Control characters in a link are refused by its own check, which says why in its terms.
    value = _str(obj, field, limit=limit, prefix=prefix, printable=False)
    try:
        return http_url_check(value, field=f'field "{prefix}{field}"')
    except NotHttpURL as exc:
        raise LineError(str(exc)) from None


def _category(obj: dict[str, Any]) -> tuple[str, ...]:
    raw = _str(obj, "category", required=True)
    parts = tuple(p.strip() for p in raw.split("/"))
    if any(not p for p in parts):
        raise LineError(f'field "category" has an empty part: {raw!r} (write "Parent/Child")')
    for part in parts:
        if len(part) > MAX["category"]:
            raise LineError(f'field "category": {part[:30]!r}... is longer than'
                            f' {MAX["category"]} characters')
    return parts


def _source(value: Any, name: str) -> SourceRecord | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise LineError(f'field "{name}" must be an object, not {_kind(value)}')
    prefix = f"{name}."
    _no_unknown(value, SOURCE_FIELDS, prefix)
    source_name = _str(value, "name", required=True, limit=MAX["source.name"], prefix=prefix)
    key = _str(value, "key", limit=MAX["source.key"], prefix=prefix)
    return SourceRecord(
        key=key or slugify(source_name)[: MAX["source.key"]] or "source",
        name=source_name,
        url=_url(value, "url", limit=MAX["source.url"], prefix=prefix),
        license_name=_str(value, "license", limit=MAX["source.license"], prefix=prefix),
        license_url=_url(value, "license_url", limit=MAX["source.license_url"], prefix=prefix),
    )


def _answers(obj: dict[str, Any], *, demo: bool) -> tuple[AnswerRecord, ...]:
    value = obj.get("answers", [])
    if not isinstance(value, list):
        raise LineError(f'field "answers" must be a list, not {_kind(value)}')
    answers = []
    for i, item in enumerate(value):
        name = f"answers[{i}]"
        if not isinstance(item, dict):
            raise LineError(f'field "{name}" must be an object, not {_kind(item)}')
        _no_unknown(item, ANSWER_FIELDS, f"{name}.")
        body = _str(item, "body", required=True, prefix=f"{name}.")
        author = _author(item.get("author"), f"{name}.author", demo=demo)
        source = _source(item.get("source"), f"{name}.source")
        if author is None and source is None:
            raise LineError(f'field "{name}" needs an "author" or a "source"')
        answers.append(AnswerRecord(body=body, body_format="markdown", author=author,
                                    source=source))
    return tuple(answers)


def _author(value: Any, name: str, *, demo: bool) -> AuthorRecord | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise LineError(f'field "{name}" must be an object, not {_kind(value)}')
    prefix = f"{name}."
    _no_unknown(value, AUTHOR_FIELDS, prefix)
    return AuthorRecord(
        name=_str(value, "name", required=True, limit=MAX["author.name"], prefix=prefix),
        credentials=_str(value, "credentials", limit=MAX["author.credentials"], prefix=prefix),
        is_demo=demo,
    )
