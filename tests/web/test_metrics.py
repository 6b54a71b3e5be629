"""/metrics: Prometheus's text format, for the addresses allowed only.

Counters live in the process (prometheus-client's default registry) and outlive a test, so
each test compares a value before and after its requests.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from prometheus_client import REGISTRY

from healthqa.config.observability import metrics_allow
from tests.kb.conftest import KB

pytestmark = pytest.mark.django_db


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def scrape(client: Client, **extra: Any) -> str:
    response = client.get("/metrics", **extra)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    assert "no-store" in response["Cache-Control"]
    return response.content.decode()


def value(text: str, series: str) -> float:
    """The value of one series (name{labels}) in the scraped text."""
    match = re.search(rf"^{re.escape(series)} (\S+)$", text, re.M)
    assert match, f"{series} not in the metrics"
    return float(match.group(1))


def test_a_request_is_counted_and_timed_under_its_view_name(client: Client, kb: KB) -> None:
    labels = {"view": "web:question", "method": "GET", "status": "200"}
    before = sample("healthqa_http_requests_total", **labels)
    timed = sample("healthqa_http_request_duration_seconds_count", view="web:question")
    assert client.get(kb.back_pain.get_absolute_url()).status_code == 200
    assert sample("healthqa_http_requests_total", **labels) == before + 1
    assert sample("healthqa_http_request_duration_seconds_count",
                  view="web:question") == timed + 1
    text = scrape(client)
    series = 'healthqa_http_requests_total{method="GET",status="200",view="web:question"}'
    assert value(text, series) == before + 1
    assert kb.back_pain.slug not in text  # the view, not the path


def test_paths_that_resolve_nowhere_share_one_label(client: Client, kb: KB) -> None:
    labels = {"view": "unresolved", "method": "GET", "status": "404"}
    before = sample("healthqa_http_requests_total", **labels)
    for path in ("/wp-admin/setup.php", "/no/such/page-zzqx/"):
        assert client.get(path).status_code == 404
    assert sample("healthqa_http_requests_total", **labels) == before + 2
    assert "zzqx" not in scrape(client) and "wp-admin" not in scrape(client)


def test_unknown_methods_share_one_label(client: Client, kb: KB) -> None:
    before = sum(sample("healthqa_http_requests_total", view="web:home", method="other",
                        status=status) for status in ("405", "400"))
    client.generic("BREW", "/")
    after = sum(sample("healthqa_http_requests_total", view="web:home", method="other",
                       status=status) for status in ("405", "400"))
    assert after == before + 1
    assert "BREW" not in scrape(client)


def test_asking_is_timed_on_the_page_and_in_the_api(client: Client, kb: KB) -> None:
    secret = "my secret-words lower back hurts"
    page = sample("healthqa_ask_duration_seconds_count", via="page")
    api = sample("healthqa_ask_duration_seconds_count", via="api")
    assert client.get(f"/ask/?q={quote(secret)}").status_code == 200
    assert client.get(f"/api/v1/ask?q={quote(secret)}").status_code == 200
    assert client.post("/api/v1/ask", {"question": secret},
                       content_type="application/json").status_code == 200
    text = scrape(client)
    assert value(text, 'healthqa_ask_duration_seconds_count{via="page"}') == page + 1
    assert value(text, 'healthqa_ask_duration_seconds_count{via="api"}') == api + 2
    assert value(text, 'healthqa_ask_duration_seconds_bucket{le="+Inf",via="page"}') == page + 1
    assert value(text, 'healthqa_ask_duration_seconds_sum{via="page"}') > 0
    assert "secret" not in text
    # A question refused (too long) is not an answer's time.
    client.get("/ask/?q=" + "a" * 5000)
    assert sample("healthqa_ask_duration_seconds_count", via="page") == page + 1


def test_the_index_size_is_counted_at_scrape_time(
        client: Client, kb: KB, django_assert_max_num_queries: Any) -> None:
    with django_assert_max_num_queries(3):
        text = scrape(client)
    # Ten questions, one of them a draft: all ten are indexed.
    assert value(text, "healthqa_index_published_questions") == 9
    assert value(text, "healthqa_index_vectors") == 10
    assert value(text, "healthqa_index_lexical_rows") == 10


def test_other_addresses_get_a_404(client: Client, kb: KB) -> None:
    for address in ("203.0.113.7", "10.1.2.3", "::2", "not an address", ""):
        response = client.get("/metrics", REMOTE_ADDR=address)
        assert response.status_code == 404, address
        assert b"healthqa_" not in response.content


def test_a_request_forwarded_by_a_proxy_gets_a_404_even_from_localhost(
        client: Client, kb: KB) -> None:
    """Behind a reverse proxy on the same machine, every visitor arrives from 127.0.0.1."""
    for header in ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_FORWARDED",
                   "HTTP_X_REAL_IP"):
        response = client.get("/metrics", REMOTE_ADDR="127.0.0.1", **{header: "203.0.113.7"})
        assert response.status_code == 404, header


def test_the_allowed_networks_come_from_the_setting(
        client: Client, kb: KB, settings: Any) -> None:
    settings.METRICS_ALLOW = metrics_allow(" 10.0.0.0/8, 2001:db8::/32 ,,192.0.2.1")
    for address in ("10.1.2.3", "2001:db8::5", "192.0.2.1", "::ffff:10.9.9.9"):
        assert client.get("/metrics", REMOTE_ADDR=address).status_code == 200, address
    for address in ("127.0.0.1", "192.0.2.2", "11.0.0.1"):
        assert client.get("/metrics", REMOTE_ADDR=address).status_code == 404, address
    settings.METRICS_ALLOW = metrics_allow("")
    assert client.get("/metrics").status_code == 404  # empty: nobody


def test_a_bad_entry_in_the_setting_stops_the_start_naming_it() -> None:
    with pytest.raises(ImproperlyConfigured, match="'localhost'"):
        metrics_allow("127.0.0.1,localhost")
    assert [str(n) for n in metrics_allow("127.0.0.1,::1")] == ["127.0.0.1/32", "::1/128"]
