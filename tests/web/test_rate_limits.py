"""Rate limits per account and per address, on the pages and in the API.

The page tests already show 429 after the limit for each action on its own page (sign-up,
sign-in, password reset: test_account_pages.py; sending a question, helpful marks, flags:
test_member_pages.py; answering: test_expert_pages.py) and the API tests for sending, helpful
marks and flags (test_api_community.py). What they leave out is here: answering through the
API, and that each action a signed-in person repeats is counted both per account (another
address does not reset it) and per address (another account from it does not either).
"""

# The world fixture is imported from tests/web/test_permission_matrix.py; pytest injects it by
# argument name, which pyflakes reads as a redefinition.
# ruff: noqa: F811

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from healthqa.community import accounts
from healthqa.community.models import ExpertAnswer, Flag, HelpfulMark, Submission
from healthqa.web.limits import LIMITED_MESSAGE
from tests.web.test_permission_matrix import (  # noqa: F401 (fixtures)
    GOOD_ANSWER,
    World,
    world,
)

pytestmark = pytest.mark.django_db

API = "/api/v1"
LIMIT = 2  # the rate set for the action under test: LIMIT a minute


@dataclass(frozen=True)
class Repeated:
    """An action a signed-in person repeats: by its page and by the API, by two accounts of
    the roles that may take it, and what it stored (to see a refusal stored nothing)."""

    action: str
    accounts: tuple[str, str]  # keys of World.users
    page: Callable[[World], tuple[str, dict[str, str]]]
    api: Callable[[World], tuple[str, str, dict[str, Any] | None]]
    stored: Callable[[], Any]


REPEATED = [
    Repeated("send_question", ("member", "applicant"),
             page=lambda w: (reverse("web:send-question"), {
                 "title": "Can I fly at 30 weeks?", "body": "Is it safe?", "do": "send",
                 "website": ""}),
             api=lambda w: ("POST", "/submissions", {"title": "Can I fly at 30 weeks?",
                                                     "text": "Is it safe?"}),
             stored=Submission.objects.count),
    Repeated("answer", ("expert", "other_expert"),
             page=lambda w: (reverse("web:answer", args=[w.open_question.slug]),
                             {"body": GOOD_ANSWER, "do": "submit"}),
             api=lambda w: ("POST", f"/questions/{w.open_question.slug}/answers",
                            {"body": GOOD_ANSWER}),
             # One answer per expert and question: sending again replaces its text.
             stored=lambda: list(ExpertAnswer.objects.order_by("id").values_list(
                 "id", "updated_at", "body"))),
    Repeated("mark_helpful", ("member", "applicant"),
             page=lambda w: (reverse("web:helpful", args=[w.published.pk]), {"on": "1"}),
             api=lambda w: ("POST", f"/answers/{w.published.pk}/helpful", None),
             stored=HelpfulMark.objects.count),
    Repeated("flag", ("member", "applicant"),
             page=lambda w: (reverse("web:flag", args=[w.answered.slug]),
                             {"reason": "spam", "note": ""}),
             api=lambda w: ("POST", "/flags", {"question": w.answered.slug,
                                               "reason": "spam"}),
             stored=Flag.objects.count),
]


def page_do(world: World, case: Repeated, who: str, address: str) -> Any:
    client = Client(REMOTE_ADDR=address)
    client.force_login(world.users[who], backend="django.contrib.auth.backends.ModelBackend")
    url, data = case.page(world)
    return client.post(url, data)


def api_do(world: World, case: Repeated, who: str, address: str) -> Any:
    method, path, body = case.api(world)
    token = world.extra.setdefault(f"token-{who}", accounts.token_issue(user=world.users[who]))
    return Client(REMOTE_ADDR=address).generic(
        method, f"{API}{path}", "" if body is None else json.dumps(body),
        content_type="application/json", headers={"Authorization": f"Bearer {token}"})


# (who acts after the first account's LIMIT actions from 10.0.0.1, and from where)
MODES = {
    "again": (0, "10.0.0.1"),
    "same account, another address": (0, "10.0.0.2"),
    "another account, same address": (1, "10.0.0.1"),
}


@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.parametrize("way", ["page", "api"])
@pytest.mark.parametrize("case", REPEATED, ids=lambda c: c.action)
def test_over_the_limit_is_a_429_per_account_and_per_address(
        world: World, settings: Any, case: Repeated, way: str, mode: str) -> None:
    settings.HEALTHQA_RATES = {**settings.HEALTHQA_RATES, case.action: f"{LIMIT}/m"}
    do = page_do if way == "page" else api_do
    first = case.accounts[0]
    for _ in range(LIMIT):
        response = do(world, case, first, "10.0.0.1")
        assert response.status_code in (200, 302), (response.status_code, response.content)
    stored = case.stored()
    who, address = MODES[mode]
    response = do(world, case, case.accounts[who], address)
    assert response.status_code == 429, (case.action, way, mode, response.status_code)
    assert response["Retry-After"] == "60"
    if way == "api":
        assert response.json() == {"detail": LIMITED_MESSAGE}
    else:
        assert LIMITED_MESSAGE in response.content.decode()
    assert case.stored() == stored, "the refused request was stored"


@pytest.mark.parametrize("case", REPEATED, ids=lambda c: c.action)
def test_under_the_limit_another_account_from_another_address_is_not_refused(
        world: World, settings: Any, case: Repeated) -> None:
    settings.HEALTHQA_RATES = {**settings.HEALTHQA_RATES, case.action: f"{LIMIT}/m"}
    for _ in range(LIMIT):
        assert page_do(world, case, case.accounts[0], "10.0.0.1").status_code in (200, 302)
    response = page_do(world, case, case.accounts[1], "10.0.0.2")
    assert response.status_code in (200, 302), response.status_code


def test_sign_up_is_counted_per_address(db: None, settings: Any) -> None:
    """Sign-up has no account yet: its rate is per address, and another address is not
    refused."""
    settings.SIGNUP_OPEN = True
    settings.HEALTHQA_RATES = {**settings.HEALTHQA_RATES, "signup": f"{LIMIT}/m"}

    def sign_up(n: int, address: str) -> Any:
        return Client(REMOTE_ADDR=address).post(reverse("web:signup"), {
            "username": f"new{n}", "display_name": "New", "email": "",
            "password1": "a long sign-up pass phrase", "password2": "a long sign-up pass phrase",
            "website": ""})

    for n in range(LIMIT):
        assert sign_up(n, "10.0.0.1").status_code == 302
    assert sign_up(10, "10.0.0.1").status_code == 429
    assert sign_up(11, "10.0.0.2").status_code == 302
    assert set(User.objects.filter(username__startswith="new").values_list(
        "username", flat=True)) == {"new0", "new1", "new11"}
