"""Ask latency on full MedQuAD and on the 1M synthetic corpus, beside baselines, in one run.

    .venv/bin/python benchmarks/ask.py --medquad /tmp/bench/medquad --million /tmp/bench/1m \
        --json /tmp/bench/ask.json

--medquad is a data folder with MedQuAD imported (`healthqa import medquad`, real model);
--million one built by benchmarks/synthetic.py. Either may be left out. Each corpus is
measured in a process of its own (so peak memory is its own), warm: the model, the vectors
and the HNSW graph are loaded and 30 queries run before timing.

Queries: the MedQuAD development set (healthqa.evaluation.devset, ../shared) — consumer
rewrites with lay words, synonyms, typos, a story, a subject line — the first --queries of
it. Per query, in turn (so background load hits all alike):
- ask: healthqa.ask.services.ask_question, what /ask, the API and the CLI run (encoding,
  dense + BM25 candidates, fusion, loading the questions with their answers, triage);
- encode: the query vector alone; lexical: BM25 for 10 hits (searcher("lexical"));
- dense: nearest 10 of the query vector (exact scan, or the HNSW graph at 1M);
- baselines: a bare FTS5 query (SELECT rowid FROM search_fts WHERE search_fts MATCH ? ORDER
  BY rank LIMIT 10) and a brute-force numpy dot product of the vector with the whole matrix
  (plus argpartition for the top 10).
With the graph, recall@10 and @100 of its neighbours against exact search are measured on
the same queries, and how often the ask top 10 equals the one an exact scan would give.
Output: a Markdown table on stdout, everything in --json.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
MEDQUAD = REPO.parent / "shared" / "data" / "medquad"
TARGETS_MS = {"medquad": 30.0, "million": 100.0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--medquad", type=Path, help="data folder with MedQuAD imported")
    parser.add_argument("--million", type=Path, help="data folder from benchmarks/synthetic.py")
    parser.add_argument("--queries", type=int, default=600, help="queries timed (>= 500)")
    parser.add_argument("--json", type=Path, help="also write every figure here")
    parser.add_argument("--one", nargs=3, metavar=("KIND", "DIR", "QUERIES"),
                        help=argparse.SUPPRESS)  # internal: measure one corpus, print JSON
    args = parser.parse_args()
    if args.one:
        kind, folder, queries_file = args.one
        print(json.dumps(measure(kind, Path(folder), Path(queries_file))))
        return
    if not (args.medquad or args.million):
        parser.error("give --medquad and/or --million")
    with tempfile.TemporaryDirectory(prefix="healthqa-ask-bench-") as tmp:
        queries_file = Path(tmp) / "queries.json"
        queries_file.write_text(json.dumps(dev_queries(args.queries)))
        results: dict[str, Any] = {"machine": machine()}
        for kind, folder in (("medquad", args.medquad), ("million", args.million)):
            if folder is None:
                continue
            done = subprocess.run(
                [sys.executable, __file__, "--one", kind, str(folder), str(queries_file)],
                capture_output=True, text=True, check=False,
            )
            if done.returncode != 0:
                raise SystemExit(f"{kind} run failed:\n{done.stderr[-3000:]}")
            results[kind] = json.loads(done.stdout.strip().splitlines()[-1])
    print(markdown(results))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2) + "\n")


def machine() -> dict[str, Any]:
    return {"cpus": len(os.sched_getaffinity(0)), "load_at_start": list(os.getloadavg()),
            "python": sys.version.split()[0]}


def dev_queries(count: int) -> list[dict[str, Any]]:
    """The first `count` dev-set queries (built from ../shared MedQuAD, fixed seed)."""
    os.environ.setdefault("HEALTHQA_DATA_DIR", tempfile.mkdtemp(prefix="healthqa-ask-q-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "healthqa.config.settings")
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    from healthqa.evaluation.devset import devset_make, medquad_corpus_read

    if not MEDQUAD.exists():
        raise SystemExit(f"needs the MedQuAD XML at {MEDQUAD} for the dev-set queries")
    devset = devset_make(corpus=medquad_corpus_read(medquad_dir=MEDQUAD),
                         size=max(count, 1000), seed=13)
    return [{"qid": q.qid, "text": q.text, "transformations": list(q.transformations)}
            for q in devset.queries[:count]]


def _ms(seconds: float) -> float:
    return seconds * 1000.0


def percentiles(values: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {"p50": round(cuts[49], 2), "p95": round(cuts[94], 2), "p99": round(cuts[98], 2),
            "mean": round(statistics.fmean(values), 2), "max": round(max(values), 2)}


def _rss_mb() -> float:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def measure(kind: str, folder: Path, queries_file: Path) -> dict[str, Any]:
    """Everything for one corpus, in this process."""
    os.environ["HEALTHQA_DATA_DIR"] = str(folder)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "healthqa.config.settings")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    import numpy as np
    from django.db import connection

    from healthqa.ask.services import ask_question
    from healthqa.search.ann import ANN_MIN_ROWS, ann_index
    from healthqa.search.backends.sqlite import fts_query
    from healthqa.search.dense import DenseSearcher
    from healthqa.search.engine import encoder, searcher
    from healthqa.search.hybrid import HybridSearcher
    from healthqa.search.vectors import vector_matrix

    queries = json.loads(queries_file.read_text())
    out: dict[str, Any] = {"kind": kind, "queries": len(queries),
                           "load_at_start": list(os.getloadavg())}
    enc = encoder()
    t = time.perf_counter()
    enc.encode(["warm up the model"])
    out["model_load_s"] = round(time.perf_counter() - t, 2)
    t = time.perf_counter()
    m = vector_matrix(encoder=enc)
    out["vectors_load_s"] = round(time.perf_counter() - t, 2)
    out["questions"] = m.size
    uses_graph = m.size >= ANN_MIN_ROWS
    out["dense_method"] = ("HNSW graph (usearch)" if uses_graph
                           else "exact numpy scan")
    if uses_graph:
        t = time.perf_counter()
        ann_index(m)
        out["graph_load_s"] = round(time.perf_counter() - t, 2)
    out["rss_after_load_mb"] = round(_rss_mb())
    build = folder / "build-report.json"
    if build.exists():
        out["build"] = json.loads(build.read_text())

    hybrid, lexical, dense = searcher("hybrid"), searcher("lexical"), searcher("dense")
    assert isinstance(dense, DenseSearcher)
    texts = [q["text"] for q in queries]
    for text in texts[:30]:  # warm-up: caches, the graph's pages, SQLite's pages
        ask_question(text=text)
        lexical.search(text, k=10)
    timings: dict[str, list[float]] = {name: [] for name in (
        "ask", "ask_cpu", "encode", "lexical", "dense_search", "fts5_bare",
        "numpy_bruteforce")}
    words = []
    vectors = []
    with connection.cursor() as cur:
        for text in texts:
            words.append(len(text.split()))
            t, cpu = time.perf_counter(), time.process_time()
            ask_question(text=text)
            timings["ask"].append(_ms(time.perf_counter() - t))
            # CPU time of all this process's threads: wall time well above it means the
            # cores were busy with something else (the machine is shared).
            timings["ask_cpu"].append(_ms(time.process_time() - cpu))
            t = time.perf_counter()
            vector = enc.encode([text])[0]
            timings["encode"].append(_ms(time.perf_counter() - t))
            vectors.append(vector)
            t = time.perf_counter()
            lexical.search(text, k=10)
            timings["lexical"].append(_ms(time.perf_counter() - t))
            t = time.perf_counter()
            dense.nearest(vector, 10, None)
            timings["dense_search"].append(_ms(time.perf_counter() - t))
            match = fts_query(text)
            t = time.perf_counter()
            if match:
                cur.execute("SELECT rowid FROM search_fts WHERE search_fts MATCH %s "
                            "ORDER BY rank LIMIT 10", [match])
                cur.fetchall()
            timings["fts5_bare"].append(_ms(time.perf_counter() - t))
            t = time.perf_counter()
            sims = m.matrix @ vector
            np.argpartition(-sims, 10)[:10]
            timings["numpy_bruteforce"].append(_ms(time.perf_counter() - t))
    out["latency_ms"] = {name: percentiles(values) for name, values in timings.items()}
    short = [t for t, w in zip(timings["ask"], words, strict=True) if w <= 12]
    long = [t for t, w in zip(timings["ask"], words, strict=True) if w > 12]
    out["ask_by_length_ms"] = {
        "short (<= 12 words)": {"n": len(short), **percentiles(short)} if len(short) > 4 else {},
        "long (> 12 words)": {"n": len(long), **percentiles(long)} if len(long) > 4 else {},
    }
    out["ask_target_ms"] = TARGETS_MS[kind]
    if uses_graph:
        out["graph"] = graph_quality(m, np.stack(vectors), texts, hybrid)
        exact = HybridSearcher(lexical=lexical,
                               dense=DenseSearcher(encoder=enc, ann_min_rows=10**12))
        out["exact_hybrid_ask_ms"] = exact_hybrid_latency(exact, texts[:100])
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    out["load_at_end"] = list(os.getloadavg())
    return out


def graph_quality(m: Any, vectors: Any, texts: list[str], hybrid: Any) -> dict[str, Any]:
    """Recall of the graph against exact search, and agreement of the ask top 10."""
    import numpy as np

    from healthqa.search.ann import ann_index
    from healthqa.search.dense import DenseSearcher, _top
    from healthqa.search.hybrid import HybridSearcher

    ann = ann_index(m)
    recall10: list[float] = []
    recall100: list[float] = []
    for start in range(0, vectors.shape[0], 100):  # exact top 100 by one matrix product
        block = vectors[start : start + 100]
        sims = block @ m.matrix.T
        for i, vector in enumerate(block):
            exact = m.ids[_top(sims[i], 100)]
            found = ann.search(vector, 100)
            recall100.append(len(set(exact.tolist()) & set(found.tolist())) / 100)
            found10 = ann.search(vector, 10)
            recall10.append(len(set(exact[:10].tolist()) & set(found10.tolist())) / 10)
    exact_searcher = HybridSearcher(lexical=hybrid.lexical, dense=DenseSearcher(
        encoder=hybrid.dense.encoder, ann_min_rows=10**12))
    same = 0
    overlap: list[float] = []
    sample = texts[:200]
    for text in sample:
        a = [h.question_id for h in hybrid.search(text, k=10)]
        b = [h.question_id for h in exact_searcher.search(text, k=10)]
        same += a == b
        overlap.append(len(set(a) & set(b)) / max(len(b), 1))
    return {
        "recall_at_10": round(float(np.mean(recall10)), 4),
        "recall_at_100": round(float(np.mean(recall100)), 4),
        "queries": len(vectors),
        "ask_top10_identical_to_exact": f"{same}/{len(sample)}",
        "ask_top10_overlap_with_exact": round(float(np.mean(overlap)), 4),
    }


def exact_hybrid_latency(searcher: Any, texts: list[str]) -> dict[str, float]:
    """The hybrid with an exact scan instead of the graph: what the graph saves."""
    times = []
    for text in texts:
        t = time.perf_counter()
        searcher.search(text, k=20)
        times.append(_ms(time.perf_counter() - t))
    return percentiles(times)


def markdown(results: dict[str, Any]) -> str:
    kinds = [k for k in ("medquad", "million") if k in results]
    names = {"medquad": "MedQuAD", "million": "1M synthetic"}
    lines = [
        "| " + " | ".join(["figure", *(names[k] for k in kinds)]) + " |",
        "|" + "---|" * (len(kinds) + 1),
    ]

    def row(label: str, values: list[str]) -> None:
        lines.append("| " + " | ".join([label, *values]) + " |")

    row("questions", [f"{results[k]['questions']:,}" for k in kinds])
    row("dense search", [results[k]["dense_method"] for k in kinds])
    for name, label in (("ask", "**ask** (ask_question)"),
                        ("ask_cpu", "ask, CPU time of the process (both cores)"),
                        ("encode", "query encoding"),
                        ("lexical", "lexical only (BM25, k=10)"),
                        ("dense_search", "dense only (given the vector, k=10)"),
                        ("fts5_bare", "baseline: bare FTS5 MATCH … ORDER BY rank LIMIT 10"),
                        ("numpy_bruteforce", "baseline: numpy matrix @ vector + top 10")):
        row(f"{label} p50 / p95 / p99 ms",
            [" / ".join(str(results[k]["latency_ms"][name][p]) for p in ("p50", "p95", "p99"))
             for k in kinds])
    row("ask p95 target ms", [f"≤ {results[k]['ask_target_ms']:g}" for k in kinds])
    for group in ("short (<= 12 words)", "long (> 12 words)"):
        row(f"ask p95 ms, {group}", [
            f"{results[k]['ask_by_length_ms'][group].get('p95', '–')} "
            f"(n={results[k]['ask_by_length_ms'][group].get('n', 0)})" for k in kinds])
    row("graph recall@10 / @100 vs exact", [
        f"{results[k]['graph']['recall_at_10']} / {results[k]['graph']['recall_at_100']}"
        if "graph" in results[k] else "– (exact)" for k in kinds])
    row("ask top 10 identical to exact-scan ask", [
        results[k]["graph"]["ask_top10_identical_to_exact"] if "graph" in results[k] else "–"
        for k in kinds])
    row("hybrid with exact scan instead, p50 / p95 ms", [
        " / ".join(str(results[k]["exact_hybrid_ask_ms"][p]) for p in ("p50", "p95"))
        if "exact_hybrid_ask_ms" in results[k] else "–" for k in kinds])
    row("load: vectors / graph / model s", [
        f"{results[k]['vectors_load_s']} / {results[k].get('graph_load_s', '–')} / "
        f"{results[k]['model_load_s']}" for k in kinds])
    row("RSS after load / peak MB", [
        f"{results[k]['rss_after_load_mb']:,} / {results[k]['peak_rss_mb']:,}" for k in kinds])
    for k in kinds:
        build = results[k].get("build")
        if build:
            row(f"{names[k]} build: database s (synthetic rows/s) · graph s (rows/s)", [
                f"{build['database_build_s']} ({build['synthetic_rows_per_s']:,}) · "
                f"{build.get('graph_build_s', '–')} ({build.get('graph_rows_per_s', '–'):,})"
                if kk == k else "" for kk in kinds])
    row("load average during the run (start → end)", [
        f"{results[k]['load_at_start'][0]:.1f} → {results[k]['load_at_end'][0]:.1f}"
        for k in kinds])
    lines.append("")
    lines.append(f"queries: {results[kinds[0]]['queries']} MedQuAD dev-set queries (seed 13); "
                 f"machine: {results['machine']}")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
