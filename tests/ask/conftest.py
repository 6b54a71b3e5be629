"""Fixtures for the ask tests: the page tests' small knowledge base, and the real model."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from healthqa.search import encoder as encoder_module
from healthqa.search.encoder import OnnxEncoder
from healthqa.search.vectors import vector_matrix_forget
from tests.kb.conftest import KB, fresh_read_caches, import_records, kb  # noqa: F401
from tests.search.conftest import minilm_onnx, onnx_cache_dir  # noqa: F401


@pytest.fixture
def real_model(monkeypatch: pytest.MonkeyPatch, minilm_onnx: OnnxEncoder  # noqa: F811
               ) -> Iterator[OnnxEncoder]:
    """The site's encoder (all-MiniLM-L6-v2 on ONNX Runtime) for search, import and ask."""
    monkeypatch.setenv("HEALTHQA_ENCODER", "minilm-onnx")
    monkeypatch.setitem(encoder_module._instances, "minilm-onnx", minilm_onnx)
    vector_matrix_forget()
    yield minilm_onnx
    vector_matrix_forget()


@pytest.fixture
def demo(db: None) -> None:
    """The bundled demo content, imported (and indexed) with the encoder in effect."""
    from healthqa.importers.api import demo_import

    report = demo_import(progress=False)
    assert not report.errors
