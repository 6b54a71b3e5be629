"""`healthqa serve`: waitress for one process, gunicorn for --workers N, hashed static files,
and behind an HTTPS proxy the proxy's X-Forwarded-Proto believed (and no one else's)."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.templatetags.static import static

from healthqa.cli_serve import static_collect, static_stale
from tests.helpers import healthqa_serve, serve_process, site_env

SERVERS = {"waitress": (), "gunicorn": ("--workers", "2")}
IMMUTABLE = "max-age=315360000, public, immutable"


def get(port: int, path: str, headers: dict[str, str] | None = None,
        source: str = "127.0.0.1") -> tuple[http.client.HTTPResponse, str]:
    """GET `path` on a new connection from the loopback address `source`: response, body."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60, source_address=(source, 0))
    conn.request("GET", path, headers={"Host": "localhost", **(headers or {})})
    response = conn.getresponse()
    body = response.read().decode("utf-8", "replace")
    conn.close()
    return response, body


def children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            # The fields after the command's ")" are: state, parent pid, ...
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
    return sorted(found)


def workers_started(pid: int, count: int) -> list[int]:
    """gunicorn's `count` workers under `pid`, once forked (its socket answers before)."""
    deadline = time.monotonic() + 60
    while len(found := children(pid)) < count and time.monotonic() < deadline:
        time.sleep(0.1)
    return found


def maps_onnxruntime(pid: int) -> bool:
    """Whether ONNX Runtime's library is loaded in process `pid`."""
    return "onnxruntime" in Path(f"/proc/{pid}/maps").read_text()


def hashed_static_checked(port: int) -> str:
    """The home page's script is named with its hash and served as immutable: its URL."""
    _, page = get(port, "/")
    found = re.search(r'src="(/static/web/suggest\.[0-9a-f]{12}\.js)"', page)
    assert found, page[:2000]
    response, body = get(port, found[1])
    assert response.status == 200
    assert response.getheader("Cache-Control") == IMMUTABLE
    assert "function" in body
    return found[1]


@pytest.fixture(scope="module", params=sorted(SERVERS))
def https_site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
               ) -> Iterator[int]:
    """A real `healthqa serve` with HEALTHQA_HTTPS=1 on an empty database, trusting the proxy
    at 127.0.0.1 (the default), with one process and with two: its port."""
    data_dir = tmp_path_factory.mktemp("https-site")
    env = site_env(data_dir, HEALTHQA_HTTPS="1", HF_HUB_OFFLINE="1")
    env.pop("DJANGO_SETTINGS_MODULE", None)
    with healthqa_serve(data_dir, env, *SERVERS[request.param]) as url:
        yield int(url.rsplit(":", 1)[1])


def test_behind_an_https_proxy_pages_are_served_with_hsts_and_plain_http_is_redirected(
        https_site: int) -> None:
    proxied, _ = get(https_site, "/topics/", {"X-Forwarded-Proto": "https"})
    assert proxied.status == 200
    assert "max-age=31536000" in (proxied.getheader("Strict-Transport-Security") or "")
    plain, _ = get(https_site, "/topics/")
    assert plain.status == 301
    assert plain.getheader("Location") == "https://localhost/topics/"


def test_a_client_other_than_the_trusted_proxy_cannot_claim_https(https_site: int) -> None:
    # 127.0.0.2 reaches the server over the loopback too, but is not --trusted-proxy.
    claimed, _ = get(https_site, "/topics/", {"X-Forwarded-Proto": "https"}, source="127.0.0.2")
    assert claimed.status == 301
    assert claimed.getheader("Location") == "https://localhost/topics/"


def test_without_workers_waitress_serves_in_one_process(tmp_path: Path) -> None:
    env = site_env(tmp_path, HF_HUB_OFFLINE="1")
    env.pop("DJANGO_SETTINGS_MODULE", None)
    with serve_process(tmp_path, env) as (proc, port):
        response, _ = get(port, "/healthz")
        assert response.status == 200
        assert response.getheader("Server") == "healthqa"  # waitress's ident
        assert children(proc.pid) == []
        hashed_static_checked(port)


