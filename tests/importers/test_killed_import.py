"""A real `healthqa import jsonl` killed with SIGKILL at several moments, then run to its end,
leaves the database as an uninterrupted import does: questions, answers, full-text rows,
vectors and related lists.

The imports run as subprocesses, each with a data folder (and SQLite file) of its own, with
the small deterministic hashing encoder (tests/conftest.py sets HEALTHQA_ENCODER); this test
process only watches their files, read-only.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers import REPO_ROOT
from tests.importers.crafted import jsonl, question_line, write

BATCH = 50
CONDITIONS = [
    "Gout", "Asthma", "Anemia", "Migraine", "Psoriasis", "Glaucoma", "Hepatitis", "Eczema",
    "Lupus", "Scoliosis", "Tinnitus", "Rosacea", "Bronchitis", "Cataract", "Sciatica",
    "Shingles", "Vertigo", "Insomnia", "Arthritis", "Colitis",
]
VARIANTS = ["", "acute", "chronic", "juvenile", "familial", "atypical", "severe", "mild",
            "early-onset", "late-onset"]
ASPECTS = [
    ("What is (are) {} ?", "information", "{} is a condition that doctors see often."),
    ("What causes {} ?", "causes", "The causes of {} include genes and surroundings."),
    ("What are the symptoms of {} ?", "symptoms", "People with {} may feel tired or sore."),
    ("How to diagnose {} ?", "exams and tests", "A doctor diagnoses {} with an exam."),
    ("What are the treatments for {} ?", "treatment", "{} is treated with rest and drugs."),
    ("How to prevent {} ?", "prevention", "Some cases of {} can be prevented."),
    ("Is {} inherited ?", "inheritance", "{} runs in some families."),
    ("What is the outlook for {} ?", "outlook", "Most people with {} do well."),
]
CATEGORIES = ["Bones, joints and muscles", "Lungs and breathing", "Brain and nerves",
              "Skin, hair and nails", "Eyes and ears", "Digestive system"]
QUESTIONS = len(CONDITIONS) * len(VARIANTS) * len(ASPECTS)  # 1,600


def content(path: Path) -> Path:
    """A JSONL file of QUESTIONS crafted questions, in related groups of 8 by focus."""
    lines = []
    for c, condition in enumerate(CONDITIONS):
        for variant in VARIANTS:
            focus = f"{variant} {condition}".strip().capitalize()
            for title, qtype, answer in ASPECTS:
                lines.append(question_line(
                    f"kill/{focus.lower().replace(' ', '-')}/{qtype.replace(' ', '-')}",
                    title=title.format(focus), question=title.format(focus), focus=focus,
                    question_type=qtype, category=f"{CATEGORIES[c % len(CATEGORIES)]}",
                    tags=[condition.lower()],
                    answers=[{"body": answer.format(focus),
                              "author": {"name": "Dr. Ana Demo", "credentials": "MD"}}],
                ))
    return write(path, jsonl(*lines))


# The import, with each write of related lists followed by a pause (and written in smaller
# chunks), so the test can kill it while the lists are half written.
PAUSED_RELATED = """
import sys, time
from healthqa.cli import main, setup_django
setup_django()
from healthqa.search import related
write = related._related_write
def paused_write(*args):
    write(*args)
    time.sleep(0.3)
related._related_write = paused_write
related.WRITE_EVERY = 256
main(sys.argv[1:])
"""


def importer(data: Path, path: Path, *, paused_related: bool = False) -> subprocess.Popen[bytes]:
    """`healthqa import jsonl PATH --batch-size 50` in a subprocess, into `data`."""
    env = {**os.environ, "HEALTHQA_DATA_DIR": str(data), "HEALTHQA_ENCODER": "hashing",
           "HF_HUB_OFFLINE": "1"}
    env.pop("HEALTHQA_DATABASE_URL", None)
    code = ["-c", PAUSED_RELATED] if paused_related else ["-m", "healthqa.cli"]
    return subprocess.Popen(
        [sys.executable, *code, "import", "jsonl", str(path), "--batch-size", str(BATCH)],
        cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )


def query(data: Path, sql: str) -> list[tuple[object, ...]]:
    """Rows from the data folder's SQLite file, opened read-only."""
    conn = sqlite3.connect(f"file:{data / 'healthqa.sqlite3'}?mode=ro", uri=True, timeout=5)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def count(data: Path, table: str) -> int:
    try:
        return int(str(query(data, f"SELECT COUNT(*) FROM {table}")[0][0]))
    except sqlite3.OperationalError:  # no file or no tables yet
        return 0


