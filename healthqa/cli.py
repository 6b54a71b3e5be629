"""The `healthqa` command line: thin commands over the services."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def setup_django() -> None:
    """Configure Django once, for commands that touch the database."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "healthqa.config.settings")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import django
    from django.core.exceptions import ImproperlyConfigured

    try:
        django.setup()
    except ImproperlyConfigured as exc:  # a setting's value: one line naming it, no traceback
        raise click.ClickException(str(exc)) from None


def migrate(verbosity: int = 0) -> None:
    """Bring the database schema up to date, with the table of the cache that all worker
    processes share (the rate limits' counters; it is no model, so no migration makes it)."""
    from django.core.management import call_command
    from django.db import OperationalError

    try:
        call_command("migrate", interactive=False, verbosity=verbosity)
    except OperationalError as exc:  # the server down, a wrong name or password
        raise click.ClickException(f"cannot use the database: {exc}".strip()) from None
    call_command("createcachetable", verbosity=verbosity)


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
    from healthqa.cli_serve import static_collect
    from healthqa.importers.api import demo_import

    static_collect()
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
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1),
              help="Threads per process.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1),
              help="Processes: 1 is served by waitress, more by gunicorn (each with "
                   "--threads threads, and its own encoder and question vectors in memory).")
@click.option("--trusted-proxy", default="127.0.0.1", show_default=True,
              help="With HEALTHQA_HTTPS=1: the address of the reverse proxy whose "
                   "X-Forwarded-Proto header is believed.")
def serve(host: str, port: int, threads: int, workers: int, trusted_proxy: str) -> None:
    """Serve the site with a production WSGI server (waitress; gunicorn with --workers)."""
    setup_django()
    migrate()
    from django.conf import settings

    from healthqa.cli_serve import gunicorn_serve, static_collect

    static_collect()
    # Django sees X-Forwarded-Proto from the trusted proxy only (either server drops it from
    # anyone else); with HTTPS but without it every request would look like plain HTTP and be
    # redirected to HTTPS, forever.
    trusted = trusted_proxy if settings.HTTPS else None
    if workers > 1:
        from django.db import connections

        # The workers are forked from this process: none may inherit its database connection.
        connections.close_all()
        click.echo(f"healthqa is serving at http://{host}:{port}/ with {workers} processes "
                   "(Ctrl+C stops it)")
        gunicorn_serve(host=host, port=port, workers=workers, threads=threads,
                       trusted_proxy=trusted)
        return
    from waitress import serve as waitress_serve

    from healthqa.config.wsgi import application

    proxy: dict[str, str] = {}
    if trusted is not None:
        proxy = {"trusted_proxy": trusted, "trusted_proxy_headers": "x-forwarded-proto"}
    click.echo(f"healthqa is serving at http://{host}:{port}/ (Ctrl+C stops it)")
    waitress_serve(application, host=host, port=port, threads=threads, ident="healthqa",
                   **proxy)


@main.command()
def reindex() -> None:
    """Rebuild the search index (full text, vectors, related questions) from the database."""
    setup_django()
    migrate()
    from healthqa.search.indexing import search_reindex

    click.echo(search_reindex(progress=True).summary())


@main.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Replace PATH if it exists.")
def backup(path: Path, force: bool) -> None:
    """Copy the SQLite database to PATH, while the site goes on serving.

    The copy is the database at one instant (SQLite's online backup), checked with
    PRAGMA integrity_check, readable by its owner only (0600), and appears at PATH only
    once whole. PostgreSQL is backed up with pg_dump instead (docs/backup.md).
    """
    setup_django()
    from healthqa.kb.backup import BackupError
    from healthqa.kb.backup import backup as backup_write

    try:
        report = backup_write(path=path, force=force)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(report.summary())


@main.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--yes", is_flag=True,
              help="Do not ask for confirmation (needed when not run at a terminal).")
def restore(path: Path, yes: bool) -> None:
    """Replace the SQLite database with the backup at PATH (stop `healthqa serve` first).

    The backup is checked first (a healthqa database, intact, not from a newer healthqa),
    then brought up to date on a copy (migrations; the search index rebuilt only if part of
    it is missing). Only then is the current database copied aside, as
    <database>.before-restore-<time> beside it, and replaced. Anything refused or failed
    leaves the current database as it was.
    """
    setup_django()
    from healthqa.kb.backup import BackupError, restore_prepare
    from healthqa.search.indexing import search_index_repair

    try:
        with restore_prepare(path=path) as prepared:
            click.echo(f"{path}: {prepared.contents.describe()} (integrity ok)")
            current = f"the database at {prepared.live} ({prepared.live_contents()})"
            if not yes:
                if not sys.stdin.isatty():
                    raise click.ClickException(
                        f"not restored: restoring replaces {current}; add --yes to confirm "
                        "(there is no terminal to ask at)")
                if not click.confirm(f"Replace {current} with it?", default=False):
                    raise click.ClickException("not restored: the database is unchanged")
            with prepared.connected():
                migrate()
                repaired = search_index_repair(progress=sys.stderr.isatty())
            report = prepared.commit()
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(repaired)
    click.echo(report.summary())


