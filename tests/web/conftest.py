"""The page tests use the knowledge base the kb tests build (tests/kb/conftest.py), and
accounts made as people make them (healthqa.community.accounts)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache

from healthqa.community import accounts
from tests.kb.conftest import fresh_read_caches, kb, many_questions  # noqa: F401


@pytest.fixture(autouse=True)
def quick_accounts_and_fresh_limits(settings: Any) -> Iterator[None]:
    """Argon2 is slow on purpose (tests/cli checks it is used). The rate-limit counters live
    in the cache all processes share, a database table that each test's transaction rolls
    back; the per-process cache is emptied too, so no test inherits another's."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def people(db: None) -> dict[str, User]:
    """A member, two experts and an editor."""
    make = accounts.user_create
    return {
        "member": make(username="mia", password="pass phrase one 1", role="member"),
        "expert": make(username="lee", password="pass phrase two 2", role="expert",
                       display_name="Dr Amy Lee", profession="Obstetrician",
                       speciality="Maternal-fetal medicine"),
        "expert2": make(username="okafor", password="pass phrase three 3", role="expert",
                        display_name="Dr Chidi Okafor", profession="General practitioner"),
        "editor": make(username="ed", password="pass phrase four 4", role="editor",
                       display_name="Sam Reyes", profession="Physician"),
    }
