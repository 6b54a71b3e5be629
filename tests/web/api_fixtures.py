"""A small knowledge base built by code for the JSON API tests (import these fixtures)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date

import pytest

from healthqa.kb import selectors
from healthqa.kb.models import Question
from healthqa.kb.records import AnswerRecord, AuthorRecord, QuestionRecord, SourceRecord
from healthqa.kb.services import questions_import

GARD = SourceRecord(
    key="GARD",
    name="Genetic and Rare Diseases Information Center",
    url="https://rarediseases.info.nih.gov/",
    license_name="CC BY 4.0",
    license_url="https://creativecommons.org/licenses/by/4.0/",
)
MPLUS = SourceRecord(
    key="MPlus",
    name="MedlinePlus",
    url="https://medlineplus.gov/",
    license_name="CC BY 4.0",
    license_url="https://creativecommons.org/licenses/by/4.0/",
)
DR_ANA = AuthorRecord(name="Dr. Ana Demo", credentials="MD, rheumatology (demo expert)",
                      is_demo=True)
SAM = AuthorRecord(name="Sam Demo", credentials="RN, midwife (demo expert)", is_demo=True)
JOINTS = ("Conditions", "Joints")
PREGNANCY = ("Pregnancy and women's health", "Pregnancy")

RECORDS = (
    QuestionRecord(
        external_id="api/gout-info",
        title="What is gout?",
        body="What is gout and who gets it?",
        category_path=JOINTS,
        focus="Gout",
        question_type="information",
        tags=("joints", "gout"),
        source=GARD,
        source_url="https://rarediseases.info.nih.gov/diseases/gout",
        last_reviewed=date(2025, 3, 1),
        answers=(
            AnswerRecord(body="Gout is a **painful** form of arthritis.", author=DR_ANA),
            AnswerRecord(body="Gout happens when uric acid builds up.", body_format="text",
                         source=GARD),
        ),
    ),
    QuestionRecord(
        external_id="api/gout-causes",
        title="What causes gout?",
        category_path=JOINTS,
        focus="gout",
        question_type="causes",
        source=GARD,
        answers=(AnswerRecord(body="Too much uric acid in the blood.", author=DR_ANA),),
    ),
    QuestionRecord(
        external_id="api/arthritis-symptoms",
        title="What are the symptoms of arthritis?",
        category_path=JOINTS,
        focus="Arthritis",
        question_type="symptoms",
        source=GARD,
        answers=(AnswerRecord(body="Stiff, swollen and painful joints.", author=DR_ANA),),
    ),
    QuestionRecord(
        # MedQuAD-style pair whose answer text was removed: only its source URL remains.
        external_id="api/asthma-info",
        title="What is asthma?",
        category_path=("Conditions",),
        focus="Asthma",
        source=MPLUS,
        source_url="https://medlineplus.gov/asthma.html",
    ),
    QuestionRecord(
        external_id="api/pregnancy-back-pain",
        title="Why do I have back pain in pregnancy?",
        category_path=PREGNANCY,
        focus="Back pain in pregnancy",
        question_type="causes",
        is_demo=True,
        answers=(
            AnswerRecord(body="Your weight and posture change.", author=SAM),
            AnswerRecord(body="Hormones loosen the joints of the pelvis.", author=DR_ANA),
        ),
    ),
    QuestionRecord(
        external_id="api/gout-draft",
        title="Is gout hereditary?",
        category_path=JOINTS,
        focus="Gout",
        status="draft",
        answers=(AnswerRecord(body="Not written yet.", author=DR_ANA),),
    ),
)


def slug_of(external_id: str) -> str:
    """The slug the importer gave the question with this external id."""
    return Question.objects.get(external_id=external_id).slug


@pytest.fixture(autouse=True)
def fresh_category_tree() -> Iterator[None]:
    """The category tree is cached across requests; tests must not see another test's tree."""
    selectors.category_tree_clear()
    yield
    selectors.category_tree_clear()


@pytest.fixture
def api_kb(db: None) -> tuple[QuestionRecord, ...]:
    """Five published questions (one answered only at its source) and one draft."""
    questions_import(records=RECORDS, comment="api test fixture")
    selectors.category_tree_clear()
    return RECORDS


@pytest.fixture
def make_questions(db: None) -> Callable[..., list[QuestionRecord]]:
    """Import `n` answered questions titled 'Question 001'... into one category."""

    def make(n: int, *, category: tuple[str, ...] = ("Paging",), answers: int = 1,
             prefix: str = "page") -> list[QuestionRecord]:
        records = [
            QuestionRecord(
                external_id=f"api/{prefix}-{i:03d}",
                title=f"Question {i:03d}",
                category_path=category,
                focus=f"Topic {i:03d}",
                source=GARD,
                tags=("paging",),
                answers=tuple(
                    AnswerRecord(body=f"Answer {a} to question {i}.",
                                 author=AuthorRecord(name=f"Expert {a}"))
                    for a in range(1, answers + 1)
                ),
            )
            for i in range(1, n + 1)
        ]
        questions_import(records=records, comment="api paging fixture")
        selectors.category_tree_clear()
        return records

    return make
