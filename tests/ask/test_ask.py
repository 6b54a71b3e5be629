"""Ask: ranked answered questions with answers, sources and a confidence said plainly."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from healthqa.ask.services import (
    LOW_CONFIDENCE_MESSAGE,
    MAX_QUESTION_CHARS,
    AskInputError,
    ask_question,
    question_clean,
)
from healthqa.kb.models import Question
from healthqa.search.types import SearchFilters
from tests.kb.conftest import KB, NIH, import_records, record

pytestmark = pytest.mark.django_db

BACK_PAIN = "Why do I have back pain after three months of pregnancy?"


def test_ask_returns_answered_questions_with_answers_authors_and_sources(kb: KB) -> None:
    result = ask_question(text="why do I have back pain, three months pregnant", k=5)
    assert result.hits[0].question == kb.back_pain
    best = result.hits[0]
    assert [a.position for a in best.answers] == [1, 2, 3]
    assert best.answers[0].author is not None
    assert best.answers[0].author.credentials == "MD, obstetrics (demo expert)"
    assert best.question.source is not None and best.question.source.license_name == "CC BY 4.0"
    assert best.confidence in {"high", "medium", "low"}
    assert best.confidence_label in {"Strong match", "Possible match", "Weak match"}
    assert result.confidence == best.confidence  # read from the best hit
    assert all(h.question.status == Question.Status.PUBLISHED for h in result.hits)


def test_drafts_are_never_offered(kb: KB) -> None:
    result = ask_question(text="Why do I feel dizzy in pregnancy?", k=10)
    assert kb.dizzy_draft not in [h.question for h in result.hits]


def test_a_question_answered_only_at_its_source_offers_the_source_link(kb: KB) -> None:
    result = ask_question(text="What are the treatments for placenta previa?", k=3)
    hit = next(h for h in result.hits if h.question == kb.placenta_previa)
    assert hit.answers == () and hit.first_answer is None
    assert hit.answer_at_source
    assert hit.question.source_url == "https://rarediseases.info.nih.gov/diseases/placenta-previa"


def test_nonsense_is_low_confidence_and_says_so_plainly(kb: KB) -> None:
    result = ask_question(text="asdf qwer", k=5)
    assert result.confidence == "low" and result.low_confidence
    assert result.message == LOW_CONFIDENCE_MESSAGE
    assert result.matches == ()
    assert result.related == result.hits  # still listed, as "might be related"


def test_a_confident_ask_splits_matches_from_the_might_be_related_rest(kb: KB) -> None:
    result = ask_question(text="Why do I have back pain after three months of pregnancy?", k=8)
    assert not result.low_confidence and result.message == ""
    assert result.matches[0].question == kb.back_pain
    assert all(h.confidence != "low" for h in result.matches)
    assert all(h.confidence == "low" for h in result.related)
    assert len(result.matches) + len(result.related) == len(result.hits)


def test_empty_and_whitespace_only_questions_are_refused_with_a_clear_message(kb: KB) -> None:
    for text in ("", "   ", "\n\t "):
        with pytest.raises(AskInputError, match="Type your question first"):
            ask_question(text=text)


def test_an_over_long_question_is_refused_naming_the_limit(kb: KB) -> None:
    with pytest.raises(AskInputError, match=r"10,000 characters long.*2,000 characters or fewer"):
        ask_question(text="pain " * 2000)
    assert question_clean("x" * MAX_QUESTION_CHARS)  # the limit itself is fine


def test_whitespace_is_collapsed_before_matching(kb: KB) -> None:
    result = ask_question(text="  back\n\npain   in\tpregnancy ")
    assert result.text == "back pain in pregnancy"


@pytest.mark.parametrize("text", [
    "<script>alert('x')</script> back pain",
    '"foo" OR NEAR(',
    'title: back* AND ("pain" NOT pregnancy) ^ {body}',
    "'; DROP TABLE kb_question; --",
    "\u0000\ufffd\ue000\ue001",
])
def test_hostile_input_is_answered_like_any_other(kb: KB, text: str) -> None:
    result = ask_question(text=text, k=3)
    assert len(result.hits) <= 3
    assert Question.objects.count() == 10  # nothing was harmed


def test_an_urgent_question_carries_its_triage(kb: KB) -> None:
    result = ask_question(text="chest pain and sweating, what should I do?")
    assert result.urgent.urgent and result.urgent.reasons == ("chest pain",)
    assert not ask_question(text="back pain in pregnancy").urgent.urgent


def test_filters_narrow_the_questions_asked_about(kb: KB) -> None:
    result = ask_question(text="pain", k=10,
                          filters=SearchFilters(category_ids=(kb.chest_pain.category_id,)))
    assert [h.question for h in result.hits] == [kb.chest_pain]


def test_loading_the_hits_costs_the_same_few_queries_however_many_there_are(kb: KB) -> None:
    ask_question(text="pregnancy", k=1)  # the vectors are loaded into memory once
    counts = []
    for k in (1, 3, 9):
        with CaptureQueriesContext(connection) as queries:
            result = ask_question(text="pregnancy", k=k)
        assert len(result.hits) == k
        counts.append(len(queries))
    assert counts[0] == counts[1] == counts[2]
    # the index generation, BM25 (ranked in the FTS table, then the published check), the
    # questions, their answers; words' document frequencies are cached after the first ask
    assert counts[0] <= 5, [q["sql"][:80] for q in queries.captured_queries]


@pytest.mark.usefixtures("real_model")
class TestWithTheRealModel:
    """all-MiniLM-L6-v2, as the site runs it, over the demo content."""

    @pytest.fixture(autouse=True)
    def _demo(self, real_model: object, demo: None) -> None:
        """The demo content imported after the model was chosen (so it is embedded by it)."""

    def test_a_pregnant_readers_back_pain_finds_the_back_pain_article_first(self) -> None:
        result = ask_question(text="my lower back hurts, I'm 4 months pregnant", k=5)
        assert result.hits[0].question.title == BACK_PAIN
        assert not result.low_confidence
        assert not result.urgent.urgent

    def test_a_story_with_typos_still_finds_its_question(self) -> None:
        result = ask_question(
            text="Hi, my daugher is 3 and has a temprature of 39 since last night, she is "
                 "drinking ok. When do I need to worry?", k=5)
        assert result.hits[0].question.title == "When should I worry about my child's fever?"

    def test_nonsense_is_low_confidence(self) -> None:
        for text in ("asdf qwer", "zxcv bnm poiu"):
            result = ask_question(text=text, k=5)
            assert result.low_confidence, (text, result.hits[0].match)

    def test_an_emergency_leads_with_guidance_and_still_finds_the_article(self) -> None:
        result = ask_question(text="sudden crushing chest pain and sweating", k=5)
        assert result.urgent.urgent
        assert result.hits[0].question.title == "When is chest pain an emergency?"


def test_a_question_asked_again_by_another_source_is_folded_into_the_first(kb: KB) -> None:
    import_records([record("pages/fibroids-nih", "What are fibroids?", source=NIH,
                           is_demo=False, focus="Fibroids")])
    result = ask_question(text="What are fibroids?", k=3)
    titles = [h.question.title for h in result.hits]
    assert titles.count("What are fibroids?") == 1 and len(titles) == 3
    first = result.hits[0]
    sources = {q.source.key for q in (first.question, *first.others) if q.source}
    assert sources == {"demo", "GARD"}
