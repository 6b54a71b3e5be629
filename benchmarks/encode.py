"""Encoder latency and throughput: PyTorch eager (sentence-transformers) vs ONNX Runtime.

    HF_HUB_OFFLINE=1 HEALTHQA_DATA_DIR=/tmp/bench-var .venv/bin/python benchmarks/encode.py

Measured in one run, on the same texts: single-question latency (short and long questions,
p50/p95/p99, torch and ONNX alternating so background load hits both alike), batch
throughput over 5,000 MedQuAD questions (../shared/data/medquad, else synthetic ones) for
several batch sizes, with and without sorting by length, the largest difference between
the two backends' vectors, and peak RSS (of this process, and of a process that loads only
the ONNX encoder, as a web worker does).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

os.environ["HF_HUB_OFFLINE"] = "1"
REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from healthqa.search import onnx_export  # noqa: E402
from healthqa.search.encoder import OnnxEncoder, TorchEncoder  # noqa: E402

MEDQUAD = REPO_ROOT.parent / "shared" / "data" / "medquad"
MEDQUAD_PAIRS = 47_457
SHORT = "How is gout treated in older adults with kidney problems?"
LONG = (
    "Hi, my mother is 68 and for the past two years she has had pain and stiffness in her "
    "hands every morning, mostly in the knuckles and wrists, and lately her knees swell after "
    "she walks the dog. Her GP first said it was just age and arthritis and gave her "
    "paracetamol, but a blood test last month showed something called rheumatoid factor and "
    "she was sent to a specialist who wants to start methotrexate. She is worried because "
    "she read that it is a cancer drug and that it can damage the liver, and she also takes "
    "pills for her blood pressure. What are the treatments for rheumatoid arthritis, and "
    "what are the side effects of methotrexate for older women?"
)
STORY_PREFIX = "My brother was told last week that he may have it and we are all quite worried."
_QUESTION = re.compile(r"<Question[^>]*>(.*?)</Question>", re.S)


def medquad_questions(n: int, *, seed: int = 7) -> tuple[list[str], str]:
    """n question texts from MedQuAD (a fixed sample), or synthetic ones without it."""
    if MEDQUAD.is_dir():
        files = sorted(MEDQUAD.glob("*/*.xml"))
        random.Random(seed).shuffle(files)
        questions: list[str] = []
        for path in files:
            text = path.read_text(encoding="utf-8", errors="replace")
            questions += [" ".join(q.split()) for q in _QUESTION.findall(text)]
            if len(questions) >= n:
                break
        return questions[:n], f"MedQuAD ({MEDQUAD})"
    return synthetic_questions(n, seed=seed), "synthetic"


def synthetic_questions(n: int, *, seed: int) -> list[str]:
    """Questions shaped like MedQuAD's (short, templated, a focus) with some longer stories."""
    rng = random.Random(seed)
    focuses = ["gout", "glaucoma", "type 2 diabetes", "asthma", "Marfan syndrome", "ibuprofen",
               "iron deficiency anemia", "migraine", "Parkinson's disease", "psoriasis"]
    templates = ["What is (are) {}?", "What are the symptoms of {}?", "How to diagnose {}?",
                 "What are the treatments for {}?", "Is {} inherited?", "What causes {}?",
                 "How many people are affected by {}?", "What are the side effects of {}?"]
    out = []
    for _ in range(n):
        q = rng.choice(templates).format(rng.choice(focuses))
        if rng.random() < 0.1:
            q = f"{STORY_PREFIX} {q}"
        out.append(q)
    return out


def percentiles(samples: Sequence[float]) -> dict[str, float]:
    ms = np.asarray(samples) * 1000
    return {f"p{p}": round(float(np.percentile(ms, p)), 2) for p in (50, 95, 99)}


def latency(encoders: dict[str, Callable[[list[str]], np.ndarray]], text: str,
            repeats: int, *, turn: int = 20) -> dict[str, dict[str, float]]:
    """Per-encoder latency of encoding one text, the encoders taking turns of `turn` calls."""
    # Turns, not strict alternation: each runtime's thread pool winds down after a call and
    # would otherwise slow the other; turns still spread background load over all of them.
    for encode in encoders.values():  # warm up: first calls allocate and plan
        for _ in range(5):
            encode([text])
    times: dict[str, list[float]] = {name: [] for name in encoders}
    while min(len(t) for t in times.values()) < repeats:
        for name, encode in encoders.items():
            for _ in range(turn):
                start = time.perf_counter()
                encode([text])
                times[name].append(time.perf_counter() - start)
    return {name: percentiles(t) for name, t in times.items()}


def throughput(encode: Callable[[], np.ndarray], n: int) -> tuple[float, np.ndarray]:
    start = time.perf_counter()
    vectors = encode()
    return n / (time.perf_counter() - start), vectors


