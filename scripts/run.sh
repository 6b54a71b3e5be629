#!/usr/bin/env bash
# Install healthqa, prepare a SQLite database with the bundled demo content and serve it.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m venv .venv
.venv/bin/pip install --quiet --upgrade pip
.venv/bin/pip install --quiet -e .
export HF_HUB_OFFLINE=1
.venv/bin/healthqa demo
exec .venv/bin/healthqa serve --host 127.0.0.1 --port "${PORT:-8000}"
