"""Importer tests: the `slow` marker (tests that run whole imports in subprocesses)."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "slow: runs real imports in subprocesses (seconds, not milliseconds)")
