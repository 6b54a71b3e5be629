"""A synthetic knowledge base of 1,000,000 questions for the ask benchmark, built reproducibly.

    .venv/bin/python benchmarks/synthetic.py --from /tmp/bench/medquad --out /tmp/bench/1m

--from is a data folder with full MedQuAD imported (`healthqa import medquad`, real model):
its 47,457 questions, answers, full-text rows and MiniLM vectors are copied as they are, and
synthetic questions are added up to --questions, written straight into the tables
(kb_question, kb_answer, search_fts, search_questionvector) with bulk SQL, not through the
per-question services. Then the HNSW graph the dense searcher uses at this size is built and
saved. Figures (rows/s per phase, graph build time, how the vectors compare) go to
build-report.json in --out; benchmarks/ask.py reads them.

How it stays representative (fixed seed, so every build is the same):
- Questions come per focus, as in MedQuAD: each synthetic focus copies the question set of a
  real focus (its question types, titles, answers, category, source, answered or not) with
  the focus name replaced by a new one: made up ("Dravenic neuropathy") or a variant of a
  real one ("Gout type 3", "Juvenile asthma"). So title templates, answer lengths and the
  FTS vocabulary (and its document frequencies) are MedQuAD's, scaled up.
- Vectors: encoding 950k texts with the model would take ~50 minutes on this machine. A
  synthetic question's vector is its real template's MiniLM vector moved by an offset shared
  by its focus (the difference of two other real foci's centroids, so it stays in the span
  of real embeddings) plus a little per-question noise, re-normalised. Questions of a focus
  stay clustered as real ones are, each focus sits in its own place, and question types keep
  their directions. The report compares nearest-neighbour cosines of real and synthetic
  questions, so a reader can judge how alike the two are.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import json
import os
import re
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
SEED = 20240501
OFFSET_SCALE = 0.8  # times the difference of two real focus centroids (norm ~0.6-1.0)
NOISE = 0.08  # per-question Gaussian noise, as a norm
CHUNK = 50_000

SYLLABLES = ("ab al an ar bel bor cal cor dar del dra fen gal hel ist jor kal ken lar lom mar "
             "mel nor ost pel pir quor ral ren sal sen tar tor ul var ven vor xan yel zan zor"
             ).split()
ENDINGS = ("ia", "osis", "itis", "emia", "opathy", "oma", "ism", "algia", "ectasia", "ic")
KINDS = ("syndrome", "disease", "deficiency", "neuropathy", "dystrophy", "disorder",
         "carcinoma", "anemia", "myopathy", "fever", "dysplasia", "sclerosis")
VARIANTS = ("type {n}", "juvenile {f}", "familial {f}", "adult-onset {f}", "X-linked {f}",
            "{f} type {n}", "acquired {f}", "congenital {f}", "early-onset {f}", "atypical {f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--from", dest="source", type=Path, required=True,
                        help="data folder with MedQuAD imported (vectors from minilm-onnx)")
    parser.add_argument("--out", type=Path, required=True, help="new data folder to build")
    parser.add_argument("--questions", type=int, default=1_000_000)
    parser.add_argument("--no-graph", action="store_true", help="skip building the HNSW graph")
    args = parser.parse_args()
    source_db = args.source / "healthqa.sqlite3"
    if not source_db.exists():
        raise SystemExit(f"no database at {source_db}: import MedQuAD there first")
    args.out.mkdir(parents=True, exist_ok=True)
    target_db = args.out / "healthqa.sqlite3"
    if target_db.exists():
        raise SystemExit(f"{target_db} exists: give an empty --out folder")

    os.environ["HEALTHQA_DATA_DIR"] = str(args.out)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "healthqa.config.settings")
    sys.path.insert(0, str(REPO))
    from healthqa.cli import migrate, setup_django

    setup_django()
    started = time.perf_counter()
    migrate()
    # The exported ONNX graph is reused rather than exported again (not part of the corpus).
    if (args.source / "models").exists() and not (args.out / "models").exists():
        os.symlink((args.source / "models").resolve(), args.out / "models")
    from django.db import connection

    connection.close()  # the build writes through its own connection
    report: dict[str, Any] = {"questions_wanted": args.questions, "seed": SEED}
    db = sqlite3.connect(target_db, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")  # a benchmark corpus: rebuilt, never recovered
    db.execute("PRAGMA cache_size=-262144")
    db.execute("ATTACH DATABASE ? AS src", (str(source_db),))
    t = time.perf_counter()
    real = copy_real(db)
    report["copy_real_s"] = round(time.perf_counter() - t, 1)
    report["real_questions"] = real
    t = time.perf_counter()
    made = add_synthetic(db, total=args.questions, report=report)
    report["synthetic_s"] = round(time.perf_counter() - t, 1)
    report["synthetic_questions"] = made
    report["synthetic_rows_per_s"] = round(made / max(report["synthetic_s"], 1e-9))
    db.execute("DETACH DATABASE src")
    t = time.perf_counter()
    db.execute("INSERT INTO search_fts(search_fts) VALUES ('optimize')")
    db.execute("ANALYZE")
    report["optimize_s"] = round(time.perf_counter() - t, 1)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    report["database_build_s"] = round(time.perf_counter() - started, 1)
    report["database_mb"] = round(target_db.stat().st_size / 1e6)
    if not args.no_graph:
        report.update(build_graph())
    report["total_s"] = round(time.perf_counter() - started, 1)
    (args.out / "build-report.json").write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


def copy_real(db: sqlite3.Connection) -> int:
    """MedQuAD as imported: categories, sources, authors, questions, answers, index rows."""
    db.execute("BEGIN")
    for table in ("kb_category", "kb_source", "kb_author", "kb_question", "kb_answer",
                  "search_questionvector", "search_indexmeta"):
        db.execute(f"INSERT INTO main.{table} SELECT * FROM src.{table}")
    db.execute("INSERT INTO main.search_fts(rowid, title, focus, body, answers) "
               "SELECT rowid, title, focus, body, answers FROM src.search_fts")
    db.execute("COMMIT")
    return int(db.execute("SELECT COUNT(*) FROM kb_question").fetchone()[0])


def focus_names(rng: np.random.Generator, real_foci: list[str], count: int) -> list[str]:
    """`count` distinct new focus names: made up, or variants of real ones."""
    names: dict[str, None] = {}
    taken = {f.casefold() for f in real_foci}
    while len(names) < count:
        if rng.random() < 0.6:
            stem = "".join(rng.choice(SYLLABLES) for _ in range(int(rng.integers(2, 4))))
            name = (stem + rng.choice(ENDINGS)).capitalize()
            if rng.random() < 0.6:
                name += " " + rng.choice(KINDS)
            if rng.random() < 0.25:
                name += f" type {int(rng.integers(1, 12))}"
        else:
            real = real_foci[int(rng.integers(len(real_foci)))]
            variant = str(rng.choice(VARIANTS))
            if variant == "type {n}":
                variant = "{f} type {n}"
            name = variant.format(f=real, n=int(rng.integers(2, 9)))
            name = name[0].upper() + name[1:]
        if name.casefold() not in taken:
            names[name] = None
            taken.add(name.casefold())
    return list(names)


def add_synthetic(db: sqlite3.Connection, *, total: int, report: dict[str, Any]) -> int:
    rng = np.random.default_rng(SEED)
    rows = db.execute(
        "SELECT q.id, q.title, q.focus, q.question_type, q.category_id, q.source_id, "
        "q.has_answer, q.excerpt, v.vector, f.body, f.answers, q.source_url "
        "FROM kb_question q JOIN search_questionvector v ON v.question_id = q.id "
        "JOIN search_fts f ON f.rowid = q.id ORDER BY q.id"
    ).fetchall()
    dim = len(rows[0][8]) // 4
    vectors = np.frombuffer(b"".join(r[8] for r in rows), dtype=np.float32).reshape(-1, dim)
    by_focus: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        by_focus.setdefault(r[2], []).append(i)
    foci = sorted(f for f in by_focus if len(f) >= 3)  # an empty focus names nothing
    centroids = np.stack([vectors[by_focus[f]].mean(axis=0) for f in foci])
    centroids /= np.linalg.norm(centroids, axis=1, keepdims=True)
    answers = dict(db.execute(
        "SELECT question_id, body FROM kb_answer WHERE position = 1").fetchall())
    answer_source = dict(db.execute(
        "SELECT question_id, source_id FROM kb_answer WHERE position = 1").fetchall())
    wanted = total - len(rows)
    if wanted <= 0:
        return 0
    mean_size = len(rows) / len(foci)
    names = focus_names(rng, foci, int(wanted / mean_size * 1.2) + 10)
    next_id = int(db.execute("SELECT MAX(id) FROM kb_question").fetchone()[0]) + 1
    next_answer = int(db.execute("SELECT COALESCE(MAX(id), 0) FROM kb_answer").fetchone()[0]) + 1
    now = "2025-01-01 00:00:00"
    made = 0
    name_i = 0
    pending: dict[str, list[Any]] = {"q": [], "a": [], "f": [], "v": []}
    timings = {"generate_s": 0.0, "write_s": 0.0}
    while made < wanted:
        t = time.perf_counter()
        base = foci[int(rng.integers(len(foci)))]
        if name_i == len(names):
            names += focus_names(rng, foci + names, 1000)[-1000:]
        name = names[name_i]
        name_i += 1
        a, b = rng.integers(len(foci), size=2)
        offset = OFFSET_SCALE * (centroids[a] - centroids[b])
        pattern = re.compile(re.escape(base), re.IGNORECASE)
        for i in by_focus[base]:
            if made >= wanted:
                break
            (qid, title, _, qtype, category, source, answered, excerpt, _, body, fts_answers,
             url) = rows[i]
            new_title = pattern.sub(name, title) if pattern.search(title) else f"{title} ({name})"
            noise = rng.standard_normal(dim).astype(np.float32)
            vec = vectors[i] + offset + NOISE * noise / np.linalg.norm(noise)
            vec = (vec / np.linalg.norm(vec)).astype(np.float32)
            pk = next_id + made
            digest = hashlib.sha256(f"{pk}:{new_title}".encode()).hexdigest()
            answer_text = pattern.sub(name, answers.get(qid, "")) if answered else ""
            pending["q"].append((
                pk, f"synthetic/{pk}", f"synthetic-{pk}", new_title, body or "", name, "[]",
                qtype, "published", url or "", 0, answered, pattern.sub(name, excerpt or ""),
                digest, now, now, now, None, category, source, now if answered else None,
            ))
            if answered:
                pending["a"].append((
                    next_answer + made, 1, answer_text, "text",
                    f"<p>{html.escape(answer_text)}</p>", now, now, None, pk,
                    answer_source.get(qid), 0, 0,
                ))
            pending["f"].append((pk, new_title, name, body or "",
                                 pattern.sub(name, fts_answers or "")))
            pending["v"].append((pk, vec.tobytes(), digest))
            made += 1
        timings["generate_s"] += time.perf_counter() - t
        if len(pending["q"]) >= CHUNK or made >= wanted:
            t = time.perf_counter()
            write(db, pending)
            pending = {"q": [], "a": [], "f": [], "v": []}
            timings["write_s"] += time.perf_counter() - t
            print(f"  {len(rows) + made:>9,} questions", file=sys.stderr, flush=True)
    db.execute("INSERT OR REPLACE INTO search_indexmeta(key, value) VALUES ('generation', ?)",
               (f"synthetic-{SEED}-{total}",))
    report.update({k: round(v, 1) for k, v in timings.items()})
    report["synthetic_foci"] = name_i
    report["vector_check"] = vector_check(db, vectors, rng)
    return made


def write(db: sqlite3.Connection, pending: dict[str, list[Any]]) -> None:
    db.execute("BEGIN")
    db.executemany(
        "INSERT INTO kb_question (id, external_id, slug, title, body, focus, focus_synonyms, "
        "question_type, status, source_url, is_demo, has_answer, excerpt, content_hash, "
        "created_at, published_at, updated_at, last_reviewed_at, category_id, source_id, "
        "answered_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", pending["q"])
    db.executemany(
        "INSERT INTO kb_answer (id, position, body, body_format, body_html, created_at, "
        "updated_at, author_id, question_id, source_id, agree_count, helpful_count) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", pending["a"])
    db.executemany("INSERT INTO search_fts(rowid, title, focus, body, answers) "
                   "VALUES (?,?,?,?,?)", pending["f"])
    db.executemany("INSERT INTO search_questionvector (question_id, vector, content_hash) "
                   "VALUES (?,?,?)", pending["v"])
    db.execute("COMMIT")


def vector_check(db: sqlite3.Connection, real: np.ndarray, rng: np.random.Generator
                 ) -> dict[str, Any]:
    """Nearest-neighbour cosines of 300 real and 300 synthetic questions, over all vectors."""
    blobs = db.execute("SELECT vector FROM search_questionvector ORDER BY question_id").fetchall()
    dim = real.shape[1]
    matrix = np.frombuffer(b"".join(b[0] for b in blobs), dtype=np.float32).reshape(-1, dim)
    n_real = real.shape[0]
    out: dict[str, Any] = {}
    for kind, rows in (("real", rng.choice(n_real, 300, replace=False)),
                       ("synthetic", n_real + rng.choice(matrix.shape[0] - n_real, 300,
                                                         replace=False))):
        sims = matrix[rows] @ matrix.T
        sims[np.arange(rows.shape[0]), rows] = -1.0
        top = -np.sort(-np.partition(sims, -10, axis=1)[:, -10:], axis=1)
        out[kind] = {
            "nn1_cosine_p10_p50_p90": [round(float(x), 3)
                                       for x in np.percentile(top[:, 0], [10, 50, 90])],
            "nn10_cosine_p10_p50_p90": [round(float(x), 3)
                                        for x in np.percentile(top[:, 9], [10, 50, 90])],
        }
    return out


def build_graph() -> dict[str, Any]:
    """Load the vectors as the searcher does and build + save the HNSW graph; timed."""
    from healthqa.search.ann import ann_index
    from healthqa.search.engine import encoder
    from healthqa.search.vectors import vector_matrix

    t = time.perf_counter()
    m = vector_matrix(encoder=encoder())
    load_s = time.perf_counter() - t
    t = time.perf_counter()
    ann_index(m, progress=False)
    build_s = time.perf_counter() - t
    return {"vectors_load_s": round(load_s, 1), "graph_build_s": round(build_s, 1),
            "graph_rows_per_s": round(m.size / build_s)}


if __name__ == "__main__":
    main()
