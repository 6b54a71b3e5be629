"""Importing writes whole files or nothing, goes on past bad files, and is idempotent."""

from __future__ import annotations

from pathlib import Path

import pytest
from reversion.models import Version

from healthqa.importers.api import ImportAborted, jsonl_import, medquad_import
from healthqa.importers.pipeline import ImportReport, import_units
from healthqa.importers.units import ParsedUnit
from healthqa.kb import selectors
from healthqa.kb.models import Answer, Author, Category, Question, Source
from healthqa.kb.records import AnswerRecord, QuestionRecord, SourceRecord
from tests.importers.crafted import jsonl, medquad_xml, question_line, write

pytestmark = pytest.mark.django_db

STROKE = [
    ("What is (are) Stroke ?", "information", "A stroke is when blood flow to the brain stops."),
    ("What are the symptoms of Stroke ?", "symptoms", "Sudden numbness or weakness."),
    ("How to prevent Stroke ?", "prevention", "Control your blood pressure."),
]


@pytest.fixture
def medquad(tmp_path: Path) -> Path:
    """Two good files in two subsets, as a medquad folder."""
    root = tmp_path / "medquad"
    write(root / "2_GARD_QA" / "0000001.xml", medquad_xml())
    write(root / "8_NHLBI_QA_XML" / "0000002.xml",
          medquad_xml(doc_id="0000002", source="NHLBI", focus="Stroke", pairs=STROKE))
    return root


def ids_of(path_part: str) -> list[str]:
    return sorted(
        Question.objects.filter(external_id__contains=path_part).values_list(
            "external_id", flat=True)
    )


def test_a_medquad_folder_imports_with_source_focus_type_and_category(medquad: Path) -> None:
    report = medquad_import(path=medquad)
    assert (report.files, report.created, report.errors) == (2, 5, [])
    question = Question.objects.select_related("source", "category__parent").get(
        external_id="2_GARD_QA/0000001#2")
    assert (question.title, question.question_type, question.focus) == (
        "What causes Gout?", "causes", "Gout")
    assert question.source is not None and question.source.key == "GARD"
    assert question.source.license_name == "CC BY 4.0"
    assert question.category.name == "Bones, joints and muscles"
    assert question.has_answer
    (answer,) = question.answers.all()
    assert answer.body_format == "text" and answer.source == question.source


def test_a_second_run_creates_nothing_and_changes_nothing(medquad: Path) -> None:
    medquad_import(path=medquad)
    before = dict(Question.objects.values_list("external_id", "updated_at"))
    report = medquad_import(path=medquad)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 5)
    assert dict(Question.objects.values_list("external_id", "updated_at")) == before
    assert Answer.objects.count() == 5


def test_a_changed_answer_updates_its_question_in_place(medquad: Path) -> None:
    medquad_import(path=medquad)
    pk = Question.objects.get(external_id="8_NHLBI_QA_XML/0000002#3").pk
    changed = [*STROKE[:2], (STROKE[2][0], STROKE[2][1], "Control blood pressure; stop smoking.")]
    write(medquad / "8_NHLBI_QA_XML" / "0000002.xml",
          medquad_xml(doc_id="0000002", source="NHLBI", focus="Stroke", pairs=changed))
    report = medquad_import(path=medquad)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 4)
    question = Question.objects.get(external_id="8_NHLBI_QA_XML/0000002#3")
    assert question.pk == pk
    assert [a.body for a in question.answers.all()] == ["Control blood pressure; stop smoking."]
    assert Question.objects.count() == 5 and Answer.objects.count() == 5


def test_empty_answers_keep_the_source_url_and_have_no_answers(tmp_path: Path) -> None:
    url = "https://www.nlm.nih.gov/medlineplus/ency/article/000422.htm"
    write(tmp_path / "10_MPlus_ADAM_QA" / "0000422.xml",
          medquad_xml(source="ADAM", url=url, pairs=[("What causes Gout ?", "causes", "")]))
    medquad_import(path=tmp_path / "10_MPlus_ADAM_QA")
    question = Question.objects.get(external_id="10_MPlus_ADAM_QA/0000422#1")
    assert question.source_url == url
    assert not question.has_answer and question.excerpt == ""
    assert question.answers.count() == 0


BAD = {
    "malformed.xml": b"<Document source='GARD'><Focus>Gout</Document>",
    "truncated.xml": medquad_xml(doc_id="0000010").encode()[:400],
    "latin1.xml": medquad_xml(doc_id="0000011", focus="Ménière disease").encode("latin-1"),
    "utf16.xml": medquad_xml(doc_id="0000012").replace("UTF-8", "UTF-16").encode("utf-16"),
    "empty.xml": b"",
    "noquestion.xml": medquad_xml(doc_id="0000013",
                                  pairs=[("What is Gout ?", "information", "x"), ("", "", "y")]
                                  ).encode(),
}


