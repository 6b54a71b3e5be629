"""Personal details in a member's text: what is found, what is left alone, and the HTML."""

from __future__ import annotations

import pytest
from django.utils.safestring import SafeString

from healthqa.community import pii
from healthqa.community.pii import (
    Finding,
    personal_details,
    personal_details_html,
    personal_details_summary,
)


def found(text: str) -> list[tuple[str, str]]:
    return [(f.kind, f.text) for f in personal_details(text)]


@pytest.mark.parametrize(("text", "expected"), [
    # Phone numbers, US and international.
    ("Call me on 555-123-4567 tonight", [("phone", "555-123-4567")]),
    ("Home: (555) 123 4567.", [("phone", "(555) 123 4567")]),
    ("my cell is +1 (555) 123-4567", [("phone", "+1 (555) 123-4567")]),
    ("reach me on +44 20 7946 0958 after six", [("phone", "+44 20 7946 0958")]),
    ("mobile 07700 900123", [("phone", "07700 900123")]),
    ("or 1-800-555-1234", [("phone", "1-800-555-1234")]),
    # E-mail addresses.
    ("write to jane.doe+clinic@mail.example.co.uk.",
     [("email", "jane.doe+clinic@mail.example.co.uk")]),
    # Postal addresses: a street and its town and ZIP are one finding; UK postcodes.
    ("I live at 742 Evergreen Terrace, Springfield, IL 62704.",
     [("address", "742 Evergreen Terrace, Springfield, IL 62704")]),
    ("Send it to 221B Baker St., Apt 4 please", [("address", "221B Baker St., Apt 4")]),
    ("near SW1A 1AA", [("address", "SW1A 1AA")]),
    ("my zip code is 90210", [("address", "90210")]),
    # Dates of birth: any full date, and part of a date after "born", "DOB", "birthday".
    ("seen on 03/14/1985", [("date_of_birth", "03/14/1985")]),
    ("since 14.03.1985", [("date_of_birth", "14.03.1985")]),
    ("1985-03-14 was the day", [("date_of_birth", "1985-03-14")]),
    ("I was born on March 14, 1985", [("date_of_birth", "March 14, 1985")]),
    ("on 14 March 1985", [("date_of_birth", "14 March 1985")]),
    ("DOB: 3/14/85", [("date_of_birth", "3/14/85")]),
    ("I was born in 1985", [("date_of_birth", "1985")]),
    ("my birthday is June 2nd", [("date_of_birth", "June 2nd")]),
    # Record numbers: a keyword and an identifier with digits; SSNs by their shape.
    ("MRN: 00123456", [("record_number", "00123456")]),
    ("my NHS number is 943 476 5919", [("record_number", "943 476 5919")]),
    ("SSN 123-45-6789", [("record_number", "123-45-6789")]),
    ("insurance policy number ABC-12345", [("record_number", "ABC-12345")]),
    ("patient ID #A1234567", [("record_number", "A1234567")]),
    # Names: introductions, relatives, titles and sign-offs.
    ("Hi, my name is Jane Doe and I have a rash", [("name", "Jane Doe")]),
    ("I'm Sam, 34", [("name", "Sam")]),
    ("I am Émile O'Brien-Smith.", [("name", "Émile O'Brien-Smith")]),
    ("my son Tom has asthma", [("name", "Tom")]),
    ("My daughter Emma's rash is worse", [("name", "Emma")]),
    ("Dr. Smith said to ask Mrs Jones and Mr. John Smith",
     [("name", "Dr. Smith"), ("name", "Mrs Jones"), ("name", "Mr. John Smith")]),
    ("Is this normal? Thanks, Jane Doe", [("name", "Jane Doe")]),
    ("Any advice welcome.\n\nKind regards,\nJohn Smith\n", [("name", "John Smith")]),
    ("Sincerely, Maria", [("name", "Maria")]),
])
def test_found(text: str, expected: list[tuple[str, str]]) -> None:
    assert found(text) == expected


