"""/healthz and /readyz: what a load balancer probes, every few seconds.

/healthz answers without the database; /readyz answers 200 only when the database answers
and the search index is consistent with the questions, and names each failing check.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.db import OperationalError, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from healthqa.kb.models import Question
from healthqa.search import health
from healthqa.search.backends import lexical_backend
from healthqa.search.indexing import related_mark_stale, related_refresh
from healthqa.search.models import IndexMeta, QuestionVector
from tests.helpers import REPO_ROOT
from tests.kb.conftest import KB

CHECKS = ["database", "index_meta", "vectors", "lexical", "related"]


@pytest.fixture
def site(kb: KB) -> KB:
    """The knowledge base as an import leaves it: related lists computed at its end (the kb
    fixture imports through the service, which leaves that to the importer)."""
    related_refresh()
    return kb


def assert_never_cached(response: Any) -> None:
    assert "no-store" in response["Cache-Control"]
    assert not response.cookies  # no session, no CSRF cookie


# --- /healthz --------------------------------------------------------------------------------

@pytest.mark.django_db
def test_healthz_is_alive_without_touching_the_database(
        client: Client, django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "alive"}
    assert response["Content-Type"] == "application/json"
    assert_never_cached(response)


def test_healthz_answers_even_without_a_database(client: Client) -> None:
    # No django_db mark: pytest-django refuses every query here; the probe makes none.
    assert client.get("/healthz").status_code == 200
    assert client.head("/healthz").status_code == 200


@pytest.mark.django_db
def test_the_probes_take_only_get_and_head(client: Client) -> None:
    for url in ("/healthz", "/readyz", "/metrics"):
        assert client.post(url).status_code == 405, url


# --- /readyz ---------------------------------------------------------------------------------

def ready(client: Client) -> tuple[int, dict[str, Any]]:
    response = client.get("/readyz")
    assert response["Content-Type"] == "application/json"
    assert_never_cached(response)
    return response.status_code, response.json()


@pytest.mark.django_db
def test_readyz_is_ready_on_a_consistent_database(client: Client, site: KB) -> None:
    status, body = ready(client)
    assert status == 200, body
    assert body == {"status": "ready", "checks": dict.fromkeys(CHECKS, "ok")}


@pytest.mark.django_db
def test_readyz_is_ready_on_an_empty_database(client: Client) -> None:
    """A new site, before any import: nothing to be inconsistent."""
    status, body = ready(client)
    assert status == 200, body


def _fails(client: Client, check: str) -> str:
    status, body = ready(client)
    assert status == 503, body
    assert body["status"] == "not ready"
    assert body["failing"] == [check]
    assert [name for name, result in body["checks"].items() if result != "ok"] == [check]
    return str(body["checks"][check])


@pytest.mark.django_db
def test_a_question_without_a_vector_makes_it_not_ready(client: Client, site: KB) -> None:
    QuestionVector.objects.filter(question=site.back_pain).delete()
    assert "1 of 10 questions have no vector" in _fails(client, "vectors")


@pytest.mark.django_db
def test_a_question_missing_from_the_full_text_index_makes_it_not_ready(
        client: Client, site: KB) -> None:
    lexical_backend().remove(question_ids=[site.back_pain.pk])
    message = _fails(client, "lexical")
    assert "9 rows for 10 questions" in message and "healthqa reindex" in message


@pytest.mark.django_db
def test_related_lists_marked_stale_make_it_not_ready(client: Client, site: KB) -> None:
    related_mark_stale()
    assert "out of date" in _fails(client, "related")


@pytest.mark.django_db
def test_vectors_from_another_model_make_it_not_ready(client: Client, site: KB) -> None:
    IndexMeta.objects.filter(key="model").update(value="some-other-model")
    assert "some-other-model" in _fails(client, "index_meta")


@pytest.mark.django_db
def test_a_database_that_does_not_answer_is_named_and_nothing_else_is_run(
        client: Client, kb: KB, monkeypatch: pytest.MonkeyPatch) -> None:
    def unreachable(counts: object) -> None:
        raise OperationalError("unable to open database file")

    monkeypatch.setitem(health.CHECKS, "database", unreachable)
    status, body = ready(client)
    assert status == 503
    assert body["failing"] == CHECKS
    assert body["checks"]["database"] == "OperationalError: unable to open database file"
    assert all(body["checks"][name].startswith("not checked") for name in CHECKS[1:])


@pytest.mark.django_db
def test_readyz_costs_a_few_queries_that_do_not_grow_with_the_corpus(
        client: Client, site: KB, many_questions: Callable[..., list[Question]]) -> None:
    def queries() -> list[str]:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/readyz").status_code == 200
        return [q["sql"] for q in captured.captured_queries]

    few = queries()
    many_questions(30)
    related_refresh()
    assert Question.objects.count() == 40
    assert queries() == few
    assert len(few) <= 6, few
    # Each one a COUNT, a lookup by key or the index's few metadata rows: none reads the
    # questions' rows.
    for sql in few:
        assert ("COUNT(" in sql.upper() or "LIMIT" in sql.upper() or sql == "SELECT 1"
                or sql.endswith('FROM "search_indexmeta"')), sql


# --- behind HTTPS ------------------------------------------------------------------------------

def test_with_https_the_probes_are_not_redirected_and_pages_are(tmp_path: Path) -> None:
    """A load balancer probes the app itself, over plain HTTP, without X-Forwarded-Proto."""
    code = (
        "import json, django; django.setup(); from django.test import Client; c = Client(); "
        "print(json.dumps([c.get(u).status_code for u in ('/healthz', '/readyz', '/metrics', "
        "'/')]))"
    )
    keep = {"HEALTHQA_MODEL_DIR", "HEALTHQA_ENCODER"}
    env = {k: v for k, v in os.environ.items() if not k.startswith("HEALTHQA_") or k in keep}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True,
        timeout=300, env={**env, "DJANGO_SETTINGS_MODULE": "healthqa.config.settings",
                          "HEALTHQA_DATA_DIR": str(tmp_path), "HEALTHQA_HTTPS": "1"})
    assert out.returncode == 0, out.stderr[-2000:]
    healthz, readyz, metrics, home = json.loads(out.stdout.strip().splitlines()[-1])
    assert healthz == 200
    assert readyz in (200, 503)  # a database with no tables yet: not ready, but answered
    assert metrics == 200  # the test client's address is 127.0.0.1
    assert home == 301


@pytest.mark.django_db
def test_the_full_text_row_count_is_the_tables_own(site: KB) -> None:
    """indexed_count() reads FTS5's shadow table (cheap): it must say what COUNT(*) on the
    table says, as rows come and go."""
    backend = lexical_backend()

    def table_count() -> int:
        with connection.cursor() as cur:
            cur.execute("SELECT COUNT(*) FROM search_fts")
            return int(cur.fetchone()[0])

    assert backend.indexed_count() == table_count() == 10
    backend.remove(question_ids=[site.back_pain.pk, site.fibroids.pk])
    assert backend.indexed_count() == table_count() == 8
    backend.index(question_ids=[site.back_pain.pk, site.exercise.pk])  # one new, one again
    assert backend.indexed_count() == table_count() == 9
    backend.clear()
    assert backend.indexed_count() == table_count() == 0
