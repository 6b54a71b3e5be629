"""Project-wide test set-up."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
# Unit tests use the small deterministic encoder; the integration tier asks for the model.
os.environ.setdefault("HEALTHQA_ENCODER", "hashing")
