"""Load test with locust: SQLite in one process, and PostgreSQL with 1 and 2 worker processes.

    .venv/bin/python benchmarks/load.py --sqlite-data /tmp/bench/medquad \
        --database-url postgresql://postgres:@/medquad?host=/tmp/pgbench [--seconds 30]

Both databases hold full MedQuAD (`healthqa import medquad`). Each server is started here with
`healthqa serve` (waitress for one process, gunicorn for --workers 2), warmed up (every worker
has loaded the model and answered some of each request), then locust runs headless on the
loopback, closed loop (each simulated reader sends its next request as soon as it is answered):

1. articles only, for --seconds: requests per second of article pages (the 1.6x target);
2. the mix (6 articles : 2 searches : 2 asks through POST /api/v1/ask), for --seconds:
   requests per second and p50/p95/p99 of each.

Locust runs on the same machine and takes part of a core, as a load balancer would not; the
figures compare configurations measured alike in one run. Output: a Markdown table, and
everything in --json.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str, data: bytes | None = None) -> int:
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def serve(env: dict[str, str], workers: int, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    args = [sys.executable, "-m", "healthqa.cli", "serve", "--port", str(port)]
    if workers > 1:
        args += ["--workers", str(workers)]
    proc = subprocess.Popen(args, env=env, cwd=REPO, stdout=log.open("w"),
                            stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            if _get(url + "/healthz") == 200:
                return proc, url
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"the server did not start:\n{log.read_text()[-3000:]}")
        time.sleep(0.3)


def warm(url: str, slugs: list[str], queries: list[str], workers: int) -> None:
    for i in range(40 * workers):
        _get(f"{url}/q/{slugs[i % len(slugs)]}/")
        _get(f"{url}/search?q={urllib.parse.quote(queries[i % len(queries)])}")
        _get(f"{url}/api/v1/ask",
             json.dumps({"question": queries[(i + 7) % len(queries)]}).encode())


def _tree_cpu_s(pid: int) -> float:
    """CPU seconds of process `pid` and its live children (from /proc)."""
    pids = [pid]
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                pids.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    ticks = 0
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def _postmaster(url: str) -> int | None:
    """The pid of the PostgreSQL server behind a socket-folder URL (?host=/folder), if local."""
    if "host=/" not in url:
        return None
    folder = url.rsplit("host=", 1)[1].split("&")[0]
    try:
        return int(Path(folder, "postmaster.pid").read_text().splitlines()[0])
    except (OSError, ValueError):
        return None


def _pg_cpu_s(postmaster: int | None) -> float:
    """CPU seconds of the server: its live processes, and those it has reaped."""
    if postmaster is None:
        return 0.0
    try:
        fields = Path(f"/proc/{postmaster}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    reaped = (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")
    return _tree_cpu_s(postmaster) + reaped


def locust(url: str, files: dict[str, Path], *, mix: str, seconds: int, users: int,
           out: Path, server: int, postmaster: int | None) -> dict[str, dict[str, float]]:
    """One locust run; besides its statistics, "cpu": the CPU seconds each party used."""
    prefix = out / f"locust-{mix}"
    before = (_tree_cpu_s(server), _pg_cpu_s(postmaster),
              resource.getrusage(resource.RUSAGE_CHILDREN))
    env = {**os.environ, "LOAD_SLUGS": str(files["slugs"]), "LOAD_QUERIES": str(files["queries"]),
           "LOAD_MIX": mix}
    subprocess.run([str(Path(sys.executable).parent / "locust"), "-f",
                    str(REPO / "benchmarks" / "locustfile.py"), "--headless", "-u", str(users),
                    "-r", str(users), "-t", f"{seconds}s", "--host", url, "--csv", str(prefix),
                    "--only-summary", "--loglevel", "WARNING", "--stop-timeout", "10"],
                   env=env, check=False, capture_output=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    rows: dict[str, dict[str, float]] = {"cpu": {
        "app": round(_tree_cpu_s(server) - before[0], 1),
        "postgresql": round(_pg_cpu_s(postmaster) - before[1], 1),
        "locust": round(after.ru_utime + after.ru_stime
                        - before[2].ru_utime - before[2].ru_stime, 1),
    }}
    with open(f"{prefix}_stats.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            rows[row["Name"]] = {
                "requests": int(row["Request Count"]), "failures": int(row["Failure Count"]),
                "rps": round(float(row["Requests/s"]), 1), "p50": float(row["50%"]),
                "p95": float(row["95%"]), "p99": float(row["99%"]),
            }
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sqlite-data", type=Path, required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--users", type=int, default=8)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    with sqlite3.connect(args.sqlite_data / "healthqa.sqlite3") as db:
        slugs = [r[0] for r in db.execute("SELECT slug FROM kb_question WHERE status = "
                                          "'published' ORDER BY id")]
    rng = random.Random(5)
    slugs = rng.sample(slugs, min(3000, len(slugs)))
    from benchmarks.ask import dev_queries

    queries = [q["text"] for q in dev_queries(600)]
    results: dict[str, Any] = {"seconds": args.seconds, "users": args.users, "runs": {}}
    with tempfile.TemporaryDirectory(prefix="healthqa-load-") as tmp:
        out = Path(tmp)
        files = {"slugs": out / "slugs.json", "queries": out / "queries.json"}
        files["slugs"].write_text(json.dumps(slugs))
        files["queries"].write_text(json.dumps(queries))
        base = {k: v for k, v in os.environ.items() if not k.startswith("HEALTHQA_")}
        base.update(HF_HUB_OFFLINE="1", HEALTHQA_ENCODER="minilm-onnx")
        if os.environ.get("HEALTHQA_MODEL_DIR"):
            base["HEALTHQA_MODEL_DIR"] = os.environ["HEALTHQA_MODEL_DIR"]
        configs = [
            ("SQLite, 1 process", 1, {"HEALTHQA_DATA_DIR": str(args.sqlite_data)}),
            ("PostgreSQL, 1 worker", 1, {"HEALTHQA_DATA_DIR": str(out / "pg1"),
                                         "HEALTHQA_DATABASE_URL": args.database_url}),
            ("PostgreSQL, 2 workers", 2, {"HEALTHQA_DATA_DIR": str(out / "pg2"),
                                          "HEALTHQA_DATABASE_URL": args.database_url}),
        ]
        for name, workers, extra in configs:
            proc, url = serve({**base, **extra}, workers, out / "serve.log")
            try:
                warm(url, slugs, queries, workers)
                pg = _postmaster(extra.get("HEALTHQA_DATABASE_URL", ""))
                run = {"articles": locust(url, files, mix="articles", seconds=args.seconds,
                                          users=args.users, out=out, server=proc.pid,
                                          postmaster=pg),
                       "mix": locust(url, files, mix="mix", seconds=args.seconds,
                                     users=args.users, out=out, server=proc.pid,
                                     postmaster=pg)}
            finally:
                proc.terminate()
                proc.wait(timeout=30)
            results["runs"][name] = run
            print(name, json.dumps(run), flush=True)
    runs = results["runs"]
    one, two = runs["PostgreSQL, 1 worker"], runs["PostgreSQL, 2 workers"]
    results["articles_2_over_1"] = round(two["articles"]["article"]["rps"]
                                         / one["articles"]["article"]["rps"], 2)
    print(f"\n{args.users} readers, {args.seconds} s per run, closed loop on the loopback\n")
    print("| server | article pages/s (articles only) | article p50/p95/p99 ms (mix) "
          "| /search p50/p95/p99 ms | api ask p50/p95/p99 ms | mix requests/s |")
    print("|---|---|---|---|---|---|")
    for name, run in runs.items():
        mix = run["mix"]
        cells = [f"{mix[n]['p50']:.0f} / {mix[n]['p95']:.0f} / {mix[n]['p99']:.0f}"
                 for n in ("article", "search", "api ask")]
        print(f"| {name} | {run['articles']['article']['rps']:.1f} | " + " | ".join(cells)
              + f" | {mix['Aggregated']['rps']:.1f} |")
    print(f"\n2 workers / 1 worker, article pages: {results['articles_2_over_1']}x")
    print("\nCPU seconds used during the articles-only run, and the app's CPU per page:\n")
    print("| server | app | PostgreSQL | locust | all (of " + f"{2 * args.seconds} on 2 cores) "
          "| app ms per page |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, run in runs.items():
        cpu, pages = run["articles"]["cpu"], run["articles"]["article"]["requests"]
        print(f"| {name} | {cpu['app']:.1f} | {cpu['postgresql']:.1f} | {cpu['locust']:.1f} | "
              f"{cpu['app'] + cpu['postgresql'] + cpu['locust']:.1f} | "
              f"{1000 * cpu['app'] / max(pages, 1):.1f} |")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
