"""What the members' and accounts' forms share: the honeypot, where to go after a form, and
errors shown by their field."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

from healthqa.community.actions import InvalidInput
from healthqa.community.models import Notification

# The field a person never sees or fills (web/account/_honeypot.html): programs that fill
# every field they find give themselves away.
HONEYPOT_FIELD = "website"
HONEYPOT_MESSAGE = ("This form was not sent: a field that people leave empty was filled in. "
                    "If you are a person, please clear it and send the form again.")


def honeypot_filled(request: HttpRequest) -> bool:
    """Whether the hidden "website" field came back with something in it."""
    return bool(request.POST.get(HONEYPOT_FIELD, "").strip())


def next_url(request: HttpRequest, default: str) -> str:
    """The `next` address the form carried, if it is a page of this site, else `default`."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(
            wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return wanted
    return default


def field_error(errors: dict[str, str], exc: InvalidInput, fields: dict[str, str]) -> None:
    """Put a service's InvalidInput by the form field it is about (`fields` maps the names
    services use, such as "display name", to the form's); others go to the top ("form")."""
    name = fields.get(exc.field, "form")
    message = exc.message[:1].upper() + exc.message[1:]
    if not message.endswith((".", "?", "!")):
        message += "."
    errors[name] = message


def site_path(url: str) -> str:
    """`url` if it is a path on this site ("/q/..."), else "": links made from stored text."""
    if url.startswith("/") and url_has_allowed_host_and_scheme(url, allowed_hosts=None):
        return url
    return ""


def with_links(notes: list[Notification]) -> list[Notification]:
    """Each notification with `link`: its url if that is a path on this site, else ""."""
    for note in notes:
        setattr(note, "link", site_path(note.url))  # noqa: B010 (not a model field)
    return notes
