"""The page tests use the knowledge base the kb tests build (tests/kb/conftest.py)."""

from tests.kb.conftest import fresh_read_caches, kb, many_questions  # noqa: F401
