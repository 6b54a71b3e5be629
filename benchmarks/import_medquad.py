"""Full MedQuAD import into a fresh SQLite database: wall time, pairs/s, peak RSS, re-run time.

Usage: .venv/bin/python benchmarks/import_medquad.py [PATH]  (default: ../shared/data/medquad)
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


def main() -> None:
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    if not source.exists():
        raise SystemExit(f"no MedQuAD data at {source}")
    with tempfile.TemporaryDirectory(prefix="healthqa-bench-") as tmp:
        # Before Django is set up: the settings read the data folder once.
        os.environ["HEALTHQA_DATA_DIR"] = tmp
        os.environ.pop("HEALTHQA_DATABASE_URL", None)
        sys.path.insert(0, str(REPO))
        from healthqa.cli import migrate, setup_django

        setup_django()
        migrate()
        from healthqa.importers.api import medquad_import

        start, cpu = time.perf_counter(), time.process_time()
        first = medquad_import(path=source, progress=False)
        first_s, first_cpu = time.perf_counter() - start, time.process_time() - cpu
        peak = _peak_rss_mb()

        start, cpu = time.perf_counter(), time.process_time()
        second = medquad_import(path=source, progress=False)
        second_s, second_cpu = time.perf_counter() - start, time.process_time() - cpu
        size_mb = (Path(tmp) / "healthqa.sqlite3").stat().st_size / 1e6

    print(first.summary().splitlines()[0])
    # CPU time is printed too: wall time moves with whatever else the machine is doing.
    print(f"first run:  {first_s:6.1f} s wall, {first_cpu:5.1f} s CPU,"
          f" {first.questions / first_s:7,.0f} pairs/s, peak RSS {peak:,.0f} MB,"
          f" database {size_mb:,.0f} MB")
    print(second.summary().splitlines()[0])
    print(f"second run: {second_s:6.1f} s wall, {second_cpu:5.1f} s CPU,"
          f" {second.questions / second_s:7,.0f} pairs/s (idempotent: nothing written)")
    if first.errors or second.created or second.updated:
        raise SystemExit("unexpected: errors, or the second run wrote something")


if __name__ == "__main__":
    main()