def finish(proc: subprocess.Popen[bytes]) -> str:
    out, _ = proc.communicate(timeout=180)
    text = out.decode(errors="replace")
    assert proc.returncode == 0, text
    return text


def kill_when(proc: subprocess.Popen[bytes], ready: Callable[[], bool]) -> None:
    """SIGKILL the import as soon as `ready()` holds (it must still be running then)."""
    deadline = time.monotonic() + 180
    while not ready():
        assert proc.poll() is None, f"ended before it could be killed: {finish(proc)}"
        assert time.monotonic() < deadline
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL


def state(data: Path) -> dict[str, list[tuple[object, ...]]]:
    """Everything an import writes, keyed by external ids (and the ids themselves)."""
    return {
        "questions": query(data, "SELECT id, external_id, content_hash, slug, title, focus, "
                                  "status, has_answer, excerpt, category_id FROM kb_question "
                                  "ORDER BY id"),
        "answers": query(data, "SELECT q.external_id, a.position, a.body, a.body_html "
                               "FROM kb_answer a JOIN kb_question q ON q.id = a.question_id "
                               "ORDER BY q.external_id, a.position"),
        "fts": query(data, "SELECT f.rowid, q.external_id, f.title, f.focus, f.body, f.answers "
                           "FROM search_fts f LEFT JOIN kb_question q ON q.id = f.rowid "
                           "ORDER BY f.rowid"),
        "vectors": query(data, "SELECT v.question_id, q.external_id, v.vector, v.content_hash "
                               "FROM search_questionvector v LEFT JOIN kb_question q "
                               "ON q.id = v.question_id ORDER BY v.question_id"),
        "related": query(data, "SELECT q.external_id, r.external_id, x.rank, "
                               "ROUND(x.score, 5) FROM search_relatedquestion x "
                               "JOIN kb_question q ON q.id = x.question_id "
                               "JOIN kb_question r ON r.id = x.related_id "
                               "ORDER BY q.external_id, x.rank"),
        "meta": query(data, "SELECT key, value FROM search_indexmeta WHERE key != 'generation' "
                            "ORDER BY key"),
    }


@pytest.mark.slow
def test_an_import_killed_at_several_moments_then_run_to_its_end_matches_an_uninterrupted_one(
    tmp_path: Path,
) -> None:
    path = content(tmp_path / "content.jsonl")
    whole, killed = tmp_path / "whole", tmp_path / "killed"
    reference = importer(whole, path)  # meanwhile, on the other core

    # 1. Killed once the first batches are committed.
    kill_when(importer(killed, path), lambda: count(killed, "kb_question") >= 10 * BATCH)
    questions = count(killed, "kb_question")
    assert questions < QUESTIONS and questions % BATCH == 0  # whole batches only
    # The committed batches' vectors were stored as the import went, all but the last few.
    assert count(killed, "search_questionvector") >= questions - 5 * BATCH
    assert count(killed, "search_relatedquestion") == 0

    # 2. Killed again further on: the batches before are found unchanged, more are created.
    kill_when(importer(killed, path), lambda: count(killed, "kb_question") >= questions + 500)

    # 3. Killed while the related lists are being written, after every question is in.
    kill_when(importer(killed, path, paused_related=True),
              lambda: count(killed, "search_relatedquestion") > 0)
    assert count(killed, "kb_question") == QUESTIONS
    assert 0 < count(killed, "search_relatedquestion") < QUESTIONS * 12
    assert query(killed, "SELECT key FROM search_indexmeta WHERE key = 'related_stale'")

    # 4. Run to its end: every question is found unchanged, and the gaps are repaired.
    summary = finish(importer(killed, path))
    assert f"0 created, 0 updated, {QUESTIONS:,} unchanged, 0 errors" in summary
    finish(reference)

    got, want = state(killed), state(whole)
    assert len(want["questions"]) == QUESTIONS
    assert len(want["related"]) == QUESTIONS * 12
    assert [key for key, _ in want["meta"]] == ["dim", "format", "model"]  # nothing owed
    for key in want:
        assert got[key] == want[key], key
