"""What parsers yield: a unit of records written together, or the reason a unit was refused."""

from __future__ import annotations

from dataclasses import dataclass

from healthqa.kb.records import QuestionRecord


@dataclass(frozen=True)
class ParsedUnit:
    """Records that are written in one transaction: a MedQuAD file, or one JSONL line."""

    path: str
    records: tuple[QuestionRecord, ...]


@dataclass(frozen=True)
class UnitError:
    """A file (or `file:line`) that could not be read, and why, in words a user can act on."""

    path: str
    reason: str


Unit = ParsedUnit | UnitError
