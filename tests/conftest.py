"""Project-wide test set-up."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

os.environ.setdefault("HF_HUB_OFFLINE", "1")
# One folder for the exported model graph per test run, shared by the tests and the servers
# they start (so it is exported once), and never the user's own cache.
if "HEALTHQA_MODEL_DIR" not in os.environ:
    os.environ["HEALTHQA_MODEL_DIR"] = tempfile.mkdtemp(prefix="healthqa-test-models-")
    atexit.register(shutil.rmtree, os.environ["HEALTHQA_MODEL_DIR"], ignore_errors=True)
# Unit tests use the small deterministic encoder; the integration tier asks for the model.
os.environ.setdefault("HEALTHQA_ENCODER", "hashing")