@main.command()
@click.argument("question")
@click.option("--top", "-k", default=5, show_default=True, type=click.IntRange(1, 50),
              help="How many answered questions to show.")
@click.option("--json", "as_json", is_flag=True,
              help="Print the JSON that GET /api/v1/ask answers.")
def ask(question: str, top: int, as_json: bool) -> None:
    """Find the answered questions that cover QUESTION, with answers, sources and confidence."""
    setup_django()
    import json

    from healthqa.ask.services import (
        DISCLAIMER,
        EXPERTS_MESSAGE,
        AskInputError,
        ask_question,
        ask_result_data,
    )
    from healthqa.search.vectors import IndexMismatch

    try:
        result = ask_question(text=question, k=top)
    except (AskInputError, IndexMismatch) as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        click.echo(json.dumps(ask_result_data(result), indent=2, ensure_ascii=False))
        return
    blocks = []
    if result.urgent.urgent:
        blocks.append("\n".join([result.urgent.headline, *result.urgent.guidance]))
    if result.low_confidence:
        blocks.append(f"{result.message}\n{EXPERTS_MESSAGE}\nThe closest questions we have:")
    for rank, hit in enumerate(result.hits, start=1):
        q = hit.question
        lines = [f"{rank}. {q.title}  [{hit.confidence_label}, match {hit.match:.2f}]"]
        if hit.answers and q.excerpt:
            lines.append(f"   {q.excerpt}")
        elif hit.answer_at_source:
            lines.append(f"   answer at the source: {q.source_url}")
        if q.source:
            licence = f" · licence: {q.source.license_name}" if q.source.license_name else ""
            lines.append(f"   source: {q.source.name}{licence}")
        blocks.append("\n".join(lines))
    click.echo("\n\n".join([*blocks, DISCLAIMER]))


