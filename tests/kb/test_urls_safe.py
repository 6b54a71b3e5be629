"""Only http(s) links reach a page: the one check every way in uses (importers, service, admin)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from healthqa.kb.urls_safe import NotHttpURL, http_url_check, http_url_validator

GOOD: list[tuple[str, str]] = [
    ("", ""),
    ("   ", ""),
    ("https://www.cdc.gov/", "https://www.cdc.gov/"),
    ("http://www.ninds.nih.gov/disorders/x.htm", "http://www.ninds.nih.gov/disorders/x.htm"),
    ("  https://medlineplus.gov/gout.html\n", "https://medlineplus.gov/gout.html"),
    ("HTTPS://WWW.CDC.GOV/", "HTTPS://WWW.CDC.GOV/"),
    ("https://www.cdc.gov:8443/a?b=c&d=e#f", "https://www.cdc.gov:8443/a?b=c&d=e#f"),
    ("https://例え.jp/パス", "https://例え.jp/パス"),
    ("http://localhost:8000/x", "http://localhost:8000/x"),
    ("https://127.0.0.1/", "https://127.0.0.1/"),
]

HOSTILE: list[tuple[str, str]] = [
    ("javascript:alert(document.domain)", "its scheme is 'javascript:'"),
    (" JaVaScRiPt:alert(1)", "its scheme is 'JaVaScRiPt:'"),
    ("\tjavascript:alert(1)", "its scheme is 'javascript:'"),
    ("\x01javascript:alert(1)", r"it contains '\x01'"),
    ("\u200bjavascript:alert(1)", r"it contains '\u200b'"),
    ("java\tscript:alert(1)", r"it contains '\t'"),
    ("java\nscript:alert(1)", r"it contains '\n'"),
    ("javascript&colon;alert(1)", "it has no scheme"),
    ("data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==", "its scheme is 'data:'"),
    ("vbscript:msgbox(1)", "its scheme is 'vbscript:'"),
    ("VBScript:msgbox(1)", "its scheme is 'VBScript:'"),
    ("file:///etc/passwd", "its scheme is 'file:'"),
    ("ftp://ftp.example.org/", "its scheme is 'ftp:'"),
    ("mailto:a@example.org", "its scheme is 'mailto:'"),
    ("www.cdc.gov/gout", "write it in full, e.g. 'https://www.cdc.gov/gout'"),
    ("www.cdc.gov:8080/gout", "it has no scheme"),
    ("//evil.example.org/x", "it has no scheme"),
    ("/relative/path", "starting with https://"),
    ("https:evil.example.org", "it has no host"),
    ("https:\\\\evil.example.org", "it has no host"),
    ("http://", "it has no host"),
    ("https://:443/", "it has no host"),
    ("https://www.cdc.gov:99999/", "its port is not a number"),
    ("https://www.cdc .gov/", r"it contains ' '"),
    ("https://www.cdc.gov/a b", r"it contains ' '"),
    ("https://www.cdc.gov/\x00", r"it contains '\x00'"),
    ("https://www.cdc.gov/\u202egp.exe", r"it contains '\u202e'"),
    ("https://intranet/", "it is not a well-formed URL"),
]


@pytest.mark.parametrize(("value", "kept"), GOOD)
def test_an_http_url_is_kept_stripped_and_empty_is_allowed(value: str, kept: str) -> None:
    assert http_url_check(value, field="Document url") == kept
    if kept:  # what the importers accept, the admin accepts (the same model validator)
        http_url_validator(kept)


@pytest.mark.parametrize(("value", "reason"), HOSTILE)
def test_anything_but_an_http_url_is_refused_naming_field_and_value(value: str,
                                                                    reason: str) -> None:
    with pytest.raises(NotHttpURL) as refused:
        http_url_check(value, field='field "source_url"')
    message = str(refused.value)
    assert message.startswith(f'field "source_url" {value.strip()!r} is not an http(s) URL: ')
    assert reason in message
    assert isinstance(refused.value, ValueError)  # the pipeline reports ValueErrors per unit


@pytest.mark.parametrize("value", [
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,x", "vbscript:msgbox(1)",
    "ftp://ftp.example.org/", "file:///etc/passwd", "java\tscript:alert(1)", "www.cdc.gov",
])
def test_the_model_field_validator_refuses_other_schemes(value: str) -> None:
    with pytest.raises(ValidationError, match="Enter an http:// or https:// URL"):
        http_url_validator(value)


def test_a_long_refused_value_is_cut_in_the_message() -> None:
    with pytest.raises(NotHttpURL) as refused:
        http_url_check("javascript:" + "a" * 500, field="Document url")
    assert "'javascript:" + "a" * 69 + "…'" in str(refused.value)
    assert len(str(refused.value)) < 200
