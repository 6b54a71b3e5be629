"""All of MedQuAD imports: 47,457 questions from the 12 subsets, with no error."""

from __future__ import annotations

import pytest

from healthqa.importers.api import medquad_import
from healthqa.kb.models import Question
from tests.helpers import require_shared

pytestmark = [pytest.mark.shared, pytest.mark.django_db]


def test_all_of_medquad_imports_every_pair_with_no_error() -> None:
    report = medquad_import(path=require_shared("data", "medquad"))
    assert report.errors == []
    assert (report.files, report.created) == (11_274, 47_457)
    assert Question.objects.count() == 47_457
    assert Question.objects.filter(source__key="ADAM", has_answer=True).count() == 0
    assert not Question.objects.filter(source__key="ADAM", source_url="").exists()
    assert Question.objects.values("source__key").distinct().count() == 12
    assert Question.objects.get(external_id="10_MPlus_ADAM_QA/0003147#1").focus == (
        "Polycystic ovary syndrome")
