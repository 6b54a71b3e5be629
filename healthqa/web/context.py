"""Template context shared by every page."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, object]:
    """The site's name for the header and titles; whether anyone may sign up."""
    return {"site_name": settings.SITE_NAME, "signup_open": settings.SIGNUP_OPEN}
