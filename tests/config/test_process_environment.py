"""What importing healthqa sets up in a process before numpy loads."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.helpers import REPO_ROOT


def _in_fresh_python(code: str, **env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if k != "OPENBLAS_THREAD_TIMEOUT"}
    out = subprocess.run([sys.executable, "-c", code], env={**clean, **env}, cwd=REPO_ROOT,
                         capture_output=True, text=True, check=True)
    return out.stdout.strip()


def test_openblas_threads_stop_spinning_before_numpy_loads() -> None:
    code = ("import sys, os, healthqa; "
            "print('numpy' in sys.modules, os.environ['OPENBLAS_THREAD_TIMEOUT'])")
    assert _in_fresh_python(code) == "False 4"


def test_an_explicit_openblas_setting_is_kept() -> None:
    code = "import os, healthqa; print(os.environ['OPENBLAS_THREAD_TIMEOUT'])"
    assert _in_fresh_python(code, OPENBLAS_THREAD_TIMEOUT="10") == "10"
