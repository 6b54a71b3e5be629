"""The `healthqa` command line: thin commands over the services."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click


def setup_django() -> None:
    """Configure Django once, for commands that touch the database."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "healthqa.config.settings")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import django

    django.setup()


def migrate(verbosity: int = 0) -> None:
    """Bring the database schema up to date."""
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=verbosity)


@click.group()
@click.version_option(package_name="healthqa")
def main() -> None:
    """healthqa: a self-hostable health question-and-answer knowledge base."""


@main.command()
def init() -> None:
    """Create or upgrade the database."""
    setup_django()
    migrate(verbosity=1)


@main.command()
def demo() -> None:
    """Create the database if needed and load the bundled demo content."""
    setup_django()
    migrate()
    from healthqa.importers.api import demo_import

    report = demo_import(progress=sys.stderr.isatty())
    click.echo(report.summary())
    if report.errors:
        raise SystemExit(1)


@main.group(name="import")
def import_() -> None:
    """Import questions and answers in bulk (idempotent: re-runs update in place)."""


def _run_import(kind: str, path: Path, strict: bool, batch_size: int) -> None:
    setup_django()
    migrate()
    from healthqa.importers.api import ImportAborted, jsonl_import, medquad_import

    importer = medquad_import if kind == "medquad" else jsonl_import
    try:
        report = importer(path=path, strict=strict, batch_size=batch_size, progress=True)
    except ImportAborted as exc:
        click.echo(exc.report.summary(), err=True)
        raise click.ClickException(str(exc)) from None
    click.echo(report.summary())
    if report.errors:
        raise SystemExit(1)


@import_.command(name="medquad")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--strict", is_flag=True, help="Stop at the first bad file.")
@click.option("--batch-size", default=2000, show_default=True, help="Pairs per transaction.")
def import_medquad(path: Path, strict: bool, batch_size: int) -> None:
    """Import MedQuAD XML from PATH (the medquad folder, one subset folder or one file)."""
    _run_import("medquad", path, strict, batch_size)


@import_.command(name="jsonl")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--strict", is_flag=True, help="Stop at the first bad line.")
@click.option("--batch-size", default=2000, show_default=True, help="Questions per transaction.")
def import_jsonl(path: Path, strict: bool, batch_size: int) -> None:
    """Import questions from a JSONL file (format: docs/jsonl-format.md)."""
    _run_import("jsonl", path, strict, batch_size)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
def serve(host: str, port: int, threads: int) -> None:
    """Serve the site with a production WSGI server (waitress)."""
    setup_django()
    migrate()
    from waitress import serve as waitress_serve

    from healthqa.config.wsgi import application

    click.echo(f"healthqa is serving at http://{host}:{port}/ (Ctrl+C stops it)")
    waitress_serve(application, host=host, port=port, threads=threads, ident="healthqa")


@main.command(name="settings")
def settings_list() -> None:
    """List every HEALTHQA_* setting with its current value and help."""
    from healthqa.config.declared import SETTINGS

    for s in SETTINGS:
        value = "(set)" if s.name == "HEALTHQA_SECRET_KEY" and s.read() else s.read()
        click.echo(f"{s.name}={value}\n    {s.help}")


@main.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def manage(args: tuple[str, ...]) -> None:
    """Run a Django management command, e.g. `healthqa manage createsuperuser`."""
    setup_django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["healthqa manage", *args])


if __name__ == "__main__":
    main()
