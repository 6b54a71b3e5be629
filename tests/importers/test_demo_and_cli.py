"""The bundled demo content loads, and `healthqa import medquad` reports bad input clearly."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from healthqa.cli import main
from healthqa.importers.api import demo_import
from healthqa.kb.models import Answer, Category, Question
from tests.importers.crafted import medquad_xml, write

pytestmark = pytest.mark.django_db


def test_the_demo_content_loads_at_least_40_questions_by_demo_experts() -> None:
    report = demo_import()
    assert report.errors == []
    assert report.created >= 40
    assert Question.objects.filter(is_demo=True).count() == report.created
    assert Category.objects.filter(questions__isnull=False).distinct().count() >= 6
    assert Category.objects.filter(name="Pregnancy", parent__name="Pregnancy and women's health"
                                   ).exists()
    answers = Answer.objects.select_related("author")
    assert answers.exists() and all(a.author and a.author.is_demo for a in answers)
    assert demo_import().unchanged == report.created


def test_the_cli_refuses_a_path_that_does_not_exist(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["import", "medquad", str(tmp_path / "nowhere")])
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_the_cli_reports_a_bad_file_and_exits_with_1(tmp_path: Path) -> None:
    bad = write(tmp_path / "2_GARD_QA" / "0000001.xml", b"<Document><QAPairs>")
    write(tmp_path / "2_GARD_QA" / "0000002.xml", medquad_xml(doc_id="0000002"))
    result = CliRunner().invoke(main, ["import", "medquad", str(tmp_path)])
    assert result.exit_code == 1
    assert "MedQuAD import: 2 files, 2 questions: 2 created" in result.output
    assert f"{bad}: truncated or malformed XML" in result.output


def test_the_cli_under_strict_stops_with_the_reason(tmp_path: Path) -> None:
    bad = write(tmp_path / "0000001.xml", b"")
    result = CliRunner().invoke(main, ["import", "medquad", "--strict", str(bad)])
    assert result.exit_code == 1
    assert f"Error: stopped at {bad}: the file is empty" in result.output
    assert Question.objects.count() == 0
