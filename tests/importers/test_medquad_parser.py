"""The MedQuAD parser reads every XML shape and refuses bad files with a reason; no database."""

from __future__ import annotations

from pathlib import Path

import pytest

from healthqa.importers.medquad import (
    LICENSE_NAME,
    LICENSE_URL,
    SOURCES,
    medquad_files,
    medquad_parse_file,
    medquad_read,
)
from healthqa.importers.units import ParsedUnit, UnitError
from tests.helpers import require_shared
from tests.importers.crafted import medquad_xml, write


def parsed(path: Path) -> ParsedUnit:
    unit = medquad_parse_file(path)
    assert isinstance(unit, ParsedUnit), unit
    return unit


def refused(path: Path) -> str:
    unit = medquad_parse_file(path)
    assert isinstance(unit, UnitError), unit
    assert unit.path == str(path)
    return unit.reason


def test_external_ids_are_subfolder_stem_and_position_not_pid(tmp_path: Path) -> None:
    path = write(tmp_path / "10_MPlus_ADAM_QA" / "0003147.xml", medquad_xml(source="ADAM"))
    ids = [r.external_id for r in parsed(path).records]
    # The crafted pids are 2 and 4: the ids count positions, as MedQuAD's pids have gaps.
    assert ids == ["10_MPlus_ADAM_QA/0003147#1", "10_MPlus_ADAM_QA/0003147#2"]


def test_a_pair_keeps_question_type_focus_synonyms_source_and_url(tmp_path: Path) -> None:
    path = write(
        tmp_path / "2_GARD_QA" / "0000001.xml",
        medquad_xml(synonyms=("Podagra", "Gouty arthritis", "Podagra")),
    )
    first, second = parsed(path).records
    assert (first.title, first.body) == ("What is (are) Gout ?", "What is (are) Gout ?")
    assert (first.question_type, second.question_type) == ("information", "causes")
    assert first.focus == "Gout"
    assert first.focus_synonyms == ("Podagra", "Gouty arthritis")
    assert first.source == SOURCES["GARD"]
    assert first.source.name == "Genetic and Rare Diseases Information Center (GARD)"
    assert (first.source.license_name, first.source.license_url) == (LICENSE_NAME, LICENSE_URL)
    assert first.source_url == "https://rarediseases.info.nih.gov/diseases/0000001/gout"
    (answer,) = first.answers
    assert answer.body == "Gout is a kind of arthritis of the joints."
    assert (answer.body_format, answer.source, answer.author) == ("text", SOURCES["GARD"], None)


def test_all_pairs_of_a_document_share_one_topic_category(tmp_path: Path) -> None:
    path = write(tmp_path / "2_GARD_QA" / "0000001.xml", medquad_xml())
    assert {r.category_path for r in parsed(path).records} == {("Bones, joints and muscles",)}


def test_removed_answers_give_no_answer_but_keep_the_source_url(tmp_path: Path) -> None:
    xml = medquad_xml(
        source="ADAM", url="https://www.nlm.nih.gov/medlineplus/ency/article/000369.htm",
        pairs=[("What causes Gout ?", "causes", ""), ("What is (are) Gout ?", "information", "")],
    )
    records = parsed(write(tmp_path / "10_MPlus_ADAM_QA" / "0000002.xml", xml)).records
    assert [r.answers for r in records] == [(), ()]
    assert {r.source_url for r in records} == {
        "https://www.nlm.nih.gov/medlineplus/ency/article/000369.htm"
    }


def test_the_lower_case_ninds_doc_shape_parses(tmp_path: Path) -> None:
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<doc docid="0000007" corpus="NINDS" url="http://www.ninds.nih.gov/disorders/x.htm">'
        "<doctitle-focus>Holmes-Adie</doctitle-focus><umls><cui></cui></umls><qaPairs>"
        '<pair pid="1"><question qid="0000007-1" qtype="information">what is holmes-adie'
        " syndrome ?</question><answer>A neurological disorder of the pupil.</answer></pair>"
        "</qaPairs></doc>"
    )
    (record,) = parsed(write(tmp_path / "6_NINDS_QA" / "0000007.xml", xml)).records
    assert record.external_id == "6_NINDS_QA/0000007#1"
    assert (record.focus, record.source, record.title) == (
        "Holmes-Adie", SOURCES["NINDS"], "what is holmes-adie syndrome ?")
    assert record.category_path == ("Brain and nerves",)