def test_bad_files_are_reported_at_the_end_and_good_ones_are_imported(medquad: Path) -> None:
    for name, content in BAD.items():
        write(medquad / "2_GARD_QA" / name, content)
    report = medquad_import(path=medquad)
    assert report.files == 2 + len(BAD)
    assert report.created == 5
    assert sorted(Path(p).name for p, _ in report.errors) == sorted(BAD)
    reasons = {Path(p).name: r for p, r in report.errors}
    assert reasons["truncated.xml"].startswith("truncated or malformed XML")
    assert "not valid UTF-8" in reasons["latin1.xml"]
    assert "UTF-16" in reasons["utf16.xml"]
    assert reasons["noquestion.xml"] == "pair 2 (pid 4) has no question text"
    # Nothing of a bad file was written, not even its good first pair.
    assert ids_of("truncated") == ids_of("noquestion") == []
    assert not Question.objects.filter(focus="Ménière disease").exists()
    summary = report.summary().splitlines()
    assert summary[0] == (
        "MedQuAD import: 8 files, 5 questions: 5 created, 0 updated, 0 unchanged, 6 errors")
    assert f"{medquad / '2_GARD_QA' / 'empty.xml'}: the file is empty" in summary


def test_a_file_whose_url_is_not_http_is_refused_whole_and_the_others_imported(
    medquad: Path,
) -> None:
    bad = write(medquad / "1_CancerGov_QA" / "0000001_1.xml",
                medquad_xml(source="CancerGov", url="javascript:alert(document.domain)"))
    report = medquad_import(path=medquad)
    assert (report.files, report.created) == (3, 5)
    assert report.errors == [(str(bad), (
        "Document url 'javascript:alert(document.domain)' is not an http(s) URL: its scheme is"
        " 'javascript:'; only http:// and https:// links are allowed"))]
    assert f"{bad}: Document url 'javascript:alert(document.domain)'" in report.summary()
    assert ids_of("1_CancerGov_QA") == []
    assert ids_of("2_GARD_QA") == ["2_GARD_QA/0000001#1", "2_GARD_QA/0000001#2"]
    assert not Question.objects.filter(source_url__icontains="javascript").exists()


def test_a_jsonl_line_whose_link_is_not_http_is_refused_and_the_others_imported(
    tmp_path: Path,
) -> None:
    path = write(tmp_path / "content.jsonl", jsonl(
        question_line("t/1"),
        question_line("t/2", source_url=" JaVaScRiPt:alert(1)"),
        question_line("t/3", source={"name": "Evil", "key": "evil",
                                     "license_url": "data:text/html,<script>alert(1)</script>"}),
        question_line("t/4", source_url="https://www.cdc.gov/gout"),
    ))
    report = jsonl_import(path=path)
    assert report.created == 2
    assert [p for p, _ in report.errors] == [f"{path}:2", f"{path}:3"]
    reasons = [r for _, r in report.errors]
    assert reasons[0].startswith("field \"source_url\" 'JaVaScRiPt:alert(1)' is not an http(s)")
    assert reasons[1].startswith('field "source.license_url" \'data:text/html,')
    assert sorted(Question.objects.values_list("external_id", flat=True)) == ["t/1", "t/4"]
    assert not Source.objects.filter(key="evil").exists()


HOSTILE_RECORDS = {
    "question source_url": dict(source_url="javascript:alert(1)"),
    "source url": dict(source=SourceRecord(key="evil", name="Evil", url=" JavaScript:alert(1)")),
    "answer source license_url": dict(answers=(AnswerRecord(
        body="Rest.", source=SourceRecord(key="evil", name="Evil",
                                          license_url="vbscript:msgbox(1)")),)),
}


@pytest.mark.parametrize("kind", HOSTILE_RECORDS)
def test_the_import_service_refuses_a_link_that_is_not_http_before_writing(kind: str) -> None:
    """The last defence, for records that did not come through a parser."""
    units = [
        ParsedUnit("good", (QuestionRecord(external_id="t/1", title="What is acne?",
                                           category_path=("Skin",)),)),
        ParsedUnit("hostile", (QuestionRecord(external_id="t/2", title="What is a rash?",
                                              category_path=("Skin",),
                                              **HOSTILE_RECORDS[kind]),)),  # type: ignore[arg-type]
    ]
    report = import_units(kind="Test", units=units, files=1, total=2, unit_name="unit",
                          strict=False, batch_size=100, progress=False)
    assert report.created == 1
    ((path, reason),) = report.errors
    expected = {
        "question source_url": "question 't/2' source_url 'javascript:alert(1)'",
        "source url": "source 'evil' url 'JavaScript:alert(1)'",
        "answer source license_url": "source 'evil' license_url 'vbscript:msgbox(1)'",
    }[kind]
    assert path == "hostile"
    assert reason.startswith(f"could not be written: {expected} is not an http(s) URL: ")
    assert list(Question.objects.values_list("external_id", flat=True)) == ["t/1"]
    assert not Source.objects.filter(key="evil").exists()


