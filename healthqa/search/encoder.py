"""Sentence encoders: texts in, L2-normalised float32 vectors out.

`get_encoder("minilm-onnx")` is what the site uses: all-MiniLM-L6-v2 run by ONNX Runtime
(about half the latency of PyTorch eager, same vectors). `minilm-torch` is the
sentence-transformers reference, and `hashing` a small deterministic stand-in for unit tests
that must not load a model. Each is created once per process and loads what it needs lazily.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from healthqa.search import minilm

log = logging.getLogger(__name__)

DEFAULT_ENCODER = "minilm-onnx"
# Texts per model call. For questions (about 24 tokens) 16-48 run about 10% faster than 64 or
# more on these cores: the activations of a smaller batch stay in cache (benchmarks/encode.py).
DEFAULT_BATCH_SIZE = 32
# Texts tokenised and length-sorted together; bounds memory for very long inputs while
# keeping most of the gain of sorting (batches of similar length waste little padding).
_CHUNK = 4096


@runtime_checkable
class Encoder(Protocol):
    """Turns texts into unit vectors; `name` and `dim` are recorded with any index built."""

    @property
    def name(self) -> str: ...

    @property
    def dim(self) -> int: ...

    def encode(
        self, texts: Sequence[str], *, batch_size: int = DEFAULT_BATCH_SIZE
    ) -> np.ndarray:
        """Vectors of shape (len(texts), dim), float32, each of L2 norm 1."""
        ...


def _check_texts(texts: Sequence[str]) -> None:
    if isinstance(texts, str):  # a lone string would be encoded character by character
        raise TypeError("encode() takes a sequence of texts, not a single string")


def _available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))  # honours CPU limits set on the process
    except AttributeError:
        return os.cpu_count() or 1


class OnnxEncoder:
    """all-MiniLM-L6-v2 through ONNX Runtime, on the graph exported once from the package."""

    name = minilm.MODEL_NAME
    dim = minilm.DIM

    def __init__(
        self, *, cache_dir: Path | None = None, threads: int | None = None, spin: bool = False
    ) -> None:
        self._cache_dir = cache_dir
        # One thread per core (2 here), capped at 4: a query is one short sequence and more
        # threads mostly add synchronisation (an assumption; only 2 cores were measured).
        self._threads = threads if threads is not None else min(_available_cores(), 4)
        # ONNX Runtime's workers busy-wait between operators by default. On a small shared
        # machine (web threads, SQLite, an import) that steals the cores the query needs;
        # benchmarks/encode.py measures both ways.
        self._spin = spin
        self._session: Any = None
        self._lock = threading.Lock()

    @property
    def threads(self) -> int:
        """ONNX Runtime intra-op threads."""
        return self._threads

    def with_threads(self, threads: int) -> OnnxEncoder:
        """The same model in a session of its own with `threads` threads.

        Bulk embedding runs one single-threaded session per core on separate batches: no
        synchronisation between threads, and steadier than one session's threads when other
        work shares the cores (benchmarks: 2 x 1 thread >= 1 x 2 threads on 2 cores).
        """
        return OnnxEncoder(cache_dir=self._cache_dir, threads=threads, spin=self._spin)

    def session(self) -> Any:
        """The ONNX Runtime session, created on first use (exporting the graph if needed)."""
        if self._session is None:
            with self._lock:
                if self._session is None:
                    self._session = self._load()
        return self._session

    def _load(self) -> Any:
        import onnxruntime as ort

        from healthqa.search.onnx_export import onnx_model_path

        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.intra_op_num_threads = self._threads
        options.inter_op_num_threads = 1  # a BERT graph is a chain: nothing to run in parallel
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.log_severity_level = 3  # errors only
        spin = "1" if self._spin else "0"
        options.add_session_config_entry("session.intra_op.allow_spinning", spin)
        path = onnx_model_path(cache_dir=self._cache_dir)
        try:
            return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        except Exception:  # onnxruntime raises its own types; a damaged file is one cause
            # Files are only ever renamed into place whole, so this is disk damage or a
            # hand-edited cache: export once more rather than fail every query.
            log.warning("could not load %s; exporting the model again", path, exc_info=True)
            path.unlink(missing_ok=True)
            path = onnx_model_path(cache_dir=self._cache_dir)
            return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def encode(
        self, texts: Sequence[str], *, batch_size: int = DEFAULT_BATCH_SIZE
    ) -> np.ndarray:
        """Vectors of shape (len(texts), 384), float32, L2-normalised."""
        _check_texts(texts)
        unique = list(dict.fromkeys(texts))
        if len(unique) < len(texts):  # MedQuAD repeats ~6% of its questions word for word
            row_of = {text: row for row, text in enumerate(unique)}
            vectors = self.encode(unique, batch_size=batch_size)
            return vectors[[row_of[text] for text in texts]]
        session = self.session()
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(texts), _CHUNK):
            token_ids = minilm.tokenize(texts[start : start + _CHUNK])
            # Sorting by length before batching: padding never changes a vector (the mask
            # excludes it) but costs time, quadratically so in attention.
            order = sorted(range(len(token_ids)), key=lambda i: len(token_ids[i]))
            for b in range(0, len(order), batch_size):
                rows = order[b : b + batch_size]
                input_ids, mask = minilm.pad([token_ids[i] for i in rows])
                (vectors,) = session.run(
                    ["sentence_embedding"], {"input_ids": input_ids, "attention_mask": mask}
                )
                out[start + np.asarray(rows)] = vectors
        return out


class TorchEncoder:
    """all-MiniLM-L6-v2 in sentence-transformers (PyTorch eager): the reference vectors."""

    name = minilm.MODEL_NAME
    dim = minilm.DIM

    def encode(
        self, texts: Sequence[str], *, batch_size: int = DEFAULT_BATCH_SIZE
    ) -> np.ndarray:
        """Vectors of shape (len(texts), 384), float32, L2-normalised (by the model itself)."""
        _check_texts(texts)
        if not texts:
            return np.empty((0, self.dim), dtype=np.float32)
        model = minilm.load_sentence_transformer()
        vectors = model.encode(
            list(texts), batch_size=batch_size, convert_to_numpy=True, show_progress_bar=False
        )
        return np.asarray(vectors, dtype=np.float32)


_WORD = re.compile(r"\w+")


class HashingEncoder:
    """A deterministic encoder for tests: hashed words, word pairs and character n-grams."""

    name = "healthqa/hashing-ngrams-v1"

    def __init__(self, *, dim: int = minilm.DIM) -> None:
        self.dim = dim

    def encode(
        self, texts: Sequence[str], *, batch_size: int = DEFAULT_BATCH_SIZE
    ) -> np.ndarray:
        """Vectors of shape (len(texts), dim), float32, L2-normalised; same text, same vector."""
        _check_texts(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for feature, weight in _hashed_features(text):
                # crc32, not hash(): Python salts str hashes per process.
                h = zlib.crc32(feature.encode())
                out[row, (h >> 1) % self.dim] += weight if h & 1 else -weight
            norm = float(np.linalg.norm(out[row]))
            if norm == 0.0:  # no words at all: one fixed unit vector
                out[row, zlib.crc32(b"<empty>") % self.dim] = norm = 1.0
            out[row] /= norm
        return out


def _hashed_features(text: str) -> list[tuple[str, float]]:
    words = _WORD.findall(text.lower())
    features = [(f"w:{w}", 1.0) for w in words]
    features += [(f"b:{a} {b}", 0.5) for a, b in zip(words, words[1:], strict=False)]
    for w in words:  # character 3- and 4-grams tie "treated" to "treatments"
        padded = f"<{w}>"
        features += [(f"c:{padded[i:i + n]}", 0.25)
                     for n in (3, 4) for i in range(len(padded) - n + 1)]
    return features


ENCODERS: dict[str, Callable[[], Encoder]] = {
    "minilm-onnx": OnnxEncoder,
    "minilm-torch": TorchEncoder,
    "hashing": HashingEncoder,
}
_instances: dict[str, Encoder] = {}
_instances_lock = threading.Lock()


def get_encoder(name: str = DEFAULT_ENCODER) -> Encoder:
    """The encoder registered under `name`, created once per process (thread-safe)."""
    with _instances_lock:
        if name not in _instances:
            if name not in ENCODERS:
                known = ", ".join(sorted(ENCODERS))
                raise ValueError(f"unknown encoder {name!r}; choose one of: {known}")
            _instances[name] = ENCODERS[name]()
        return _instances[name]
