"""Lists ordered by title come out in the same order on every database: code-point order,
whatever collation the database was created with."""

from __future__ import annotations

import pytest
from django.db import connection

from healthqa.kb import selectors
from healthqa.kb.records import AnswerRecord, QuestionRecord
from healthqa.kb.services import questions_import

pytestmark = pytest.mark.django_db

TITLES = ["b-side?", "Zeta?", "alpha?", "Alpha?", "beta?", "Écho?", "a b?", "ab?"]


def test_questions_are_listed_by_title_in_code_point_order() -> None:
    questions_import(records=[
        QuestionRecord(external_id=f"o/{i}", title=title, category_path=("C",), focus="F",
                       answers=(AnswerRecord(body="Text."),))
        for i, title in enumerate(TITLES)], comment="order test")
    listed = [q.title for q in selectors.questions_filter()]
    assert len(listed) == len(TITLES)
    assert listed == sorted(listed)  # Python sorts strings by code point
    # Upper case before lower case, "É" after "z": no linguistic collation at work.
    assert listed.index("Zeta?") < listed.index("Écho?")
    assert listed[:2] == ["A b?", "Ab?"]
    sql = str(selectors.questions_filter().query)
    assert ('COLLATE "C"' if connection.vendor == "postgresql" else "COLLATE BINARY") in sql
