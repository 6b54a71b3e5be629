"""Small knowledge bases for the search tests, made by code through the import service."""

from __future__ import annotations

import random
from collections.abc import Sequence

from healthqa.kb.models import Question
from healthqa.kb.records import AnswerRecord, QuestionRecord, SourceRecord
from healthqa.kb.services import questions_import
from healthqa.search.vectors import vector_matrix_forget

GARD = SourceRecord(key="GARD", name="Genetic and Rare Diseases Information Center")
NIDDK = SourceRecord(key="NIDDK", name="National Institute of Diabetes and Digestive and Kidney "
                                      "Diseases")

# MedQuAD's question types and how its titles ask them.
TEMPLATES = {
    "information": "What is {f}?",
    "symptoms": "What are the symptoms of {f}?",
    "causes": "What causes {f}?",
    "treatment": "What are the treatments for {f}?",
    "exams and tests": "How to diagnose {f}?",
    "prevention": "How to prevent {f}?",
    "outlook": "What is the outlook for {f}?",
}
FOCI = (
    "Gout", "Glaucoma", "Asthma", "Psoriasis", "Anemia", "Migraine", "Celiac disease",
    "Kidney stones", "Shingles", "Scoliosis", "Rosacea", "Lupus", "Sciatica", "Tinnitus",
    "Vertigo", "Eczema", "Hepatitis B", "Bronchitis", "Cataract", "Gallstones",
)
WORDS = ("pain swelling joint kidney liver blood pressure sugar diet exercise medicine dose "
         "doctor test scan surgery rest fever cough rash itch vision hearing sleep weight "
         "bone muscle nerve skin lung heart stomach infection virus family gene").split()


def answer_text(rng: random.Random, focus: str, qtype: str) -> str:
    """A few sentences naming the focus, with words drawn from a small vocabulary."""
    sentences = [f"This is about the {qtype} of {focus}."]
    for _ in range(rng.randint(2, 4)):
        sentences.append(" ".join(rng.choice(WORDS) for _ in range(8)).capitalize() + ".")
    return " ".join(sentences)


def records(*, foci: Sequence[str] = FOCI, seed: int = 7, prefix: str = "t"
            ) -> list[QuestionRecord]:
    """One question per focus and type, in two categories and two sources; some unanswered."""
    rng = random.Random(seed)
    out = []
    for i, focus in enumerate(foci):
        for j, (qtype, template) in enumerate(TEMPLATES.items()):
            answered = (i + j) % 9 != 4
            out.append(QuestionRecord(
                external_id=f"{prefix}/{i}/{j}",
                title=template.format(f=focus),
                category_path=("Conditions", "Joints") if i % 2 else ("Conditions", "Other"),
                focus=focus,
                question_type=qtype,
                source=GARD if i % 3 else NIDDK,
                source_url=f"https://example.org/{prefix}/{i}/{j}",
                answers=(AnswerRecord(body=answer_text(rng, focus, qtype)),) if answered else (),
            ))
    return out


def build(recs: Sequence[QuestionRecord] | None = None) -> dict[str, Question]:
    """Import the records (the default corpus when None); questions by external id."""
    vector_matrix_forget()
    recs = list(records()) if recs is None else list(recs)
    questions_import(records=recs, comment="search test corpus")
    return {q.external_id: q for q in Question.objects.filter(
        external_id__in=[r.external_id for r in recs])}
