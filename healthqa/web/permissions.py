"""Every page that acts checks its action's permission (healthqa.community.actions)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from healthqa.community.actions import ACTIONS, user_can


def forbidden(request: HttpRequest, message: str) -> HttpResponse:
    """The 403 page, saying what the account may not do."""
    return render(request, "web/forbidden.html", {"message": message}, status=403)


def action_required(action: str) -> Callable[[Callable[..., HttpResponse]],
                                              Callable[..., HttpResponse]]:
    """Anonymous visitors are sent to sign in; signed-in people without the permission get
    403 with what they may not do."""
    if action not in ACTIONS:
        raise KeyError(f"{action!r} is not an action in healthqa.community.actions.ACTIONS")

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not user_can(request.user, action):
                return forbidden(request, f"Your account may not "
                                          f"{ACTIONS[action].description}.")
            return view(request, *args, **kwargs)
        # The permission matrix test reads this to know which action each URL takes.
        wrapped.healthqa_action = action  # type: ignore[attr-defined]
        return wrapped
    return decorate
