"""`healthqa backup` and `healthqa restore` on SQLite: a round trip gives back the same site,
a backup is consistent while others write, and every refusal leaves the database as it was."""

from __future__ import annotations

import hashlib
import json
import os
import pty
import re
import shutil
import sqlite3
import stat
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

from healthqa.kb.backup import BackupError, database_file
from tests.helpers import REPO_ROOT, healthqa_command

ASKS = ("my lower back hurts, I'm 4 months pregnant", "morning sickness remedies",
        "heavy periods what to do")

# Renders the home page and articles with Django's test client and runs the asks, in the
# data folder of HEALTHQA_DATA_DIR; prints JSON. argv: the article URLs (default: the first
# three published questions').
SNAPSHOT = """
import json, os, re, sys
os.environ["DJANGO_SETTINGS_MODULE"] = "healthqa.config.settings"
import django
django.setup()
from django.test import Client
from django.test.utils import setup_test_environment
from healthqa.ask.services import ask_question
from healthqa.kb.models import Question
setup_test_environment()
urls = sys.argv[1:] or [q.get_absolute_url() for q in
                        Question.objects.filter(status="published").order_by("pk")[:3]]
client = Client()
pages = {}
for url in ["/", *urls]:
    response = client.get(url)
    html = response.content.decode()
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "CSRF", html)
    pages[url] = [response.status_code, html]
asks = {text: [hit.question.pk for hit in ask_question(text=text, k=5).hits]
        for text in json.loads(os.environ["ASKS"])}
print(json.dumps({"urls": urls, "pages": pages, "asks": asks}))
"""

CHANGE = """
import os
import pty
os.environ["DJANGO_SETTINGS_MODULE"] = "healthqa.config.settings"
import django
django.setup()
from healthqa.kb.models import Question
Question.objects.get(pk=Question.objects.filter(status="published").order_by("pk")[0].pk).delete()
"""


