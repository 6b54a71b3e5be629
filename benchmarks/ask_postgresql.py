"""Ask latency on PostgreSQL beside SQLite, same queries, same run; and pgvector's recall.

    .venv/bin/python benchmarks/ask_postgresql.py --sqlite-data /tmp/bench/medquad \
        --database-url postgresql://postgres:@/medquad?host=/tmp/pgbench [--rounds 2]

Both databases hold full MedQuAD (`healthqa import medquad`, the real model). Each database is
measured in a process of its own, warm (30 queries first), in alternating rounds (SQLite,
PostgreSQL, SQLite, ...) so background load hits both alike. Per query: ask_question (what
/ask, the API and the CLI run), and its two legs alone: lexical search for the hybrid's 100
candidates and dense search for 100 (the numpy scan on SQLite, the HNSW index on PostgreSQL).
On PostgreSQL the HNSW index's recall@10 and @100 against an exact scan of the same stored
vectors is measured too, and how often the ask top 10 is the same as on SQLite.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.ask import dev_queries, percentiles  # noqa: E402


def measure(queries_file: Path) -> dict[str, Any]:
    """One database (as the environment names it), in this process."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "healthqa.config.settings")
    import django

    django.setup()
    import numpy as np
    from django.db import connection

    from healthqa.ask.services import ask_question
    from healthqa.search.engine import encoder, searcher
    from healthqa.search.hybrid import CANDIDATES

    texts = json.loads(queries_file.read_text())
    enc = encoder()
    hybrid = searcher("hybrid")
    lexical_leg, dense = hybrid.lexical, hybrid.dense  # type: ignore[attr-defined]
    for text in texts[:30]:
        ask_question(text=text)
    timings: dict[str, list[float]] = {"ask": [], "lexical_leg": [], "dense_leg": []}
    tops: list[list[int]] = []
    vectors = []
    for text in texts:
        t = time.perf_counter()
        ask_question(text=text)
        timings["ask"].append((time.perf_counter() - t) * 1000)
        tops.append([h.question_id for h in hybrid.search(text, k=10)])
        vector = enc.encode([text])[0]
        vectors.append(vector)
        t = time.perf_counter()
        lexical_leg.search(text, k=CANDIDATES)
        timings["lexical_leg"].append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        dense.view(None).nearest(vector, CANDIDATES)
        timings["dense_leg"].append((time.perf_counter() - t) * 1000)
    out: dict[str, Any] = {"vendor": connection.vendor, "queries": len(texts),
                           "latency_ms": {k: percentiles(v) for k, v in timings.items()},
                           "tops": tops}
    with open("/proc/self/status") as handle:  # before the recall check loads every vector
        out["rss_mb"] = next(int(line.split()[1]) // 1024 for line in handle
                             if line.startswith("VmRSS:"))
    if connection.vendor == "postgresql":
        out["recall"] = _recall(np.stack(vectors), dense)
    return out


def _recall(vectors: Any, dense: Any) -> dict[str, float]:
    """HNSW neighbours against an exact scan of the same stored float32 vectors."""
    import numpy as np
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT v.question_id, v.vector FROM search_questionvector v JOIN "
                    "kb_question q ON q.id = v.question_id WHERE q.status = 'published'")
        rows = cur.fetchall()
    ids = np.array([r[0] for r in rows])
    matrix = np.frombuffer(b"".join(bytes(r[1]) for r in rows), dtype=np.float32).reshape(
        len(rows), -1)
    at10, at100 = [], []
    for vector in vectors[:300]:
        exact = ids[np.argsort(-(matrix @ vector), kind="stable")[:100]]
        found = [c.question_id for c in dense.view(None).nearest(vector, 100)]
        at100.append(len(set(exact.tolist()) & set(found)) / 100)
        at10.append(len(set(exact[:10].tolist()) & set(found[:10])) / 10)
    return {"recall_at_10": round(float(np.mean(at10)), 4),
            "recall_at_100": round(float(np.mean(at100)), 4)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sqlite-data", type=Path)
    parser.add_argument("--database-url")
    parser.add_argument("--queries", type=int, default=600)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--one", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one)))
        return
    if not (args.sqlite_data and args.database_url):
        parser.error("give --sqlite-data and --database-url")
    base = {k: v for k, v in os.environ.items() if not k.startswith("HEALTHQA_")}
    base.update(HF_HUB_OFFLINE="1", HEALTHQA_ENCODER="minilm-onnx")
    if os.environ.get("HEALTHQA_MODEL_DIR"):
        base["HEALTHQA_MODEL_DIR"] = os.environ["HEALTHQA_MODEL_DIR"]
    results: dict[str, list[dict[str, Any]]] = {"sqlite": [], "postgresql": []}
    with tempfile.TemporaryDirectory(prefix="healthqa-askpg-") as tmp:
        queries_file = Path(tmp) / "queries.json"
        queries_file.write_text(json.dumps([q["text"] for q in dev_queries(args.queries)]))
        envs = {"sqlite": {**base, "HEALTHQA_DATA_DIR": str(args.sqlite_data)},
                "postgresql": {**base, "HEALTHQA_DATA_DIR": str(Path(tmp) / "pg"),
                               "HEALTHQA_DATABASE_URL": args.database_url}}
        for _ in range(args.rounds):
            for name, env in envs.items():
                done = subprocess.run([sys.executable, __file__, "--one", str(queries_file)],
                                      env=env, capture_output=True, text=True, check=False)
                if done.returncode != 0:
                    raise SystemExit(f"{name} failed:\n{done.stderr[-3000:]}")
                results[name].append(json.loads(done.stdout.strip().splitlines()[-1]))
    same = sum(a == b for a, b in zip(results["sqlite"][0]["tops"],
                                      results["postgresql"][0]["tops"], strict=True))
    overlap = sum(len(set(a) & set(b)) / max(len(a), 1) for a, b in zip(
        results["sqlite"][0]["tops"], results["postgresql"][0]["tops"], strict=True))
    print(f"{args.queries} dev-set queries, {args.rounds} alternating rounds\n")
    print("| database, round | ask p50 / p95 / p99 ms | lexical leg p50 / p95 ms "
          "| dense leg p50 / p95 ms | RSS MB |")
    print("|---|---|---|---|---|")
    for name, runs in results.items():
        for i, run in enumerate(runs, 1):
            lat = run["latency_ms"]
            print(f"| {name} {i} | {lat['ask']['p50']} / {lat['ask']['p95']} / "
                  f"{lat['ask']['p99']} | {lat['lexical_leg']['p50']} / "
                  f"{lat['lexical_leg']['p95']} | {lat['dense_leg']['p50']} / "
                  f"{lat['dense_leg']['p95']} | {run['rss_mb']} |")
    n = len(results["sqlite"][0]["tops"])
    print(f"\nask top 10 identical on both: {same}/{n}; overlap {overlap / n:.3f}")
    print("pgvector HNSW against exact:", results["postgresql"][0].get("recall"))
    if args.json:
        for runs in results.values():
            for run in runs:
                run.pop("tops", None)
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
