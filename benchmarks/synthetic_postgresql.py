"""Copy a synthetic knowledge base (benchmarks/synthetic.py, SQLite) into PostgreSQL, fast.

    HEALTHQA_DATABASE_URL=postgresql://postgres:@/million?host=/tmp/pg1m .venv/bin/healthqa init
    .venv/bin/python benchmarks/synthetic_postgresql.py --from /tmp/bench/1m \
        --database-url postgresql://postgres:@/million?host=/tmp/pg1m

--database-url is an empty database migrated by `healthqa init`. The import path would
encode every question again with the model (synthetic vectors are not the model's) and
write rows batch by batch: MedQuAD's 47k take 255 s on PostgreSQL, a million would take
well over an hour. So the rows are copied as synthetic.py wrote them, about 16 minutes at 1M
on 2 cores, 11 of them the HNSW build:

- the GIN (full text) and HNSW (vectors) indexes are dropped, so COPY only appends rows;
- each table is COPYed from SQLite with psycopg (text format; the vectors' table in binary,
  its pgvector column from the stored float32 bytes through the pgvector package, exact).
  The parent tables go first; the big tables are split into --jobs id ranges copied on
  connections of their own, so the server's side (the generated tsvector of every
  full-text row, B-tree indexes, foreign-key checks) uses both cores. search_fts's rowid
  is the question id; search_relatedquestion is copied when the folder has any
  (synthetic.py writes none). Texts longer than their varchar(n) (SQLite does not check)
  are cut to n characters and counted in the report (73 excerpts of the 1M corpus);
- identity sequences are set past the copied ids;
- index metadata as a new index: the model rows as they are, a fresh search generation and
  content generation (so no process mistakes them for another database's);
- the GIN and HNSW indexes are built with the product's own statements (HNSW_CREATE,
  GIN_CREATE: m 16, ef_construction 64), with --build-memory and parallel workers;
- VACUUM (ANALYZE): statistics for the planner, and the visibility map and hint bits set
  now rather than by the first queries or by autovacuum in the middle of a benchmark;
- the app's readiness checks (/readyz's) are run on the result.

Per-phase figures (rows/s, index build times, sizes) are printed and written to
postgresql-copy.json in --from (or --json).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import resource
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import psycopg
from pgvector.psycopg import register_vector

REPO = Path(__file__).resolve().parents[1]

# In order: a table's foreign keys point at tables copied in an earlier phase (the checks are
# deferred to each copy's commit, so rows must be committed before rows that name them).
PHASES = (
    ("kb_category", "kb_source", "kb_author"),
    ("kb_question",),
    ("kb_answer", "search_questionvector", "search_fts", "search_relatedquestion"),
)
SPLIT_ABOVE = 100_000  # rows: larger tables are copied in --jobs id ranges at once
BATCH = 5_000  # rows fetched from SQLite at a time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--from", dest="source", type=Path, required=True,
                        help="data folder built by benchmarks/synthetic.py")
    parser.add_argument("--database-url", required=True,
                        help="an empty PostgreSQL database, migrated (`healthqa init`)")
    parser.add_argument("--jobs", type=int, default=2, help="copies at once (default 2)")
    parser.add_argument("--build-memory", default="4GB", help="maintenance_work_mem")
    parser.add_argument("--build-workers", type=int, default=2,
                        help="max_parallel_maintenance_workers for the index builds")
    parser.add_argument("--json", type=Path, help="default: postgresql-copy.json in --from")
    args = parser.parse_args()
    sqlite_path = args.source / "healthqa.sqlite3"
    if not sqlite_path.exists():
        raise SystemExit(f"no database at {sqlite_path}")
    # The product's settings, on this database: its index statements and readiness checks.
    os.environ.update(HEALTHQA_DATABASE_URL=args.database_url, HF_HUB_OFFLINE="1",
                      DJANGO_SETTINGS_MODULE="healthqa.config.settings")
    os.environ.setdefault("HEALTHQA_DATA_DIR", tempfile.mkdtemp(prefix="healthqa-pgcopy-"))
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    from healthqa.search.backends.postgresql import GIN, GIN_CREATE, HNSW, HNSW_CREATE

    started = time.perf_counter()
    report: dict[str, Any] = {"source": str(args.source), "jobs": args.jobs,
                              "build_memory": args.build_memory,
                              "build_workers": args.build_workers, "tables": {}}
    with connect(args.database_url) as pg:
        report["server"] = str(pg.execute("SHOW server_version").fetchone()[0])  # type: ignore[index]
        if pg.execute("SELECT EXISTS (SELECT FROM kb_question)").fetchone()[0]:  # type: ignore[index]
            raise SystemExit("the database holds questions already: give an empty one")
        pg.execute(f"DROP INDEX IF EXISTS {HNSW}, {GIN}")

    t = time.perf_counter()
    report["phase_s"] = []  # wall time of each phase; a table's copy_s: its slowest range
    for phase in PHASES:
        started_phase = time.perf_counter()
        jobs = [job for table in phase for job in copy_jobs(sqlite_path, table, args.jobs)]
        with ThreadPoolExecutor(max_workers=args.jobs) as pool:
            done = list(pool.map(lambda job: job(args.database_url), jobs))
        report["phase_s"].append(round(time.perf_counter() - started_phase, 1))
        for table, rows, seconds, cut in done:
            entry = report["tables"].setdefault(table, {"rows": 0, "copy_s": 0.0})
            entry["rows"] += rows
            entry["copy_s"] = max(entry["copy_s"], round(seconds, 1))  # ranges run at once
            for column, n in cut.items():
                shortened = entry.setdefault("truncated", {})
                shortened[column] = shortened.get(column, 0) + n
        for table in phase:
            entry = report["tables"].setdefault(table, {"rows": 0, "copy_s": 0.0})
            entry["rows_per_s"] = round(entry["rows"] / max(entry["copy_s"], 1e-3))
            print(f"  {table}: {entry['rows']:,} rows in {entry['copy_s']} s "
                  f"({entry['rows_per_s']:,} rows/s)", entry.get("truncated", ""), flush=True)
    report["copy_s"] = round(time.perf_counter() - t, 1)

    with connect(args.database_url) as pg:
        report["sequences"] = sequences_set(pg, [table for phase in PHASES for table in phase])
        metadata(pg, sqlite_path)
        pg.execute(f"SET maintenance_work_mem = '{args.build_memory}'")
        pg.execute(f"SET max_parallel_maintenance_workers = {args.build_workers}")
        for name, create in (("gin", GIN_CREATE), ("hnsw", HNSW_CREATE)):
            t = time.perf_counter()
            pg.execute(create)
            report[f"{name}_build_s"] = round(time.perf_counter() - t, 1)
            print(f"  {name} index built in {report[f'{name}_build_s']} s", flush=True)
        t = time.perf_counter()
        pg.execute("VACUUM (ANALYZE)")
        report["vacuum_analyze_s"] = round(time.perf_counter() - t, 1)
        report["sizes_mb"] = sizes(pg, [GIN, HNSW])
    report["total_s"] = round(time.perf_counter() - started, 1)
    from healthqa.search.health import index_health

    report["ready"] = index_health()  # /readyz's checks
    report["peak_rss_mb_this_process"] = (
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
    out = args.json or args.source / "postgresql-copy.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


def connect(url: str) -> psycopg.Connection[Any]:
    pg = psycopg.connect(url, autocommit=True)
    pg.execute("SET TIME ZONE 'UTC'")  # SQLite's datetimes are UTC without a zone (Django's)
    return pg


def columns(db: sqlite3.Connection, table: str) -> list[str]:
    if table == "search_fts":  # FTS5: its rowid is the question's id
        return ["rowid", "title", "focus", "body", "answers"]
    return [row[1] for row in db.execute(f"PRAGMA table_info({table})")]


def copy_jobs(sqlite_path: Path, table: str, jobs: int
              ) -> list[Callable[[str], tuple[str, int, float, dict[str, int]]]]:
    """The copies of one table: its rows in `jobs` id ranges (one if it is small)."""
    db = sqlite3.connect(f"file:{sqlite_path}?mode=ro", uri=True)
    key = "rowid" if table == "search_fts" else columns(db, table)[0]
    low, high, count = db.execute(f"SELECT MIN({key}), MAX({key}), COUNT(*) FROM {table}"
                                  ).fetchone()
    db.close()
    if not count:
        return []
    parts = jobs if count > SPLIT_ABOVE else 1
    bounds = np.linspace(low, high + 1, parts + 1).astype(np.int64).tolist()
    return [functools.partial(copy_range, sqlite_path, table, key, lo, hi)
            for lo, hi in zip(bounds[:-1], bounds[1:], strict=True)]


def copy_range(sqlite_path: Path, table: str, key: str, low: int, high: int, url: str
               ) -> tuple[str, int, float, dict[str, int]]:
    """COPY rows low <= key < high of one table, in one transaction. Texts longer than
    their PostgreSQL varchar(n) (SQLite does not check lengths) are cut to n characters and
    counted: synthetic.py's long made-up names make some excerpts longer than 400."""
    started = time.perf_counter()
    db = sqlite3.connect(f"file:{sqlite_path}?mode=ro", uri=True)
    names = columns(db, table)
    target = ["question_id" if n == "rowid" else n for n in names]
    where = f"WHERE {key} >= ? AND {key} < ?"
    vectors = table == "search_questionvector"
    if vectors:
        target.append("embedding")
    sql = f"COPY {table} ({', '.join(target)}) FROM STDIN"
    copied = 0
    with connect(url) as pg, pg.transaction():
        if vectors:
            register_vector(pg)  # before the cursor: it takes the connection's adapters
        cur = pg.cursor()
        limits = dict(cur.execute(
            "SELECT column_name, character_maximum_length FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = %s AND "
            "character_maximum_length IS NOT NULL", [table]).fetchall())
        cut = {n: int(db.execute(f"SELECT COUNT(*) FROM {table} {where} AND length({n}) > ?",
                                 (low, high, limits[n])).fetchone()[0])
               for n in names if n in limits}
        select = [f"substr({n}, 1, {limits[n]})" if cut.get(n) else n for n in names]
        rows = read(db, f"SELECT {', '.join(select)} FROM {table} {where} ORDER BY {key}",
                    (low, high))
        if vectors:  # binary: the float32 bytes as they are, and as a pgvector value
            assert names == ["question_id", "vector", "content_hash"], names
            with cur.copy(sql + " WITH (FORMAT BINARY)") as copy:
                copy.set_types(["int8", "bytea", "varchar", "vector"])
                for qid, blob, digest in rows:
                    copy.write_row((qid, blob, digest, np.frombuffer(blob, dtype=np.float32)))
                    copied += 1
        else:
            with cur.copy(sql) as copy:
                for row in rows:
                    copy.write_row([_clean(v) for v in row])
                    copied += 1
    db.close()
    print(f"    {table} [{low:,}, {high:,}): {copied:,} rows", file=sys.stderr, flush=True)
    return table, copied, time.perf_counter() - started, {n: c for n, c in cut.items() if c}