@main.command()
@click.argument("query", required=False)
@click.option("--queries", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A file of 'qid<TAB>text' lines to run in one batch.")
@click.option("--top", "-k", default=10, show_default=True, type=click.IntRange(1, 1000),
              help="Results per query.")
@click.option("--mode", type=click.Choice(["hybrid", "lexical", "dense"]), default="hybrid",
              show_default=True,
              help="hybrid ranks as /ask does (without folding repeated titles).")
@click.option("--format", "fmt", type=click.Choice(["text", "trec"]), default=None,
              help="Output format [default: text for one query, trec for --queries].")
@click.option("--tag", default=None, help="Run tag of TREC lines [default: healthqa-MODE].")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file instead of standard output.")
def search(query: str | None, queries: Path | None, top: int, mode: str, fmt: str | None,
           tag: str | None, output: Path | None) -> None:
    """Search for QUERY, or run every query of a --queries file (e.g. as a TREC run)."""
    if (query is None) == (queries is None):
        raise click.UsageError("give either a QUERY or --queries FILE")
    setup_django()
    from healthqa.evaluation.runner import search_run
    from healthqa.evaluation.trec import TrecFormatError, queries_read, run_write
    from healthqa.search.vectors import IndexMismatch

    if queries is not None:
        try:
            batch = queries_read(path=queries)
        except TrecFormatError as exc:
            raise click.ClickException(str(exc)) from None
        if not batch:
            raise click.ClickException(f"{queries}:1: no queries: expected 'qid<TAB>text' lines")
    else:
        batch = {"1": query or ""}
    try:
        run = search_run(queries=batch, kind=mode, k=top, progress=queries is not None
                         and sys.stderr.isatty())
    except IndexMismatch as exc:
        raise click.ClickException(str(exc)) from None
    out = output.open("w", encoding="utf-8", newline="\n") if output else sys.stdout
    try:
        if (fmt or ("trec" if queries is not None else "text")) == "trec":
            run_write(run={q: [(h.external_id, h.score) for h in hits] for q, hits in run.items()},
                      tag=tag or f"healthqa-{mode}", out=out)
        else:
            for qid, hits in run.items():
                if queries is not None:
                    out.write(f"{qid}\t{batch[qid]}\n")
                if not hits:
                    out.write("   no results\n")
                for rank, h in enumerate(hits, start=1):
                    out.write(f"{rank:>3}. {h.score:7.3f}  {h.title}  [{h.external_id}]\n")
    finally:
        if output:
            out.close()


@main.command(name="eval")
@click.option("--medquad", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=Path("../shared/data/medquad"), show_default=True,
              help="The MedQuAD folder the dev set is built from (imported in this database).")
@click.option("--rqe", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=Path("../shared/data/rqe-amia2016"), show_default=True,
              help="The folder holding rqe-train.xml and rqe-validation.xml.")
@click.option("--size", default=1000, show_default=True, type=click.IntRange(2),
              help="Dev-set queries.")
@click.option("--seed", default=13, show_default=True, type=int, help="Dev-set seed.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=None, help="Where the dev set, runs and report go "
              "[default: $HEALTHQA_DATA_DIR/evaluation].")
@click.option("--tune", is_flag=True,
              help="Also grid-search the fusion weights on the tuning half (a few minutes).")
@click.option("--messages", type=click.Path(path_type=Path),
              default=Path("../shared/data/consumer-questions"), show_default=True,
              help="Real readers' messages with expert summaries (chq-summaries.jsonl); "
              "skipped when the default is not there.")
@click.option("--topics", default="all", show_default=True, metavar="all|N",
              help="Check the named topic first on every MedQuAD topic, on N of them, or "
              "(0) not at all; every topic takes about 10 minutes.")
@click.option("--fairness/--no-fairness", default=True, show_default=True,
              help="Check that the demo content's long answers give it no edge (3 minutes).")
def eval_(medquad: Path, rqe: Path, size: int, seed: int, out_dir: Path | None,
          tune: bool, messages: Path, topics: str, fairness: bool) -> None:
    """Measure lexical, dense and fused search on a MedQuAD dev set, the match on RQE, real
    readers' messages and the named topic first."""
    setup_django()
    from healthqa.config.declared import setting
    from healthqa.evaluation.runner import NotImported, evaluation_run
    from healthqa.search.vectors import IndexMismatch

    out_dir = out_dir or Path(setting("HEALTHQA_DATA_DIR")) / "evaluation"
    messages_at: Path | None = messages
    if not messages.exists():
        source = click.get_current_context().get_parameter_source("messages")
        if source != click.core.ParameterSource.DEFAULT:
            raise click.BadParameter(f"{messages}: no such file or folder",
                                     param_hint="--messages")
        click.echo(f"no real messages at {messages}: that part is left out", err=True)
        messages_at = None
    if topics.strip().lower() == "all":
        topics_count: int | None = None
    elif topics.strip().isdigit():
        topics_count = int(topics)
    else:
        raise click.BadParameter(f"{topics!r}: give 'all' or a number of topics",
                                 param_hint="--topics")
    try:
        result = evaluation_run(medquad_dir=medquad, rqe_dir=rqe, out_dir=out_dir, size=size,
                                seed=seed, progress=sys.stderr.isatty(), tune=tune,
                                messages=messages_at, topics=topics_count, fairness=fairness,
                                echo=lambda m: click.echo(m, err=True))
    except (NotImported, ValueError, IndexMismatch) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(result.markdown)
    click.echo(f"written to {result.report_path}", err=True)


@main.command(name="settings")
def settings_list() -> None:
    """List every HEALTHQA_* setting with its current value and help."""
    from healthqa.config.declared import SETTINGS

    secrets = {"HEALTHQA_SECRET_KEY", "HEALTHQA_EMAIL_PASSWORD"}
    for s in SETTINGS:
        value = "(set)" if s.name in secrets and s.read() else s.read()
        click.echo(f"{s.name}={value}\n    {s.help}")


@main.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def manage(args: tuple[str, ...]) -> None:
    """Run a Django management command, e.g. `healthqa manage createsuperuser`."""
    setup_django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["healthqa manage", *args])


# The roles of healthqa.community.roles.ROLES, spelt out here because the CLI module is
# imported before Django is set up (tests/cli/test_user.py checks they agree).
ROLE_NAMES = ("member", "expert", "editor", "admin")


class InputRefused(click.ClickException):
    """What was given cannot be accepted (exit code 2, as for a wrong option)."""

    exit_code = 2


def _accounts_ready() -> None:
    setup_django()
    migrate()


def _password_read() -> str:
    """The password: typed twice without echo at a terminal, else one line of stdin."""
    if sys.stdin.isatty():
        return str(click.prompt("Password", hide_input=True, confirmation_prompt=True))
    return sys.stdin.readline().rstrip("\r\n")


