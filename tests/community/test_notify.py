"""Notifications: on the site always, by e-mail after the commit to those with an address, and
a mail that cannot be sent never undoes what happened."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core import mail

from healthqa.community import notify as notify_module
from healthqa.community.models import Follow, Notification
from healthqa.community.notify import (
    notifications_mark_read,
    notifications_of,
    notifications_unread,
    notify,
    notify_followers,
)
from tests.kb.conftest import KB

pytestmark = pytest.mark.django_db


def test_everyone_is_told_on_the_site_and_those_with_an_address_by_mail(
        member: User, other_member: User, django_capture_on_commit_callbacks: Any,
        settings: Any) -> None:
    settings.HEALTHQA_SITE_URL = "https://health.example.org/"
    with django_capture_on_commit_callbacks(execute=True):
        told = notify(users=[member, other_member, member], message="Your question has news",
                      url="/questions/x/")
    assert told == 2  # once each, though named twice
    for user in (member, other_member):
        [note] = notifications_of(user=user)
        assert (note.message, note.url, note.read_at) == ("Your question has news",
                                                          "/questions/x/", None)
    [sent] = mail.outbox
    assert sent.to == [member.email]
    assert "Your question has news" in sent.subject
    assert "https://health.example.org/questions/x/" in sent.body


def test_no_mail_is_sent_before_the_commit_nor_to_people_without_an_address(
        member: User, other_member: User, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify(users=[member], message="Hello")
    assert mail.outbox == [] and len(callbacks) == 1
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notify(users=[other_member], message="Hello")
    assert callbacks == [] and mail.outbox == []


def test_a_long_message_is_cut_to_fit(member: User) -> None:
    notify(users=[member], message="x" * 500)
    assert len(notifications_of(user=member)[0].message) == 300


def test_a_mail_that_fails_is_logged_and_the_notification_stays(
        member: User, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
        django_capture_on_commit_callbacks: Any) -> None:
    def unreachable(**kwargs: object) -> None:
        raise OSError("connection refused")

    monkeypatch.setattr(notify_module, "send_mail", unreachable)
    with django_capture_on_commit_callbacks(execute=True):
        notify(users=[member], message="Your answer is published")
    assert notifications_unread(user=member) == 1
    assert "could not e-mail a notification" in caplog.text


def test_followers_are_told_except_those_left_out(
        kb: KB, member: User, other_member: User, expert: User,
        django_capture_on_commit_callbacks: Any) -> None:
    for user in (member, other_member, expert):
        Follow.objects.create(user=user, question=kb.back_pain)
    with django_capture_on_commit_callbacks(execute=True):
        told = notify_followers(question=kb.back_pain, message="A new answer",
                                exclude=[expert.pk])
    assert told == 2
    assert notifications_unread(user=expert) == 0
    note = notifications_of(user=other_member)[0]
    assert note.url == kb.back_pain.get_absolute_url()
    assert [m.to for m in mail.outbox] == [[member.email]]


def test_unread_notifications_are_counted_and_marked_read_newest_first(
        member: User, other_member: User) -> None:
    for n in range(3):
        notify(users=[member], message=f"news {n}")
    notify(users=[other_member], message="not yours")
    assert notifications_unread(user=member) == 3
    assert [n.message for n in notifications_of(user=member)] == ["news 2", "news 1", "news 0"]
    assert [n.message for n in notifications_of(user=member, limit=1)] == ["news 2"]
    assert notifications_mark_read(user=member) == 3
    assert notifications_unread(user=member) == 0
    assert notifications_mark_read(user=member) == 0
    assert notifications_unread(user=other_member) == 1
    assert Notification.objects.filter(user=member, read_at__isnull=False).count() == 3
