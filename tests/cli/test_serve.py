"""`healthqa serve` behind an HTTPS proxy: the proxy's X-Forwarded-Proto is believed."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import REPO_ROOT


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def https_site(tmp_path: Path) -> Iterator[int]:
    """A real `healthqa serve` with HEALTHQA_HTTPS=1 on an empty database: its port."""
    env = {**os.environ, "HEALTHQA_DATA_DIR": str(tmp_path), "HEALTHQA_HTTPS": "1",
           "HF_HUB_OFFLINE": "1"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    port = _free_port()
    log = (tmp_path / "serve.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "healthqa.cli", "serve", "--port", str(port)],
                            env=env, cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError((tmp_path / "serve.log").read_text()) from None
                time.sleep(0.2)
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


def get(port: int, path: str, headers: dict[str, str]) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path, headers={"Host": "localhost", **headers})
    response = conn.getresponse()
    response.read()
    conn.close()
    return response


def test_behind_an_https_proxy_pages_are_served_with_hsts_and_plain_http_is_redirected(
        https_site: int) -> None:
    proxied = get(https_site, "/topics/", {"X-Forwarded-Proto": "https"})
    assert proxied.status == 200
    assert "max-age=31536000" in (proxied.getheader("Strict-Transport-Security") or "")
    plain = get(https_site, "/topics/", {})
    assert plain.status == 301
    assert plain.getheader("Location") == "https://localhost/topics/"