def _user_named(username: str) -> User:
    from django.contrib.auth import get_user_model

    account = get_user_model().objects.filter(username__iexact=username).first()
    if account is None:
        raise click.ClickException(f"there is no account named {username!r} "
                                   f"(`healthqa user list` shows them)")
    return account  # type: ignore[return-value]


@main.group()
def user() -> None:
    """Make accounts, change their role, issue personal API tokens."""


@user.command(name="add")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(ROLE_NAMES),
              help="What the account may do (admin: everything, through the Django admin).")
@click.option("--email", default="", help="Where notifications are e-mailed.")
@click.option("--name", "display_name", default="",
              help="The public name [default: the username].")
@click.option("--profession", default="", help="An expert's profession, e.g. Obstetrician.")
@click.option("--speciality", default="",
              help="An expert's speciality, e.g. Maternal-fetal medicine.")
def user_add(username: str, role: str, email: str, display_name: str, profession: str,
             speciality: str) -> None:
    """Make an account with its role (password from standard input).

    The password is the first line of standard input, or is typed twice (not shown) at a
    terminal. For example:

    \b
        healthqa user add ana --role expert --name "Dr. Ana Ruiz" \\
            --profession Obstetrician --speciality "Maternal-fetal medicine" < password.txt
    """
    password = _password_read()
    _accounts_ready()
    from healthqa.community.accounts import user_create
    from healthqa.community.actions import InvalidInput

    try:
        made = user_create(username=username, password=password, email=email, role=role,
                           display_name=display_name, profession=profession,
                           speciality=speciality)
    except InvalidInput as exc:
        raise InputRefused(f"{exc.field}: {exc.message}") from None
    click.echo(f"made the {role} account {made.get_username()!r}")


@user.command(name="token")
@click.argument("username")
def user_token(username: str) -> None:
    """Print a new personal API token for USERNAME.

    Only the token is printed, and only this once (its digest is stored). Send it in an
    `Authorization: Bearer …` header.
    """
    _accounts_ready()
    from healthqa.community.accounts import token_issue

    account = _user_named(username)
    if not account.is_active:
        raise click.ClickException(f"the account {username!r} is deactivated")
    click.echo(token_issue(user=account))


@user.command(name="role")
@click.argument("username")
@click.argument("role", type=click.Choice(ROLE_NAMES), metavar="ROLE")
def user_role_set(username: str, role: str) -> None:
    """Give USERNAME exactly ROLE: member, expert, editor or admin."""
    _accounts_ready()
    from healthqa.community.accounts import role_set

    account = _user_named(username)
    role_set(user=account, role=role)
    click.echo(f"{account.get_username()!r} is now {role}")


@user.command(name="list")
def user_list() -> None:
    """List the accounts: username, role, expert verification, day joined."""
    _accounts_ready()
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from healthqa.community.models import Profile
    from healthqa.community.roles import user_role

    expert = dict(Profile.objects.values_list("user_id", "expert"))
    rows = [("USERNAME", "ROLE", "EXPERT", "JOINED")]
    for account in get_user_model().objects.order_by("username"):
        rows.append((account.get_username(), user_role(account),
                     expert.get(account.pk, Profile.Expert.NONE),
                     f"{timezone.localtime(account.date_joined):%Y-%m-%d}"))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for row in rows:
        padded = [cell.ljust(width) for cell, width in zip(row[:3], widths, strict=True)]
        click.echo("  ".join([*padded, row[3]]))


def cli_reference() -> str:
    """The Markdown of docs/cli.md: every command's help, as the commands print it."""
    lines = ["# Command-line reference", "",
             "Generated from the commands themselves: `healthqa cli-reference > docs/cli.md`.",
             "tests/cli/test_reference.py fails when this file is out of date.", ""]

    def walk(command: click.Command, name: str, parent: click.Context | None) -> None:
        if command.hidden:
            return
        ctx = click.Context(command, info_name=name, parent=parent, terminal_width=100,
                            max_content_width=100)
        lines.extend([f"## `{ctx.command_path}`", "", "```text",
                      command.get_help(ctx).rstrip(), "```", ""])
        if isinstance(command, click.Group):
            for sub in sorted(command.commands):
                walk(command.commands[sub], sub, ctx)

    walk(main, "healthqa", None)
    return "\n".join(lines)


@main.command(name="cli-reference", hidden=True)
def cli_reference_print() -> None:
    """Print docs/cli.md."""
    click.echo(cli_reference(), nl=False)


if __name__ == "__main__":
    main()