def test_the_cdc_disease_file_shape_with_umls_under_the_root_parses(tmp_path: Path) -> None:
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<DiseaseFile fid="0000397" source="CDC" url="http://www.cdc.gov/parasites/taeniasis/">'
        "<Focus>Parasites - Taeniasis</Focus><UMLS><CUI></CUI><SemanticType></SemanticType>"
        '</UMLS><QAPairs><QAPair pid="1"><Question qid="0000397-1" qtype="information">'
        "What is (are) Parasites - Taeniasis ?</Question><Answer>A tapeworm infection."
        "</Answer></QAPair></QAPairs></DiseaseFile>"
    )
    (record,) = parsed(write(tmp_path / "9_CDC_QA" / "0000397.xml", xml)).records
    assert record.external_id == "9_CDC_QA/0000397#1"
    assert record.source == SOURCES["CDC"]
    assert record.category_path == ("Infections",)


def test_an_empty_qapairs_element_is_a_document_without_questions(tmp_path: Path) -> None:
    path = write(tmp_path / "5_NIDDK_QA" / "0000056.xml", medquad_xml(source="NIDDK", pairs=[]))
    assert parsed(path).records == ()


def test_a_missing_source_attribute_falls_back_to_the_subset_folder(tmp_path: Path) -> None:
    xml = medquad_xml().replace(' source="GARD"', "")
    (record, _) = parsed(write(tmp_path / "3_GHR_QA" / "0000001.xml", xml)).records
    assert record.source == SOURCES["GHR"]


BAD_FILES: list[tuple[str, bytes, str]] = [
    ("empty", b"", "the file is empty"),
    ("not xml", b"Gout is a kind of arthritis.\n", "not an XML file"),
    ("malformed", b"<Document source='GARD'><Focus>Gout</Document>\n<!-- end -->\n",
     "malformed XML: mismatched tag: line 1"),
    ("truncated", medquad_xml().encode()[:300], "truncated or malformed XML"),
    ("latin-1 declared utf-8", medquad_xml(focus="Maladie de Ménière").encode("latin-1"),
     "not valid UTF-8 (byte 0xe9 on line 3)"),
    ("utf-16", medquad_xml().replace("UTF-8", "UTF-16").encode("utf-16"), "UTF-16 encoded"),
    ("utf-16 without bom", medquad_xml().encode("utf-16-le"), "NUL bytes"),
    ("no qapairs", b"<Document source='GARD'><Focus>Gout</Focus></Document>",
     "no <QAPairs> element: not a MedQuAD document"),
    ("other root", b"<html><body>Gout</body></html>", "unexpected root element <html>"),
    ("pair without question",
     medquad_xml(pairs=[("What is Gout ?", "information", "x"), (" ", "causes", "y")]).encode(),
     "pair 2 (pid 4) has no question text"),
    ("javascript url", medquad_xml(url="javascript:alert(document.domain)").encode(),
     "Document url 'javascript:alert(document.domain)' is not an http(s) URL: its scheme is"
     " 'javascript:'"),
    ("data url", medquad_xml(url="data:text/html,<script>alert(1)</script>").encode(),
     "Document url 'data:text/html,<script>alert(1)</script>' is not an http(s) URL"),
    ("mixed-case url with spaces", medquad_xml(url="  VbScRiPt:msgbox(1)").encode(),
     "Document url 'VbScRiPt:msgbox(1)' is not an http(s) URL"),
    ("control character in url", medquad_xml(url="java\tscript:alert(1)").encode(),
     "Document url 'java\\tscript:alert(1)' is not an http(s) URL: it contains '\\t'"),
    ("scheme-less url", medquad_xml(url="www.cdc.gov/gout").encode(),
     "Document url 'www.cdc.gov/gout' is not an http(s) URL: it has no scheme; write it in full,"
     " e.g. 'https://www.cdc.gov/gout'"),
]


