"""Related questions of a whole collection: related_compute, and its exact scoring alone.

    .venv/bin/python benchmarks/related.py [--questions 47457] [--baseline REV] [--rounds 3]

A fresh SQLite database in a temp folder gets --questions published questions shaped like
MedQuAD's (a few questions per focus, titles from its templates, some asked twice, a third
without an answer, 12 categories) and a 384-d unit vector each: the focus's direction plus
the question type's plus noise, so neighbours cluster as MiniLM's do (no model is loaded: the
index is recorded as the hashing encoder's). Then, in turns so that the machine's changing
speed hits all alike, each timed --rounds times:

- scoring: every row's CANDIDATES through _Exact.every_row(), on this thread;
- related_compute: the whole computation as an import runs it (scoring on its own thread,
  the lists picked and written), from scratch.

With --baseline REV the same is timed for healthqa/search/related.py as of that git revision
(loaded from `git show`, beside the current one), and the lists both write are compared.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType
from typing import Any

REPO = Path(__file__).resolve().parents[1]
MEDQUAD_PAIRS = 47_457
TEMPLATES = ("What is (are) {}?", "What are the symptoms of {}?", "How to diagnose {}?",
             "What are the treatments for {}?", "Is {} inherited?", "What causes {}?",
             "How many people are affected by {}?", "What are the genetic changes related to {}?")


def build(n: int, seed: int = 11) -> None:
    """n questions with vectors in the (empty, migrated) database."""
    import numpy as np

    from healthqa.kb.models import Category, Question
    from healthqa.search.encoder import HashingEncoder
    from healthqa.search.vectors import _store

    rng = np.random.default_rng(seed)
    categories = Category.objects.bulk_create(
        Category(name=f"Category {i}", slug=f"category-{i}") for i in range(12))
    foci = n // 4 + 1
    focus_of = np.sort(rng.integers(0, foci, n))
    type_of = rng.integers(0, len(TEMPLATES), n)
    asked_again = rng.random(n) < 0.05  # the same question as the one before it
    type_of[1:][asked_again[1:]] = type_of[:-1][asked_again[1:]]
    focus_category = rng.integers(0, 12, foci)
    answered = rng.random(n) > 0.33
    questions = [
        Question(external_id=f"bench-{i}", slug=f"bench-{i}", status="published",
                 title=TEMPLATES[type_of[i]].format(f"condition {focus_of[i]}"),
                 focus=f"condition {focus_of[i]}", category=categories[focus_category[focus_of[i]]],
                 has_answer=bool(answered[i]), content_hash=f"h{i}")
        for i in range(n)
    ]
    Question.objects.bulk_create(questions, batch_size=2000)
    ids = list(Question.objects.order_by("pk").values_list("pk", flat=True))
    dim = 384
    focus_dir = rng.standard_normal((foci, dim)).astype(np.float32)
    type_dir = rng.standard_normal((len(TEMPLATES), dim)).astype(np.float32)
    vectors = (focus_dir[focus_of] + 0.7 * type_dir[type_of]
               + 0.6 * rng.standard_normal((n, dim)).astype(np.float32))
    vectors[1:][asked_again[1:]] = vectors[:-1][asked_again[1:]]
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    _store(ids, [f"h{i}" for i in range(n)], vectors, encoder=HashingEncoder())


def baseline_module(rev: str, folder: Path) -> ModuleType:
    """healthqa/search/related.py as of git revision `rev`, importable beside the current."""
    source = subprocess.run(["git", "-C", str(REPO), "show", f"{rev}:healthqa/search/related.py"],
                            capture_output=True, text=True, check=True).stdout
    path = folder / "related_baseline.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("healthqa_related_baseline", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def lists_digest() -> str:
    from healthqa.search.models import RelatedQuestion

    rows = RelatedQuestion.objects.order_by("question_id", "rank").values_list(
        "question_id", "related_id", "rank", "score")
    digest = hashlib.sha256()
    for row in rows.iterator(chunk_size=20000):
        digest.update(repr(row).encode())
    return digest.hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--questions", type=int, default=MEDQUAD_PAIRS)
    parser.add_argument("--baseline", metavar="REV", help="also time related.py of this revision")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="healthqa-related-bench-") as tmp:
        os.environ["HEALTHQA_DATA_DIR"] = tmp  # before Django is set up
        os.environ.pop("HEALTHQA_DATABASE_URL", None)
        sys.path.insert(0, str(REPO))
        from healthqa.cli import migrate, setup_django

        setup_django()
        migrate()
        from healthqa.search import related
        from healthqa.search.encoder import HashingEncoder
        from healthqa.search.vectors import vector_matrix

        start = time.perf_counter()
        build(args.questions)
        print(f"{args.questions:,} questions and vectors written in "
              f"{time.perf_counter() - start:.1f} s")
        encoder = HashingEncoder()
        m = vector_matrix(encoder=encoder)
        versions: dict[str, Any] = {"current": related}
        if args.baseline:
            versions = {f"baseline {args.baseline}": baseline_module(args.baseline, Path(tmp)),
                        **versions}
        # (wall, CPU) seconds: CPU time moves less with whatever else the machine is doing.
        times: dict[str, dict[str, list[tuple[float, float]]]] = {
            name: {"scoring": [], "related_compute": []} for name in versions}
        digests: dict[str, set[str]] = {name: set() for name in versions}
        for _ in range(args.rounds):
            for name, module in versions.items():
                start, cpu = time.perf_counter(), time.process_time()
                for _block in module._Exact(m).every_row():
                    pass
                times[name]["scoring"].append(
                    (time.perf_counter() - start, time.process_time() - cpu))
                start, cpu = time.perf_counter(), time.process_time()
                done = module.related_compute(encoder=encoder)
                times[name]["related_compute"].append(
                    (time.perf_counter() - start, time.process_time() - cpu))
                assert done == m.size
                digests[name].add(lists_digest())
    print(f"{'version':<28} {'figure':<16} {'wall min':>8} {'median':>7} {'CPU min':>8} "
          f"{'median':>7}  all wall/CPU (s)")
    for name, figures in times.items():
        for figure, pairs in figures.items():
            wall, cpu_s = [w for w, _ in pairs], [c for _, c in pairs]
            print(f"{name:<28} {figure:<16} {min(wall):8.2f} {statistics.median(wall):7.2f} "
                  f"{min(cpu_s):8.2f} {statistics.median(cpu_s):7.2f}  "
                  + " ".join(f"{w:.1f}/{c:.1f}" for w, c in pairs))
    if args.baseline:
        same = len({d for found in digests.values() for d in found}) == 1
        print("lists written: " + ("identical in every run" if same else "DIFFERENT"))
        if not same:
            raise SystemExit(1)


if __name__ == "__main__":
    main()
