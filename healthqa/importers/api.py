"""What the CLI (and anything else) calls to import: MedQuAD, JSONL and the bundled demo."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from healthqa.importers.jsonl import jsonl_count_lines, jsonl_files, jsonl_read
from healthqa.importers.medquad import medquad_files, medquad_parse_file
from healthqa.importers.pipeline import ImportAborted, ImportReport, import_units

__all__ = ["ImportAborted", "ImportReport", "demo_import", "jsonl_import", "medquad_import"]

DEFAULT_BATCH_SIZE = 2000


def medquad_import(
    *, path: Path, strict: bool = False, batch_size: int = DEFAULT_BATCH_SIZE,
    progress: bool = False,
) -> ImportReport:
    """Import MedQuAD XML from the medquad folder, one subset folder or one file."""
    path = Path(path)
    if not path.exists():
        return _nothing("MedQuAD", path, "no such file or folder", strict)
    files = medquad_files(path)
    if not files:
        return _nothing("MedQuAD", path, "no MedQuAD .xml files in this folder", strict)
    return import_units(
        kind="MedQuAD",
        units=(medquad_parse_file(file) for file in files),
        files=len(files),
        total=len(files),
        unit_name="file",
        strict=strict,
        batch_size=batch_size,
        progress=progress,
    )


def jsonl_import(
    *, path: Path, strict: bool = False, batch_size: int = DEFAULT_BATCH_SIZE,
    progress: bool = False, kind: str = "JSONL",
) -> ImportReport:
    """Import questions from a JSONL file (or every *.jsonl under a folder)."""
    path = Path(path)
    if not path.exists():
        return _nothing(kind, path, "no such file or folder", strict)
    files = jsonl_files(path)
    if not files:
        return _nothing(kind, path, "no .jsonl files in this folder", strict)
    return import_units(
        kind=kind,
        units=jsonl_read(path),
        files=len(files),
        total=jsonl_count_lines(files),
        unit_name="line",
        strict=strict,
        batch_size=batch_size,
        progress=progress,
    )


def demo_import(*, progress: bool = False) -> ImportReport:
    """Import the demo content shipped inside the package (healthqa/demo/content.jsonl)."""
    content = resources.files("healthqa.demo").joinpath("content.jsonl")
    with resources.as_file(content) as path:
        return jsonl_import(path=path, progress=progress, kind="Demo content")


def _nothing(kind: str, path: Path, reason: str, strict: bool) -> ImportReport:
    report = ImportReport(kind=kind, errors=[(str(path), reason)])
    if strict:
        raise ImportAborted(f"{path}: {reason}", report)
    return report