@dataclass
class Site:
    """A data folder of its own, with the commands run on it."""

    data: Path

    @property
    def database(self) -> Path:
        return self.data / "healthqa.sqlite3"

    def env(self) -> dict[str, str]:
        env = {**os.environ, "HEALTHQA_DATA_DIR": str(self.data), "HEALTHQA_ENCODER": "hashing",
               "HF_HUB_OFFLINE": "1", "ASKS": json.dumps(ASKS)}
        for name in ("DJANGO_SETTINGS_MODULE", "HEALTHQA_DATABASE_URL"):
            env.pop(name, None)
        return env

    def run(self, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run([*healthqa_command(), *args], env=self.env(), cwd=REPO_ROOT,
                              input=stdin, capture_output=True, text=True, timeout=300)

    def script(self, source: str, *args: str) -> str:
        done = subprocess.run([*healthqa_command()[:1], "-c", source, *args], env=self.env(),
                              cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def snapshot(self, urls: list[str] | None = None) -> dict[str, object]:
        return dict(json.loads(self.script(SNAPSHOT, *(urls or []))))

    def files(self) -> dict[str, str]:
        """Every file of the data folder (but the static files) and its digest."""
        return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
                for p in self.data.iterdir() if p.is_file()}

    def stats(self) -> dict[str, tuple[int, int]]:
        """Every file's size and time of change, read without opening it (closing a file
        drops this process's locks on it, SQLite's included); not the -shm, the memory
        every connection shares."""
        return {p.name: (p.stat().st_size, p.stat().st_mtime_ns)
                for p in self.data.iterdir() if p.is_file() and not p.name.endswith("-shm")}


@pytest.fixture(scope="module")
def demo_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder with the demo content (made once; each test copies it)."""
    data = tmp_path_factory.mktemp("demo") / "data"
    done = Site(data).run("demo")
    assert done.returncode == 0, done.stderr
    return data


@pytest.fixture
def site(demo_data: Path, tmp_path: Path) -> Site:
    data = tmp_path / "data"
    shutil.copytree(demo_data, data)
    return Site(data)


def integrity(path: Path) -> list[str]:
    with sqlite3.connect(path) as conn:
        return [row[0] for row in conn.execute("PRAGMA integrity_check")]


def count(path: Path, table: str) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
    finally:
        conn.close()


def test_a_round_trip_gives_back_the_same_pages_and_asks(site: Site, tmp_path: Path) -> None:
    before = site.snapshot()
    urls = list(before["urls"])  # type: ignore[call-overload]
    assert len(urls) == 3
    assert all(status == 200 for status, _ in before["pages"].values())  # type: ignore[attr-defined]
    assert all(before["asks"].values())  # type: ignore[attr-defined]

    saved = tmp_path / "backups" / "site.sqlite3"
    saved.parent.mkdir()
    done = site.run("backup", str(saved))
    assert done.returncode == 0, done.stderr
    assert f"backed up to {saved} (integrity ok): 53 questions" in done.stdout
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    assert integrity(saved) == ["ok"]
    assert not saved.with_name(saved.name + "-wal").exists()  # self-contained
    assert sorted(p.name for p in saved.parent.iterdir()) == ["site.sqlite3"]

    # The site changes after the backup: a question deleted, an account made.
    site.script(CHANGE)
    made = site.run("user", "add", "ana", "--role", "member", stdin="a long passphrase here\n")
    assert made.returncode == 0, made.stderr
    changed = site.snapshot(urls)
    assert changed["pages"][urls[0]][0] == 404  # type: ignore[index]
    assert changed != before

    restored = site.run("restore", str(saved), "--yes")
    assert restored.returncode == 0, restored.stderr
    out = restored.stdout
    assert f"{saved}: 53 questions" in out
    assert "search index complete" in out
    asides = [p for p in site.data.iterdir() if ".before-restore-" in p.name]
    assert len(asides) == 1
    assert f"the database it replaced is kept at {asides[0]}" in out
    assert stat.S_IMODE(asides[0].stat().st_mode) == 0o600
    assert stat.S_IMODE(site.database.stat().st_mode) == 0o600
    assert integrity(asides[0]) == ["ok"]
    assert (count(asides[0], "kb_question"), count(asides[0], "auth_user")) == (52, 1)
    assert (count(site.database, "kb_question"), count(site.database, "auth_user")) == (53, 0)
    assert not [p for p in site.data.iterdir() if p.name.endswith(".tmp")]

    after = site.snapshot(urls)
    assert after["asks"] == before["asks"]
    for url in ["/", *urls]:
        assert after["pages"][url] == before["pages"][url], url  # type: ignore[index]


def test_a_backup_is_consistent_while_another_process_writes(site: Site, tmp_path: Path
                                                             ) -> None:
    with sqlite3.connect(site.database) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE scratch (id INTEGER PRIMARY KEY, body BLOB NOT NULL)")
    stop = threading.Event()
    written: list[int] = []
    errors: list[BaseException] = []

    def writer() -> None:
        conn = sqlite3.connect(site.database, timeout=20, isolation_level=None)
        try:
            while not stop.is_set():
                conn.execute("BEGIN IMMEDIATE")
                conn.executemany("INSERT INTO scratch (body) VALUES (?)",
                                 [(os.urandom(2000),) for _ in range(20)])
                conn.execute("COMMIT")
                written.append(20)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
        finally:
            conn.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        copies = []
        for n in range(3):
            while sum(written) < 200 * (n + 1):
                stop.wait(0.01)
            copy = tmp_path / f"during-{n}.sqlite3"
            done = site.run("backup", str(copy))
            assert done.returncode == 0, done.stderr
            copies.append(copy)
    finally:
        stop.set()
        thread.join(timeout=30)
    assert not errors
    rows = [count(copy, "scratch") for copy in copies]
    assert all(integrity(copy) == ["ok"] for copy in copies)
    assert all(r % 20 == 0 for r in rows)  # whole transactions only
    assert 0 < rows[0] <= rows[1] <= rows[2] <= sum(written)
    assert all(count(copy, "kb_question") == 53 for copy in copies)


def test_a_backup_never_overwrites_a_file_unless_forced(site: Site, tmp_path: Path) -> None:
    target = tmp_path / "keep.sqlite3"
    target.write_text("precious")
    done = site.run("backup", str(target))
    assert done.returncode == 1
    assert f"{target} exists: choose a new name, or add --force" in done.stderr
    assert target.read_text() == "precious"
    forced = site.run("backup", str(target), "--force")
    assert forced.returncode == 0, forced.stderr
    assert integrity(target) == ["ok"]
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    for refused, reason in ((tmp_path, "is a folder"), (tmp_path / "no" / "x.sqlite3",
                                                       "does not exist"),
                            (site.database, "is the database itself")):
        done = site.run("backup", str(refused))
        assert done.returncode == 1
        assert reason in done.stderr and str(refused) in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "keep.sqlite3"]


def test_a_database_without_healthqa_tables_is_not_backed_up(tmp_path: Path) -> None:
    site = Site(tmp_path / "empty")
    done = site.run("backup", str(tmp_path / "x.sqlite3"))
    assert done.returncode == 1
    assert "nothing was backed up" in done.stderr and "empty database" in done.stderr
    assert not (tmp_path / "x.sqlite3").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty"]


def _other_app(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE django_migrations (id INTEGER PRIMARY KEY, app TEXT, "
                     "name TEXT, applied TEXT)")
        conn.execute("CREATE TABLE shop_order (id INTEGER PRIMARY KEY, total REAL)")
    conn.close()


@pytest.mark.parametrize("kind, reason", [
    ("text", "is not a SQLite database"),
    ("other app", "not a healthqa database: it has no kb_question"),
    ("truncated", "is not a usable SQLite database: database disk image is malformed"),
    ("newer", "was made by a newer healthqa (migrations this version does not have: "
              "kb.9999_from_the_future): upgrade healthqa first"),
    ("missing", "does not exist"),
])
def test_a_restore_refuses_what_is_not_a_backup_and_changes_nothing(
        site: Site, tmp_path: Path, kind: str, reason: str) -> None:
    bad = tmp_path / "bad.sqlite3"
    if kind == "text":
        bad.write_text("not a database\n" * 100)
    elif kind == "other app":
        _other_app(bad)
    else:
        assert site.run("backup", str(bad)).returncode == 0
        if kind == "truncated":
            bad.write_bytes(bad.read_bytes()[: bad.stat().st_size // 2])
        elif kind == "newer":
            with sqlite3.connect(bad) as conn:
                conn.execute("INSERT INTO django_migrations (app, name, applied) "
                             "VALUES ('kb', '9999_from_the_future', '2030-01-01')")
            conn.close()
        elif kind == "missing":
            bad.unlink()
    files = site.files()
    done = site.run("restore", str(bad), "--yes")
    assert done.returncode == 1, done.stdout
    assert f"Error: {bad}" in done.stderr and reason in done.stderr
    assert site.files() == files  # the database untouched, nothing kept aside, no copy left


def test_a_restore_asks_first_and_refuses_without_yes_when_it_cannot(site: Site,
                                                                      tmp_path: Path) -> None:
    saved = tmp_path / "b.sqlite3"
    assert site.run("backup", str(saved)).returncode == 0
    files = site.files()
    done = site.run("restore", str(saved))
    assert done.returncode == 1
    assert "not restored: restoring replaces the database at" in done.stderr
    assert "add --yes to confirm" in done.stderr
    assert site.files() == files


def _at_a_terminal(site: Site, answer: str, *args: str) -> subprocess.CompletedProcess[str]:
    """The command with a terminal as its standard input, answering `answer`."""
    main, secondary = pty.openpty()
    try:
        os.write(main, answer.encode() + b"\n")
        return subprocess.run([*healthqa_command(), *args], env=site.env(), cwd=REPO_ROOT,
                              stdin=secondary, capture_output=True, text=True, timeout=300)
    finally:
        os.close(main)
        os.close(secondary)


def test_at_a_terminal_a_restore_asks_and_no_leaves_the_database(site: Site,
                                                                 tmp_path: Path) -> None:
    saved = tmp_path / "b.sqlite3"
    assert site.run("backup", str(saved)).returncode == 0
    site.script(CHANGE)
    files = site.files()
    declined = _at_a_terminal(site, "n", "restore", str(saved))
    assert declined.returncode == 1
    assert f"Replace the database at {site.database} (52 questions" in declined.stdout
    assert "not restored: the database is unchanged" in declined.stderr
    assert site.files() == files
    accepted = _at_a_terminal(site, "y", "restore", str(saved))
    assert accepted.returncode == 0, accepted.stderr
    assert count(site.database, "kb_question") == 53


def test_a_restore_refuses_while_the_database_is_in_use(site: Site, tmp_path: Path) -> None:
    saved = tmp_path / "b.sqlite3"
    assert site.run("backup", str(saved)).returncode == 0
    conn = sqlite3.connect(site.database)  # a running server's connection
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("SELECT COUNT(*) FROM kb_question").fetchone()
        files = site.stats()
        done = site.run("restore", str(saved), "--yes")
        assert done.returncode == 1
        assert "is in use by another process: stop `healthqa serve`" in done.stderr
        assert site.stats() == files
    finally:
        conn.close()
    assert site.run("restore", str(saved), "--yes").returncode == 0


def test_an_older_backup_is_migrated_and_a_missing_index_rebuilt(site: Site,
                                                                 tmp_path: Path) -> None:
    before = site.snapshot()
    saved = tmp_path / "old.sqlite3"
    assert site.run("backup", str(saved)).returncode == 0
    with sqlite3.connect(saved) as conn:  # as a version before search.0003 and its vectors
        conn.execute("DROP TABLE search_vectorchange")
        conn.execute("DELETE FROM django_migrations WHERE app = 'search' "
                     "AND name = '0003_vector_changes'")
        conn.execute("DELETE FROM search_questionvector")
    conn.close()
    done = site.run("restore", str(saved), "--yes")
    assert done.returncode == 0, done.stderr
    assert "search index rebuilt (53 of 53 questions have no current vector)" in done.stdout
    assert count(site.database, "search_vectorchange") == 0  # the migration ran
    assert count(site.database, "search_questionvector") == 53
    after = site.snapshot(list(before["urls"]))  # type: ignore[call-overload]
    assert after["asks"] == before["asks"]


def test_postgresql_is_pointed_to_pg_dump() -> None:
    with pytest.raises(BackupError, match=r"PostgreSQL, not SQLite: back it up with `pg_dump"):
        database_file({"ENGINE": "django.db.backends.postgresql", "NAME": "healthqa"})
    assert database_file({"ENGINE": "django.db.backends.sqlite3", "NAME": "/x/y.sqlite3"}) == (
        Path("/x/y.sqlite3"))


def test_the_backup_docs_are_listed() -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    assert "[docs/backup.md](docs/backup.md)" in readme
    text = (REPO_ROOT / "docs" / "backup.md").read_text(encoding="utf-8")
    for needed in ("healthqa backup", "healthqa restore", "pg_dump -Fc", "pg_restore --clean",
                   "before-restore-"):
        assert needed in text
    assert re.search(r"stop .*healthqa serve", text, re.IGNORECASE | re.DOTALL)
