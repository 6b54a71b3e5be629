"""Backing up and restoring the SQLite database (`healthqa backup` and `healthqa restore`).

A backup is made with SQLite's online backup API in one step: one read transaction, so the
copy is the database as it was at one instant while the site goes on serving and writing
(with WAL, readers never block writers). It is written to a private temporary file beside
PATH, checked (`PRAGMA integrity_check`), synced and renamed into place, so PATH is either
absent or a whole, checked copy.

A restore checks the backup on a private copy beside the live database (a SQLite file with
healthqa's tables, intact, and made by this version of healthqa or an older one); the caller
brings that copy up to date (migrations, search index) while the live database is untouched;
only then is the live database copied aside and the new one renamed over it. Nothing changes
before that last step, and the step itself is a rename.

PostgreSQL is backed up with its own tools (`pg_dump`): docs/backup.md.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connections
from django.db.migrations.loader import MigrationLoader

from healthqa.kb.models import Answer, Question

HEADER = b"SQLite format 3\x00"
# Present in every healthqa database since its first migrations: a file without them is not
# one (an empty database, or another application's).
_TABLES = ("django_migrations", Question._meta.db_table, Answer._meta.db_table, "auth_user")
# The files SQLite keeps beside a database while it is open or after a crash.
_SIDE_FILES = ("-wal", "-shm", "-journal")
_BUSY_MS = 20_000
POSTGRES_ADVICE = ("back it up with `pg_dump -Fc` and restore it with `pg_restore --clean` "
                   "(docs/backup.md)")


class BackupError(Exception):
    """Refused or failed; the message names the path and the reason. Nothing was changed."""


@dataclass(frozen=True)
class Contents:
    """What a healthqa database holds, as the operator recognises it."""

    questions: int
    answers: int
    accounts: int
    size: int  # bytes

    def describe(self) -> str:
        return (f"{self.questions:,} questions, {self.answers:,} answers, "
                f"{self.accounts:,} accounts, {_size_text(self.size)}")


@dataclass(frozen=True)
class BackupReport:
    path: Path
    contents: Contents

    def summary(self) -> str:
        return f"backed up to {self.path} (integrity ok): {self.contents.describe()}"


@dataclass(frozen=True)
class RestoreReport:
    source: Path
    database: Path
    aside: Path | None  # where the database that was replaced went

    def summary(self) -> str:
        done = f"restored {self.source} into {self.database}"
        if self.aside is None:
            return f"{done} (there was no database before it)"
        return f"{done}; the database it replaced is kept at {self.aside}"


def _size_text(size: int) -> str:
    value = float(size)
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:,.0f} {unit}" if unit == "bytes" else f"{value:,.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def database_file(settings_dict: dict[str, Any] | None = None) -> Path:
    """The live SQLite database file (the default connection's unless `settings_dict`)."""
    db = settings_dict if settings_dict is not None else connections["default"].settings_dict
    engine = str(db.get("ENGINE", ""))
    if not engine.endswith("sqlite3"):
        kind = "PostgreSQL" if "postgres" in engine else engine
        raise BackupError(f"the database is {kind}, not SQLite: {POSTGRES_ADVICE}")
    name = str(db.get("NAME") or "")
    if not name or name == ":memory:" or "mode=memory" in name:
        raise BackupError(f"the database {name or '(unnamed)'!r} is not a file")
    return Path(name).resolve()


def _connect(path: Path, *, create: bool = False) -> sqlite3.Connection:
    """A plain sqlite3 connection; never creates `path` unless `create`."""
    mode = "rwc" if create else "rw"
    return sqlite3.connect(f"{path.as_uri()}?mode={mode}", uri=True,
                           timeout=_BUSY_MS / 1000, isolation_level=None)


def _private_file(folder: Path, stem: str) -> Path:
    """A new, empty file in `folder` only its owner may read (0600 from its creation)."""
    path = folder / f".{stem}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    return path


def _remove(path: Path) -> None:
    for p in (path, *(path.with_name(path.name + s) for s in _SIDE_FILES)):
        p.unlink(missing_ok=True)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _check(conn: sqlite3.Connection, path: Path) -> None:
    """Raise BackupError unless the database is intact and holds healthqa's tables."""
    try:
        problems = [str(row[0]) for row in conn.execute("PRAGMA integrity_check(5)")]
        tables = {str(row[0]) for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError as exc:  # "file is not a database", "... malformed"
        raise BackupError(f"{path} is not a usable SQLite database: {exc}") from None
    if problems != ["ok"]:
        raise BackupError(f"{path} is damaged (integrity check: {'; '.join(problems)})")
    missing = [t for t in _TABLES if t not in tables]
    if missing:
        what = "an empty database" if not tables else "not a healthqa database"
        raise BackupError(f"{path} is {what}: it has no {', '.join(missing)} table")


def _contents(conn: sqlite3.Connection, size: int) -> Contents:
    def count(table: str) -> int:
        return int(conn.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0])

    return Contents(questions=count(Question._meta.db_table),
                    answers=count(Answer._meta.db_table),
                    accounts=count(get_user_model()._meta.db_table), size=size)


def backup(*, path: Path, force: bool = False) -> BackupReport:
    """Copy the live database to `path`: consistent while others write, checked, 0600."""
    live = database_file()
    target = Path(os.path.abspath(path))
    if target.resolve() == live:
        raise BackupError(f"{path} is the database itself: give another file")
    if target.is_dir():
        raise BackupError(f"{path} is a folder: give the backup file's name")
    if not target.parent.is_dir():
        raise BackupError(f"{path}: the folder {target.parent} does not exist")
    if (target.exists() or target.is_symlink()) and not force:
        raise BackupError(f"{path} exists: choose a new name, or add --force to replace it")
    if not live.is_file():
        raise BackupError(f"there is no database at {live} to back up")
    try:
        tmp = _private_file(target.parent, target.name)
    except OSError as exc:
        raise BackupError(f"{path}: cannot write in {target.parent}: {exc.strerror}") from None
    try:
        with contextlib.closing(_connect(live)) as source, \
                contextlib.closing(_connect(tmp)) as copy:
            # One step (pages=-1): one read transaction, one instant of the database.
            source.backup(copy, pages=-1)
            source.close()
            # A self-contained file: no -wal beside it when it is opened or copied.
            copy.execute("PRAGMA journal_mode=DELETE")
            try:
                _check(copy, live)
            except BackupError as exc:
                raise BackupError(f"nothing was backed up to {path}: {exc}") from None
            contents = _contents(copy, tmp.stat().st_size)
        _fsync(tmp)
        os.replace(tmp, target)
        _fsync(target.parent)
    except sqlite3.Error as exc:
        raise BackupError(f"{path}: the copy of {live} failed: {exc}") from None
    except OSError as exc:
        raise BackupError(f"{path}: writing the backup failed: {exc}") from None
    finally:
        _remove(tmp)
    return BackupReport(path=target, contents=contents)


def _migrations_newer(conn: sqlite3.Connection) -> list[str]:
    """The migrations recorded in a database that this healthqa does not have."""
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    recorded = {(str(app), str(name)) for app, name in conn.execute(
        "SELECT app, name FROM django_migrations")}
    return sorted(f"{app}.{name}" for app, name in recorded - known)


def _in_use(live: Path) -> bool:
    """Whether another process has the live database open.

    In WAL mode the last connection to close removes the -wal file: after ours (the only one
    this process has) closes, a -wal left behind belongs to someone else's open connection.
    """
    wal = live.with_name(live.name + "-wal")
    if not wal.exists():
        return False
    with contextlib.closing(_connect(live)) as conn:
        conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
    return wal.exists()


def _stopped(live: Path) -> None:
    if _in_use(live):
        raise BackupError(f"the database {live} is in use by another process: stop "
                          "`healthqa serve` (and any other healthqa command) and run the "
                          "restore again")


class PreparedRestore:
    """A checked, private copy of a backup beside the live database, not yet in its place.

    `connected()` points Django's default connection at the copy (to migrate it and repair
    its search index); `commit()` puts it in place; leaving the `with` block without
    committing removes it, the live database untouched.
    """

    def __init__(self, *, source: Path, live: Path, copy: Path, contents: Contents) -> None:
        self.source = source
        self.live = live
        self.copy = copy
        self.contents = contents
        self.committed = False

    def __enter__(self) -> PreparedRestore:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if not self.committed:
            _remove(self.copy)

    def live_contents(self) -> str:
        """What the live database holds now, for the confirmation question."""
        if not self.live.is_file() or self.live.stat().st_size == 0:
            return "no database yet"
        try:
            with contextlib.closing(_connect(self.live)) as conn:
                return _contents(conn, self.live.stat().st_size).describe()
        except sqlite3.Error:
            return f"{_size_text(self.live.stat().st_size)}, without healthqa's tables"

    @contextlib.contextmanager
    def connected(self) -> Iterator[None]:
        """Django's default connection opens the copy inside the block (this thread's)."""
        db = connections["default"]
        name = db.settings_dict["NAME"]
        db.close()
        db.settings_dict["NAME"] = self.copy
        try:
            yield
        finally:
            db.close()
            db.settings_dict["NAME"] = name
        if self.copy.with_name(self.copy.name + "-wal").exists():
            raise BackupError(f"the restored copy {self.copy} is still open (not restored)")

    def _aside(self) -> Path | None:
        """Copy the live database aside (consistently, 0600): the copy's path."""
        if not self.live.is_file() or self.live.stat().st_size == 0:
            return None
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        for n in range(100):
            aside = self.live.with_name(f"{self.live.name}.before-restore-{stamp}"
                                        + (f"-{n}" if n else ""))
            try:
                os.close(os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
                break
            except FileExistsError:
                continue
        else:
            raise BackupError(f"cannot name a copy of {self.live} to keep aside")
        try:
            with contextlib.closing(_connect(self.live)) as source, \
                    contextlib.closing(_connect(aside)) as target:
                source.backup(target, pages=-1)
                target.execute("PRAGMA journal_mode=DELETE")
            _fsync(aside)
        except (sqlite3.Error, OSError) as exc:
            _remove(aside)
            raise BackupError(f"copying the database {self.live} aside to {aside} failed "
                              f"(not restored): {exc}") from None
        return aside

    def commit(self) -> RestoreReport:
        """Copy the live database aside, then rename the restored copy over it."""
        _stopped(self.live)
        aside = self._aside()
        try:
            _stopped(self.live)  # still nobody (the copy aside opened and closed it)
            _fsync(self.copy)
            for suffix in _SIDE_FILES:  # a stale -wal would be replayed into the new file
                self.live.with_name(self.live.name + suffix).unlink(missing_ok=True)
            os.replace(self.copy, self.live)
            _fsync(self.live.parent)
        except (BackupError, OSError) as exc:
            if aside is not None:
                _remove(aside)
            if isinstance(exc, BackupError):
                raise
            raise BackupError(f"putting {self.copy} in place of {self.live} failed (not "
                              f"restored): {exc}") from None
        self.committed = True
        return RestoreReport(source=self.source, database=self.live, aside=aside)


def restore_prepare(*, path: Path) -> PreparedRestore:
    """Check the backup at `path` on a private copy beside the live database."""
    live = database_file()
    source = Path(os.path.abspath(path))
    if not source.exists():
        raise BackupError(f"{path} does not exist")
    if not source.is_file():
        raise BackupError(f"{path} is not a file")
    if source.resolve() == live:
        raise BackupError(f"{path} is the live database itself")
    try:
        with source.open("rb") as f:
            header = f.read(len(HEADER))
    except OSError as exc:
        raise BackupError(f"{path} cannot be read: {exc.strerror}") from None
    if header != HEADER:
        raise BackupError(f"{path} is not a SQLite database (a healthqa backup is one)")
    _stopped(live)
    if not live.parent.is_dir():
        raise BackupError(f"the database's folder {live.parent} does not exist")
    try:
        copy = _private_file(live.parent, live.name + ".restore")
    except OSError as exc:
        raise BackupError(f"cannot write beside the database {live}: {exc.strerror}") from None
    try:
        with source.open("rb") as src, copy.open("wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
        with contextlib.closing(_connect(copy)) as conn:
            _check(conn, source)
            newer = _migrations_newer(conn)
            if newer:
                shown = ", ".join(newer[:5]) + (", ..." if len(newer) > 5 else "")
                raise BackupError(f"{path} was made by a newer healthqa (migrations this "
                                  f"version does not have: {shown}): upgrade healthqa first")
            conn.execute("PRAGMA journal_mode=DELETE")
            contents = _contents(conn, copy.stat().st_size)
    except BaseException as exc:
        _remove(copy)
        if isinstance(exc, sqlite3.Error):
            raise BackupError(f"{path} is not a usable SQLite database: {exc}") from None
        if isinstance(exc, OSError):
            raise BackupError(f"copying {path} beside {live} failed: {exc}") from None
        raise
    return PreparedRestore(source=source, live=live, copy=copy, contents=contents)
