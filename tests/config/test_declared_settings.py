"""Settings are declared once, documented, and listed by the CLI."""

from __future__ import annotations

from click.testing import CliRunner

from healthqa.cli import main
from healthqa.config.declared import SETTINGS, setting
from tests.helpers import REPO_ROOT


def test_every_declared_setting_is_documented_with_its_help() -> None:
    doc = (REPO_ROOT / "docs" / "configuration.md").read_text()
    for s in SETTINGS:
        assert f"`{s.name}`" in doc, f"{s.name} is not in docs/configuration.md"


def test_the_docs_list_no_setting_that_is_not_declared() -> None:
    import re

    doc = (REPO_ROOT / "docs" / "configuration.md").read_text()
    documented = set(re.findall(r"`(HEALTHQA_[A-Z_]+)`", doc))
    assert documented == {s.name for s in SETTINGS}


def test_settings_are_read_from_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("HEALTHQA_PAGE_SIZE", "7")
    assert setting("HEALTHQA_PAGE_SIZE") == "7"
    monkeypatch.delenv("HEALTHQA_PAGE_SIZE")
    assert setting("HEALTHQA_PAGE_SIZE") == "20"


def test_the_cli_lists_every_setting_and_hides_the_secret(monkeypatch) -> None:
    monkeypatch.setenv("HEALTHQA_SECRET_KEY", "very-secret-value")
    monkeypatch.setenv("HEALTHQA_EMAIL_PASSWORD", "smtp-secret-value")
    result = CliRunner().invoke(main, ["settings"])
    assert result.exit_code == 0
    for s in SETTINGS:
        assert s.name in result.output
    assert "very-secret-value" not in result.output
    assert "smtp-secret-value" not in result.output
