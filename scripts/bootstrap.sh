#!/usr/bin/env bash
# Set up everything the project needs, from nothing: a Python venv with the package and
# its dev tools, and the pinned CDK CLI from package-lock.json. Safe to re-run: each step
# is skipped when its inputs have not changed since the last successful run.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "bootstrap: need Python 3.11 or newer as '$PYTHON' (set PYTHON=...)" >&2
  exit 1
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "bootstrap: need Node.js 20+ with npm on PATH" >&2
  exit 1
fi

stamp() { cat "$@" | sha256sum | cut -d' ' -f1; }

if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
want=$(stamp pyproject.toml)
if [ "$(cat .venv/.guardrails-installed 2>/dev/null)" != "$want" ]; then
  echo "bootstrap: installing Python packages into .venv" >&2
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
  echo "$want" > .venv/.guardrails-installed
fi

want=$(stamp package.json package-lock.json)
if [ "$(cat node_modules/.guardrails-installed 2>/dev/null)" != "$want" ]; then
  echo "bootstrap: installing the CDK CLI into node_modules" >&2
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > node_modules/.guardrails-installed
fi
