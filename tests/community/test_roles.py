"""Roles are groups holding exactly the permissions of ROLE_PERMISSIONS, and every service
refuses (NotAllowed) the roles whose permissions do not include its action."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser, Group, Permission, User

from healthqa.community import accounts, answering, asking, marks
from healthqa.community.actions import ACTIONS, InvalidInput, NotAllowed, action_check, user_can
from healthqa.community.models import ExpertAnswer, Flag, Profile, Submission
from healthqa.community.roles import ROLE_PERMISSIONS, ROLES, roles_sync, user_role
from healthqa.kb.models import Answer, Question
from tests.community.conftest import MakeUser
from tests.kb.conftest import KB

pytestmark = pytest.mark.django_db


def perms_of(group: str) -> set[str]:
    return {f"{p.content_type.app_label}.{p.codename}"
            for p in Group.objects.get(name=group).permissions.select_related("content_type")}


def test_after_migrate_each_role_group_holds_exactly_its_permissions() -> None:
    assert set(Group.objects.values_list("name", flat=True)) >= set(ROLE_PERMISSIONS)
    for role, names in ROLE_PERMISSIONS.items():
        assert perms_of(role) == set(names), role


def test_roles_sync_puts_back_exactly_the_table() -> None:
    member = Group.objects.get(name="member")
    member.permissions.add(Permission.objects.get(codename="moderate_submission"))
    Group.objects.get(name="expert").permissions.clear()
    Group.objects.get(name="editor").delete()
    roles_sync()
    roles_sync()  # idempotent
    for role, names in ROLE_PERMISSIONS.items():
        assert perms_of(role) == set(names), role


def test_every_action_is_granted_to_some_role_and_every_permission_exists() -> None:
    granted = {p for names in ROLE_PERMISSIONS.values() for p in names}
    for name, action in ACTIONS.items():
        assert action.permission is None or action.permission in granted, name
    for perm in granted:
        app_label, codename = perm.split(".")
        assert Permission.objects.filter(content_type__app_label=app_label,
                                         codename=codename).exists(), perm


def test_user_role_reads_the_highest_role(make_user: MakeUser) -> None:
    assert user_role(AnonymousUser()) == "reader"
    for role in ROLES:
        assert user_role(make_user(f"user-{role}", role)) == role
    plain = User.objects.create_user(username="plain", password="x")  # createsuperuser-like
    assert user_role(plain) == "member"


def test_role_set_replaces_the_role_and_forgets_cached_permissions(make_user: MakeUser) -> None:
    user = make_user("ana", "member")
    assert not user.has_perm("community.moderate_submission")  # fills Django's cache
    accounts.role_set(user=user, role="editor")
    assert user.has_perm("community.moderate_submission") and user.is_staff
    accounts.role_set(user=user, role="member")
    assert not user.has_perm("community.moderate_submission") and not user.is_staff
    assert set(user.groups.values_list("name", flat=True)) == {"member"}


def test_an_inactive_or_anonymous_person_may_do_nothing(make_user: MakeUser) -> None:
    user = make_user("ana", "admin")
    user.is_active = False
    user.save()
    for action in ACTIONS:
        assert not user_can(user, action)
        assert not user_can(AnonymousUser(), action)
        with pytest.raises(NotAllowed, match="your account may not"):
            action_check(AnonymousUser(), action)


@dataclass
class World:
    """Something for every service to act on, made by people other than the one acting."""

    kb: KB
    applicant: Profile
    submission: Submission
    open_question: Question
    draft: ExpertAnswer
    answer: Answer
    flag: Flag


@pytest.fixture
def world(kb: KB, make_user: MakeUser) -> World:
    asker = make_user("asker", "member")
    applicant = make_user("applicant", "member")
    mod = make_user("mod", "editor")
    drx = make_user("drx", "expert")
    profile = accounts.expert_apply(user=applicant, display_name="Dr. Applicant",
                                    profession="Nurse", speciality="Midwifery",
                                    registration="RN 123")
    opened = asking.submission_send(member=asker, title="Is it safe to fly at 30 weeks?",
                                    body="I am 30 weeks pregnant and want to fly home.")
    question = asking.submission_publish(editor=mod, submission=opened, title=opened.title,
                                         body=opened.body, category=kb.back_pain.category)
    pending = asking.submission_send(member=asker, title="Can I eat soft cheese?",
                                     body="Is brie safe in pregnancy?")
    draft = answering.answer_submit(expert=drx, question=question,
                                    body="Most airlines let you fly until 36 weeks. " * 3)
    answer = kb.back_pain.answers.order_by("position").first()
    assert answer is not None
    flag = marks.flag_create(user=asker, question=kb.back_pain, answer=answer,
                             reason="inaccurate")
    return World(kb=kb, applicant=profile, submission=pending, open_question=question,
                 draft=draft, answer=answer, flag=flag)


EVERYONE = {"member", "expert", "editor", "admin"}
EXPERTS = {"expert", "admin"}
EDITORS = {"editor", "admin"}

# service -> (the call, the roles allowed). A new service acting for a person needs a row.
SERVICES: dict[str, tuple[Callable[[Any, World], object], set[str]]] = {
    "expert_apply": (lambda u, w: accounts.expert_apply(
        user=u, display_name="Dr. X", profession="Nurse", speciality="Care",
        registration="1"), EVERYONE),
    "expert_verify": (lambda u, w: accounts.expert_verify(
        editor=u, profile=w.applicant, accept=True), EDITORS),
    "submission_send": (lambda u, w: asking.submission_send(
        member=u, title="A question", body="Its text"), EVERYONE),
    "submissions_of": (lambda u, w: asking.submissions_of(member=u), EVERYONE),
    "submission_publish": (lambda u, w: asking.submission_publish(
        editor=u, submission=w.submission, title="Soft cheese in pregnancy?",
        body="Is brie safe?", category=w.kb.back_pain.category), EDITORS),
    "submission_reject": (lambda u, w: asking.submission_reject(
        editor=u, submission=w.submission, reason="Already answered."), EDITORS),
    "submission_merge": (lambda u, w: asking.submission_merge(
        editor=u, submission=w.submission, into=w.kb.exercise), EDITORS),
    "question_merge": (lambda u, w: asking.question_merge(
        editor=u, duplicate=w.kb.sleep_back_pain, into=w.kb.back_pain), EDITORS),
    "follow_set": (lambda u, w: asking.follow_set(
        member=u, question=w.kb.back_pain, on=True), EVERYONE),
    "questions_open": (lambda u, w: answering.questions_open(expert=u), EXPERTS),
    "answer_submit": (lambda u, w: answering.answer_submit(
        expert=u, question=w.open_question, body="Ask your midwife before you fly. " * 3),
        EXPERTS),
    "answers_of": (lambda u, w: answering.answers_of(expert=u), EXPERTS),
    "answer_approve": (lambda u, w: answering.answer_approve(editor=u, draft=w.draft),
                       EDITORS),
    "answer_return": (lambda u, w: answering.answer_return(
        editor=u, draft=w.draft, reason="Please cite a source."), EDITORS),
    "answer_rereview": (lambda u, w: answering.answer_rereview(editor=u, answer=w.answer),
                        EDITORS),
    "answer_agree": (lambda u, w: answering.answer_agree(expert=u, answer=w.answer,
                                                         agree=True), EXPERTS),
    "helpful_set": (lambda u, w: marks.helpful_set(member=u, answer=w.answer, on=True),
                    EVERYONE),
    "flag_create": (lambda u, w: marks.flag_create(
        user=u, question=w.kb.back_pain, answer=None, reason="spam"), EVERYONE),
    "flag_resolve": (lambda u, w: marks.flag_resolve(editor=u, flag=w.flag), EDITORS),
}

ACTORS = ("reader", "inactive", *ROLES)


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("service", sorted(SERVICES))
def test_each_service_refuses_the_roles_without_its_permission(
        service: str, actor: str, world: World, make_user: MakeUser) -> None:
    call, allowed = SERVICES[service]
    if actor == "reader":
        user: Any = AnonymousUser()
    elif actor == "inactive":
        user = make_user("sleeper", "admin")
        user.is_active = False
        user.save()
    else:
        user = make_user(f"acting-{actor}", actor)
    if actor in allowed:
        try:
            call(user, world)
        except InvalidInput:  # allowed, refused for what it is (an expert applying again)
            assert (service, actor) == ("expert_apply", "expert")
    else:
        counts = [m.objects.count() for m in (Submission, ExpertAnswer, Answer, Flag, Question)]
        with pytest.raises(NotAllowed):
            call(user, world)
        assert counts == [m.objects.count()
                          for m in (Submission, ExpertAnswer, Answer, Flag, Question)]
