"""Lists ordered by title come out in the same order on every database: code-point order,
whatever collation the database was created with."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from healthqa.kb import selectors
from healthqa.kb.records import AnswerRecord, QuestionRecord
from healthqa.kb.services import questions_import
from tests.pg import on_postgresql

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


def test_previous_and_next_follow_the_listing_order_through_questions_of_the_same_title() -> None:
    titles = ["Same?", "Alpha?", "Same?", "Zeta?", "Same?", "Écho?"]
    questions_import(records=[
        QuestionRecord(external_id=f"n/{i}", title=title, category_path=("C",), focus="F",
                       answers=(AnswerRecord(body="Text."),))
        for i, title in enumerate(titles)], comment="neighbours test")
    listed = list(selectors.questions_filter())
    assert [q.title for q in listed].count("Same?") == 3
    for i, question in enumerate(listed):
        previous, following = selectors.question_neighbours(question=question)
        assert (previous and previous.pk) == (listed[i - 1].pk if i else None)
        assert (following and following.pk) == (listed[i + 1].pk if i + 1 < len(listed) else None)


def _import(titles: list[str]) -> None:
    questions_import(records=[
        QuestionRecord(external_id=f"c/{i}", title=title, category_path=("C",), focus="F",
                       answers=(AnswerRecord(body="Text."),))
        for i, title in enumerate(titles)], comment="collation test")


@pytest.mark.skipif(not on_postgresql(), reason="PostgreSQL's plan; SQLite's indexes are "
                    "in its BINARY order already")
def test_lists_and_neighbours_by_title_are_read_from_the_title_indexes() -> None:
    # The indexes must be built in the order the queries ask for (code point, "C"), not the
    # database's collation: otherwise PostgreSQL sorts every published question (77 ms for
    # the API's first page at MedQuAD's size) and gathers a category's titles for each page.
    _import([f"Question {i:03d}?" for i in range(300)])
    with connection.cursor() as cur:  # (ANALYZE would leave its row count to later tests)
        cur.execute("SET LOCAL enable_seqscan = off")
        cur.execute("SET LOCAL enable_sort = off")  # can an index give the order?
    plan = selectors.questions_filter()[:20].explain()
    assert "q_title" in plan and "Sort" not in plan, plan
    question = selectors.questions_filter()[150]
    with CaptureQueriesContext(connection) as ctx:
        selectors.question_neighbours(question=question)
    with connection.cursor() as cur:
        cur.execute("EXPLAIN " + ctx.captured_queries[0]["sql"])
        plan = "\n".join(row[0] for row in cur.fetchall())
    # Each side starts its walk at the question: the title and id are the index's condition.
    starts = [line for line in plan.splitlines() if "Index Cond" in line and "ROW(" in line]
    assert len(starts) == 2 and "Sort" not in plan, plan
