"""BM25 over SQLite FTS5: what it finds, how filters restrict it, how snippets are made safe."""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from healthqa.kb.models import Category
from healthqa.kb.records import AnswerRecord, QuestionRecord
from healthqa.search.backends import lexical_backend
from healthqa.search.backends.sqlite import (
    fts_query,
    fts_query_bounded,
    lexical_frequencies_forget,
)
from healthqa.search.engine import LexicalSearcher, lexical_searcher
from healthqa.search.text import highlight_html
from healthqa.search.types import SearchFilters
from tests.pg import on_postgresql
from tests.search.corpus import GARD, build

pytestmark = pytest.mark.django_db


def ext_ids(hits: list, questions: dict) -> list[str]:
    by_pk = {q.pk: ext for ext, q in questions.items()}
    return [by_pk[h.question_id] for h in hits]


def test_a_question_is_found_by_the_words_of_its_title_first() -> None:
    questions = build()
    hits = lexical_searcher().search("treatments for gout", k=5)
    assert ext_ids(hits, questions)[0] == "t/0/3"  # "What are the treatments for Gout?"
    assert all(h.score > 0 and h.lexical == h.score for h in hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_words_found_only_in_an_answer_or_a_focus_synonym_find_the_question() -> None:
    questions = build([
        QuestionRecord(external_id="x/1", title="What is Gout?", category_path=("C",),
                       focus="Gout", focus_synonyms=("podagra",),
                       answers=(AnswerRecord(body="Uric acid crystals build up in a joint."),)),
        QuestionRecord(external_id="x/2", title="What is Asthma?", category_path=("C",),
                       focus="Asthma", answers=(AnswerRecord(body="The airways narrow."),)),
    ])
    searcher = lexical_searcher()
    assert ext_ids(searcher.search("podagra", k=5), questions) == ["x/1"]
    assert ext_ids(searcher.search("crystals", k=5), questions) == ["x/1"]
    assert ext_ids(searcher.search("airways", k=5), questions) == ["x/2"]


def test_filters_restrict_hits_to_a_category_a_source_and_answered_questions() -> None:
    questions = build()
    searcher = lexical_searcher()
    joints = Category.objects.get(name="Joints")
    in_joints = searcher.search("symptoms", k=50,
                                filters=SearchFilters(category_ids=(joints.pk,)))
    assert in_joints and all(questions[e].category_id == joints.pk
                             for e in ext_ids(in_joints, questions))
    from_gard = searcher.search("symptoms", k=50, filters=SearchFilters(source_key=GARD.key))
    assert from_gard and all(questions[e].source.key == "GARD"
                             for e in ext_ids(from_gard, questions))
    answered = searcher.search("symptoms", k=50, filters=SearchFilters(has_answer=True))
    unanswered = searcher.search("symptoms", k=50, filters=SearchFilters(has_answer=False))
    assert answered and unanswered
    assert all(questions[e].has_answer for e in ext_ids(answered, questions))
    assert not any(questions[e].has_answer for e in ext_ids(unanswered, questions))
    assert searcher.search("symptoms", k=50, filters=SearchFilters(source_key="nope")) == []
    assert searcher.search("symptoms", k=50, filters=SearchFilters(category_ids=())) == []


def test_stop_words_punctuation_and_fts_syntax_are_never_errors() -> None:
    build()
    searcher = lexical_searcher()
    assert searcher.search("what is the", k=5) == []
    assert searcher.search("?!... ---", k=5) == []
    assert searcher.search("", k=5) == []
    for nasty in ('gout" OR "asthma', "NEAR(gout asthma)", "gout*", "title:gout", "-gout ^x",
                  "AND OR NOT", "'; DROP TABLE search_fts; --"):
        searcher.search(nasty, k=5)  # must not raise an FTS5 syntax error


def test_a_query_becomes_quoted_content_words_joined_by_or() -> None:
    assert fts_query("How is GOUT treated?") == '"gout" OR "treated"'
    assert fts_query('what about "gout"') == '"gout"'
    assert fts_query("what is the") == ""


def test_snippets_escape_stored_markup_and_mark_only_query_words() -> None:
    questions = build([
        QuestionRecord(
            external_id="x/1", title="What is Gout?", category_path=("C",), focus="Gout",
            answers=(AnswerRecord(body="Gout <script>alert(1)</script> & uric acid crystals.",
                                  body_format="text"),),
        ),
    ])
    searcher = lexical_backend()
    pk = questions["x/1"].pk
    raw = searcher.snippets("uric crystals", [pk])[pk]
    html = highlight_html(raw)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "&amp;" in html
    assert "<mark>uric</mark>" in html and "<mark>crystals</mark>" in html
    assert html.count("<mark>") == 2
    assert searcher.snippets("what is", [pk]) == {}


@pytest.mark.skipif(on_postgresql(), reason="FTS5's MATCH expressions: SQLite's backend")
def test_the_most_common_words_are_dropped_from_the_fts5_expression() -> None:
    lexical_frequencies_forget()
    build()  # "symptoms" is in 20 titles, "gout" in 7, "shingles" in 7
    assert fts_query_bounded("symptoms of gout", budget=0) == '"symptoms" OR "gout"'
    assert fts_query_bounded("symptoms of gout", budget=100) == '"symptoms" OR "gout"'
    # A budget of 10 rows: the rarest word fits, the common one would exceed it.
    assert fts_query_bounded("symptoms of gout", budget=10) == '"gout"'
    assert fts_query_bounded("gout shingles symptoms", budget=14) == '"gout" OR "shingles"'
    # Only common words: the rarest is kept up to five times the budget, then none.
    assert fts_query_bounded("symptoms", budget=10) == '"symptoms"'
    assert fts_query_bounded("symptoms", budget=3) == ""
    # Words found nowhere cost nothing: kept (they may be written before the count expires).
    assert fts_query_bounded("zzyzx gout", budget=10) == '"zzyzx" OR "gout"'


def test_the_most_common_words_are_dropped_when_a_query_would_score_too_many_rows() -> None:
    lexical_frequencies_forget()
    questions = build()  # "symptoms" is in 20 titles, "gout" in 7, "shingles" in 7
    bounded = LexicalSearcher(backend=lexical_backend(), budget=10).search("symptoms of gout", k=50)
    gout = {q.pk for q in questions.values() if q.focus == "Gout"}
    assert {h.question_id for h in bounded} == gout
    unbounded = LexicalSearcher(backend=lexical_backend(), budget=0).search(
        "symptoms of gout", k=50)
    assert len(unbounded) > len(bounded)


@pytest.mark.django_db(transaction=True)
def test_a_backend_built_on_one_thread_serves_the_others() -> None:
    # The searchers are built once per process and shared by every server thread, and a
    # Django connection belongs to the thread that opened it.
    build()
    searcher = lexical_searcher()
    found: list[int] = []
    errors: list[BaseException] = []

    def ask() -> None:
        try:
            found.extend(h.question_id for h in searcher.search("treatments for gout", k=5))
        except BaseException as exc:  # handed to the test's thread
            errors.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=ask)
    thread.start()
    thread.join()
    assert not errors and found
