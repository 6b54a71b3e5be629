"""The sentence encoders: ONNX Runtime gives sentence-transformers' vectors, cached and batched."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from healthqa.search import minilm, onnx_export
from healthqa.search.encoder import (
    Encoder,
    HashingEncoder,
    OnnxEncoder,
    TorchEncoder,
    get_encoder,
)
from tests.helpers import REPO_ROOT

STORY = (
    "Hello, I am writing about my father who is 72 years old. For about three years he has had "
    "attacks of terrible pain in his big toe, which gets red, hot and swollen, usually at night "
    "after a family dinner with red meat and a few beers. His doctor said his uric acid is high "
    "and gave him colchicine for the attacks, but he hates taking pills every day and he also has "
    "some kidney problems and high blood pressure, for which he takes a water pill. "
)
LONG_QUESTION = (STORY * 4 + "What are the treatments for gout in older people?").strip()
TEXTS = [
    "how is gout treated",
    "",
    "What are the symptoms of glaucoma?",
    "Do I need to fast before a cholesterol test? 🙂",
    "Is ibuprofen safe during pregnancy (first trimester)?",
    LONG_QUESTION,
]


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))


def test_the_long_question_is_longer_than_the_model_reads() -> None:
    assert len(LONG_QUESTION.split()) >= 300
    assert len(minilm.tokenize([LONG_QUESTION])[0]) == minilm.max_seq_length() == 256


def test_onnx_vectors_equal_sentence_transformers_vectors(
    minilm_onnx: OnnxEncoder, minilm_torch: TorchEncoder
) -> None:
    got = minilm_onnx.encode(TEXTS)
    want = minilm_torch.encode(TEXTS)
    assert got.shape == want.shape == (len(TEXTS), 384)
    assert got.dtype == np.float32
    assert np.abs(got - want).max() < 1e-5
    for g, w in zip(got, want, strict=True):
        assert cosine(g, w) >= 0.99999


def test_the_encoders_describe_the_model_the_index_will_record(
    minilm_onnx: OnnxEncoder, minilm_torch: TorchEncoder
) -> None:
    for encoder in (minilm_onnx, minilm_torch):
        assert isinstance(encoder, Encoder)
        assert encoder.name == "sentence-transformers/all-MiniLM-L6-v2"
        assert encoder.dim == 384


def test_vectors_have_unit_length(minilm_onnx: OnnxEncoder) -> None:
    norms = np.linalg.norm(minilm_onnx.encode(TEXTS), axis=1)
    np.testing.assert_allclose(norms, 1.0, atol=1e-5)


def test_batching_and_padding_do_not_change_vectors(minilm_onnx: OnnxEncoder) -> None:
    one_by_one = np.vstack([minilm_onnx.encode([t]) for t in TEXTS])
    for batch_size in (1, 2, 4, 64):
        batched = minilm_onnx.encode(TEXTS, batch_size=batch_size)
        assert np.abs(batched - one_by_one).max() < 1e-5, batch_size


def test_vectors_come_back_in_the_order_of_the_texts(minilm_onnx: OnnxEncoder) -> None:
    # encode() sorts by length internally; the caller must never see that.
    forward = minilm_onnx.encode(TEXTS, batch_size=2)
    backward = minilm_onnx.encode(TEXTS[::-1], batch_size=2)
    assert np.abs(forward - backward[::-1]).max() < 1e-5


def test_no_texts_give_an_empty_matrix(
    minilm_onnx: OnnxEncoder, minilm_torch: TorchEncoder
) -> None:
    for encoder in (minilm_onnx, minilm_torch, HashingEncoder()):
        vectors = encoder.encode([])
        assert vectors.shape == (0, 384)
        assert vectors.dtype == np.float32


def test_a_single_string_is_refused_rather_than_encoded_letter_by_letter(
    minilm_onnx: OnnxEncoder,
) -> None:
    with pytest.raises(TypeError):
        minilm_onnx.encode("how is gout treated")  # type: ignore[arg-type]


def test_close_questions_score_higher_than_unrelated_ones(minilm_onnx: OnnxEncoder) -> None:
    query, same, other = minilm_onnx.encode(
        ["how is gout treated", "What are the treatments for gout?", "symptoms of glaucoma"]
    )
    assert cosine(query, same) > 0.7
    assert cosine(query, other) < 0.3


def test_the_story_still_finds_its_question(minilm_onnx: OnnxEncoder) -> None:
    story, gout, glaucoma = minilm_onnx.encode(
        [LONG_QUESTION, "What are the treatments for Gout?", "What are the symptoms of Glaucoma?"]
    )
    assert cosine(story, gout) > cosine(story, glaucoma)


def test_the_onnx_export_is_cached_and_reused(
    onnx_cache_dir: Path, minilm_onnx: OnnxEncoder
) -> None:
    minilm_onnx.encode(["warm up"])  # the session fixture exports at most once
    exports = onnx_export.export_count
    path = onnx_export.onnx_model_path(cache_dir=onnx_cache_dir)
    mtime = path.stat().st_mtime_ns

    fresh = OnnxEncoder(cache_dir=onnx_cache_dir)  # a new encoder, as in a new process
    fresh.encode(["how is gout treated"])

    assert onnx_export.onnx_model_path(cache_dir=onnx_cache_dir) == path
    assert onnx_export.export_count == exports
    assert path.stat().st_mtime_ns == mtime
    assert path.parent == onnx_cache_dir
    assert [p.name for p in onnx_cache_dir.glob("*.onnx")] == [path.name]
    assert not list(onnx_cache_dir.glob(".*.tmp"))


def test_the_graph_is_cached_outside_the_data_folder(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("HEALTHQA_MODEL_DIR", str(tmp_path / "models"))
    assert onnx_export.models_dir() == tmp_path / "models"
    monkeypatch.delenv("HEALTHQA_MODEL_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert onnx_export.models_dir() == tmp_path / "cache" / "healthqa" / "models"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert onnx_export.models_dir() == tmp_path / "home" / ".cache" / "healthqa" / "models"


def test_the_cache_key_follows_the_weights_and_the_exporter(monkeypatch) -> None:
    key = onnx_export.cache_key()
    assert onnx_export.weights_digest(minilm.model_dir() / "model.safetensors")[:16] in key
    assert f"opset{onnx_export.OPSET}" in key and "torch" in key
    monkeypatch.setattr(onnx_export, "GRAPH_VERSION", onnx_export.GRAPH_VERSION + 1)
    assert onnx_export.cache_key() != key


def test_a_new_key_exports_again_and_drops_the_old_graph(tmp_path: Path, monkeypatch) -> None:
    old = tmp_path / f"{onnx_export.FILE_PREFIX}old-key.onnx"
    old.write_bytes(b"an export from another model version")
    leftover = tmp_path / f".{onnx_export.FILE_PREFIX}new.onnx.12345.tmp"
    leftover.write_bytes(b"half a graph from a killed export")
    exported: list[Path] = []

    def fake_export(target: Path) -> None:  # the real one takes ~10 s; the caching is the point
        exported.append(target)
        target.write_bytes(b"graph")

    monkeypatch.setattr(onnx_export, "_export", fake_export)
    path = onnx_export.onnx_model_path(cache_dir=tmp_path)
    assert onnx_export.onnx_model_path(cache_dir=tmp_path) == path

    assert exported == [path]
    assert not old.exists()
    assert not leftover.exists()


def test_get_encoder_gives_one_instance_per_name_across_threads() -> None:
    seen: list[Encoder] = []
    threads = [threading.Thread(target=lambda: seen.append(get_encoder("hashing")))
               for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(e) for e in seen}) == 1
    assert isinstance(get_encoder("minilm-onnx"), OnnxEncoder)
    assert isinstance(get_encoder("minilm-torch"), TorchEncoder)


def test_an_unknown_encoder_name_lists_the_known_ones() -> None:
    with pytest.raises(ValueError, match="hashing, minilm-onnx, minilm-torch"):
        get_encoder("bert-large")


def test_concurrent_requests_share_one_session(minilm_onnx: OnnxEncoder) -> None:
    expected = minilm_onnx.encode(TEXTS)
    results: list[np.ndarray] = []
    threads = [threading.Thread(target=lambda: results.append(minilm_onnx.encode(TEXTS)))
               for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 4
    for r in results:
        assert np.abs(r - expected).max() < 1e-5


def test_the_hashing_encoder_is_deterministic_across_processes() -> None:
    texts = ["how is gout treated", "", "Glaucoma: symptoms?"]
    here = HashingEncoder().encode(texts)
    code = (
        "import sys, numpy as np; from healthqa.search.encoder import HashingEncoder; "
        f"np.save(sys.stdout.buffer, HashingEncoder().encode({texts!r}))"
    )
    # A different PYTHONHASHSEED proves the vectors don't depend on Python's salted hash().
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, env=env,
                         capture_output=True, check=True).stdout
    there = np.load(io.BytesIO(out))
    assert np.array_equal(here, there)
    assert here.shape == (3, 384) and here.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(here, axis=1), 1.0, atol=1e-6)


def test_the_hashing_encoder_ranks_shared_words_above_unrelated_ones(
    hashing_encoder: HashingEncoder,
) -> None:
    query, same, other = hashing_encoder.encode(
        ["how is gout treated", "treatments for gout", "symptoms of glaucoma"]
    )
    assert cosine(query, same) > cosine(query, other)
    assert hashing_encoder.name != "sentence-transformers/all-MiniLM-L6-v2"


def test_importing_the_encoders_loads_no_heavy_library() -> None:
    code = (
        "import sys, healthqa.search.encoder, healthqa.search.onnx_export; "
        "heavy = ('torch', 'onnxruntime', 'tokenizers', 'sentence_transformers', 'transformers'); "
        "print(','.join(m for m in heavy if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT,
                         capture_output=True, text=True, check=True).stdout
    assert out.strip() == ""


def test_repeated_texts_get_the_same_vector_in_every_place(minilm_onnx: OnnxEncoder) -> None:
    texts = ["What is gout?", "What are the symptoms of glaucoma?", "What is gout?", ""]
    vectors = minilm_onnx.encode(texts, batch_size=2)
    assert vectors.shape == (4, 384)
    assert np.array_equal(vectors[0], vectors[2])
    one_by_one = np.vstack([minilm_onnx.encode([t]) for t in texts])
    assert np.abs(vectors - one_by_one).max() < 1e-5



def test_a_damaged_cached_graph_is_exported_again(
    tmp_path: Path, monkeypatch, minilm_onnx: OnnxEncoder, onnx_cache_dir: Path
) -> None:
    good = onnx_export.onnx_model_path(cache_dir=onnx_cache_dir)
    damaged = tmp_path / good.name
    damaged.write_bytes(good.read_bytes()[:1000])
    exported: list[Path] = []

    def copy_export(target: Path) -> None:  # stands in for the real export (~10 s)
        exported.append(target)
        shutil.copyfile(good, target)

    monkeypatch.setattr(onnx_export, "_export", copy_export)
    vector = OnnxEncoder(cache_dir=tmp_path).encode(["how is gout treated"])

    assert exported == [damaged]
    assert np.abs(vector - minilm_onnx.encode(["how is gout treated"])).max() < 1e-6
