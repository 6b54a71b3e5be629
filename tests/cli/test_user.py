"""`healthqa user`: accounts made from the command line, with their role, and API tokens."""

from __future__ import annotations

import io
import sys
from typing import Any

import click
import pytest
from click.testing import CliRunner, Result
from django.contrib.auth.models import User

from healthqa.cli import ROLE_NAMES, _password_read, main
from healthqa.community.accounts import token_user
from healthqa.community.actions import ACTIONS, user_can
from healthqa.community.models import Profile
from healthqa.community.roles import ROLE_PERMISSIONS, ROLES, user_role

pytestmark = pytest.mark.django_db

PASSWORD = "a long and unusual passphrase"
GROUPS = {"member": {"member"}, "expert": {"member", "expert"}, "editor": {"member", "editor"},
          "admin": {"member", "editor"}}


@pytest.fixture(autouse=True)
def fast_hasher(settings: Any) -> None:
    """Argon2 is slow on purpose; the test that checks it asks for it again."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def run(*args: str, stdin: str | None = PASSWORD + "\n") -> Result:
    return CliRunner().invoke(main, ["user", *args], input=stdin)


def test_the_cli_roles_are_the_services_roles() -> None:
    assert ROLE_NAMES == ROLES


@pytest.mark.parametrize("role", ROLES)
def test_user_add_makes_an_account_with_its_role_groups_and_permissions(role: str) -> None:
    result = run("add", f"dr-{role}", "--role", role, "--email", f"{role}@example.org",
                 "--name", "Dr. Ana Example", "--profession", "Obstetrician",
                 "--speciality", "Maternal-fetal medicine")
    assert result.exit_code == 0, result.output
    assert f"made the {role} account 'dr-{role}'" in result.stdout
    user = User.objects.get(username=f"dr-{role}")
    assert user.check_password(PASSWORD)
    assert user.email == f"{role}@example.org"
    assert set(user.groups.values_list("name", flat=True)) == GROUPS[role]
    assert user_role(user) == role
    assert user.is_superuser == (role == "admin")
    assert user.is_staff == (role in ("editor", "admin"))
    granted = set(ROLE_PERMISSIONS[{"admin": "editor"}.get(role, role)])
    assert {p for p in granted if user.has_perm(p)} == granted
    for action, needed in ACTIONS.items():
        expected = role == "admin" or needed.permission is None or needed.permission in granted
        assert user_can(user, action) == expected, (role, action)
    profile = Profile.objects.get(user=user)
    assert (profile.display_name, profile.profession, profile.speciality) == (
        "Dr. Ana Example", "Obstetrician", "Maternal-fetal medicine")
    assert (profile.expert == Profile.Expert.VERIFIED) == (role == "expert")


def test_the_password_is_hashed_with_argon2(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    assert run("add", "ana", "--role", "member").exit_code == 0
    user = User.objects.get(username="ana")
    assert user.password.startswith("argon2")
    assert PASSWORD not in user.password
    assert user.check_password(PASSWORD)


def test_a_wrong_role_is_refused_with_exit_2_and_makes_nobody() -> None:
    result = run("add", "ana", "--role", "doctor")
    assert result.exit_code == 2
    assert "'doctor' is not one of" in result.output
    assert not User.objects.exists()


def test_a_short_password_is_refused_naming_the_password() -> None:
    result = run("add", "ana", "--role", "member", stdin="short\n")
    assert result.exit_code == 2
    assert "Error: password:" in result.output
    assert "too short" in result.output
    assert not User.objects.exists()


def test_only_the_first_line_of_stdin_is_the_password() -> None:
    result = run("add", "ana", "--role", "member", stdin=PASSWORD + "\r\nsecond line\n")
    assert result.exit_code == 0, result.output
    assert User.objects.get(username="ana").check_password(PASSWORD)


def test_at_a_terminal_the_password_is_typed_twice_without_echo(
        monkeypatch: pytest.MonkeyPatch) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    asked: dict[str, object] = {}

    def prompt(text: str, **options: object) -> str:
        asked.update(options, text=text)
        return PASSWORD

    monkeypatch.setattr(sys, "stdin", Terminal("not read\n"))
    monkeypatch.setattr(click, "prompt", prompt)
    assert _password_read() == PASSWORD
    assert asked == {"text": "Password", "hide_input": True, "confirmation_prompt": True}


def test_no_password_on_stdin_is_refused() -> None:
    result = run("add", "ana", "--role", "member", stdin="")
    assert result.exit_code == 2
    assert "password" in result.output
    assert not User.objects.exists()


@pytest.mark.parametrize(("args", "field"), [
    (["bad name!", "--role", "member"], "username"),
    (["ana", "--role", "member", "--email", "not an address"], "email"),
    (["ana", "--role", "expert", "--name", "x" * 161], "display name"),
    (["ana", "--role", "expert", "--profession", "Nurse\x00"], "profession"),
    (["ana", "--role", "expert", "--speciality", "y" * 121], "speciality"),
])
def test_invalid_input_names_the_field_and_makes_nobody(args: list[str], field: str) -> None:
    result = run("add", *args)
    assert result.exit_code == 2, result.output
    assert f"Error: {field}:" in result.output
    assert not User.objects.exists()


def test_a_taken_username_is_refused_whatever_its_case() -> None:
    assert run("add", "ana", "--role", "member").exit_code == 0
    result = run("add", "ANA", "--role", "editor")
    assert result.exit_code == 2
    assert "Error: username: the username 'ANA' is taken" in result.output
    assert User.objects.count() == 1
    assert user_role(User.objects.get()) == "member"


def test_user_token_prints_only_a_token_that_signs_the_user_in() -> None:
    run("add", "ana", "--role", "expert")
    result = run("token", "ana", stdin=None)
    assert result.exit_code == 0, result.output
    token = result.stdout.removesuffix("\n")
    assert "\n" not in token and token.startswith("hqa_")
    assert token_user(raw=token) == User.objects.get(username="ana")
    again = run("token", "ana", stdin=None).stdout.strip()
    assert again != token and token_user(raw=again) is not None


def test_user_token_for_an_unknown_user_fails_clearly() -> None:
    result = run("token", "nobody", stdin=None)
    assert result.exit_code == 1
    assert "there is no account named 'nobody'" in result.output


def test_user_role_changes_the_role() -> None:
    run("add", "ana", "--role", "member")
    result = run("role", "ana", "editor", stdin=None)
    assert result.exit_code == 0, result.output
    user = User.objects.get(username="ana")
    assert user_role(user) == "editor" and user_can(user, "moderate")
    assert run("role", "ana", "member", stdin=None).exit_code == 0
    user = User.objects.get(username="ana")
    assert user_role(user) == "member" and not user_can(user, "moderate")
    assert run("role", "ana", "boss", stdin=None).exit_code == 2
    assert run("role", "nobody", "member", stdin=None).exit_code == 1


def test_user_list_shows_aligned_columns() -> None:
    run("add", "ana", "--role", "member")
    run("add", "dr-bartholomew", "--role", "expert")
    run("add", "ed", "--role", "editor")
    result = run("list", stdin=None)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["USERNAME", "ROLE", "EXPERT", "JOINED"]
    rows = {line.split()[0]: line.split()[1:3] for line in lines[1:]}
    assert rows == {"ana": ["member", "none"], "dr-bartholomew": ["expert", "verified"],
                    "ed": ["editor", "none"]}
    role_column = lines[0].index("ROLE")
    assert all(line[role_column - 2:role_column] == "  " and line[role_column] != " "
               for line in lines)
    assert len({line.index(line.split()[3]) for line in lines}) == 1