def test_with_workers_gunicorn_answers_from_each_worker_and_stops_on_sigterm(
        tmp_path: Path) -> None:
    # The site's own encoder, to see where ONNX Runtime is loaded; the graph is exported once
    # per test run into $HEALTHQA_MODEL_DIR (tests/conftest.py).
    env = site_env(tmp_path, HF_HUB_OFFLINE="1", HEALTHQA_ENCODER="minilm-onnx")
    env.pop("DJANGO_SETTINGS_MODULE", None)
    with serve_process(tmp_path, env, "--workers", "2", "--threads", "2") as (proc, port):
        first, _ = get(port, "/ask/?q=is+ibuprofen+safe+in+pregnancy")  # exports the graph
        assert first.status == 200
        assert first.getheader("Server") != "healthqa"
        workers = workers_started(proc.pid, 2)
        assert len(workers) == 2
        # With one worker stopped, only the other can accept the connection: each answers.
        for stopped, running in (workers, workers[::-1]):
            os.kill(stopped, signal.SIGSTOP)
            try:
                response, _ = get(port, "/ask/?q=what+helps+with+heartburn")
                assert response.status == 200
                assert maps_onnxruntime(running)
            finally:
                os.kill(stopped, signal.SIGCONT)
        # The workers were forked from a parent that never started ONNX Runtime or a thread.
        assert not maps_onnxruntime(proc.pid)
        assert len(list(Path(f"/proc/{proc.pid}/task").iterdir())) == 1
        hashed_static_checked(port)

        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    assert not [pid for pid in workers if Path(f"/proc/{pid}").exists()]
    assert "Traceback" not in (tmp_path / "serve.log").read_text()


def test_static_files_are_collected_when_missing_changed_or_older_than_the_packages(
        settings: Any, tmp_path: Path) -> None:
    settings.STATIC_ROOT = tmp_path / "static"
    manifest = tmp_path / "static" / "staticfiles.json"
    assert static_stale()
    assert static_collect()
    assert manifest.exists()
    assert not static_stale()
    assert not static_collect()
    os.utime(manifest, (0, 0))  # collected before the packages' files were written
    assert static_stale()
    assert static_collect()
    data = json.loads(manifest.read_text())
    del data["paths"]["web/suggest.js"]  # a file added to the package since
    manifest.write_text(json.dumps(data))
    assert static_stale()


def test_static_names_are_hashed_once_collected_and_plain_before(
        settings: Any, tmp_path: Path) -> None:
    settings.STATIC_ROOT = tmp_path / "static"
    # Not collected, as in the tests: the plain name, which whitenoise serves from the package.
    assert static("web/suggest.js") == "/static/web/suggest.js"
    static_collect()
    settings.STATIC_ROOT = tmp_path / "static"  # a new storage, reading the manifest
    assert re.fullmatch(r"/static/web/suggest\.[0-9a-f]{12}\.js", static("web/suggest.js"))
    assert (tmp_path / "static" / static("web/suggest.js").removeprefix("/static/")).exists()
    # A file missing from the manifest keeps its plain name rather than failing the page.
    assert static("web/not-collected.js") == "/static/web/not-collected.js"


def test_with_workers_metrics_count_every_workers_requests(tmp_path: Path) -> None:
    from prometheus_client.parser import text_string_to_metric_families

    env = site_env(tmp_path, HF_HUB_OFFLINE="1")
    env.pop("DJANGO_SETTINGS_MODULE", None)
    with serve_process(tmp_path, env, "--workers", "2", "--threads", "1") as (proc, port):
        workers = workers_started(proc.pid, 2)
        assert len(workers) == 2
        # With one worker stopped, the other answers: 3 requests to one, 2 to the other.
        for stopped, times in ((workers[0], 3), (workers[1], 2)):
            os.kill(stopped, signal.SIGSTOP)
            try:
                for _ in range(times):
                    assert get(port, "/healthz")[0].status == 200
            finally:
                os.kill(stopped, signal.SIGCONT)
        response, text = get(port, "/metrics")
        assert response.status == 200
    counted = sum(
        sample.value for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "healthqa_http_requests_total" and sample.labels["view"] == "healthz")
    assert counted == 5  # each worker's own count would be 3 or 2
    assert "healthqa_index_published_questions" in text