def test_strict_stops_at_the_first_bad_file_with_files_before_it_complete(
    medquad: Path,
) -> None:
    write(medquad / "5_NIDDK_QA" / "0000003.xml", b"<Document source='NIDDK'><QAPairs>")
    with pytest.raises(ImportAborted) as aborted:
        medquad_import(path=medquad, strict=True)
    report = aborted.value.report
    assert report.errors == [(str(medquad / "5_NIDDK_QA" / "0000003.xml"),
                              report.errors[0][1])]
    assert "5_NIDDK_QA/0000003.xml" in str(aborted.value)
    # 2_GARD_QA came before the bad file: written whole. 8_NHLBI_QA_XML came after: not read.
    assert ids_of("2_GARD_QA") == ["2_GARD_QA/0000001#1", "2_GARD_QA/0000001#2"]
    assert ids_of("8_NHLBI") == []
    # Fixing the file and re-running completes the import.
    write(medquad / "5_NIDDK_QA" / "0000003.xml", medquad_xml(doc_id="0000003", source="NIDDK"))
    report = medquad_import(path=medquad, strict=True)
    assert (report.created, report.unchanged, report.errors) == (5, 2, [])


def test_small_batches_never_split_a_file(medquad: Path) -> None:
    report = medquad_import(path=medquad, batch_size=1)
    assert (report.created, report.errors) == (5, [])
    assert len({q.pk for q in Question.objects.all()}) == 5


def test_a_unit_the_database_refuses_is_reported_and_the_rest_of_its_batch_written() -> None:
    def record(external_id: str, title: str) -> QuestionRecord:
        return QuestionRecord(external_id=external_id, title=title, category_path=("Skin",))

    units = [
        ParsedUnit("good-1", (record("t/1", "What is acne?"),)),
        ParsedUnit("twice", (record("t/2", "What is a rash?"), record("t/2", "A rash?"))),
        ParsedUnit("good-2", (record("t/3", "What is eczema?"),)),
    ]
    report = import_units(kind="Test", units=units, files=1, total=3, unit_name="unit",
                          strict=False, batch_size=100, progress=False)
    assert report.created == 2
    assert report.errors == [
        ("twice", "could not be written: external id 't/2' appears twice in one batch")]
    assert sorted(Question.objects.values_list("external_id", flat=True)) == ["t/1", "t/3"]


def test_an_import_records_revisions_of_questions_and_answers(medquad: Path) -> None:
    medquad_import(path=medquad)
    question = Question.objects.get(external_id="2_GARD_QA/0000001#1")
    (version,) = Version.objects.get_for_object(question)
    assert version.revision.comment == "MedQuAD import"
    assert version.field_dict["title"] == "What is Gout?"
    assert version.field_dict["tags"] == []
    (answer_version,) = Version.objects.get_for_object(question.answers.get())
    assert answer_version.revision_id == version.revision_id
    assert answer_version.field_dict["body"] == "Gout is a kind of arthritis of the joints."


def test_an_import_clears_the_cached_category_tree(medquad: Path) -> None:
    selectors.category_tree_clear()
    assert selectors.category_tree() == {}  # kept: the import must start a new generation
    medquad_import(path=medquad)
    names = {node.name for node in selectors.category_tree().values()}
    assert {"Bones, joints and muscles", "Brain and nerves"} <= names


def test_a_missing_path_or_an_empty_folder_is_an_error_not_a_crash(tmp_path: Path) -> None:
    report = medquad_import(path=tmp_path / "nowhere")
    assert report.errors == [(str(tmp_path / "nowhere"), "no such file or folder")]
    with pytest.raises(ImportAborted):
        medquad_import(path=tmp_path, strict=True)


def test_jsonl_imports_good_lines_reports_bad_ones_and_is_idempotent(tmp_path: Path) -> None:
    path = write(tmp_path / "content.jsonl", jsonl(
        question_line("t/1"),
        question_line("t/2", status="live"),
        question_line("t/1", title="A duplicate"),
        question_line("t/3", category="Pregnancy and women's health/Women's health",
                      last_reviewed="2026-09-01"),
    ))
    report = jsonl_import(path=path)
    assert (report.files, report.created) == (1, 2)
    assert [p for p, _ in report.errors] == [f"{path}:2", f"{path}:3"]
    author = Author.objects.get()
    assert author.is_demo and author.display_name == "Dr. Ana Demo"
    women = Category.objects.get(name="Women's health")
    assert women.parent is not None and women.parent.name == "Pregnancy and women's health"
    assert Question.objects.get(external_id="t/3").last_reviewed_at.isoformat() == "2026-09-01"
    again = jsonl_import(path=path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)


def test_a_strict_jsonl_import_stops_at_the_first_bad_line(tmp_path: Path) -> None:
    path = write(tmp_path / "c.jsonl", jsonl(
        question_line("t/1"), question_line("t/2", title=""), question_line("t/3")))
    with pytest.raises(ImportAborted, match=r"c\.jsonl:2: field \"title\" is empty"):
        jsonl_import(path=path, strict=True)
    assert list(Question.objects.values_list("external_id", flat=True)) == ["t/1"]


def test_the_summary_reads_as_documented() -> None:
    report = ImportReport(kind="MedQuAD", files=16_421, created=47_457,
                          errors=[("a.xml", "the file is empty")])
    assert report.summary() == (
        "MedQuAD import: 16,421 files, 47,457 questions: 47,457 created, 0 updated, "
        "0 unchanged, 1 error\na.xml: the file is empty"
    )
