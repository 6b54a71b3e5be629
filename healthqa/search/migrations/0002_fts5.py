"""The lexical index's tables, as the database's search backend defines them (FTS5 on
SQLite)."""

from django.db import migrations


def create_index(apps, schema_editor):  # type: ignore[no-untyped-def]
    from healthqa.search.backends import lexical_backend

    lexical_backend(schema_editor.connection).schema_create(schema_editor)


def drop_index(apps, schema_editor):  # type: ignore[no-untyped-def]
    from healthqa.search.backends import lexical_backend

    lexical_backend(schema_editor.connection).schema_drop(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]
    operations = [migrations.RunPython(create_index, drop_index)]
