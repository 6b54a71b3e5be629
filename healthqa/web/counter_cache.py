"""The cache that every worker process shares: a table in the database, for the rate limits'
counters (django-ratelimit), which must count one person's requests together whichever
process answers them.

Django's DatabaseCache adds one to a counter by reading it and writing it back, which two
processes can do at once (and it restarts the counter's expiry at the default timeout, so a
counter of an hour's window would be forgotten after five minutes). Here incr() reads the
row locked, in a transaction, and keeps its expiry; and culling only ever removes expired
rows, never a live counter.
"""

from __future__ import annotations

import base64
import pickle
from typing import Any

from django.core.cache.backends.db import DatabaseCache
from django.db import connections, models, router, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorWrapper
from django.utils.timezone import now as tz_now


class CounterCache(DatabaseCache):
    """DatabaseCache with an atomic incr() that keeps the entry's expiry."""

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> Any:
        key = self.make_and_validate_key(key, version=version)
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        quote = connection.ops.quote_name
        table = quote(self.cache_model_class._meta.db_table)
        # PostgreSQL locks the row until the transaction ends; SQLite has no row locks, and
        # its transactions begin IMMEDIATE here (settings), holding the write lock instead.
        lock = ""
        if connection.features.has_select_for_update:
            lock = " " + connection.ops.for_update_sql()
        with transaction.atomic(using=db), connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {quote('value')}, {quote('expires')} FROM {table} "
                f"WHERE {quote('cache_key')} = %s{lock}", [key])
            row = cursor.fetchone()
            if row is None or _expires(connection, row[1]) < tz_now():
                raise ValueError(f"Key '{key}' not found")
            value = pickle.loads(base64.b64decode(connection.ops.process_clob(row[0]).encode()))
            value += delta
            pickled = base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")
            cursor.execute(
                f"UPDATE {table} SET {quote('value')} = %s WHERE {quote('cache_key')} = %s",
                [pickled, key])
        return value

    def decr(self, key: Any, delta: int = 1, version: int | None = None) -> Any:
        return self.incr(key, -delta, version)

    def _cull(self, db: str, cursor: CursorWrapper, now: Any, num: int) -> None:
        """Delete the expired rows only: a live counter culled would let its owner start
        counting again from zero."""
        connection = connections[db]
        cursor.execute(
            f"DELETE FROM {connection.ops.quote_name(self.cache_model_class._meta.db_table)} "
            f"WHERE {connection.ops.quote_name('expires')} < %s",
            [connection.ops.adapt_datetimefield_value(now)])


def _expires(connection: BaseDatabaseWrapper, value: Any) -> Any:
    """The expiry column as an aware datetime, as DatabaseCache reads it."""
    expression = models.Expression(output_field=models.DateTimeField())
    for converter in (connection.ops.get_db_converters(expression)
                      + expression.get_db_converters(connection)):
        value = converter(value, expression, connection)
    return value