@pytest.mark.parametrize(("kind", "content", "reason"), BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_a_bad_file_is_refused_with_its_path_and_a_clear_reason(
    tmp_path: Path, kind: str, content: bytes, reason: str
) -> None:
    path = write(tmp_path / "2_GARD_QA" / "0000009.xml", content)
    assert reason in refused(path)


def test_a_bad_url_on_the_other_root_elements_is_refused_naming_them(tmp_path: Path) -> None:
    doc = (
        '<doc docid="0000007" corpus="NINDS" url="javascript:alert(1)"><qaPairs><pair pid="1">'
        '<question qtype="information">what is x ?</question><answer>x</answer></pair>'
        "</qaPairs></doc>"
    )
    assert refused(write(tmp_path / "6_NINDS_QA" / "0000007.xml", doc)).startswith(
        "doc url 'javascript:alert(1)' is not an http(s) URL")
    disease = medquad_xml(source="CDC", url="JAVASCRIPT:alert(1)").replace(
        "Document", "DiseaseFile")
    assert refused(write(tmp_path / "9_CDC_QA" / "0000397.xml", disease)).startswith(
        "DiseaseFile url 'JAVASCRIPT:alert(1)' is not an http(s) URL")


def test_an_empty_url_is_allowed_and_spaces_around_a_url_are_removed(tmp_path: Path) -> None:
    (empty, _) = parsed(write(tmp_path / "2_GARD_QA" / "1.xml", medquad_xml(url=""))).records
    assert empty.source_url == ""
    spaced = medquad_xml(url=" https://www.cdc.gov/gout \n")
    (record, _) = parsed(write(tmp_path / "2_GARD_QA" / "2.xml", spaced)).records
    assert record.source_url == "https://www.cdc.gov/gout"


def test_reading_a_folder_yields_one_unit_per_file_in_subset_order(tmp_path: Path) -> None:
    write(tmp_path / "10_MPlus_ADAM_QA" / "0000001.xml", medquad_xml(source="ADAM"))
    write(tmp_path / "2_GARD_QA" / "0000002.xml", medquad_xml())
    write(tmp_path / "2_GARD_QA" / "0000001.xml", b"")
    write(tmp_path / "extra" / "a.xml", medquad_xml(doc_id="a"))
    write(tmp_path / "LICENSE.txt", "not a MedQuAD file")
    units = list(medquad_read(tmp_path))
    assert [Path(u.path).relative_to(tmp_path).as_posix() for u in units] == [
        "2_GARD_QA/0000001.xml", "2_GARD_QA/0000002.xml", "10_MPlus_ADAM_QA/0000001.xml",
        "extra/a.xml"]
    assert [type(u).__name__ for u in units] == [
        "UnitError", "ParsedUnit", "ParsedUnit", "ParsedUnit"]


@pytest.mark.shared
def test_the_four_ninds_doc_files_and_the_cdc_disease_file_parse() -> None:
    medquad = require_shared("data", "medquad")
    for name in ("0000007", "0000018", "0000182", "0000244"):
        records = parsed(medquad / "6_NINDS_QA" / f"{name}.xml").records
        assert records and all(r.source == SOURCES["NINDS"] and r.answers for r in records)
        assert records[0].external_id == f"6_NINDS_QA/{name}#1"
    cdc = parsed(medquad / "9_CDC_QA" / "0000397.xml").records
    assert cdc[0].focus == "Parasites - Taeniasis" and cdc[0].source == SOURCES["CDC"]


@pytest.mark.shared
def test_every_medquad_file_parses_into_47457_pairs_with_unique_ids() -> None:
    medquad = require_shared("data", "medquad")
    units = list(medquad_read(medquad))
    assert [u for u in units if isinstance(u, UnitError)] == []
    records = [r for u in units if isinstance(u, ParsedUnit) for r in u.records]
    assert len(records) == 47_457
    assert len({r.external_id for r in records}) == 47_457
    assert len(medquad_files(medquad / "9_CDC_QA")) == 59
