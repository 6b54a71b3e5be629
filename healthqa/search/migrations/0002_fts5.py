"""The FTS5 table for lexical search (SQLite only; PostgreSQL has its own backend)."""

from django.db import migrations


def create_fts(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "sqlite":
        return
    # Frozen copy of healthqa.search.lexical_sqlite.CREATE_SQL at the time of this migration.
    schema_editor.execute(
        "CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5("
        "title, focus, body, answers, tokenize = 'porter unicode61 remove_diacritics 2')"
    )


def drop_fts(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS search_fts")


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]
    operations = [migrations.RunPython(create_fts, drop_fts)]
