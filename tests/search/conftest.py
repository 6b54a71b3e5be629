"""Encoders for search tests: the real model exported once per test run, in a temp folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from healthqa.search.encoder import HashingEncoder, OnnxEncoder, TorchEncoder


@pytest.fixture(scope="session")
def onnx_cache_dir() -> Path:
    """Where this test run exports the ONNX graph (once: about 8 s): tests/conftest.py's."""
    return Path(os.environ["HEALTHQA_MODEL_DIR"])


@pytest.fixture(scope="session")
def minilm_onnx(onnx_cache_dir: Path) -> OnnxEncoder:
    """all-MiniLM-L6-v2 through ONNX Runtime, as the site runs it."""
    return OnnxEncoder(cache_dir=onnx_cache_dir)


@pytest.fixture(scope="session")
def minilm_torch() -> TorchEncoder:
    """The sentence-transformers reference."""
    return TorchEncoder()


@pytest.fixture
def hashing_encoder() -> HashingEncoder:
    """The small deterministic encoder for tests that must not load a model."""
    return HashingEncoder()
