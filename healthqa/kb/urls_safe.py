"""The one check for links that reach a page: http(s) URLs only.

A question's source_url and a source's url / license_url are written into `href`s. A
`javascript:`, `data:` or `vbscript:` value there is stored XSS, so every way in refuses
anything but an absolute http(s) URL: the importers (an error naming file, line and field),
the import service (a last defence before writing) and the model fields (a form error in the
admin).
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

HTTP_SCHEMES = ("http", "https")

# On the model fields, so the admin and full_clean refuse other schemes. http_url_check ends
# with the same validator: a link the importers accept can always be saved in the admin.
http_url_validator = URLValidator(
    schemes=list(HTTP_SCHEMES), message="Enter an http:// or https:// URL."
)

SHOWN_CHARS = 80  # of a refused value, in the error message
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")
# Whitespace and invisible characters: browsers drop some of them (tabs, newlines, leading
# control characters), which is how "java\tscript:" or "\x01javascript:" get through filters.
_INVISIBLE = {"Cc", "Cf", "Co", "Cs", "Cn", "Zs", "Zl", "Zp"}


class NotHttpURL(ValueError):
    """A link refused by `http_url_check`; the message names the field and the value."""


def http_url_check(value: str, *, field: str) -> str:
    """`value` stripped if it is an absolute http(s) URL, "" if empty, else NotHttpURL.

    `field` names the value in the message, e.g. `Document url` or `field "source_url"`:
    `Document url 'javascript:alert(1)' is not an http(s) URL: its scheme is 'javascript:' ...`.
    An empty value is allowed (every link field is optional); a scheme-less "www.cdc.gov" is
    refused with a hint to write https:// (only the admin form reads those as https).
    """
    url = value.strip()
    if not url:
        return ""
    reason = _refusal(url)
    if reason:
        shown = url if len(url) <= SHOWN_CHARS else url[:SHOWN_CHARS] + "…"
        raise NotHttpURL(f"{field} {shown!r} is not an http(s) URL: {reason}")
    return url


def _refusal(url: str) -> str | None:
    """Why `url` (stripped, non-empty) is refused, or None."""
    scheme = _scheme(url)
    if scheme is not None and scheme.lower() not in HTTP_SCHEMES:
        return f"its scheme is {scheme + ':'!r}; only http:// and https:// links are allowed"
    for position, char in enumerate(url, start=1):
        if char.isspace() or unicodedata.category(char) in _INVISIBLE:
            return (f"it contains {char!r} (whitespace or a control character) at character"
                    f" {position}")
    if scheme is None:
        if url.startswith("//"):
            return "it has no scheme (a link starting with // is not allowed); write https://"
        if url[0].isalnum():  # "www.cdc.gov/gout": a host without its scheme
            return f"it has no scheme; write it in full, e.g. {'https://' + url!r}"
        return "it has no scheme; write it in full, starting with https://"
    if not url[len(scheme) + 1:].startswith("//"):
        return f"it has no host; write {scheme.lower()}://host/path"
    parts = urlsplit(url)
    if not parts.hostname:
        return "it has no host"
    try:
        parts.port  # noqa: B018 - raises ValueError for a port that is not 0..65535
    except ValueError:
        return "its port is not a number from 0 to 65535"
    try:
        http_url_validator(url)
    except ValidationError:
        return "it is not a well-formed URL (check the host name)"
    return None


def _scheme(url: str) -> str | None:
    """The scheme `url` starts with, or None; "www.cdc.gov:8080/x" has none (a host and port)."""
    match = _SCHEME.match(url)
    if match is None:
        return None
    scheme = match.group(1)
    if "." in scheme and url[match.end():match.end() + 1].isdigit():
        return None
    return scheme


def http_url_shown(value: object) -> str:
    """`value` (stripped) if it is an absolute http(s) URL, else "": what a page or the API
    may offer as a link, whatever a row written before this check existed holds."""
    if not isinstance(value, str):
        return ""
    try:
        return http_url_check(value, field="link")
    except NotHttpURL:
        return ""
