"""The one place importers write: parsed units go to the knowledge base in batches.

A unit (a MedQuAD file, a JSONL line) is never split across transactions, so a bad or
interrupted unit leaves nothing half-written, and a re-run (idempotent by external id and
content hash) completes the import. What a killed run leaves undone beyond that is repaired
by the next run even when it finds every question unchanged: vectors missing or computed
from older content are embedded, and related lists marked stale are recomputed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import DataError, IntegrityError
from tqdm import tqdm

from healthqa.importers.units import ParsedUnit, Unit, UnitError
from healthqa.kb.generation import content_changed
from healthqa.kb.services import WriteCounts, questions_import
from healthqa.search.indexing import (
    related_refresh,
    related_stale,
    search_index_bulk,
    search_index_bulk_store,
)

# Errors that mean "this data cannot be written" (the unit is reported and skipped); anything
# else (a locked or full database, Ctrl+C) stops the run with the current batch rolled back.
DATA_ERRORS = (IntegrityError, DataError, ValueError)


@dataclass
class ImportReport:
    """What an import did: files read, questions created / updated / unchanged, and errors."""

    kind: str
    files: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)

    @property
    def questions(self) -> int:
        return self.created + self.updated + self.unchanged

    def add(self, counts: WriteCounts) -> None:
        self.created += counts.created
        self.updated += counts.updated
        self.unchanged += counts.unchanged

    def summary(self) -> str:
        """One line of figures, then one line per error: `path: reason`."""
        files = f"{self.files:,} file" + ("" if self.files == 1 else "s")
        errors = f"{len(self.errors):,} error" + ("" if len(self.errors) == 1 else "s")
        lines = [
            f"{self.kind} import: {files}, {self.questions:,} questions: "
            f"{self.created:,} created, {self.updated:,} updated, {self.unchanged:,} unchanged, "
            f"{errors}"
        ]
        lines += [f"{path}: {reason}" for path, reason in self.errors]
        return "\n".join(lines)


class ImportAborted(Exception):
    """A strict import stopped at its first bad unit; `.report` says what was done before."""

    def __init__(self, message: str, report: ImportReport) -> None:
        super().__init__(message)
        self.report = report


def import_units(
    *,
    kind: str,
    units: Iterable[Unit],
    files: int,
    total: int | None,
    unit_name: str,
    strict: bool,
    batch_size: int,
    progress: bool,
) -> ImportReport:
    """Write parsed units in batches of about `batch_size` questions; report the rest."""
    report = ImportReport(kind=kind, files=files)
    batch: list[ParsedUnit] = []
    pending = 0
    bar = tqdm(total=total, unit=unit_name, desc=f"{kind} import", disable=not progress)
    try:
        # The model embeds each batch in a background thread while the next one is written.
        with search_index_bulk(progress=progress):
            for unit in units:
                bar.update(1)
                if isinstance(unit, UnitError):
                    report.errors.append((unit.path, unit.reason))
                    if strict:
                        _flush(batch, report, kind=kind, strict=strict)
                        raise ImportAborted(f"stopped at {unit.path}: {unit.reason}", report)
                    continue
                if not unit.records:
                    continue
                if batch and pending + len(unit.records) > batch_size:
                    _flush(batch, report, kind=kind, strict=strict)
                    batch, pending = [], 0
                batch.append(unit)
                pending += len(unit.records)
            _flush(batch, report, kind=kind, strict=strict)
            bar.close()
    finally:
        bar.close()
        # Once at the end, after the batches committed: every process counts the new questions
        # on its next request (not after each batch, which would rebuild them all the time).
        content_changed()
        # Not `if report.created`: the lists left stale by a killed run are redone too.
        if related_stale():
            related_refresh(progress=progress)
    return report


def _flush(batch: list[ParsedUnit], report: ImportReport, *, kind: str, strict: bool) -> None:
    """Write a batch in one transaction; if the data is refused, retry unit by unit."""
    if not batch:
        return
    search_index_bulk_store()  # the vectors of the batches committed before this one
    records = [record for unit in batch for record in unit.records]
    try:
        report.add(questions_import(records=records, comment=f"{kind} import"))
        return
    except DATA_ERRORS as exc:
        if len(batch) == 1:
            report.errors.append((batch[0].path, f"could not be written: {exc}"))
            if strict:
                raise ImportAborted(f"stopped at {batch[0].path}: {exc}", report) from exc
            return
    for unit in batch:
        _flush([unit], report, kind=kind, strict=strict)
