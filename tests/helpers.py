"""Test helpers: where ../shared lives, and skipping politely without it (never under CI)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED = REPO_ROOT.parent / "shared"


def in_ci() -> bool:
    """True when running under CI, where nothing that needs ../shared may skip."""
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def shared_path(*parts: str) -> Path:
    """A path inside ../shared (which may not exist on a user's machine)."""
    return SHARED.joinpath(*parts)


def require_shared(*parts: str) -> Path:
    """The path inside ../shared, skipping the test without it (failing under CI)."""
    path = shared_path(*parts)
    if not path.exists():
        message = f"needs {path} (the shared data beside the repository)"
        if in_ci():
            pytest.fail(message + "; under CI=true it must be present")
        pytest.skip(message)
    return path