def onnx_only_peak_rss(cache_dir: Path | None) -> float:
    """Peak RSS (MB) of a fresh process that loads only the ONNX encoder and answers queries."""
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); "
        "from pathlib import Path; from healthqa.search.encoder import OnnxEncoder; "
        "e = OnnxEncoder(cache_dir=Path(sys.argv[2]) if sys.argv[2] else None); "
        f"[e.encode([q]) for q in ({SHORT!r}, {LONG!r}) for _ in range(20)]; "
        # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the forked parent.
        "print(next(int(line.split()[1]) for line in open('/proc/self/status') "
        "if line.startswith('VmHWM')) / 1024)"
    )
    out = subprocess.run([sys.executable, "-c", code, str(REPO_ROOT), str(cache_dir or "")],
                         capture_output=True, text=True, check=True).stdout
    return round(float(out.strip()), 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=5000, help="questions for batch throughput")
    parser.add_argument("--repeats", type=int, default=200, help="timed single encodes")
    parser.add_argument("--batch-sizes", default="32,64,128")
    parser.add_argument("--threads", type=int, default=None, help="ONNX intra-op threads")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    batch_sizes = [int(b) for b in args.batch_sizes.split(",")]

    import torch

    onnx = OnnxEncoder(threads=args.threads)
    onnx_spin = OnnxEncoder(threads=args.threads, spin=True)
    torch_enc = TorchEncoder()
    start = time.perf_counter()
    onnx.encode(["warm up"])
    onnx_load = time.perf_counter() - start
    onnx_spin.encode(["warm up"])
    torch_enc.encode(["warm up"])
    results: dict[str, object] = {
        "machine": {"cpus": os.cpu_count(), "torch_threads": torch.get_num_threads(),
                    "onnx_threads": onnx.threads, "load": os.getloadavg()},
        "onnx_first_load_s": round(onnx_load, 2),
        "onnx_exports_this_run": onnx_export.export_count,
    }

    print(f"cpus={os.cpu_count()} torch threads={torch.get_num_threads()} "
          f"onnx threads={onnx.threads} load avg={os.getloadavg()}")
    print(f"ONNX encoder ready in {onnx_load:.2f}s (exports this run: {onnx_export.export_count})")
    print("\nsingle question latency (ms), torch eager vs ONNX Runtime, taking turns:")
    single = {"torch": torch_enc.encode, "onnx": onnx.encode, "onnx+spin": onnx_spin.encode}
    for label, text in (("short", SHORT), ("long", LONG)):
        n_words = len(text.split())
        figures = latency(single, text, args.repeats)
        results[f"latency_{label}"] = {"words": n_words, **figures}
        for name, p in figures.items():
            print(f"  {label:5} ({n_words:3} words) {name:9}  p50 {p['p50']:6.2f}  "
                  f"p95 {p['p95']:6.2f}  p99 {p['p99']:6.2f}")

    questions, origin = medquad_questions(args.n)
    mean_words = np.mean([len(q.split()) for q in questions])
    print(f"\nbatch throughput (sentences/s) over {len(questions)} questions from {origin}, "
          f"mean {mean_words:.1f} words:")
    rows = []
    for bs in batch_sizes:
        t_rate, t_vec = throughput(lambda bs=bs: torch_enc.encode(questions, batch_size=bs),
                                   len(questions))
        o_rate, o_vec = throughput(lambda bs=bs: onnx.encode(questions, batch_size=bs),
                                   len(questions))
        # Batches in the original order: what not sorting by length would cost.
        u_rate, _ = throughput(
            lambda bs=bs: np.vstack([onnx.encode(questions[i:i + bs], batch_size=bs)
                                     for i in range(0, len(questions), bs)]),
            len(questions))
        diff = float(np.abs(o_vec - t_vec).max())
        rows.append({"batch_size": bs, "torch": round(t_rate), "onnx_sorted": round(o_rate),
                     "onnx_unsorted": round(u_rate), "max_abs_diff": diff})
        print(f"  batch {bs:4}: torch {t_rate:7.0f}   onnx sorted {o_rate:7.0f}   "
              f"onnx unsorted {u_rate:7.0f}   max |onnx - torch| {diff:.1e}")
    results["throughput"] = rows
    best = max(r["onnx_sorted"] for r in rows)  # type: ignore[type-var]
    estimate = MEDQUAD_PAIRS / float(best)  # type: ignore[arg-type]
    results["medquad_embedding_estimate_s"] = round(estimate, 1)
    print(f"  -> all {MEDQUAD_PAIRS} MedQuAD questions at the best rate: ~{estimate:.0f}s")

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    onnx_rss = onnx_only_peak_rss(None)
    results["peak_rss_mb"] = {"this_process_torch_and_onnx": round(peak, 1),
                              "onnx_only_process": onnx_rss}
    print(f"\npeak RSS: this process (torch + ONNX) {peak:.0f} MB; "
          f"a process with only the ONNX encoder {onnx_rss:.0f} MB")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
