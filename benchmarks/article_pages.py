"""Article page server time: render distinct article pages in-process and print percentiles.

    .venv/bin/python benchmarks/article_pages.py [--pages 1000] [--data-dir DIR] [--synthetic]

The database is built once in DIR (default /tmp/healthqa-bench-pages): MedQuAD from
../shared/data/medquad when it is there, else a synthetic knowledge base of 20,000 questions
made through the import service. Pages are rendered with django.test.Client in this process,
after a warm-up, so the figure is the server's own time (URL routing, middleware, queries,
templates) without a network or a WSGI server in front. Queries are counted per page with an
execute wrapper, which costs nothing noticeable.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
MEDQUAD = REPO.parent / "shared" / "data" / "medquad"
SEED = 20240501  # fixed, so a re-run measures the same pages
TARGET_P99_MS = 15.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=1000, help="distinct article pages timed")
    parser.add_argument("--warmup", type=int, default=300, help="pages rendered before timing")
    parser.add_argument("--data-dir", default="/tmp/healthqa-bench-pages")
    parser.add_argument("--synthetic", action="store_true",
                        help="use a synthetic knowledge base even when MedQuAD is available")
    parser.add_argument("--questions", type=int, default=20_000,
                        help="size of the synthetic knowledge base")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = parser.parse_args()

    kind = "synthetic" if args.synthetic or not MEDQUAD.exists() else "medquad"
    data_dir = Path(args.data_dir) / kind
    os.environ["HEALTHQA_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "healthqa.config.settings")
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    dataset = build(kind, args.questions)
    figures = measure(pages=args.pages, warmup=args.warmup)
    figures["dataset"] = dataset
    report(figures)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=2) + "\n")


def build(kind: str, questions: int) -> str:
    """Fill the database once; later runs reuse it."""
    from healthqa.kb.models import Question

    have = Question.objects.filter(status="published").count()
    if have == 0:
        started = time.perf_counter()
        if kind == "medquad":
            from healthqa.importers.api import medquad_import

            print(medquad_import(path=MEDQUAD, progress=True).summary(), file=sys.stderr)
        else:
            synthetic_import(questions)
        print(f"built in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        have = Question.objects.filter(status="published").count()
    answered = Question.objects.filter(status="published", has_answer=True).count()
    return f"{kind}: {have:,} published questions ({answered:,} with answers)"


def synthetic_import(n: int) -> None:
    """About `n` questions over 40 categories and n/5 topics, 1-3 answers each, by code."""
    from healthqa.kb.records import AnswerRecord, AuthorRecord, QuestionRecord, SourceRecord
    from healthqa.kb.services import questions_import

    rng = random.Random(SEED)
    words = ("acute chronic juvenile adult familial primary secondary benign atypical inherited "
             "cardiac renal hepatic pulmonary ocular dermal neural spinal gastric thyroid "
             "arthritis anaemia syndrome dystrophy neuropathy carcinoma deficiency fibrosis "
             "infection disorder myopathy sclerosis lymphoma dysplasia hypertension").split()
    sentence = ("Most people with this condition notice {a} first, and a doctor can confirm it "
                "with simple tests. Treatment depends on the cause and may include {b}, rest "
                "and regular reviews. ")
    source = SourceRecord(key="SYN", name="Synthetic Source", url="https://example.org/",
                          license_name="CC BY 4.0",
                          license_url="https://creativecommons.org/licenses/by/4.0/")
    authors = [AuthorRecord(name=f"Dr. Expert {i}", credentials="MD") for i in range(50)]
    kinds = ("information", "symptoms", "causes", "treatment", "prevention")
    topics = [" ".join(rng.sample(words, 2)).capitalize() + f" {i}" for i in range(n // 5)]
    batch: list[QuestionRecord] = []
    for i in range(n):
        topic = topics[i // 5]
        qtype = kinds[i % 5]
        top = rng.randrange(8)
        answers = tuple(
            AnswerRecord(
                body="".join(sentence.format(a=rng.choice(words), b=rng.choice(words))
                             for _ in range(rng.randint(3, 12))),
                author=rng.choice(authors),
            )
            for _ in range(rng.randint(1, 3))
        )
        batch.append(QuestionRecord(
            external_id=f"synthetic/{i}",
            title=f"What are the {qtype} of {topic}?" if qtype != "information"
            else f"What is {topic}?",
            category_path=(f"Area {top}", f"Area {top}.{rng.randrange(5)}"),
            focus=topic, question_type=qtype, source=source,
            source_url=f"https://example.org/{i}", answers=answers,
        ))
        if len(batch) == 2000:
            questions_import(records=batch, comment="synthetic benchmark content")
            batch = []
    if batch:
        questions_import(records=batch, comment="synthetic benchmark content")


def measure(*, pages: int, warmup: int) -> dict[str, Any]:
    """Time `pages` distinct article pages after `warmup` others."""
    from django.db import connection
    from django.test import Client

    from healthqa.kb.models import Question

    slugs = list(Question.objects.filter(status="published").values_list("slug", flat=True))
    rng = random.Random(SEED)
    rng.shuffle(slugs)
    timed, warm = slugs[:pages], slugs[pages:pages + warmup] or slugs[:warmup]
    client = Client()
    for slug in warm:
        assert client.get(f"/q/{slug}/").status_code == 200
    queries: list[int] = []
    count = [0]

    def counter(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        count[0] += 1
        return execute(sql, params, many, context)

    times: list[float] = []
    sizes: list[int] = []
    with connection.execute_wrapper(counter):
        for slug in timed:
            count[0] = 0
            started = time.perf_counter()
            response = client.get(f"/q/{slug}/")
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, slug
            queries.append(count[0])
            sizes.append(len(response.content))
    cuts = statistics.quantiles(times, n=100, method="inclusive")
    return {
        "pages": len(times),
        "p50_ms": round(cuts[49], 2),
        "p95_ms": round(cuts[94], 2),
        "p99_ms": round(cuts[98], 2),
        "max_ms": round(max(times), 2),
        "mean_ms": round(statistics.fmean(times), 2),
        "queries_min": min(queries),
        "queries_max": max(queries),
        "queries_mean": round(statistics.fmean(queries), 2),
        "page_kb_mean": round(statistics.fmean(sizes) / 1024, 1),
        "python": sys.version.split()[0],
    }


def report(f: dict[str, Any]) -> None:
    verdict = "meets" if f["p99_ms"] <= TARGET_P99_MS else "MISSES"
    print(f"dataset: {f['dataset']}")
    print(f"article pages timed: {f['pages']:,} distinct, warm, in-process (django.test.Client)")
    print(f"server time: p50 {f['p50_ms']} ms · p95 {f['p95_ms']} ms · p99 {f['p99_ms']} ms "
          f"· max {f['max_ms']} ms · mean {f['mean_ms']} ms "
          f"({verdict} the p99 ≤ {TARGET_P99_MS:g} ms target)")
    print(f"queries per page: {f['queries_min']}–{f['queries_max']} "
          f"(mean {f['queries_mean']}); mean page size {f['page_kb_mean']} KiB")


if __name__ == "__main__":
    main()
