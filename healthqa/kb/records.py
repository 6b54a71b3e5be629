"""Plain records that importers produce and services write: no database access here."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import date


@dataclass(frozen=True)
class SourceRecord:
    key: str
    name: str
    url: str = ""
    license_name: str = ""
    license_url: str = ""


@dataclass(frozen=True)
class AuthorRecord:
    name: str
    credentials: str = ""
    is_demo: bool = False


@dataclass(frozen=True)
class AnswerRecord:
    body: str
    body_format: str = "markdown"
    author: AuthorRecord | None = None
    source: SourceRecord | None = None


@dataclass(frozen=True)
class QuestionRecord:
    external_id: str
    title: str
    category_path: tuple[str, ...]
    body: str = ""
    focus: str = ""
    focus_synonyms: tuple[str, ...] = ()
    question_type: str = "information"
    tags: tuple[str, ...] = ()
    status: str = "published"
    source: SourceRecord | None = None
    source_url: str = ""
    is_demo: bool = False
    last_reviewed: date | None = None
    answers: tuple[AnswerRecord, ...] = field(default_factory=tuple)

    def content_hash(self) -> str:
        """A digest of everything imported, so an unchanged re-import writes nothing."""
        payload = json.dumps(asdict(self), sort_keys=True, default=str)
        return hashlib.sha256(payload.encode()).hexdigest()
