"""The account pages: sign-up (honeypot, closed sign-up, rate limit), sign-in (axes lock-out,
rate limit), sign-out, the password reset by e-mail, the account page with its API tokens,
notifications, the header's account links and CSRF on every form."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client
from django.urls import resolve

from healthqa.community import accounts, notify
from healthqa.community.models import Notification, Profile
from healthqa.community.roles import user_role
from tests.web.test_pages import text_of

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery-7"


@pytest.fixture(autouse=True)
def signup_open(settings: Any) -> None:
    settings.SIGNUP_OPEN = True


def make_user(username: str = "maria", role: str = "member", email: str = "",
              display_name: str = "") -> User:
    return accounts.user_create(username=username, password=PASSWORD, role=role, email=email,
                                display_name=display_name or username.title())


def signed_in(user: User, *, csrf: bool = False) -> Client:
    client = Client(enforce_csrf_checks=csrf)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def csrf_token(client: Client, url: str) -> str:
    """The token of the form on `url` (for clients that enforce CSRF checks)."""
    html = client.get(url).content.decode()
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]


def signup_data(**fields: str) -> dict[str, str]:
    return {"username": "newmember", "display_name": "New Member", "email": "new@example.org",
            "password1": PASSWORD, "password2": PASSWORD, "website": "", **fields}


def private(response: Any) -> bool:
    cache_control = response["Cache-Control"]
    return "private" in cache_control and "no-store" in cache_control


# --- sign-up -------------------------------------------------------------------------------

def test_signup_page_has_labelled_fields_a_honeypot_and_a_csrf_token(client: Client) -> None:
    response = client.get("/accounts/signup/")
    html = response.content.decode()
    assert response.status_code == 200 and private(response)
    for field_id in ("signup-username", "signup-display-name", "signup-email",
                     "signup-password1", "signup-password2"):
        assert f'<label for="{field_id}">' in html and f'id="{field_id}"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    honeypot = re.search(r'<input[^>]*name="website"[^>]*>', html).group(0)  # type: ignore[union-attr]
    assert 'tabindex="-1"' in honeypot and 'autocomplete="off"' in honeypot
    assert '<label for="hp-website">Leave this empty</label>' in html


def test_signing_up_makes_a_member_and_signs_them_in(client: Client) -> None:
    response = client.post("/accounts/signup/", signup_data())
    assert response.status_code == 302 and response["Location"] == "/me/questions/"
    user = User.objects.get(username="newmember")
    assert user_role(user) == "member" and user.email == "new@example.org"
    assert Profile.objects.get(user=user).display_name == "New Member"
    page = client.get("/me/questions/")
    assert page.status_code == 200
    assert "your account is ready and you are signed in" in page.content.decode()


def test_signing_up_goes_on_to_the_page_it_came_from_on_this_site_only(client: Client) -> None:
    response = client.post("/accounts/signup/?next=/ask/send/%3Fq%3Dhello", signup_data())
    assert response["Location"] == "/ask/send/?q=hello"
    other = Client()
    response = other.post("/accounts/signup/?next=https://evil.example/",
                          signup_data(username="another"))
    assert response["Location"] == "/me/questions/"


@pytest.mark.parametrize(("fields", "field_id", "message"), [
    ({"password2": "something-else-entirely"}, "signup-password2", "The two passwords differ"),
    ({"password1": "short", "password2": "short"}, "signup-password1", "too short"),
    ({"username": "has space!"}, "signup-username", "Use letters, digits"),
    ({"username": ""}, "signup-username", "The username is empty"),
    ({"email": "not-an-address"}, "signup-email", "is not an e-mail address"),
])
def test_what_is_wrong_is_said_next_to_its_field_with_400(
        client: Client, fields: dict[str, str], field_id: str, message: str) -> None:
    response = client.post("/accounts/signup/", signup_data(**fields))
    html = response.content.decode()
    assert response.status_code == 400
    error = re.search(rf'<p class="form-error" id="{field_id}-error">([^<]*)</p>', html)
    assert error and message in error.group(1), html
    assert re.search(rf'id="{field_id}"[^>]*aria-describedby="[^"]*{field_id}-error"'
                     rf'[^>]*aria-invalid="true"', html)
    assert 'value="correct-horse' not in html  # passwords are never sent back
    assert not User.objects.filter(username="newmember").exists()


def test_a_taken_username_is_refused(client: Client) -> None:
    make_user("newmember")
    response = client.post("/accounts/signup/", signup_data(username="NewMember"))
    assert response.status_code == 400 and "is taken" in response.content.decode()


def test_the_honeypot_refuses_the_form(client: Client) -> None:
    response = client.post("/accounts/signup/", signup_data(website="http://spam.example"))
    assert response.status_code == 400
    assert "a field that people leave empty was filled in" in response.content.decode()
    assert not User.objects.filter(username="newmember").exists()


def test_closed_signup_says_so(client: Client, settings: Any) -> None:
    settings.SIGNUP_OPEN = False
    for response in (client.get("/accounts/signup/"),
                     client.post("/accounts/signup/", signup_data())):
        assert response.status_code == 404
        assert "Sign-up is closed" in response.content.decode()
    assert not User.objects.filter(username="newmember").exists()


def test_signup_is_rate_limited(client: Client, settings: Any) -> None:
    settings.HEALTHQA_RATES = {**settings.HEALTHQA_RATES, "signup": "2/m"}
    for n in range(2):
        assert client.post("/accounts/signup/", signup_data(
            username=f"x{n}", password2="differs-from-the-first")).status_code == 400
    response = client.post("/accounts/signup/", signup_data())
    assert response.status_code == 429 and "too many times" in response.content.decode()
    assert not User.objects.filter(username="newmember").exists()


# --- sign-in and sign-out -------------------------------------------------------------------

def test_signing_in_goes_to_my_questions(client: Client) -> None:
    make_user("maria")
    page = client.get("/accounts/login/")
    html = page.content.decode()
    assert page.status_code == 200
    assert '<label for="id_username">' in html and '<label for="id_password">' in html
    assert 'href="/accounts/password/reset/"' in html
    response = client.post("/accounts/login/", {"username": "maria", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/me/questions/"


def test_a_wrong_password_is_said_plainly(client: Client) -> None:
    make_user("maria")
    response = client.post("/accounts/login/", {"username": "maria", "password": "nope"})
    assert response.status_code == 400
    assert "Please enter a correct username and password" in response.content.decode()


def test_five_failed_sign_ins_lock_the_account_out_with_429(client: Client) -> None:
    make_user("maria")
    for _ in range(4):
        response = client.post("/accounts/login/", {"username": "maria", "password": "nope"})
        assert response.status_code == 400
    client.post("/accounts/login/", {"username": "maria", "password": "nope"})
    # Even the right password is refused now, with the lock-out page.
    response = client.post("/accounts/login/", {"username": "maria", "password": PASSWORD})
    html = response.content.decode()
    assert response.status_code == 429
    assert "<h1>Signing in is paused</h1>" in html and "15 minutes" in html
    assert "_auth_user_id" not in client.session


def test_sign_in_is_rate_limited(client: Client, settings: Any) -> None:
    settings.HEALTHQA_RATES = {**settings.HEALTHQA_RATES, "login": "2/m"}
    make_user("maria")
    for _ in range(2):
        client.post("/accounts/login/", {"username": "someone", "password": "nope"})
    response = client.post("/accounts/login/", {"username": "maria", "password": PASSWORD})
    assert response.status_code == 429
    assert client.get("/accounts/login/").status_code == 200  # only attempts are counted


def test_signing_out_takes_a_post(client: Client) -> None:
    client.force_login(make_user("maria"), backend="django.contrib.auth.backends.ModelBackend")
    assert client.get("/accounts/logout/").status_code == 405
    response = client.post("/accounts/logout/")
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/me/questions/").status_code == 302


def test_the_header_offers_sign_in_or_the_account(client: Client) -> None:
    html = client.get("/accounts/login/").content.decode()
    nav = html.split('aria-label="Your account"', 1)[1].split("</nav>", 1)[0]
    assert 'href="/accounts/login/"' in nav and 'href="/accounts/signup/"' in nav
    html = signed_in(make_user("maria")).get("/accounts/").content.decode()
    nav = html.split('aria-label="Your account"', 1)[1].split("</nav>", 1)[0]
    assert 'href="/me/questions/"' in nav and 'href="/accounts/"' in nav
    assert re.search(r'<form action="/accounts/logout/" method="post"><input type="hidden" '
                     r'name="csrfmiddlewaretoken"[^>]*><button type="submit"[^>]*>Sign out',
                     nav)
    assert "Sign in" not in nav


# --- password reset --------------------------------------------------------------------------

def test_a_password_reset_is_e_mailed_and_its_link_works(client: Client) -> None:
    make_user("maria", email="maria@example.org")
    assert client.get("/accounts/password/reset/").status_code == 200
    response = client.post("/accounts/password/reset/", {"email": "maria@example.org"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/sent/"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["maria@example.org"] and "choose a new password" in message.subject
    assert "maria" in message.body
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/\S+/\S+/)", message.body)
    assert link, message.body
    page = client.get(link.group(1), follow=True)
    assert page.status_code == 200 and "Choose a new password" in page.content.decode()
    set_password_url = page.redirect_chain[-1][0]
    new = "a-brand-new-password-9"
    response = client.post(set_password_url, {"new_password1": new, "new_password2": new})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/complete/"
    assert client.get(response["Location"]).status_code == 200
    assert Client().post("/accounts/login/", {"username": "maria", "password": new}
                         ).status_code == 302
    # The link works once.
    again = client.get(link.group(1), follow=True).content.decode()
    assert "This link does not work" in again


def test_a_reset_for_an_unknown_address_looks_the_same_and_sends_nothing(
        client: Client) -> None:
    response = client.post("/accounts/password/reset/", {"email": "nobody@example.org"})
    assert response["Location"] == "/accounts/password/reset/sent/"
    assert mail.outbox == []


def test_password_resets_are_rate_limited(client: Client, settings: Any) -> None:
    settings.HEALTHQA_RATES = {**settings.HEALTHQA_RATES, "password_reset": "2/m"}
    make_user("maria", email="maria@example.org")
    for _ in range(2):
        client.post("/accounts/password/reset/", {"email": "maria@example.org"})
    response = client.post("/accounts/password/reset/", {"email": "maria@example.org"})
    assert response.status_code == 429 and len(mail.outbox) == 2


# --- the account page ----------------------------------------------------------------------

@pytest.mark.parametrize("url", ["/accounts/", "/accounts/notifications/"])
def test_account_pages_send_anonymous_readers_to_sign_in(client: Client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={url}"


@pytest.mark.parametrize("role", ["member", "expert", "editor", "admin"])
def test_the_account_page_is_for_every_role_and_private(role: str) -> None:
    response = signed_in(make_user("maria", role=role)).get("/accounts/")
    assert response.status_code == 200 and private(response)
    assert f"Role: {role}" in response.content.decode()


def test_the_account_pages_name_their_action() -> None:
    assert resolve("/accounts/").func.healthqa_action == "account"  # type: ignore[attr-defined]
    assert resolve("/accounts/notifications/").func.healthqa_action == "account"  # type: ignore[attr-defined]


def test_name_and_e_mail_are_changed_and_checked() -> None:
    user = make_user("maria")
    client = signed_in(user)
    response = client.post("/accounts/", {"do": "profile", "display_name": "Maria P.",
                                          "email": "maria@example.org"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.email == "maria@example.org"
    assert Profile.objects.get(user=user).display_name == "Maria P."
    response = client.post("/accounts/", {"do": "profile", "display_name": "",
                                          "email": "nope"})
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="account-display-name-error">The display name is empty' in html


def test_a_verified_expert_keeps_the_name_an_editor_checked() -> None:
    expert = make_user("drlee", role="expert", display_name="Dr Lee")
    response = signed_in(expert).post("/accounts/", {"do": "profile", "display_name": "Dr House",
                                                     "email": ""})
    assert response.status_code == 400 and "ask an editor" in response.content.decode()
    assert Profile.objects.get(user=expert).display_name == "Dr Lee"


def test_a_new_token_is_shown_once_works_and_can_be_revoked() -> None:
    user = make_user("maria")
    client = signed_in(user)
    response = client.post("/accounts/", {"do": "token_new"})
    html = response.content.decode()
    assert response.status_code == 200 and private(response)
    raw = re.search(r'id="new-token" class="token" value="(hqa_[^"]+)"', html).group(1)  # type: ignore[union-attr]
    assert accounts.token_user(raw=raw) == user
    page = client.get("/accounts/").content.decode()
    assert raw not in page and f"<code>{raw[:10]}…</code>" in page
    token_id = accounts.tokens_of(user=user)[0].pk
    response = client.post("/accounts/", {"do": "token_revoke", "token": str(token_id)})
    assert response.status_code == 302
    assert accounts.token_user(raw=raw) is None


def test_one_cannot_revoke_another_persons_token() -> None:
    owner = make_user("owner")
    raw = accounts.token_issue(user=owner)
    token_id = accounts.tokens_of(user=owner)[0].pk
    response = signed_in(make_user("maria")).post("/accounts/", {"do": "token_revoke",
                                                                 "token": str(token_id)})
    assert response.status_code == 400
    assert accounts.token_user(raw=raw) == owner


def test_all_tokens_can_be_revoked_at_once() -> None:
    user = make_user("maria")
    raws = [accounts.token_issue(user=user) for _ in range(3)]
    response = signed_in(user).post("/accounts/", {"do": "tokens_revoke"})
    assert response.status_code == 302
    assert all(accounts.token_user(raw=raw) is None for raw in raws)


# --- notifications -------------------------------------------------------------------------

def test_notifications_are_listed_and_marked_read() -> None:
    user = make_user("maria")
    notify.notify(users=[user], message="Your question is published.", url="/q/x/")
    notify.notify(users=[user], message="Hostile <script>alert(1)</script>",
                  url="javascript:alert(1)")
    client = signed_in(user)
    response = client.get("/accounts/notifications/")
    html = response.content.decode()
    assert response.status_code == 200 and private(response)
    assert '<a href="/q/x/">Your question is published.</a>' in html
    assert "<script>alert" not in html and "javascript:" not in html
    assert "2 unread." in text_of(html)
    assert client.post("/accounts/notifications/").status_code == 302
    assert not Notification.objects.filter(user=user, read_at__isnull=True).exists()


# --- CSRF ----------------------------------------------------------------------------------

def test_sign_up_and_sign_in_need_the_csrf_token() -> None:
    make_user("maria")
    client = Client(enforce_csrf_checks=True)
    assert client.post("/accounts/signup/", signup_data()).status_code == 403
    assert client.post("/accounts/login/", {"username": "maria", "password": PASSWORD}
                       ).status_code == 403
    assert client.post("/accounts/password/reset/", {"email": "a@example.org"}
                       ).status_code == 403
    token = csrf_token(client, "/accounts/signup/")
    response = client.post("/accounts/signup/", {**signup_data(), "csrfmiddlewaretoken": token})
    assert response.status_code == 302


def test_account_forms_need_the_csrf_token() -> None:
    client = signed_in(make_user("maria"), csrf=True)
    for url, data in (("/accounts/", {"do": "token_new"}), ("/accounts/notifications/", {}),
                      ("/accounts/logout/", {})):
        assert client.post(url, data).status_code == 403, url
    token = csrf_token(client, "/accounts/")
    assert client.post("/accounts/", {"do": "token_new", "csrfmiddlewaretoken": token}
                       ).status_code == 200
