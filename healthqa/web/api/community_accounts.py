"""API of one's own account: who the token belongs to, what it may do, its notifications."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from healthqa.community.accounts import profile_get
from healthqa.community.actions import ACTIONS, user_can
from healthqa.community.notify import (
    notifications_mark_read,
    notifications_of,
    notifications_unread,
)
from healthqa.community.roles import user_role
from healthqa.web.api.community_auth import SIGNED_IN, requires, signed_in, token_auth
from healthqa.web.api.community_schemas import MeOut, NotificationListOut, NotificationsReadOut
from healthqa.web.api.errors import ALWAYS
from healthqa.web.api.methods import methods_refuse

router = Router(tags=["accounts"])


@router.get("/me", response={200: MeOut, **SIGNED_IN, **ALWAYS}, auth=token_auth,
            summary="The account the token belongs to")
@requires("account")
def me(request: HttpRequest) -> dict[str, Any]:
    """Role, public name and credentials, expert verification, the actions the account may
    take and its unread notifications."""
    user = signed_in(request)
    profile = profile_get(user=user)
    return {
        "username": user.get_username(),
        "role": user_role(user),
        "display_name": profile.display_name,
        "profession": profile.profession,
        "speciality": profile.speciality,
        "credentials": profile.credentials,
        "expert": {"state": profile.expert, "label": profile.get_expert_display()},
        "actions": [name for name in ACTIONS if user_can(user, name)],
        "unread_notifications": notifications_unread(user=user),
    }


@router.get("/me/notifications", response={200: NotificationListOut, **SIGNED_IN, **ALWAYS},
            auth=token_auth, summary="One's notifications")
@requires("account")
def notifications(request: HttpRequest) -> dict[str, Any]:
    """What the account was told (a question published or answered, an answer returned...),
    newest first. Reading them does not mark them read."""
    user = signed_in(request)
    return {
        "unread": notifications_unread(user=user),
        "items": [{"id": n.pk, "message": n.message, "url": n.url,
                   "created_at": n.created_at, "read_at": n.read_at}
                  for n in notifications_of(user=user)],
    }


@router.post("/me/notifications/read",
             response={200: NotificationsReadOut, **SIGNED_IN, **ALWAYS}, auth=token_auth,
             summary="Mark every notification read")
@requires("account")
def notifications_read(request: HttpRequest) -> dict[str, Any]:
    """Takes no body."""
    user = signed_in(request)
    return {"marked": notifications_mark_read(user=user), "unread": 0}


methods_refuse(router, ["/me", "/me/notifications"], allow="GET",
               hint="these are read with GET")
methods_refuse(router, ["/me/notifications/read"], allow="POST", hint="use POST")
