"""`healthqa serve` behind an HTTPS proxy: the proxy's X-Forwarded-Proto is believed."""

from __future__ import annotations

import http.client
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import healthqa_serve


@pytest.fixture
def https_site(tmp_path: Path) -> Iterator[int]:
    """A real `healthqa serve` with HEALTHQA_HTTPS=1 on an empty database: its port."""
    env = {**os.environ, "HEALTHQA_DATA_DIR": str(tmp_path), "HEALTHQA_HTTPS": "1",
           "HF_HUB_OFFLINE": "1"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    with healthqa_serve(tmp_path, env) as url:
        yield int(url.rsplit(":", 1)[1])


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
