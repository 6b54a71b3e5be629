"""Fixtures for the community services: one account per role, made by the accounts service,
and the page tests' small knowledge base (tests/kb/conftest.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User

from healthqa.community.accounts import user_create
from healthqa.search.vectors import vector_matrix_forget
from tests.kb.conftest import KB, fresh_read_caches, kb  # noqa: F401

PASSWORD = "a long and unusual passphrase"


@pytest.fixture(autouse=True)
def fast_passwords(settings: Any) -> None:
    """Argon2 is slow on purpose; these tests make many accounts."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fresh_vectors() -> Iterator[None]:
    """No test may search the in-memory vectors another test's database left behind."""
    vector_matrix_forget()
    yield
    vector_matrix_forget()


MakeUser = Callable[..., User]


@pytest.fixture
def make_user(db: None) -> MakeUser:
    """make_user("ana", "expert", email=..., display_name=...): an account made as the
    command line and the sign-up page make them."""

    def make(username: str, role: str = "member", **fields: str) -> User:
        return user_create(username=username, password=PASSWORD, role=role, **fields)

    return make


@pytest.fixture
def member(make_user: MakeUser) -> User:
    return make_user("mia", "member", email="mia@example.org", display_name="Mia Member")


@pytest.fixture
def other_member(make_user: MakeUser) -> User:
    """A member without an e-mail address."""
    return make_user("noel", "member", display_name="Noel No-Mail")


@pytest.fixture
def expert(make_user: MakeUser) -> User:
    return make_user("dr-ana", "expert", email="ana@example.org", display_name="Dr. Ana Expert",
                     profession="Obstetrician", speciality="Maternal-fetal medicine")


@pytest.fixture
def other_expert(make_user: MakeUser) -> User:
    return make_user("dr-ben", "expert", display_name="Dr. Ben Expert",
                     profession="Midwife", speciality="Antenatal care")


@pytest.fixture
def editor(make_user: MakeUser) -> User:
    return make_user("eddie", "editor", email="eddie@example.org",
                     display_name="Eddie Editor", profession="General practitioner")


@pytest.fixture
def admin(make_user: MakeUser) -> User:
    return make_user("root", "admin", display_name="Ada Admin")


@pytest.fixture
def people(member: User, expert: User, editor: User, admin: User) -> dict[str, User]:
    """One account per role, by role name."""
    return {"member": member, "expert": expert, "editor": editor, "admin": admin}
