"""docs/cli.md is generated from the commands and kept in step with them."""

from __future__ import annotations

from click.testing import CliRunner

from healthqa.cli import cli_reference, main
from tests.helpers import REPO_ROOT


def test_the_cli_reference_in_docs_is_up_to_date() -> None:
    written = (REPO_ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert written == cli_reference(), (
        "docs/cli.md is out of date: run `healthqa cli-reference > docs/cli.md`")


def test_the_cli_reference_documents_every_visible_command() -> None:
    text = cli_reference()
    for name in ("ask", "search", "reindex", "eval", "import medquad", "import jsonl"):
        assert f"## `healthqa {name}`" in text
        result = CliRunner().invoke(main, [*name.split(), "--help"], terminal_width=100)
        assert result.exit_code == 0
    assert "## `healthqa cli-reference`" not in text  # the generator itself is hidden
