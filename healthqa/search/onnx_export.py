"""Export the packaged MiniLM to an ONNX graph once, cached in $HEALTHQA_MODEL_DIR.

The graph takes input_ids and attention_mask (int64, batch x sequence, both axes dynamic) and
returns the finished sentence embedding: BERT, mean pooling over the mask, L2 normalisation.
Pooling inside the graph spares copying batch x sequence x 384 hidden states out of it.
The file name carries a key (weights digest, opset, exporter versions, graph version), so a
new model package or a new exporter re-exports; the file is written to a temporary name,
checked against PyTorch and renamed, so no process ever reads half a graph.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import logging
import os
import re
import threading
import warnings
from collections.abc import Iterator
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np

from healthqa.config.declared import setting
from healthqa.search import minilm

log = logging.getLogger(__name__)

OPSET = 17
# Bump when the module built in _export() computes something different.
GRAPH_VERSION = 2
FILE_PREFIX = "all-MiniLM-L6-v2-"
# How far the exported graph may differ from PyTorch before it is refused (max abs difference
# per coordinate of a unit vector; we measure about 3e-7).
EXPORT_TOLERANCE = 1e-5
_CHECK_TEXTS = (
    "",
    "how is gout treated",
    "What are the symptoms of glaucoma? My mother was told she has high eye pressure. " * 12,
)

_lock = threading.Lock()
export_count = 0  # exports run by this process; tests use it to see that the cache is reused


def models_dir() -> Path:
    """Where exported models are cached: $HEALTHQA_MODEL_DIR, else the user's cache folder.

    Outside the data folder, so a new site (or a test run) reuses the graph another one
    exported instead of spending half a minute on it again.
    """
    configured = setting("HEALTHQA_MODEL_DIR")
    if configured:
        return Path(configured).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "healthqa" / "models"


@functools.cache
def weights_digest(path: Path) -> str:
    """SHA-256 of the packaged weights (about 0.2 s for 90 MB, so once per process)."""
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _package_version(name: str) -> str:
    try:
        return re.sub(r"[^A-Za-z0-9.]+", "_", version(name))
    except PackageNotFoundError:
        return "none"


def cache_key() -> str:
    """What the cached graph depends on: weights, opset, exporter versions, graph version."""
    digest = weights_digest(minilm.model_dir() / "model.safetensors")[:16]
    # importlib.metadata, not `import torch`: computing the key must stay cheap at query time.
    torch_v, transformers_v = _package_version("torch"), _package_version("transformers")
    return f"{digest}-opset{OPSET}-torch{torch_v}-transformers{transformers_v}-g{GRAPH_VERSION}"


def onnx_model_path(*, cache_dir: Path | None = None) -> Path:
    """The cached ONNX graph of the packaged model, exported first if it is not there yet."""
    folder = cache_dir if cache_dir is not None else models_dir()
    target = folder / f"{FILE_PREFIX}{cache_key()}.onnx"
    if target.exists():
        return target
    with _lock:
        folder.mkdir(parents=True, exist_ok=True)
        with _file_lock(folder / ".onnx-export.lock") as exclusive:
            if not target.exists():  # another thread or process may have just written it
                if exclusive:
                    _remove_leftovers(folder)
                log.info("exporting the model to ONNX (once)... this takes a few seconds")
                _export(target)
                _remove_stale(folder, keep=target)
    return target


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[bool]:
    """An exclusive lock between processes, so two of them don't export at once."""
    try:
        import fcntl
    except ImportError:  # not POSIX: the atomic rename alone keeps readers safe
        yield False
        return
    with path.open("a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield True
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _export(target: Path) -> None:
    global export_count
    try:
        import torch
        from transformers import AutoModel
    except ImportError as exc:
        raise RuntimeError(
            "exporting the model to ONNX needs torch and transformers; "
            "install healthqa with its dependencies (pip install -e .)"
        ) from exc

    model = minilm.load_sentence_transformer()
    # The plain attention arithmetic, not PyTorch's fused kernel: traced, it gives a graph
    # ONNX Runtime runs about 12% faster (benchmarks/encode.py), with the same vectors.
    with _quiet_exporter():
        bert = AutoModel.from_pretrained(str(minilm.model_dir()), attn_implementation="eager")
    module = _sentence_embedding_module(torch, bert).eval()
    sample = minilm.pad(minilm.tokenize(["a short one", "a slightly longer sample text"]))
    args = tuple(torch.from_numpy(a) for a in sample)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        with torch.no_grad(), _quiet_exporter():
            # The TorchScript exporter (dynamo=False): its graph of this model measured 10-15%
            # faster in ONNX Runtime than torch.export's, for short and long texts alike.
            torch.onnx.export(
                module,
                args,
                str(tmp),
                input_names=["input_ids", "attention_mask"],
                output_names=["sentence_embedding"],
                dynamic_axes={
                    "input_ids": {0: "batch", 1: "sequence"},
                    "attention_mask": {0: "batch", 1: "sequence"},
                    "sentence_embedding": {0: "batch"},
                },
                opset_version=OPSET,
                dynamo=False,
            )
        _check_against_torch(tmp, model)
        os.replace(tmp, target)
        export_count += 1
        log.info("ONNX model written to %s", target)
    finally:
        tmp.unlink(missing_ok=True)


@contextlib.contextmanager
def _quiet_exporter() -> Iterator[None]:
    """Silence the exporter's progress lines, INFO logs and deprecation warnings."""
    names = ("torch.onnx", "transformers")
    loggers = [logging.getLogger(name) for name in names]
    levels = [lg.level for lg in loggers]
    try:
        for lg in loggers:
            lg.setLevel(logging.ERROR)
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)


