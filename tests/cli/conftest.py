"""Fixtures for the command-line tests: the crafted knowledge base, indexed by the services."""

from __future__ import annotations

import pytest

from healthqa.search.vectors import vector_matrix_forget
from tests.evaluation.crafted_kb import crafted_kb_write


@pytest.fixture
def crafted_kb(db: None) -> int:
    """The crafted questions in the test database (hashing encoder), fresh vectors in memory."""
    vector_matrix_forget()
    created = crafted_kb_write()
    yield created
    vector_matrix_forget()
