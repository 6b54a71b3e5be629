"""The cache the rate limits count in (healthqa.web.counter_cache): a database table that
every worker process shares, whose counters keep their expiry and are never culled alive.
tests/web/test_cross_process.py shows two processes counting into it at once."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.conf import settings
from django.core.cache import caches
from django.db import connection

from healthqa.web.counter_cache import CounterCache

pytestmark = pytest.mark.django_db
TABLE = settings.CACHES["shared"]["LOCATION"]


def expires(cache: CounterCache, key: str) -> datetime:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT expires FROM {TABLE} WHERE cache_key = %s",
                       [cache.make_key(key)])
        row = cursor.fetchone()
    assert row is not None
    return row[0]  # type: ignore[no-any-return]


def test_the_rate_limits_count_in_the_table_all_processes_share() -> None:
    shared = caches[settings.RATELIMIT_USE_CACHE]
    assert isinstance(shared, CounterCache)
    # Two connections to the cache, as two processes have: one counter.
    other = CounterCache(TABLE, {})
    assert shared.add("login:127.0.0.1", 1, 3600)
    assert other.incr("login:127.0.0.1") == 2
    assert shared.incr("login:127.0.0.1", 3) == 5
    assert other.decr("login:127.0.0.1") == 4
    assert shared.get("login:127.0.0.1") == 4


def test_adding_to_a_counter_keeps_its_expiry() -> None:
    # Django's DatabaseCache would set it again to the default five minutes: a counter of an
    # hour's window forgotten after five.
    shared = caches["shared"]
    assert isinstance(shared, CounterCache)
    shared.add("signup", 1, 3600)
    before = expires(shared, "signup")
    shared.incr("signup")
    assert expires(shared, "signup") == before


def test_a_missing_or_expired_counter_cannot_be_added_to() -> None:
    shared = caches["shared"]
    with pytest.raises(ValueError):
        shared.incr("never-set")
    shared.set("gone", 1, -1)
    with pytest.raises(ValueError):
        shared.incr("gone")


def test_a_full_table_loses_its_expired_rows_never_a_live_counter() -> None:
    small = CounterCache(TABLE, {"OPTIONS": {"MAX_ENTRIES": 2}})
    small.clear()
    small.set("expired", 1, -1)
    for n in range(5):
        small.add(f"live-{n}", 1, 3600)
    assert small.get_many([f"live-{n}" for n in range(5)]) == {f"live-{n}": 1 for n in range(5)}
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {TABLE}")
        assert cursor.fetchone()[0] == 5