def _sentence_embedding_module(torch: Any, bert: Any) -> Any:
    """BERT followed by sentence-transformers' mean pooling and Normalize, as one module."""

    class SentenceEmbedding(torch.nn.Module):  # type: ignore[misc, name-defined]
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            # Single sentences: token types are all 0, as sentence-transformers passes them.
            tokens = self.bert(
                input_ids=input_ids,
                attention_mask=attention_mask,
                token_type_ids=torch.zeros_like(input_ids),
            ).last_hidden_state
            # Same arithmetic as sentence_transformers.models.Pooling (mean) and Normalize.
            mask = attention_mask.unsqueeze(-1).expand(tokens.size()).to(tokens.dtype)
            summed = torch.sum(tokens * mask, 1)
            counts = torch.clamp(mask.sum(1), min=1e-9)
            return torch.nn.functional.normalize(summed / counts, p=2, dim=1)

    return SentenceEmbedding()


def _check_against_torch(path: Path, model: Any) -> None:
    """Refuse a graph whose vectors differ from sentence-transformers' own."""
    import onnxruntime as ort

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    input_ids, mask = minilm.pad(minilm.tokenize(_CHECK_TEXTS))
    got = session.run(None, {"input_ids": input_ids, "attention_mask": mask})[0]
    want = model.encode(list(_CHECK_TEXTS), convert_to_numpy=True, show_progress_bar=False)
    worst = float(np.abs(got - want).max())
    if worst > EXPORT_TOLERANCE:
        raise RuntimeError(f"the ONNX export differs from PyTorch by {worst:.2e}; not using it")


def _remove_leftovers(folder: Path) -> None:
    """Delete temporary files of exports that were killed (every exporter holds the lock)."""
    for tmp in folder.glob(f".{FILE_PREFIX}*.tmp"):
        with contextlib.suppress(OSError):
            tmp.unlink()


def _remove_stale(folder: Path, *, keep: Path) -> None:
    """Delete graphs exported for other weights or exporters (90 MB each)."""
    # A process still using an old graph is unaffected: the session holds it in memory.
    for old in folder.glob(f"{FILE_PREFIX}*.onnx"):
        if old != keep:
            with contextlib.suppress(OSError):
                old.unlink()
