"""On PostgreSQL, the title indexes in the order lists use: code point ("C").

Lists sort titles with COLLATE "C" (kb.text.CodePointOrder) so that every database gives the
same order; an index built in the database's own collation (en_US.UTF-8, or even C.UTF-8)
cannot give that order, and PostgreSQL sorted every published question to show the API's
first page (77 ms at MedQuAD's size). SQLite's indexes already use its BINARY default.
"""

from django.db import migrations

INDEXES = {
    "q_cat_nav": "(category_id, status, title COLLATE \"C\", id)",
    "q_title": "(status, title COLLATE \"C\", id)",
}
PLAIN = {
    "q_cat_nav": "(category_id, status, title, id)",
    "q_title": "(status, title, id)",
}


def _recreate(schema_editor, columns: dict[str, str]) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, spec in columns.items():
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
        schema_editor.execute(f"CREATE INDEX {name} ON kb_question {spec}")


def code_point(apps, schema_editor):
    _recreate(schema_editor, INDEXES)


def plain(apps, schema_editor):
    _recreate(schema_editor, PLAIN)


class Migration(migrations.Migration):

    dependencies = [
        ("kb", "0005_content_generation"),
    ]

    operations = [migrations.RunPython(code_point, plain)]