@pytest.mark.parametrize("text", [
    "take 500 mg twice a day",
    "I have had migraines since 2019",
    "I am 45 years old",
    "I am pregnant and I am worried",
    "my blood pressure is 140/90",
    "Type 2 diabetes, HbA1c 7.5",
    "I have Lupus and Crohn's disease",
    "Metformin makes me sick. Insulin Helps. Diabetes runs in the family.",
    "I am Diabetic. I'm British. I'm Not sure. I am Type 1.",
    "I take B12 5MG and vitamin D 1000 IU daily",
    "walk 5 blocks down the road every day",
    "call NHS 111 or 911 if it gets worse",
    "in March my dose went from 2.5 to 5, 10 to 20 units",
    "I was born premature at 32 weeks",
    "my son has a fever of 39.5 and my wife is worried",
    "I saw Dr. Who on TV",
    "I love Paris",
    "Thanks in advance",
    "Thank you Doctor!",
])
def test_left_alone(text: str) -> None:
    assert personal_details(text) == []


def test_offsets_point_into_the_text() -> None:
    text = ("Hello <b>, I'm Jane Doe.\nCall +44 20 7946 0958 or jane@example.org; DOB 3/14/85;"
            " MRN 00123456; 10 Downing Street, London SW1A 2AA.\nThanks,\nJane")
    findings = personal_details(text)
    assert [f.kind for f in findings] == ["name", "phone", "email", "date_of_birth",
                                          "record_number", "address", "name"]
    for finding in findings:
        assert text[finding.start:finding.end] == finding.text
    assert findings == sorted(findings, key=lambda f: f.start)
    assert all(a.end <= b.start for a, b in zip(findings, findings[1:], strict=False))


def test_overlaps_keep_one_finding() -> None:
    # Shaped like a phone number, but after "NHS number" it is the record number.
    assert found("NHS number 943 476 5919") == [("record_number", "943 476 5919")]
    # "Dr. Lee" is found by the title, not again by "I'm".
    assert found("Hi, I'm Dr. Lee") == [("name", "Dr. Lee")]


def test_labels_and_summary() -> None:
    findings = personal_details("Call 555-123-4567, I'm Jane, or 555-987-6543")
    assert [f.label for f in findings] == ["phone number", "name", "phone number"]
    assert personal_details_summary(findings) == [("phone number", 2), ("name", 1)]
    assert personal_details_summary([]) == []


def test_html_marks_findings_and_escapes_the_rest() -> None:
    html = personal_details_html("<script>alert(1)</script>\nCall 555-123-4567 & thanks")
    assert isinstance(html, SafeString)
    assert html == ("&lt;script&gt;alert(1)&lt;/script&gt;\nCall "
                    '<mark class="pii" data-kind="phone" title="phone number">555-123-4567</mark>'
                    " &amp; thanks")


def test_html_escapes_inside_a_mark(monkeypatch: pytest.MonkeyPatch) -> None:
    text = 'x <img src=x onerror="y"> z'
    monkeypatch.setattr(pii, "personal_details",
                        lambda _: [Finding("name", 2, 25, text[2:25])])
    assert personal_details_html(text) == (
        'x <mark class="pii" data-kind="name" title="name">'
        "&lt;img src=x onerror=&quot;y&quot;&gt;</mark> z")


def test_html_of_plain_text_is_only_escaped() -> None:
    assert personal_details_html("a < b, 140/90") == "a &lt; b, 140/90"


@pytest.mark.parametrize("text", [
    "1" * 10_000,
    "+1 (" * 2_500,
    "a@" * 5_000,
    "Dr. " + "Aaaa " * 2_000,
    "my name is " + "Jane " * 2_000,
    "1 Main " * 1_430 + "MRN " * 2_500 + "born in " * 1_250,
    "é\u200b<" * 3_333,
])
def test_hostile_text_of_10000_characters_returns(text: str) -> None:
    text = text[:10_000]
    assert isinstance(personal_details(text), list)
    assert "<" not in personal_details_html(text).replace("<mark", "").replace("</mark", "")
