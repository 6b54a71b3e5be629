"""The data folder: one secret key however many processes start at once, private modes."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import REPO_ROOT

pytestmark = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")

# Each child imports what it can first, waits for the common start time, then reads the
# settings, so the key is created by all of them at once. The umask lets group and others
# read: the modes asserted below are the code's, not the test runner's umask.
CHILD = """
import os, sys, time
os.umask(0o022)
import django.core.exceptions, healthqa.config.declared
start = float(sys.argv[1])
while time.time() < start:
    pass
from healthqa.config import settings
print(settings.SECRET_KEY)
"""


def _env(data_dir: Path) -> dict[str, str]:
    keep = {"HEALTHQA_MODEL_DIR", "HEALTHQA_ENCODER"}
    clean = {k: v for k, v in os.environ.items() if not k.startswith("HEALTHQA_") or k in keep}
    return {**clean, "HEALTHQA_DATA_DIR": str(data_dir)}


def _start_at_once(data_dir: Path, count: int) -> list[str]:
    start = time.time() + (3 if count > 1 else 0)
    children = [subprocess.Popen([sys.executable, "-c", CHILD, str(start)], cwd=REPO_ROOT,
                                 env=_env(data_dir), stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
                for _ in range(count)]
    keys = []
    for child in children:
        out, err = child.communicate(timeout=120)
        assert child.returncode == 0, err[-2000:]
        keys.append(out.strip())
    return keys


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_processes_starting_at_once_share_one_private_secret_key(tmp_path: Path) -> None:
    data_dir = tmp_path / "new" / "data"
    keys = _start_at_once(data_dir, 8)

    assert len(set(keys)) == 1
    assert len(keys[0]) >= 50
    assert (data_dir / "secret_key").read_text() == keys[0]
    assert _mode(data_dir / "secret_key") == 0o600
    assert _mode(data_dir) == 0o700
    # The losers' temporary files are gone.
    assert sorted(p.name for p in data_dir.iterdir()) == [
        "healthqa.sqlite3", "secret_key", "static"]
    # A later start reads the same key.
    assert _start_at_once(data_dir, 1) == keys[:1]


def test_a_process_that_loses_the_race_takes_the_winners_key(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Deterministic: another process publishes its key between our read and our link.
    from healthqa.config import settings

    monkeypatch.setattr(settings, "DATA_DIR", tmp_path)
    monkeypatch.delenv("HEALTHQA_SECRET_KEY", raising=False)
    link = os.link

    def another_process_wins_first(src: str | Path, dst: str | Path) -> None:
        Path(dst).write_text("the-winners-key")
        link(src, dst)

    monkeypatch.setattr(os, "link", another_process_wins_first)
    assert settings._secret_key() == "the-winners-key"
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]


def test_the_new_database_file_is_private_and_so_are_its_wal_files(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    _start_at_once(data_dir, 1)
    db = data_dir / "healthqa.sqlite3"
    assert db.stat().st_size == 0 and _mode(db) == 0o600

    # An empty file is a valid SQLite database; its journal files take its modes.
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE t (x)")
        conn.execute("INSERT INTO t VALUES (1)")
        assert _mode(data_dir / "healthqa.sqlite3-wal") == 0o600
    conn.close()
    assert (data_dir / "static").is_dir()


def test_an_existing_data_folder_and_database_keep_their_modes(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o750)
    os.chmod(data_dir, 0o750)
    db = data_dir / "healthqa.sqlite3"
    db.write_bytes(b"")
    os.chmod(db, 0o640)
    _start_at_once(data_dir, 1)
    assert _mode(data_dir) == 0o750
    assert _mode(db) == 0o640
    assert _mode(data_dir / "secret_key") == 0o600
