"""A small knowledge base built by code through the import service, for the page tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date

import pytest

from healthqa.kb import selectors
from healthqa.kb.models import Question
from healthqa.kb.records import AnswerRecord, AuthorRecord, QuestionRecord, SourceRecord
from healthqa.kb.services import questions_import

DEMO = SourceRecord(
    key="demo", name="healthqa demo content", url="https://example.org/demo",
    license_name="CC BY 4.0", license_url="https://creativecommons.org/licenses/by/4.0/",
)
NIH = SourceRecord(
    key="GARD", name="Genetic and Rare Diseases Information Center (GARD)",
    url="https://rarediseases.info.nih.gov/",
    license_name="CC BY 4.0", license_url="https://creativecommons.org/licenses/by/4.0/",
)
OBSTETRICIAN = AuthorRecord(name="Dr. Ana Demo", credentials="MD, obstetrics (demo expert)",
                            is_demo=True)
MIDWIFE = AuthorRecord(name="Sam Demo", credentials="RN, midwife (demo expert)", is_demo=True)
PHYSIO = AuthorRecord(name="Lee Demo", credentials="Physiotherapist (demo expert)", is_demo=True)

WOMEN = "Pregnancy and women's health"
PREGNANCY = (WOMEN, "Pregnancy")
HEART = ("Heart and blood",)

# Long enough that every excerpt is cut (services.EXCERPT_CHARS is 220).
FILLER = (
    "Rest when you can, keep gently active, and ask your midwife or doctor before taking any "
    "medicine, because many common medicines are not advised in pregnancy and some need a "
    "different dose or a different choice altogether."
)


def answer(lead: str, author: AuthorRecord | None = None,
           source: SourceRecord | None = None) -> AnswerRecord:
    """An answer whose first sentence is `lead`, long enough to be excerpted."""
    return AnswerRecord(body=f"{lead} {FILLER}", author=author, source=source)


def record(external_id: str, title: str, **fields: object) -> QuestionRecord:
    """A published demo question in Pregnancy with one answer, unless told otherwise."""
    defaults: dict[str, object] = {
        "category_path": PREGNANCY,
        "source": DEMO,
        "is_demo": True,
        "answers": (answer(f"About {title.lower()}", OBSTETRICIAN),),
    }
    return QuestionRecord(external_id=external_id, title=title,
                          **{**defaults, **fields})  # type: ignore[arg-type]


BACK_PAIN = record(
    "pages/back-pain",
    "Why do I have back pain after three months of pregnancy?",
    body="I am 14 weeks pregnant and my lower back aches by the evening. Why?",
    focus="Back pain in pregnancy",
    question_type="causes",
    last_reviewed=date(2025, 3, 4),
    answers=(
        answer("Your growing womb moves your centre of gravity forward.", OBSTETRICIAN),
        AnswerRecord(body="Try these:\n\n- a firm mattress\n- a pillow between your knees\n\n"
                          + FILLER, author=MIDWIFE),
        answer("Gentle exercise such as swimming strengthens the back.", PHYSIO),
    ),
)

# In Pregnancy, by title: exercise, morning sickness, sleep with back pain, placenta previa,
# pre-eclampsia, [draft: dizzy], BACK PAIN, ankles. "When is chest pain..." sorts between
# pre-eclampsia and back pain but is in another category; the draft must be skipped too.
RECORDS: tuple[QuestionRecord, ...] = (
    BACK_PAIN,
    record("pages/exercise", "Can I exercise while pregnant?", focus="Exercise in pregnancy"),
    record("pages/morning-sickness", "How can I ease morning sickness?",
           focus="Morning sickness", question_type="treatment"),
    record("pages/sleep-back-pain", "How can I sleep with back pain in pregnancy?",
           focus="Back pain in pregnancy", question_type="treatment"),
    record(
        # A MedQuAD pair whose answer was removed for copyright reasons.
        "pages/placenta-previa", "What are the treatments for placenta previa?",
        focus="Placenta previa", question_type="treatment", source=NIH, is_demo=False,
        source_url="https://rarediseases.info.nih.gov/diseases/placenta-previa", answers=(),
    ),
    record("pages/pre-eclampsia", "What is pre-eclampsia?", focus="Pre-eclampsia in pregnancy",
           question_type="information"),
    record("pages/dizzy-draft", "Why do I feel dizzy in pregnancy?", focus="Dizziness",
           status="draft"),
    record("pages/ankles", "Why do my ankles swell in pregnancy?", focus="Swelling in pregnancy"),
    record("pages/chest-pain", "When is chest pain an emergency?", category_path=HEART,
           focus="Chest pain", is_demo=False, source=NIH),
    record("pages/fibroids", "What are fibroids?", category_path=(WOMEN, "Women's health"),
           focus="Fibroids"),
)


@dataclass(frozen=True)
class KB:
    """The imported questions, by a short name."""

    back_pain: Question
    exercise: Question
    morning_sickness: Question
    sleep_back_pain: Question
    placenta_previa: Question
    pre_eclampsia: Question
    dizzy_draft: Question
    ankles: Question
    chest_pain: Question
    fibroids: Question


def import_records(records: tuple[QuestionRecord, ...] | list[QuestionRecord]) -> None:
    """Import records through the service, as the importers do, and forget cached reads."""
    questions_import(records=records, comment="page test fixture")
    selectors.category_tree_clear()


@pytest.fixture(autouse=True)
def fresh_read_caches() -> Iterator[None]:
    """The category tree and topic index outlive a request; no test may see another's."""
    selectors.category_tree_clear()
    yield
    selectors.category_tree_clear()


@pytest.fixture
def kb(db: None) -> KB:
    """Ten questions in three categories, one a draft and one answered only at its source."""
    import_records(RECORDS)
    by_id = {q.external_id: q for q in Question.objects.select_related("category", "source")}
    return KB(**{
        name: by_id[f"pages/{name.replace('_', '-')}"] for name in KB.__dataclass_fields__
    })


@pytest.fixture
def many_questions(db: None) -> Callable[..., list[Question]]:
    """Import `n` answered questions 'Topic 001'... into one category, returned by title."""

    def make(n: int, *, category: tuple[str, ...] = ("Many",), answers: int = 1,
             prefix: str = "many") -> list[Question]:
        records = [
            QuestionRecord(
                external_id=f"pages/{prefix}-{i:03d}",
                title=f"{prefix.title()} question {i:03d}?",
                category_path=category,
                focus=f"{prefix.title()} topic {i:03d}",
                source=NIH,
                answers=tuple(answer(f"Answer {a} to question {i}.",
                                     AuthorRecord(name=f"Expert {a}", credentials="MD"))
                              for a in range(1, answers + 1)),
            )
            for i in range(1, n + 1)
        ]
        import_records(records)
        return list(Question.objects.filter(external_id__startswith=f"pages/{prefix}-"))

    return make
