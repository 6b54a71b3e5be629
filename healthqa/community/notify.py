"""Telling people what happened: on the site always, by e-mail when they gave an address."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from healthqa.community.models import Follow, Notification
from healthqa.kb.models import Question

log = logging.getLogger(__name__)


def notify(*, users: Iterable[User], message: str, url: str = "") -> int:
    """A notification for each user, and an e-mail (sent after the commit) to those with an
    address; a mail that cannot be sent is logged, never lost silently, never an error."""
    users = list({u.pk: u for u in users}.values())
    Notification.objects.bulk_create(
        [Notification(user=u, message=message[:300], url=url) for u in users])
    addresses = [u.email for u in users if u.email]
    if addresses:
        def send() -> None:
            link = f"{settings.HEALTHQA_SITE_URL.rstrip('/')}{url}" if url else ""
            for address in addresses:
                try:
                    send_mail(subject=f"{settings.SITE_NAME}: {message}"[:200],
                              message=f"{message}\n\n{link}\n", from_email=None,
                              recipient_list=[address])
                except Exception:  # an unreachable SMTP server must not undo the answer
                    log.exception("could not e-mail a notification")
        transaction.on_commit(send)
    return len(users)


def notify_followers(*, question: Question, message: str, exclude: Iterable[int] = ()
                     ) -> int:
    """Notify everyone who follows `question`, linking to its page."""
    skip = set(exclude)
    followers = [f.user for f in Follow.objects.filter(question=question).select_related("user")
                 if f.user_id not in skip]
    return notify(users=followers, message=message, url=question.get_absolute_url())


def notifications_of(*, user: User, limit: int = 50) -> list[Notification]:
    return list(Notification.objects.filter(user=user)[:limit])


def notifications_unread(*, user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def notifications_mark_read(*, user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).update(
        read_at=timezone.now())