def read(db: sqlite3.Connection, sql: str, params: tuple[Any, ...]) -> Iterator[tuple[Any, ...]]:
    cursor = db.execute(sql, params)
    while batch := cursor.fetchmany(BATCH):
        yield from batch


def _clean(value: Any) -> Any:
    """PostgreSQL's text cannot hold NUL characters (SQLite's can); the product drops them."""
    if type(value) is str and "\x00" in value:
        return value.replace("\x00", "")
    return value


def sequences_set(pg: psycopg.Connection[Any], tables: list[str]) -> dict[str, int]:
    """Each copied table's identity (or serial) column: its sequence set past the max id."""
    found = pg.execute(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = "
        "current_schema() AND table_name = ANY(%s) AND (is_identity = 'YES' OR "
        "column_default LIKE 'nextval(%%')", [tables]).fetchall()
    done = {}
    for table, column in found:
        high = pg.execute(f"SELECT MAX({column}) FROM {table}").fetchone()[0]  # type: ignore[index]
        pg.execute("SELECT setval(pg_get_serial_sequence(%s, %s), %s, %s)",
                   [table, column, high or 1, high is not None])
        done[f"{table}.{column}"] = int(high or 0)
    return done


def metadata(pg: psycopg.Connection[Any], sqlite_path: Path) -> None:
    """The index's description (model, dimension, format) as built, a fresh generation for
    the search index and for the content, nothing pending (changes log, stale marks)."""
    db = sqlite3.connect(f"file:{sqlite_path}?mode=ro", uri=True)
    meta = dict(db.execute("SELECT key, value FROM search_indexmeta").fetchall())
    db.close()
    meta = {k: v for k, v in meta.items() if k in ("model", "dim", "format")}
    meta["generation"] = uuid.uuid4().hex
    with pg.transaction():
        pg.execute("DELETE FROM search_indexmeta")
        pg.execute("DELETE FROM search_vectorchange")
        with pg.cursor() as cur:
            cur.executemany("INSERT INTO search_indexmeta (key, value) VALUES (%s, %s)",
                            list(meta.items()))
        pg.execute("INSERT INTO kb_contentmeta (key, value) VALUES ('generation', %s) "
                   "ON CONFLICT (key) DO UPDATE SET value = excluded.value", [uuid.uuid4().hex])


def sizes(pg: psycopg.Connection[Any], indexes: list[str]) -> dict[str, float]:
    rows = pg.execute(
        "SELECT 'database', pg_database_size(current_database()) UNION ALL "
        "SELECT c, pg_total_relation_size(c) FROM unnest(%s::text[]) c UNION ALL "
        "SELECT c, pg_relation_size(c) FROM unnest(%s::text[]) c",
        [["kb_question", "kb_answer", "search_fts", "search_questionvector"], indexes],
    ).fetchall()
    return {str(name): round(int(size) / 1e6, 1) for name, size in rows}


if __name__ == "__main__":
    main()
