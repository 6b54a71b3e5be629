"""Readers for benchmarks/load.py: article pages, /search and POST /api/v1/ask, back to back.

LOAD_SLUGS and LOAD_QUERIES name JSON files (a list of article slugs; a list of questions as
readers type them). LOAD_MIX=articles requests article pages only.
"""

from __future__ import annotations

import json
import os
import random
from urllib.parse import urlencode

from locust import FastHttpUser, constant, task

SLUGS: list[str] = json.loads(open(os.environ["LOAD_SLUGS"]).read())
QUERIES: list[str] = json.loads(open(os.environ["LOAD_QUERIES"]).read())
ARTICLES_ONLY = os.environ.get("LOAD_MIX") == "articles"


class Reader(FastHttpUser):  # geventhttpclient: a fraction of requests' CPU a request
    wait_time = constant(0)  # closed loop: each user sends its next request when answered

    def on_start(self) -> None:
        self.rng = random.Random(id(self))

    @task(6)
    def article(self) -> None:
        self.client.get(f"/q/{self.rng.choice(SLUGS)}/", name="article")

    @task(2)
    def search(self) -> None:
        if ARTICLES_ONLY:
            return self.article()
        self.client.get("/search?" + urlencode({"q": self.rng.choice(QUERIES)}), name="search")

    @task(2)
    def ask(self) -> None:
        if ARTICLES_ONLY:
            return self.article()
        self.client.post("/api/v1/ask", json={"question": self.rng.choice(QUERIES)},
                         name="api ask")
