"""A small knowledge base written by code: a few conditions, each asked about three ways."""

from __future__ import annotations

from healthqa.kb.records import AnswerRecord, QuestionRecord, SourceRecord
from healthqa.kb.services import questions_import

SOURCE = SourceRecord(key="GARD", name="Genetic and Rare Diseases Information Center",
                      url="https://rarediseases.info.nih.gov/",
                      license_name="Public domain (US government work)")
# condition -> (what it is, how it is treated, its symptoms)
CONDITIONS = {
    "Gout": ("Gout is a kind of arthritis caused by too much uric acid in the blood.",
             "Attacks are treated with anti-inflammatory medicines and colchicine; "
             "allopurinol lowers uric acid over the long term.",
             "Sudden, severe pain, redness and swelling in a joint, often the big toe."),
    "Glaucoma": ("Glaucoma is a group of eye diseases that damage the optic nerve.",
                 "Eye drops, laser trabeculoplasty or surgery lower the pressure in the eye.",
                 "Often none at first; later, loss of side vision."),
    "Asthma": ("Asthma is a long-term disease of the airways of the lungs.",
               "Inhaled corticosteroids control it; quick-relief inhalers open the airways.",
               "Wheezing, coughing, chest tightness and shortness of breath."),
    "Psoriasis": ("Psoriasis is a skin disease that causes red, itchy, scaly patches.",
                  "Creams, light therapy and medicines that calm the immune system.",
                  "Red patches of skin covered with silvery scales, itching and soreness."),
    "Migraine": ("Migraine is a headache disorder with recurring attacks of throbbing pain.",
                 "Pain relievers and triptans stop attacks; daily medicines can prevent them.",
                 "Throbbing pain on one side of the head, nausea, sensitivity to light."),
}
TEMPLATES = (("information", "What is (are) {x} ?"),
             ("treatment", "What are the treatments for {x} ?"),
             ("symptoms", "What are the symptoms of {x} ?"))
UNANSWERED_URL = "https://medlineplus.gov/ency/article/000422.htm"


def crafted_records() -> list[QuestionRecord]:
    """Three answered questions per condition, and one question answered only at its source."""
    records = []
    for n, (focus, answers) in enumerate(CONDITIONS.items(), start=1):
        for m, ((qtype, template), answer) in enumerate(zip(TEMPLATES, answers, strict=True), 1):
            records.append(QuestionRecord(
                external_id=f"crafted/{n:02d}-{m}", title=template.format(x=focus),
                category_path=("Conditions",), focus=focus, question_type=qtype,
                source=SOURCE, source_url=f"https://rarediseases.info.nih.gov/diseases/{n}",
                answers=(AnswerRecord(body=answer, body_format="text", source=SOURCE),)))
    records.append(QuestionRecord(
        external_id="crafted/99-1", title="What causes Gout ?", category_path=("Conditions",),
        focus="Gout", question_type="causes", source_url=UNANSWERED_URL))
    return records


def crafted_kb_write() -> int:
    """Write the crafted questions through the services (so the search index follows)."""
    counts = questions_import(records=crafted_records(), comment="crafted test content")
    return counts.created
