#!/usr/bin/env bash
# Set up, then lint, type-check and run the whole test suite (what CI runs).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
. scripts/env.sh

ruff check .
ruff format --check .
mypy
# Two workers on this 2-core machine; the installed-wheel tests share one worker (one build).
python -m pytest -n auto --dist loadgroup "$@"
