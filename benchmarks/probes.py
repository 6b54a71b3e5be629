"""Time the load balancer's probes and a Prometheus scrape, in-process, and print percentiles.

    .venv/bin/python benchmarks/probes.py --data-dir DIR [--requests 500]

DIR is a data folder with its database (an import's, or an empty one: the demo content is
loaded into it first). Each of /healthz, /readyz and /metrics is requested with
django.test.Client after a warm-up, so the figure is the server's own time (routing, every
middleware, the queries, the JSON or text) without a network or a WSGI server in front; the
queries of one request of each are counted. Run with the encoder that built the index
(HEALTHQA_ENCODER), or /readyz reports the mismatch.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
URLS = ("/healthz", "/readyz", "/metrics")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--requests", type=int, default=500, help="timed requests per URL")
    parser.add_argument("--warmup", type=int, default=50)
    args = parser.parse_args()

    os.environ["HEALTHQA_DATA_DIR"] = str(Path(args.data_dir).resolve())
    os.environ.setdefault("HEALTHQA_LOG_LEVEL", "WARNING")  # not a line per request timed
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "healthqa.config.settings")
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from healthqa.kb.models import Question

    call_command("migrate", interactive=False, verbosity=0)
    if not Question.objects.exists():
        from healthqa.importers.api import demo_import

        demo_import(progress=False)
    client = Client()
    print(f"{Question.objects.count():,} questions in {args.data_dir}")
    print(f"{'url':10} {'status':>6} {'p50':>9} {'p95':>9} {'p99':>9} {'queries':>8}")
    for url in URLS:
        for _ in range(args.warmup):
            client.get(url)
        queries: list[str] = []
        with connection.execute_wrapper(_counting(queries)):
            status = client.get(url).status_code
        times = []
        for _ in range(args.requests):
            start = time.perf_counter()
            client.get(url)
            times.append((time.perf_counter() - start) * 1000)
        cuts = statistics.quantiles(times, n=100)
        print(f"{url:10} {status:>6} {statistics.median(times):>6.2f} ms {cuts[94]:>6.2f} ms "
              f"{cuts[98]:>6.2f} ms {len(queries):>8}")


def _counting(queries: list[str]) -> Any:
    """An execute wrapper noting each statement in `queries`."""

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        queries.append(sql)
        return execute(sql, params, many, context)

    return count


if __name__ == "__main__":
    main()
