"""Suggestions while typing: an FTS5 prefix query on titles, cheap and safe with any input."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from healthqa.ask.suggest import questions_suggest, suggest_terms
from healthqa.kb.models import Question
from healthqa.search.backends.sqlite import suggest_match as backend_match
from tests.kb.conftest import KB, NIH, import_records, record

pytestmark = pytest.mark.django_db


def suggest_match(text: str) -> str:
    """The FTS5 expression the SQLite backend runs for what is typed."""
    return backend_match(*suggest_terms(text))


def titles(text: str, **kwargs: int) -> list[str]:
    return [s.title for s in questions_suggest(text=text, **kwargs)]


def test_the_word_being_typed_is_a_prefix_and_the_others_are_whole_words() -> None:
    assert suggest_terms("back pai") == (["back"], "pai")
    assert suggest_terms("back pain ") == (["back", "pain"], "")
    assert suggest_match("back pai") == 'title : ("back" AND "pai"*)'


def test_stop_words_and_single_letters_are_left_out() -> None:
    assert suggest_terms("what is the p") == ([], "")
    assert suggest_terms("How do I treat gou") == (["treat"], "gou")
    assert suggest_match("what is") == ""


def test_a_word_that_may_still_become_a_stop_word_is_not_a_prefix_yet() -> None:
    # "wha"* would expand to "what", in nearly every title: the costliest query there is.
    assert suggest_terms("wha") == ([], "")
    assert suggest_terms("gout wh") == (["gout"], "")
    assert suggest_terms("whoo") == ([], "whoo")


def test_typed_syntax_is_never_fts5_syntax() -> None:
    match = suggest_match('"foo" OR NEAR(bar, "baz") title:x* ^y -z {body}')
    assert match == 'title : ("foo" AND "near" AND "bar" AND "baz" AND "title" AND "body")'


def test_suggestions_are_titles_containing_the_words_typed_so_far(kb: KB) -> None:
    found = titles("back pa")
    assert set(found) == {kb.back_pain.title, kb.sleep_back_pain.title}
    assert titles("pre-ecl") == [kb.pre_eclampsia.title]


def test_each_suggestion_links_to_its_article(kb: KB) -> None:
    (suggestion,) = questions_suggest(text="fibroi")
    assert suggestion.url == kb.fibroids.get_absolute_url() == f"/q/{suggestion.slug}/"


def test_drafts_are_never_suggested(kb: KB) -> None:
    assert titles("dizz") == []


def test_a_long_question_typed_in_full_falls_back_to_titles_with_any_word(kb: KB) -> None:
    found = titles("my ankles are swelling badly since last week in my pregnancy")
    assert kb.ankles.title in found


def test_a_title_repeated_by_another_source_is_suggested_once(kb: KB) -> None:
    import_records([record("pages/fibroids-nih", "What are fibroids?", source=NIH,
                           is_demo=False, focus="Fibroids")])
    assert Question.objects.filter(title="What are fibroids?").count() == 2
    assert titles("fibroids") == ["What are fibroids?"]


def test_suggestions_are_capped(kb: KB) -> None:
    assert len(titles("pregnan", limit=2)) == 2


@pytest.mark.parametrize("text", [
    "", "   ", "?", '"', '"foo" OR NEAR(', "back*", "NOT", "AND OR NEAR", "title:back",
    "(((", "'", "\u0000", "<script>alert(1)</script>", "x" * 10_000, "back " * 2000,
])
def test_hostile_input_gets_an_answer_not_an_error(kb: KB, text: str) -> None:
    assert isinstance(questions_suggest(text=text), list)


def test_a_suggestion_costs_at_most_two_queries(kb: KB) -> None:
    with CaptureQueriesContext(connection) as queries:
        questions_suggest(text="back pa")
    assert len(queries) == 1
    with CaptureQueriesContext(connection) as queries:
        questions_suggest(text="swollen ankles and zzzz")  # no title has all: any word
    assert len(queries) == 2
